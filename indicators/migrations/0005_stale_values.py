import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0004_pass_rule_fields_and_points'),
        ('org', '0002_notifications'),
    ]

    operations = [
        migrations.CreateModel(
            name='StaleValues',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('quarter', models.PositiveSmallIntegerField()),
                ('since', models.DateTimeField(auto_now_add=True)),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='org.region')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('region', 'year', 'quarter'), name='stale_values_once')],
            },
        ),
    ]
