"""Demo plans from the source documents, imported through the same path as an upload."""

from datetime import date

from org.models import Region
from tasks.imports import preview_task_table
from tasks.models import Plan, PlanPhase, ProgressReport
from tasks.services import plan_import

from . import progress as demo_progress
from . import table_data
from .store import put
from .tables import build_bytes

PLANS = [
    {
        "region": "500156",
        "title": "武隆区贯彻落实《重庆市节约用水管理办法（试行）》工作方案",
        "kind": Plan.Kind.COUNTY_STANDARD,
        "document_number": "武隆府办发〔2019〕78号",
        "years": (2019, 2022),  # 工作目标: "到2022年，全区节水型社会达标建设要迈出实质性步伐"
        "deadline": (5, 0),  # 四(四): 每季度结束前5日内将工作进展报区水利局
        "table": table_data.WULONG_ANNEX1,
        "phases": [],
    },
    {
        "region": "500156",
        "title": "武隆区2019年节约用水工作任务",
        "kind": Plan.Kind.ANNUAL,
        "document_number": "武隆府办发〔2019〕78号 附件2",
        "years": (2019, 2019),
        "deadline": (5, 0),
        "table": table_data.WULONG_ANNEX2,
        "phases": [],
    },
    {
        "region": "500114",
        "title": "重庆市黔江区创建重庆市节水型城市工作方案",
        "kind": Plan.Kind.WATER_SAVING_CITY,
        "document_number": "黔江府办〔2023〕13号",
        "years": (2023, 2025),  # 到2023年年底达标，2024年、2025年保持稳定达标
        "deadline": (5, 0),
        "table": table_data.QIANJIANG_TASKS,
        "phases": [
            ("第一阶段：制定方案，全面启动", date(2023, 2, 1), date(2023, 4, 30)),
            ("第二阶段：组织实施，深入推进", date(2023, 5, 1), date(2023, 9, 30)),
            ("第三阶段：检查完善，自评申报", date(2023, 10, 1), date(2023, 12, 31)),
        ],
    },
]


def load(*, password):
    items = 0
    for spec in PLANS:
        region = Region.objects.get(code=spec["region"])
        plan, _ = put(Plan, {"region": region, "title": spec["title"]}, {
            "kind": spec["kind"], "document_number": spec["document_number"], "start_year": spec["years"][0],
            "end_year": spec["years"][1], "report_window_days": spec["deadline"][0],
            "report_due_offset_days": spec["deadline"][1],
        })
        for position, (name, starts_on, ends_on) in enumerate(spec["phases"], start=1):
            put(PlanPhase, {"plan": plan, "position": position},
                {"name": name, "starts_on": starts_on, "ends_on": ends_on})
        preview = preview_task_table(region=region, data=build_bytes(spec["table"]))
        if preview.problems or preview.unknown:
            problems = [str(p) for p in preview.problems] + [u.name for u in preview.unknown.values()]
            raise ValueError(f"{spec['title']}: {'; '.join(problems)}")
        plan_import(plan=plan, preview=preview)
        items += preview.counts()[3]
    current = demo_progress.load()
    reports = ProgressReport.objects.filter(item__plan__region__code__in=["500156", "500114"]).count()
    plans = Plan.objects.filter(region__code__in=["500156", "500114"]).count()
    return (f"{plans} plans ({len(PLANS)} from the documents, {items} work items), {reports} progress entries; "
            f"this year “{current}”")
