"""taxgate: decide, record by record, whether federal tax information may lawfully leave
the tax agency, and prove afterwards that it decided right.

The package is the pipeline (``pipeline.decide`` reads it top-down, one call per stage):

- ``intake``: the request manifest and items, normalised and checked for the statute's
  contents; batch screens for boilerplate requests;
- ``identity``: who each sufficient item names (Splink), or ambiguity for a person to settle;
- ``law``: the statute as Cedar policy and court orders as dated data, decided as of a date;
- ``release``: the requester's response, staged, and the recipient's sealed copy;
- ``ledger``: the tamper-evident Merkle log every decision and disclosure is recorded in
  first (write-ahead), with the batch's typed record (``ledger.batches``);
- ``review``: the items a batch left to an officer, and the verdicts;
- ``remedies``: orders that reach data already handed over: notices, acknowledgements, audit;
- ``reports``: the batch summary, the scenario report, disclosure, public (differential
  privacy) and order-compliance reports;
- ``service``: the HTTP API and web console over the same store, calling the same stages.

Around them: ``model`` (the typed values stages pass), ``errors`` (the one error tree),
``settings`` (dated thresholds), ``reasons`` (the stable reason codes), ``store``
(SQLAlchemy and Alembic), ``world`` (the synthetic master file and requests), ``baseline``
(the 2025 process, for comparison), ``demo`` (the reference scenario's acts) and ``cli``
(the thin ``taxgate`` command). No stage imports ``pipeline``, ``cli``, ``service`` or
``demo``; ``tests/core/test_architecture.py`` checks it.
"""

__version__ = "0.1.0"
