"""The demo shop's messages (issue 10, section 8): consent per channel and opt-outs with their
reasons, the shop's templates in both languages, one mailing sent three weeks ago through the
sandbox with delivered, read, clicked and failed messages and an effect against its holdout, a
draft and a mailing scheduled for tomorrow, and the bonus notices already sent."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from torgtui import db as dbmod
from torgtui.channels import consent, outbox, templates
from torgtui.channels.sandbox import recent
from torgtui.config import Settings
from torgtui.demo import build_demo
from torgtui.demo_messages import HOLDOUT, NEW_SEASON, SENT_DAYS, WINTER
from torgtui.marketing import mailings
from torgtui.models import Customer, Employee
from torgtui.models.mailings import Mailing, MailingRecipient

TODAY = dt.date(2026, 11, 22)
SENT_AT = dt.datetime.combine(TODAY - dt.timedelta(days=SENT_DAYS), dt.time(10))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six months (so some bonuses lapse within the notice days) and enough customers for a
    holdout of a few dozen."""
    path = tmp_path_factory.mktemp("demo_messages") / "shop.sqlite"
    build_demo(str(path), customers=500, months=6, today=TODAY, seed=7)
    dbmod.database.close()
    return path


@pytest.fixture
def shop(demo: Path) -> Iterator[Path]:
    database = dbmod.open_database(str(demo))
    yield demo
    database.close()


def owner() -> Employee:
    return Employee.get(Employee.name == "Olena Kovalenko")


def sent_mailing() -> Mailing:
    return Mailing.get(Mailing.name == NEW_SEASON)


def rows(statement: str, params: tuple = ()) -> list[tuple]:
    return list(dbmod.database.execute_sql(statement, params).fetchall())


def test_the_sent_mailing_went_three_weeks_ago_and_carries_what_became_of_it(shop: Path) -> None:
    mailing = sent_mailing()
    assert (mailing.state, mailing.kind, mailing.channels) == (
        "done",
        "mailing:" + NEW_SEASON,
        "viber,email",
    )
    assert mailing.started_at == SENT_AT and mailing.holdout_bp == HOLDOUT * 100
    assert mailing.finished_at is not None and mailing.finished_at < dt.datetime.combine(
        TODAY, dt.time()
    )
    result = mailings.result(mailing.id, by=owner(), clock=lambda: SENT_AT)
    assert result.state == "done" and result.waiting == 0
    assert result.delivered > 0 and result.read > 0 and result.clicked > 0
    assert result.clicked < result.read < result.delivered
    failed = {key.split(":")[0]: n for key, n in result.failed.items()}
    assert failed.get("failed", 0) > 0 and failed.get("rejected", 0) > 0
    assert all(": " in key for key in result.failed)  # each with the reason the phone gave
    # most went through; every row is delivered or failed, none left waiting
    assert result.delivered > 0.9 * result.messages
    assert result.delivered + sum(result.failed.values()) == result.messages
    assert result.cost > 0
    assert result.skipped.get("opted_out", 0) > 0 and result.skipped.get("no_consent", 0) > 0
    # the statuses came from the sender: accepted that morning, read and clicked after
    for accepted, read, clicked in rows(
        'SELECT "accepted_at", "read_at", "clicked_at" FROM "outbox_message" '
        'WHERE "mailing_id" = ? AND "status" = \'delivered\'',
        (mailing.id,),
    ):
        accepted = dt.datetime.fromisoformat(str(accepted))
        assert SENT_AT <= accepted < SENT_AT + dt.timedelta(hours=1)
        if read is not None:
            assert dt.datetime.fromisoformat(str(read)) > accepted
        if clicked is not None:
            assert dt.datetime.fromisoformat(str(clicked)) >= dt.datetime.fromisoformat(str(read))


