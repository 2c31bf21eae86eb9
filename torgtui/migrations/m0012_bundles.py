"""Bundles (sets): a set's price, validity and its article (a product sold as the whole set,
maybe disassembled into its parts in stock), and its parts with their quantities."""

from __future__ import annotations

NAME = "bundles"

STATEMENTS = [
    'CREATE TABLE "bundle" ("id" :PK, "code" VARCHAR(40) NOT NULL, '
    '"name" VARCHAR(120) NOT NULL, "price" BIGINT NOT NULL, "active" :BOOL NOT NULL, '
    '"valid_from" DATE, "valid_to" DATE, "product_id" INTEGER, '
    '"disassemble" :BOOL NOT NULL, "price_confirmed" :BOOL NOT NULL, '
    'CHECK ("price" > 0), '
    'CHECK ("valid_from" IS NULL OR "valid_to" IS NULL OR "valid_from" <= "valid_to"), '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id"))',
    'CREATE UNIQUE INDEX "bundle_code" ON "bundle" ("code")',
    'CREATE UNIQUE INDEX "bundle_product_id" ON "bundle" ("product_id")',
    'CREATE TABLE "bundle_part" ("bundle_id" INTEGER NOT NULL, "product_id" INTEGER NOT NULL, '
    '"qty" BIGINT NOT NULL CHECK ("qty" > 0), '
    'PRIMARY KEY ("bundle_id", "product_id"), '
    'FOREIGN KEY ("bundle_id") REFERENCES "bundle" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id"))',
    'CREATE INDEX "bundle_part_product_id" ON "bundle_part" ("product_id")',
]
