"""Communications issue: what the sender needs on each outbox row (the address and text, a
mailing, the marketing flag, the gateway and its id, the attempt's claim token, back-off,
delivery, read and click times, parts and cost, why a row was suppressed), the customer's
consent per channel and the stop-list. Existing rows (bonus and pre-order notices) keep their
meaning: no address and no text, so the sender takes the card's contact and renders the
template for their kind."""

from __future__ import annotations

NAME = "outbox"

_OUTBOX = [
    "\"address\" VARCHAR(200) NOT NULL DEFAULT ''",
    "\"text\" TEXT NOT NULL DEFAULT ''",
    "\"subject\" VARCHAR(200) NOT NULL DEFAULT ''",
    '"mailing_id" INTEGER',
    '"marketing" :BOOL NOT NULL DEFAULT :FALSE',
    "\"via\" VARCHAR(10) NOT NULL DEFAULT ''",
    "\"gateway\" VARCHAR(20) NOT NULL DEFAULT ''",
    '"next_try_at" :TS',
    "\"claim\" VARCHAR(40) NOT NULL DEFAULT ''",
    '"claimed_at" :TS',
    '"accepted_at" :TS',
    "\"delivery\" VARCHAR(12) NOT NULL DEFAULT ''",
    '"delivery_at" :TS',
    '"read_at" :TS',
    '"clicked_at" :TS',
    '"parts" INTEGER NOT NULL DEFAULT 0',
    '"cost" BIGINT NOT NULL DEFAULT 0',
    "\"reason\" VARCHAR(200) NOT NULL DEFAULT ''",
]

STATEMENTS = [
    *(f'ALTER TABLE "outbox_message" ADD COLUMN {column}' for column in _OUTBOX),
    'CREATE INDEX "outbox_message_mailing_id" ON "outbox_message" ("mailing_id")',
    'CREATE TABLE "customer_consent" ("id" :PK, "customer_id" INTEGER NOT NULL, '
    '"channel" VARCHAR(10) NOT NULL, "granted" :BOOL NOT NULL, "at" :TS NOT NULL, '
    '"how" VARCHAR(20) NOT NULL, "employee_id" INTEGER, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "customer_consent_customer_id" ON "customer_consent" ("customer_id")',
    'CREATE INDEX "customer_consent_employee_id" ON "customer_consent" ("employee_id")',
    'CREATE UNIQUE INDEX "customer_consent_customer_id_channel" '
    'ON "customer_consent" ("customer_id", "channel")',
    'CREATE TABLE "stop_list" ("id" :PK, "customer_id" INTEGER, '
    '"address" VARCHAR(200) NOT NULL, "reason" VARCHAR(200) NOT NULL, "at" :TS NOT NULL, '
    '"employee_id" INTEGER, "lifted_at" :TS, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "stop_list_customer_id" ON "stop_list" ("customer_id")',
    'CREATE INDEX "stop_list_address" ON "stop_list" ("address")',
    'CREATE INDEX "stop_list_employee_id" ON "stop_list" ("employee_id")',
]
