"""Hand-written workbooks for the hostile-file tests, the fuzz test and bench/import/hostile.py.

Each is built with zipfile from raw XML, so a test can state exactly what an attacker would put in the
file (a <dimension>, a cell reference, a shared-string count, a DOCTYPE, a lying zip directory).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape

STUDENT_HEADER = ["学校标识码", "年级", "班级", "姓名", "性别", "出生日期", "身份证件号"]

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{extra}</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="学生" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>{extra}</Relationships>'
)
SHARED_STRINGS_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/>'
)
SHARED_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(ref: str | None, value) -> str:
    where = f' r="{ref}"' if ref else ""
    if isinstance(value, (int, float)):
        return f"<c{where}><v>{value}</v></c>"
    return f'<c{where} t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def row_xml(number: int | None, values: list, *, refs: bool = True) -> str:
    where = f' r="{number}"' if number else ""
    cells = "".join(cell(f"{column_letters(i)}{number}" if refs and number else None, v) for i, v in enumerate(values))
    return f"<row{where}>{cells}</row>"


def sheet_xml(rows: list[str], *, dimension: str | None = "A1", before: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{before}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )


def xlsx(sheet: str | bytes, *, shared_strings: str | None = None, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr(
            "[Content_Types].xml", CONTENT_TYPES.format(extra=SHARED_STRINGS_TYPE if shared_strings else "")
        )
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr(
            "xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(extra=SHARED_STRINGS_REL if shared_strings else "")
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
    return buffer.getvalue()


def header_and_far_cell(ref: str = "XFD1048576", *, dimension: str | None = None) -> bytes:
    """Finding 6: a header row and one cell far away (1.7 KB; calamine would ask for 512 GB)."""
    far_row = int("".join(ch for ch in ref if ch.isdigit()))
    rows = [row_xml(1, STUDENT_HEADER), f'<row r="{far_row}">{cell(ref, "x")}</row>']
    return xlsx(sheet_xml(rows, dimension=dimension or f"A1:{ref}"))


def many_rows(count: int, *, width: int = 8, value="x") -> bytes:
    """Finding 7: a small file of many rows (every row is rejected by the students importer)."""
    header = (STUDENT_HEADER + ["户籍乡镇代码"])[:width]
    body = [row_xml(1, header)]
    body.extend(row_xml(n, [value] * width) for n in range(2, count + 2))
    return xlsx(sheet_xml(body, dimension=f"A1:{column_letters(width - 1)}{count + 1}"))


def huge_shared_string_count(count: int = 10**12) -> bytes:
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="{count}">'
        "<si><t>学校标识码</t></si></sst>"
    )
    rows = ['<row r="1"><c r="A1" t="s"><v>0</v></c></row>']
    return xlsx(sheet_xml(rows), shared_strings=strings)


def billion_laughs(levels: int = 9) -> bytes:
    """Entity expansion: ten to the ninth "lol"s if a parser expanded them."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    )
    doctype = f"<!DOCTYPE worksheet [{entities}]>"
    rows = [row_xml(1, STUDENT_HEADER), f'<row r="2"><c r="A2" t="inlineStr"><is><t>&lol{levels};</t></is></c></row>']
    return xlsx(sheet_xml(rows, before=doctype))


def deep_nesting(depth: int = 100_000) -> bytes:
    rows = [
        row_xml(1, STUDENT_HEADER),
        '<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is>' + "<x>" * depth + "</x>" * depth + "</c></row>",
    ]
    return xlsx(sheet_xml(rows))


def lying_zip_directory(real_size: int = 20 * 1024 * 1024) -> bytes:
    """The sheet's directory entry keeps the size and CRC of a one-row sheet, but its data inflates to
    `real_size` bytes of rows: a reader trusting the directory would read them all."""
    honest = zipfile.ZipFile(io.BytesIO(xlsx(sheet_xml([row_xml(1, STUDENT_HEADER)]))))
    small = honest.getinfo("xl/worksheets/sheet1.xml")
    body = honest.read(small.filename).replace(b"<sheetData>", b"<sheetData>" + b"<row/>" * (real_size // 6))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = compressor.compress(body) + compressor.flush()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in honest.infolist():
            if info.filename != small.filename:
                archive.writestr(info, honest.read(info.filename))
    raw = bytearray(out.getvalue())
    end = raw.rfind(b"PK\x05\x06")
    directory_size, directory_offset = struct.unpack("<II", raw[end + 12 : end + 20])
    directory = bytes(raw[directory_offset : directory_offset + directory_size])
    del raw[directory_offset:]
    name = small.filename.encode()
    offset = len(raw)
    raw += struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, small.CRC, len(stream), small.file_size, len(name), 0
    )
    raw += name + stream
    directory += struct.pack(
        "<IHHHHHHIIIHHHHHII",
        *(0x02014B50, 20, 20, 0, 8, 0, 0, small.CRC, len(stream), small.file_size, len(name), 0, 0, 0, 0, 0, offset),
    )
    directory += name
    count = directory.count(b"PK\x01\x02")
    raw += directory + struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), offset + 30 + len(name) + len(stream), 0
    )
    return bytes(raw)


def compression_bomb(size: int = 20 * 1024 * 1024) -> bytes:
    """An honest directory, but a sheet that inflates more than a thousand-fold."""
    filler = "<row/>" * (size // 6)
    return xlsx(sheet_xml([row_xml(1, STUDENT_HEADER), filler]))
