"""The carrier kinds and evaluation standard every database starts with.

The migrations that introduced them keep their own frozen copy; this one is what
``ensure_defaults`` puts back after every ``migrate`` and every ``flush`` (a transactional
test or a live-server browser test empties the tables and then sends ``post_migrate``, as
Django does for content types), so code may rely on the kinds the coverage rates name.
Rows an administrator has edited are left as they are: only missing ones are added."""

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

STANDARDS = [
    {"code": "GB/T 7119-2018", "title": "节水型企业评价导则",
     "issuer": "国家市场监督管理总局、中国国家标准化管理委员会", "year": 2018},
]


def ensure_defaults(*, using="default", **_signal):
    from .models import CarrierKind, EvaluationStandard

    kinds = CarrierKind.objects.using(using)
    have = set(kinds.values_list("code", flat=True))
    kinds.bulk_create([
        CarrierKind(code=code, name=name, tied_to_user=tied, user_kinds=user_kinds, counts_toward_rate=rate,
                    order=order * 10)
        for order, (code, name, tied, user_kinds, rate) in enumerate(KINDS, start=1) if code not in have
    ])
    standards = EvaluationStandard.objects.using(using)
    have = set(standards.values_list("code", flat=True))
    standards.bulk_create([EvaluationStandard(**row) for row in STANDARDS if row["code"] not in have])
