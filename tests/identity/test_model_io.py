"""The trained model is saved beside the world and reused as is, while it still fits."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from taxgate.errors import InputError
from taxgate.files import write_atomically
from taxgate.identity import model_is_current, model_path, resolve_items, saved, train_model
from taxgate.identity.blocking import blocking_rules
from taxgate.identity.explain import explain_item
from taxgate.identity.model import for_engine

from .conftest import build_world, home_of, items_table

World = tuple[Path, dict[str, Any]]


def _items(world: Path, people: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for tin in ("000100001", "000100002", "000900001", "000900008"):
        person = people[tin]
        rows.append(
            {
                "item_id": tin[-6:],
                "given_name": person["given_name"],
                "surname": person["surname"],
                "date_of_birth": person["date_of_birth"],
                **home_of(world, tin),
            }
        )
    return rows


def test_save_and_reload_give_identical_predictions(trained_world: World) -> None:
    world, people = trained_world
    saved = model_path(world)
    before = (saved.stat().st_mtime_ns, saved.read_bytes())
    items = items_table(_items(world, people))
    first = resolve_items(world, items)
    second = resolve_items(world, items)
    assert first.equals(second)
    assert (saved.stat().st_mtime_ns, saved.read_bytes()) == before  # not retrained


def test_resolving_without_a_model_says_to_train(tmp_path: Path) -> None:
    build_world(tmp_path, fillers=20)
    with pytest.raises(InputError, match="identity train"):
        resolve_items(tmp_path, items_table([{"item_id": "a", "given_name": "X"}]))


def test_missing_item_column_is_an_input_error(trained_world: World) -> None:
    world, _ = trained_world
    items = items_table([{"item_id": "a"}]).drop_columns(["zip"])
    with pytest.raises(InputError, match="zip"):
        resolve_items(world, items)


def test_explain_gives_weights_per_comparison_and_a_chart(
    trained_world: World, tmp_path: Path
) -> None:
    world, people = trained_world
    items = items_table(_items(world, people))
    chart = tmp_path / "why.html"
    table = explain_item(world, items, "100001", chart=chart)
    best = [row for row in table.to_pylist() if row["rank"] == 1]
    by_comparison = {row["comparison"]: row for row in best}
    assert best[0]["tin"] == "000100001"
    assert {"given", "surname", "dob", "address", "prior", "total"} <= set(by_comparison)
    assert by_comparison["dob"]["level"] == "exact"
    assert by_comparison["dob"]["match_weight"] > 0
    parts = sum(row["match_weight"] for row in best if row["comparison"] != "total")
    assert parts == pytest.approx(by_comparison["total"]["match_weight"], abs=1e-6)
    assert chart.read_text("utf-8").lstrip().lower().startswith("<!doctype html")


def test_explain_unknown_item_is_an_input_error(trained_world: World) -> None:
    world, people = trained_world
    with pytest.raises(InputError, match="nope"):
        explain_item(world, items_table(_items(world, people)), "nope")


def test_a_model_saved_with_other_blocking_rules_blocks_on_todays(trained_world: World) -> None:
    """Blocking rules are code, not trained values: the world is prepared only for today's
    rules, so a model saved under older rules must not bring those back."""
    world, _ = trained_world
    saved = json.loads(model_path(world).read_text("utf-8"))
    saved["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": 'l."given" = r."given"', "sql_dialect": "duckdb"}
    ]
    today = [rule.get_blocking_rule("duckdb").as_dict() for rule in blocking_rules()]
    adapted = for_engine(saved, "duckdb")
    assert adapted["blocking_rules_to_generate_predictions"] == today

    # ... while every trained m and u stays as saved.
    def trained(model: dict[str, Any]) -> list[Any]:
        return [
            (level.get("m_probability"), level.get("u_probability"))
            for comparison in model["comparisons"]
            for level in comparison["comparison_levels"]
        ]

    assert trained(adapted) == trained(saved)


def _copy(world: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "world"
    shutil.copytree(world, copy)
    return copy


def test_a_copied_world_keeps_its_model(trained_world: World, tmp_path: Path) -> None:
    world, people = trained_world
    copy = _copy(world, tmp_path)
    assert model_is_current(copy)
    items = items_table(_items(world, people))
    assert resolve_items(copy, items).equals(resolve_items(world, items))


def test_a_world_changed_in_place_is_not_resolved_with_the_old_model(
    trained_world: World, tmp_path: Path
) -> None:
    """A world regenerated or amended in place: its old model's prior and u came from other
    people, so it must be retrained before it decides anything."""
    world, people = trained_world
    copy = _copy(world, tmp_path)
    taxpayers = pq.read_table(copy / "taxpayers.parquet")
    newcomer = dict.fromkeys(taxpayers.column_names, "")
    newcomer.update(tin="000199999", tin_type="SSN", given_name="Ada", surname="Newcomb")
    pq.write_table(
        pa.concat_tables([taxpayers, pa.Table.from_pylist([newcomer], taxpayers.schema)]),
        copy / "taxpayers.parquet",
    )
    assert not model_is_current(copy)
    items = items_table(_items(world, people))
    with pytest.raises(InputError, match="another version of this world"):
        resolve_items(copy, items)
    train_model(copy)
    assert model_is_current(copy)
    assert resolve_items(copy, items).num_rows == items.num_rows


def test_a_model_saved_by_another_taxgate_is_not_used(trained_world: World, tmp_path: Path) -> None:
    """Saved before models carried their provenance, or by comparisons that have changed
    since: its levels may no longer mean what they say."""
    world, people = trained_world
    copy = _copy(world, tmp_path)
    model = json.loads((copy / saved.MODEL_FILE).read_text("utf-8"))
    assert model.pop(saved.PROVENANCE)["comparisons"] == saved.comparisons_fingerprint()
    (copy / saved.MODEL_FILE).write_text(json.dumps(model), "utf-8")
    assert not model_is_current(copy)
    with pytest.raises(InputError, match="another version of taxgate"):
        resolve_items(copy, items_table(_items(world, people)))


def _read_only(monkeypatch: pytest.MonkeyPatch, *folders: Path) -> None:
    """Saving into ``folders`` fails as on a read-only mount, whoever runs the tests (root
    may write anywhere, so file modes cannot stand in)."""

    def guarded(path: Path, data: bytes, *, mode: int) -> None:
        if path.parent.resolve() in {folder.resolve() for folder in folders}:
            raise PermissionError(13, "Read-only file system", str(path))
        write_atomically(path, data, mode=mode)

    monkeypatch.setattr(saved, "write_atomically", guarded)


def test_a_read_only_world_keeps_its_model_in_the_cache(
    trained_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, people = trained_world
    copy = _copy(world, tmp_path)
    (copy / saved.MODEL_FILE).unlink()
    cache = tmp_path / "cache"
    monkeypatch.setenv(saved.CACHE_ENV, str(cache))

    _read_only(monkeypatch, copy)
    written = train_model(copy)
    assert written.parent == cache
    assert not (copy / saved.MODEL_FILE).exists()
    assert model_path(copy) == written
    assert model_is_current(copy)
    items = items_table(_items(world, people))
    assert resolve_items(copy, items).equals(resolve_items(world, items))


def test_a_world_without_dates_of_birth_trains_and_releases_only_with_a_tin(
    tmp_path: Path,
) -> None:
    """contracts.md §1 lets date_of_birth be empty, even everywhere: the first EM pass then
    blocks on the TIN instead, and the release gate still needs a TIN to agree."""
    people = build_world(tmp_path, fillers=300)
    taxpayers = pq.read_table(tmp_path / "taxpayers.parquet")
    index = taxpayers.column_names.index("date_of_birth")
    empty = pa.array([""] * taxpayers.num_rows, pa.string())
    pq.write_table(
        taxpayers.set_column(index, "date_of_birth", empty), tmp_path / "taxpayers.parquet"
    )
    train_model(tmp_path)
    tin = "000100007"
    person = people[tin]
    item = {
        "given_name": person["given_name"],
        "surname": person["surname"],
        **home_of(tmp_path, tin),
    }
    found = resolve_items(
        tmp_path,
        items_table([{**item, "item_id": "with-tin", "tin": tin}, {**item, "item_id": "no-tin"}]),
    ).to_pylist()
    outcome = {row["item_id"]: (row["outcome"], row["tin"]) for row in found}
    assert outcome["with-tin"] == ("matched", tin)
    assert outcome["no-tin"][0] != "matched"


def test_a_world_too_small_to_learn_from_is_refused(tmp_path: Path) -> None:
    """Sixteen taxpayers: each EM pass would see fewer than ten pairs, and a model trained on
    nothing would decide on Splink's starting values."""
    people = list(build_world(tmp_path, fillers=16).values())[:16]
    pq.write_table(pa.Table.from_pylist(people), tmp_path / "taxpayers.parquet")
    with pytest.raises(InputError, match="too few taxpayers"):
        train_model(tmp_path)
    assert not model_is_current(tmp_path)


