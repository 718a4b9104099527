"""Reading a plan written as numbered prose, as county plans are (一、 （一） 1、 1. （1） ①),
into the same tree of ``ParsedNode`` the table reader returns. Pure: paragraphs in.

How the numbering is read:
- a paragraph's level is its numbering style's place among the styles open above it, as a
  reader of a 公文 sees it: a style met for the first time goes one level deeper, a style
  met again closes everything opened below it ("1、" and "1." are one style);
- a paragraph without a number belongs to the numbered paragraph above it (its text goes
  on); those before the first number (the title, the preamble) are not tasks;
- within the part read, the first level holds the key tasks; below them, a numbered
  paragraph with numbered paragraphs under it is a sub-task, one without is a work item;
  below the third level, numbered paragraphs are part of their work item's text;
- a key task written only as a heading and its text (no numbered paragraphs under it) has
  that text as its one work item, without a number of its own;
- numbers are kept as written; prose names no departments, so no work item has a lead yet.

``section`` chooses the part that holds the tasks: the first numbered heading whose text
contains the word (“重点任务”), and everything under it up to the next heading of its level
or above; its sub-headings are the key tasks.
"""

import re
from dataclasses import dataclass, field

from core.errors import FileUnreadable
from core.text import normalize_name

from .table_parsing import ParsedNode, ParsedTable
from .wording import split_number

CHINESE_NUMERAL = "一二三四五六七八九十百零〇"
# (style, pattern at the start of a paragraph); "1、" "1." "1．" are one style.
STYLES = (
    ("一、", re.compile(rf"^\s*[{CHINESE_NUMERAL}]+\s*[、.．]")),
    ("（一）", re.compile(rf"^\s*[（(]\s*[{CHINESE_NUMERAL}]+\s*[）)]")),
    ("1.", re.compile(r"^\s*\d{1,3}\s*[、.．](?!\d)")),
    ("（1）", re.compile(r"^\s*[（(]\s*\d{1,3}\s*[）)]")),
    ("①", re.compile(r"^\s*[①-⑳]")),
)
SHOWN_HEADINGS = 20
WORK_ITEM_DEPTH = 3


def numbering_style(text):
    for style, pattern in STYLES:
        if pattern.match(text):
            return style
    return None


@dataclass
class _Entry:
    depth: int  # 1 for the outermost numbering style of the part
    number: str
    text: str
    row: int  # the paragraph's number
    body: list = field(default_factory=list)  # the unnumbered paragraphs after it
    children: list = field(default_factory=list)

    @property
    def heading(self):
        return f"{self.number}{self.text}"


def parse_prose(paragraphs, *, section=None, name="正文"):
    """``paragraphs``: (number, text) of the document's paragraphs holding text, in order."""
    entries = _numbered(paragraphs)
    if not entries:
        raise FileUnreadable("Word文档中没有编号的段落（如“一、”“（一）”“1.”），读不出任务")
    if section:
        entries, name = _section(entries, section)
    table = ParsedTable(sheet=name)
    for entry in _tree(entries):
        table.roots.append(_key_task(entry))
    return table


def _numbered(paragraphs):
    """The numbered paragraphs with their depth and the unnumbered ones after each."""
    entries, open_styles = [], []
    for row, text in paragraphs:
        style = numbering_style(text)
        if style is None:
            if entries:
                entries[-1].body.append(text)
            continue
        if style in open_styles:
            del open_styles[open_styles.index(style) + 1 :]
        else:
            open_styles.append(style)
        number, rest = split_number(text)
        entries.append(_Entry(depth=len(open_styles), number=number, text=rest, row=row))
    return entries


def _section(entries, word):
    """The entries under the first heading (a numbered paragraph with numbered ones under it)
    whose title (its text up to the first full stop) contains ``word``."""
    wanted = normalize_name(word)
    headings = []
    for index, entry in enumerate(entries):
        below = entries[index + 1 :]
        if not below or below[0].depth <= entry.depth:
            continue
        headings.append(entry)
        if wanted and wanted in normalize_name(re.split(r"[。；;]", entry.text, maxsplit=1)[0]):
            part = []
            for following in below:
                if following.depth <= entry.depth:
                    break
                following.depth -= entry.depth
                part.append(following)
            return part, entry.heading
    shown = "；".join(f"{entry.heading}（第{entry.row}段）" for entry in headings[:SHOWN_HEADINGS])
    raise FileUnreadable(f"Word文档中没有标题含“{word}”的部分（有下级编号的标题：{shown or '无'}）")


def _tree(entries):
    roots, open_entries = [], []
    for entry in entries:
        while open_entries and open_entries[-1].depth >= entry.depth:
            open_entries.pop()
        (open_entries[-1].children if open_entries else roots).append(entry)
        open_entries.append(entry)
    return roots


def _key_task(entry):
    node = ParsedNode(level=1, number=entry.number, text=_joined(entry.text, entry.body), row=entry.row)
    if not entry.children and entry.body:
        node.text = entry.text
        node.children.append(ParsedNode(level=3, number="", text="\n".join(entry.body), row=entry.row + 1))
    for child in entry.children:
        node.children.append(_sub_task(child) if child.children else _work_item(child))
    return node


def _sub_task(entry):
    node = ParsedNode(level=2, number=entry.number, text=_joined(entry.text, entry.body), row=entry.row)
    node.children = [_work_item(child) for child in entry.children]
    return node


def _work_item(entry):
    """A work item: its paragraph, the paragraphs after it and those numbered under it."""
    lines = [entry.text, *entry.body]
    for child in entry.children:
        lines += _written(child)
    return ParsedNode(level=3, number=entry.number, text="\n".join(line for line in lines if line), row=entry.row)


def _written(entry):
    lines = [entry.heading, *entry.body]
    for child in entry.children:
        lines += _written(child)
    return lines


def _joined(text, body):
    return "\n".join([text, *body]) if body else text
