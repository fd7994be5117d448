"""Tables as files: CSV and XLSX for every table, XLSX and PDF for the period report.

Each file starts with what it covers (venue, table, period, comparison, grouping, when it was made).
Cells that a spreadsheet would read as a formula are written as text. Only counts are written.
"""

import csv
import io

from flask_babel import get_locale
from flask_babel import gettext as _

from .reports import Dashboard, Table, fmt

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_value(value, kind: str, decimal: str = ".") -> str:
    if value is None:
        return ""
    text = _csv_text(value, kind)
    return text.replace(".", decimal) if kind in ("percent", "change", "points", "hours") else text


def _csv_text(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "text":
        return _safe_text(str(value))
    if kind == "date":
        return value.strftime("%Y-%m-%d %H:%M")
    if kind in ("percent", "change"):
        return f"{value:+.1f}%" if kind == "change" else f"{value:.1f}%"
    if kind == "points":
        return f"{value:+.1f} {_('pp')}"
    if kind == "hours":
        return f"{value:.1f}"
    return str(value)


def russian_csv() -> bool:
    """Tell whether the CSV is for a Russian spreadsheet (the request's language is Russian)."""
    locale = get_locale()
    return locale is not None and locale.language == "ru"


def table_csv(table: Table, details: list[tuple[str, str]], *, russian: bool | None = None) -> bytes:
    """One table as UTF-8 CSV (with a byte-order mark, so that spreadsheet programs read Cyrillic).

    In Russian, as Russian Excel opens it by a double click: semicolons between cells and decimal commas
    (a comma-separated file opens as one column there, and "1.5" becomes a date).
    """
    if russian is None:
        russian = russian_csv()
    decimal = "," if russian else "."
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if russian else ",")
    for label, value in details:
        writer.writerow([_safe_text(label), _safe_text(value)])
    writer.writerow([])
    writer.writerow([_safe_text(column.label) for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(value, kind, decimal) for value, kind in table.cells(row)])
    if table.note:
        writer.writerow([])
        writer.writerow([_safe_text(table.note)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ------------------------------------------------------------------------------------------------
# XLSX

_FORMATS = {
    "int": "#,##0",
    "hours": "#,##0.0",
    "percent": "0.0%",
    "change": "+0.0%;-0.0%;0.0%",
}


def _sheet_title(title: str, taken: set[str]) -> str:
    clean = "".join("_" if ch in '[]:*?/\\' else ch for ch in title)[:31] or "Sheet"
    name, n = clean, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = clean[:31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _write_table(ws, table: Table, details: list[tuple[str, str]]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, head_fill = Font(bold=True), PatternFill("solid", fgColor="E8EEF7")
    for label, value in details:
        ws.append([label, value])
        ws.cell(ws.max_row, 1).font = bold
    ws.append([])
    ws.append([column.label for column in table.columns])
    header = ws.max_row
    for index in range(1, len(table.columns) + 1):
        cell = ws.cell(header, index)
        cell.font = bold
        cell.fill = head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [len(column.label) for column in table.columns]
    for row in table.rows:
        ws.append([None] * len(table.columns))
        line = ws.max_row
        for index, (value, kind) in enumerate(table.cells(row), start=1):
            cell = ws.cell(line, index)
            if value is None:
                cell.value = None
            elif kind == "text":
                cell.value = str(value)
                cell.data_type = "s"  # never a formula, even if it starts with "="
            elif kind == "date":
                cell.value = value.replace(tzinfo=None)
                cell.number_format = "dd.mm.yyyy hh:mm"
            elif kind in ("percent", "change"):
                cell.value = value / 100
                cell.number_format = _FORMATS[kind]
            elif kind == "points":
                cell.value = value
                cell.number_format = '+0.0" {0}";-0.0" {0}";0.0" {0}"'.format(_("pp"))
            else:
                cell.value = value
                cell.number_format = _FORMATS.get(kind, "General")
            if row.get("_total"):
                cell.font = bold
            shown = fmt(value, kind) if kind != "text" else str(value or "")
            widths[index - 1] = max(widths[index - 1], len(shown))
    if table.note:
        ws.append([])
        ws.append([table.note])
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = min(60, max(10, width + 2))
    ws.freeze_panes = ws.cell(header + 1, 1)


def tables_xlsx(tables: list[tuple[Table, list[tuple[str, str]]]]) -> bytes:
    """Tables as one workbook, a sheet each, each with its own details on top.

    openpyxl is imported here, by the first download, rather than by every worker at start (7 MB).
    """
    from openpyxl import Workbook

    workbook = Workbook()
    taken: set[str] = set()
    for index, (table, details) in enumerate(tables):
        ws = workbook.active if index == 0 else workbook.create_sheet()
        ws.title = _sheet_title(table.title, taken)
        _write_table(ws, table, details)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------
# PDF


def report_pdf(dashboard: Dashboard, title: str, details: list[tuple[str, str]]) -> bytes:
    """The period report as PDF (`pdf.report_pdf`).

    fpdf2 with fontTools takes 20 MB of a worker's memory: it is loaded by the first PDF, not at start.
    """
    from .pdf import report_pdf as build

    return build(dashboard, title, details)


def filename(stem: str, suffix: str, *parts: str) -> str:
    """An ASCII file name: anticafe-<stem>-<parts>.<suffix>."""
    safe = "-".join(p for p in (stem, *parts) if p)
    return f"anticafe-{safe}.{suffix}"

