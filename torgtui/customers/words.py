"""The words a card is found by: each name word casefolded, plus its transliteration, so that
typing "шев" or "shev" finds "Шевченко" and "Shevchenko" alike.

Cyrillic is transliterated by the official Ukrainian table (KMU 2010, word-initial forms for
є, ї, й, ю, я) and Russian letters by their usual Latin forms; Latin words get a rough
letter-by-letter Cyrillic reading. A search prefix is only casefolded: both spellings of
every word are already in the index, which compares bytes (``COLLATE "C"`` on PostgreSQL)
so a prefix is an index range.
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD = re.compile(r"[\w']+", re.UNICODE)
MAX_WORD = 64

UK_TO_LAT = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "h",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "є": "ie",
    "ж": "zh",
    "з": "z",
    "и": "y",
    "і": "i",
    "ї": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ь": "",
    "ю": "iu",
    "я": "ia",
    "'": "",
    "’": "",
    "ъ": "",
    "ы": "y",
    "э": "e",
    "ё": "io",
}
UK_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}

LAT_TO_UK = [  # longest first
    ("shch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("ye", "є"),
    ("yi", "ї"),
    ("iu", "ю"),
    ("ia", "я"),
    ("a", "а"),
    ("b", "б"),
    ("c", "к"),
    ("d", "д"),
    ("e", "е"),
    ("f", "ф"),
    ("g", "г"),
    ("h", "х"),
    ("i", "і"),
    ("j", "дж"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("q", "к"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("v", "в"),
    ("w", "в"),
    ("x", "кс"),
    ("y", "и"),
    ("z", "з"),
]


def fold(text: str) -> str:
    return text.casefold().replace("’", "'").replace("ʼ", "'")


def to_latin(word: str) -> str:
    out = []
    for i, ch in enumerate(word):
        if i == 0 and ch in UK_INITIAL:
            out.append(UK_INITIAL[ch])
        else:
            out.append(UK_TO_LAT.get(ch, ch))
    return "".join(out)


def to_cyrillic(word: str) -> str:
    out, i = [], 0
    while i < len(word):
        for lat, cyr in LAT_TO_UK:
            if word.startswith(lat, i):
                out.append(cyr)
                i += len(lat)
                break
        else:
            out.append(word[i])
            i += 1
    return "".join(out)


def is_cyrillic(word: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in word)


@lru_cache(maxsize=65536)
def word_forms(word: str) -> tuple[str, ...]:
    """One folded word and its other-alphabet spelling (cached: names repeat a lot)."""
    other = to_latin(word) if is_cyrillic(word) else to_cyrillic(word)
    if other and other != word:
        return (word[:MAX_WORD], other[:MAX_WORD])
    return (word[:MAX_WORD],)


def name_words(name: str) -> set[str]:
    """The index words of a name (and of any text: the card's email local part, etc.)."""
    words: set[str] = set()
    for raw in WORD.findall(fold(name)):
        word = raw.strip("'")
        if word:
            words.update(word_forms(word))
    return words


# Ukrainian alphabet order (with the Russian letters where Russian puts them). In Unicode
# "є", "і", "ї" and "ґ" come after "я", so a plain code-point sort puts "Біла" after "Бондар".
ALPHABET = "абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя"
_ORDER = str.maketrans({ch: chr(0xE000 + i) for i, ch in enumerate(ALPHABET)})


def sort_key(name: str) -> str:
    """The list order of a name: casefolded, spaces collapsed, Cyrillic letters mapped to
    private-use code points in alphabet order so that the database's plain byte order (and
    ``COLLATE "C"`` on PostgreSQL) sorts names as a Ukrainian reader expects. Not for display.
    """
    return " ".join(fold(name).split())[:200].translate(_ORDER)


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """The range [low, high) of index words starting with ``prefix`` (already folded)."""
    return prefix, prefix + "\U0010ffff"
