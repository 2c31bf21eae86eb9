"""Reserved for the promotions issue (preorders): not shipped yet, filled in before it is."""

NAME = "preorders"

STATEMENTS: list[str] = []
