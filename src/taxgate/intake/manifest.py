"""Load and validate a request manifest (contracts.md §2).

Structural fields (``id``, ``requester``, ``received``, ``purpose``, ``basis``, ``data``,
``items``) are required: without them the request cannot be read, so their absence is an
``InputError``. The fields that carry what the statute requires of the request itself
(``statutory_authority``, ``certification``, ``[signer]``) may be missing or empty: that is a
defect of the request, recorded on every item (``request.no-authority``,
``request.certification``, ``request.signer``), not a broken file. A present field of the
wrong type is always an ``InputError``.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from taxgate.errors import InputError
from taxgate.model import DATA_CATEGORIES, PURPOSES, DataCategory, Manifest, Purpose, Signer


def load_manifest(path: Path) -> Manifest:
    """Read ``path`` and return the validated manifest; the items file is checked to exist
    inside the manifest's folder but not read."""
    raw = _read(path)
    signer = _signer(path, raw.get("signer", {}))
    return Manifest(
        id=_text(path, raw, "id", required=True),
        requester=_text(path, raw, "requester", required=True).upper(),
        received=_date(path, raw),
        purpose=cast(Purpose, _choice(path, raw, "purpose", PURPOSES)),
        basis=_text(path, raw, "basis", required=True),
        statutory_authority=_text(path, raw, "statutory_authority"),
        data=_categories(path, raw),
        items_path=_items_path(path, raw),
        certification=_flag(path, raw, "certification"),
        ex_parte_order=_text(path, raw, "ex_parte_order"),
        signer=signer,
        path=path,
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise InputError(path, "manifest not found") from exc
    except IsADirectoryError as exc:
        raise InputError(path, "is a directory, not a manifest file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, f"not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(path, "not valid UTF-8", hint="save the manifest as UTF-8") from exc


def _text(path: Path, raw: dict[str, Any], key: str, *, required: bool = False) -> str:
    if key not in raw:
        if required:
            raise InputError(path, "missing field", field=key, hint="see contracts.md §2")
        return ""
    value = raw[key]
    if not isinstance(value, str):
        raise InputError(path, f"must be a string, not {type(value).__name__}", field=key)
    if required and not value.strip():
        raise InputError(path, "must not be empty", field=key)
    return value.strip()


def _date(path: Path, raw: dict[str, Any]) -> date:
    if "received" not in raw:
        raise InputError(path, "missing field", field="received")
    value = raw["received"]
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(path, f"not a date: {value!r}", field="received", hint="write 2025-08-06")


def _choice(path: Path, raw: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = _text(path, raw, key, required=True).lower()
    if value not in allowed:
        raise InputError(
            path, f"unknown {key} {value!r}", field=key, hint="one of " + ", ".join(allowed)
        )
    return value


def _categories(path: Path, raw: dict[str, Any]) -> tuple[DataCategory, ...]:
    if "data" not in raw:
        raise InputError(path, "missing field", field="data", hint='e.g. data = ["address"]')
    value = raw["data"]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(path, "must be a list of strings", field="data")
    if not value:
        raise InputError(path, "asks for no data category", field="data")
    for item in value:
        if item not in DATA_CATEGORIES:
            raise InputError(
                path,
                f"unknown data category {item!r}",
                field="data",
                hint="one of " + ", ".join(DATA_CATEGORIES),
            )
    return tuple(cast(list[DataCategory], value))


def _flag(path: Path, raw: dict[str, Any], key: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise InputError(path, f"must be true or false, not {value!r}", field=key)
    return value


def _signer(path: Path, value: Any) -> Signer:
    if not isinstance(value, dict):
        raise InputError(path, "must be a table ([signer])", field="signer")
    parts = [_text(path, value, key) for key in ("name", "title", "agency")]
    return Signer(name=parts[0], title=parts[1], agency=parts[2].upper())


def _items_path(path: Path, raw: dict[str, Any]) -> Path:
    given = _text(path, raw, "items", required=True)
    folder = path.resolve().parent
    relative = Path(given)
    if relative.is_absolute():
        raise InputError(
            path, "items must be a path relative to the manifest", field="items", hint=given
        )
    resolved = (folder / relative).resolve()  # follows symlinks
    if not resolved.is_relative_to(folder):
        raise InputError(
            path,
            f"items {given!r} resolves outside the manifest's folder",
            field="items",
            hint="keep the item file beside the manifest",
        )
    return path.parent / relative
