"""The one reader of uploaded Word documents (.docx) whose content is imported: a plan's
task tables and its numbered prose.

The package is checked exactly as a workbook's is (``core.office_package``: damaged, zip
bomb, macros, embedded objects, external links, DOCTYPE) before python-docx parses it, and
the document is bounded (its main part, its tables' rows and columns) before anything walks
it. A table becomes a ``SheetGrid`` like a worksheet: horizontal merges (gridSpan) and
vertical merges (vMerge restart/continue) become merged ranges, a cell's text is its
paragraphs joined with line breaks, and the short label and title paragraphs just above
the table (“附件2”, the table's title) are its first rows, where a worksheet has them above
the header, so that the task-table reader searches for the header the same way.

Every refusal names Word, so that a clerk who uploads a Word file where a workbook is
expected, or a damaged one, knows which file is meant.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field

import docx
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from .errors import FileUnreadable
from .office_package import check_package, open_package
from .workbook_measure import MAX_CELLS
from .workbook_reader import MAX_COLUMNS, MAX_UPLOAD_BYTES, ZIP_MAGIC, SheetGrid

MAIN_PART = "word/document.xml"
MAX_MAIN_PART_BYTES = 20 * 1024 * 1024  # a 300-page plan is a few MB of XML
MAX_TABLE_ROWS = 5_000
MAX_TABLES = 200
MAX_PARAGRAPHS = 50_000
# The paragraphs just above a table that are kept as its first rows: labels and titles are
# short; a longer paragraph is the plan's prose and ends the search.
MAX_LABELS = 3
MAX_LABEL_CHARS = 80
CAPTION_CHARS = 60
ANNEX_LABEL = re.compile(r"^附\s*[件表]")


@dataclass
class DocxParagraph:
    number: int  # among the body's paragraphs holding text, from 1
    text: str
    auto_numbered: bool = False  # numbered by Word's list numbering: the number is not in its text


@dataclass
class DocxTable:
    number: int  # in document order, from 1
    caption: str  # its first row's text, as a hint of what it is
    before: str  # the paragraph with text just before it ("" when none)
    labels: list = field(default_factory=list)  # the label and title paragraphs just above it
    element: object = None  # the w:tbl

    def describe(self):
        hint = self.before or self.caption
        return f"表格{self.number}" + (f"（{hint[:CAPTION_CHARS]}）" if hint else "")


@dataclass
class WordDocument:
    paragraphs: list  # DocxParagraph, body level only (not those in tables)
    tables: list  # DocxTable

    def table(self, number):
        if not 1 <= number <= len(self.tables):
            found = f"只有{len(self.tables)}个表格" if self.tables else "没有表格"
            raise FileUnreadable(f"Word文档中没有表格{number}（该文档{found}）")
        return self.tables[number - 1]

    def grid(self, number):
        """Table ``number`` (from 1) as a ``SheetGrid``, its label paragraphs as its first rows."""
        table = self.table(number)
        try:
            return table_grid(table.element, table.labels, name=f"表格{number}")
        except FileUnreadable:
            raise
        except Exception as error:  # a malformed attribute (a gridSpan that is not a number)
            raise _damaged(error) from None


def looks_like_word(data):
    """Whether ``data`` is a Word document (by its bytes, not the file's name), also when it is
    too damaged to open: a zip whose members include Word's main part and no workbook."""
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        # A truncated file has no central directory; its local headers still name its parts.
        return MAIN_PART.encode() in data and b"xl/workbook.xml" not in data
    return MAIN_PART in names and "xl/workbook.xml" not in names


def load_document(data, *, max_bytes=MAX_UPLOAD_BYTES):
    """Check ``data`` as an Office package and read its paragraphs and tables in order."""
    if len(data) > max_bytes:
        raise FileUnreadable(
            f"Word文档有 {len(data) / 1024 / 1024:.1f} MB，超过了 {max_bytes // 1024 // 1024} MB 的上限"
        )
    try:
        zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise FileUnreadable(
            "Word文档已损坏：文件不完整（可能是下载或复制时中断了）。请用 Word 打开后另存为 .docx 再上传"
        ) from None
    try:
        archive = open_package(data)
        if MAIN_PART not in archive.NameToInfo or "[Content_Types].xml" not in archive.NameToInfo:
            raise FileUnreadable("文件不完整")
        check_package(archive)
    except FileUnreadable as error:
        raise _word(error) from None
    if archive.getinfo(MAIN_PART).file_size > MAX_MAIN_PART_BYTES:
        raise FileUnreadable("Word文档的正文过大，不像是一份方案；请只保留方案正文后再上传")
    try:
        document = docx.Document(io.BytesIO(data))
        return _read_body(document)
    except FileUnreadable:
        raise
    except Exception as error:  # python-docx and lxml raise many kinds on a malformed part
        raise _damaged(error) from None


def _damaged(error):
    return FileUnreadable(
        f"Word文档已损坏，无法读取（{type(error).__name__}）。请用 Word 打开后另存为 .docx 再上传"
    )


def _word(error):
    return FileUnreadable(f"Word文档无法读取：{error}")


def _read_body(document):
    paragraphs, tables = [], []
    recent = []  # the paragraphs with text since the last table, nearest last
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, document)
            text = _text(paragraph.text)
            if text:
                if len(paragraphs) >= MAX_PARAGRAPHS:
                    raise FileUnreadable(f"Word文档的段落超过 {MAX_PARAGRAPHS} 个，不像是一份方案")
                paragraphs.append(DocxParagraph(len(paragraphs) + 1, text, _auto_numbered(paragraph)))
                recent.append(text)
        elif child.tag == qn("w:tbl"):
            if len(tables) >= MAX_TABLES:
                raise FileUnreadable(f"Word文档的表格超过 {MAX_TABLES} 个，不像是一份方案")
            table = Table(child, document)
            tables.append(DocxTable(
                number=len(tables) + 1, caption=_caption(table), before=recent[-1] if recent else "",
                labels=_labels(recent), element=child,
            ))
            recent = []
    return WordDocument(paragraphs=paragraphs, tables=tables)


