"""The one check every Word draft the portal sends upward must pass (core/gongwen.py, GB/T
9704-2012): the page (A4, margins within 1 mm of top 37, left 28, right 26, bottom 35 for the
156 × 225 mm type area), a PAGE field in every footer, headings numbered 一、二、… with
（一）（二）… restarting under each 一级 and 1. 2. … under each 二级, no doubled punctuation
anywhere, and the issuing authority over the date (right-aligned) closing the body, before
any attachment. ``gongwen_problems`` lists what is wrong, so a failure names it all."""

import io
import re

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from core.gongwen import HEADING_FONTS, chinese_number

MARGINS_MM = {"top_margin": 37, "left_margin": 28, "right_margin": 26, "bottom_margin": 35}
CHINESE = {chinese_number(n): n for n in range(1, 100)}
LEVELS = (
    (1, re.compile(r"^([一二三四五六七八九十]+)、"), HEADING_FONTS[1]),
    (2, re.compile(r"^（([一二三四五六七八九十]+)）"), HEADING_FONTS[2]),
    # "1." but not a figure ("1.5倍").
    (3, re.compile(r"^(\d+)[.．](?!\d)"), None),
)
PUNCTUATION = "。，、；：！？"
DOUBLED = re.compile(f"[{PUNCTUATION}][{PUNCTUATION},;:]")
DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
PAGE_FIELD = re.compile(r'w:instr="\s*PAGE\b|<w:instrText[^>]*>\s*PAGE\b')


def gongwen_problems(content, *, authority=None):
    """What keeps the .docx ``content`` from being sent as a 公文; [] when nothing does."""
    document = Document(io.BytesIO(content))
    problems = []
    for number, section in enumerate(document.sections, start=1):
        problems += _page_problems(number, section)
    body = _body(document)
    problems += _numbering_problems(body)
    problems += [f"doubled punctuation: {text}" for text in _all_texts(document) if DOUBLED.search(text)]
    problems += _signature_problems(body, authority)
    return problems


def _page_problems(number, section):
    problems = []
    size = (round(section.page_width.mm), round(section.page_height.mm))
    if size != (210, 297):
        problems.append(f"section {number}: page {size[0]}×{size[1]} mm, not A4")
    for name, standard in MARGINS_MM.items():
        value = getattr(section, name).mm
        if abs(value - standard) > 1:
            problems.append(f"section {number}: {name} {value:.1f} mm, not {standard}")
    even = section.even_page_footer
    for footer in [section.footer, *([] if even.is_linked_to_previous else [even])]:
        if not PAGE_FIELD.search(footer._element.xml):
            problems.append(f"section {number}: a footer without a PAGE field")
    return problems


def _body(document):
    """The body's paragraphs with text, title and addressee included, up to the attachment
    (the first page break): an attachment carries its own title and numbering."""
    body = []
    for paragraph in document.paragraphs:
        if 'w:type="page"' in paragraph._element.xml:
            break
        if paragraph.text.strip():
            body.append(paragraph)
    return body


def _numbering_problems(body):
    problems = []
    counters = {1: 0, 2: 0, 3: 0}
    for paragraph in body[1:]:  # the title is in its own font
        text, font = paragraph.text, paragraph.runs[0].font.name
        level, number = _level_of(text)
        level_of_font = next((found for found, _pattern, name in LEVELS if name == font), None)
        if level_of_font is not None and level_of_font != level:
            problems.append(f"a heading in {font} without its number: {text}")
        if level is None:
            continue
        expected = LEVELS[level - 1][2]
        if expected is not None and font != expected:
            problems.append(f"level {level} heading in {font}, not {expected}: {text}")
        if number != counters[level] + 1:
            problems.append(f"level {level} numbered {number}, expected {counters[level] + 1}: {text}")
        counters[level] = number
        for lower in range(level + 1, 4):
            counters[lower] = 0
    return problems


def _level_of(text):
    for level, pattern, _font in LEVELS:
        found = pattern.match(text)
        if found:
            value = found.group(1)
            return level, int(value) if value.isdigit() else CHINESE.get(value, 0)
    return None, None


def _all_texts(document):
    texts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return texts


def _signature_problems(body, authority):
    if len(body) < 3:
        return ["no signature and date at the end"]
    signed, dated = body[-2], body[-1]
    problems = []
    if not DATE.match(dated.text):
        problems.append(f"the body does not end with a date: {dated.text}")
    if authority is not None and signed.text != authority:
        problems.append(f"signed {signed.text!r}, not {authority!r}")
    if DATE.match(signed.text) or _level_of(signed.text)[0] is not None:
        problems.append(f"no issuing authority above the date: {signed.text}")
    if any(p.alignment != WD_ALIGN_PARAGRAPH.RIGHT for p in (signed, dated)):
        problems.append("the signature and date are not at the right")
    return problems
