"""A Word document laid out as a 公文 by GB/T 9704-2012, for whatever the portal drafts to
send upward (技术评估意见, 验收意见, the city's annual summary, a district's report).

The layout: A4; top margin 37 mm, left 28 mm, a type area of 156 × 225 mm; 22 lines of
28 characters; the title in 2号 小标宋, the body in 3号 仿宋, "一、" headings in 黑体,
"（一）" in 楷体, "1." and "（1）" in 仿宋; page numbers in 4号 宋体 "— 1 —", odd pages at
the right and even pages at the left, one character in from the edge; the issuing
authority and the date (Arabic numerals) at the end. The official fonts are named in the
file; where a reader's machine lacks them Word falls back to its own.

The caller writes the words, numbers included ("一、", "（二）"): this module lays them out
and never renumbers them."""

import io
from datetime import date

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONTS = {1: "黑体", 2: "楷体_GB2312", 3: "仿宋_GB2312", 4: "仿宋_GB2312"}
PAGE_NUMBER_FONT = "宋体"
SIZE_2 = Pt(22)  # 2号
SIZE_3 = Pt(16)  # 3号
SIZE_4 = Pt(14)  # 4号
# 225 mm of type area shared by 22 lines; 156 mm by 28 characters of 3号 (16 pt ≈ 5.64 mm).
LINE = Mm(225 / 22)
CHARACTER = SIZE_3

CHINESE_NUMBERS = "零一二三四五六七八九十"


def chinese_number(n):
    """一 … 九十九, as headings count (一、二、… 十一、)."""
    if n <= 10:
        return CHINESE_NUMBERS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CHINESE_NUMBERS[tens]
    return f"{head}十{CHINESE_NUMBERS[ones] if ones else ''}"


def written_date(day):
    """A 公文's date: Arabic numerals, no leading zeros ("2020年1月3日")."""
    return f"{day.year}年{day.month}月{day.day}日"


def bare(text):
    """``text`` without its closing punctuation, for the sentence it is joined into to
    punctuate once: joining stored sentences as typed gives "…不全。；" and "…分。："."""
    return text.strip().rstrip("。；;，,：:、.． ")


def _font(run, name, size, *, bold=False):
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attribute), name)


class Gongwen:
    """A 公文 being written, paragraph by paragraph; ``bytes()`` gives the .docx."""

    def __init__(self, *, title, addressee="", author=""):
        self.document = Document()
        self._set_up_page()
        self._core_properties(title, author)
        self._title(title)
        if addressee:
            self._line(f"{addressee}：", indent=False)

    # --- page ---------------------------------------------------------------------------------
    def _set_up_page(self):
        section = self.document.sections[0]
        section.start_type = WD_SECTION.NEW_PAGE
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.left_margin = Mm(37), Mm(28)
        section.right_margin = Mm(210 - 28 - 156)
        section.bottom_margin = Mm(297 - 37 - 225)
        section.footer_distance = Mm(28 - 7)  # the page number sits 7 mm below the type area
        self._grid(section)
        style = self.document.styles["Normal"]
        _font_style(style, BODY_FONT, SIZE_3)
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        style.paragraph_format.line_spacing = LINE
        # Odd pages number at the right, even pages at the left: Word keeps two footers.
        settings = self.document.settings.element
        if settings.find(qn("w:evenAndOddHeaders")) is None:
            settings.append(OxmlElement("w:evenAndOddHeaders"))
        section.footer.is_linked_to_previous = False
        self._page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
        self._page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)

    @staticmethod
    def _grid(section):
        """22 lines of 28 characters: Word's document grid for the section."""
        properties = section._sectPr
        grid = properties.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            properties.append(grid)
        grid.set(qn("w:type"), "linesAndChars")
        grid.set(qn("w:linePitch"), str(LINE.twips))
        # charSpace is the difference from the font's width in 1/4096 of a point.
        width = Mm(156 / 28)
        grid.set(qn("w:charSpace"), str(int((width.pt - CHARACTER.pt) * 4096)))

    @staticmethod
    def _page_number(footer, alignment):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = alignment
        indent = SIZE_4
        if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph.paragraph_format.right_indent = indent
        else:
            paragraph.paragraph_format.left_indent = indent
        _font(paragraph.add_run("— "), PAGE_NUMBER_FONT, SIZE_4)
        run = paragraph.add_run()
        _font(run, PAGE_NUMBER_FONT, SIZE_4)
        for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
            if kind:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            elif text == "PAGE":
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = " PAGE "
            else:
                element = OxmlElement("w:t")
                element.text = text
            run._element.append(element)
        _font(paragraph.add_run(" —"), PAGE_NUMBER_FONT, SIZE_4)

    def _core_properties(self, title, author):
        properties = self.document.core_properties
        properties.title = title
        properties.author = author or ""
        properties.language = "zh-CN"

    # --- text ---------------------------------------------------------------------------------
    def _title(self, title):
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.line_spacing = Pt(SIZE_2.pt * 1.5)
        paragraph.paragraph_format.space_after = LINE
        _font(paragraph.add_run(title), TITLE_FONT, SIZE_2)

    def _line(self, text, *, indent=True, font=BODY_FONT, draft=False):
        paragraph = self.document.add_paragraph()
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(CHARACTER.pt * 2)
        run = paragraph.add_run(text)
        _font(run, font, SIZE_3)
        if draft:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        return paragraph

    def heading(self, level, text):
        """A heading as written, numbers included: level 1 "一、", 2 "（一）", 3 "1.", 4 "（1）"."""
        return self._line(text, font=HEADING_FONTS[level])

    def paragraph(self, text, *, draft=False):
        """A body paragraph; ``draft`` marks words the office must still edit (highlighted)."""
        return self._line(text, draft=draft)

    def signature(self, authority, day: date):
        """The issuing authority above the date, both at the right, the date four characters
        in from the edge, after a blank line."""
        self.document.add_paragraph()
        dated = written_date(day)
        # The authority is centred over the date (GB/T 9704 7.3.5.1).
        centred = Pt(CHARACTER.pt * (4 + max(0, len(dated) - len(authority)) / 2))
        for text, right in ((authority, centred), (dated, Pt(CHARACTER.pt * 4))):
            paragraph = self._line(text, indent=False)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.paragraph_format.right_indent = right

    def table(self, header, rows):
        """A plain table (an attachment's list), body font at 4号 so it fits the type area."""
        table = self.document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(str(text)), "黑体", SIZE_4)
        for values in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=True):
                cell.text = ""
                _font(cell.paragraphs[0].add_run("" if value is None else str(value)), BODY_FONT, SIZE_4)
        return table

    def bytes(self):
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


def _font_style(style, name, size):
    style.font.name = name
    style.font.size = size
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attribute), name)
