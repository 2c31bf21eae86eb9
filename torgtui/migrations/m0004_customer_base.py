"""The customer base: the full card (language, attention flag, social links, stats kept with
each receipt), extra phones, a word index for search, family, interests, contacts and
reminders, delivery addresses."""

NAME = "customer_base"

STATEMENTS = [
    'ALTER TABLE "customer" ADD COLUMN "language" VARCHAR(5) NOT NULL DEFAULT \'\'',
    'ALTER TABLE "customer" ADD COLUMN "attention" :BOOL NOT NULL DEFAULT :FALSE',
    'ALTER TABLE "customer" ADD COLUMN "attention_note" TEXT NOT NULL DEFAULT \'\'',
    'ALTER TABLE "customer" ADD COLUMN "social" TEXT NOT NULL DEFAULT \'\'',
    'ALTER TABLE "customer" ADD COLUMN "birth_md" INTEGER',
    'ALTER TABLE "customer" ADD COLUMN "name_sort" VARCHAR(200) NOT NULL DEFAULT \'\'',
    'ALTER TABLE "customer" ADD COLUMN "last_visit" :TS',
    'ALTER TABLE "customer" ADD COLUMN "total_bought" BIGINT NOT NULL DEFAULT 0',
    'ALTER TABLE "customer" ADD COLUMN "total_returned" BIGINT NOT NULL DEFAULT 0',
    'ALTER TABLE "customer" ADD COLUMN "receipts_count" INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE "customer" ADD COLUMN "status" VARCHAR(10) NOT NULL DEFAULT \'active\'',
    'ALTER TABLE "customer" ADD COLUMN "merged_into_id" INTEGER',
    'ALTER TABLE "customer" ADD COLUMN "updated_at" :TS',
    'CREATE INDEX "customer_name_sort_id" ON "customer" ("name_sort", "id")',
    'CREATE INDEX "customer_last_visit_id" ON "customer" ("last_visit", "id")',
    'CREATE INDEX "customer_total_bought_id" ON "customer" ("total_bought", "id")',
    'CREATE INDEX "customer_birth_md" ON "customer" ("birth_md")',
    'CREATE INDEX "customer_attention" ON "customer" ("attention")',
    'CREATE INDEX "customer_merged_into_id" ON "customer" ("merged_into_id")',
    'CREATE TABLE "customer_phone_number" ("id" :PK, "customer_id" INTEGER NOT NULL, '
    '"phone" VARCHAR(20) NOT NULL, "kind" VARCHAR(10) NOT NULL, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "customer_phone_number_phone" ON "customer_phone_number" ("phone")',
    'CREATE INDEX "customer_phone_number_customer_id" ON "customer_phone_number" ("customer_id")',
    'CREATE TABLE "customer_word" ("word" VARCHAR(64) :BYTES NOT NULL, '
    '"customer_id" INTEGER NOT NULL, PRIMARY KEY ("word", "customer_id"), '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "customer_word_customer_id" ON "customer_word" ("customer_id")',
    'CREATE TABLE "family_member" ("id" :PK, "customer_id" INTEGER NOT NULL, '
    '"relation" VARCHAR(20) NOT NULL, "name" VARCHAR(200) NOT NULL, "birth_date" DATE, '
    '"gender" VARCHAR(1) NOT NULL, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "family_member_customer_id" ON "family_member" ("customer_id")',
    'CREATE INDEX "family_member_birth_date" ON "family_member" ("birth_date")',
    'CREATE TABLE "customer_interest" ("customer_id" INTEGER NOT NULL, '
    '"group_id" INTEGER NOT NULL, "source" VARCHAR(10) NOT NULL, "created_at" :TS NOT NULL, '
    'PRIMARY KEY ("customer_id", "group_id"), '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("group_id") REFERENCES "product_group" ("id"))',
    'CREATE INDEX "customer_interest_group_id" ON "customer_interest" ("group_id")',
    'CREATE TABLE "contact" ("id" :PK, "customer_id" INTEGER NOT NULL, '
    '"employee_id" INTEGER, "at" :TS NOT NULL, "kind" VARCHAR(12) NOT NULL, '
    '"direction" VARCHAR(3) NOT NULL, "text" TEXT NOT NULL, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "contact_customer_id" ON "contact" ("customer_id")',
    'CREATE INDEX "contact_employee_id" ON "contact" ("employee_id")',
    'CREATE TABLE "reminder" ("id" :PK, "customer_id" INTEGER, "employee_id" INTEGER NOT NULL, '
    '"created_by_id" INTEGER, "created_at" :TS NOT NULL, "due_date" DATE NOT NULL, '
    '"text" TEXT NOT NULL, "done_at" :TS, "snoozed_until" DATE, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"), '
    'FOREIGN KEY ("created_by_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "reminder_employee_id_due_date" ON "reminder" ("employee_id", "due_date")',
    'CREATE INDEX "reminder_customer_id" ON "reminder" ("customer_id")',
    'CREATE INDEX "reminder_employee_id" ON "reminder" ("employee_id")',
    'CREATE INDEX "reminder_created_by_id" ON "reminder" ("created_by_id")',
    'CREATE TABLE "delivery_address" ("id" :PK, "customer_id" INTEGER NOT NULL, '
    '"carrier" VARCHAR(12) NOT NULL, "city" VARCHAR(120) NOT NULL, '
    '"branch" VARCHAR(200) NOT NULL, "street" VARCHAR(250) NOT NULL, '
    '"recipient" VARCHAR(200) NOT NULL, "phone" VARCHAR(20) NOT NULL, '
    '"created_at" :TS NOT NULL, "used_at" :TS NOT NULL, '
    'FOREIGN KEY ("customer_id") REFERENCES "customer" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "delivery_address_customer_id" ON "delivery_address" ("customer_id")',
    # the primary phone of every existing card becomes its first phone row
    'INSERT INTO "customer_phone_number" ("customer_id", "phone", "kind") '
    'SELECT "id", "phone", \'mobile\' FROM "customer" WHERE "phone" IS NOT NULL',
]
