"""An upload is small, what it unpacks to need not be: the import reads row by row and stops at its caps.

The .xlsx files here are zipped by hand, as an attacker would, so that the sheet can claim what it likes.
Memory is measured with tracemalloc (bytes allocated by Python while the file is read).
"""

import io
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from customers import imports
from customers.imports import ImportFileError, read_rows

MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADING = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>customer_code</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>date</t></is></c><c r="C1" t="inlineStr"><is><t>amount</t></is></c></row>'
)


def data_row(number: int, code="C1") -> str:
    return (
        f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>{code}</t></is></c>'
        f'<c r="B{number}" t="inlineStr"><is><t>2026-01-02</t></is></c><c r="C{number}"><v>6</v></c></row>'
    )


def xlsx(rows: str, *, dimension="", after_rows="", parts=None) -> bytes:
    """A minimal workbook whose first sheet holds ``rows`` (XML), zipped by hand."""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
        f"{dimension}<sheetData>{rows}</sheetData>{after_rows}</worksheet>"
    )
    base = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**base, **(parts or {})}.items():
            archive.writestr(name, text)
    return out.getvalue()


def upload(data: bytes, name="sales.xlsx"):
    return SimpleUploadedFile(name, data)


def read_measured(data: bytes, name="sales.xlsx"):
    """``read_rows`` of the file, or the ImportFileError it raised, and the peak bytes allocated meanwhile."""
    tracemalloc.start()
    try:
        result = read_rows(upload(data, name))
    except ImportFileError as exc:
        result = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, peak


def test_a_sheet_claiming_16384_columns_and_3000_rows_is_read_in_little_memory():
    # The file of the report: 1.5 KB, the dimension claims A1:XFD3000, the data skips from row 2 to row 3000.
    # Padded to the claim, every row is 16,384 cells (~130 KB): ~390 MB in all.
    data = xlsx(HEADING + data_row(2) + data_row(3000, code="C2"), dimension='<dimension ref="A1:XFD3000"/>')
    assert len(data) < 2048
    records, peak = read_measured(data)
    assert peak < 10 * MB
    assert len(records) == 2999  # rows 2 to 3000: line numbers stay right
    assert records[0] == {"customer_code": "C1", "date": "2026-01-02", "amount": 6}
    assert records[-1] == {"customer_code": "C2", "date": "2026-01-02", "amount": 6}
    assert records[1:-1] == [None] * 2997


def test_a_row_wider_than_excel_allows_is_refused_before_it_is_built():
    # 20,000 cells in one row, 5 KB zipped: openpyxl would hold ~0.6 KB per cell.
    data = xlsx(HEADING + '<row r="2">' + '<c r="A2"/>' * 20_000 + "</row>")
    assert len(data) < 10_000
    result, peak = read_measured(data)
    assert isinstance(result, ImportFileError) and "Row 2 has too many cells" in str(result)
    assert peak < 10 * MB


def test_cells_right_of_the_column_cap_are_not_read():
    # Each row ends with cells in columns 52, 53 and 16,384: padded to the last, a row is ~130 KB.
    rows = [data_row(n)[: -len("</row>")] + "".join(f'<c r="{col}{n}"><v>1</v></c>' for col in ("AZ", "BA", "XFD"))
            + "</row>" for n in range(2, 302)]  # fmt: skip
    records, peak = read_measured(xlsx(HEADING + "".join(rows)))
    assert len(records) == 300 and records[-1] == {"customer_code": "C1", "date": "2026-01-02", "amount": 6}
    assert peak < 10 * MB


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(HEADING + data_row(2) + data_row(1_048_576), id="one row numbered far down"),
        pytest.param(HEADING + "<row/>" * 50_000, id="50,000 empty rows"),
    ],
)
def test_a_sheet_going_on_past_the_line_cap_is_refused(rows):
    result, peak = read_measured(xlsx(rows))
    assert isinstance(result, ImportFileError) and "past row 50,000" in str(result)
    assert peak < 10 * MB


