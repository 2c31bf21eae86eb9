"""Reserved for the promotions issue (codes): not shipped yet, filled in before it is."""

NAME = "codes"

STATEMENTS: list[str] = []
