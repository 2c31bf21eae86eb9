"""Telephony: the call journal (``phone_call``), one row per Binotel call, unique by its
``generalCallID`` so a webhook retried and the polling fallback store each call once; a missed
incoming call carries its call-back state (due, done by whom and when)."""

from __future__ import annotations

NAME = "calls"

STATEMENTS = [
    'CREATE TABLE "phone_call" ("id" :PK, "general_call_id" VARCHAR(40) NOT NULL, '
    '"direction" VARCHAR(3) NOT NULL, "external_number" VARCHAR(20) NOT NULL, '
    '"customer_id" INTEGER, "internal_number" VARCHAR(40) NOT NULL, '
    '"employee_name" VARCHAR(200) NOT NULL, "started_at" :TS NOT NULL, '
    '"wait_seconds" INTEGER NOT NULL, "talk_seconds" INTEGER NOT NULL, '
    '"disposition" VARCHAR(20) NOT NULL, "callback" VARCHAR(4) NOT NULL, '
    '"callback_by_id" INTEGER, "callback_at" :TS, "source" VARCHAR(4) NOT NULL, '
    '"received_at" :TS NOT NULL, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE SET NULL, '
    'FOREIGN KEY ("callback_by_id") REFERENCES "employee" ("id"))',
    'CREATE UNIQUE INDEX "phone_call_general_call_id" ON "phone_call" ("general_call_id")',
    'CREATE INDEX "phone_call_customer_id" ON "phone_call" ("customer_id")',
    'CREATE INDEX "phone_call_callback_by_id" ON "phone_call" ("callback_by_id")',
    'CREATE INDEX "phone_call_started_at_id" ON "phone_call" ("started_at", "id")',
    'CREATE INDEX "phone_call_callback_started_at" ON "phone_call" ("callback", "started_at")',
    'CREATE INDEX "phone_call_external_number_started_at" ON "phone_call" '
    '("external_number", "started_at")',
]