def test_empty_rows_below_and_between_the_data_are_fine_within_the_cap():
    rows = HEADING + data_row(2) + "<row/>" * 100 + data_row(103) + "<row/>" * 10_000
    records, _peak = read_measured(xlsx(rows))
    assert len(records) == 102 and records[0] and records[-1] and records[1:-1] == [None] * 100


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    padding = " " * (51 * MB)  # 51 MB of spaces in the sheet: zips to ~50 KB
    data = xlsx(HEADING + data_row(2), after_rows=padding)
    assert len(data) < MB
    result, peak = read_measured(data)
    assert isinstance(result, ImportFileError) and "unpacks to more than 50 MB" in str(result)
    assert peak < 10 * MB


def test_a_file_of_too_many_parts_is_refused():
    parts = {f"xl/media/p{i}.bin": "x" for i in range(1_000)}
    result, _peak = read_measured(xlsx(HEADING + data_row(2), parts=parts))
    assert isinstance(result, ImportFileError) and "too large to read" in str(result)


@pytest.mark.parametrize(
    ("after_rows", "parts"),
    [
        pytest.param("<extLst>" + "<x/>" * 150_000 + "</extLst>", None, id="elements beside the rows"),
        pytest.param("", {"xl/styles.xml": f'<styleSheet xmlns="{MAIN}">' + "<x/>" * 150_000 + "</styleSheet>"},
                     id="a styles part openpyxl parses whole"),
        pytest.param("", {"xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">' + "<si><t>a</t></si>" * 250_000 + "</sst>"},
                     id="too many shared strings"),
    ],
)  # fmt: skip
def test_xml_that_would_cost_openpyxl_too_much_memory_is_refused(after_rows, parts):
    # A few bytes of XML make an element of a few hundred bytes, which openpyxl keeps.
    result, peak = read_measured(xlsx(HEADING + data_row(2), after_rows=after_rows, parts=parts))
    assert isinstance(result, ImportFileError) and "too large to read" in str(result)
    assert peak < 10 * MB


def test_a_sheet_broken_halfway_is_a_message_not_a_crash():
    broken = HEADING + data_row(2) + '<row r="3"><c r="A3"><v>1</v></row>'
    result, _peak = read_measured(xlsx(broken, dimension='<dimension ref="A1:C3"/>'))
    assert isinstance(result, ImportFileError) and "not a readable Excel" in str(result)


def test_csv_stops_at_the_row_cap_before_reading_on(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    lines = ["customer_code,date,amount"] + ["C1,2026-01-01,5"] * 4 + ["C1,2026-01-01," + "9" * 200_000]
    result, _peak = read_measured("\n".join(lines).encode(), name="sales.csv")
    # The over-long line comes after the fourth row: the cap is met first.
    assert isinstance(result, ImportFileError) and "At most 3 rows" in str(result)


def test_csv_of_ten_megabytes_of_empty_lines_is_refused_in_little_memory():
    data = b"customer_code,date,amount\nC1,2026-01-01,5\n" + b"\n" * (10 * MB - 100)
    result, peak = read_measured(data, name="sales.csv")
    assert isinstance(result, ImportFileError) and "past row 50,000" in str(result)
    assert peak < 80 * MB  # the decoded text itself; each empty line used to cost ~80 bytes more, kept


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("," * 1_000_000, id="a million empty fields"),
        pytest.param("C1,2026-01-01," + "9" * 200_000, id="a field the csv module refuses"),
    ],
)
def test_csv_with_a_huge_line_is_a_message_not_a_crash(line):
    result, peak = read_measured(f"customer_code,date,amount\n{line}\n".encode(), name="sales.csv")
    assert isinstance(result, ImportFileError) and "Line 2 of the CSV file is longer than 100,000" in str(result)
    assert peak < 20 * MB
