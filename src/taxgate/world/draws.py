"""Weighted draws from each population's name vocabularies, vectorised over a chunk."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from taxgate.world.names import Population, populations

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Strs = npt.NDArray[np.object_]


@dataclass(frozen=True)
class WeightedTable:
    values: Strs
    cdf: npt.NDArray[np.float64]


def weighted_table(values: tuple[str, ...], weights: tuple[float, ...]) -> WeightedTable:
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    return WeightedTable(np.array(values, dtype=object), cdf / cdf[-1])


def pick(rng: np.random.Generator, table: WeightedTable, size: int) -> Strs:
    """``size`` draws from ``table`` by its weights."""
    index = np.searchsorted(table.cdf, rng.random(size), side="right")
    return table.values[np.minimum(index, len(table.values) - 1)]


@dataclass(frozen=True)
class Vocab:
    population: Population
    surnames: WeightedTable
    male: WeightedTable
    female: WeightedTable
    middle_male: WeightedTable
    middle_female: WeightedTable


@cache
def vocabularies() -> tuple[Vocab, ...]:
    result = []
    for pop in populations():
        middle_male = (pop.middle_male, pop.middle_male_weights) if pop.middle_male else None
        middle_female = (
            (pop.middle_female, pop.middle_female_weights) if pop.middle_female else None
        )
        result.append(
            Vocab(
                pop,
                weighted_table(pop.surnames, pop.surname_weights),
                weighted_table(pop.male, pop.male_weights),
                weighted_table(pop.female, pop.female_weights),
                weighted_table(*(middle_male or (pop.male, pop.male_weights))),
                weighted_table(*(middle_female or (pop.female, pop.female_weights))),
            )
        )
    return tuple(result)


def population_weights() -> npt.NDArray[np.float64]:
    weights = np.array([pop.weight for pop in populations()], dtype=np.float64)
    normalised: npt.NDArray[np.float64] = weights / weights.sum()
    return normalised


def itin_probability(itin_share: float) -> npt.NDArray[np.float64]:
    """Per-population chance of filing with an ITIN; the weighted mean is ``itin_share``.

    ``p = s + s(1-s)g`` with ``g`` the population's affinity centred on the weighted mean
    and scaled into [-1, 1], so every p stays in [0, 1] whatever ``s`` is.
    """
    affinity = np.array([pop.itin_affinity for pop in populations()], dtype=np.float64)
    centred = affinity - float(population_weights() @ affinity)
    centred /= max(1.0, float(np.abs(centred).max()))
    return itin_share + itin_share * (1 - itin_share) * centred
