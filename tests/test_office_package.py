"""What an Office file may carry (core.office_package), beyond the bad-file corpus: the
edges of each rule, and the ordinary files (Word, Excel, WPS, openpyxl, python-docx,
LibreOffice) that must still pass. Evidence and table uploads share these checks."""

import io
import os
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from docx.opc.constants import RELATIONSHIP_TYPE

from core.errors import FileUnreadable
from core.evidence import check_file
from core.office_package import MAX_UNCOMPRESSED_BYTES, check_package, open_package
from core.workbook_reader import check_upload
from tests.fixtures.bad.make_corpus import (
    OLE2,
    PLAIN,
    _add_member,
    _docx,
    _embedded,
    _relate,
    _replace_member,
    _with_override,
    zipped,
)
from tests.test_evidence_kinds import attached, clerk, kind, setup  # noqa: F401 (fixtures)

FIXTURES = Path(__file__).parent / "fixtures"
XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def refusal(data):
    """The check's refusal of ``data`` in Chinese, or None when it passes."""
    try:
        check_package(open_package(data))
    except FileUnreadable as error:
        return str(error)
    return None


def evidence(name, data):
    try:
        check_file(SimpleUploadedFile(name, data))
    except ValidationError as error:
        return " ".join(error.messages)
    return None


def hyperlinked_docx(target):
    document = docx.Document()
    paragraph = document.add_paragraph("详见")
    paragraph.part.relate_to(target, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def hyperlinked_xlsx(target):
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "节水型社会建设公示"
    workbook.active["A1"].hyperlink = target
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- ordinary files still pass ---------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((FIXTURES / "xlsx").glob("*.xlsx")) + sorted(
    (FIXTURES / "source_tables").glob("*.ods")), ids=lambda path: path.name)
def test_the_source_tables_pass(path):
    assert refusal(path.read_bytes()) is None
    check_upload(path.read_bytes())


@pytest.mark.parametrize("target", ["http://www.cqwater.gov.cn/", "HTTPS://slj.cq.gov.cn/a?b=1&c=2",
                                    " https://example.com/ ", "mailto:jieshui@example.com"])
def test_a_hyperlink_to_a_web_page_or_an_address_passes(target):
    """A hyperlink is followed only when clicked, after Office's warning (see HYPERLINK)."""
    assert evidence("说明.docx", hyperlinked_docx(target)) is None
    assert evidence("台账.xlsx", hyperlinked_xlsx(target)) is None
    check_upload(hyperlinked_xlsx(target))  # a table with a link in a cell still imports


def test_plain_python_docx_and_openpyxl_files_pass():
    assert evidence("说明.docx", _docx()) is None
    assert evidence("表.xlsx", PLAIN) is None


def test_a_chart_s_workbook_embedded_in_a_word_document_passes():
    """Word keeps a chart's data as an .xlsx in word/embeddings: checked, and accepted when plain."""
    assert evidence("图表.docx", _embedded(PLAIN)) is None


def test_a_hyperlinked_docx_is_attached_to_every_kind_of_record(kind, setup, client_for):  # noqa: F811
    record, changer = setup
    attached(kind, client_for(changer), record, "公示链接.docx", hyperlinked_docx("https://www.cq.gov.cn/"))


# --- external relationships ----------------------------------------------------------------


@pytest.mark.parametrize(("kind_", "target", "mode"), [
    ("hyperlink", "\\\\10.0.0.5\\share\\x.xlsx", "External"),
    ("hyperlink", "file:///C:/Windows/win.ini", "External"),
    ("hyperlink", "javascript:alert(1)", "External"),
    ("hyperlink", "ms-word:ofe|u|http://example.invalid/x.docx", "External"),
    ("hyperlink", "../其他材料/台账.xlsx", "External"),
    ("attachedTemplate", "http://example.invalid/t.dotm", "external"),
    ("frame", "http://example.invalid/frame.html", "External"),
    ("subDocument", "\\\\server\\s.docx", "External"),
    ("oleObject", "http://example.invalid/o.bin", "External"),
    ("image", "http://example.invalid/p.png", None),  # an address as an internal target
    ("image", "\\\\server\\p.png", None),
    ("image", "//server/p.png", "Internal"),
])
def test_an_external_relationship_is_refused_naming_it(kind_, target, mode):
    data = _relate(_docx(), "word/_rels/document.xml.rels", kind_, target, external=False)
    if mode:
        rels = zipfile.ZipFile(io.BytesIO(data)).read("word/_rels/document.xml.rels")
        rels = rels.replace(b'Id="rIdHostile"', f'Id="rIdHostile" TargetMode="{mode}"'.encode())
        data = _replace_member(data, "word/_rels/document.xml.rels", rels)
    said = evidence("报告.docx", data)
    assert said.startswith("“报告.docx”：该文件包含外部链接（") and f"{kind_} → {target.strip()}" in said, said


