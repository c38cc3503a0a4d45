"""A credential from the wallet as a one-page A4 PDF (fpdf2), in the learner's language.

The issuer's certificate PDF lives in the issuer (which the wallet may not import) and the
credentials it issues carry no link to it, so the wallet prints its own: what the card
says, read from the stored credential. It says plainly that the signed credential, not the
paper, is the proof. Texts in any European script need a TrueType font: Fira Sans, from
the ``fontpkg-fira-sans`` wheel the project already depends on.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from holder.i18n import _, current_language, format_day, format_number
from holder.wallet.views import DetailView
from shared.credentials.microcredential.i18n import LocalizedText
from shared.errors import ConfigurationError

_FONT = "FiraSans"
_STYLES = {"": "Regular", "B": "SemiBold", "I": "Italic"}
_MUTED = (87, 96, 106)
_INK = (27, 31, 36)


def _font_file(weight: str) -> str:
    folder = resources.files("fontpkg_fira_sans") / "files"
    path = Path(str(folder)) / f"{_FONT}-{weight}.ttf"
    if not path.is_file():
        raise ConfigurationError("The PDF font is missing: install fontpkg-fira-sans.")
    return str(path)


def _text(value: LocalizedText | None) -> str:
    return value.pick(current_language()) if value is not None else ""


def credential_pdf(detail: DetailView) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    for style, weight in _STYLES.items():
        pdf.add_font(_FONT, style, _font_file(weight))
    pdf.set_margins(18, 18, 18)
    pdf.set_lang(current_language())
    pdf.set_creator("credstack wallet")
    pdf.add_page()

    def line(text: str, style: str = "", size: float = 10, muted: bool = False) -> None:
        pdf.set_font(_FONT, style, size)
        pdf.set_text_color(*(_MUTED if muted else _INK))
        pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    view = detail.view
    card = detail.card
    achievement = view.achievement if view is not None else None
    title = _text(achievement.name if achievement else None) or next(iter(card.title.values()), "")
    issuer = _text(view.issuer.name if view and view.issuer else None) or (card.issuer_id or "")
    pdf.set_title(title)
    pdf.set_author(issuer)

    line(issuer, "B", 12)
    line(_("Micro-credential"), size=9, muted=True)
    pdf.ln(6)
    line(title, "B", 20)
    if view is not None and view.learner_name:
        pdf.ln(3)
        line(_("awarded to"), size=10, muted=True)
        line(view.learner_name, "B", 16)
    issued = view.issued_at if view is not None else card.issued_at
    if issued is not None:
        line(_("on %(date)s", date=format_day(issued)))
    pdf.ln(4)
    if achievement is not None:
        if achievement.description:
            line(_text(achievement.description), "I", 9.5, muted=True)
            pdf.ln(3)
        facts = []
        if achievement.ects is not None:
            facts.append(_("%(ects)s ECTS", ects=format_number(achievement.ects)))
        if achievement.eqf_level:
            facts.append(_("EQF level %(level)s", level=achievement.eqf_level))
        if facts:
            line(" · ".join(facts), "B", 11)
            pdf.ln(2)
        if achievement.learning_outcomes:
            line(_("Learning outcomes"), "B", 10)
            for outcome in achievement.learning_outcomes:
                line(f"• {_text(outcome)}", size=9.5)
            pdf.ln(2)
    if card.issuer_id:
        line(_("Issuer: %(issuer)s", issuer=card.issuer_id), size=7.5, muted=True)
    line(
        _(
            "A printout from the learner's wallet. The signed credential, not this page, is "
            "the proof: ask the learner for a share link to see it verified."
        ),
        size=7.5,
        muted=True,
    )
    return bytes(pdf.output())
