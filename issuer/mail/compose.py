"""An offer e-mail or its PIN e-mail, in the learner's language, built with the stdlib
``email`` package: a plain-text part and an HTML part with the QR code inline
(``multipart/alternative`` whose HTML is ``multipart/related`` with a ``cid:`` image), so
that mail programs that block remote images still show the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any, Literal

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from issuer.awards.offers import offer_link, wallet_link
from issuer.mail.texts import supported, texts
from shared.clock import as_utc, utcnow
from shared.credentials.microcredential.i18n import LocalizedText
from shared.qr import qr_png

Kind = Literal["offer", "pin"]
OFFER: Kind = "offer"
PIN: Kind = "pin"
QR_CID_NAME = "offer-qr"

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Letter:
    """Everything one message says; ``secret`` is the offer link's token or the PIN."""

    kind: Kind
    recipient: str
    language: str
    learner_name: str
    title: LocalizedText
    issuer: LocalizedText
    expires_at: datetime
    with_pin: bool
    pin_policy: str  # separate | registrar
    secret: str
    base_url: str
    wallet_url: str

    @property
    def offer_link(self) -> str | None:
        """The ``openid-credential-offer://`` link (what the QR code holds)."""
        return offer_link(self.base_url, self.secret) if self.kind == OFFER else None

    @property
    def wallet_link(self) -> str | None:
        """The same offer as a web link to our wallet's receive page."""
        if self.kind != OFFER:
            return None
        return wallet_link(self.wallet_url, self.base_url, self.secret)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    body_html: str


def render(letter: Letter, *, qr_src: str) -> Rendered:
    """The message's subject and bodies; ``qr_src`` is where its HTML finds the QR code
    (``cid:…`` in the e-mail, a page address in the development outbox)."""
    language = supported(letter.language) or "en"
    words = texts(language)
    title = letter.title.texts().get(language) or letter.title.text
    issuer = letter.issuer.texts().get(language) or letter.issuer.text
    expires = format_date(as_utc(letter.expires_at).date(), format="long", locale=language)
    fill = {"title": title, "issuer": issuer, "name": letter.learner_name, "date": expires}
    said = {key: text.format(**fill) for key, text in words.items()}
    pin_note = None
    if letter.kind == OFFER and letter.with_pin:
        pin_note = said["pin_separate" if letter.pin_policy == "separate" else "pin_registrar"]
    context: dict[str, Any] = {
        "letter": letter,
        "language": language,
        "said": said,
        "pin_note": pin_note,
        "qr_src": qr_src,
    }
    context["subject"] = said["subject" if letter.kind == OFFER else "pin_subject"]
    html = _ENV.get_template(f"mail/{letter.kind}.html")
    return Rendered(
        subject=context["subject"],
        text=_ENV.get_template(f"mail/{letter.kind}.txt").render(context),
        html=html.render(context),
        # The body alone, escaped like the whole, for a page that shows the message inside
        # its own layout (the development outbox).
        body_html="".join(html.blocks["body"](html.new_context(context))),
    )


def email_message(
    letter: Letter, *, sender_address: str, sender_name: str, now: datetime | None = None
) -> EmailMessage:
    domain = sender_address.rpartition("@")[2] or "localhost"
    cid = make_msgid(QR_CID_NAME, domain=domain)
    rendered = render(letter, qr_src=f"cid:{cid[1:-1]}")
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = formataddr((sender_name, sender_address))
    message["To"] = letter.recipient
    message["Date"] = format_datetime(now or utcnow())
    message["Message-ID"] = make_msgid(domain=domain)
    # A machine's message: vacation auto-replies and other robots do not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    # After the content: setting the content clears every Content-* header.
    message["Content-Language"] = supported(letter.language) or "en"
    if letter.offer_link is not None:
        # The alternative just added; iter_parts gives it typed, get_payload() does not.
        html_part = list(message.iter_parts())[-1]
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(
            qr_png(letter.offer_link, box_size=6),
            maintype="image",
            subtype="png",
            cid=cid,
            filename="offer-qr.png",
            disposition="inline",
        )
    return message
