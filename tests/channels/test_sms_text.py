"""SMS length: GSM-7 160/153 and UCS-2 70/67 at their edges, the extension table counting two
septets, UTF-16 code units for emoji, and a part never splitting an escape or a pair."""

from __future__ import annotations

import pytest

from torgtui.channels.sms_text import sms_parts


@pytest.mark.parametrize(
    ("length", "parts", "left"),
    [(1, 1, 159), (160, 1, 0), (161, 2, 145), (306, 2, 0), (307, 3, 152), (459, 3, 0)],
)
def test_gsm7_parts(length: int, parts: int, left: int) -> None:
    found = sms_parts("a" * length)
    assert (found.encoding, found.chars, found.units) == ("gsm7", length, length)
    assert (found.parts, found.left) == (parts, left)
    assert found.per_part == (160 if parts == 1 else 153)


@pytest.mark.parametrize(
    ("length", "parts", "left"),
    [(1, 1, 69), (70, 1, 0), (71, 2, 63), (134, 2, 0), (135, 3, 66)],
)
def test_ucs2_parts(length: int, parts: int, left: int) -> None:
    found = sms_parts("ж" * length)
    assert (found.encoding, found.chars, found.units) == ("ucs2", length, length)
    assert (found.parts, found.left) == (parts, left)
    assert found.per_part == (70 if parts == 1 else 67)


def test_one_cyrillic_letter_makes_the_whole_text_ucs2() -> None:
    assert sms_parts("a" * 69 + "ї").parts == 1
    assert sms_parts("a" * 70 + "ї").parts == 2
    assert sms_parts("a" * 100).parts == 1


def test_an_extension_character_counts_two_septets() -> None:
    euro = sms_parts("€")
    assert (euro.encoding, euro.chars, euro.units, euro.left) == ("gsm7", 1, 2, 158)
    assert sms_parts("a" * 158 + "€").parts == 1
    assert sms_parts("a" * 159 + "€").parts == 2
    assert sms_parts("{}[]~|^\\").units == 16


def test_an_escape_is_never_split_between_parts() -> None:
    # 152 septets then "€" (2): it cannot start in part 1 (only 1 left), so it moves to part 2
    found = sms_parts("a" * 152 + "€" + "a" * 152)
    assert found.units == 306
    assert (found.parts, found.left) == (3, 152)


def test_emoji_are_two_utf16_units_and_stay_whole() -> None:
    assert sms_parts("🙂").units == 2
    assert sms_parts("ж" * 68 + "🙂").parts == 1  # 70 units
    assert sms_parts("ж" * 69 + "🙂").parts == 2
    found = sms_parts("ж" * 66 + "🙂")  # 68 units fit one SMS of 70
    assert (found.parts, found.left) == (1, 2)


def test_gsm_basic_set_has_greek_capitals_and_accents_but_not_lower_greek() -> None:
    assert sms_parts("ΔΦΓΛΩΠΨΣΘΞ èéùìòÇØøÅåÆæßÉÄÖÑÜäöñüà¡¿§£¥@$\n").encoding == "gsm7"
    assert sms_parts("α").encoding == "ucs2"
    assert sms_parts("ç").encoding == "ucs2"  # only the capital Ç is in the table


def test_empty_text_is_no_part() -> None:
    found = sms_parts("")
    assert (found.parts, found.chars, found.left) == (0, 0, 160)
