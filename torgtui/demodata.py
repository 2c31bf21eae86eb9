"""What the demo shop holds: Ukrainian product parts, manufacturers and people's names, and
the catalog and customers made from them with a seeded ``random.Random`` (no database here).

These are shop data, not interface text, so they are not translated.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass

from torgtui.catalog.barcodes import make_ean13

# Colour adjectives by the grammatical gender of the noun they follow.
COLOURS = {
    "f": ("чорна", "біла", "синя", "бежева", "сіра", "червона", "зелена", "рожева"),
    "m": ("чорний", "білий", "синій", "бежевий", "сірий", "червоний", "зелений", "рожевий"),
    "n": ("чорне", "біле", "синє", "бежеве", "сіре", "червоне", "зелене", "рожеве"),
    "pl": ("чорні", "білі", "сині", "бежеві", "сірі", "червоні", "зелені", "рожеві"),
}

CLOTHING_BRANDS = (
    "Вишиванка-Стиль",
    "Київський трикотаж",
    "Denim Lviv",
    "Бавовна+",
    "Карпатська вовна",
    "Полтава Текстиль",
    "Одеса Мода",
)
COSMETICS_BRANDS = (
    "Флора Карпат",
    "Медовий Сад",
    "Лавандове Поле",
    "Чисте Лице",
    "Aroma Kyiv",
    "Краса Полісся",
)
KIDS_BRANDS = ("Малятко", "Веселка", "Кубик", "Лелека", "Сонечко", "Бджілка")
MANUFACTURERS = CLOTHING_BRANDS + COSMETICS_BRANDS + KIDS_BRANDS

SIZES = ("XS", "S", "M", "L", "XL")
JEANS = ("W28", "W30", "W32", "W34", "W36")
BABY = ("56", "62", "68", "74", "80", "86")
KID = ("92", "104", "116", "128", "134")
SCENTS = ("лаванда", "м'ята", "мед і молоко", "троянда", "кокос", "зелений чай", "цитрус")


@dataclass(frozen=True)
class Template:
    """One kind of goods in one group: the name parts to combine and the price range."""

    group: str  # product group path
    sku: str  # SKU prefix
    types: tuple[tuple[str, str], ...]  # (name, grammatical gender or "" for no colour)
    brands: tuple[str, ...]
    variants: tuple[str, ...]
    price: tuple[int, int]  # whole hryvnias, per unit
    count: int
    weighed: bool = False


def _vol(*ml: int) -> tuple[str, ...]:
    return tuple(f"{v} мл" for v in ml)


TEMPLATES: tuple[Template, ...] = (
    Template(
        "Одяг/Жіночий/Сукні",
        "ODW",
        (
            ("Сукня міді", "f"),
            ("Сукня максі", "f"),
            ("Сукня-сорочка", "f"),
            ("Сукня трикотажна", "f"),
        ),
        CLOTHING_BRANDS[:3] + CLOTHING_BRANDS[6:],
        tuple(f"р. {s}" for s in SIZES[1:]),
        (890, 3200),
        18,
    ),
    Template(
        "Одяг/Жіночий/Блузи та сорочки",
        "ODW",
        (("Блуза шифонова", "f"), ("Сорочка лляна жіноча", "f"), ("Блуза з вишивкою", "f")),
        CLOTHING_BRANDS[:2] + CLOTHING_BRANDS[5:],
        tuple(f"р. {s}" for s in SIZES),
        (590, 1900),
        16,
    ),
    Template(
        "Одяг/Жіночий/Светри та кардигани",
        "ODW",
        (("Светр в'язаний", "m"), ("Кардиган вовняний", "m"), ("Джемпер жіночий", "m")),
        ("Київський трикотаж", "Карпатська вовна", "Полтава Текстиль"),
        tuple(f"р. {s}" for s in SIZES[1:]),
        (790, 2600),
        15,
    ),
    Template(
        "Одяг/Чоловічий/Футболки",
        "ODM",
        (("Футболка бавовняна", "f"), ("Футболка поло", "f"), ("Лонгслів чоловічий", "m")),
        ("Бавовна+", "Київський трикотаж", "Одеса Мода"),
        tuple(f"р. {s}" for s in SIZES[1:]),
        (290, 990),
        18,
    ),
    Template(
        "Одяг/Чоловічий/Сорочки",
        "ODM",
        (("Сорочка класична", "f"), ("Сорочка з вишивкою", "f"), ("Сорочка лляна", "f")),
        ("Вишиванка-Стиль", "Полтава Текстиль", "Одеса Мода"),
        tuple(f"р. {s}" for s in SIZES[1:]),
        (690, 2200),
        15,
    ),
    Template(
        "Одяг/Чоловічий/Джинси та штани",
        "ODM",
        (("Джинси прямі", "pl"), ("Джинси слім", "pl"), ("Штани чінос", "pl")),
        ("Denim Lviv", "Одеса Мода"),
        JEANS,
        (990, 2900),
        15,
    ),
    Template(
        "Одяг/Шкарпетки та білизна",
        "ODB",
        (("Шкарпетки бавовняні", "pl"), ("Колготки 40 den", "pl"), ("Труси чоловічі", "pl")),
        ("Бавовна+", "Київський трикотаж"),
        ("р. S", "р. M", "р. L"),
        (89, 390),
        16,
    ),
    Template(
        "Косметика/Догляд за обличчям/Креми та сироватки",
        "KSF",
        (
            ("Крем для обличчя зволожувальний", ""),
            ("Крем нічний відновлювальний", ""),
            ("Крем для шкіри навколо очей", ""),
            ("Сироватка з вітаміном C", ""),
        ),
        ("Флора Карпат", "Чисте Лице", "Краса Полісся", "Медовий Сад"),
        _vol(15, 30, 50),
        (189, 1200),
        18,
    ),
    Template(
        "Косметика/Догляд за обличчям/Очищення",
        "KSF",
        (
            ("Міцелярна вода", ""),
            ("Гель для вмивання", ""),
            ("Тонік для обличчя", ""),
            ("Пінка для вмивання", ""),
        ),
        ("Чисте Лице", "Флора Карпат", "Aroma Kyiv"),
        _vol(150, 200, 400),
        (129, 490),
        16,
    ),
    Template(
        "Косметика/Догляд за тілом/Гелі та скраби",
        "KSB",
        (("Гель для душу", ""), ("Скраб для тіла", ""), ("Лосьйон для тіла", "")),
        ("Лавандове Поле", "Медовий Сад", "Aroma Kyiv"),
        tuple(f"{s}, {v}" for s in SCENTS for v in _vol(250, 500)),
        (119, 450),
        18,
    ),
    Template(
        "Косметика/Догляд за тілом/Мило та сіль на вагу",
        "KSV",
        (("Мило ручної роботи", ""), ("Сіль для ванн морська", "")),
        ("Лавандове Поле", "Медовий Сад", "Флора Карпат"),
        tuple(f"{s}, на вагу" for s in SCENTS),
        (180, 950),
        8,
        weighed=True,
    ),
    Template(
        "Косметика/Догляд за волоссям",
        "KSH",
        (
            ("Шампунь для сухого волосся", ""),
            ("Шампунь для жирного волосся", ""),
            ("Бальзам-ополіскувач", ""),
            ("Маска для волосся", ""),
        ),
        ("Флора Карпат", "Aroma Kyiv", "Краса Полісся"),
        _vol(250, 400, 1000),
        (149, 590),
        17,
    ),
    Template(
        "Косметика/Декоративна/Губи",
        "KSD",
        (("Помада матова", ""), ("Блиск для губ", ""), ("Олівець для губ", "")),
        ("Краса Полісся", "Aroma Kyiv"),
        tuple(f"відтінок {n:02d}" for n in range(1, 13)),
        (159, 690),
        17,
    ),
    Template(
        "Косметика/Декоративна/Очі",
        "KSD",
        (("Туш для вій об'ємна", ""), ("Тіні для повік", ""), ("Підводка для очей", "")),
        ("Краса Полісся", "Aroma Kyiv", "Чисте Лице"),
        tuple(f"відтінок {n:02d}" for n in range(1, 9)),
        (179, 790),
        15,
    ),
    Template(
        "Дитячі товари/Іграшки/Конструктори",
        "DTI",
        (("Конструктор", ""),),
        ("Кубик", "Веселка"),
        (
            "Ферма, 120 деталей",
            "Місто, 250 деталей",
            "Пожежна станція, 180 деталей",
            "Космодром, 320 деталей",
            "Зоопарк, 90 деталей",
            "Залізниця, 410 деталей",
            "Замок, 520 деталей",
            "Аеропорт, 300 деталей",
        ),
        (290, 2400),
        14,
    ),
    Template(
        "Дитячі товари/Іграшки/М'які іграшки",
        "DTI",
        (
            ("М'яка іграшка Зайчик", "m"),
            ("М'яка іграшка Ведмедик", "m"),
            ("М'яка іграшка Котик", "m"),
            ("М'яка іграшка Лисичка", "f"),
        ),
        ("Малятко", "Сонечко", "Бджілка"),
        ("25 см", "40 см", "60 см"),
        (249, 990),
        16,
    ),
    Template(
        "Дитячі товари/Іграшки/Розвивальні ігри",
        "DTI",
        (("Пазл", ""), ("Настільна гра", ""), ("Сортер дерев'яний", "")),
        ("Веселка", "Кубик", "Бджілка"),
        ("3+", "4+", "5+", "6+", "8+"),
        (159, 890),
        15,
    ),
    Template(
        "Дитячі товари/Дитячий одяг/Боді та повзунки",
        "DTO",
        (("Боді з довгим рукавом", "n"), ("Повзунки", "pl"), ("Чоловічок бавовняний", "m")),
        ("Малятко", "Лелека"),
        tuple(f"р. {s}" for s in BABY),
        (149, 450),
        16,
    ),
    Template(
        "Дитячі товари/Дитячий одяг/Костюми та піжами",
        "DTO",
        (("Костюм спортивний дитячий", "m"), ("Піжама дитяча", "f")),
        ("Лелека", "Сонечко", "Малятко"),
        tuple(f"р. {s}" for s in KID),
        (390, 1290),
        15,
    ),
    Template(
        "Дитячі товари/Догляд за малюком",
        "DTD",
        (("Підгузки", ""),),
        ("Лелека", "Малятко"),
        ("розмір 2, 44 шт", "розмір 3, 52 шт", "розмір 4, 46 шт", "розмір 5, 40 шт"),
        (349, 890),
        8,
    ),
    Template(
        "Дитячі товари/Догляд за малюком",
        "DTD",
        (("Вологі серветки дитячі", ""),),
        ("Лелека", "Малятко"),
        ("72 шт", "120 шт", "з клапаном, 64 шт"),
        (89, 169),
        4,
    ),
    Template(
        "Дитячі товари/Догляд за малюком",
        "DTD",
        (("Крем під підгузок", ""), ("Присипка дитяча", "")),
        ("Лелека", "Малятко"),
        ("50 мл", "100 мл"),
        (89, 249),
        4,
    ),
)

FEMALE_NAMES = (
    "Олена", "Марія", "Оксана", "Наталія", "Ірина", "Тетяна", "Юлія", "Світлана", "Анна",
    "Катерина", "Ольга", "Людмила", "Вікторія", "Галина", "Дарина", "Софія", "Анастасія",
    "Христина", "Яна", "Леся", "Зоряна", "Надія", "Валентина", "Лариса", "Інна", "Алла",
    "Мирослава", "Соломія", "Уляна", "Богдана",
)  # fmt: skip
MALE_NAMES = (
    "Олександр", "Андрій", "Сергій", "Микола", "Іван", "Володимир", "Дмитро", "Петро", "Василь",
    "Юрій", "Богдан", "Тарас", "Максим", "Олег", "Роман", "Віктор", "Ігор", "Степан", "Остап",
    "Назар", "Євген", "Михайло", "Ярослав", "Денис",
)  # fmt: skip
_SAME_SURNAMES = (
    "Коваленко", "Ковальчук", "Мельник", "Кравчук", "Олійник", "Шевчук", "Поліщук", "Бондар",
    "Ткаченко", "Бойко", "Кравченко", "Лисенко", "Савченко", "Руденко", "Марченко", "Мороз",
    "Павленко", "Петренко", "Гончаренко", "Литвиненко", "Коваль", "Левченко", "Тарасенко",
    "Іваненко", "Білоус", "Зінченко", "Остапчук", "Кучер", "Гриценко", "Яковенко",
    "Прокопенко", "Федоренко", "Гнатюк", "Дмитренко", "Кузьменко", "Головко", "Романенко",
    "Онищенко", "Сидоренко", "Костенко", "Нестеренко", "Панченко", "Степаненко", "Мазур",
)  # fmt: skip
# (male form, female form)
SURNAMES = (
    *((s, s) for s in _SAME_SURNAMES),
    ("Волошин", "Волошина"), ("Соловйов", "Соловйова"), ("Ковалевський", "Ковалевська"),
    ("Заліський", "Заліська"), ("Білий", "Біла"), ("Гордієнко", "Гордієнко"),
)  # fmt: skip

EMAIL_DOMAINS = ("gmail.com", "ukr.net", "i.ua", "meta.ua", "gmail.com", "ukr.net")

DISCOUNT_REASONS = (
    "Пошкоджена упаковка",
    "Постійна покупниця",
    "Уцінка: дрібний дефект",
    "Остання одиниця з вітрини",
    "Компенсація за очікування",
)

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "",
}  # fmt: skip


def translit(text: str) -> str:
    """Ukrainian to Latin letters (the 2010 national table, simplified) for e-mail addresses."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


