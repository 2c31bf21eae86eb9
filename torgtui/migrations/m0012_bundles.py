"""Reserved for the promotions issue (bundles): not shipped yet, filled in before it is."""

NAME = "bundles"

STATEMENTS: list[str] = []
