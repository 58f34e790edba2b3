"""The recipient's sealed copy is recorded: the batch's ledger record names its SHA-256.

Remedies cite it in their notices ("the files you hold"), so the copy published must always
be the copy recorded. Sealing draws a fresh key each time, so a re-run after a crash cannot
make the same bytes again: it must publish the recorded copy (still staged, or already out)
or refuse, never a new one the ledger has not seen.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from taxgate.errors import ConflictError
from taxgate.ledger import Ledger
from taxgate.ledger.batches import find_batch
from taxgate.model import DecideOptions
from taxgate.pipeline import decide
from taxgate.release import StagedBatch
from taxgate.release.keys import generate_recipient_keys
from taxgate.world.generate import generate_world
from taxgate.world.request import generate_request


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("sealed")
    generate_world(root / "world", taxpayers=2_000, seed=3)
    generate_request(root / "world", root / "request", kind="mixed", size=80, seed=3)
    _, public = generate_recipient_keys(root / "keys", "ICE")
    return root / "world", root / "request" / "request.toml", public


def _options(tmp_path: Path, world: Path, key: Path | None) -> DecideOptions:
    return DecideOptions(
        world=world,
        as_of=date(2025, 8, 7),
        out=tmp_path / "out",
        store_url=f"sqlite:///{tmp_path / 'store.db'}",
        key_dir=tmp_path / "ledger-keys",
        recipient_key=key,
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _recorded(tmp_path: Path, batch: str) -> str:
    with Ledger.open(f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "ledger-keys") as ledger:
        return find_batch(ledger, batch).sealed_sha256


def test_the_published_sealed_copy_is_the_recorded_one_and_a_rerun_keeps_it(
    scenario: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    world, manifest, key = scenario
    result = decide(manifest, _options(tmp_path, world, key))
    sealed = tmp_path / "out" / "release.sealed"
    first = _sha256(sealed)
    assert _recorded(tmp_path, result.batch_id) == first
    decide(manifest, _options(tmp_path, world, key))  # the same batch again: nothing new
    assert _sha256(sealed) == first


def test_a_crash_before_publishing_publishes_the_staged_copy_on_the_rerun(
    scenario: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, manifest, key = scenario

    def crash(self: StagedBatch, summary: object) -> None:
        raise KeyboardInterrupt("killed after the ledger recorded the batch")

    with monkeypatch.context() as patched:
        patched.setattr(StagedBatch, "publish", crash)
        with pytest.raises(KeyboardInterrupt):
            decide(manifest, _options(tmp_path, world, key))
    assert not (tmp_path / "out" / "release.sealed").exists()
    result = decide(manifest, _options(tmp_path, world, key))
    published = tmp_path / "out" / "release.sealed"
    assert _sha256(published) == _recorded(tmp_path, result.batch_id)
    assert not list((tmp_path / "out").glob(".s*")), "staging folders are cleaned up"


def test_a_lost_sealed_copy_or_one_never_recorded_is_refused(
    scenario: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    world, manifest, key = scenario
    decide(manifest, _options(tmp_path, world, key))
    (tmp_path / "out" / "release.sealed").unlink()
    with pytest.raises(ConflictError, match="no longer in"):
        decide(manifest, _options(tmp_path, world, key))

    other = tmp_path / "without-key"
    other.mkdir()
    decide(manifest, _options(other, world, None))
    with pytest.raises(ConflictError, match="recorded without a sealed copy"):
        decide(manifest, _options(other, world, key))
    assert not (other / "out" / "release.sealed").exists()
