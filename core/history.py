"""A record's change history (django-simple-history) told in words, for any model that
keeps one."""

from datetime import datetime

from django.utils import timezone


def record_history(record, limit=50):
    """The record's history, newest first: who, when, and each field's change in words."""
    fields = {field.name: field for field in type(record)._meta.fields}
    records = list(record.history.select_related("history_user").order_by("-history_date")[: limit + 1])
    entries = []
    for record, older in zip(records, [*records[1:], None], strict=False):
        if len(entries) == limit:
            break
        changes = []
        if older is not None:
            for change in record.diff_against(older).changes:
                field = fields[change.field]
                if field.is_relation:
                    continue  # who submitted or reviewed is the line's own "who"
                changes.append(
                    {"field": field.verbose_name, "old": _shown(field, change.old), "new": _shown(field, change.new)}
                )
        if older is not None and not changes:
            continue  # saved without a visible change (a repeated import or demo load): noise
        entries.append({"record": record, "changes": changes})
    return entries


def _shown(field, value):
    if field.choices and value is not None:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value
