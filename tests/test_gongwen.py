"""The 公文 the portal drafts to send upward, laid out by GB/T 9704-2012 (core/gongwen.py):
A4, top 37 mm, left 28 mm, a type area of 156 × 225 mm in 22 lines of 28 characters; the
fonts named; page numbers "— 1 —" at the right of odd pages and the left of even ones; the
authority over the date in Arabic numerals; the caller's numbering kept as written."""

import io
import zipfile
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.shared import Mm

from core.gongwen import Gongwen, chinese_number, written_date
from tests.gongwen_checks import gongwen_problems


def drafted():
    paper = Gongwen(title="重庆市水利局关于2019年度重庆市县域节水型社会达标建设工作总结的报告",
                    addressee="全国节约用水办公室")
    paper.heading(1, "一、县域节水型社会达标建设开展情况")
    paper.heading(2, "（一）高度重视，整体谋划")
    paper.paragraph("年初，局党组召开专题会议，讨论研究县域节水型社会达标建设工作。")
    paper.paragraph("1. 建立联席会议制度。")
    paper.paragraph("2. 将1.5倍以上的节水器具纳入采购清单。")
    paper.heading(2, "（二）强化考核")
    paper.paragraph("1. 纳入年度考核。")
    paper.heading(1, "二、存在的问题")
    paper.paragraph("一是资金缺口较大。", draft=True)
    paper.table(["序号", "区县"], [[1, "合川区"], [2, None]])
    paper.signature("重庆市水利局", date(2020, 1, 3))
    return paper.bytes()


def test_a_draft_written_as_the_standard_says_passes_the_check_every_draft_gets():
    assert gongwen_problems(drafted(), authority="重庆市水利局") == []


def test_the_check_names_every_way_a_draft_falls_short():
    paper = Gongwen(title="关于某事的报告")
    paper.heading(1, "一、基本情况")
    paper.heading(2, "（二）跳过了（一）")
    paper.paragraph("1. 第一项。")
    paper.paragraph("3. 跳过了第二项：。")
    paper.heading(1, "三、跳过了二")
    paper.heading(2, "（一）重新计数")
    paper.heading(2, "没有编号的二级标题")
    paper.paragraph("一、仿宋的一级标题")
    paper.document.sections[0].left_margin = Mm(30)
    paper.document.sections[0].footer.paragraphs[0].clear()
    problems = gongwen_problems(paper.bytes(), authority="重庆市水利局")
    assert problems == [
        "section 1: left_margin 30.0 mm, not 28",
        "section 1: a footer without a PAGE field",
        "level 2 numbered 2, expected 1: （二）跳过了（一）",
        "level 3 numbered 3, expected 2: 3. 跳过了第二项：。",
        "level 1 numbered 3, expected 2: 三、跳过了二",
        "a heading in 楷体_GB2312 without its number: 没有编号的二级标题",
        "level 1 heading in 仿宋_GB2312, not 黑体: 一、仿宋的一级标题",
        "level 1 numbered 1, expected 4: 一、仿宋的一级标题",
        "doubled punctuation: 3. 跳过了第二项：。",
        "the body does not end with a date: 一、仿宋的一级标题",
        "signed '没有编号的二级标题', not '重庆市水利局'",
        "the signature and date are not at the right",
    ]


def test_the_type_area_has_the_standards_grid():
    # The page and its margins: gongwen_problems, above.
    content = drafted()
    xml = zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml").decode()
    assert 'w:type="linesAndChars"' in xml
    assert f'w:linePitch="{Mm(225 / 22).twips}"' in xml  # 22 lines in the type area


def test_fonts_are_named_by_level_and_the_words_kept_as_written():
    paragraphs = [p for p in Document(io.BytesIO(drafted())).paragraphs if p.text]
    fonts = {p.text: (p.runs[0].font.name, p.runs[0].font.size.pt) for p in paragraphs}
    assert fonts["重庆市水利局关于2019年度重庆市县域节水型社会达标建设工作总结的报告"] == ("方正小标宋简体", 22)
    assert fonts["一、县域节水型社会达标建设开展情况"] == ("黑体", 16)
    assert fonts["（一）高度重视，整体谋划"] == ("楷体_GB2312", 16)
    assert fonts["年初，局党组召开专题会议，讨论研究县域节水型社会达标建设工作。"] == ("仿宋_GB2312", 16)
    assert paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert paragraphs[1].text == "全国节约用水办公室：" and paragraphs[1].paragraph_format.first_line_indent is None
    draft = next(p for p in paragraphs if p.text == "一是资金缺口较大。")
    assert draft.runs[0].font.highlight_color == WD_COLOR_INDEX.YELLOW
    assert [p.text for p in paragraphs[-2:]] == ["重庆市水利局", "2020年1月3日"]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.RIGHT for p in paragraphs[-2:])
    table = Document(io.BytesIO(drafted())).tables[0]
    assert [[cell.text for cell in row.cells] for row in table.rows] == [["序号", "区县"], ["1", "合川区"], ["2", ""]]


def test_page_numbers_odd_at_the_right_even_at_the_left():
    content = drafted()
    package = zipfile.ZipFile(io.BytesIO(content))
    assert "<w:evenAndOddHeaders" in package.read("word/settings.xml").decode()
    section = Document(io.BytesIO(content)).sections[0]
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert (odd.alignment, even.alignment) == (WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT)
    for footer in (odd, even):
        assert footer.text.startswith("— ") and footer.text.endswith(" —")
        assert " PAGE " in footer._element.xml
        assert {run.font.name for run in footer.runs} == {"宋体"} and footer.runs[0].font.size.pt == 14


def test_numbers_and_dates_as_officials_write_them():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 19, 20, 21, 99)] == [
        "一", "九", "十", "十一", "十九", "二十", "二十一", "九十九"]
    assert written_date(date(2020, 1, 3)) == "2020年1月3日"
    assert written_date(date(2026, 12, 31)) == "2026年12月31日"
