"""Message templates: the text of every message to a customer, per language, with variables.

A template is a text per language (uk, en) with variables in braces (``{first_name}``,
``{bonus_balance}``), an e-mail subject per language, and for Viber an image, one button of at
most 30 characters and its link. Automatic notices (bonuses, birthdays, pre-orders, codes) have
built-in texts (torgtui.channels.template_defaults), so messages go out before anyone writes a
template; the shop's own text for a kind replaces them. A mailing's template is kind
``mailing:<name>``.

Everything that could fail is refused when the template is *saved* (an unknown variable named
with its language, a brace left open, a text over 1000 characters, a Viber button over 30): a
send never fails on a template. At send time a variable without a value is left empty.

The customer's language comes from the card; a template without a text in it falls back to
Ukrainian, then English. Money variables are kopecks formatted as the shop formats money
(torgtui.money), dates as DD.MM.YYYY.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from torgtui.channels.gateway import ViberExtras
from torgtui.channels.template_defaults import DEFAULTS
from torgtui.channels.template_text import (
    LANGUAGES,
    MAILING_PREFIX,
    MAX_BUTTON,
    MAX_SUBJECT,
    MAX_TEXT,
    MAX_TITLE,
    MAX_URL,
    SAMPLES,
    VARIABLES,
    fill,
    first_name,
    format_value,
    kind_title,
    language_name,
    languages_for,
    typical_text,
    variables_in,
)
from torgtui.channels.translit import transliterate
from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Customer, Employee, MessageTemplate
from torgtui.staff import Permission, audit, require

EDIT_PERMISSION = Permission.SEND_MAILINGS  # who writes mailings writes their texts

AUTOMATIC_KINDS: tuple[str, ...] = tuple(DEFAULTS)


def mailing_kind(name: str) -> str:
    """The kind of a mailing's template called ``name``."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Name the mailing template (for example: Spring sale)."))
    if len(name) > MAX_TITLE:
        raise ValidationError(_("A template's name is at most {n} characters.").format(n=MAX_TITLE))
    return MAILING_PREFIX + name


def check_kind(kind: str) -> str:
    if not isinstance(kind, str) or not (kind in DEFAULTS or kind.startswith(MAILING_PREFIX)):
        raise ValidationError(
            _("There is no message kind {kind!r}: choose one from the list.").format(
                kind=str(kind)[:40]
            )
        )
    if kind.startswith(MAILING_PREFIX):
        return mailing_kind(kind[len(MAILING_PREFIX) :])
    return kind


@dataclass(frozen=True)
class Template:
    """A kind's texts as they will be sent: the shop's own (``custom``) or the built-in."""

    kind: str
    texts: dict[str, str]
    subjects: dict[str, str] = field(default_factory=dict)
    viber: ViberExtras | None = None
    custom: bool = False
    updated_at: dt.datetime | None = None
    sms_latin: bool = False  # the SMS goes transliterated (GSM-7: 160 a part, not 70)

    @property
    def title(self) -> str:
        return kind_title(self.kind)


@dataclass(frozen=True)
class Rendered:
    """A message ready for a gateway: the text in ``language``, the subject, the Viber extras;
    ``sms_text`` is what an SMS carries (``text`` in Latin letters when the template says so;
    Viber and e-mail carry ``text``)."""

    kind: str
    language: str
    text: str
    subject: str = ""
    viber: ViberExtras | None = None
    sms_text: str = ""

    def text_for(self, channel: str) -> str:
        """The text for ``channel`` ("sms", "viber", "email")."""
        return (self.sms_text or self.text) if channel == "sms" else self.text


def builtin(kind: str) -> Template:
    found = DEFAULTS.get(kind, {})
    return Template(
        kind,
        {lang: found[lang][0] for lang in LANGUAGES if lang in found},
        {lang: found[lang][1] for lang in LANGUAGES if lang in found},
    )


def _from_row(row: MessageTemplate) -> Template:
    viber = None
    if row.image_url or row.button_text:
        viber = ViberExtras(row.image_url, row.button_text, row.button_url)
    return Template(
        row.kind,
        {lang: getattr(row, f"text_{lang}") for lang in LANGUAGES},
        {lang: getattr(row, f"subject_{lang}") for lang in LANGUAGES},
        viber,
        True,
        row.updated_at,
        bool(row.sms_latin),
    )


