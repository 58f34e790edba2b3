"""The trained model on disk: where it lives, whether it still fits its world, and reading and
writing it whole.

A model belongs to one world as it was when trained (its u probabilities and its prior come
from that world's size and names) and to one version of the comparisons (what each level
means). So the saved model carries a fingerprint of both, and is used only while both still
agree. A world regenerated in place, or a taxgate whose comparisons changed, would otherwise
decide quietly on another world's numbers, or fail to load a model whose levels were renamed.
``decide`` retrains such a model once; ``identity explain`` and ``resolve_items`` say to.

The model is saved beside the world. A world on a read-only mount (where a master file often
lives) keeps its model in a local cache instead, named by the world's fingerprint:
``.taxgate/models/`` under the working directory, or ``$TAXGATE_MODEL_CACHE``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Final

from taxgate.errors import InputError
from taxgate.files import SHARED, write_atomically
from taxgate.identity.model import comparisons
from taxgate.world.io import WORLD_TABLES, table_path

MODEL_FILE: Final = "identity-model.json"
PROVENANCE: Final = "taxgate_provenance"
CACHE_ENV: Final = "TAXGATE_MODEL_CACHE"
DEFAULT_CACHE: Final = Path(".taxgate") / "models"


@functools.lru_cache(maxsize=64)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    """SHA-256 of a file's bytes; size and mtime are part of the key so that a file changed
    in place is hashed again (a 10M-taxpayer world hashes in about a second)."""
    del size, mtime_ns
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def world_fingerprint(world: Path) -> str:
    """A digest of the world's tables as they are now (contents, not names or dates: a copied
    world keeps its model)."""
    digest = hashlib.sha256()
    for name in WORLD_TABLES:
        path = table_path(world, name)
        stat = path.stat()
        content = _file_digest(str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        digest.update(f"{name}{path.suffix}:{content}\n".encode())
    return digest.hexdigest()


def comparisons_fingerprint() -> str:
    """A digest of today's comparison levels, their order and SQL."""
    spec = json.dumps(comparisons(), sort_keys=True, default=str)
    return hashlib.sha256(spec.encode()).hexdigest()


def provenance(world: Path) -> dict[str, str]:
    return {"world": world_fingerprint(world), "comparisons": comparisons_fingerprint()}


def _cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE)


def _places(world: Path) -> tuple[Path, Path]:
    """Beside the world, then the cache."""
    return world / MODEL_FILE, _cache_root() / f"{world_fingerprint(world)}.json"


def _read(path: Path) -> dict[str, Any]:
    hint = "retrain with taxgate identity train"
    try:
        loaded = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, "not a saved identity model (not JSON)", hint=hint) from exc
    if not isinstance(loaded, dict) or not isinstance(loaded.get("comparisons"), list):
        raise InputError(path, "not a saved identity model (no comparisons)", hint=hint)
    return loaded


def _current(world: Path) -> tuple[Path, dict[str, Any]] | None:
    wanted = provenance(world)
    for path in _places(world):
        if path.is_file():
            try:
                model = _read(path)
            except InputError:
                continue
            if model.pop(PROVENANCE, None) == wanted:
                return path, model
    return None


def model_is_current(world: Path) -> bool:
    """Whether a model trained on this world, as it is now, by today's comparisons exists."""
    return _current(world) is not None


def model_path(world: Path) -> Path:
    """The file of the model in use for ``world`` (beside it unless it lives in the cache);
    beside the world when there is none yet."""
    found = _current(world)
    return found[0] if found else world / MODEL_FILE


def load_model(world: Path) -> dict[str, Any]:
    """The saved model for ``world``, or an error telling the user to train (again)."""
    found = _current(world)
    if found is not None:
        return found[1]
    hint = f"run: taxgate identity train --world {world}"
    for path in _places(world):
        if path.is_file():
            _read(path)  # a file that is not JSON says so
            raise InputError(
                path,
                "the identity model was trained on another version of this world or by "
                "another version of taxgate",
                hint=hint,
            )
    raise InputError(world / MODEL_FILE, "no trained identity model", hint=hint)


def save_model(world: Path, model: dict[str, Any]) -> Path:
    """Write ``model`` with its provenance beside the world, or into the cache when the
    world's directory cannot be written; returns where it went."""
    data = json.dumps({**model, PROVENANCE: provenance(world)}, indent=2).encode("utf-8")
    beside, cached = _places(world)
    try:
        # Whole or not at all: a half-written model would fail every later resolve.
        write_atomically(beside, data, mode=SHARED)
    except OSError:
        try:
            write_atomically(cached, data, mode=SHARED)
        except OSError as exc:
            raise InputError(
                cached.parent,
                f"cannot save the identity model: the world's folder is read-only and the cache "
                f"is not writable either ({exc.strerror})",
                hint=f"set {CACHE_ENV} to a writable folder",
            ) from exc
        return cached.resolve()
    return beside
