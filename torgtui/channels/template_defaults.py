"""The built-in texts of every automatic message, in Ukrainian and English: what is sent until
the shop writes its own (torgtui.channels.templates). They are message texts in the customer's
language, not screen text, so they are not in the translation catalogs.

Every text ends with ``{shop}`` as a signature, so the shop's name is never declined inside a
sentence. Kept short: a Ukrainian text is UCS-2 (70 characters an SMS part).
"""

from __future__ import annotations

# kind -> language -> (text, e-mail subject)
DEFAULTS: dict[str, dict[str, tuple[str, str]]] = {
    "bonus_accrued": {
        "uk": (
            "{first_name}, вам нараховано бонуси: {amount}. На картці тепер {bonus_balance}. "
            "Дякуємо за покупку! {shop}",
            "Бонуси нараховано",
        ),
        "en": (
            "{first_name}, you earned {amount} in bonuses. Your card now holds "
            "{bonus_balance}. Thank you for shopping with us! {shop}",
            "Bonuses earned",
        ),
    },
    "bonus_expiring": {
        "uk": (
            "{first_name}, {bonus_expiry_date} згорять ваші бонуси: {bonus_expiring}. "
            "Встигніть їх використати! {shop}",
            "Ваші бонуси скоро згорять",
        ),
        "en": (
            "{first_name}, {bonus_expiring} of your bonuses expire on {bonus_expiry_date}. "
            "Use them before then! {shop}",
            "Your bonuses expire soon",
        ),
    },
    "bonus_expired": {
        "uk": (
            "{first_name}, термін дії частини бонусів минув, списано {amount}. "
            "На картці залишилось {bonus_balance}. {shop}",
            "Термін дії бонусів минув",
        ),
        "en": (
            "{first_name}, some of your bonuses have expired: {amount} written off. "
            "Your card still holds {bonus_balance}. {shop}",
            "Your bonuses have expired",
        ),
    },
    "birthday": {
        "uk": (
            "{first_name}, щиро вітаємо з днем народження! Бажаємо радості та здійснення "
            "мрій. Завітайте до нас по святковий подарунок! {shop}",
            "З днем народження!",
        ),
        "en": (
            "Happy birthday, {first_name}! We wish you joy and dreams come true. "
            "Come and collect your birthday gift! {shop}",
            "Happy birthday!",
        ),
    },
    "preorder_open": {
        "uk": (
            "{first_name}, ваше замовлення {preorder} на {total_text} прийнято. "
            "Повідомимо, щойно товар надійде. {shop}",
            "Замовлення {preorder} прийнято",
        ),
        "en": (
            "{first_name}, your pre-order {preorder} for {total_text} is taken. "
            "We will let you know as soon as the goods arrive. {shop}",
            "Pre-order {preorder} taken",
        ),
    },
    "preorder_reserved": {
        "uk": (
            "{first_name}, частина товару із замовлення {preorder} надійшла й відкладена "
            "для вас ({location}). Про решту повідомимо. {shop}",
            "Частина замовлення {preorder} надійшла",
        ),
        "en": (
            "{first_name}, part of your pre-order {preorder} has arrived and is set aside "
            "for you ({location}). We will tell you about the rest. {shop}",
            "Part of pre-order {preorder} has arrived",
        ),
    },
    "preorder_ready": {
        "uk": (
            "{first_name}, замовлення {preorder} готове! Забрати можна тут: {location}. "
            "До сплати: {to_pay}. {shop}",
            "Замовлення {preorder} готове",
        ),
        "en": (
            "{first_name}, your pre-order {preorder} is ready! Collect it at {location}. "
            "To pay: {to_pay}. {shop}",
            "Pre-order {preorder} is ready",
        ),
    },
    "preorder_cancelled": {
        "uk": (
            "{first_name}, замовлення {preorder} скасовано. Повернено передоплату: "
            "{given_back}. {shop}",
            "Замовлення {preorder} скасовано",
        ),
        "en": (
            "{first_name}, your pre-order {preorder} is cancelled. Prepayment returned: "
            "{given_back}. {shop}",
            "Pre-order {preorder} cancelled",
        ),
    },
    "verification_code": {
        "uk": (
            "Ваш код: {code}. Назвіть його касиру. Код дійсний {minutes} хв. {shop}",
            "Код підтвердження",
        ),
        "en": (
            "Your code: {code}. Tell it to the cashier. It is valid for {minutes} min. {shop}",
            "Your verification code",
        ),
    },
}

__all__ = ["DEFAULTS"]