def test_a_model_file_that_is_not_a_model_is_an_input_error(
    trained_world: World, tmp_path: Path
) -> None:
    world, people = trained_world
    copy = _copy(world, tmp_path)
    for text in ("[1, 2]", '{"comparisons": 3}', "\u00ff not json"):
        (copy / saved.MODEL_FILE).write_text(text, "utf-8")
        with pytest.raises(InputError, match="not a saved identity model"):
            resolve_items(copy, items_table(_items(world, people)))


def test_nowhere_to_save_the_model_is_one_line_naming_the_cache_setting(
    trained_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, _ = trained_world
    copy = _copy(world, tmp_path)
    monkeypatch.setenv(saved.CACHE_ENV, str(tmp_path / "cache"))
    _read_only(monkeypatch, copy, tmp_path / "cache")
    with pytest.raises(InputError, match=saved.CACHE_ENV):
        train_model(copy)


def test_a_chart_that_cannot_be_written_is_an_input_error(
    trained_world: World, tmp_path: Path
) -> None:
    world, people = trained_world
    (tmp_path / "a-file").write_text("", "utf-8")
    with pytest.raises(InputError, match="cannot write the chart"):
        explain_item(
            world, items_table(_items(world, people)), "100001", chart=tmp_path / "a-file" / "x"
        )