def _auto_numbered(paragraph):
    """Numbered by Word's list numbering, on the paragraph or through its style (“List Number”)."""
    numbering = f"{qn('w:pPr')}/{qn('w:numPr')}"
    if paragraph._p.find(numbering) is not None:
        return True
    style = paragraph.style
    for _depth in range(10):  # a style's base styles; Word allows no loops, a hostile file might
        if style is None:
            return False
        if style.element.find(numbering) is not None:
            return True
        style = style.base_style
    return False


def _labels(recent):
    """The label and title just above a table: from the nearest “附件…”/“附表…” paragraph
    among the short ones above it, else the one paragraph just above (its title)."""
    short = []
    for text in reversed(recent):
        if len(text) > MAX_LABEL_CHARS or len(short) == MAX_LABELS:
            break
        short.insert(0, text)
    labelled = [index for index, text in enumerate(short) if ANNEX_LABEL.match(text)]
    if labelled:
        return short[labelled[-1]:]
    return short[-1:]


def _caption(table):
    rows = table._tbl.tr_lst
    if not rows:
        return ""
    texts = []
    for tc in rows[0].tc_lst:
        text = " ".join(_cell_text(tc, table).split())
        if text and text not in texts:
            texts.append(text)
    return " | ".join(texts)[:CAPTION_CHARS]


def _text(text):
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _cell_text(tc, parent):
    return _text("\n".join(paragraph.text for paragraph in _Cell(tc, parent).paragraphs))


def table_grid(tbl, labels=(), *, name):
    """A w:tbl as a ``SheetGrid``: rows of cell texts with merged ranges, ``labels`` first."""
    parent = Table(tbl, None)
    offset = len(labels)
    rows, merges = [], []
    open_down = {}  # first column -> [first_row, first_col, last_row, last_col] of a vertical merge
    tr_list = tbl.tr_lst
    if len(tr_list) > MAX_TABLE_ROWS:
        raise FileUnreadable(f"{name}有 {len(tr_list)} 行，最多接受 {MAX_TABLE_ROWS} 行")
    cells_seen = 0
    for row_number, tr in enumerate(tr_list, start=offset + 1):
        column = 1 + _grid_before(tr)
        if column > MAX_COLUMNS:
            raise FileUnreadable(f"{name}第{row_number - offset}行超过 {MAX_COLUMNS} 列，不像是一份任务表")
        cells = [""] * (column - 1)
        continued = set()
        for tc in tr.tc_lst:
            span = max(1, _int(tc.grid_span))
            if column + span - 1 > MAX_COLUMNS:
                raise FileUnreadable(f"{name}第{row_number - offset}行超过 {MAX_COLUMNS} 列，不像是一份任务表")
            merge = open_down.get(column)
            if tc.vMerge == "continue" and merge is not None and merge[3] == column + span - 1:
                merge[2] = row_number
                continued.add(column)
                text = ""
            else:
                text = _cell_text(tc, parent)
                if tc.vMerge == "restart":
                    _close(open_down.pop(column, None), merges)
                    open_down[column] = [row_number, column, row_number, column + span - 1]
                    continued.add(column)
                elif span > 1:
                    merges.append((row_number, column, row_number, column + span - 1))
            cells += [text] + [""] * (span - 1)
            column += span
        for first in [first for first in open_down if first not in continued]:
            _close(open_down.pop(first), merges)
        cells_seen += len(cells)
        if cells_seen > MAX_CELLS:
            raise FileUnreadable(f"{name}的单元格超过 {MAX_CELLS} 个，不像是一份任务表")
        rows.append(cells)
    for merge in open_down.values():
        _close(merge, merges)
    width = max((len(cells) for cells in rows), default=1)
    grid_rows = []
    for index, label in enumerate(labels, start=1):
        grid_rows.append([label] + [""] * (width - 1))
        if width > 1:
            merges.append((index, 1, index, width))
    grid_rows += [cells + [""] * (width - len(cells)) for cells in rows]
    return SheetGrid(name=name, rows=grid_rows, merges=sorted(merges))


def _close(merge, merges):
    if merge is not None and (merge[2] > merge[0] or merge[3] > merge[1]):
        merges.append(tuple(merge))


def _grid_before(tr):
    try:
        return max(0, _int(tr.grid_before))
    except (ValueError, TypeError):
        return 0


def _int(value):
    return int(value or 0)
