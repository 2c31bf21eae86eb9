"""The marketing module: loyalty (the ledger, bonuses, cards, VIP accounts, price policy) and,
later, promotions, codes, certificates and partners.

Its features extend the register through torgtui.sales.extensions; importing this package
registers them (torgtui.sales.extensions.load does it once, by name).
"""

from torgtui.marketing import (
    bonuses,  # noqa: F401  (registers the bonus tender and steps)
    bundles,  # noqa: F401  (sets: their pricing step and stock hooks)
    card_codes,  # noqa: F401  (loyalty cards in the register's code field)
    cards,  # noqa: F401  (the card's discount and bonus rule)
    cashout,  # noqa: F401  (bonus cash-out: its line on the X and Z reports)
    certificates_sale,  # noqa: F401  (gift certificates: code field, discount, tender, returns)
    codes_sale,  # noqa: F401  (promo codes: the code field, their check, spending a use)
    partners_hooks,  # noqa: F401  (partners: codes link customers, commissions, returns)
    preorder_checkout,  # noqa: F401  (pre-orders: their code, agreed price, tender, reserves)
    prices,  # noqa: F401  (price types, quantity breaks, manufacturer discounts)
    promotions,  # noqa: F401  (the promotion engine: its pricing steps and sale hook)
    referral_sale,  # noqa: F401  (Refer a Friend: its code, the friend's discount, the bonus)
    vip_checkout,  # noqa: F401  (the on-account tender, VIP charges and their returns)
)
