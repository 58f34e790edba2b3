"""The reports the service has made, kept in its work folder: ``WORK/reports/KIND/NAME/``.

A report is made in a draft folder and renamed into place once the stage has written its files
and the service the JSON it answered (``view.json``): a folder under ``reports/`` is whole or
absent, never half a report, whatever happens mid-way. A disclosure or compliance report is
named by a random id; a public report by its period and the ledger entry that recorded its
spend, so the latest one of a period is found from the ledger alone.

A proof bundle can be hundreds of megabytes at ten million entries: it is zipped while it is
sent, a block at a time, never built whole in memory or on disk.
"""

from __future__ import annotations

import io
import re
import secrets
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, TypeVar

from pydantic import BaseModel

from taxgate.errors import NotFoundError
from taxgate.files import SHARED, write_atomically

REPORTS: Final = "reports"
VIEW: Final = "view.json"
DRAFTS: Final = ".drafts"
BLOCK: Final = 1 << 20
_ID = re.compile(r"[0-9a-f]{16}")

View = TypeVar("View", bound=BaseModel)


def new_id() -> str:
    return secrets.token_hex(8)


def folder(work: Path, kind: str, report_id: str) -> Path:
    """The kept report ``kind``/``report_id``; the id comes from a URL, so only the shape we
    make is taken: nothing else can name a path outside the folder."""
    if not _ID.fullmatch(report_id):
        raise NotFoundError(f"no {kind} report {report_id!r}")
    return work / REPORTS / kind / report_id


def public_folder(work: Path, period: int, entry: int) -> Path:
    """The public report of ``period`` whose spend is ledger entry ``entry``."""
    return work / REPORTS / "public" / str(period) / str(entry)


@contextmanager
def draft(work: Path) -> Iterator[Path]:
    """A fresh folder to make a report in; whatever is left of it at the end is removed (a
    report kept with ``keep`` has left already)."""
    path = work / REPORTS / DRAFTS / new_id()
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def keep(made: Path, view: BaseModel, target: Path) -> None:
    """Write the answer beside the report's files, then move the whole folder into place."""
    write_atomically(made / VIEW, view.model_dump_json(by_alias=True).encode(), mode=SHARED)
    target.parent.mkdir(parents=True, exist_ok=True)
    made.rename(target)


def load(path: Path, model: type[View], what: str) -> View:
    try:
        text = (path / VIEW).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFoundError(f"no {what}: it was not made by this service") from None
    return model.model_validate_json(text)


def file_in(path: Path, name: str, names: tuple[str, ...], what: str) -> Path:
    if name not in names:
        raise NotFoundError(f"{what} has no file {name!r}; it has {', '.join(names)}")
    found = path / name
    if not found.is_file():
        raise NotFoundError(f"{what} has no {name}")
    return found


class _Sink(io.RawIOBase):
    """Where the zip writer puts its bytes until the response takes them."""

    def __init__(self) -> None:
        self.blocks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.blocks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.blocks)
        self.blocks.clear()
        return data


def zipped(path: Path, prefix: str) -> Iterator[bytes]:
    """The files of ``path`` as a zip archive (under ``prefix/``), produced as it is read."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for source in sorted(p for p in path.iterdir() if p.is_file()):
            name = f"{prefix}/{source.name}"
            with source.open("rb") as reader, archive.open(name, "w", force_zip64=True) as writer:
                while block := reader.read(BLOCK):
                    writer.write(block)
                    yield sink.take()
    yield sink.take()
