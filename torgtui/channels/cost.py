"""What a mailing will cost before it is sent: SMS parts x recipients x the price of a part,
Viber and e-mail per message, at the prices of the configured gateways
(``settings.messages.price_sms_part``, ``price_viber``, ``price_email``, kopecks).

The texts are per language (the customer's language picks one, falling back as the templates
do); pass rendered texts (a preview on a typical customer), since a variable's value changes
the length. With ``transliterated`` the SMS texts are counted in Latin letters, so the screen
can show what the option saves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from torgtui.channels.sms_text import sms_parts
from torgtui.channels.translit import transliterate

CHANNELS = ("sms", "viber", "email")


@dataclass(frozen=True)
class CostLine:
    """One channel and language: ``parts`` per message (SMS; 1 otherwise), ``price`` kopecks
    per part or message, ``total`` kopecks."""

    channel: str
    gateway: str
    language: str
    recipients: int
    parts: int
    price: int
    total: int


@dataclass(frozen=True)
class Cost:
    lines: tuple[CostLine, ...]

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def recipients(self) -> int:
        return sum(line.recipients for line in self.lines)

    @property
    def sms_parts(self) -> int:
        """SMS parts billed in all (parts per message x recipients)."""
        return sum(line.parts * line.recipients for line in self.lines if line.channel == "sms")


def _text_for(texts: Mapping[str, str], language: str) -> tuple[str, str]:
    """(language, text): ``language``'s text, else Ukrainian, else English, else any."""
    order = [language, "uk", "en", *texts]
    for lang in order:
        if texts.get(lang):
            return lang, texts[lang]
    return language, ""


def _parts(text: str, transliterated: bool) -> int:
    return sms_parts(transliterate(text) if transliterated else text).parts


def preview_cost(
    texts: Mapping[str, str],
    recipients_by_channel: Mapping[str, int | Mapping[str, int]],
    settings: Any,
    *,
    transliterated: bool = False,
) -> Cost:
    """The cost of sending ``texts`` (language -> text) to ``recipients_by_channel``: per
    channel ("sms", "viber", "email") a count, or a count per language. A bare count is
    priced at the language whose SMS has the most parts, so the preview never says less
    than the bill. Prices from ``settings.messages``."""
    messages = settings.messages
    price = {
        "sms": int(messages.price_sms_part),
        "viber": int(messages.price_viber),
        "email": int(messages.price_email),
    }
    gateway = {
        "sms": str(messages.sms_gateway),
        "viber": str(messages.sms_gateway),
        "email": str(messages.email_gateway),
    }
    lines: list[CostLine] = []
    for channel, counts in recipients_by_channel.items():
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        if isinstance(counts, int):
            languages = [lang for lang in texts if texts[lang]] or ["uk"]
            worst = max(languages, key=lambda lang: _parts(texts.get(lang, ""), transliterated))
            counts = {worst: counts}
        for language, recipients in counts.items():
            if recipients <= 0:
                continue
            lang, text = _text_for(texts, language)
            parts = _parts(text, transliterated) if channel == "sms" else 1
            lines.append(
                CostLine(
                    channel,
                    gateway[channel],
                    lang,
                    recipients,
                    parts,
                    price[channel],
                    parts * recipients * price[channel],
                )
            )
    return Cost(tuple(lines))


def saving(
    texts: Mapping[str, str],
    recipients_by_channel: Mapping[str, int | Mapping[str, int]],
    settings: Any,
) -> tuple[Cost, Cost]:
    """The cost as written and with the SMS transliterated: (before, after)."""
    return (
        preview_cost(texts, recipients_by_channel, settings),
        preview_cost(texts, recipients_by_channel, settings, transliterated=True),
    )


__all__ = ["Cost", "CostLine", "preview_cost", "saving"]