@dataclass(frozen=True)
class ProductSpec:
    group: str
    sku: str
    name: str
    brand: str
    price: int  # kopecks per unit (per kg when weighed)
    cost: int
    weighed: bool


def product_specs(rng: random.Random) -> list[ProductSpec]:
    """About 300 products: names built from type, brand, colour and size or volume; prices in
    kopecks ending in .00, .50 or .90; cost 45-70 % of the price."""
    specs: list[ProductSpec] = []
    skus: dict[str, int] = {}
    seen: set[str] = set()
    for tpl in TEMPLATES:
        combos = list(itertools.product(tpl.types, tpl.brands, tpl.variants))
        rng.shuffle(combos)
        made = 0
        for (kind, gender), brand, variant in combos:
            colour = f" {rng.choice(COLOURS[gender])}" if gender else ""
            name = f"{kind} «{brand}»{colour}, {variant}"
            if made == tpl.count or name in seen:
                continue
            seen.add(name)
            made += 1
            price = rng.randint(tpl.price[0], tpl.price[1] - 1) * 100 + rng.choice((0, 0, 50, 90))
            skus[tpl.sku] = skus.get(tpl.sku, 0) + 1
            sku = f"{tpl.sku}-{skus[tpl.sku]:04d}"
            cost = price * rng.randint(45, 70) // 100
            specs.append(ProductSpec(tpl.group, sku, name, brand, price, cost, tpl.weighed))
    return specs


