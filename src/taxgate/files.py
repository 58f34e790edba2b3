"""Files that appear whole or not at all.

A crash (or a kill -9) mid-write must never leave half a response, half a sealed copy or half
a model where a reader will take it for the whole: each is written to a temporary file beside
its destination, flushed to disk, and renamed over it in one step.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Files that may carry return information are readable by their owner only.
PRIVATE = 0o600
# Files anyone may read (synthetic requests, models): the user's umask decides.
SHARED = 0o666


@contextmanager
def replaced_atomically(path: Path, *, mode: int = PRIVATE) -> Iterator[Path]:
    """A fresh temporary path beside ``path`` to write; if the block ends without an error
    the file is synced and renamed over ``path``, otherwise it is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
    try:
        yield temp
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes, *, mode: int = PRIVATE) -> None:
    with replaced_atomically(path, mode=mode) as temp:
        temp.write_bytes(data)
