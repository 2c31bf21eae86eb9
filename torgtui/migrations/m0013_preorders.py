"""Pre-orders: the order (customer, location, status, the agreed total, who agreed its special
prices, the receipt that finished it), its lines at the agreed prices, and hard reserves of
goods held for it. The prepayment is the pre-order's account on the ledger (schema 7)."""

from __future__ import annotations

NAME = "preorders"

STATEMENTS = [
    'CREATE TABLE "preorder" ("id" :PK, "number" INTEGER NOT NULL, '
    '"uuid" VARCHAR(36) NOT NULL, "customer_id" INTEGER NOT NULL, '
    '"location_id" INTEGER NOT NULL, "status" VARCHAR(10) NOT NULL, "total" BIGINT NOT NULL, '
    '"price_approval_id" INTEGER, "receipt_id" INTEGER, "note" VARCHAR(200) NOT NULL, '
    '"employee_id" INTEGER NOT NULL, "created_at" :TS NOT NULL, "updated_at" :TS NOT NULL, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), '
    'FOREIGN KEY ("location_id") REFERENCES "location" ("id"), '
    'FOREIGN KEY ("price_approval_id") REFERENCES "approval" ("id"), '
    'FOREIGN KEY ("receipt_id") REFERENCES "receipt" ("id"), '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE UNIQUE INDEX "preorder_number" ON "preorder" ("number")',
    'CREATE UNIQUE INDEX "preorder_uuid" ON "preorder" ("uuid")',
    'CREATE INDEX "preorder_customer_id" ON "preorder" ("customer_id")',
    'CREATE INDEX "preorder_location_id" ON "preorder" ("location_id")',
    'CREATE INDEX "preorder_price_approval_id" ON "preorder" ("price_approval_id")',
    'CREATE INDEX "preorder_receipt_id" ON "preorder" ("receipt_id")',
    'CREATE INDEX "preorder_employee_id" ON "preorder" ("employee_id")',
    'CREATE INDEX "preorder_status_id" ON "preorder" ("status", "id")',
    'CREATE TABLE "preorder_line" ("id" :PK, "preorder_id" INTEGER NOT NULL, '
    '"position" INTEGER NOT NULL, "product_id" INTEGER NOT NULL, "qty" BIGINT NOT NULL, '
    '"unit_price" BIGINT NOT NULL, "list_price" BIGINT NOT NULL, '
    'FOREIGN KEY ("preorder_id") REFERENCES "preorder" ("id"), '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id"))',
    'CREATE INDEX "preorder_line_product_id" ON "preorder_line" ("product_id")',
    'CREATE UNIQUE INDEX "preorder_line_preorder_id_position" '
    'ON "preorder_line" ("preorder_id", "position")',
    'CREATE TABLE "preorder_reserve" ("id" :PK, "preorder_id" INTEGER NOT NULL, '
    '"line_id" INTEGER NOT NULL, "product_id" INTEGER NOT NULL, "location_id" INTEGER NOT NULL, '
    '"qty" BIGINT NOT NULL, "status" VARCHAR(10) NOT NULL, "employee_id" INTEGER, '
    '"created_at" :TS NOT NULL, "closed_at" :TS, '
    'FOREIGN KEY ("preorder_id") REFERENCES "preorder" ("id"), '
    'FOREIGN KEY ("line_id") REFERENCES "preorder_line" ("id"), '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id"), '
    'FOREIGN KEY ("location_id") REFERENCES "location" ("id"), '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "preorder_reserve_preorder_id" ON "preorder_reserve" ("preorder_id")',
    'CREATE INDEX "preorder_reserve_line_id" ON "preorder_reserve" ("line_id")',
    'CREATE INDEX "preorder_reserve_employee_id" ON "preorder_reserve" ("employee_id")',
    'CREATE INDEX "preorder_reserve_product_id" ON "preorder_reserve" ("product_id")',
    'CREATE INDEX "preorder_reserve_location_id_status_product_id" '
    'ON "preorder_reserve" ("location_id", "status", "product_id")',
]
