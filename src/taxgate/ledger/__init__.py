"""The ledger stage: a tamper-evident, signed accounting of every decision and disclosure.

RFC 6962 / RFC 9162 Merkle log (``merkle``) over canonical JSON entries (``entries``), with
Ed25519-signed tree heads (``heads``, keys in ``keys``), stored through ``taxgate.store``
(``log.Ledger``), checkable by anyone from an export and the public key (``verify``,
``proofs``). A decided batch is recorded, and read back as a typed ``model.BatchRecord``,
only through ``batches``. The ledger imports no stage: it takes plain values.
"""

from taxgate.errors import EntryError, LedgerError, NoLedgerError, ProofError
from taxgate.ledger.entries import Disclosure, Entry
from taxgate.ledger.heads import TreeHead
from taxgate.ledger.log import Ledger
from taxgate.ledger.proofs import ConsistencyProof, InclusionProof
from taxgate.ledger.verify import VerifyResult

__all__ = [
    "ConsistencyProof",
    "Disclosure",
    "Entry",
    "EntryError",
    "InclusionProof",
    "Ledger",
    "LedgerError",
    "NoLedgerError",
    "ProofError",
    "TreeHead",
    "VerifyResult",
]
