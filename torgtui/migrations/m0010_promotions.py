"""Reserved for the promotions issue (promotions): not shipped yet, filled in before it is."""

NAME = "promotions"

STATEMENTS: list[str] = []
