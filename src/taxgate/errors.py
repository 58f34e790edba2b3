"""One exception hierarchy, with messages written for the person who hit the error.

Every user mistake surfaces as a ``TaxgateError``; the CLI prints its message on one line
and exits non-zero. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class TaxgateError(Exception):
    """Base class: an error caused by input or environment, explained for a person."""

    exit_code = 2


class InputError(TaxgateError):
    """A file the user gave us cannot be used. Names the file, and where known row and field.

    ``row`` is the 1-based data row (the header is not counted) so it matches what a person
    sees in a spreadsheet's row numbers minus the header line.
    """

    def __init__(
        self,
        file: str | Path,
        problem: str,
        *,
        row: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = str(file)
        self.row = row
        self.field = field
        self.problem = problem
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        text = ", ".join(where) + f": {self.problem}"
        if self.hint:
            text += f" ({self.hint})"
        # One line, always: a newline inside a quoted cell must not split the message.
        return " ".join(text.split())


class ConfigError(TaxgateError):
    """A settings, registry or policy file is malformed."""
