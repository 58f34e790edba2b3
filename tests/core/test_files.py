"""A file written through ``taxgate.files`` is the old one or the whole new one, never half."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from taxgate.files import PRIVATE, replaced_atomically, write_atomically


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "response.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), replaced_atomically(target) as temp:
        temp.write_text("half of the new")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["response.csv"]


def test_a_finished_write_replaces_the_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "out" / "release.sealed"
    write_atomically(target, b"sealed bytes")
    assert target.read_bytes() == b"sealed bytes"
    assert stat.S_IMODE(target.stat().st_mode) == PRIVATE
    assert sorted(p.name for p in target.parent.iterdir()) == ["release.sealed"]
