"""Ukrainian to Latin letters by the official table (Cabinet of Ministers resolution No. 55
of 27 January 2010), so an SMS goes as GSM-7 (160 characters a part, not 70).

The table's rules kept here: є ї й ю я are "ye yi y yu ya" at the start of a word and
"ie i i iu ia" elsewhere; "зг" is "zgh" (to tell it from "ж" = "zh"); the soft sign and the
apostrophe are dropped. Letters of other Cyrillic alphabets that turn up in customers' names
(ы э ё ъ) get their usual Latin forms, and the typography GSM-7 lacks (« » ’ — … № ₴ and the
narrow no-break space the shop's money format uses) becomes plain characters, so the whole
text can fit GSM-7. A capital gives "Ye"/"Shch" at a word's start, and all capitals
("ЩУКА" -> "SHCHUKA") inside a word written in capitals.
"""

from __future__ import annotations

from torgtui.channels.sms_text import SmsLength, sms_parts
from torgtui.customers.words import UK_INITIAL, UK_TO_LAT

APOSTROPHES = frozenset("'’ʼ`\u02bb")
# the letter's Latin form inside a word; and, where it differs, at the start of a word: the
# customer search's own table (torgtui.customers.words), so a name is spelt alike in both
TABLE: dict[str, str] = {k: v for k, v in UK_TO_LAT.items() if k not in APOSTROPHES}
WORD_START: dict[str, str] = {**UK_INITIAL, "ё": "yo"}
# what GSM-7 has no place for, in plain characters
TYPOGRAPHY: dict[str, str] = {
    "«": '"',
    "»": '"',
    "„": '"',
    "“": '"',
    "”": '"',
    "‘": "'",
    "—": "-",
    "–": "-",
    "‑": "-",
    "…": "...",
    "№": "No.",
    "₴": "UAH",
    "\u202f": " ",
    "\u00a0": " ",
    "\u2009": " ",
}


def _is_letter(ch: str) -> bool:
    return ch.isalpha()


def _in_word(text: str, i: int) -> bool:
    """Whether the character at ``i`` continues a word (a letter, or a letter and an
    apostrophe, stand before it)."""
    if i == 0:
        return False
    if _is_letter(text[i - 1]):
        return True
    return text[i - 1] in APOSTROPHES and i > 1 and _is_letter(text[i - 2])


def transliterate(text: str) -> str:
    """``text`` in Latin letters by the 2010 official Ukrainian table (see the module doc)."""
    out: list[str] = []
    n = len(text)
    for i, ch in enumerate(text):
        low = ch.lower()
        if ch in APOSTROPHES:
            before = i > 0 and _is_letter(text[i - 1])
            after = i + 1 < n and _is_letter(text[i + 1])
            if before and after:
                continue  # the apostrophe inside a word is dropped
            out.append(TYPOGRAPHY.get(ch, "'"))
            continue
        if low not in TABLE:
            out.append(TYPOGRAPHY.get(ch, ch))
            continue
        start = not _in_word(text, i)
        if low == "г" and i > 0 and text[i - 1].lower() == "з":
            latin = "gh"
        elif start and low in WORD_START:
            latin = WORD_START[low]
        else:
            latin = TABLE[low]
        if ch != low and latin:
            neighbour_upper = (i + 1 < n and text[i + 1].isupper()) or (
                i > 0 and text[i - 1].isupper()
            )
            latin = latin.upper() if neighbour_upper else latin[0].upper() + latin[1:]
        out.append(latin)
    return "".join(out)


def saving(text: str) -> tuple[SmsLength, SmsLength]:
    """The SMS length of ``text`` as it is and transliterated: what the option saves."""
    return sms_parts(text), sms_parts(transliterate(text))


__all__ = ["TABLE", "WORD_START", "saving", "transliterate"]
