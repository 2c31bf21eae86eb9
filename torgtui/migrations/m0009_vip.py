"""VIP customers: the mode and payment term on the customer, the VIP list's cache (the open
debt and the earliest due date of each VIP customer, kept with the ledger entries) and the
receipt line of each item-level charge. The balances and limits are the ledger's (schema 7)."""

from __future__ import annotations

NAME = "vip"

STATEMENTS = [
    'ALTER TABLE "customer" ADD COLUMN "vip_mode" VARCHAR(10) NOT NULL DEFAULT \'\'',
    'ALTER TABLE "customer" ADD COLUMN "vip_term_days" INTEGER NOT NULL DEFAULT 0',
    'CREATE TABLE "vip_account" ("customer_id" INTEGER NOT NULL PRIMARY KEY, '
    '"account_id" INTEGER NOT NULL, "debt" BIGINT NOT NULL, "due_at" :TS NOT NULL, '
    '"since" :TS NOT NULL, "updated_at" :TS NOT NULL, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), '
    'FOREIGN KEY ("account_id") REFERENCES "ledger_account" ("id"))',
    'CREATE UNIQUE INDEX "vip_account_account_id" ON "vip_account" ("account_id")',
    'CREATE INDEX "vip_account_due_at_customer_id" ON "vip_account" ("due_at", "customer_id")',
    'CREATE TABLE "vip_item" ("entry_id" INTEGER NOT NULL PRIMARY KEY, '
    '"line_id" INTEGER NOT NULL, '
    'FOREIGN KEY ("entry_id") REFERENCES "ledger_entry" ("id"), '
    'FOREIGN KEY ("line_id") REFERENCES "receipt_line" ("id"))',
    'CREATE INDEX "vip_item_line_id" ON "vip_item" ("line_id")',
]

# an item's line is part of the ledger's history: never rewritten, as the entries are not
SQLITE = [
    *(
        f'CREATE TRIGGER "vip_item_no_{op.lower()}" BEFORE {op} ON "vip_item" '
        "BEGIN SELECT RAISE(ABORT, 'vip_item is append-only'); END"
        for op in ("UPDATE", "DELETE")
    ),
]

POSTGRESQL = [
    'CREATE TRIGGER "vip_item_append_only" BEFORE UPDATE OR DELETE ON "vip_item" '
    "FOR EACH ROW EXECUTE FUNCTION torgtui_append_only()",
    'CREATE TRIGGER "vip_item_no_truncate" BEFORE TRUNCATE ON "vip_item" '
    "FOR EACH STATEMENT EXECUTE FUNCTION torgtui_append_only()",
]
