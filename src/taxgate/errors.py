"""One exception hierarchy, with messages written for the person who hit the error.

Every error taxgate raises on purpose derives from ``TaxgateError``; the CLI prints its
message on one line and exits with ``exit_code``, the HTTP service answers ``http_status``
with the same line as JSON. Anything else is a bug and keeps its traceback (the service logs
it and answers 500 without it).

The tree, with the CLI exit status and the HTTP status of each::

    TaxgateError             2  400  a user mistake not more specific than below
    ├── InputError           2  422  a file cannot be used (names file, row, field)
    │   └── OptionError      2  422  a command-line option or parameter cannot be used
    ├── ConfigError          2  500  a settings, registry or policy file is malformed
    ├── NotFoundError          2  404  no batch, item, order, notice or entry with that name
    ├── ConflictError          2  409  the store already holds something this contradicts
    ├── ForbiddenError         2  403  the caller's role, or the statute, does not allow this
    ├── LedgerError          2  500  the ledger cannot do what was asked (store, keys)
    │   ├── NoLedgerError    2  404  a reading command found no ledger at the store
    │   ├── EntryError       2  500  an entry that must never be recorded (a float, a TIN)
    │   ├── ProofError       1  422  a proof or checkpoint does not verify
    │   └── TamperedError    1  500  the store's contents no longer match their hashes
    └── SealError            2  422  a sealed release cannot be opened (see release.seal)

Exit status 1 means "checked, and the check failed" (``ledger verify``, ``check-proof``);
2 means "could not do what was asked". Both print one line.
"""

from __future__ import annotations

from pathlib import Path


class TaxgateError(Exception):
    """Base class: an error caused by input or environment, explained for a person."""

    exit_code = 2
    http_status = 400


class InputError(TaxgateError):
    """A file the user gave us cannot be used. Names the file, and where known row and field.

    ``row`` is the 1-based data row (the header is not counted) so it matches what a person
    sees in a spreadsheet's row numbers minus the header line. ``file`` may also be an option
    (``--as-of``) when the mistake is on the command line.
    """

    http_status = 422

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


class OptionError(InputError):
    """A command-line option, request parameter or API field that cannot be used.

    The message is already a sentence naming the option (``--size must be between ...``);
    ``option`` keeps the name for callers that point at the field (a web form)."""

    def __init__(self, message: str, *, option: str | None = None) -> None:
        self.option = option
        TaxgateError.__init__(self, " ".join(message.split()))
        self.file, self.row, self.field, self.problem, self.hint = "", None, option, message, None

    def one_line(self) -> str:
        return str(self)


class ConfigError(TaxgateError):
    """A settings, registry or policy file is malformed."""

    http_status = 500


class NotFoundError(TaxgateError):
    """Nothing with that name: a batch, item, order, notice or ledger entry."""

    http_status = 404


class ConflictError(TaxgateError):
    """What was asked contradicts what is already recorded (a verdict is final, a batch was
    decided with other results, a request was decided again since)."""

    http_status = 409


class ForbiddenError(TaxgateError):
    """Not allowed: the caller's role (the service), or the statute itself (no lookup for an
    insufficient item, §7213A). Nothing was shown and nothing recorded."""

    http_status = 403


class LedgerError(TaxgateError):
    """The ledger cannot do what was asked (damaged store, another key, duplicate key)."""

    http_status = 500


class NoLedgerError(LedgerError):
    """A read-only command was pointed at a store or key directory that holds no ledger."""

    http_status = 404


class EntryError(LedgerError):
    """An entry that must not be recorded (a float, a TIN-shaped value, an unknown kind)."""


class ProofError(LedgerError):
    """A proof, tree head or checkpoint does not verify; the message says which check failed."""

    exit_code = 1
    http_status = 422


class TamperedError(LedgerError):
    """The store's entries, nodes or heads no longer match their hashes or signatures."""

    exit_code = 1

    def __init__(self, index: int | None, reason: str, last: int | None = None) -> None:
        super().__init__(reason)
        self.index, self.reason, self.last = index, reason, last


class SealError(TaxgateError):
    """A sealed release cannot be opened or inspected."""

    http_status = 422


def one_line(error: TaxgateError) -> str:
    """The message the CLI prints and the service returns: always a single line."""
    return " ".join(str(error).split())