@pytest.mark.parametrize("target", [
    "file:///C:\\Users\\办公室\\AppData\\Roaming\\Microsoft\\Templates\\红头公文.dotm",
    "file:///D:/模板/通知.dotx",
    "C:\\模板\\Normal.dotm",
])
def test_a_template_on_the_writer_s_own_disk_is_accepted(target):
    """Word records the 公文 template a report was made from as an external relationship to a
    drive path; opening the file looks on the reader's own disk only, so nothing reaches out."""
    data = _relate(_docx(), "word/_rels/settings.xml.rels", "attachedTemplate", target)
    assert evidence("红头文件.docx", data) is None


@pytest.mark.parametrize("target", [
    "file://fileserver/模板/红头公文.dotm", "file:///\\\\fileserver\\t.dotm", "\\\\fileserver\\t.dotm",
])
def test_a_template_on_another_machine_is_refused(target):
    data = _relate(_docx(), "word/_rels/settings.xml.rels", "attachedTemplate", target)
    assert "外部链接" in evidence("红头文件.docx", data)


def test_a_long_target_is_cut_in_the_message():
    long = "http://x.invalid/" + "a" * 500
    said = refusal(_relate(_docx(), "word/_rels/settings.xml.rels", "attachedTemplate", long))
    assert "a" * 200 not in said and "…）" in said


def test_relationship_parts_are_found_whatever_their_letter_case():
    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="r" Type="x/attachedTemplate" Target="http://x.invalid/t" TargetMode="External"/>'
            b"</Relationships>")
    assert "外部链接" in refusal(_add_member(_docx(), "word/_RELS/SETTINGS.XML.RELS", rels))


def test_a_relationship_part_that_does_not_parse_is_damaged():
    assert "已损坏" in refusal(_add_member(_docx(), "word/_rels/settings.xml.rels", b"<Relationships><Rel"))


# --- objects and code, whatever their name ----------------------------------------------------


@pytest.mark.parametrize("content_type", [
    "application/vnd.ms-office.vbaProject", "application/vnd.ms-office.vbaProjectSignature",
    "application/vnd.ms-word.vbaData+xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml", "application/vnd.ms-excel.addin.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml", "application/vnd.ms-excel.macrosheet+xml",
    "application/vnd.ms-excel.intlmacrosheet+xml", "APPLICATION/VND.MS-OFFICE.VBAPROJECT",
])
def test_a_code_content_type_is_refused_by_extension_or_by_name(content_type):
    image = _add_member(PLAIN, "xl/media/image7.png", b"\x89PNG")
    by_name = _with_override(image, "/xl/media/image7.png", content_type)
    types = zipfile.ZipFile(io.BytesIO(PLAIN)).read("[Content_Types].xml").replace(
        b"<Default ", f'<Default Extension="gif" ContentType="{content_type}"/><Default '.encode(), 1)
    by_extension = _replace_member(PLAIN, "[Content_Types].xml", types)
    assert "含有宏" in refusal(by_name)
    assert "含有宏" in refusal(by_extension)


@pytest.mark.parametrize("content_type", [
    "application/vnd.ms-office.activeX+xml", "application/vnd.ms-office.activeX",
    "application/vnd.openxmlformats-officedocument.oleObject",
])
def test_an_object_content_type_is_refused(content_type):
    assert "嵌入的对象或控件（/word/media/a.png）" in refusal(
        _with_override(_add_member(_docx(), "word/media/a.png", b"\x89PNG"), "/word/media/a.png", content_type))


