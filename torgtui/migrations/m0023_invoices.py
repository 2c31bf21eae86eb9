"""Sales invoices ("Trade with invoice issuance"): the invoice of a sale (its receipt, its
number in the year, the intermediary, payment now or later, the delivery address as shipped,
the Nova Poshta waybill) and the counter of numbers per year."""

from __future__ import annotations

NAME = "invoices"

STATEMENTS = [
    'CREATE TABLE "invoice" ("id" :PK, "year" INTEGER NOT NULL, "number" INTEGER NOT NULL, '
    '"uuid" VARCHAR(36) NOT NULL, "receipt_id" INTEGER NOT NULL, '
    '"customer_id" INTEGER NOT NULL, "partner_id" INTEGER, "location_id" INTEGER NOT NULL, '
    '"payment" VARCHAR(10) NOT NULL, "fiscal" :BOOL NOT NULL, "total" BIGINT NOT NULL, '
    '"due_at" :TS, "note" VARCHAR(200) NOT NULL, "address_id" INTEGER, '
    '"carrier" VARCHAR(12) NOT NULL, "city" VARCHAR(120) NOT NULL, '
    '"branch" VARCHAR(200) NOT NULL, "street" VARCHAR(250) NOT NULL, '
    '"recipient" VARCHAR(200) NOT NULL, "phone" VARCHAR(20) NOT NULL, '
    '"waybill" VARCHAR(20) NOT NULL, "waybill_ref" VARCHAR(36) NOT NULL, '
    '"waybill_cost" BIGINT NOT NULL, "waybill_state" VARCHAR(10) NOT NULL, '
    '"waybill_at" :TS, "employee_id" INTEGER NOT NULL, "created_at" :TS NOT NULL, '
    'FOREIGN KEY ("receipt_id") REFERENCES "receipt" ("id"), '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), '
    'FOREIGN KEY ("partner_id") REFERENCES "partner" ("id"), '
    'FOREIGN KEY ("location_id") REFERENCES "location" ("id"), '
    'FOREIGN KEY ("address_id") REFERENCES "delivery_address" ("id") ON DELETE SET NULL, '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE UNIQUE INDEX "invoice_uuid" ON "invoice" ("uuid")',
    'CREATE UNIQUE INDEX "invoice_receipt_id" ON "invoice" ("receipt_id")',
    'CREATE INDEX "invoice_customer_id" ON "invoice" ("customer_id")',
    'CREATE INDEX "invoice_partner_id" ON "invoice" ("partner_id")',
    'CREATE INDEX "invoice_location_id" ON "invoice" ("location_id")',
    'CREATE INDEX "invoice_address_id" ON "invoice" ("address_id")',
    'CREATE INDEX "invoice_employee_id" ON "invoice" ("employee_id")',
    'CREATE UNIQUE INDEX "invoice_year_number" ON "invoice" ("year", "number")',
    'CREATE INDEX "invoice_customer_id_id" ON "invoice" ("customer_id", "id")',
    'CREATE TABLE "invoice_counter" ("year" INTEGER NOT NULL PRIMARY KEY, '
    '"last_number" INTEGER NOT NULL)',
]
