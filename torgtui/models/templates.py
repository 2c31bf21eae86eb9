"""Communications issue: message templates (migration 0016).

One row per kind of message whose text the shop wrote: an automatic notice (``bonus_expiring``,
``preorder_ready``, ``verification_code``, ...) or a mailing's template (kind
``mailing:<name>``). A kind without a row uses the built-in texts of
torgtui.channels.templates, so the sender works before anyone writes a template. A text per
language (uk, en), the e-mail subject per language, and the Viber extras (an image, a button of
at most 30 characters and its link), and whether its SMS goes in Latin letters (``sms_latin``:
GSM-7 takes 160 characters a part where Cyrillic takes 70). Changes go through
torgtui.channels.templates, which checks the variables and audits every change.
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel
from torgtui.models.staff import Employee


class MessageTemplate(BaseModel):
    kind = peewee.CharField(max_length=80, unique=True)  # bonus_expiring, mailing:<name>, ...
    title = peewee.CharField(max_length=80, default="")  # a mailing template's name as typed
    text_uk = peewee.TextField(default="")
    text_en = peewee.TextField(default="")
    subject_uk = peewee.CharField(max_length=200, default="")  # e-mail only
    subject_en = peewee.CharField(max_length=200, default="")
    image_url = peewee.CharField(max_length=500, default="")  # Viber only
    button_text = peewee.CharField(max_length=30, default="")  # Viber only, <= 30 characters
    button_url = peewee.CharField(max_length=500, default="")
    sms_latin = peewee.BooleanField(default=False)  # SMS transliterated: 160 a part, not 70
    updated_by = peewee.ForeignKeyField(Employee, null=True)
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()

    class Meta:
        table_name = "message_template"


MODELS: list[type[BaseModel]] = [MessageTemplate]
