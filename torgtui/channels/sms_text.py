"""How long an SMS is: GSM-7 or UCS-2, how many parts, what is left in the last one.

A text made only of the GSM 03.38 default alphabet goes as GSM-7: 160 septets in one SMS,
153 per part when it is split (the rest of each part carries the concatenation header). The
characters of the extension table (``^ { } \\ [ ~ ] | €`` and form feed) take two septets
each (an escape and the character). Any other character (Cyrillic, «», ₴, an emoji) makes the
whole text UCS-2: 70 UTF-16 code units in one SMS, 67 per part; a character outside the
Basic Multilingual Plane (most emoji) is two code units. A part never splits an escape
sequence or a surrogate pair, as phones split them, so a long text may need one part more
than ``ceil(units / 153)`` says.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class SmsLength:
    """What the counter shows: ``encoding`` "gsm7" or "ucs2"; ``chars`` the characters as a
    person counts them; ``units`` septets (GSM-7) or UTF-16 code units (UCS-2); ``parts``
    the SMS billed (0 for an empty text); ``per_part`` the capacity of a part for this text
    (160/153 or 70/67); ``left`` units still free in the last part."""

    encoding: str
    chars: int
    units: int
    parts: int
    per_part: int
    left: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _units(text: str, gsm: bool) -> list[int]:
    """The size of each character in units of the encoding."""
    if gsm:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _pack(sizes: list[int], capacity: int) -> tuple[int, int]:
    """(parts, units used in the last part) when characters of ``sizes`` fill parts of
    ``capacity`` in order, none split between two parts."""
    parts, used = 1, 0
    for size in sizes:
        if used + size > capacity:
            parts, used = parts + 1, 0
        used += size
    return parts, used


def sms_parts(text: str) -> SmsLength:
    """The encoding, length and number of parts of ``text`` sent as one SMS message."""
    gsm = is_gsm7(text)
    single, part = (GSM7_SINGLE, GSM7_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    sizes = _units(text, gsm)
    units = sum(sizes)
    encoding = "gsm7" if gsm else "ucs2"
    if units == 0:
        return SmsLength(encoding, 0, 0, 0, single, single)
    if units <= single:
        return SmsLength(encoding, len(text), units, 1, single, single - units)
    parts, used = _pack(sizes, part)
    return SmsLength(encoding, len(text), units, parts, part, part - used)


__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "SmsLength",
    "is_gsm7",
    "sms_parts",
]
