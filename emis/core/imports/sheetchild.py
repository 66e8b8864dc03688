"""The guard's child: opens an uploaded workbook once, under resource limits, and streams its rows to the parent.

This module runs as the source of a fresh interpreter (`python -I -c <this file's text>`, see guard.SheetStream),
never imported by Django code at run time: it imports nothing of the project, only calamine, orjson and the
standard library. A hostile workbook that makes calamine abort or exhaust its memory or CPU costs this process,
not the worker. What it writes on stdout is lines of JSON, each one frame (orjson escapes newlines inside strings,
so a frame never holds a raw newline):

    ["meta", {...}]                      the workbook's shape: every worksheet's extent, hidden sheets, merged
                                         cells, the first sheet's name, height and header row (formula
                                         cells in an .xlsx are found by the parent's scan, guard.check_xlsx)
    ["rows", [[number, [cells]], ...], [[i, j, tag, text], ...]]
                                         data rows (blank rows left out) with 1-based row numbers; cells are
                                         text, numbers, booleans or null; a date, time or duration cell is null
                                         in the row and given in the second list as (row index in the frame,
                                         column, tag, text)
    ["end", count]                       every row was written

The parent trusts none of it (guard.SheetStream checks every frame): only data crosses, never pickles or code.
"""

from __future__ import annotations

import datetime as dt
import math
import sys

# A frame is cut at about this many bytes of rows, or rows; a single row may not make a frame longer than
# MAX_FRAME_BYTES (guard.SheetStream refuses longer lines).
FRAME_BYTES = 1 << 20
FRAME_ROWS = 2000
MAX_FRAME_BYTES = 64 << 20
PLAIN = frozenset((str, int, float, bool, type(None)))


def tagged(value) -> tuple[str, str]:
    """(tag, text) of a cell JSON cannot carry as it is (the parent's guard.decode_cell reverses it)."""
    cls = value.__class__
    if cls is dt.datetime:
        return "dt", value.isoformat()
    if cls is dt.date:
        return "d", value.isoformat()
    if cls is dt.time:
        return "t", value.isoformat()
    if cls is dt.timedelta:
        return "td", str((value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds)
    if cls is float:  # NaN and infinities, which JSON has no words for
        return "f", repr(value)
    return "s", str(value)


def rows_frame(dumps, batch: list) -> bytes:
    """One "rows" frame of `batch`, a list of (number, cells); cells are copied where they hold tagged values."""
    typed = []
    items = []
    for index, (number, cells) in enumerate(batch):
        if not PLAIN.issuperset(map(type, cells)) or any(
            cell.__class__ is float and not math.isfinite(cell) for cell in cells
        ):
            cells = list(cells)
            for column, cell in enumerate(cells):
                if cell.__class__ not in PLAIN or (cell.__class__ is float and not math.isfinite(cell)):
                    typed.append((index, column, *tagged(cell)))
                    cells[column] = None
        items.append((number, cells))
    return dumps(["rows", items, typed]) + b"\n"


def stream(path: str, file_format: str, out) -> None:
    import orjson
    import python_calamine as calamine

    dumps = orjson.dumps
    workbook = calamine.CalamineWorkbook.from_path(path)
    metadata = workbook.sheets_metadata
    hidden = [m.name for m in metadata if m.visible != calamine.SheetVisibleEnum.Visible]
    worksheets = [m for m in metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]
    extents, first = [], None
    for index in range(len(worksheets)):
        sheet = workbook.get_sheet_by_index(index)
        extents.append([sheet.height, sheet.width])
        if index == 0:
            first = sheet
    del file_format  # both formats are read alike; the parent's scan looks for formulas in an .xlsx
    meta = {"extents": extents, "hidden": hidden, "worksheets": len(worksheets)}
    if first is None or hidden or len(worksheets) > 1:
        # The parent refuses such a workbook on this frame alone.
        out.write(dumps(["meta", meta]) + b"\n")
        out.flush()
        return
    merged = first.merged_cell_ranges or []
    meta["merged_header"] = any(start[0] == 0 or end[0] == 0 for start, end in merged)
    meta["merged"] = bool(merged)
    meta["sheet"] = first.name
    meta["total_height"] = first.total_height
    iterator = iter(first.iter_rows())
    header = next(iterator, None)
    meta["header"] = None if header is None else [None if cell is None else str(cell) for cell in header]
    out.write(dumps(["meta", meta]) + b"\n")
    out.flush()
    if header is None:
        return
    # The frames are encoded as fast as this process can and handed to a writer thread, which writes them as the
    # parent takes them: the sheet is read and released within a second or so of the first frame, instead of
    # being walked a frame at a time for as long as the import lasts (its memory, and the caches it evicts,
    # beside the parent's writes). The encoded frames are smaller than the sheet they replace.
    import queue
    import threading

    frames = queue.SimpleQueue()
    writer = threading.Thread(target=_write_frames, args=(frames, out))
    writer.start()
    try:
        count, batch, size = 0, [], 0
        for number, row in enumerate(iterator, start=2):
            # list.count runs in C; a row is blank when every cell is "" or None.
            if row.count("") + row.count(None) < len(row):
                batch.append((number, row))
                count += 1
                size += 16 + sum(len(cell) for cell in row if cell.__class__ is str) * 3
                if size >= FRAME_BYTES or len(batch) >= FRAME_ROWS:
                    frames.put(rows_frame(dumps, batch))
                    batch, size = [], 0
        if batch:
            frames.put(rows_frame(dumps, batch))
        del iterator, first, sheet, workbook, batch
        frames.put(dumps(["end", count]) + b"\n")
    finally:
        # Without its end frame when reading failed: the parent refuses the file (this process exits with 1).
        frames.put(None)
        writer.join()


def _write_frames(frames, out) -> None:
    try:
        while (frame := frames.get()) is not None:
            out.write(frame)
        out.flush()
    except BrokenPipeError:  # the parent stopped reading (it refused the file, or was left): nothing to do
        pass


def main(argv: list[str]) -> None:
    import resource

    memory, cpu_seconds = int(argv[2]), int(argv[4])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    stream(argv[1], argv[3], sys.stdout.buffer)


if __name__ == "__main__":
    main(sys.argv)
