"""Staff, audit log, locations, catalog and the stock ledger."""

NAME = "foundation"

STATEMENTS = [
    'CREATE TABLE "setting" ("key" VARCHAR(80) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL)',
    'CREATE TABLE "employee" ("id" :PK, "name" VARCHAR(120) NOT NULL, '
    '"role" VARCHAR(20) NOT NULL, "pin_hash" VARCHAR(200) NOT NULL, '
    '"failed_logins" INTEGER NOT NULL, "locked_until" :TS, "active" :BOOL NOT NULL, '
    '"created_at" :TS NOT NULL)',
    'CREATE UNIQUE INDEX "employee_name" ON "employee" ("name")',
    'CREATE TABLE "audit_entry" ("id" :PK, "at" :TS NOT NULL, "employee_id" INTEGER, '
    '"action" VARCHAR(60) NOT NULL, "object_type" VARCHAR(40) NOT NULL, '
    '"object_id" VARCHAR(60) NOT NULL, "before" TEXT, "after" TEXT, '
    '"terminal" VARCHAR(60) NOT NULL, '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "audit_entry_at" ON "audit_entry" ("at")',
    'CREATE INDEX "audit_entry_employee_id" ON "audit_entry" ("employee_id")',
    'CREATE INDEX "audit_entry_action" ON "audit_entry" ("action")',
    'CREATE TABLE "location" ("id" :PK, "code" VARCHAR(20) NOT NULL, '
    '"name" VARCHAR(120) NOT NULL, "address" VARCHAR(250) NOT NULL)',
    'CREATE UNIQUE INDEX "location_code" ON "location" ("code")',
    'CREATE TABLE "product_group" ("id" :PK, "name" VARCHAR(120) NOT NULL, '
    '"parent_id" INTEGER, "path" VARCHAR(500) NOT NULL, '
    'FOREIGN KEY ("parent_id") REFERENCES "product_group" ("id"))',
    'CREATE INDEX "product_group_parent_id" ON "product_group" ("parent_id")',
    'CREATE UNIQUE INDEX "product_group_path" ON "product_group" ("path")',
    'CREATE TABLE "manufacturer" ("id" :PK, "name" VARCHAR(120) NOT NULL)',
    'CREATE UNIQUE INDEX "manufacturer_name" ON "manufacturer" ("name")',
    'CREATE TABLE "product" ("id" :PK, "sku" VARCHAR(40) NOT NULL, '
    '"name" VARCHAR(200) NOT NULL, "group_id" INTEGER, "manufacturer_id" INTEGER, '
    '"unit" VARCHAR(8) NOT NULL, "weighed" :BOOL NOT NULL, "price" BIGINT NOT NULL, '
    '"cost" BIGINT NOT NULL, "tax_group" VARCHAR(4) NOT NULL, "active" :BOOL NOT NULL, '
    '"created_at" :TS NOT NULL, "updated_at" :TS NOT NULL, '
    'FOREIGN KEY ("group_id") REFERENCES "product_group" ("id"), '
    'FOREIGN KEY ("manufacturer_id") REFERENCES "manufacturer" ("id"))',
    'CREATE UNIQUE INDEX "product_sku" ON "product" ("sku")',
    'CREATE INDEX "product_name" ON "product" ("name")',
    'CREATE INDEX "product_group_id" ON "product" ("group_id")',
    'CREATE INDEX "product_manufacturer_id" ON "product" ("manufacturer_id")',
    'CREATE TABLE "barcode" ("id" :PK, "code" VARCHAR(40) NOT NULL, '
    '"product_id" INTEGER NOT NULL, '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id") ON DELETE CASCADE)',
    'CREATE UNIQUE INDEX "barcode_code" ON "barcode" ("code")',
    'CREATE INDEX "barcode_product_id" ON "barcode" ("product_id")',
    'CREATE TABLE "stock_movement" ("id" :PK, "product_id" INTEGER NOT NULL, '
    '"location_id" INTEGER NOT NULL, "qty" BIGINT NOT NULL, "kind" VARCHAR(20) NOT NULL, '
    '"at" :TS NOT NULL, "employee_id" INTEGER, "note" VARCHAR(200) NOT NULL, '
    'FOREIGN KEY ("product_id") REFERENCES "product" ("id"), '
    'FOREIGN KEY ("location_id") REFERENCES "location" ("id"), '
    'FOREIGN KEY ("employee_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "stock_movement_product_id" ON "stock_movement" ("product_id")',
    'CREATE INDEX "stock_movement_location_id" ON "stock_movement" ("location_id")',
    'CREATE INDEX "stock_movement_employee_id" ON "stock_movement" ("employee_id")',
    'CREATE INDEX "stock_movement_product_id_location_id" '
    'ON "stock_movement" ("product_id", "location_id")',
]

# Ledgers and the audit log are append-only: the database itself refuses edits.
SQLITE = [
    f'CREATE TRIGGER "{table}_no_{op.lower()}" BEFORE {op} ON "{table}" '
    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
    for table in ("audit_entry", "stock_movement")
    for op in ("UPDATE", "DELETE")
]

POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION torgtui_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END $$ "
    "LANGUAGE plpgsql",
    *(
        f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
        "FOR EACH ROW EXECUTE FUNCTION torgtui_append_only()"
        for table in ("audit_entry", "stock_movement")
    ),
]
