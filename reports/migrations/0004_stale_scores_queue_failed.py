from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0003_quarterly_report_build_task'),
    ]

    operations = [
        migrations.AddField(
            model_name='stalescores',
            name='queue_failed',
            field=models.BooleanField(default=False),
        ),
    ]
