"""Scorecards store their parts as three lists (numerators, denominators, weights) instead
of a dict per part: every stored scorecard is converted, nothing recomputed, and back again
on the way down."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations, models

# The parts in the order they were stored in at this migration, written out rather than
# imported, so that a later change to reports.parts cannot change what this step does.
KEYS = ["completeness", "on_time", "progress", "indicators", "carriers", "returns", "cooperation"]


def unpacked(stored):
    found = {}
    for key, numerator, denominator, weight in zip(KEYS, stored["n"], stored["d"], stored["w"], strict=True):
        value = None
        if denominator:
            share = Decimal(100) * (Decimal(numerator) if isinstance(numerator, str) else numerator) / denominator
            value = str(share.quantize(Decimal("0.1"), ROUND_HALF_UP))
        found[key] = {"value": value, "numerator": numerator, "denominator": denominator, "weight": weight}
    return found


def to_lists(apps, schema_editor):
    Scorecard = apps.get_model("reports", "Scorecard")
    changed = []
    for card in Scorecard.objects.only("pk", "components").iterator(chunk_size=5000):
        stored = card.components or {}
        if stored:
            card.parts = {"n": [stored[key]["numerator"] for key in KEYS],
                          "d": [stored[key]["denominator"] for key in KEYS],
                          "w": [stored[key]["weight"] for key in KEYS]}
            changed.append(card)
        if len(changed) >= 5000:
            Scorecard.objects.bulk_update(changed, ["parts"])
            changed = []
    Scorecard.objects.bulk_update(changed, ["parts"])


def to_dicts(apps, schema_editor):
    Scorecard = apps.get_model("reports", "Scorecard")
    changed = []
    for card in Scorecard.objects.only("pk", "parts").iterator(chunk_size=5000):
        card.components = unpacked(card.parts) if card.parts else {}
        changed.append(card)
        if len(changed) >= 5000:
            Scorecard.objects.bulk_update(changed, ["components"])
            changed = []
    Scorecard.objects.bulk_update(changed, ["components"])


class Migration(migrations.Migration):
    dependencies = [("reports", "0009_rescore_for_running_and_leads")]

    operations = [
        migrations.AddField(model_name="scorecard", name="parts",
                            field=models.JSONField(default=dict, verbose_name="parts")),
        migrations.RunPython(to_lists, to_dicts, elidable=False),
        migrations.RemoveField(model_name="scorecard", name="components"),
    ]
