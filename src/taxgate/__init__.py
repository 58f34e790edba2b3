"""taxgate: decide, record by record, whether federal tax information may lawfully leave
the tax agency, and prove afterwards that it decided right."""

__version__ = "0.1.0"