def test_its_holdout_was_kept_back_and_not_sent(shop: Path) -> None:
    mailing = sent_mailing()
    groups: dict[str, list[int]] = {}
    for r in MailingRecipient.select().where(MailingRecipient.mailing == mailing.id):
        groups.setdefault(r.grp, []).append(r.customer_id)
        if r.grp != "skipped":  # the holdout is the hash's, as preparing decides it
            assert (r.grp == "holdout") == mailings.in_holdout(
                mailing.id, r.customer_id, mailing.holdout_bp
            )
    held, sent = groups["holdout"], groups["sent"]
    assert 0.05 < len(held) / (len(held) + len(sent)) < 0.15
    marks = ", ".join("?" * len(held))
    assert rows(
        f'SELECT COUNT(*) FROM "outbox_message" WHERE "mailing_id" = ? '
        f'AND "customer_id" IN ({marks})',
        (mailing.id, *held),
    ) == [(0,)]
    assert rows(
        'SELECT COUNT(DISTINCT "customer_id") FROM "outbox_message" WHERE "mailing_id" = ?',
        (mailing.id,),
    ) == [(len(sent),)]


def test_its_effect_shows_the_recipients_bought_more_than_the_holdout(shop: Path) -> None:
    effect = mailings.effect(sent_mailing().id)
    assert effect is not None
    assert (effect.since, effect.until) == (SENT_AT, SENT_AT + dt.timedelta(days=14))
    assert effect.sent.customers > effect.holdout.customers > 0
    assert effect.holdout.buyers > 0  # the holdout bought too, only less
    assert effect.sent.conversion > effect.holdout.conversion
    assert effect.sent.receipts_per_customer > effect.holdout.receipts_per_customer
    assert effect.revenue_per_customer_diff > 0 and effect.extra_revenue > 0


def test_a_draft_for_next_months_birthdays_and_one_scheduled_for_tomorrow(shop: Path) -> None:
    by_state = {m.state: m for m in Mailing.select().where(Mailing.name != NEW_SEASON)}
    assert set(by_state) == {"draft", "scheduled"}
    draft = by_state["draft"]
    assert draft.kind == "birthday" and draft.name == "Іменинники грудня"
    assert json.loads(draft.segment) == {"birthdays": {"from": "12-01", "to": "12-31"}}
    assert draft.started_at is None and draft.audience == 0
    scheduled = by_state["scheduled"]
    assert scheduled.kind == "mailing:" + WINTER and scheduled.holdout_bp == HOLDOUT * 100
    assert scheduled.send_at == dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(11))
    assert scheduled.started_at is None  # nothing prepared yet: it waits for its day
    # its audience can be previewed: the cards with bonuses, the holdout held back
    found = mailings.audience(mailings.data_of(scheduled), mailing_id=scheduled.id)
    assert found.sent > 0 and found.holdout > 0


def test_the_shops_templates_in_both_languages(shop: Path) -> None:
    for name, variables in (
        (NEW_SEASON, {"first_name", "link", "shop"}),
        (WINTER, {"first_name", "bonus_balance", "link", "shop"}),
    ):
        template = templates.template_of("mailing:" + name)
        assert template.custom and template.viber is not None and template.viber.button_text
        for lang in ("uk", "en"):
            assert set(templates.variables_in(template.texts[lang], lang)) == variables
            assert template.subjects[lang]
    birthday = templates.template_of("birthday")
    assert birthday.custom and birthday.texts != templates.builtin("birthday").texts
    # each recipient got the text in the card's language: English for some, Ukrainian else
    langs: dict[str, int] = {}
    for language, text in rows(
        'SELECT c."language", m."text" FROM "outbox_message" m '
        'JOIN "customer" c ON c."id" = m."customer_id" WHERE m."mailing_id" = ?',
        (sent_mailing().id,),
    ):
        assert "https://demo-shop.example/new" in text and "{" not in text
        expected = "the season's new arrivals" if language == "en" else "новинки сезону"
        assert expected in text
        langs[language] = langs.get(language, 0) + 1
    assert langs.get("en", 0) > 0 and langs.get("", 0) > langs["en"]


