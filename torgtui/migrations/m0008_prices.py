"""Price policy: price types, quantity breaks, manufacturer discounts, price lists.

Reserved for the price-policy work of the loyalty issue (not shipped yet: filled in before it
is)."""

NAME = "prices"

STATEMENTS: list[str] = []
