"""Hardening the service boundary:

* ``approval``: single-use approvals a verified PIN yields (see torgtui.approvals);
* the audit log carries a hash chain (``prev_hash``, ``hash``), computed here for the entries
  already written, so an edit made behind the triggers' back is found by ``torgtui audit
  verify``;
* append-only tables refuse ``INSERT OR REPLACE`` over an existing row on SQLite (REPLACE
  deletes the old row without firing delete triggers) and ``TRUNCATE`` on PostgreSQL;
* ``receipt_counter``: the last receipt number per location, taken at the end of a commit;
* ``product.name_fold`` and ``customer_phone_number.tail`` for searches that ignore case in
  Cyrillic and find a phone by its last digits.

Frozen: the hashing and folding below are copies, not imports of live code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

NAME = "hardening"

APPEND_ONLY = ("audit_entry", "stock_movement")

STATEMENTS = [
    'CREATE TABLE "approval" ("id" :PK, "action" VARCHAR(40) NOT NULL, '
    '"scope" VARCHAR(64) NOT NULL, "subject" TEXT NOT NULL, "approver_id" INTEGER NOT NULL, '
    '"method" VARCHAR(8) NOT NULL, "token_hash" VARCHAR(64) NOT NULL, '
    '"created_at" :TS NOT NULL, "expires_at" :TS NOT NULL, "used_at" :TS, '
    '"terminal" VARCHAR(60) NOT NULL, '
    'FOREIGN KEY ("approver_id") REFERENCES "employee" ("id"))',
    'CREATE INDEX "approval_approver_id" ON "approval" ("approver_id")',
    'CREATE INDEX "approval_scope_action" ON "approval" ("scope", "action")',
    'CREATE TABLE "receipt_counter" ("location_id" INTEGER NOT NULL PRIMARY KEY, '
    '"last_number" BIGINT NOT NULL, '
    'FOREIGN KEY ("location_id") REFERENCES "location" ("id"))',
    'INSERT INTO "receipt_counter" ("location_id", "last_number") '
    'SELECT "location_id", MAX("number") FROM "receipt" GROUP BY "location_id"',
    'ALTER TABLE "audit_entry" ADD COLUMN "prev_hash" VARCHAR(64) NOT NULL DEFAULT \'\'',
    'ALTER TABLE "audit_entry" ADD COLUMN "hash" VARCHAR(64) NOT NULL DEFAULT \'\'',
    'ALTER TABLE "product" ADD COLUMN "name_fold" VARCHAR(200) NOT NULL DEFAULT \'\'',
    'ALTER TABLE "customer_phone_number" ADD COLUMN "tail" VARCHAR(20) NOT NULL DEFAULT \'\'',
    'CREATE INDEX "customer_phone_number_tail" ON "customer_phone_number" ("tail")',
]

SQLITE = [
    # A BEFORE INSERT trigger fires before conflict resolution, so INSERT OR REPLACE over an
    # existing id is refused whatever the connection's recursive_triggers setting.
    f'CREATE TRIGGER "{table}_no_replace" BEFORE INSERT ON "{table}" '
    f'WHEN EXISTS (SELECT 1 FROM "{table}" WHERE "id" = NEW."id") '
    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
    for table in APPEND_ONLY
]

POSTGRESQL = [
    f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
    "FOR EACH STATEMENT EXECUTE FUNCTION torgtui_append_only()"
    for table in APPEND_ONLY
]

BATCH = 5000


def _stamp(value: object) -> str:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.isoformat(sep=" ", timespec="microseconds")


def _digest(prev: str, row: tuple) -> str:
    at, employee_id, action, object_type, object_id, before, after, terminal = row
    payload = [prev, _stamp(at), employee_id, action, object_type, object_id, before, after]
    payload.append(terminal)
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fold(name: str) -> str:
    return name.casefold().replace("’", "'").replace("ʼ", "'")


def _tail(phone: str) -> str:
    return "".join(ch for ch in reversed(phone) if ch.isdigit())


def run(db) -> None:
    p = db.param
    sqlite = p == "?"
    # the audit chain: the update trigger is lifted only for this step, inside its transaction
    if sqlite:
        db.execute_sql('DROP TRIGGER "audit_entry_no_update"')
    else:
        db.execute_sql('ALTER TABLE "audit_entry" DISABLE TRIGGER "audit_entry_append_only"')
    prev, last = "", 0
    while True:
        rows = db.execute_sql(
            'SELECT "id", "at", "employee_id", "action", "object_type", "object_id", "before", '
            f'"after", "terminal" FROM "audit_entry" WHERE "id" > {p} ORDER BY "id" LIMIT {BATCH}',
            (last,),
        ).fetchall()
        if not rows:
            break
        for entry_id, *fields in rows:
            digest = _digest(prev, tuple(fields))
            db.execute_sql(
                f'UPDATE "audit_entry" SET "prev_hash" = {p}, "hash" = {p} WHERE "id" = {p}',
                (prev, digest, entry_id),
            )
            prev = digest
        last = rows[-1][0]
    if sqlite:
        db.execute_sql(
            'CREATE TRIGGER "audit_entry_no_update" BEFORE UPDATE ON "audit_entry" '
            "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"
        )
    else:
        db.execute_sql('ALTER TABLE "audit_entry" ENABLE TRIGGER "audit_entry_append_only"')
    for product_id, name in db.execute_sql('SELECT "id", "name" FROM "product"').fetchall():
        db.execute_sql(
            f'UPDATE "product" SET "name_fold" = {p} WHERE "id" = {p}', (_fold(name), product_id)
        )
    last = 0
    while True:
        rows = db.execute_sql(
            f'SELECT "id", "phone" FROM "customer_phone_number" WHERE "id" > {p} '
            f'ORDER BY "id" LIMIT {BATCH}',
            (last,),
        ).fetchall()
        if not rows:
            break
        for row_id, phone in rows:
            db.execute_sql(
                f'UPDATE "customer_phone_number" SET "tail" = {p} WHERE "id" = {p}',
                (_tail(phone), row_id),
            )
        last = rows[-1][0]
