"""Report files: CSV bytes from Arrow, and a folder of files that each appear whole or not at
all (``files.write_atomically``), written only after the ledger holds what they report."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from taxgate.errors import InputError
from taxgate.files import PRIVATE, write_atomically


def csv_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    return bytes(sink.getvalue().to_pybytes())


def check_out(out: Path) -> None:
    """Refuse, before any work, a folder that cannot take the report's files."""
    if out.exists() and not out.is_dir():
        raise InputError(out, "exists and is not a directory", hint="choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(out, f"cannot create the folder: {exc.strerror}") from exc


def publish(out: Path, files: Mapping[str, bytes], mode: int = PRIVATE) -> list[Path]:
    """Write each file of ``files`` into ``out`` atomically; return their paths."""
    check_out(out)
    written = []
    for name, data in files.items():
        path = out / name
        try:
            write_atomically(path, data, mode=mode)
        except OSError as exc:
            raise InputError(path, f"cannot write: {exc.strerror}") from exc
        written.append(path)
    return written
