"""SMS verification codes (torgtui.channels.verification): one row per code sent, the code
only as a salted hash, at most one live code per purpose and receipt (the unique
``live_key``, NULL once the code is used, expired, exhausted or replaced)."""

from __future__ import annotations

NAME = "verification"

STATEMENTS = [
    'CREATE TABLE "verification_code" ("id" :PK, "purpose" VARCHAR(12) NOT NULL, '
    '"receipt_uuid" VARCHAR(64) NOT NULL, "phone" VARCHAR(20) NOT NULL, "customer_id" INTEGER, '
    '"amount" BIGINT NOT NULL, "salt" VARCHAR(32) NOT NULL, "code_hash" VARCHAR(64) NOT NULL, '
    '"length" INTEGER NOT NULL, "state" VARCHAR(10) NOT NULL, "live_key" VARCHAR(90), '
    '"attempts" INTEGER NOT NULL, "max_attempts" INTEGER NOT NULL, "created_at" :TS NOT NULL, '
    '"expires_at" :TS NOT NULL, "resend_after" :TS NOT NULL, "used_at" :TS, '
    '"employee_id" INTEGER, "approval_id" INTEGER, "outbox_id" INTEGER, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "verification_code_customer_id" ON "verification_code" ("customer_id")',
    'CREATE UNIQUE INDEX "verification_code_live_key" ON "verification_code" ("live_key")',
    'CREATE INDEX "verification_code_employee_id" ON "verification_code" ("employee_id")',
    'CREATE INDEX "verification_code_receipt_uuid_purpose" ON "verification_code" '
    '("receipt_uuid", "purpose")',
]
