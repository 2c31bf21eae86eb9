"""The register: open and held receipts (drafts), cash rounding and fiscal/print state on
receipts, the fiscal queue, cash in/out, Z report totals on shifts."""

NAME = "register"

STATEMENTS = [
    'CREATE TABLE "draft" ("id" :PK, "uuid" VARCHAR(36) NOT NULL, '
    '"employee_id" INTEGER NOT NULL, "register" VARCHAR(40) NOT NULL, '
    '"status" VARCHAR(10) NOT NULL, "data" TEXT NOT NULL, "created_at" :TS NOT NULL, '
    '"updated_at" :TS NOT NULL, '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE UNIQUE INDEX "draft_uuid" ON "draft" ("uuid")',
    'CREATE INDEX "draft_employee_id" ON "draft" ("employee_id")',
    'ALTER TABLE "receipt" ADD COLUMN "rounding" BIGINT NOT NULL DEFAULT 0',
    'ALTER TABLE "receipt" ADD COLUMN "fiscal_status" VARCHAR(12) NOT NULL DEFAULT \'\'',
    'ALTER TABLE "receipt" ADD COLUMN "fiscal_code" VARCHAR(80) NOT NULL DEFAULT \'\'',
    'ALTER TABLE "receipt" ADD COLUMN "print_status" VARCHAR(12) NOT NULL DEFAULT \'\'',
    'CREATE TABLE "fiscal_job" ("id" :PK, "kind" VARCHAR(20) NOT NULL, '
    '"receipt_id" INTEGER, "shift_id" INTEGER, "payload" TEXT NOT NULL, '
    '"status" VARCHAR(12) NOT NULL, "attempts" INTEGER NOT NULL, '
    '"created_at" :TS NOT NULL, "updated_at" :TS NOT NULL, "next_try_at" :TS, '
    '"last_error" TEXT NOT NULL, "remote_id" VARCHAR(64) NOT NULL, '
    '"fiscal_code" VARCHAR(80) NOT NULL, '
    'FOREIGN KEY ("receipt_id") REFERENCES "receipt" ("id"), '
    'FOREIGN KEY ("shift_id") REFERENCES "shift" ("id"))',
    'CREATE UNIQUE INDEX "fiscal_job_receipt_id" ON "fiscal_job" ("receipt_id")',
    'CREATE INDEX "fiscal_job_shift_id" ON "fiscal_job" ("shift_id")',
    'CREATE INDEX "fiscal_job_status" ON "fiscal_job" ("status")',
    'CREATE TABLE "cash_movement" ("id" :PK, "shift_id" INTEGER NOT NULL, '
    '"kind" VARCHAR(10) NOT NULL, "amount" BIGINT NOT NULL, "employee_id" INTEGER, '
    '"at" :TS NOT NULL, "note" VARCHAR(200) NOT NULL, '
    'FOREIGN KEY ("shift_id") REFERENCES "shift" ("id"), '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "cash_movement_shift_id" ON "cash_movement" ("shift_id")',
    'CREATE INDEX "cash_movement_employee_id" ON "cash_movement" ("employee_id")',
    'ALTER TABLE "shift" ADD COLUMN "closing_cash" BIGINT',
    'ALTER TABLE "shift" ADD COLUMN "z_report" TEXT',
]
