"""Identity resolution: link request items to the taxpayer master file, and refuse to guess.

Public API:
- ``train_model(world)`` trains on the world itself and saves ``identity-model.json`` beside it
  (``model_is_current(world)``: one exists for the world as it is now);
- ``resolve_items(world, items)`` returns one row per item (``RESULT_SCHEMA``);
- ``explain_item(world, items, item_id)`` gives per-comparison match weights;
- ``identify(world, batch, settings)`` is a batch's whole step: train if needed, resolve the
  sufficient items, one row per item in batch order (``MATCHES_SCHEMA``).
"""

from __future__ import annotations

from taxgate.identity.explain import explain_item
from taxgate.identity.identify import MATCHES_SCHEMA, identify
from taxgate.identity.resolve import AMBIGUOUS, MATCHED, NONE, RESULT_SCHEMA, resolve_items
from taxgate.identity.saved import MODEL_FILE, model_is_current, model_path
from taxgate.identity.train import train_model

__all__ = [
    "AMBIGUOUS",
    "MATCHED",
    "MATCHES_SCHEMA",
    "MODEL_FILE",
    "NONE",
    "RESULT_SCHEMA",
    "explain_item",
    "identify",
    "model_is_current",
    "model_path",
    "resolve_items",
    "train_model",
]
