"""Promotions: the promotion builder's rules (``promotion``: typed columns plus the canonical
JSON ``definition``), the goods each one is for (``promotion_target``), the birthday gifts
given once per person per year (``promotion_grant``: its unique index decides between two
registers) and the Nth-receipt counters (``promotion_counter``: one row per promotion, location
and day or overall, incremented in the sale's transaction). Code batches (migration 0011)
refer to ``promotion`` by its integer id.
"""

from __future__ import annotations

NAME = "promotions"

STATEMENTS = [
    'CREATE TABLE "promotion" ("id" :PK, "code" VARCHAR(40) NOT NULL, '
    '"name" VARCHAR(120) NOT NULL, "active" :BOOL NOT NULL, "starts_on" DATE, "ends_on" DATE, '
    '"priority" INTEGER NOT NULL, "stacking" VARCHAR(10) NOT NULL, '
    '"best_of" VARCHAR(40) NOT NULL, "with_card" VARCHAR(10) NOT NULL, '
    '"requires_code" :BOOL NOT NULL, "festive" :BOOL NOT NULL, "mechanic" VARCHAR(10) NOT NULL, '
    '"reward" VARCHAR(16) NOT NULL, "definition" TEXT NOT NULL, "created_at" :TS NOT NULL, '
    '"updated_at" :TS NOT NULL, '
    "CHECK (\"stacking\" IN ('exclusive', 'stacks', 'best_of')), "
    "CHECK (\"with_card\" IN ('on_top', 'replaces')), "
    'CHECK ("starts_on" IS NULL OR "ends_on" IS NULL OR "ends_on" >= "starts_on"))',
    'CREATE UNIQUE INDEX "promotion_code" ON "promotion" ("code")',
    'CREATE INDEX "promotion_active" ON "promotion" ("active")',
    'CREATE TABLE "promotion_target" ("id" :PK, "promotion_id" INTEGER NOT NULL, '
    '"role" VARCHAR(4) NOT NULL, "product_id" INTEGER, "group_id" INTEGER, '
    '"manufacturer_id" INTEGER, "exclude" :BOOL NOT NULL, '
    "CHECK (\"role\" IN ('buy', 'get')), "
    'CHECK ((CASE WHEN "product_id" IS NULL THEN 0 ELSE 1 END) '
    '+ (CASE WHEN "group_id" IS NULL THEN 0 ELSE 1 END) '
    '+ (CASE WHEN "manufacturer_id" IS NULL THEN 0 ELSE 1 END) <= 1), '
    'FOREIGN KEY ("promotion_id") REFERENCES "promotion" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id"), '
    'FOREIGN KEY ("group_id") REFERENCES "product_group" ("id"), '
    'FOREIGN KEY ("manufacturer_id") REFERENCES "manufacturer" ("id"))',
    'CREATE INDEX "promotion_target_promotion_id" ON "promotion_target" ("promotion_id")',
    'CREATE INDEX "promotion_target_product_id" ON "promotion_target" ("product_id")',
    'CREATE INDEX "promotion_target_group_id" ON "promotion_target" ("group_id")',
    'CREATE INDEX "promotion_target_manufacturer_id" ON "promotion_target" ("manufacturer_id")',
    'CREATE TABLE "promotion_grant" ("id" :PK, "promotion_id" INTEGER NOT NULL, '
    '"customer_id" INTEGER NOT NULL, "member_id" BIGINT NOT NULL, "year" INTEGER NOT NULL, '
    '"receipt_id" INTEGER, "granted_at" :TS NOT NULL, '
    'FOREIGN KEY ("promotion_id") REFERENCES "promotion" ("id"), '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), '
    'FOREIGN KEY ("receipt_id") REFERENCES "receipt" ("id"))',
    'CREATE INDEX "promotion_grant_customer_id" ON "promotion_grant" ("customer_id")',
    'CREATE INDEX "promotion_grant_receipt_id" ON "promotion_grant" ("receipt_id")',
    'CREATE UNIQUE INDEX "promotion_grant_promotion_id_customer_id_member_id_year" '
    'ON "promotion_grant" ("promotion_id", "customer_id", "member_id", "year")',
    'CREATE TABLE "promotion_counter" ("id" :PK, "promotion_id" INTEGER NOT NULL, '
    '"location_id" INTEGER NOT NULL, "period" VARCHAR(10) NOT NULL, '
    '"count" BIGINT NOT NULL CHECK ("count" >= 0), '
    'FOREIGN KEY ("promotion_id") REFERENCES "promotion" ("id"), '
    'FOREIGN KEY ("location_id") REFERENCES "location" ("id"))',
    'CREATE INDEX "promotion_counter_location_id" ON "promotion_counter" ("location_id")',
    'CREATE UNIQUE INDEX "promotion_counter_promotion_id_location_id_period" '
    'ON "promotion_counter" ("promotion_id", "location_id", "period")',
]
