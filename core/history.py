"""A record's change history (django-simple-history) told in words, for any model that
keeps one; and history rows written in bulk for rows written in bulk."""

from datetime import datetime

from django.db import connection
from django.db.models import CharField, DateTimeField, IntegerField, Value
from django.utils import timezone
from django.utils.translation import gettext as _


def record_history(record, limit=50):
    """The record's history, newest first: who, when, and each field's change in words."""
    fields = {field.name: field for field in type(record)._meta.fields}
    records = list(record.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
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
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def record_bulk(queryset, *, history_type, user, reason="", date=None):
    """Write one history row for every row of ``queryset``, as the row is stored now, in a
    single INSERT … SELECT; returns nothing.

    For rows written in bulk without signals (``bulk_create``, ``core.bulk.upsert``):
    django-simple-history's own bulk helpers build a model instance per history row in
    Python, which for tens of thousands of rows takes longer than writing the rows. Here
    the database copies the tracked columns itself. ``history_type`` is "+" for created
    rows and "~" for changed ones, as django-simple-history records them."""
    history = queryset.model.history.model
    constants = {  # history field -> (value for every row, its type)
        "history_date": (date or timezone.now(), DateTimeField()),
        "history_change_reason": (reason, CharField()),
        "history_type": (history_type, CharField()),
        "history_user": (user.pk if user else None, IntegerField()),
    }
    annotations = {f"bulk_{name}": Value(value, output_field=kind) for name, (value, kind) in constants.items()}
    source = (
        queryset.order_by()
        .annotate(**annotations)
        .values_list(*[field.attname for field in history.tracked_fields], *annotations)
    )
    sql, params = source.query.sql_with_params()
    names = [*(field.name for field in history.tracked_fields), *constants]
    columns = ", ".join(connection.ops.quote_name(history._meta.get_field(name).column) for name in names)
    table = connection.ops.quote_name(history._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)
