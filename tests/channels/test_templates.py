"""Message templates: the built-in texts of every automatic kind, saving the shop's own (an
unknown variable, an open brace, a long text or a Viber button over 30 characters refused at
save with nothing written), rendering in the customer's language with the fallback and the
shop's money format, a preview with the customer's real ledger values, the outbox rows the
bonus expiry writes rendered, and the cost preview; on both databases."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from torgtui.channels import templates as tp
from torgtui.channels.cost import preview_cost, saving
from torgtui.channels.gateway import ViberExtras
from torgtui.channels.sms_text import sms_parts
from torgtui.config import Settings
from torgtui.db import write_tx
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import bonuses, ledger
from torgtui.models import AuditEntry, Customer, MessageTemplate, OutboxMessage


def customer(clock, name: str = "Олена Коваль", language: str = "uk", card: str = "2900000000013"):
    return Customer.create(
        name=name, card=card, language=language, created_at=clock(), phone="+380671234567"
    )


def earn(customer_id: int, amount: int, now: dt.datetime, days: int | None) -> None:
    expires = now + dt.timedelta(days=days) if days is not None else None
    with write_tx():
        ledger.post(
            bonuses.account_of(customer_id, now), amount, "earn", now=now, expires_at=expires
        )


def test_every_automatic_kind_has_both_languages_with_known_variables(db) -> None:
    for kind in tp.AUTOMATIC_KINDS:
        template = tp.template_of(kind)
        assert not template.custom
        for lang in tp.LANGUAGES:
            assert template.texts[lang] and template.subjects[lang], (kind, lang)
            tp.variables_in(template.texts[lang], kind)  # raises on an unknown one
            tp.variables_in(template.subjects[lang], kind)
    assert {"bonus_expiring", "bonus_expired", "preorder_ready", "verification_code"} <= set(
        tp.AUTOMATIC_KINDS
    )
    assert {"name", "first_name", "bonus_balance", "bonus_expiring", "bonus_expiry_date"} <= set(
        tp.VARIABLES
    )
    assert {"card", "promo_code", "link", "shop", "preorder", "total_text", "location"} <= set(
        tp.VARIABLES
    )


def test_an_unknown_variable_is_refused_at_save_naming_it_and_nothing_is_written(
    db, staff, clock
) -> None:
    with pytest.raises(ValidationError) as refused:
        tp.save_template(
            "bonus_expiring",
            {"uk": "Привіт, {first_name}!", "en": "Hi {frist_name}, {bonus_balance} left"},
            by=staff["manager"],
            clock=clock,
        )
    assert "{frist_name}" in refused.value.message and "English" in refused.value.message
    for text in ("{name:>20}", "{name!r}", "{card.number}", "{0}", "{}"):
        with pytest.raises(ValidationError, match="unknown variable"):
            tp.save_template("birthday", {"uk": text}, by=staff["manager"], clock=clock)
    with pytest.raises(ValidationError, match="brace is not closed"):
        tp.save_template("birthday", {"uk": "Знижка {first_name"}, by=staff["manager"], clock=clock)
    with pytest.raises(ValidationError, match="unknown variable"):
        tp.save_template(
            "birthday",
            {"uk": "Привіт"},
            subjects={"en": "For {whom}"},
            by=staff["manager"],
            clock=clock,
        )
    assert MessageTemplate.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action == "template.save").count() == 0


def test_viber_button_long_text_and_permissions_are_checked_at_save(db, staff, clock) -> None:
    by = staff["manager"]
    long_button = ViberExtras("", "Б" * 31, "https://shop.example/sale")
    with pytest.raises(ValidationError, match="31 characters; Viber takes at most 30"):
        tp.save_template("mailing:Весна", {"uk": "Знижки!"}, viber=long_button, by=by, clock=clock)
    with pytest.raises(ValidationError, match="both its text and its link"):
        tp.save_template(
            "mailing:Весна", {"uk": "Знижки!"}, viber=ViberExtras("", "Купити", ""), by=by
        )
    with pytest.raises(ValidationError, match="https://"):
        tp.save_template(
            "mailing:Весна",
            {"uk": "Знижки!"},
            viber=ViberExtras("ftp://x", "Купити", "https://a.b"),
            by=by,
        )
    with pytest.raises(ValidationError, match="1001 characters long; a message is at most 1000"):
        tp.save_template("birthday", {"uk": "ж" * 1001}, by=by, clock=clock)
    with pytest.raises(ValidationError, match="at least one language"):
        tp.save_template("birthday", {"uk": "  ", "en": ""}, by=by, clock=clock)
    with pytest.raises(ValidationError, match="no message kind"):
        tp.save_template("bonus_whatever", {"uk": "x"}, by=by, clock=clock)
    with pytest.raises(PermissionDenied):
        tp.save_template("birthday", {"uk": "З днем народження!"}, by=staff["cashier"])
    assert MessageTemplate.select().count() == 0
    button = ViberExtras("https://shop.example/spring.jpg", "Б" * 30, "https://shop.example/{link}")
    saved = tp.save_template("mailing:Весна", {"uk": "Знижки!"}, viber=button, by=by, clock=clock)
    assert saved.viber == button and saved.custom and saved.kind == "mailing:Весна"


def test_save_is_audited_and_a_change_replaces_the_built_in_text(db, staff, clock) -> None:
    by = staff["manager"]
    first = tp.save_template(
        "bonus_expiring",
        {"uk": "{first_name}, згорає {bonus_expiring} до {bonus_expiry_date}", "en": ""},
        subjects={"uk": "Бонуси згорають"},
        by=by,
        clock=clock,
    )
    assert first.texts == {
        "uk": "{first_name}, згорає {bonus_expiring} до {bonus_expiry_date}",
        "en": "",
    }
    tp.save_template("bonus_expiring", {"uk": "Нове: {bonus_expiring}"}, by=by, clock=clock)
    (row,) = MessageTemplate.select()
    assert (row.kind, row.text_uk, row.updated_by_id) == (
        "bonus_expiring",
        "Нове: {bonus_expiring}",
        by.id,
    )
    entries = list(
        AuditEntry.select().where(AuditEntry.action == "template.save").order_by(AuditEntry.id)
    )
    assert [e.object_id for e in entries] == ["bonus_expiring", "bonus_expiring"]
    assert entries[0].before is None
    assert json.loads(entries[1].before)["text_uk"].startswith("{first_name}, згорає")
    assert json.loads(entries[1].after)["text_uk"] == "Нове: {bonus_expiring}"
    assert tp.reset_template("bonus_expiring", by=by, clock=clock)
    assert not tp.template_of("bonus_expiring").custom
    assert not tp.reset_template("bonus_expiring", by=by, clock=clock)


def test_render_in_the_customers_language_with_the_fallback(db, staff, clock) -> None:
    values = {
        "first_name": "Олена",
        "bonus_balance": 1255050,
        "bonus_expiring": 5000,
        "bonus_expiry_date": dt.datetime(2026, 11, 30),
        "shop": "Крамниця",
    }
    uk = tp.render("bonus_expiring", "uk", values)
    assert uk.language == "uk"
    assert uk.text == (
        "Олена, 30.11.2026 згорять ваші бонуси: 50.00 ₴. Встигніть їх використати! Крамниця"
    )
    assert uk.subject == "Ваші бонуси скоро згорять"
    en = tp.render("bonus_expiring", "en", values)
    assert en.text.startswith("Олена, 50.00 ₴ of your bonuses expire on 30.11.2026.")
    assert tp.render("bonus_expiring", "", values).language == "uk"
    assert tp.render("bonus_expiring", "de", values).language == "uk"
    # the shop's own template with Ukrainian only: an English reader gets the Ukrainian
    tp.save_template(
        "mailing:Осінь",
        {"uk": "{first_name}, на картці {bonus_balance}. Код {promo_code}"},
        by=staff["manager"],
        clock=clock,
    )
    only_uk = tp.render("mailing:Осінь", "en", values)
    assert (only_uk.language, only_uk.text) == ("uk", "Олена, на картці 12 550.50 ₴. Код")
    tp.save_template("mailing:Fall", {"en": "Hi {name}"}, by=staff["manager"], clock=clock)
    assert tp.render("mailing:Fall", "uk", {"name": "Ann"}).text == "Hi Ann"
    with pytest.raises(ValidationError, match="no mailing template"):
        tp.render("mailing:Nope", "uk", values)


def test_preview_uses_the_customers_real_ledger_values(db, staff, clock) -> None:
    now = clock()  # 22.11.2026
    olena = customer(clock)
    earn(olena.id, 10000, now, 8)  # lapses 30.11.2026
    earn(olena.id, 2550, now, 23)  # lapses 15.12.2026
    earn(olena.id, 700, now, None)  # never lapses
    shown = tp.preview("bonus_expiring", olena.id, at=now, shop="Крамниця")
    assert shown.customer_name == "Олена Коваль" and shown.samples == ()
    assert shown.rendered.text == (
        "Олена, 30.11.2026 згорять ваші бонуси: 100.00 ₴. Встигніть їх використати! Крамниця"
    )
    draft = tp.clean(
        "mailing:Картка",
        {"uk": "{first_name}: картка {card}, бонусів {bonus_balance}, код {promo_code}"},
    )
    shown = tp.preview("mailing:Картка", olena.id, at=now, draft=draft)
    assert shown.rendered.text == ("Олена: картка 2900000000013, бонусів 132.50 ₴, код SPRING10")
    assert shown.samples == ("promo_code",)
    john = customer(clock, "Smith, John", "en", "2900000000020")
    shown = tp.preview("bonus_accrued", john.id, at=now, shop="Kramnytsia")
    assert shown.rendered.language == "en"
    assert shown.rendered.text == (
        "John, you earned 50.00 ₴ in bonuses. Your card now holds 0.00 ₴. "
        "Thank you for shopping with us! Kramnytsia"
    )
    assert shown.samples == ("amount",)
    with pytest.raises(ValidationError, match="no customer"):
        tp.preview("birthday", 9999, at=now)


def test_the_outbox_rows_of_the_bonus_expiry_render_with_their_own_amounts(db, clock) -> None:
    now = clock()
    olena = customer(clock)
    earn(olena.id, 4000, now - dt.timedelta(days=40), 30)  # lapsed two days ago
    earn(olena.id, 6000, now, 3)  # lapses in 3 days: a notice
    earn(olena.id, 1000, now, None)
    run = bonuses.expire(now, clock=clock)
    assert run.notices == 2
    rows = {r.kind: r for r in OutboxMessage.select()}
    expired = rows["bonus_expired"]
    found = tp.render_for("bonus_expired", olena.id, json.loads(expired.payload), now, shop="К")
    assert found.text == (
        "Олена, термін дії частини бонусів минув, списано 40.00 ₴. На картці залишилось 70.00 ₴. К"
    )
    expiring = rows["bonus_expiring"]
    found = tp.render_for("bonus_expiring", olena.id, json.loads(expiring.payload), now, shop="К")
    assert (
        found.text == "Олена, 25.11.2026 згорять ваші бонуси: 60.00 ₴. Встигніть їх використати! К"
    )


def test_a_variable_without_a_value_is_left_empty_at_send() -> None:
    template = tp.Template("mailing:x", {"uk": "{first_name}, код {promo_code}!"})
    assert tp.render_template(template, "uk", {}).text == ", код !"
    assert tp.first_name("Коваль, Олена Петрівна") == "Олена"
    assert tp.first_name("  Олена  Коваль ") == "Олена"
    assert tp.first_name("") == ""


def test_cost_preview_is_parts_times_recipients_times_price() -> None:
    settings = Settings()
    assert settings.messages.price_sms_part == 120 and settings.messages.price_viber == 90
    uk = "Олено, на вашій картці 125.50 бонусів. Вони згорять 30.11.2026 — встигніть!"  # 2 parts
    texts = {"uk": uk, "en": "Olena, your card holds 125.50 in bonuses."}  # 1 part
    cost = preview_cost(
        texts, {"sms": {"uk": 1000, "en": 10}, "viber": 500, "email": 200}, settings
    )
    by_channel = {(line.channel, line.language): line for line in cost.lines}
    assert by_channel["sms", "uk"].total == 2 * 1000 * 120
    assert by_channel["sms", "en"].total == 1 * 10 * 120
    assert by_channel["viber", "uk"].total == 500 * 90
    assert by_channel["email", "uk"].total == 0
    assert cost.total == 240000 + 1200 + 45000 and cost.sms_parts == 2010
    assert cost.recipients == 1710
    before, after = saving(texts, {"sms": 1000}, settings)
    assert (before.total, after.total) == (240000, 120000)
    assert after.lines[0].parts == 1


def test_a_template_may_send_its_sms_in_latin_letters(db, staff, clock) -> None:
    tp.save_template(
        "bonus_expiring",
        {"uk": "{first_name}, {bonus_expiry_date} згорять бонуси: {bonus_expiring}. {shop}"},
        sms_latin=True,
        by=staff["manager"],
        clock=clock,
    )
    values = {
        "first_name": "Юрій",
        "bonus_expiring": 5000,
        "bonus_expiry_date": "2026-11-30",
        "shop": "Крамниця",
    }
    found = tp.render("bonus_expiring", "uk", values)
    assert found.text == "Юрій, 30.11.2026 згорять бонуси: 50.00 ₴. Крамниця"
    assert found.text_for("viber") == found.text
    assert found.text_for("sms") == "Yurii, 30.11.2026 zghoriat bonusy: 50.00 UAH. Kramnytsia"
    assert sms_parts(found.text_for("sms")).encoding == "gsm7"
    (entry,) = AuditEntry.select().where(AuditEntry.action == "template.save")
    assert json.loads(entry.after)["sms_latin"] is True
    assert tp.render("birthday", "uk", values).text_for("sms").startswith("Юрій")


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NASTY = st.sampled_from(
    [None, 5, b"bytes", ["x"], {"uk": 5}, {"de": "x"}, {5: "x"}, "text", {"uk": "a\x00b"}]
)
TEXT = st.text(alphabet=st.sampled_from("{}:!x_ї€ \n\x00abcfirst_name"), max_size=40)


@FUZZ
@given(
    texts=NASTY | st.dictionaries(st.sampled_from(["uk", "en"]), TEXT, max_size=2),
    subject=TEXT,
    button=st.text(max_size=40),
    link=st.sampled_from(["", "https://a.b/{link}", "javascript:x", "https://a b", 5]),
)
def test_save_either_takes_a_template_or_refuses_it_in_words(
    sqlite_db, staff_fuzz, texts, subject, button, link
) -> None:
    before = MessageTemplate.select().count()
    try:
        saved = tp.save_template(
            "mailing:Fuzz",
            texts,  # type: ignore[arg-type]
            subjects={"uk": subject},
            viber=ViberExtras("", button, link),  # type: ignore[arg-type]
            by=staff_fuzz,
        )
    except ValidationError as exc:
        assert exc.message and "Traceback" not in exc.message
        assert MessageTemplate.select().count() == before
        return
    # what was taken renders for anyone, with or without values
    for lang in ("uk", "en", ""):
        tp.render_template(saved, lang, {})
        tp.render_template(saved, lang, {"first_name": "Олена", "bonus_balance": 100})


@pytest.fixture
def staff_fuzz(sqlite_db, clock):
    from torgtui import staff as st_

    return st_.create_employee(
        "Maria Manager", st_.Role.MANAGER, "2222", by=None, system=True, clock=clock
    )
