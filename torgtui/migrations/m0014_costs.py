"""Cost recalculation after promotions: the documents (a supplier's compensation per unit or a
percentage of the cost, for the goods sold in a promotion) and their lines (a receipt line and
the change of its unit cost), both append-only as the ledgers are; a document is reversed by
another, at most once (the unique index on ``reverses_id``).

Also an index of price adjustments by rule: the real result of a promotion and its cost
documents find the receipt lines it discounted (``step`` "promotion", ``rule`` its code)
without reading every adjustment ever made. The model (torgtui.models.sales.LineAdjustment)
does not declare it: it serves these reads only."""

from __future__ import annotations

NAME = "costs"

APPEND_ONLY = ("cost_document", "cost_line")

STATEMENTS = [
    'CREATE TABLE "cost_document" ("id" :PK, "number" INTEGER NOT NULL, '
    '"kind" VARCHAR(10) NOT NULL, "promotion_id" INTEGER, "basis" VARCHAR(10) NOT NULL, '
    '"amount" BIGINT NOT NULL, "percent_bp" INTEGER NOT NULL, "first_day" DATE, '
    '"last_day" DATE, "products" TEXT NOT NULL, "note" VARCHAR(200) NOT NULL, '
    '"reverses_id" INTEGER, "lines_count" INTEGER NOT NULL, "total" BIGINT NOT NULL, '
    '"employee_id" INTEGER, "created_at" :TS NOT NULL, '
    'FOREIGN KEY ("promotion_id") REFERENCES "promotion" ("id"), '
    'FOREIGN KEY ("reverses_id") REFERENCES "cost_document" ("id"), '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE UNIQUE INDEX "cost_document_number" ON "cost_document" ("number")',
    'CREATE INDEX "cost_document_promotion_id" ON "cost_document" ("promotion_id")',
    'CREATE UNIQUE INDEX "cost_document_reverses_id" ON "cost_document" ("reverses_id")',
    'CREATE INDEX "cost_document_employee_id" ON "cost_document" ("employee_id")',
    'CREATE TABLE "cost_line" ("id" :PK, "document_id" INTEGER NOT NULL, '
    '"line_id" INTEGER NOT NULL, "unit_change" BIGINT NOT NULL, "change" BIGINT NOT NULL, '
    'FOREIGN KEY ("document_id") REFERENCES "cost_document" ("id"), '
    'FOREIGN KEY ("line_id") REFERENCES "receipt_line" ("id"))',
    'CREATE INDEX "cost_line_line_id" ON "cost_line" ("line_id")',
    'CREATE UNIQUE INDEX "cost_line_document_id_line_id" ON "cost_line" ("document_id", "line_id")',
    'CREATE INDEX "line_adjustment_rule_step" ON "line_adjustment" ("rule", "step")',
]

SQLITE = [
    *(
        f'CREATE TRIGGER "{table}_no_{op.lower()}" BEFORE {op} ON "{table}" '
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        for table in APPEND_ONLY
        for op in ("UPDATE", "DELETE")
    ),
    *(
        f'CREATE TRIGGER "{table}_no_replace" BEFORE INSERT ON "{table}" '
        f'WHEN EXISTS (SELECT 1 FROM "{table}" WHERE "id" = NEW."id") '
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        for table in APPEND_ONLY
    ),
]

POSTGRESQL = [
    *(
        f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
        "FOR EACH ROW EXECUTE FUNCTION torgtui_append_only()"
        for table in APPEND_ONLY
    ),
    *(
        f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION torgtui_append_only()"
        for table in APPEND_ONLY
    ),
]
