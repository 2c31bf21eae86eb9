"""Refer a Friend (issue 12): a campaign on the referrer's card with its terms, and its
individual codes, each used once by a new customer's first purchase (the friend and the receipt
unique). The referrer's bonuses are entries on the one ledger (the customer's bonus account),
so nothing here holds a balance."""

from __future__ import annotations

NAME = "referral"

STATEMENTS = [
    'CREATE TABLE "referral_campaign" ("id" :PK, "customer_id" INTEGER NOT NULL, '
    '"issued_on" DATE NOT NULL, "valid_days" INTEGER NOT NULL, "friend_bp" INTEGER NOT NULL, '
    '"bonus_rule" VARCHAR(12) NOT NULL, "bonus_amount" BIGINT NOT NULL, '
    '"bonus_bp" INTEGER NOT NULL, "bonus_max" BIGINT NOT NULL, "min_purchase" BIGINT NOT NULL, '
    '"group_id" INTEGER, "blocked" :BOOL NOT NULL, "note" VARCHAR(200) NOT NULL, '
    '"created_at" :TS NOT NULL, "created_by_id" INTEGER, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id"), '
    'FOREIGN KEY ("group_id") REFERENCES "product_group" ("id"), '
    'FOREIGN KEY ("created_by_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "referral_campaign_customer_id" ON "referral_campaign" ("customer_id")',
    'CREATE INDEX "referral_campaign_group_id" ON "referral_campaign" ("group_id")',
    'CREATE INDEX "referral_campaign_created_by_id" ON "referral_campaign" ("created_by_id")',
    'CREATE TABLE "referral_code" ("id" :PK, "campaign_id" INTEGER NOT NULL, '
    '"referrer_id" INTEGER NOT NULL, "code" VARCHAR(20) NOT NULL, "created_at" :TS NOT NULL, '
    '"used_at" :TS, "friend_id" INTEGER, "receipt_id" INTEGER, "purchase" BIGINT NOT NULL, '
    '"bonus" BIGINT NOT NULL, '
    'FOREIGN KEY ("campaign_id") REFERENCES "referral_campaign" ("id"), '
    'FOREIGN KEY ("referrer_id") REFERENCES "customer" ("id"), '
    'FOREIGN KEY ("friend_id") REFERENCES "customer" ("id"), '
    'FOREIGN KEY ("receipt_id") REFERENCES "receipt" ("id"))',
    'CREATE INDEX "referral_code_referrer_id" ON "referral_code" ("referrer_id")',
    'CREATE UNIQUE INDEX "referral_code_code" ON "referral_code" ("code")',
    'CREATE UNIQUE INDEX "referral_code_friend_id" ON "referral_code" ("friend_id")',
    'CREATE UNIQUE INDEX "referral_code_receipt_id" ON "referral_code" ("receipt_id")',
    'CREATE INDEX "referral_code_campaign_id_id" ON "referral_code" ("campaign_id", "id")',
    'CREATE INDEX "referral_code_used_at_id" ON "referral_code" ("used_at", "id")',
]
