"""Carrier kinds become data: the kinds the portal had, with their codes (so every carrier
and target keeps its kind), and the kinds plans set targets for that could not be recorded."""

from django.db import migrations, models

# (code, name as the documents and registry files write it, tied to a water user,
#  user kinds: who may hold it and its built rate's base, has a built rate)
KINDS = [
    ("enterprise", "节水型企业", True, ["industry", "services"], True),
    ("unit", "节水型单位", True, ["public", "school"], True),
    ("community", "节水型居民小区", True, ["community"], True),
    ("irrigation", "节水型灌区", True, ["irrigation"], True),
    ("school", "节水型学校", True, ["school"], True),
    ("agency", "节水型机关", True, ["public"], True),
    ("leader", "水效领跑者", True, [], False),
    ("education_base", "节水教育基地", False, [], False),
    ("contract", "合同节水项目", False, [], False),
    ("retrofit", "节水技改项目", False, [], False),
    ("leader_product", "水效领跑者产品", False, [], False),
]


def create_kinds(apps, schema_editor):
    CarrierKind = apps.get_model("carriers", "CarrierKind")
    for order, (code, name, tied, user_kinds, rate) in enumerate(KINDS, start=1):
        CarrierKind.objects.update_or_create(code=code, defaults={
            "name": name, "tied_to_user": tied, "user_kinds": user_kinds, "counts_toward_rate": rate,
            "order": order * 10})


class Migration(migrations.Migration):

    dependencies = [
        ("carriers", "0004_rules_name_the_figure_they_read"),
    ]

    operations = [
        migrations.CreateModel(
            name='CarrierKind',
            fields=[
                ('code', models.SlugField(max_length=16, primary_key=True, serialize=False, verbose_name='code')),
                ('name', models.CharField(max_length=50, unique=True, verbose_name='name')),
                ('tied_to_user', models.BooleanField(default=True, help_text='Off for a product, an education base or a project: the carrier then records its own name and holder.', verbose_name='held by a registered water user')),
                ('user_kinds', models.JSONField(blank=True, default=list, verbose_name='kinds of water user')),
                ('counts_toward_rate', models.BooleanField(default=False, help_text='建成率: certified ÷ registered users of the kinds above.', verbose_name='has a built rate against registered users')),
                ('order', models.PositiveSmallIntegerField(default=100, verbose_name='order')),
                ('is_active', models.BooleanField(default=True, verbose_name='in use')),
            ],
            options={
                'verbose_name': 'carrier kind',
                'verbose_name_plural': 'carrier kinds',
                'ordering': ['order', 'code'],
            },
        ),
        migrations.RunPython(create_kinds, migrations.RunPython.noop),
    ]
