"""The reader's memory is bounded whatever a file says about itself: proved without timing,
by reading hostile files in a child process that may use at most 512 MB of address space.
Refused cleanly means the child exits normally and prints the refusal, not killed and not
a MemoryError."""

import io
import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.fixtures.bad.make_corpus import zipped

ADDRESS_SPACE = 512 * 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CHILD = """
import json, resource, sys
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import django
django.setup()
from django.utils import translation
translation.activate("zh-hans")
from core.errors import FileUnreadable
from core.workbook_reader import load_workbook, read_grid
data = open(sys.argv[1], "rb").read()
try:
    workbook = load_workbook(data)
    for sheet in workbook.worksheets:
        read_grid(sheet)
except FileUnreadable as refused:
    print(json.dumps({"refused": str(refused)}))
else:
    print(json.dumps({"read": True}))
"""


def read_in_a_bounded_child(tmp_path, data):
    path = tmp_path / "upload"
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(ADDRESS_SPACE)], cwd=ROOT, capture_output=True, text=True,
        timeout=300,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def xlsx_package(sheet_xml_rows, dimension=""):
    """An .xlsx whose one worksheet is written row by row from ``sheet_xml_rows`` (bytes),
    without holding the sheet in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            f'<?xml version="1.0"?><Types xmlns="{TYPES_NS}"><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{OFFICE_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{OFFICE_TYPE}.worksheet+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            f'<?xml version="1.0"?><Relationships xmlns="{PACKAGE_RELS_NS}"><Relationship Id="rId1" '
            f'Type="{RELS_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        archive.writestr("xl/workbook.xml", (
            f'<?xml version="1.0"?><workbook xmlns="{SHEET_NS}" xmlns:r="{RELS_NS}">'
            '<sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0"?><Relationships xmlns="{PACKAGE_RELS_NS}"><Relationship Id="rId1" '
            f'Type="{RELS_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'))
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{SHEET_NS}">{dimension}'
                        '<sheetData>'.encode())
            for row in sheet_xml_rows:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def four_million_cells():
    """20,000 rows × 200 two-digit numbers: about 4 MB, well under the upload and zip-bomb
    limits, which is what ~4 M cells cost before the reader measured them."""
    digits = random.Random(18)
    for number in range(1, 20_001):
        cells = "".join(f"<c><v>{digits.randrange(10, 100)}</v></c>" for _ in range(200))
        yield f'<row r="{number}">{cells}</row>'.encode()


def test_a_four_million_cell_workbook_is_refused_within_512_mb(tmp_path):
    data = xlsx_package(four_million_cells())
    assert len(data) < 10 * 1024 * 1024
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.getinfo("xl/worksheets/sheet1.xml").file_size < 100 * len(data)  # not a zip bomb
    answer = read_in_a_bounded_child(tmp_path, data)
    assert "单元格超过 2,000,000 个" in answer.get("refused", ""), answer


def test_the_bounded_child_reads_a_real_table(tmp_path):
    """The limit leaves room to work: the same child reads an ordinary upload."""
    data = (ROOT / "tests" / "fixtures" / "xlsx" / "wulong_annex1.xlsx").read_bytes()
    assert read_in_a_bounded_child(tmp_path, data) == {"read": True}


def test_a_small_xlsx_claiming_an_enormous_sheet_is_refused(tmp_path):
    """Two cells, at A1 and XFD1048576: a dense parse would be 17 billion cells."""
    rows = [b'<row r="1"><c r="A1"><v>1</v></c></row>', b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>']
    data = xlsx_package(rows, dimension='<dimension ref="A1:XFD1048576"/>')
    assert len(data) < 2000
    answer = read_in_a_bounded_child(tmp_path, data)
    assert "1048576 行" in answer.get("refused", ""), answer


def ods_package(table_body):
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="数据">{table_body}</table:table></office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    return zipped({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": content,
                   "META-INF/manifest.xml": '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:'
                                            'names:tc:opendocument:xmlns:manifest:1.0"/>'})


FILLED = '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'


def test_a_small_ods_repeating_a_filled_row_enormously_is_refused(tmp_path):
    """700 bytes saying “this row of 100 filled cells, 100,000 times”: 10 M cells, which
    calamine would build (over 600 MB) before anything else could look at them."""
    repeated = FILLED.replace("<table:table-cell ", '<table:table-cell table:number-columns-repeated="100" ')
    data = ods_package(f'<table:table-row table:number-rows-repeated="100000">{repeated}</table:table-row>')
    assert len(data) < 1000
    answer = read_in_a_bounded_child(tmp_path, data)
    assert "单元格超过" in answer.get("refused", ""), answer


def test_a_small_ods_with_filled_cells_a_million_rows_apart_is_refused(tmp_path):
    gap = '<table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row>'
    data = ods_package(f"<table:table-row>{FILLED}</table:table-row>{gap}<table:table-row>{FILLED}</table:table-row>")
    answer = read_in_a_bounded_child(tmp_path, data)
    assert "1000002 行" in answer.get("refused", ""), answer


def test_the_empty_block_libreoffice_writes_to_the_end_of_a_sheet_costs_nothing(tmp_path):
    trailing = ('<table:table-row table:number-rows-repeated="1048575">'
                '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    row = f'<table:table-row>{FILLED}<table:table-cell table:number-columns-repeated="1023"/></table:table-row>'
    data = ods_package(row + trailing)
    assert read_in_a_bounded_child(tmp_path, data) == {"read": True}


def test_the_child_really_is_limited():
    """The bound the tests rely on holds: a child limited so cannot allocate 600 MB."""
    code = (f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE}, {ADDRESS_SPACE}))\n"
            "try:\n    bytearray(600 * 1024 * 1024)\nexcept MemoryError:\n    print('limited')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "limited"
