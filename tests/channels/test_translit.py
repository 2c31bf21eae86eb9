"""The official Ukrainian transliteration (KMU resolution No. 55 of 27.01.2010): the table's own
examples, word-initial forms, "зг", the apostrophe and soft sign, capitals, and the SMS it saves."""

from __future__ import annotations

import pytest

from torgtui.channels.sms_text import is_gsm7
from torgtui.channels.translit import saving, transliterate

# the examples printed in the resolution's table
OFFICIAL = [
    ("Алушта", "Alushta"),
    ("Андрій", "Andrii"),
    ("Борщагівка", "Borshchahivka"),
    ("Борисенко", "Borysenko"),
    ("Вінниця", "Vinnytsia"),
    ("Володимир", "Volodymyr"),
    ("Гадяч", "Hadiach"),
    ("Богдан", "Bohdan"),
    ("Згурський", "Zghurskyi"),
    ("Ґалаґан", "Galagan"),
    ("Ґорґани", "Gorgany"),
    ("Донецьк", "Donetsk"),
    ("Дмитро", "Dmytro"),
    ("Рівне", "Rivne"),
    ("Олег", "Oleh"),
    ("Есмань", "Esman"),
    ("Єнакієве", "Yenakiieve"),
    ("Гаєвич", "Haievych"),
    ("Короп'є", "Koropie"),
    ("Житомир", "Zhytomyr"),
    ("Жанна", "Zhanna"),
    ("Жежелів", "Zhezheliv"),
    ("Закарпаття", "Zakarpattia"),
    ("Казимирчук", "Kazymyrchuk"),
    ("Медвин", "Medvyn"),
    ("Михайленко", "Mykhailenko"),
    ("Іванків", "Ivankiv"),
    ("Іващенко", "Ivashchenko"),
    ("Їжакевич", "Yizhakevych"),
    ("Кадиївка", "Kadyivka"),
    ("Мар'їне", "Marine"),
    ("Йосипівка", "Yosypivka"),
    ("Стрий", "Stryi"),
    ("Олексій", "Oleksii"),
    ("Київ", "Kyiv"),
    ("Коваленко", "Kovalenko"),
    ("Лебедин", "Lebedyn"),
    ("Леонід", "Leonid"),
    ("Миколаїв", "Mykolaiv"),
    ("Маринич", "Marynych"),
    ("Ніжин", "Nizhyn"),
    ("Наталія", "Nataliia"),
    ("Одеса", "Odesa"),
    ("Онищенко", "Onyshchenko"),
    ("Полтава", "Poltava"),
    ("Петро", "Petro"),
    ("Решетилівка", "Reshetylivka"),
    ("Рибчинський", "Rybchynskyi"),
    ("Суми", "Sumy"),
    ("Соломія", "Solomiia"),
    ("Тернопіль", "Ternopil"),
    ("Троць", "Trots"),
    ("Ужгород", "Uzhhorod"),
    ("Уляна", "Uliana"),
    ("Фастів", "Fastiv"),
    ("Філіпчук", "Filipchuk"),
    ("Харків", "Kharkiv"),
    ("Христина", "Khrystyna"),
    ("Біла Церква", "Bila Tserkva"),
    ("Стеценко", "Stetsenko"),
    ("Чернівці", "Chernivtsi"),
    ("Шевченко", "Shevchenko"),
    ("Шостка", "Shostka"),
    ("Кишеньки", "Kyshenky"),
    ("Щербухи", "Shcherbukhy"),
    ("Гоща", "Hoshcha"),
    ("Гаращенко", "Harashchenko"),
    ("Юрій", "Yurii"),
    ("Корюківка", "Koriukivka"),
    ("Яготин", "Yahotyn"),
    ("Ярошенко", "Yaroshenko"),
    ("Костянтин", "Kostiantyn"),
    ("Знам'янка", "Znamianka"),
    ("Феодосія", "Feodosiia"),
    ("Згорани", "Zghorany"),
    ("Розгон", "Rozghon"),
]


@pytest.mark.parametrize(("cyrillic", "latin"), OFFICIAL)
def test_the_resolutions_examples(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic) == latin


def test_word_initial_forms_hold_in_a_sentence_and_the_apostrophe_kinds_are_dropped() -> None:
    assert transliterate("Юрій і Яна, моя сім’я") == "Yurii i Yana, moia simia"
    assert transliterate("пам\u02bcять") == "pamiat"


def test_capitals_in_a_word_written_in_capitals() -> None:
    assert transliterate("ЩУКА ЮРІЙ") == "SHCHUKA YURII"
    assert transliterate("Щука") == "Shchuka"
    assert transliterate("ЗГОРАНИ") == "ZGHORANY"


def test_what_is_not_cyrillic_stays_and_typography_becomes_gsm() -> None:
    text = "Знижка 10% «Весна» — до 31.03 №5, 1\u202f250.00 ₴…"
    latin = transliterate(text)
    assert latin == 'Znyzhka 10% "Vesna" - do 31.03 No.5, 1 250.00 UAH...'
    assert is_gsm7(latin)


def test_the_saving_is_shown_in_parts() -> None:
    text = "Олено, на вашій картці 125.50 бонусів. Вони згорять 30.11.2026 — встигніть!"
    before, after = saving(text)
    assert (before.encoding, before.parts) == ("ucs2", 2)
    assert (after.encoding, after.parts) == ("gsm7", 1)
