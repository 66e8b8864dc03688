"""Reading the tables of emis.reports.stats in tests."""


def cells(tbl: dict, area: str, label: str | None = None) -> dict:
    """The row `label` (default: the section's first row) of the section `area`, as {column: value}; grouped
    columns are keyed "group/label"."""
    section = next(s for s in tbl["sections"] if s["area"] == area)
    row = section["rows"][0] if label is None else next(r for r in section["rows"] if r["label"] == label)
    keys = [f"{c['group']}/{c['label']}" if c["group"] else c["label"] for c in tbl["columns"]]
    return dict(zip(keys, row["values"], strict=True))


def row_labels(tbl: dict, area: str) -> list[str]:
    section = next(s for s in tbl["sections"] if s["area"] == area)
    return [r["label"] for r in section["rows"]]
