"""Reports: what the ledger says, for each audience.

- ``summary``: one decided batch's ``summary.json``;
- ``scenario`` and ``html``: the reference scenario's comparison table and ``report.html``;
- disclosure (§6103(p)(5)), public transparency (differential privacy) and order-compliance
  reports (contracts.md §8) read the ledger's typed records (``taxgate.model.BatchRecord``).
"""
