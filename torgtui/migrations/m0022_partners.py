"""Partners (issue 12): referrers and intermediaries, their employees and rates, which partner
brought each customer, receipts credited to a partner with their commission by line, and promo
code batches that are a partner's. Balances live on the one ledger (kinds partner and
intermediary), so nothing here holds money owed."""

from __future__ import annotations

NAME = "partners"

STATEMENTS = [
    'CREATE TABLE "partner" ("id" :PK, "code" VARCHAR(40) NOT NULL, "kind" VARCHAR(12) NOT NULL, '
    '"name" VARCHAR(200) NOT NULL, "phone" VARCHAR(20) NOT NULL, "note" VARCHAR(200) NOT NULL, '
    '"active" :BOOL NOT NULL, "customer_id" INTEGER, "created_at" :TS NOT NULL, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"))',
    'CREATE UNIQUE INDEX "partner_code" ON "partner" ("code")',
    'CREATE INDEX "partner_customer_id" ON "partner" ("customer_id")',
    'CREATE INDEX "partner_kind_name" ON "partner" ("kind", "name")',
    'CREATE TABLE "partner_employee" ("id" :PK, "partner_id" INTEGER NOT NULL, '
    '"name" VARCHAR(200) NOT NULL, "phone" VARCHAR(20) NOT NULL, "active" :BOOL NOT NULL, '
    '"created_at" :TS NOT NULL, FOREIGN KEY ("partner_id") REFERENCES "partner" ("id"))',
    'CREATE INDEX "partner_employee_partner_id" ON "partner_employee" ("partner_id")',
    'CREATE TABLE "partner_rate" ("id" :PK, "partner_id" INTEGER NOT NULL, '
    '"kind" VARCHAR(12) NOT NULL, "group_id" INTEGER, "percent_bp" INTEGER NOT NULL, '
    'FOREIGN KEY ("partner_id") REFERENCES "partner" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("group_id") REFERENCES "product_group" ("id"))',
    'CREATE INDEX "partner_rate_partner_id" ON "partner_rate" ("partner_id")',
    'CREATE INDEX "partner_rate_group_id" ON "partner_rate" ("group_id")',
    'CREATE UNIQUE INDEX "partner_rate_partner_id_kind_group_id" '
    'ON "partner_rate" ("partner_id", "kind", "group_id")',
    'CREATE TABLE "customer_partner" ("id" :PK, "customer_id" INTEGER NOT NULL, '
    '"partner_id" INTEGER NOT NULL, "partner_employee_id" INTEGER, '
    '"source" VARCHAR(10) NOT NULL, "linked_at" :TS NOT NULL, "linked_by_id" INTEGER, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), '
    'FOREIGN KEY ("partner_id") REFERENCES "partner" ("id"), '
    'FOREIGN KEY ("partner_employee_id") REFERENCES "partner_employee" ("id"), '
    'FOREIGN KEY ("linked_by_id") REFERENCES "employee" ("id"))',
    'CREATE UNIQUE INDEX "customer_partner_customer_id" ON "customer_partner" ("customer_id")',
    'CREATE INDEX "customer_partner_partner_id" ON "customer_partner" ("partner_id")',
    'CREATE INDEX "customer_partner_partner_employee_id" '
    'ON "customer_partner" ("partner_employee_id")',
    'CREATE INDEX "customer_partner_linked_by_id" ON "customer_partner" ("linked_by_id")',
    'CREATE TABLE "partner_sale" ("id" :PK, "receipt_id" INTEGER NOT NULL, '
    '"partner_id" INTEGER NOT NULL, "partner_employee_id" INTEGER, "role" VARCHAR(12) NOT NULL, '
    '"customer_id" INTEGER, "total" BIGINT NOT NULL, "commission" BIGINT NOT NULL, '
    '"created_at" :TS NOT NULL, '
    'FOREIGN KEY ("receipt_id") REFERENCES "receipt" ("id"), '
    'FOREIGN KEY ("partner_id") REFERENCES "partner" ("id"), '
    'FOREIGN KEY ("partner_employee_id") REFERENCES "partner_employee" ("id"), '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"))',
    'CREATE INDEX "partner_sale_receipt_id" ON "partner_sale" ("receipt_id")',
    'CREATE INDEX "partner_sale_partner_id" ON "partner_sale" ("partner_id")',
    'CREATE INDEX "partner_sale_partner_employee_id" ON "partner_sale" ("partner_employee_id")',
    'CREATE INDEX "partner_sale_customer_id" ON "partner_sale" ("customer_id")',
    'CREATE UNIQUE INDEX "partner_sale_receipt_id_role" ON "partner_sale" ("receipt_id", "role")',
    'CREATE INDEX "partner_sale_partner_id_created_at" '
    'ON "partner_sale" ("partner_id", "created_at")',
    'CREATE TABLE "partner_sale_line" ("id" :PK, "sale_id" INTEGER NOT NULL, '
    '"line_id" INTEGER NOT NULL, "percent_bp" INTEGER NOT NULL, "commission" BIGINT NOT NULL, '
    'FOREIGN KEY ("sale_id") REFERENCES "partner_sale" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("line_id") REFERENCES "receipt_line" ("id"))',
    'CREATE INDEX "partner_sale_line_sale_id" ON "partner_sale_line" ("sale_id")',
    'CREATE INDEX "partner_sale_line_line_id" ON "partner_sale_line" ("line_id")',
    'CREATE TABLE "partner_code_batch" ("id" :PK, "batch_id" INTEGER NOT NULL, '
    '"partner_id" INTEGER NOT NULL, "partner_employee_id" INTEGER, '
    'FOREIGN KEY ("batch_id") REFERENCES "code_batch" ("id"), '
    'FOREIGN KEY ("partner_id") REFERENCES "partner" ("id"), '
    'FOREIGN KEY ("partner_employee_id") REFERENCES "partner_employee" ("id"))',
    'CREATE UNIQUE INDEX "partner_code_batch_batch_id" ON "partner_code_batch" ("batch_id")',
    'CREATE INDEX "partner_code_batch_partner_id" ON "partner_code_batch" ("partner_id")',
    'CREATE INDEX "partner_code_batch_partner_employee_id" '
    'ON "partner_code_batch" ("partner_employee_id")',
]