@dataclass(frozen=True)
class CustomerSpec:
    name: str
    phone: str
    card: str
    email: str
    birth_date: dt.date
    gender: str
    created_at: dt.datetime


def customer_specs(
    rng: random.Random, count: int, since: dt.datetime, until: dt.datetime
) -> list[CustomerSpec]:
    """``count`` customers, oldest first: 60 % known before ``since``, the rest joining during
    the history; unique phones (+38067/050/063) and the shop's "29" cards numbered from 1
    (the demo sets the numbering's counter after them)."""
    span = int((until - since).total_seconds())
    times = []
    for _n in range(count):
        if rng.random() < 0.6:
            times.append(since - dt.timedelta(seconds=rng.randint(3600, 730 * 86400)))
        else:
            times.append(since + dt.timedelta(seconds=rng.randint(0, span)))
    times.sort()
    phones = rng.sample(range(3 * 9_000_000), count)
    specs = []
    for n, created in enumerate(times):
        female = rng.random() < 0.75
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        last = rng.choice(SURNAMES)[1 if female else 0]
        operator, rest = divmod(phones[n], 9_000_000)
        email = ""
        if rng.random() < 0.45:
            user = f"{translit(first)}.{translit(last)}{rng.randint(1, 99)}"
            email = f"{user}@{rng.choice(EMAIL_DOMAINS)}"
        age_days = rng.randint(18 * 366, 75 * 365)
        specs.append(
            CustomerSpec(
                name=f"{first} {last}",
                phone=f"+380{('67', '50', '63')[operator]}{1_000_000 + rest}",
                card=make_ean13("29", n + 1),  # the shop's numbering, in order of joining
                email=email,
                birth_date=until.date() - dt.timedelta(days=age_days),
                gender="f" if female else "m",
                created_at=created.replace(microsecond=0),
            )
        )
    return specs