def test_consent_per_channel_and_opt_outs_with_their_reasons(shop: Path) -> None:
    agreed: dict[int, set[str]] = {}
    for cid, channel in rows(
        'SELECT "customer_id", "channel" FROM "customer_consent" WHERE "granted" = ?', (True,)
    ):
        agreed.setdefault(cid, set()).add(channel)
    total = Customer.select().count()
    assert len(agreed) > total / 2  # most customers agreed to something
    kinds = {frozenset(c) for c in agreed.values()}
    assert {frozenset({"sms"}), frozenset({"viber"}), frozenset({"sms", "viber"})} <= kinds
    assert any(c == {"email"} for c in agreed.values())
    stops = rows('SELECT "customer_id", "reason", "at" FROM "stop_list" WHERE "lifted_at" IS NULL')
    assert 0 < len(stops) < total / 10 and all(reason for _cid, reason, _at in stops)
    cid = stops[0][0]
    assert not any(c.granted for c in consent.consents_of(cid).values())
    assert "stop-list" in consent.summary(cid)
    # those who opted out before the mailing were left out of it, for that reason
    mailing = sent_mailing()
    before = [c for c, _r, at in stops if dt.datetime.fromisoformat(str(at)) < SENT_AT]
    reasons = {
        r.customer_id: (r.grp, r.reason)
        for r in MailingRecipient.select().where(MailingRecipient.mailing == mailing.id)
    }
    assert before and all(reasons[c] == ("skipped", "opted_out") for c in before)
    # and some replied STOP to it afterwards
    replied = [c for c, r, _at in stops if NEW_SEASON in r]
    assert replied and all(reasons[c][0] == "sent" for c in replied)


def test_the_sandbox_carried_every_message(shop: Path) -> None:
    assert (Settings().messages.sms_gateway, Settings().messages.email_gateway) == (
        "sandbox",
        "sandbox",
    )
    gone = rows(
        'SELECT "gateway", "gateway_id" FROM "outbox_message" '
        "WHERE \"status\" IN ('accepted', 'delivered', 'failed')"
    )
    assert gone and {g for g, _id in gone} == {"sandbox"}
    assert rows('SELECT COUNT(*) FROM "outbox_message" WHERE "status" = \'rejected\'')[0][0] > 0
    lines = recent(shop.parent / "messages-sandbox.jsonl", limit=10_000)
    assert {line["id"] for line in lines} == {gid for _g, gid in gone}


def test_the_bonus_notices_went_and_show_on_the_card(shop: Path) -> None:
    notices = rows(
        'SELECT "customer_id", "status", "via", "text", "accepted_at" FROM "outbox_message" '
        "WHERE \"kind\" = 'bonus_expiring'"
    )
    assert notices
    noticed = dt.datetime.combine(TODAY - dt.timedelta(days=7), dt.time(9))
    for _cid, status, via, text, accepted in notices:
        assert (status, via) == ("delivered", "sms") and text
        assert noticed <= dt.datetime.fromisoformat(str(accepted)) < noticed + dt.timedelta(hours=1)
    log = outbox.messages_of(notices[0][0])  # the card's message log (F7)
    assert any(m.kind == "bonus_expiring" and m.status == "delivered" for m in log)


def test_a_shop_set_up_for_a_real_gateway_still_builds_its_demo_on_the_sandbox(
    tmp_path: Path,
) -> None:
    settings = Settings()
    settings.messages = dataclasses.replace(
        settings.messages, sms_gateway="turbosms", email_gateway="smtp"
    )
    build_demo(
        str(tmp_path / "shop.sqlite"),
        customers=30,
        months=1,
        today=TODAY,
        seed=7,
        settings=settings,
    )
    try:
        gateways = rows(
            'SELECT DISTINCT "gateway" FROM "outbox_message" WHERE "mailing_id" IS NOT NULL'
        )
        assert gateways == [("sandbox",)]
        assert (tmp_path / "messages-sandbox.jsonl").exists()
    finally:
        dbmod.database.close()