@pytest.mark.parametrize("name", ["word/media/image1.emf", "customXml/item9.xml", "docProps/thumbnail.wmf"])
def test_an_ole_compound_file_is_refused_wherever_it_is(name):
    assert f"嵌入的对象或控件（{name}）" in refusal(_add_member(_docx(), name, OLE2 + b"\x00" * 600))


@pytest.mark.parametrize("name", ["word/embeddings/报告.pdf", "word/ActiveX/activeX1.xml",
                                  "xl/activeX/activeX1.bin", "xl/embeddings/Package.txt"])
def test_anything_but_a_package_in_the_object_folders_is_refused(name):
    assert "嵌入的对象或控件" in refusal(_add_member(_docx(), name, b"%PDF-1.7 ..."))


def test_an_object_inside_an_embedded_package_is_refused():
    assert "嵌入的对象或控件" in refusal(_embedded(_embedded(PLAIN)))
    assert "嵌入的对象或控件" in refusal(_embedded(_add_member(PLAIN, "xl/media/x.png", OLE2)))


def test_embedded_packages_share_the_file_s_size_budget():
    """Each embedded workbook is within the ratio, but together they expand past the limit."""
    filler = os.urandom(600 * 1024) + b"\x00" * (MAX_UNCOMPRESSED_BYTES // 2)
    inner = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", "xl/filler.bin": filler})
    one = _embedded(inner)
    assert refusal(one) is None
    assert "压缩炸弹" in refusal(_add_member(one, "word/embeddings/second.xlsx", inner))


# --- a DOCTYPE in any encoding -----------------------------------------------------------------

BOMS = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff",
        "utf-32-le": b"\xff\xfe\x00\x00", "utf-32-be": b"\x00\x00\xfe\xff"}


def with_part(text, encoding, *, bom=False, declared=True):
    label = encoding.upper().replace("-LE", "LE").replace("-BE", "BE")
    declaration = f'<?xml version="1.0" encoding="{label}"?>' if declared else ""
    content = (BOMS[encoding] if bom else b"") + (declaration + text).encode(encoding)
    return _replace_member(PLAIN, "docProps/app.xml", content)


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no bom"])
@pytest.mark.parametrize("encoding", sorted(BOMS))
@pytest.mark.parametrize("text", [XXE + "<P>&xxe;</P>", XXE.lower() + "<P/>", '<!ENTITY x "y"><P/>'],
                         ids=["DOCTYPE", "doctype", "ENTITY"])
def test_a_declaration_is_refused_in_every_unicode_encoding(text, encoding, bom):
    assert "DOCTYPE" in refusal(with_part(text, encoding, bom=bom))


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-32-be"])
def test_a_declaration_is_refused_without_an_xml_declaration(encoding):
    assert "DOCTYPE" in refusal(with_part("\n" + XXE + "<P/>", encoding, declared=False))


@pytest.mark.parametrize("encoding", ["cp037", "iso-8859-1", "gb18030", "shift_jis"])
def test_a_declaration_is_refused_in_a_declared_encoding(encoding):
    content = f'<?xml version="1.0" encoding="{encoding}"?>{XXE}<P/>'.encode(encoding)
    assert "DOCTYPE" in refusal(_replace_member(PLAIN, "docProps/app.xml", content))


def test_a_declaration_across_two_chunks_is_found():
    """Parts are read a megabyte at a time; the declaration is split by the boundary."""
    padding = (1 << 20) // 4 - 30  # characters of UTF-32 before the split
    text = "<!--" + os.urandom(padding // 2).hex() + "-->" + XXE + "<P/>"  # random: not a zip bomb
    assert "DOCTYPE" in refusal(with_part(text, "utf-32-le", bom=True))


def test_a_part_in_another_encoding_without_a_declaration_passes():
    content = '<?xml version="1.0" encoding="GB2312"?><P>节水型城市建设</P>'.encode("gb2312")
    assert refusal(_replace_member(PLAIN, "docProps/app.xml", content)) is None


@pytest.mark.parametrize("label", ["x-unknown", "rot13", "hex"])
def test_an_unknown_or_non_text_encoding_is_refused(label):
    said = refusal(_replace_member(PLAIN, "docProps/app.xml", f'<?xml version="1.0" encoding="{label}"?><P/>'.encode()))
    assert f"（docProps/app.xml）使用了 Office 从不使用的字符编码（{label}）" in said
