"""VIP customers: credit with a payment term and limit, goods-and-cash accounts, item-level
debts. Reserved for the VIP work of the loyalty issue (not shipped yet: filled in before it
is)."""

NAME = "vip"

STATEMENTS: list[str] = []
