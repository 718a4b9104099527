"""The standards carriers are evaluated under, and the one each carrier names."""

import django.db.models.deletion
from django.db import migrations, models


def create_national_standard(apps, schema_editor):
    EvaluationStandard = apps.get_model("carriers", "EvaluationStandard")
    EvaluationStandard.objects.get_or_create(code="GB/T 7119-2018", defaults={
        "title": "节水型企业评价导则", "issuer": "国家市场监督管理总局、中国国家标准化管理委员会", "year": 2018})


class Migration(migrations.Migration):

    dependencies = [
        ("carriers", "0006_carriers_point_at_their_kind_holder_rate_base"),
    ]

    operations = [
        migrations.AddField(
            model_name='carrier',
            name='standard',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='carriers', to='carriers.evaluationstandard', verbose_name='evaluated under'),
        ),
        migrations.AddField(
            model_name='historicalcarrier',
            name='standard',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='carriers.evaluationstandard', verbose_name='evaluated under'),
        ),
        migrations.RunPython(create_national_standard, migrations.RunPython.noop),
    ]
