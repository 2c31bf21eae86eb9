"""Stock documents (issue 12.6): goods receipts from suppliers, stocktakes and write-offs, each
numbered, with one line per product, posted draft -> posted exactly once (the conditional
update of ``state`` decides; the stock movements are written in the same transaction)."""

from __future__ import annotations

NAME = "stock_documents"

STATEMENTS = [
    'CREATE TABLE "stock_document" ("id" :PK, "number" INTEGER NOT NULL, '
    '"kind" VARCHAR(10) NOT NULL, "state" VARCHAR(10) NOT NULL, "location_id" INTEGER NOT NULL, '
    '"supplier" VARCHAR(120) NOT NULL, "invoice" VARCHAR(40) NOT NULL, "group_id" INTEGER, '
    '"reason" VARCHAR(200) NOT NULL, "employee_id" INTEGER NOT NULL, '
    '"created_at" :TS NOT NULL, "updated_at" :TS NOT NULL, "posted_by_id" INTEGER, '
    '"posted_at" :TS, "total_cost" BIGINT NOT NULL, '
    'FOREIGN KEY ("location_id") REFERENCES "location" ("id"), '
    'FOREIGN KEY ("group_id") REFERENCES "product_group" ("id"), '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"), '
    'FOREIGN KEY ("posted_by_id") REFERENCES "employee" ("id"))',
    'CREATE UNIQUE INDEX "stock_document_number" ON "stock_document" ("number")',
    'CREATE INDEX "stock_document_location_id" ON "stock_document" ("location_id")',
    'CREATE INDEX "stock_document_group_id" ON "stock_document" ("group_id")',
    'CREATE INDEX "stock_document_employee_id" ON "stock_document" ("employee_id")',
    'CREATE INDEX "stock_document_posted_by_id" ON "stock_document" ("posted_by_id")',
    'CREATE INDEX "stock_document_state_id" ON "stock_document" ("state", "id")',
    'CREATE TABLE "stock_document_line" ("id" :PK, "document_id" INTEGER NOT NULL, '
    '"product_id" INTEGER NOT NULL, "qty" BIGINT NOT NULL, "unit_cost" BIGINT NOT NULL, '
    '"expected" BIGINT, "posted_qty" BIGINT, '
    'FOREIGN KEY ("document_id") REFERENCES "stock_document" ("id"), '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id"))',
    'CREATE INDEX "stock_document_line_product_id" ON "stock_document_line" ("product_id")',
    'CREATE UNIQUE INDEX "stock_document_line_document_id_product_id" '
    'ON "stock_document_line" ("document_id", "product_id")',
]
