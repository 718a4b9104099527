"""A plan in a Word document: one of its tables, read like a worksheet (merged cells and all),
or, when it has none or the clerk asks for it, its numbered prose (``prose_parsing``).

Rows of a Word table are counted from the table's own first row, as a clerk counts them in
Word (the label and title paragraphs the grid carries above the table are not counted), and
columns by number: a Word table has no column letters.
"""

from dataclasses import dataclass, field

from openpyxl.utils import column_index_from_string

from core.docx_reader import load_document
from core.errors import FileUnreadable

from .prose_parsing import numbering_style, parse_prose
from .table_parsing import parse_task_sheet

PROSE = "正文"
AUTO_NUMBERING = (
    "。文档的编号是Word的自动编号，不在文字里：请在Word中把编号转换为文字"
    "（如复制全文后“选择性粘贴→只保留文本”），保存后再上传"
)


def refuse_for_a_workbook(choice):
    """A table number, the prose or a section asked of a workbook: they mean a Word document."""
    if choice is not None and (choice.table or choice.reads_prose):
        raise FileUnreadable("“第几个表格”“读取编号段落”“任务所在部分”只用于Word文档；这是一个工作簿，请留空")


@dataclass
class WordChoice:
    """What to read of a Word document: table ``table`` (from 1; default the first), or
    its prose (``prose``, or when it has no table), within ``section`` when given."""

    table: int | None = None
    prose: bool = False
    section: str = ""

    @property
    def reads_prose(self):
        return self.prose or bool(self.section)


@dataclass
class WordPlan:
    """What was read of a Word document, for the import page's choice."""

    tables: list = field(default_factory=list)  # [(number, description)]
    table: int | None = None  # the table read; None when the prose was
    section: str = ""


@dataclass
class WordRead:
    name: str
    names: list
    table: object  # ParsedTable
    plan: WordPlan


def read_word_plan(data, *, choice=None, split_circled=False):
    choice = choice or WordChoice()
    document = load_document(data)
    listing = [(table.number, table.describe()) for table in document.tables]
    names = [description for _number, description in listing] or [PROSE]
    if choice.reads_prose and choice.table:
        raise FileUnreadable("请选择一个表格，或选择读正文，不能同时选择两者")
    if choice.reads_prose or not document.tables:
        if not document.tables and not any(numbering_style(p.text) for p in document.paragraphs):
            raise FileUnreadable(
                "Word文档中既没有表格，也没有编号的段落（如“一、”“（一）”“1.”），读不出任务"
                + ("" if document.paragraphs else "：文档是空的")
                + (AUTO_NUMBERING if any(p.auto_numbered for p in document.paragraphs) else "")
            )
        table = parse_prose([(p.number, p.text) for p in document.paragraphs], section=choice.section.strip())
        return WordRead(table.sheet, names, table, WordPlan(listing, None, choice.section.strip()))
    number = choice.table or 1
    source = document.table(number)
    grid = document.grid(number)
    try:
        table = parse_task_sheet(grid, split_circled=split_circled)
    except FileUnreadable as error:
        others = f"（文档共{len(listing)}个表格，可选择其他表格，或读正文）" if len(listing) > 1 else ""
        raise FileUnreadable(f"Word文档的{source.describe()}：{error}{others}") from None
    _count_from_the_table(table, len(source.labels))
    return WordRead(grid.name, names, table, WordPlan(listing, number, ""))


def _count_from_the_table(table, labels):
    """Rows counted from the Word table's first row, columns by number."""
    for node in table.nodes():
        node.row -= labels
    for problem in table.problems:
        problem.row -= labels
        if problem.column:
            problem.column = f"第{column_index_from_string(problem.column)}"
