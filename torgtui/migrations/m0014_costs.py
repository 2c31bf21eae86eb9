"""Reserved for the promotions issue (costs): not shipped yet, filled in before it is."""

NAME = "costs"

STATEMENTS: list[str] = []