def template_of(kind: str) -> Template:
    """The template ``kind`` is sent with: the shop's own, else the built-in one."""
    kind = check_kind(kind)
    row = MessageTemplate.get_or_none(MessageTemplate.kind == kind)
    if row is not None and any(getattr(row, f"text_{lang}") for lang in LANGUAGES):
        return _from_row(row)
    if kind.startswith(MAILING_PREFIX):
        raise ValidationError(
            _("There is no mailing template {name!r}.").format(name=kind[len(MAILING_PREFIX) :])
        )
    return builtin(kind)


def templates() -> list[Template]:
    """Every automatic kind (the shop's text or the built-in), then the mailing templates by
    name: the editor's list."""
    rows = {r.kind: r for r in MessageTemplate.select().order_by(MessageTemplate.kind)}
    found = [_from_row(rows[k]) if k in rows else builtin(k) for k in AUTOMATIC_KINDS]
    found.extend(_from_row(r) for k, r in rows.items() if k.startswith(MAILING_PREFIX))
    return found


# --- checking what is typed ----------------------------------------------------------------


def _url(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    if len(text) > MAX_URL or not text.startswith(("https://", "http://")) or " " in text:
        raise ValidationError(
            _("{what}: write a link starting with https:// (at most {n} characters).").format(
                what=what, n=MAX_URL
            )
        )
    variables_in(text, what)
    return text


def _no_control(text: str, what: str) -> None:
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise ValidationError(
            _("{what} has a control character in it: type it again as plain text.").format(
                what=what
            )
        )


def _check_strings(values: object, what: str) -> None:
    if not isinstance(values, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in values.items()
    ):
        raise ValidationError(
            _("{what} are text per language, like {{'uk': '...', 'en': '...'}}.").format(what=what)
        )


def clean(
    kind: str,
    texts: Mapping[str, str],
    subjects: Mapping[str, str] | None = None,
    viber: ViberExtras | None = None,
    *,
    sms_latin: bool = False,
) -> Template:
    """``texts`` checked as :func:`save_template` checks them, nothing written."""
    kind = check_kind(kind)
    _check_strings(texts, _("The texts"))
    _check_strings(subjects or {}, _("The subjects"))
    if viber is not None and not (
        isinstance(viber, ViberExtras)
        and all(isinstance(v, str) for v in (viber.image_url, viber.button_text, viber.button_url))
    ):
        raise ValidationError(_("The Viber image, button and link are text."))
    unknown = [lang for lang in texts if lang not in LANGUAGES]
    if unknown:
        raise ValidationError(
            _("Templates have texts in {languages} only, not {language!r}.").format(
                languages=", ".join(LANGUAGES), language=str(unknown[0])[:10]
            )
        )
    clean_texts: dict[str, str] = {}
    clean_subjects: dict[str, str] = {}
    for lang in LANGUAGES:
        text = (texts.get(lang) or "").strip()
        what = _("Text ({language})").format(language=language_name(lang))
        if len(text) > MAX_TEXT:
            raise ValidationError(
                _("{what} is {n} characters long; a message is at most {limit}.").format(
                    what=what, n=len(text), limit=MAX_TEXT
                )
            )
        variables_in(text, what)
        _no_control(text, what)
        subject = " ".join(((subjects or {}).get(lang) or "").split())
        what = _("Subject ({language})").format(language=language_name(lang))
        if len(subject) > MAX_SUBJECT:
            raise ValidationError(
                _("{what} is at most {limit} characters.").format(what=what, limit=MAX_SUBJECT)
            )
        variables_in(subject, what)
        _no_control(subject, what)
        clean_texts[lang], clean_subjects[lang] = text, subject
    if not any(clean_texts.values()):
        raise ValidationError(_("Write the text in at least one language."))
    if viber is not None:
        viber = _clean_viber(viber)
    return Template(kind, clean_texts, clean_subjects, viber, True, sms_latin=bool(sms_latin))


def _clean_viber(viber: ViberExtras) -> ViberExtras | None:
    button = " ".join((viber.button_text or "").split())
    if len(button) > MAX_BUTTON:
        raise ValidationError(
            _(
                "The Viber button's text is {n} characters; Viber takes at most {limit}: "
                "shorten it."
            ).format(n=len(button), limit=MAX_BUTTON)
        )
    if "{" in button or "}" in button:
        raise ValidationError(_("The Viber button's text is plain words, without variables."))
    image = _url(viber.image_url, _("The Viber image"))
    link = _url(viber.button_url, _("The Viber button's link"))
    if bool(button) != bool(link):
        raise ValidationError(_("A Viber button needs both its text and its link, or neither."))
    if not (image or button):
        return None
    return ViberExtras(image, button, link)


# --- writing ---------------------------------------------------------------------------------


SNAPSHOT = (
    "text_uk",
    "text_en",
    "subject_uk",
    "subject_en",
    "image_url",
    "button_text",
    "button_url",
    "sms_latin",
)


def _snapshot(row: MessageTemplate | None) -> dict[str, object] | None:
    if row is None:
        return None
    return {name: getattr(row, name) for name in SNAPSHOT}


def save_template(
    kind: str,
    texts: Mapping[str, str],
    *,
    by: Employee | None,
    subjects: Mapping[str, str] | None = None,
    viber: ViberExtras | None = None,
    sms_latin: bool = False,
    clock: Clock = system_clock,
) -> Template:
    """Write the shop's own template for ``kind`` (a new one or a change), audited. Refused in
    words, with nothing written: an unknown variable (named, with its language), an unclosed
    brace, a text over 1000 characters, a subject over 200, a Viber button over 30 characters
    or without its link, a link that is not http(s). ``sms_latin``: its SMS are sent
    transliterated (torgtui.channels.translit)."""
    require(by, EDIT_PERMISSION)
    found = clean(kind, texts, subjects, viber, sms_latin=sms_latin)
    now = clock()
    extras = found.viber or ViberExtras()
    fields = {
        "title": found.kind[len(MAILING_PREFIX) :] if found.kind.startswith(MAILING_PREFIX) else "",
        **{f"text_{lang}": found.texts[lang] for lang in LANGUAGES},
        **{f"subject_{lang}": found.subjects[lang] for lang in LANGUAGES},
        "image_url": extras.image_url,
        "button_text": extras.button_text,
        "button_url": extras.button_url,
        "sms_latin": found.sms_latin,
        "updated_by": by.id if by is not None else None,
        "updated_at": now,
    }
    with write_tx():
        row = MessageTemplate.get_or_none(MessageTemplate.kind == found.kind)
        before = _snapshot(row)
        if row is None:
            row = MessageTemplate.create(kind=found.kind, created_at=now, **fields)
        else:
            MessageTemplate.update(**fields).where(MessageTemplate.id == row.id).execute()
            row = MessageTemplate.get_by_id(row.id)
        audit(
            "template.save",
            by,
            object_type="message_template",
            object_id=found.kind,
            before=before,
            after=_snapshot(row),
            clock=clock,
        )
    return _from_row(row)


def reset_template(kind: str, *, by: Employee | None, clock: Clock = system_clock) -> bool:
    """Take the shop's own text away (audited): an automatic kind goes back to the built-in
    text, a mailing template is removed. False when there was none."""
    require(by, EDIT_PERMISSION)
    kind = check_kind(kind)
    with write_tx():
        row = MessageTemplate.get_or_none(MessageTemplate.kind == kind)
        if row is None:
            return False
        MessageTemplate.delete().where(MessageTemplate.id == row.id).execute()
        audit(
            "template.reset",
            by,
            object_type="message_template",
            object_id=kind,
            before=_snapshot(row),
            clock=clock,
        )
    return True


# --- rendering -------------------------------------------------------------------------------


def render_template(template: Template, language: str, variables: Mapping[str, object]) -> Rendered:
    """``template`` in the first of the customer's language, Ukrainian, English it has."""
    for lang in languages_for(language):
        if template.texts.get(lang):
            break
    else:
        lang = languages_for(language)[0]
    subject = template.subjects.get(lang) or next(
        (template.subjects[x] for x in languages_for(lang) if template.subjects.get(x)), ""
    )
    viber = template.viber
    if viber is not None and viber.button_url:
        viber = ViberExtras(viber.image_url, viber.button_text, fill(viber.button_url, variables))
    text = fill(template.texts.get(lang, ""), variables).strip()
    return Rendered(
        template.kind,
        lang,
        text,
        fill(subject, variables).strip(),
        viber,
        transliterate(text) if template.sms_latin else text,
    )


def render(kind: str, language: str, variables: Mapping[str, object]) -> Rendered:
    """The message of ``kind`` for a customer who reads ``language``, with ``variables``."""
    return render_template(template_of(kind), language, variables)


# --- a customer's own values -----------------------------------------------------------------


def customer_variables(customer_id: int, at: dt.datetime, *, shop: str = "") -> dict[str, Any]:
    """The customer's language and real values: name, first name, card, the bonus balance
    from the ledger, the bonuses that lapse soonest and their day; plus ``shop``."""
    from torgtui.marketing import bonuses

    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        raise ValidationError(_("There is no customer {id}.").format(id=customer_id))
    summary = bonuses.summary(customer_id, at)
    soonest = summary["next_expiry"]
    expiring, expiry = 0, None
    if isinstance(soonest, dict):
        expiry = soonest["expires_at"]
        expiring = sum(
            int(b["amount"])
            for b in summary["buckets"]  # type: ignore[union-attr]
            if b["expires_at"] is not None and b["expires_at"].date() == expiry.date()
        )
    return {
        "language": customer.language or "",
        "name": customer.name,
        "first_name": first_name(customer.name),
        "card": customer.card or "",
        "bonus_balance": int(summary["balance"]),  # type: ignore[arg-type]
        "bonus_expiring": expiring,
        "bonus_expiry_date": expiry,
        "shop": shop,
    }


# what an outbox row's payload means in the template's words, per kind
ALIASES: dict[str, dict[str, str]] = {
    "bonus_expiring": {"amount": "bonus_expiring", "expires_at": "bonus_expiry_date"},
    "bonus_expired": {"balance": "bonus_balance"},
    "bonus_accrued": {"balance": "bonus_balance"},
}


def variables_for(
    kind: str,
    customer_id: int | None,
    payload: Mapping[str, object],
    at: dt.datetime,
    *,
    shop: str = "",
) -> tuple[str, dict[str, Any]]:
    """(language, variables) for an outbox row: the customer's values, then its payload (what
    the notice says wins over today's values)."""
    values: dict[str, Any] = {"shop": shop}
    language = ""
    if customer_id is not None:
        values = customer_variables(customer_id, at, shop=shop)
        language = values.pop("language")
    values.update(payload)
    for key, alias in ALIASES.get(kind, {}).items():
        if key in payload:
            values[alias] = payload[key]
    return language, values


def render_for(
    kind: str,
    customer_id: int | None,
    payload: Mapping[str, object],
    at: dt.datetime,
    *,
    shop: str = "",
) -> Rendered:
    """What the sender sends for an outbox row without a text: the template of ``kind`` in
    the customer's language with their values and the row's payload."""
    language, values = variables_for(kind, customer_id, payload, at, shop=shop)
    return render(kind, language, values)


@dataclass(frozen=True)
class Preview:
    """A template rendered for a chosen customer: ``samples`` names the variables the customer
    has no value of (shown with example values)."""

    rendered: Rendered
    customer_name: str
    samples: tuple[str, ...]


def preview(
    kind: str,
    customer_id: int,
    *,
    at: dt.datetime,
    shop: str = "",
    draft: Template | None = None,
) -> Preview:
    """``kind``'s template (or the ``draft`` being edited) for ``customer_id``, with the
    customer's real values (bonus balance from the ledger, what lapses soonest and when,
    card) and example values for what only the message's event gives."""
    template = draft if draft is not None else template_of(kind)
    language, values = variables_for(kind, customer_id, {}, at, shop=shop)
    rendered = render_template(template, language, values)
    lang = rendered.language
    used = variables_in(
        (template.texts.get(lang) or "") + " " + (template.subjects.get(lang) or ""), ""
    )
    samples = []
    for name in dict.fromkeys(used):
        if values.get(name) in (None, "") and name in SAMPLES:
            values[name] = SAMPLES[name]
            samples.append(name)
    if samples:
        rendered = render_template(template, language, values)
    return Preview(rendered, str(values.get("name", "")), tuple(samples))


__all__ = [
    "AUTOMATIC_KINDS",
    "EDIT_PERMISSION",
    "LANGUAGES",
    "MAILING_PREFIX",
    "MAX_BUTTON",
    "MAX_SUBJECT",
    "MAX_TEXT",
    "VARIABLES",
    "Preview",
    "Rendered",
    "Template",
    "builtin",
    "clean",
    "customer_variables",
    "fill",
    "first_name",
    "format_value",
    "kind_title",
    "languages_for",
    "mailing_kind",
    "preview",
    "render",
    "render_for",
    "render_template",
    "reset_template",
    "save_template",
    "template_of",
    "templates",
    "typical_text",
    "variables_for",
    "variables_in",
]
