"""Carriers and targets point at their kind (the column keeps the codes it held); a carrier
that is not a water user names its holder; a target's rate may name its own base."""

import django.db.models.deletion
from django.db import migrations, models

import carriers.models


class Migration(migrations.Migration):

    dependencies = [
        ("carriers", "0005_carrier_kinds_as_data"),
    ]

    operations = [
        migrations.AddField(
            model_name='carrier',
            name='holder',
            field=models.CharField(blank=True, help_text='Who owns the product, runs the base or carries out the project.', max_length=200, verbose_name='holder (when not a registered water user)'),
        ),
        migrations.AddField(
            model_name='carriertarget',
            name='rate_base',
            field=models.PositiveIntegerField(blank=True, help_text='For a kind without registered users to count against, e.g. the number of towns to cover.', null=True, verbose_name='rate counted against (number)'),
        ),
        migrations.AddField(
            model_name='historicalcarrier',
            name='holder',
            field=models.CharField(blank=True, help_text='Who owns the product, runs the base or carries out the project.', max_length=200, verbose_name='holder (when not a registered water user)'),
        ),
        migrations.AlterField(
            model_name='carrier',
            name='carrier_type',
            field=carriers.models.CarrierKindField(db_column='carrier_type', on_delete=django.db.models.deletion.PROTECT, related_name='carriers', to='carriers.carrierkind', verbose_name='carrier type'),
        ),
        migrations.AlterField(
            model_name='carriertarget',
            name='carrier_type',
            field=carriers.models.CarrierKindField(db_column='carrier_type', on_delete=django.db.models.deletion.PROTECT, related_name='targets', to='carriers.carrierkind', verbose_name='carrier type'),
        ),
        migrations.AlterField(
            model_name='historicalcarrier',
            name='carrier_type',
            field=carriers.models.CarrierKindField(blank=True, db_column='carrier_type', db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='carriers.carrierkind', verbose_name='carrier type'),
        ),
        migrations.CreateModel(
            name='EvaluationStandard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(blank=True, help_text='E.g. GB/T 7119-2018; empty for a document without a number.', max_length=60, verbose_name='standard number')),
                ('title', models.CharField(max_length=200, verbose_name='title')),
                ('issuer', models.CharField(blank=True, max_length=200, verbose_name='issued by')),
                ('year', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='year')),
                ('is_active', models.BooleanField(default=True, verbose_name='in use')),
            ],
            options={
                'verbose_name': 'evaluation standard',
                'verbose_name_plural': 'evaluation standards',
                'ordering': ['code', 'title'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('code', ''), _negated=True), fields=('code',), name='evaluation_standard_code_unique'), models.UniqueConstraint(fields=('title',), name='evaluation_standard_title_unique')],
            },
        ),
    ]
