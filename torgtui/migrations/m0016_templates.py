"""Communications issue: message templates (torgtui.models.templates), one row per kind the shop
wrote its own text for; a kind without a row keeps the built-in texts."""

from __future__ import annotations

NAME = "templates"

STATEMENTS = [
    'CREATE TABLE "message_template" ("id" :PK, "kind" VARCHAR(80) NOT NULL, '
    '"title" VARCHAR(80) NOT NULL, "text_uk" TEXT NOT NULL, "text_en" TEXT NOT NULL, '
    '"subject_uk" VARCHAR(200) NOT NULL, "subject_en" VARCHAR(200) NOT NULL, '
    '"image_url" VARCHAR(500) NOT NULL, "button_text" VARCHAR(30) NOT NULL, '
    '"button_url" VARCHAR(500) NOT NULL, "sms_latin" :BOOL NOT NULL, "updated_by_id" INTEGER, '
    '"created_at" :TS NOT NULL, "updated_at" :TS NOT NULL, '
    'FOREIGN KEY ("updated_by_id") REFERENCES "employee" ("id"))',
    'CREATE UNIQUE INDEX "message_template_kind" ON "message_template" ("kind")',
    'CREATE INDEX "message_template_updated_by_id" ON "message_template" ("updated_by_id")',
]
