"""Cross-model work of ``tasks``: ``plans`` (import, editing, copying a plan) and
``progress`` (the quarterly ledger and its review)."""

from .plans import (
    ALIAS,
    IMPORT_UPLOADS,
    MAP,
    NEW,
    NODE_FIELDS,
    EditConflict,
    ImportBlocked,
    ImportResult,
    node_create,
    node_delete,
    node_move,
    node_update,
    plan_copy,
    plan_import,
    plan_update,
    save_versioned,
    stale_import_uploads_purge,
)
from .progress import (
    REPORT_FIELDS,
    TransitionRefused,
    progress_approve,
    progress_bulk_approve,
    progress_open,
    progress_reopen,
    progress_return,
    progress_save,
    validate_for_submission,
)

__all__ = [
    "ALIAS", "IMPORT_UPLOADS", "MAP", "NEW", "NODE_FIELDS", "REPORT_FIELDS", "EditConflict", "ImportBlocked",
    "ImportResult", "TransitionRefused", "node_create", "node_delete", "node_move", "node_update", "plan_copy",
    "plan_import", "plan_update", "progress_approve", "progress_bulk_approve", "progress_open", "progress_reopen",
    "progress_return", "progress_save", "save_versioned", "stale_import_uploads_purge", "validate_for_submission",
]  # fmt: skip
