from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_quarterly_reports'),
    ]

    operations = [
        migrations.AddField(
            model_name='quarterlyreport',
            name='build_task',
            field=models.CharField(blank=True, max_length=64, verbose_name='build task'),
        ),
    ]
