"""Which SQL engine Splink runs on: DuckDB (default) or Spark (pyspark local mode).

Preparation (normalisation, address arrays, term frequencies) is always DuckDB SQL, and the
decision rule reads the scored pairs back into DuckDB; only Splink's training and scoring move
to Spark, for a master file that outgrows one machine. One code path: the callers ask this
module for a database API and for the dialect's spelling of the few functions the comparisons
use, and never branch on the engine themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

import duckdb
import pyarrow as pa

from taxgate.errors import ConfigError

Engine = Literal["duckdb", "spark"]


@dataclass(frozen=True)
class Dialect:
    """How the comparison SQL spells list and string functions on one engine."""

    jaro_winkler: str
    damerau: str
    levenshtein: str
    length: str  # of a string
    any_overlap: str  # two arrays share an element: format with {a} and {b}
    exists: str  # some element x of {array} satisfies {predicate}
    contains: str  # array {a} holds value {x}
    int_div: str  # integer division: format with {a} and {b}


DUCKDB_DIALECT: Final = Dialect(
    jaro_winkler="jaro_winkler_similarity",
    damerau="damerau_levenshtein",
    levenshtein="levenshtein",
    length="len",
    any_overlap="list_has_any({a}, {b})",
    exists="len(list_filter({array}, lambda {var}: {predicate})) > 0",
    contains="list_contains({a}, {x})",
    int_div="({a}) // ({b})",
)

# Splink registers jaro_winkler and damerau_levenshtein as Spark UDFs from its own jar.
SPARK_DIALECT: Final = Dialect(
    jaro_winkler="jaro_winkler",
    damerau="damerau_levenshtein",
    levenshtein="levenshtein",
    length="length",
    any_overlap="arrays_overlap({a}, {b})",
    exists="exists({array}, {var} -> {predicate})",
    contains="array_contains({a}, {x})",
    int_div="({a}) div ({b})",
)


def check_engine(engine: str) -> Engine:
    if engine == "duckdb":
        return "duckdb"
    if engine == "spark":
        return "spark"
    raise ConfigError(f"unknown identity engine {engine!r}: choose duckdb or spark")


def dialect(engine: Engine) -> Dialect:
    return SPARK_DIALECT if engine == "spark" else DUCKDB_DIALECT


def spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


def _spark_session() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            "--engine spark needs pyspark: pip install 'pyspark>=3.5,<4' (and Java 17)"
        ) from exc
    from splink.backends.spark import similarity_jar_location

    # Splink's jar carries the jaro_winkler and damerau_levenshtein UDFs.
    return (
        SparkSession.builder.master("local[2]")
        .config("spark.jars", similarity_jar_location())
        .appName("taxgate-identity")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


class Backend:
    """A Splink database API over tables prepared in DuckDB.

    ``register(name)`` hands a DuckDB table to Splink; ``fetch(sdf)`` brings a Splink result
    back into DuckDB as a table, so the decision rule is the same SQL on every engine.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, engine: Engine) -> None:
        self.con = con
        self.engine = engine
        self.dialect = dialect(engine)
        if engine == "spark":
            from splink import SparkAPI

            self._spark = _spark_session()
            self.api: Any = SparkAPI(  # type: ignore[no-untyped-call]
                spark_session=self._spark,
                break_lineage_method="persist",
                num_partitions_on_repartition=2,
            )
        else:
            from splink import DuckDBAPI

            self._spark = None
            self.api = DuckDBAPI(con)

    def register(self, table: str, name: str) -> Any:
        if self._spark is None:
            return self.api.register(table, table_name=name)
        arrow = self.con.sql(f"SELECT * FROM {table}").to_arrow_table()
        frame = self._spark.createDataFrame(arrow.to_pandas())
        # The session outlives one linker; a name from an earlier run must not clash.
        self._spark.catalog.dropTempView(name)
        return self.api.register(frame, table_name=name)

    def fetch(self, sdf: Any, target: str, columns: list[str] | None = None) -> None:
        """Copy a Splink result table (only ``columns``, when given) into DuckDB as
        ``target``."""
        if self._spark is None:
            chosen = ", ".join(columns) if columns else "*"
            self.con.execute(
                f"CREATE OR REPLACE TABLE {target} AS SELECT {chosen} FROM {sdf.physical_name}"
            )
            return
        frame = sdf.as_spark_dataframe()
        if columns:
            frame = frame.select(*columns)
        arrow = pa.Table.from_pandas(frame.toPandas(), preserve_index=False)
        self.con.register("tg_fetched", arrow)
        self.con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM tg_fetched")
        self.con.unregister("tg_fetched")
