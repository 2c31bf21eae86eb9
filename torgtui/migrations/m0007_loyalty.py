"""Loyalty: the ledger (accounts, append-only entries and matches, the open-items cache),
card types with thresholds, group rates and accelerators, the loyalty card on the customer,
bonuses earned per receipt line, the message outbox and the owner's role permissions. A
phone may now be shared by several cards (a family on one phone)."""

from __future__ import annotations

NAME = "loyalty"

APPEND_ONLY = ("ledger_entry", "ledger_match")

STATEMENTS = [
    'CREATE TABLE "ledger_account" ("id" :PK, "kind" VARCHAR(20) NOT NULL, '
    '"owner_type" VARCHAR(20) NOT NULL, "owner_id" BIGINT NOT NULL, '
    '"balance" BIGINT NOT NULL, "floor" BIGINT NOT NULL, "created_at" :TS NOT NULL)',
    'CREATE UNIQUE INDEX "ledger_account_kind_owner_type_owner_id" '
    'ON "ledger_account" ("kind", "owner_type", "owner_id")',
    'CREATE TABLE "ledger_entry" ("id" :PK, "account_id" INTEGER NOT NULL, '
    '"amount" BIGINT NOT NULL, "kind" VARCHAR(20) NOT NULL, "created_at" :TS NOT NULL, '
    '"expires_at" :TS, "due_at" :TS, "receipt_id" INTEGER, "document" VARCHAR(60) NOT NULL, '
    '"employee_id" INTEGER, "reverses_id" INTEGER, "note" VARCHAR(200) NOT NULL, '
    'FOREIGN KEY ("account_id") REFERENCES "ledger_account" ("id"), '
    'FOREIGN KEY ("receipt_id") REFERENCES "receipt" ("id"), '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"), '
    'FOREIGN KEY ("reverses_id") REFERENCES "ledger_entry" ("id"))',
    'CREATE INDEX "ledger_entry_account_id_id" ON "ledger_entry" ("account_id", "id")',
    'CREATE INDEX "ledger_entry_receipt_id" ON "ledger_entry" ("receipt_id")',
    'CREATE INDEX "ledger_entry_employee_id" ON "ledger_entry" ("employee_id")',
    'CREATE INDEX "ledger_entry_reverses_id" ON "ledger_entry" ("reverses_id")',
    'CREATE TABLE "ledger_open" ("entry_id" INTEGER NOT NULL PRIMARY KEY, '
    '"account_id" INTEGER NOT NULL, "sign" SMALLINT NOT NULL, "amount" BIGINT NOT NULL, '
    '"expires_at" :TS, "due_at" :TS, '
    'FOREIGN KEY ("entry_id") REFERENCES "ledger_entry" ("id"), '
    'FOREIGN KEY ("account_id") REFERENCES "ledger_account" ("id"))',
    'CREATE INDEX "ledger_open_account_id_sign" ON "ledger_open" ("account_id", "sign")',
    'CREATE TABLE "ledger_match" ("id" :PK, "entry_id" INTEGER NOT NULL, '
    '"item_id" INTEGER NOT NULL, "amount" BIGINT NOT NULL, '
    'FOREIGN KEY ("entry_id") REFERENCES "ledger_entry" ("id"), '
    'FOREIGN KEY ("item_id") REFERENCES "ledger_entry" ("id"))',
    'CREATE INDEX "ledger_match_entry_id" ON "ledger_match" ("entry_id")',
    'CREATE INDEX "ledger_match_item_id" ON "ledger_match" ("item_id")',
    'CREATE TABLE "card_type" ("id" :PK, "code" VARCHAR(40) NOT NULL, '
    '"name" VARCHAR(120) NOT NULL, "kind" VARCHAR(20) NOT NULL, "percent_bp" INTEGER NOT NULL, '
    '"bonus_bp" INTEGER NOT NULL, "bonus_expiry_days" INTEGER, "prefix" VARCHAR(12) NOT NULL, '
    '"range_from" BIGINT NOT NULL, "range_to" BIGINT NOT NULL, "next_number" BIGINT NOT NULL, '
    '"active" :BOOL NOT NULL, "created_at" :TS NOT NULL, "updated_at" :TS NOT NULL)',
    'CREATE UNIQUE INDEX "card_type_code" ON "card_type" ("code")',
    'CREATE TABLE "card_threshold" ("id" :PK, "card_type_id" INTEGER NOT NULL, '
    '"from_amount" BIGINT NOT NULL, "percent_bp" INTEGER NOT NULL, '
    'FOREIGN KEY ("card_type_id") REFERENCES "card_type" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "card_threshold_card_type_id" ON "card_threshold" ("card_type_id")',
    'CREATE UNIQUE INDEX "card_threshold_card_type_id_from_amount" '
    'ON "card_threshold" ("card_type_id", "from_amount")',
    'CREATE TABLE "card_group_rate" ("card_type_id" INTEGER NOT NULL, '
    '"group_id" INTEGER NOT NULL, "bonus_bp" INTEGER NOT NULL, '
    'PRIMARY KEY ("card_type_id", "group_id"), '
    'FOREIGN KEY ("card_type_id") REFERENCES "card_type" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("group_id") REFERENCES "product_group" ("id"))',
    'CREATE INDEX "card_group_rate_card_type_id" ON "card_group_rate" ("card_type_id")',
    'CREATE INDEX "card_group_rate_group_id" ON "card_group_rate" ("group_id")',
    'CREATE TABLE "card_accelerator" ("id" :PK, "code" VARCHAR(40) NOT NULL, '
    '"product_id" INTEGER, "group_id" INTEGER, "action" VARCHAR(10) NOT NULL, '
    '"card_type_id" INTEGER NOT NULL, "threshold" BIGINT NOT NULL, "active" :BOOL NOT NULL, '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id"), '
    'FOREIGN KEY ("group_id") REFERENCES "product_group" ("id"), '
    'FOREIGN KEY ("card_type_id") REFERENCES "card_type" ("id"))',
    'CREATE UNIQUE INDEX "card_accelerator_code" ON "card_accelerator" ("code")',
    'CREATE INDEX "card_accelerator_product_id" ON "card_accelerator" ("product_id")',
    'CREATE INDEX "card_accelerator_group_id" ON "card_accelerator" ("group_id")',
    'CREATE INDEX "card_accelerator_card_type_id" ON "card_accelerator" ("card_type_id")',
    'CREATE TABLE "outbox_message" ("id" :PK, "customer_id" INTEGER, '
    '"kind" VARCHAR(30) NOT NULL, "channel" VARCHAR(10) NOT NULL, '
    '"dedupe" VARCHAR(120) NOT NULL, "payload" TEXT NOT NULL, "status" VARCHAR(12) NOT NULL, '
    '"created_at" :TS NOT NULL, "send_after" :TS, "sent_at" :TS, '
    '"gateway_id" VARCHAR(80) NOT NULL, "attempts" INTEGER NOT NULL, '
    '"last_error" TEXT NOT NULL, FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"))',
    'CREATE INDEX "outbox_message_customer_id" ON "outbox_message" ("customer_id")',
    'CREATE UNIQUE INDEX "outbox_message_dedupe" ON "outbox_message" ("dedupe")',
    'CREATE INDEX "outbox_message_status" ON "outbox_message" ("status")',
    'CREATE TABLE "role_permission" ("role" VARCHAR(20) NOT NULL, '
    '"permission" VARCHAR(40) NOT NULL, "granted" :BOOL NOT NULL, "changed_at" :TS NOT NULL, '
    '"changed_by_id" INTEGER, PRIMARY KEY ("role", "permission"), '
    'FOREIGN KEY ("changed_by_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "role_permission_changed_by_id" ON "role_permission" ("changed_by_id")',
    # the loyalty card on the customer
    'ALTER TABLE "customer" ADD COLUMN "card_type_id" INTEGER REFERENCES "card_type" ("id")',
    'ALTER TABLE "customer" ADD COLUMN "card_status" VARCHAR(10) NOT NULL DEFAULT \'active\'',
    'ALTER TABLE "customer" ADD COLUMN "card_issued_at" :TS',
    'ALTER TABLE "customer" ADD COLUMN "card_spent_at" :TS',
    'ALTER TABLE "customer" ADD COLUMN "tier_floor" BIGINT NOT NULL DEFAULT 0',
    'CREATE INDEX "customer_card_type_id" ON "customer" ("card_type_id")',
    # a family may share one phone: the phone indexes are no longer unique
    'DROP INDEX "customer_phone"',
    'CREATE INDEX "customer_phone" ON "customer" ("phone")',
    'DROP INDEX "customer_phone_number_phone"',
    'CREATE INDEX "customer_phone_number_phone" ON "customer_phone_number" ("phone")',
    # per-line bonuses and the receipt's loyalty facts
    'ALTER TABLE "receipt_line" ADD COLUMN "bonus_earned" BIGINT NOT NULL DEFAULT 0',
    'ALTER TABLE "receipt" ADD COLUMN "info" TEXT NOT NULL DEFAULT \'\'',
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
