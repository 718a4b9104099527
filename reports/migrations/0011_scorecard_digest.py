from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0010_scorecard_parts")]

    operations = [
        migrations.AddField("scorecard", "digest", models.BigIntegerField(editable=False, null=True)),
    ]
