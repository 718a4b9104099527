from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("indicators", "0009_computed_value_trace")]

    operations = [
        migrations.AddField("computedvalue", "digest", models.BigIntegerField(editable=False, null=True)),
    ]
