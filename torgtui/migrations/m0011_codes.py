"""Promo codes, coupons and control barcodes: code batches (each activates one promotion, from
one acquisition channel) with their locations, the codes, one row per use with its receipt,
and each customer's uses of a batch (the per-customer limit).

A single-use code is used once even by two registers at the same moment: the sale takes a use
with a conditional UPDATE of ``promo_code.used`` (row count decides), and the database itself
refuses two uses in force on one slot of a code, or one receipt using a code twice.
"""

from __future__ import annotations

NAME = "codes"

STATEMENTS = [
    'CREATE TABLE "code_batch" ("id" :PK, "code" VARCHAR(40) NOT NULL, '
    '"name" VARCHAR(120) NOT NULL, "promotion_id" INTEGER NOT NULL, '
    '"channel" VARCHAR(60) NOT NULL, "style" VARCHAR(10) NOT NULL, '
    '"prefix" VARCHAR(12) NOT NULL, "length" INTEGER NOT NULL, '
    '"uses_per_code" INTEGER NOT NULL, "per_customer" INTEGER NOT NULL, '
    '"personal" :BOOL NOT NULL, "valid_from" DATE, "valid_until" DATE, '
    '"blocked" :BOOL NOT NULL, "note" VARCHAR(200) NOT NULL, "created_at" :TS NOT NULL, '
    '"updated_at" :TS NOT NULL, "created_by_id" INTEGER, '
    "CHECK (\"style\" IN ('random', 'ean13', 'given')), "
    'CHECK ("uses_per_code" >= 1), CHECK ("per_customer" >= 0), CHECK ("length" >= 0), '
    'CHECK ("valid_until" IS NULL OR "valid_from" IS NULL OR "valid_from" <= "valid_until"), '
    'FOREIGN KEY ("promotion_id") REFERENCES "promotion" ("id"), '
    'FOREIGN KEY ("created_by_id") REFERENCES "employee" ("id"))',
    'CREATE UNIQUE INDEX "code_batch_code" ON "code_batch" ("code")',
    'CREATE INDEX "code_batch_promotion_id" ON "code_batch" ("promotion_id")',
    'CREATE INDEX "code_batch_created_by_id" ON "code_batch" ("created_by_id")',
    'CREATE INDEX "code_batch_channel_id" ON "code_batch" ("channel", "id")',
    'CREATE TABLE "code_batch_location" ("batch_id" INTEGER NOT NULL, '
    '"location_id" INTEGER NOT NULL, PRIMARY KEY ("batch_id", "location_id"), '
    'FOREIGN KEY ("batch_id") REFERENCES "code_batch" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("location_id") REFERENCES "location" ("id"))',
    'CREATE INDEX "code_batch_location_location_id" ON "code_batch_location" ("location_id")',
    'CREATE TABLE "promo_code" ("id" :PK, "batch_id" INTEGER NOT NULL, '
    '"code" VARCHAR(40) NOT NULL, "customer_id" INTEGER, "used" INTEGER NOT NULL, '
    '"blocked" :BOOL NOT NULL, "created_at" :TS NOT NULL, CHECK ("used" >= 0), '
    'FOREIGN KEY ("batch_id") REFERENCES "code_batch" ("id"), '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"))',
    'CREATE UNIQUE INDEX "promo_code_code" ON "promo_code" ("code")',
    'CREATE INDEX "promo_code_customer_id" ON "promo_code" ("customer_id")',
    'CREATE INDEX "promo_code_batch_id_id" ON "promo_code" ("batch_id", "id")',
    'CREATE TABLE "promo_code_use" ("id" :PK, "code_id" INTEGER NOT NULL, '
    '"batch_id" INTEGER NOT NULL, "receipt_id" INTEGER NOT NULL, "customer_id" INTEGER, '
    '"slot" INTEGER, "used_at" :TS NOT NULL, "returned_at" :TS, "return_receipt_id" INTEGER, '
    'CHECK ("slot" IS NULL OR "slot" >= 1), '
    'CHECK (("slot" IS NULL) = ("returned_at" IS NOT NULL)), '
    'FOREIGN KEY ("code_id") REFERENCES "promo_code" ("id"), '
    'FOREIGN KEY ("batch_id") REFERENCES "code_batch" ("id"), '
    'FOREIGN KEY ("receipt_id") REFERENCES "receipt" ("id"), '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), '
    'FOREIGN KEY ("return_receipt_id") REFERENCES "receipt" ("id"))',
    'CREATE INDEX "promo_code_use_receipt_id" ON "promo_code_use" ("receipt_id")',
    'CREATE INDEX "promo_code_use_customer_id" ON "promo_code_use" ("customer_id")',
    'CREATE INDEX "promo_code_use_return_receipt_id" ON "promo_code_use" ("return_receipt_id")',
    'CREATE UNIQUE INDEX "promo_code_use_code_id_slot" ON "promo_code_use" ("code_id", "slot")',
    'CREATE UNIQUE INDEX "promo_code_use_code_id_receipt_id" '
    'ON "promo_code_use" ("code_id", "receipt_id")',
    'CREATE INDEX "promo_code_use_batch_id_used_at" ON "promo_code_use" ("batch_id", "used_at")',
    'CREATE TABLE "promo_customer_use" ("batch_id" INTEGER NOT NULL, '
    '"customer_id" INTEGER NOT NULL, "used" INTEGER NOT NULL, CHECK ("used" >= 0), '
    'PRIMARY KEY ("batch_id", "customer_id"), '
    'FOREIGN KEY ("batch_id") REFERENCES "code_batch" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"))',
    'CREATE INDEX "promo_customer_use_customer_id" ON "promo_customer_use" ("customer_id")',
]
