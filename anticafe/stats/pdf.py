"""The period report as PDF (fpdf2, DejaVu Sans for Cyrillic): figures, charts, categories, ages, youth reached.

Imported by `exports.report_pdf` when the first PDF is asked for: fpdf2 and fontTools are heavy.
"""

import logging
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from fpdf import FPDF

from ..errors import DomainError
from .reports import Dashboard, Table, fmt

# fpdf2 subsets the fonts with fontTools, which reports every step at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)


FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
#: Colours of the charts' data sets (the same as static/js/stats.js).
PALETTE = [(37, 99, 235), (22, 163, 74), (219, 39, 119), (234, 88, 12), (124, 58, 237), (14, 116, 144)]


def font_dir() -> Path:
    """Where `make vendor` puts the DejaVu fonts (from the dejavu-fonts-ttf npm package)."""
    return Path(current_app.static_folder) / "vendor" / "fonts"


class ReportPDF(FPDF):
    """A4 pages in DejaVu Sans (Cyrillic), with the report's title and page numbers in the footer."""

    def __init__(self, footer_text: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        folder = font_dir()
        for style, name in FONT_FILES.items():
            path = folder / name
            if not path.exists():
                raise DomainError("pdf_font_missing", _("The PDF font is not installed: run “make vendor”."),
                                  status=503)
            self.add_font("DejaVu", style, str(path))
        self.set_font("DejaVu", size=9)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", size=7)
        self.set_text_color(120, 120, 120)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _heading(pdf: ReportPDF, text: str, size: int = 12, keep: float = 40) -> None:
    """A section title, moved to the next page unless `keep` mm of what follows fit under it."""
    if pdf.get_y() + keep > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", size)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=9)


def fit_columns(wanted: list[float], needed: list[float], total: float) -> list[float]:
    """Give every column at least its `needed` width (its longest heading word), taking the room from the
    columns that have more than they need, in proportion; the widths add up to `total`."""
    widths = [max(w, n) for w, n in zip(wanted, needed, strict=True)]
    excess = sum(widths) - total
    spare = [w - n for w, n in zip(widths, needed, strict=True)]
    room = sum(spare)
    if excess > 0 and room > 0:
        take = min(excess, room)
        widths = [w - take * s / room for w, s in zip(widths, spare, strict=True)]
    return widths


def heading_word_widths(pdf: FPDF, labels: list[str], size: float) -> list[float]:
    """The width each heading needs so that it wraps between words, never inside one («Мероприят/ия»)."""
    pdf.set_font("DejaVu", "B", size)
    needed = [max(pdf.get_string_width(word) for word in (label.split() or [""])) + 2 * pdf.c_margin + 0.5
              for label in labels]
    pdf.set_font("DejaVu", size=size)
    return needed


def _pdf_table(pdf: ReportPDF, table: Table) -> None:
    count = len(table.columns)
    first = 60 if count <= 4 else 34
    rest = (pdf.epw - first) / max(1, count - 1)
    size = 7 if count > 6 else 9
    needed = heading_word_widths(pdf, [column.label for column in table.columns], size)
    widths = fit_columns([first, *([rest] * (count - 1))], needed, pdf.epw)
    pdf.set_font("DejaVu", size=size)
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(col_widths=tuple(widths), line_height=4.6 if count > 6 else 5.5,
                   text_align=("LEFT", *(["RIGHT"] * (count - 1))), first_row_as_headings=True,
                   headings_style=_headings_style(), borders_layout="HORIZONTAL_LINES",
                   cell_fill_mode="NONE") as grid:
        head = grid.row()
        for column in table.columns:
            head.cell(column.label)
        for row in table.rows:
            line = grid.row()
            for value, kind in table.cells(row):
                line.cell(fmt(value, kind) if kind != "text" else str(value))
    pdf.set_font("DejaVu", size=9)
    if table.note:
        pdf.set_font("DejaVu", size=7)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(0, 4, table.note, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("DejaVu", size=9)


def _headings_style():
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", fill_color=(232, 238, 247))


def _bar_chart(pdf: ReportPDF, chart: dict) -> None:
    """Horizontal bars, one group per label and one bar per data set, with the values written."""
    labels = chart["labels"]
    datasets = chart["datasets"][:3]
    if not labels:
        return
    bar, gap = 3.2, 2.0
    group = bar * len(datasets) + gap
    height = 8 + group * len(labels)
    if pdf.get_y() + height > pdf.h - 20:
        pdf.add_page()
    top = pdf.get_y() + 1
    label_width = 45
    left = pdf.l_margin + label_width
    width = pdf.epw - label_width - 14
    highest = max([max(d["data"] or [0]) for d in datasets] + [1])
    # legend
    x = pdf.l_margin
    pdf.set_font("DejaVu", size=7)
    for index, dataset in enumerate(datasets):
        pdf.set_fill_color(*PALETTE[index % len(PALETTE)])
        pdf.rect(x, top, 3, 3, style="F")
        pdf.set_xy(x + 4, top - 0.5)
        text = str(dataset["label"])
        pdf.cell(pdf.get_string_width(text) + 2, 4, text)
        x += pdf.get_string_width(text) + 10
    y = top + 6
    for row, label in enumerate(labels):
        pdf.set_xy(pdf.l_margin, y + row * group)
        pdf.cell(label_width - 2, bar * len(datasets), _fit(pdf, str(label), label_width - 3), align="R")
        for index, dataset in enumerate(datasets):
            value = dataset["data"][row] or 0
            length = width * value / highest
            by = y + row * group + index * bar
            pdf.set_fill_color(*PALETTE[index % len(PALETTE)])
            if length > 0:
                pdf.rect(left, by + 0.3, length, bar - 0.6, style="F")
            pdf.set_xy(left + length + 1, by - 0.2)
            pdf.cell(12, bar, fmt(value, "int" if float(value).is_integer() else "hours"))
    pdf.set_y(y + group * len(labels) + 2)
    pdf.set_font("DejaVu", size=9)
    pdf.set_fill_color(255, 255, 255)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def report_pdf(dashboard: Dashboard, title: str, details: list[tuple[str, str]]) -> bytes:
    """The period report for the coordination council: figures, charts, categories, ages, youth reached."""
    pdf = ReportPDF(footer_text=f"{title} · {dashboard.label}")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=9)
    for label, value in details:
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(40, 5, label)
        pdf.set_font("DejaVu", size=9)
        pdf.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
    tables = dashboard.tables
    _heading(pdf, tables["summary"].title)
    _pdf_table(pdf, tables["summary"])
    _heading(pdf, tables["youth"].title)
    _pdf_table(pdf, tables["youth"])
    for name in ("series", "categories", "ages"):
        table = tables[name]
        _heading(pdf, table.title, keep=90)
        if table.chart:
            _bar_chart(pdf, table.chart)
        _pdf_table(pdf, table)
    _heading(pdf, tables["top_events"].title)
    if tables["top_events"].rows:
        _pdf_table(pdf, _narrow_events(tables["top_events"]))
    else:
        pdf.multi_cell(0, 5, _("No events with check-ins in this period."), new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, tables["frequency"].title)
    _pdf_table(pdf, tables["frequency"])
    return bytes(pdf.output())


def _narrow_events(table: Table) -> Table:
    """The top-events table without the columns that do not fit a portrait page."""
    keep = {"event", "date", "registered", "checked_in", "no_shows", "fill_rate"}
    return Table(table.name, table.title, [c for c in table.columns if c.key in keep], table.rows, note=table.note)
