"""Price policy: price types (``retail`` made here: the catalog's own price), a price per
product per type, quantity breaks, a customer's discounts per manufacturer, price lists for
partners; the price type of a location and of a customer's card.

Frozen: the retail row is written by the data step below, not by live domain code.
"""

from __future__ import annotations

import peewee

NAME = "prices"

STATEMENTS = [
    'CREATE TABLE "price_type" ("id" :PK, "code" VARCHAR(40) NOT NULL, '
    '"name" VARCHAR(120) NOT NULL)',
    'CREATE UNIQUE INDEX "price_type_code" ON "price_type" ("code")',
    'CREATE TABLE "product_price" ("price_type_id" INTEGER NOT NULL, '
    '"product_id" INTEGER NOT NULL, "price" BIGINT NOT NULL CHECK ("price" >= 0), '
    'PRIMARY KEY ("price_type_id", "product_id"), '
    'FOREIGN KEY ("price_type_id") REFERENCES "price_type" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "product_price_product_id" ON "product_price" ("product_id")',
    'CREATE TABLE "qty_break" ("id" :PK, "code" VARCHAR(40) NOT NULL, "product_id" INTEGER, '
    '"group_id" INTEGER, "price_type_id" INTEGER, "min_qty" BIGINT NOT NULL, "price" BIGINT, '
    '"percent_bp" INTEGER, "active" :BOOL NOT NULL, '
    'CHECK ("min_qty" > 0), CHECK ("price" IS NULL OR "price" >= 0), '
    'CHECK ("percent_bp" IS NULL OR "percent_bp" BETWEEN 1 AND 10000), '
    'CHECK (("product_id" IS NULL) <> ("group_id" IS NULL)), '
    'CHECK (("price" IS NULL) <> ("percent_bp" IS NULL)), '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id"), '
    'FOREIGN KEY ("group_id") REFERENCES "product_group" ("id"), '
    'FOREIGN KEY ("price_type_id") REFERENCES "price_type" ("id"))',
    'CREATE UNIQUE INDEX "qty_break_code" ON "qty_break" ("code")',
    'CREATE INDEX "qty_break_product_id" ON "qty_break" ("product_id")',
    'CREATE INDEX "qty_break_group_id" ON "qty_break" ("group_id")',
    'CREATE INDEX "qty_break_price_type_id" ON "qty_break" ("price_type_id")',
    'CREATE TABLE "manufacturer_discount" ("id" :PK, "customer_id" INTEGER NOT NULL, '
    '"manufacturer_id" INTEGER NOT NULL, "percent_bp" INTEGER NOT NULL '
    'CHECK ("percent_bp" BETWEEN 1 AND 10000), '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("manufacturer_id") REFERENCES "manufacturer" ("id"))',
    'CREATE INDEX "manufacturer_discount_manufacturer_id" '
    'ON "manufacturer_discount" ("manufacturer_id")',
    'CREATE UNIQUE INDEX "manufacturer_discount_customer_id_manufacturer_id" '
    'ON "manufacturer_discount" ("customer_id", "manufacturer_id")',
    'CREATE TABLE "price_list" ("id" :PK, "code" VARCHAR(40) NOT NULL, '
    '"name" VARCHAR(120) NOT NULL, "price_type_id" INTEGER, "location_id" INTEGER, '
    '"currency" VARCHAR(3) NOT NULL, "rate" VARCHAR(24) NOT NULL, '
    '"rounding" VARCHAR(24) NOT NULL, '
    'FOREIGN KEY ("price_type_id") REFERENCES "price_type" ("id"), '
    'FOREIGN KEY ("location_id") REFERENCES "location" ("id"))',
    'CREATE UNIQUE INDEX "price_list_code" ON "price_list" ("code")',
    'CREATE INDEX "price_list_price_type_id" ON "price_list" ("price_type_id")',
    'CREATE INDEX "price_list_location_id" ON "price_list" ("location_id")',
    # the price type sold at a location, and the one on a wholesale or VIP customer's card
    'ALTER TABLE "location" ADD COLUMN "price_type_id" INTEGER REFERENCES "price_type" ("id")',
    'CREATE INDEX "location_price_type_id" ON "location" ("price_type_id")',
    'ALTER TABLE "customer" ADD COLUMN "price_type_id" INTEGER REFERENCES "price_type" ("id")',
    'CREATE INDEX "customer_price_type_id" ON "customer" ("price_type_id")',
]


def run(db: peewee.Database) -> None:
    """Retail is always there: the catalog's price, named so breaks and lists can use it."""
    mark = "?" if isinstance(db, peewee.SqliteDatabase) else "%s"
    db.execute_sql(
        f'INSERT INTO "price_type" ("code", "name") VALUES ({mark}, {mark})', ("retail", "Retail")
    )
