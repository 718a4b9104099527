"""Scorecards store their parts as three lists (numerators, denominators, weights) instead
of a dict per part: every stored scorecard is converted, nothing recomputed, and back again
on the way down."""

from django.db import migrations, models

from reports.parts import KEYS, unpacked


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
        card.components = unpacked(card.parts)
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
