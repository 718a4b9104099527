"""Cross-model work of ``indicators``: ``compute`` (indicator values from what was entered),
``data`` (entering, checking and reviewing raw statistics), ``bulk_statistics`` (a
quarter's statistics of many counties imported at once by an administrator),
``standards`` (an evaluation standard loaded from its workbook by an administrator),
``judgements`` (experts' points for items judged by experts) and ``adoptions`` (which
standards a region answers to)."""

from .adoptions import adoption_remove, adoption_save, kept_under
from .bulk_statistics import BulkPreview, bulk_statistics_commit, bulk_statistics_prepare
from .compute import (
    compute_region_quarter,
    quarters_since,
    recompute,
    recompute_after_commit,
    recompute_since_after_commit,
    values_recompute,
)
from .data import (
    Entry,
    Prepared,
    UtilityEntry,
    checklist_answer_save,
    data_prepare,
    data_report_approve,
    data_report_entry,
    data_report_open,
    data_report_reopen,
    data_report_return,
    data_report_save,
    data_report_submit,
    validate_for_submission,
)
from .judgements import judgement_save
from .standards import spec_of, standard_commit, standard_prepare

__all__ = [
    "BulkPreview",
    "Entry",
    "Prepared",
    "UtilityEntry",
    "adoption_remove",
    "adoption_save",
    "bulk_statistics_commit",
    "bulk_statistics_prepare",
    "checklist_answer_save",
    "compute_region_quarter",
    "data_prepare",
    "data_report_approve",
    "data_report_entry",
    "data_report_open",
    "data_report_reopen",
    "data_report_return",
    "data_report_save",
    "data_report_submit",
    "judgement_save",
    "kept_under",
    "quarters_since",
    "recompute",
    "recompute_after_commit",
    "recompute_since_after_commit",
    "spec_of",
    "standard_commit",
    "standard_prepare",
    "validate_for_submission",
    "values_recompute",
]
