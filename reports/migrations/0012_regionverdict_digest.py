from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0011_scorecard_digest")]

    operations = [
        migrations.AddField("regionverdict", "digest", models.BigIntegerField(editable=False, null=True)),
    ]
