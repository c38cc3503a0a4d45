"""The certificate as an A4 PDF (fpdf2), with a QR code that opens the verification page.

Names and texts come in every European script (Łukasz Żółć, Ηλέκτρα, Jürgen), which the
PDF core fonts cannot show, so the PDF embeds (a subset of) Fira Sans, a TrueType font with
Latin, Greek and Cyrillic under the SIL Open Font License. It ships in the
``fontpkg-fira-sans`` wheel, so a fresh ``pip install`` needs no system fonts.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

from issuer.certificates.content import Certificate, LiveStatus, in_language
from shared.errors import ConfigurationError
from shared.qr import qr_png

FONT_PACKAGE = "fontpkg_fira_sans"
FONT_FAMILY = "FiraSans"
FONT_FILES = {"": "FiraSans-Regular.ttf", "B": "FiraSans-SemiBold.ttf", "I": "FiraSans-Italic.ttf"}

MARGIN = 18.0  # mm
QR_SIZE = 38.0  # mm: scans from a phone held at reading distance, and from a printout
LABEL_WIDTH = 52.0  # mm
INK = (27, 31, 36)
MUTED = (87, 96, 106)
ALERT = (164, 14, 38)
RULE = (208, 215, 222)


@cache
def font_paths() -> dict[str, Path]:
    """The font files by fpdf2 style; fpdf2 reads fonts from paths, not from memory."""
    problem = "The certificate font is missing: install the fontpkg-fira-sans package."
    try:
        folder = Path(str(resources.files(FONT_PACKAGE).joinpath("files")))
    except ModuleNotFoundError as exc:
        raise ConfigurationError(problem) from exc
    paths = {style: folder / name for style, name in FONT_FILES.items()}
    if not all(path.is_file() for path in paths.values()):
        raise ConfigurationError(problem)
    return paths


class _CertificatePDF(FPDF):
    def __init__(self, certificate: Certificate) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.certificate = certificate
        for style, path in font_paths().items():
            self.add_font(FONT_FAMILY, style, str(path))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 8)

    def footer(self) -> None:
        self.set_y(-MARGIN - 2)
        self.set_draw_color(*RULE)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.use_style("", 7.5, MUTED)
        self.multi_cell(
            0,
            3.6,
            f"Verify this certificate and its current status at "
            f"{self.certificate.verification_url}\n"
            f"Issuer DID: {self.certificate.issuer_did}"
            f"    Page {self.page_no()} of {{nb}}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def use_style(self, style: str, size: float, color: tuple[int, int, int] = INK) -> None:
        self.set_font(FONT_FAMILY, style, size)
        self.set_text_color(*color)


def render_pdf(certificate: Certificate) -> bytes:
    """One or two A4 pages: header, title, learner, the EU elements, and the QR code."""
    award = certificate.award
    language = certificate.language
    pdf = _CertificatePDF(certificate)
    issuer_name = award.awarding_body.name.text
    pdf.set_title(f"{award.entry.title.text} – {award.learner.name or ''}".strip(" –"))
    pdf.set_author(issuer_name)
    pdf.set_creator("credstack issuer")
    pdf.set_lang(language)
    pdf.add_page()

    qr_x, qr_y = pdf.w - MARGIN - QR_SIZE, MARGIN
    pdf.image(io.BytesIO(qr_png(certificate.verification_url, box_size=8)), qr_x, qr_y, QR_SIZE)
    pdf.set_xy(qr_x, qr_y + QR_SIZE)
    pdf.use_style("", 7, MUTED)
    pdf.cell(QR_SIZE, 3.5, "Scan to verify", align="C")

    beside_qr = pdf.w - 2 * MARGIN - QR_SIZE - 6
    pdf.set_xy(MARGIN, MARGIN)
    pdf.use_style("B", 11)
    pdf.multi_cell(beside_qr, 5.5, issuer_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.use_style("", 9, MUTED)
    pdf.multi_cell(
        beside_qr, 4.5, "Micro-credential certificate", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )

    pdf.ln(5)
    pdf.use_style("B", 20)
    pdf.multi_cell(beside_qr, 9, award.entry.title.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.use_style("", 10, MUTED)
    for other, title in award.entry.title.translations.items():
        pdf.multi_cell(beside_qr, 5, f"{other}: {title}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.ln(4)
    pdf.use_style("", 10, MUTED)
    pdf.cell(beside_qr, 5, "awarded to", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.use_style("B", 16)
    pdf.multi_cell(beside_qr, 8, award.learner.name or "", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.use_style("", 10)
    pdf.multi_cell(
        beside_qr,
        5,
        f"on {award.issued_at.date().isoformat()} by {issuer_name}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_y(max(pdf.get_y(), qr_y + QR_SIZE + 4) + 3)

    if certificate.status is not LiveStatus.VALID:
        _status_banner(pdf, certificate)

    pdf.use_style("I", 9.5, MUTED)
    pdf.multi_cell(0, 4.8, in_language(award.entry.description, language))
    pdf.ln(3)
    _elements_table(pdf, certificate)
    return bytes(pdf.output())


def _status_banner(pdf: _CertificatePDF, certificate: Certificate) -> None:
    """A certificate printed after a change says so on its face, not only behind its QR."""
    when = certificate.status_changed_at
    since = f" since {when.date().isoformat()}" if when else ""
    pdf.use_style("B", 11, ALERT)
    pdf.set_draw_color(*ALERT)
    pdf.multi_cell(
        0,
        7,
        f"{certificate.status.value.upper()}{since}: this micro-credential is not valid.",
        border=1,
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)


def _elements_table(pdf: _CertificatePDF, certificate: Certificate) -> None:
    pdf.use_style("", 9.5)
    pdf.set_draw_color(*RULE)
    label_style = FontFace(family=FONT_FAMILY, emphasis="BOLD", color=MUTED)
    with pdf.table(
        col_widths=(LABEL_WIDTH, pdf.epw - LABEL_WIDTH),
        first_row_as_headings=False,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=4.5,
        padding=(1.2, 1.5),
        text_align="LEFT",
        v_align="TOP",
    ) as table:
        for item in certificate.elements():
            row = table.row()
            row.cell(item.label, style=label_style)
            bullets = len(item.lines) > 1
            row.cell("\n".join(f"• {line}" if bullets else line for line in item.lines))
