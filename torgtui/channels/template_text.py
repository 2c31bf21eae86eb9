"""The words of message templates, without the database: the variables and what each means,
checking a text's variables, filling them (kopecks as the shop's money, dates as DD.MM.YYYY),
the language fallback (the customer's, then Ukrainian, then English), and the sample values a
preview and the SMS counter use. torgtui.channels.templates stores and renders templates with
these.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterator, Mapping

from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.money import format_money

LANGUAGES = ("uk", "en")
FALLBACK = ("uk", "en")
MAILING_PREFIX = "mailing:"
MAX_TEXT = 1000  # characters: Viber's limit, and 15 SMS parts in Cyrillic
MAX_SUBJECT = 200
MAX_BUTTON = 30
MAX_URL = 500
MAX_TITLE = 60

# variables whose value is kopecks, and dates
MONEY = frozenset(
    {
        "bonus_balance",
        "bonus_expiring",
        "amount",
        "balance",
        "total",
        "prepaid",
        "to_pay",
        "given_back",
    }
)
DATES = frozenset({"bonus_expiry_date", "expires_at", "expired_at"})


def _variables() -> dict[str, str]:
    return {
        "name": _("the customer's name as on the card"),
        "first_name": _("the customer's first name"),
        "bonus_balance": _("bonuses on the card"),
        "bonus_expiring": _("bonuses that lapse soonest"),
        "bonus_expiry_date": _("the day they lapse"),
        "card": _("the card number"),
        "promo_code": _("a promo code given with the message"),
        "link": _("a link given with the message"),
        "shop": _("the shop's name"),
        "amount": _("the notice's bonuses (earned, lapsing, written off)"),
        "balance": _("bonuses on the card when the notice was written"),
        "expires_at": _("when the bonuses of this notice lapse"),
        "expired_at": _("when the bonuses of this notice lapsed"),
        "preorder": _("the pre-order's number (PO-12)"),
        "status": _("the pre-order's status"),
        "total": _("the pre-order's total"),
        "total_text": _("the pre-order's total as text"),
        "prepaid": _("what is prepaid for the pre-order"),
        "to_pay": _("what is left to pay for the pre-order"),
        "given_back": _("the prepayment given back"),
        "location": _("the shop where the pre-order waits"),
        "code": _("a verification code"),
        "minutes": _("how many minutes the code is valid"),
    }


class _Described(Mapping[str, str]):
    """The variables and what each means, in the current screen language."""

    def __getitem__(self, key: str) -> str:
        return _variables()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(_variables())

    def __len__(self) -> int:
        return len(_variables())


VARIABLES: Mapping[str, str] = _Described()


# what a preview shows for a variable the chosen customer has no value of
SAMPLES: dict[str, object] = {
    "promo_code": "SPRING10",
    "link": "https://example.com/sale",
    "amount": 5000,
    "balance": 12550,
    "preorder": "PO-12",
    "status": "ready",
    "total": 189900,
    "total_text": format_money(189900).replace("\u202f", " "),
    "prepaid": 50000,
    "to_pay": 139900,
    "given_back": 50000,
    "location": "Хрещатик, 22",
    "code": "4821",
    "minutes": 5,
}


def kind_title(kind: str) -> str:
    """What a kind is called on screen."""
    if kind.startswith(MAILING_PREFIX):
        return _("Mailing: {name}").format(name=kind[len(MAILING_PREFIX) :])
    return {
        "bonus_accrued": _("Bonuses earned"),
        "bonus_expiring": _("Bonuses about to lapse"),
        "bonus_expired": _("Bonuses lapsed"),
        "birthday": _("Birthday greeting"),
        "preorder_open": _("Pre-order taken"),
        "preorder_reserved": _("Pre-order: part arrived"),
        "preorder_ready": _("Pre-order ready"),
        "preorder_cancelled": _("Pre-order cancelled"),
        "verification_code": _("Verification code"),
    }.get(kind, kind)


def variables_in(text: str, what: str) -> list[str]:
    """The variables ``text`` uses, in order; anything a send could not fill is refused here,
    in words naming ``what`` (the text and its language)."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise ValidationError(
            _(
                "{what}: a brace is not closed. Write variables as {{first_name}}; "
                "a brace itself as {{{{ or }}}}."
            ).format(what=what)
        ) from None
    used: list[str] = []
    known = _variables()
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in known or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "")
            shown += (f":{spec}" if spec else "") + "}"
            raise ValidationError(
                _("{what}: unknown variable {variable}. Use one of: {names}.").format(
                    what=what, variable=shown, names=", ".join(known)
                )
            )
        used.append(name)
    return used


def language_name(lang: str) -> str:
    return {"uk": _("Ukrainian"), "en": _("English")}[lang]


def _as_date(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    return ""


def format_value(name: str, value: object) -> str:
    """A variable's value as the message shows it: kopecks as money (the shop's format, with
    a plain space for thousands: phones do not need the screen's narrow space), dates as
    DD.MM.YYYY, nothing for None."""
    if value is None:
        return ""
    if name in MONEY and isinstance(value, int) and not isinstance(value, bool):
        return format_money(value).replace("\u202f", " ")
    if name in DATES:
        return _as_date(value)
    return str(value)


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def fill(text: str, variables: Mapping[str, object]) -> str:
    """``text`` with its variables filled; a variable without a value is left empty (a
    template is checked when saved, a send never fails on it)."""
    values = _Values({k: format_value(k, v) for k, v in variables.items()})
    try:
        return string.Formatter().vformat(text, (), values)
    except (ValueError, KeyError, IndexError, AttributeError):
        return text  # a text saved before a check existed: sent as written


def languages_for(language: str) -> list[str]:
    """The customer's language, then Ukrainian, then English."""
    order = [language] if language in LANGUAGES else []
    return order + [lang for lang in FALLBACK if lang not in order]


def first_name(name: str) -> str:
    """ "Олена Коваль" -> "Олена"; "Коваль, Олена" (surname, name) -> "Олена"."""
    name = (name or "").strip()
    if "," in name:
        after = name.split(",", 1)[1].split()
        if after:
            return after[0]
    words = name.replace(",", " ").split()
    return words[0] if words else ""


# typical values, for counting a template's SMS length before a customer is chosen
TYPICAL: dict[str, object] = {
    **SAMPLES,
    "name": "Олена Коваленко",
    "first_name": "Олена",
    "bonus_balance": 12550,
    "bonus_expiring": 5000,
    "bonus_expiry_date": "2026-12-31",
    "expires_at": "2026-12-31",
    "expired_at": "2026-12-31",
    "card": "2900000000013",
}


def typical_text(text: str, shop: str = "") -> str:
    """``text`` filled with typical values (for the SMS counter while it is typed); a text
    with a mistake in its braces is counted as written."""
    return fill(text, {**TYPICAL, "shop": shop})


__all__ = [
    "DATES",
    "FALLBACK",
    "LANGUAGES",
    "MAILING_PREFIX",
    "MAX_BUTTON",
    "MAX_SUBJECT",
    "MAX_TEXT",
    "MAX_TITLE",
    "MAX_URL",
    "MONEY",
    "SAMPLES",
    "TYPICAL",
    "VARIABLES",
    "fill",
    "first_name",
    "format_value",
    "kind_title",
    "language_name",
    "languages_for",
    "typical_text",
    "variables_in",
]
