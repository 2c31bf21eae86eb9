"""Mailings: the mailing (its template kind, channels, segment and exclusions as JSON, holdout,
when to send, its state, how far preparing got, its counts, who made it) and its recipients (one
row per mailing and customer: sent, holdout or skipped with the reason, and the first outbox
row). The outbox rows themselves carry ``mailing_id`` since migration 0015."""

from __future__ import annotations

NAME = "mailings"

STATEMENTS = [
    'CREATE TABLE "mailing" ("id" :PK, "name" VARCHAR(120) NOT NULL, '
    '"kind" VARCHAR(80) NOT NULL, "channels" VARCHAR(40) NOT NULL, '
    '"sms_fallback" :BOOL NOT NULL, "segment" TEXT NOT NULL, "exclusions" TEXT NOT NULL, '
    '"variables" TEXT NOT NULL, '
    '"holdout_bp" INTEGER NOT NULL, "send_at" :TS, "state" VARCHAR(12) NOT NULL, '
    '"prepared_upto" INTEGER NOT NULL, "audience" INTEGER NOT NULL, '
    '"sent_count" INTEGER NOT NULL, "holdout_count" INTEGER NOT NULL, '
    '"skipped_count" INTEGER NOT NULL, "messages" INTEGER NOT NULL, '
    '"note" VARCHAR(200) NOT NULL, "created_at" :TS NOT NULL, "created_by_id" INTEGER, '
    '"started_at" :TS, "prepared_at" :TS, "finished_at" :TS, "updated_at" :TS NOT NULL, '
    'FOREIGN KEY ("created_by_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "mailing_state" ON "mailing" ("state")',
    'CREATE INDEX "mailing_created_by_id" ON "mailing" ("created_by_id")',
    'CREATE TABLE "mailing_recipient" ("id" :PK, "mailing_id" INTEGER NOT NULL, '
    '"customer_id" INTEGER NOT NULL, "grp" VARCHAR(8) NOT NULL, '
    '"reason" VARCHAR(20) NOT NULL, "outbox_id" INTEGER, '
    'FOREIGN KEY ("mailing_id") REFERENCES "mailing" ("id"), '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"))',
    'CREATE INDEX "mailing_recipient_customer_id" ON "mailing_recipient" ("customer_id")',
    'CREATE UNIQUE INDEX "mailing_recipient_mailing_id_customer_id" '
    'ON "mailing_recipient" ("mailing_id", "customer_id")',
    'CREATE INDEX "mailing_recipient_mailing_id_grp" ON "mailing_recipient" ("mailing_id", "grp")',
]
