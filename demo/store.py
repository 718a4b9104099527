"""Writing demo rows so that loading twice writes nothing the second time.

``update_or_create`` saves a row it finds even when nothing differs, and every save of a
model with a history adds a history row (as if someone had edited it). ``put`` compares
first and saves only the fields that differ, so a second load leaves rows and histories
as they were, and a row changed by hand is brought back to the demo's value with one
honest history row.
"""

from django.db import models

UNREAD = object()


def put(model, lookup, values=None, *, by=None, row=UNREAD):
    """The row of ``model`` matching ``lookup`` holding ``values``: created when there is
    none, its differing fields saved when there is, left alone when it already holds them.
    ``by``: the user a history row names; ``row``: the stored row (or None) when the caller
    has already read it. Returns (row, whether anything was written)."""
    values = values or {}
    if row is UNREAD:
        row = model.objects.filter(**lookup).first()
    if row is None:
        row = model(**{**lookup, **values})
        row._history_user = by
        row.save()
        return row, True
    changed = [name for name, value in values.items() if differs(row, name, value)]
    if not changed:
        return row, False
    for name in changed:
        setattr(row, name, values[name])
    stamps = [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    row._history_user = by
    row.save(update_fields=[*changed, *stamps])
    return row, True


def differs(row, name, value):
    """Whether ``value`` is not what ``row`` holds in field ``name``, compared as the field
    stores it ("26.1" equals Decimal("26.1000"), a related row equals its id)."""
    field = row._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        wanted = value.pk if isinstance(value, models.Model) else value
        return getattr(row, field.attname) != wanted
    if value is None:
        return getattr(row, name) is not None
    return getattr(row, name) != field.to_python(value)
