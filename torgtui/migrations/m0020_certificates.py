"""Gift certificates: types (mode money | product | discount, the catalog product each is sold
as, face value, partial use, the deferred discount, an EAN-13 numbering of the shop's own,
validity, print template), batches issued at once, one row per life of a barcode (a reissue
is a new generation), and their uses by receipts. A certificate's value is its account on
the one ledger (schema 7), never a column here."""

from __future__ import annotations

NAME = "certificates"

STATEMENTS = [
    'CREATE TABLE "certificate_type" ("id" :PK, "code" VARCHAR(40) NOT NULL, '
    '"name" VARCHAR(120) NOT NULL, "mode" VARCHAR(10) NOT NULL, "product_id" INTEGER, '
    '"face_value" BIGINT NOT NULL, "partial" :BOOL NOT NULL, "discount_percent" NUMERIC(5, 2), '
    '"discount_amount" BIGINT NOT NULL, "min_total" BIGINT NOT NULL, '
    '"prefix" VARCHAR(12) NOT NULL, "range_from" BIGINT NOT NULL, "range_to" BIGINT NOT NULL, '
    '"next_number" BIGINT NOT NULL, "valid_days" INTEGER NOT NULL, "valid_until" DATE, '
    '"template" VARCHAR(60) NOT NULL, "active" :BOOL NOT NULL, "note" VARCHAR(200) NOT NULL, '
    '"created_at" :TS NOT NULL, "updated_at" :TS NOT NULL, "created_by_id" INTEGER, '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id"), '
    'FOREIGN KEY ("created_by_id") REFERENCES "employee" ("id"))',
    'CREATE UNIQUE INDEX "certificate_type_code" ON "certificate_type" ("code")',
    'CREATE INDEX "certificate_type_product_id" ON "certificate_type" ("product_id")',
    'CREATE INDEX "certificate_type_created_by_id" ON "certificate_type" ("created_by_id")',
    'CREATE TABLE "certificate_batch" ("id" :PK, "type_id" INTEGER NOT NULL, '
    '"count" INTEGER NOT NULL, "first_barcode" VARCHAR(40) NOT NULL, '
    '"last_barcode" VARCHAR(40) NOT NULL, "note" VARCHAR(200) NOT NULL, '
    '"issued_at" :TS NOT NULL, "issued_by_id" INTEGER, '
    'FOREIGN KEY ("type_id") REFERENCES "certificate_type" ("id"), '
    'FOREIGN KEY ("issued_by_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "certificate_batch_type_id" ON "certificate_batch" ("type_id")',
    'CREATE INDEX "certificate_batch_issued_by_id" ON "certificate_batch" ("issued_by_id")',
    'CREATE TABLE "certificate" ("id" :PK, "type_id" INTEGER NOT NULL, "batch_id" INTEGER, '
    '"barcode" VARCHAR(40) NOT NULL, "generation" INTEGER NOT NULL, "previous_id" INTEGER, '
    '"status" VARCHAR(10) NOT NULL, "value" BIGINT NOT NULL, "customer_id" INTEGER, '
    '"issued_at" :TS NOT NULL, "issued_by_id" INTEGER, "sold_at" :TS, '
    '"sale_receipt_id" INTEGER, "expires_at" :TS, "used_at" :TS, "blocked_at" :TS, '
    '"blocked_by_id" INTEGER, "block_reason" VARCHAR(200) NOT NULL, '
    '"status_before_block" VARCHAR(10) NOT NULL, '
    'FOREIGN KEY ("type_id") REFERENCES "certificate_type" ("id"), '
    'FOREIGN KEY ("batch_id") REFERENCES "certificate_batch" ("id"), '
    'FOREIGN KEY ("previous_id") REFERENCES "certificate" ("id"), '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), '
    'FOREIGN KEY ("issued_by_id") REFERENCES "employee" ("id"), '
    'FOREIGN KEY ("sale_receipt_id") REFERENCES "receipt" ("id"), '
    'FOREIGN KEY ("blocked_by_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "certificate_batch_id" ON "certificate" ("batch_id")',
    'CREATE INDEX "certificate_previous_id" ON "certificate" ("previous_id")',
    'CREATE INDEX "certificate_customer_id" ON "certificate" ("customer_id")',
    'CREATE INDEX "certificate_issued_by_id" ON "certificate" ("issued_by_id")',
    'CREATE INDEX "certificate_sale_receipt_id" ON "certificate" ("sale_receipt_id")',
    'CREATE INDEX "certificate_blocked_by_id" ON "certificate" ("blocked_by_id")',
    'CREATE UNIQUE INDEX "certificate_barcode_generation" '
    'ON "certificate" ("barcode", "generation")',
    'CREATE INDEX "certificate_type_id_status" ON "certificate" ("type_id", "status")',
    'CREATE TABLE "certificate_use" ("id" :PK, "certificate_id" INTEGER NOT NULL, '
    '"receipt_id" INTEGER NOT NULL, "kind" VARCHAR(10) NOT NULL, "amount" BIGINT NOT NULL, '
    '"slot" INTEGER, "ledger_entry_id" BIGINT, "at" :TS NOT NULL, "employee_id" INTEGER, '
    'FOREIGN KEY ("certificate_id") REFERENCES "certificate" ("id"), '
    'FOREIGN KEY ("receipt_id") REFERENCES "receipt" ("id"), '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "certificate_use_receipt_id" ON "certificate_use" ("receipt_id")',
    'CREATE INDEX "certificate_use_at" ON "certificate_use" ("at")',
    'CREATE INDEX "certificate_use_employee_id" ON "certificate_use" ("employee_id")',
    'CREATE UNIQUE INDEX "certificate_use_certificate_id_slot" '
    'ON "certificate_use" ("certificate_id", "slot")',
    'CREATE INDEX "certificate_use_certificate_id_at" '
    'ON "certificate_use" ("certificate_id", "at")',
]
