"""The corruption model of ``taxgate world request`` (``--param corruption_share=...``):
off by default, reproducible by seed, every FEBRL kind present, recorded in the truth file,
and never a change to who an item names or to what intake should find."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from taxgate.cli import app
from taxgate.errors import TaxgateError
from taxgate.world.request import default_params, generate_request
from taxgate.world.request_params import CORRUPTIONS, UNUSABLE_FORMS, with_overrides

Row = dict[str, str]


def _rows(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _request(world: Path, out: Path, seed: int, *overrides: str) -> tuple[list[Row], list[Row]]:
    params = with_overrides(default_params("mixed"), list(overrides), source="test")
    summary = generate_request(world, out, kind="mixed", size=600, seed=seed, params=params)
    return _rows(summary.items), _rows(summary.truth)


@pytest.fixture(scope="module")
def clean_and_corrupt(
    small_world: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[tuple[list[Row], list[Row]], tuple[list[Row], list[Row]]]:
    base = tmp_path_factory.mktemp("corruption")
    return (
        _request(small_world, base / "clean", 4),
        _request(small_world, base / "corrupt", 4, "corruption_share=0.6"),
    )


def _tags(row: Row) -> set[str]:
    return {tag for tag in row["variants"].split(";") if tag.startswith("corrupt-")}


def test_off_by_default(clean_and_corrupt: tuple[tuple[list[Row], list[Row]], ...]) -> None:
    (_, truth), _ = clean_and_corrupt
    assert not any(_tags(row) for row in truth)


def test_same_seed_same_corruption_other_seed_other(small_world: Path, tmp_path: Path) -> None:
    first = _request(small_world, tmp_path / "a", 9, "corruption_share=0.5")
    assert first == _request(small_world, tmp_path / "b", 9, "corruption_share=0.5")
    assert first[0] != _request(small_world, tmp_path / "c", 10, "corruption_share=0.5")[0]


def test_every_kind_appears_and_is_recorded(
    clean_and_corrupt: tuple[tuple[list[Row], list[Row]], ...],
) -> None:
    (clean_items, _), (items, truth) = clean_and_corrupt
    seen = set().union(*(_tags(row) for row in truth))
    assert seen == {f"corrupt-{kind}" for kind in CORRUPTIONS}
    corrupted = [i for i, row in enumerate(truth) if _tags(row)]
    assert 0.4 * len(truth) < len(corrupted) < 0.8 * len(truth)
    # A tagged item differs from the same item uncorrupted; an untagged one does not.
    for i, (before, after) in enumerate(zip(clean_items, items, strict=True)):
        assert (before != after) == (i in corrupted), (before, after)


def test_who_an_item_names_and_what_intake_finds_do_not_change(
    clean_and_corrupt: tuple[tuple[list[Row], list[Row]], ...],
) -> None:
    (clean_items, clean_truth), (items, truth) = clean_and_corrupt
    for before, after in zip(clean_truth, truth, strict=True):
        for column in ("item_id", "true_tin", "defect", "expected_intake", "confuser_tin"):
            assert before[column] == after[column]
    for before, after, row in zip(clean_items, items, truth, strict=True):
        # Intake's evidence stays: names, the street line and the ZIP are never blanked,
        # and an unusable address form is left exactly as it was.
        for column in ("given_name", "surname", "street", "zip"):
            assert bool(before[column]) == bool(after[column]), (column, before, after)
        if row["defect"] in UNUSABLE_FORMS or "no-street-number" in row["variants"]:
            for column in ("street", "unit", "city", "state", "zip"):
                assert before[column] == after[column]


def test_a_house_number_and_zip_are_never_both_mistyped(
    clean_and_corrupt: tuple[tuple[list[Row], list[Row]], ...],
) -> None:
    """Both off is no longer the address up to a typo (identity/address.py)."""
    (clean_items, _), (items, _) = clean_and_corrupt
    for before, after in zip(clean_items, items, strict=True):
        house_before = before["street"].split(" ", 1)[0]
        house_after = after["street"].split(" ", 1)[0]
        assert house_before == house_after or before["zip"] == after["zip"]


def test_bad_corruption_parameters_are_refused() -> None:
    params = default_params("mixed")
    with pytest.raises(TaxgateError, match="corruption_weights"):
        with_overrides(params, ["corruption_weights=1,2"], source="--param")
    with pytest.raises(TaxgateError, match="corruption_max_per_item"):
        with_overrides(params, ["corruption_max_per_item=0"], source="--param")
    with pytest.raises(TaxgateError, match="must be in"):
        with_overrides(params, ["corruption_share=1.5"], source="--param")


def test_cli_turns_corruption_on_with_a_param(small_world: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "world", "request", "--kind", "mixed", "--world", str(small_world), "--size", "200",
            "--seed", "3", "--out", str(tmp_path), "--param", "corruption_share=0.5",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert any(_tags(row) for row in _rows(tmp_path / "truth.csv"))
