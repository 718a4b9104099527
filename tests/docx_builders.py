"""Word documents for the tests, written with python-docx as a clerk's Word would save them:
the source task tables (``demo.table_data``) as Word tables with merged cells, and plans
written as numbered prose.

    .venv/bin/python -m tests.docx_builders   # rewrites tests/fixtures/docx/
"""

import io
from pathlib import Path

import docx

from demo import table_data

FIXTURES = Path(__file__).parent / "fixtures" / "docx"


def add_lines(cell_or_document, text):
    """``text`` as paragraphs, one a line, as Word keeps a cell typed with Enter."""
    lines = text.split("\n")
    first = cell_or_document.paragraphs[0] if hasattr(cell_or_document, "_tc") else None
    if first is not None:
        first.text = lines[0]
        lines = lines[1:]
    for line in lines:
        cell_or_document.add_paragraph(line)


def add_task_table(document, table):
    """``table`` (a ``demo.table_data`` table) as a Word table after its label and title, a
    ``None`` merged into the cell above and the header's merges as in the source."""
    document.add_paragraph(table["label"])
    document.add_paragraph(table["title"])
    rows = [table["header"], *table["rows"]]
    width = len(table["header"])
    word = document.add_table(rows=len(rows), cols=width)
    word.style = "Table Grid"
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value:
                add_lines(word.cell(r, c), value)
    for first, last in table["header_merges"]:
        word.cell(0, first - 1).merge(word.cell(0, last - 1))
    for c in range(width):
        start = None
        for r in range(1, len(rows) + 1):
            continues = r < len(rows) and rows[r][c] is None
            if continues:
                continue
            if start is not None and r - 1 > start:
                word.cell(start, c).merge(word.cell(r - 1, c))
            start = r
    return word


def document_bytes(document):
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def table_docx(*tables, preamble=()):
    """A Word document holding ``tables`` in order, each after its label and title."""
    document = docx.Document()
    for text in preamble:
        document.add_paragraph(text)
    for table in tables:
        add_task_table(document, table)
        document.add_paragraph("")
    return document_bytes(document)


def prose_docx(paragraphs):
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    return document_bytes(document)


# A county's plan written as prose, as county plans are: numbered headings and items, in
# words the demo does not have (a made-up 石柱 plan; the departments are 石柱's own).
SHIZHU_PLAN = [
    "石柱土家族自治县县域节水型社会达标建设实施方案",
    "为深入贯彻节水优先方针，全面推进县域节水型社会达标建设，结合我县实际，制定本方案。",
    "一、总体要求",
    "以水资源集约节约利用为主线，到2025年全县用水效率明显提升。",
    "二、重点任务",
    "（一）强化用水总量刚性约束",
    "1、核定乡镇用水总量控制指标。将县级用水总量指标分解到各乡镇（街道），按年度考核。",
    "由县水利局牵头，各乡镇（街道）配合落实。",
    "2、规范取水许可审批。新建、改建、扩建项目一律开展水资源论证。",
    "（二）推进农业节水增效",
    "1.实施高效节水灌溉工程。在黄水、冷水等乡镇新增高效节水灌溉面积0.5万亩。",
    "（1）完成灌区续建配套与节水改造。",
    "2.推广水肥一体化技术。",
    "（三）开展节水宣传教育",
    "组织“世界水日”“中国水周”主题宣传，进机关、进学校、进社区。",
    "三、保障措施",
    "（一）加强组织领导",
    "成立县域节水型社会达标建设领导小组。",
]


def write_fixtures():
    FIXTURES.mkdir(parents=True, exist_ok=True)
    (FIXTURES / "prose_plan.docx").write_bytes(prose_docx(SHIZHU_PLAN))
    (FIXTURES / "task_tables.docx").write_bytes(table_docx(
        table_data.WULONG_ANNEX1, table_data.WULONG_ANNEX2,
        preamble=["武隆区人民政府办公室关于印发贯彻落实《节约用水管理办法（试行）》工作方案的通知"],
    ))


if __name__ == "__main__":
    write_fixtures()
