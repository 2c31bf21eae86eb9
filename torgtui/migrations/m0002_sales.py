"""Customers (the base card), shifts, receipts, lines, adjustments, payments; stock movements
learn which receipt line moved them."""

NAME = "sales"

STATEMENTS = [
    'CREATE TABLE "customer" ("id" :PK, "name" VARCHAR(200) NOT NULL, "phone" VARCHAR(20), '
    '"card" VARCHAR(40), "email" VARCHAR(200) NOT NULL, "birth_date" DATE, '
    '"gender" VARCHAR(1) NOT NULL, "note" TEXT NOT NULL, "created_at" :TS NOT NULL)',
    'CREATE UNIQUE INDEX "customer_phone" ON "customer" ("phone")',
    'CREATE UNIQUE INDEX "customer_card" ON "customer" ("card")',
    'CREATE TABLE "shift" ("id" :PK, "location_id" INTEGER NOT NULL, '
    '"register" VARCHAR(40) NOT NULL, "employee_id" INTEGER NOT NULL, '
    '"opened_at" :TS NOT NULL, "closed_at" :TS, "opening_float" BIGINT NOT NULL, '
    '"status" VARCHAR(10) NOT NULL, '
    'FOREIGN KEY ("location_id") REFERENCES "location" ("id"), '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "shift_location_id" ON "shift" ("location_id")',
    'CREATE INDEX "shift_employee_id" ON "shift" ("employee_id")',
    'CREATE TABLE "receipt" ("id" :PK, "uuid" VARCHAR(36) NOT NULL, "number" INTEGER NOT NULL, '
    '"kind" VARCHAR(10) NOT NULL, "status" VARCHAR(10) NOT NULL, '
    '"location_id" INTEGER NOT NULL, "shift_id" INTEGER, "employee_id" INTEGER NOT NULL, '
    '"customer_id" INTEGER, "original_id" INTEGER, "created_at" :TS NOT NULL, '
    '"closed_at" :TS, "subtotal" BIGINT NOT NULL, "discount" BIGINT NOT NULL, '
    '"total" BIGINT NOT NULL, '
    'FOREIGN KEY ("location_id") REFERENCES "location" ("id"), '
    'FOREIGN KEY ("shift_id") REFERENCES "shift" ("id"), '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"), '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), '
    'FOREIGN KEY ("original_id") REFERENCES "receipt" ("id"))',
    'CREATE UNIQUE INDEX "receipt_uuid" ON "receipt" ("uuid")',
    'CREATE INDEX "receipt_location_id" ON "receipt" ("location_id")',
    'CREATE INDEX "receipt_shift_id" ON "receipt" ("shift_id")',
    'CREATE INDEX "receipt_employee_id" ON "receipt" ("employee_id")',
    'CREATE INDEX "receipt_customer_id" ON "receipt" ("customer_id")',
    'CREATE INDEX "receipt_original_id" ON "receipt" ("original_id")',
    'CREATE INDEX "receipt_created_at" ON "receipt" ("created_at")',
    'CREATE UNIQUE INDEX "receipt_location_id_number" ON "receipt" ("location_id", "number")',
    'CREATE TABLE "receipt_line" ("id" :PK, "receipt_id" INTEGER NOT NULL, '
    '"position" INTEGER NOT NULL, "product_id" INTEGER NOT NULL, '
    '"barcode" VARCHAR(40) NOT NULL, "name" VARCHAR(200) NOT NULL, "qty" BIGINT NOT NULL, '
    '"unit_price" BIGINT NOT NULL, "unit_cost" BIGINT NOT NULL, "subtotal" BIGINT NOT NULL, '
    '"discount" BIGINT NOT NULL, "total" BIGINT NOT NULL, "original_line_id" INTEGER, '
    'FOREIGN KEY ("receipt_id") REFERENCES "receipt" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id"), '
    'FOREIGN KEY ("original_line_id") REFERENCES "receipt_line" ("id"))',
    'CREATE INDEX "receipt_line_receipt_id" ON "receipt_line" ("receipt_id")',
    'CREATE INDEX "receipt_line_product_id" ON "receipt_line" ("product_id")',
    'CREATE INDEX "receipt_line_original_line_id" ON "receipt_line" ("original_line_id")',
    'CREATE TABLE "line_adjustment" ("id" :PK, "line_id" INTEGER NOT NULL, '
    '"step" VARCHAR(40) NOT NULL, "rule" VARCHAR(60) NOT NULL, "reason" VARCHAR(200) NOT NULL, '
    '"amount" BIGINT NOT NULL, "employee_id" INTEGER, '
    'FOREIGN KEY ("line_id") REFERENCES "receipt_line" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "line_adjustment_line_id" ON "line_adjustment" ("line_id")',
    'CREATE INDEX "line_adjustment_employee_id" ON "line_adjustment" ("employee_id")',
    'CREATE TABLE "payment" ("id" :PK, "receipt_id" INTEGER NOT NULL, '
    '"tender" VARCHAR(20) NOT NULL, "amount" BIGINT NOT NULL, "tendered" BIGINT NOT NULL, '
    'FOREIGN KEY ("receipt_id") REFERENCES "receipt" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "payment_receipt_id" ON "payment" ("receipt_id")',
    'ALTER TABLE "stock_movement" ADD COLUMN "receipt_line_id" BIGINT',
    'CREATE INDEX "stock_movement_receipt_line_id" ON "stock_movement" ("receipt_line_id")',
]
