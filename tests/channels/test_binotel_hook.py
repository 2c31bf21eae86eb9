"""The Binotel webhook endpoint over real HTTP on 127.0.0.1 (form fields with PHP-style names
and JSON bodies, the source allow-list, the companyID, bad numbers), the call journal it
fills (once per generalCallID, missed calls to call back), and the polling fallback against a
fake Binotel API (values as strings, callDetails keyed by id, error 106, outages)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import peewee
import pytest

from tests.channels.fake_binotel import KEY, SECRET, FakeBinotel, call
from torgtui.channels import call_journal
from torgtui.channels.binotel import BinotelClient, Poller, poll_once
from torgtui.channels.binotel_hook import BinotelHook, CallEvent, nested_form
from torgtui.customers.service import CardData, create_customer
from torgtui.db import write_tx
from torgtui.errors import ConfigError, ValidationError
from torgtui.marketing import bonuses, ledger
from torgtui.models import Customer, PhoneCall

COMPANY = "10906"
NOW = dt.datetime(2026, 11, 22, 10, 0)


@pytest.fixture
def halyna(db: peewee.Database, staff: dict[str, Any], clock) -> Customer:
    card = create_customer(
        CardData(
            name="Halyna Tkach",
            phones=["067 123 45 67"],
            attention=True,
            attention_note="Allergic to wool\nsecond line",
        ),
        by=staff["owner"],
        clock=clock,
    )
    Customer.update(card="2900000000053").where(Customer.id == card.id).execute()
    with write_tx():
        ledger.post(bonuses.account_of(card.id, NOW), 12550, "earn", now=NOW)
    return Customer.get_by_id(card.id)


@pytest.fixture
def events() -> list[CallEvent]:
    return []


@pytest.fixture
def hook(db: peewee.Database, clock, events: list[CallEvent]) -> Iterator[BinotelHook]:
    server = BinotelHook(
        listen="127.0.0.1:0", allow="127.0.0.1", company_id=COMPANY, on_event=events.append
    )
    server.clock = clock
    server.start()
    yield server
    server.stop()


def post_form(hook: BinotelHook, fields: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        hook.url,
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )


def post_json(hook: BinotelHook, body: Any) -> httpx.Response:
    return httpx.post(hook.url, json=body, timeout=5)


def completed_form(details: dict[str, Any]) -> dict[str, str]:
    """apiCallCompleted as Binotel posts it: PHP-style names for the nested call details."""
    fields = {"requestType": "apiCallCompleted", "attemptsCounter": "1"}
    for key, value in details.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                fields[f"callDetails[{key}][{sub}]"] = v
        else:
            fields[f"callDetails[{key}]"] = value
    return fields


# --- apiCallSettings --------------------------------------------------------------------------


def test_call_settings_form_names_a_known_caller(hook: BinotelHook, halyna: Customer) -> None:
    response = post_form(
        hook,
        {
            "requestType": "apiCallSettings",
            "companyID": COMPANY,
            "externalNumber": "0671234567",
            "pbxNumber": "0443334455",
            "internalNumber": "901",
            "callType": "0",
        },
    )
    assert response.status_code == 200
    assert response.json() == {
        "customerData": {
            "name": "Halyna Tkach",
            "description": "card 2900000000053; bonuses 125.50 ₴; ATTENTION: Allergic to wool",
            "linkToCrmUrl": "",
        }
    }


def test_call_settings_json_unknown_number_is_empty(hook: BinotelHook, halyna: Customer) -> None:
    response = post_json(
        hook,
        {"requestType": "apiCallSettings", "companyID": COMPANY, "externalNumber": "+380501112233"},
    )
    assert (response.status_code, response.json()) == (200, {})


# --- apiCallCompleted -------------------------------------------------------------------------


def test_call_completed_form_is_stored_once_however_often_retried(
    hook: BinotelHook, halyna: Customer
) -> None:
    start = dt.datetime(2026, 11, 22, 9, 30)
    details = call("612107649", start, number="0671234567", waitsec=4, billsec=122)
    for attempt in (1, 2, 3):
        fields = completed_form(details) | {"attemptsCounter": str(attempt)}
        response = post_form(hook, fields)
        assert (response.status_code, response.json()) == (200, {"status": "success"})
    row = PhoneCall.get()
    assert PhoneCall.select().count() == 1
    assert (
        row.general_call_id,
        row.direction,
        row.external_number,
        row.customer_id,
        row.internal_number,
        row.employee_name,
        row.started_at,
        row.wait_seconds,
        row.talk_seconds,
        row.disposition,
        row.callback,
        row.source,
    ) == (
        "612107649",
        "in",
        "+380671234567",
        halyna.id,
        "901",
        "Оператор1",
        start,
        4,
        122,
        "answered",
        "",
        "hook",
    )


def test_call_completed_json_missed_call_is_due_for_a_call_back(
    hook: BinotelHook, halyna: Customer
) -> None:
    details = call(
        "700", dt.datetime(2026, 11, 22, 9, 0), number="+380671234567", disposition="NOANSWER"
    )
    details["waitsec"] = 17  # numbers as numbers: some send JSON
    response = post_json(hook, {"requestType": "apiCallCompleted", "callDetails": details})
    assert response.json() == {"status": "success"}
    row = PhoneCall.get()
    assert (row.disposition, row.callback, row.wait_seconds, row.talk_seconds) == (
        "missed",
        "due",
        17,
        0,
    )


# --- refusals ---------------------------------------------------------------------------------


def test_wrong_source_address_is_refused(db: peewee.Database, halyna: Customer) -> None:
    server = BinotelHook(listen="127.0.0.1:0", allow="194.88.218.116", company_id=COMPANY).start()
    try:
        details = call("1", dt.datetime(2026, 11, 22, 9, 0))
        response = post_form(server, completed_form(details))
        assert response.status_code == 403
        assert "127.0.0.1 is not on binotel.allow" in response.json()["message"]
        settings = post_form(
            server,
            {
                "requestType": "apiCallSettings",
                "companyID": COMPANY,
                "externalNumber": "0671234567",
            },
        )
        assert settings.status_code == 403 and "Halyna" not in settings.text
    finally:
        server.stop()
    assert PhoneCall.select().count() == 0


def test_wrong_company_is_refused(hook: BinotelHook, halyna: Customer, events: list) -> None:
    details = call("2", dt.datetime(2026, 11, 22, 9, 0)) | {"companyID": "99999"}
    response = post_form(hook, completed_form(details))
    assert response.status_code == 403
    assert (
        response.json()["message"]
        == "companyID '99999' is not this shop's: the request was refused."
    )
    response = post_json(
        hook, {"requestType": "receivedTheCall", "externalNumber": "0671234567"}
    )  # no companyID at all
    assert response.status_code == 403
    assert PhoneCall.select().count() == 0 and events == []


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("", "The call has no externalNumber: nothing was stored."),
        ("06712", "externalNumber '06712' is not a phone number"),
        ("abc-def", "externalNumber 'abc-def' is not a phone number"),
    ],
)
def test_missing_or_malformed_number_is_a_clear_400(
    hook: BinotelHook, halyna: Customer, events: list, number: str, words: str
) -> None:
    details = call("3", dt.datetime(2026, 11, 22, 9, 0), number=number)
    response = post_form(hook, completed_form(details))
    assert response.status_code == 400
    assert response.json()["status"] == "error" and words in response.json()["message"]
    pushed = post_form(
        hook,
        {"requestType": "receivedTheCall", "companyID": COMPANY, "externalNumber": number},
    )
    assert pushed.status_code == 400 and words in pushed.json()["message"]
    assert PhoneCall.select().count() == 0 and events == []


def test_other_bad_requests(hook: BinotelHook) -> None:
    bad_type = post_json(hook, {"requestType": "apiSomething", "companyID": COMPANY})
    assert bad_type.status_code == 400 and "Unknown requestType 'apiSomething'" in bad_type.text
    bad_json = httpx.post(
        hook.url, content=b"{not json", headers={"Content-Type": "application/json"}, timeout=5
    )
    assert bad_json.status_code == 400 and "cannot be read" in bad_json.json()["message"]
    details = call("x y", dt.datetime(2026, 11, 22, 9, 0))
    assert post_form(hook, completed_form(details)).status_code == 400
    assert httpx.get(hook.url, timeout=5).status_code == 405
    assert PhoneCall.select().count() == 0


def test_hook_needs_a_company_id(db: peewee.Database) -> None:
    with pytest.raises(ConfigError, match="binotel.company_id is empty"):
        BinotelHook(listen="127.0.0.1:0", allow="", company_id="")


# --- push events ------------------------------------------------------------------------------


def test_received_call_event_carries_the_callers_card(
    hook: BinotelHook, halyna: Customer, events: list[CallEvent]
) -> None:
    response = post_form(
        hook,
        {
            "requestType": "receivedTheCall",
            "companyID": COMPANY,
            "generalCallID": "800",
            "externalNumber": "0671234567",
            "internalNumber": "901",
            "callType": "0",
        },
    )
    assert (response.status_code, response.json()) == (200, {"status": "success"})
    (event,) = events
    assert (event.kind, event.general_call_id, event.number, event.direction) == (
        "received",
        "800",
        "+380671234567",
        "in",
    )
    assert event.caller is not None
    assert (event.caller.name, event.caller.bonus_balance, event.caller.attention) == (
        "Halyna Tkach",
        12550,
        True,
    )
    post_json(
        hook,
        {
            "requestType": "hangupTheCall",
            "companyID": COMPANY,
            "generalCallID": "800",
            "externalNumber": "0671234567",
            "billsec": "30",
            "disposition": "ANSWER",
        },
    )
    assert [e.kind for e in events] == ["received", "hangup"] and events[1].caller is None


def test_nested_form_names() -> None:
    assert nested_form(
        [
            ("callDetails[generalCallID]", "5"),
            ("callDetails[dstNumbers][0][billsec]", "7"),
            ("callDetails[tags][]", "a"),
            ("callDetails[tags][]", "b"),
            ("plain", "x"),
        ]
    ) == {
        "callDetails": {
            "generalCallID": "5",
            "dstNumbers": {"0": {"billsec": "7"}},
            "tags": {"0": "a", "1": "b"},
        },
        "plain": "x",
    }


# --- the journal ------------------------------------------------------------------------------


def test_answered_call_closes_earlier_missed_calls_and_marking_by_hand(
    db: peewee.Database, staff: dict[str, Any], halyna: Customer, clock
) -> None:
    t = dt.datetime(2026, 11, 22, 9, 0)
    missed = [
        call(str(i), t + dt.timedelta(minutes=i), disposition=d)
        for i, d in ((1, "NOANSWER"), (2, "BUSY"))
    ]
    other = call("3", t, number="0501112233", disposition="CANCEL")
    assert call_journal.store_calls([*missed, other], source="poll", clock=clock) == (3, 0, [])
    assert call_journal.missed_count() == 3
    # we called her back, and she answered
    back = call("4", t + dt.timedelta(minutes=30), incoming=False)
    assert call_journal.store_calls({"4": back}, source="hook", clock=clock)[0] == 1
    assert call_journal.missed_count() == 1
    rows = call_journal.journal_page(missed_only=True)
    assert [(r.external_number, r.disposition, r.customer) for r in rows] == [
        ("+380501112233", "cancelled", "")
    ]
    assert call_journal.mark_called_back(rows[0].id, by=staff["cashier"], clock=clock) == 1
    assert call_journal.missed_count() == 0
    done = call_journal.journal_page()[-1]
    assert (done.callback, done.callback_by, done.callback_at) == ("done", "Kateryna Cashier", NOW)
    with pytest.raises(ValidationError, match="not waiting for a call back"):
        call_journal.mark_called_back(rows[0].id, by=staff["cashier"], clock=clock)
    page = call_journal.journal_page(limit=2)
    older = call_journal.journal_page(before=(page[-1].started_at, page[-1].id), limit=10)
    assert [r.id for r in page + older] == [r.id for r in call_journal.journal_page()]


def test_parse_call_refuses_what_it_cannot_read() -> None:
    good = call("9", dt.datetime(2026, 11, 22, 9, 0))
    assert call_journal.parse_call(good | {"disposition": "ONLINE"}) is None  # not over yet
    for bad, words in [
        ({"callType": "2"}, "callType must be 0"),
        ({"billsec": "ten"}, "billsec must be a whole number"),
        ({"startTime": ""}, "startTime must be a whole number"),
        ({"generalCallID": ""}, "no usable generalCallID"),
    ]:
        with pytest.raises(ValidationError, match=words):
            call_journal.parse_call(good | bad)


# --- the polling fallback ---------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeBinotel]:
    server = FakeBinotel().start()
    yield server
    server.stop()


def test_poll_fills_the_journal_once(
    db: peewee.Database, fake: FakeBinotel, halyna: Customer
) -> None:
    now = dt.datetime(2026, 11, 22, 12, 0)
    fake.calls = [
        call("101", dt.datetime(2026, 11, 22, 8, 0), disposition="NOANSWER"),
        call("102", dt.datetime(2026, 11, 22, 11, 0), number="0501112233", billsec=45),
        call("103", dt.datetime(2026, 11, 22, 11, 30), incoming=False, number="0671234567"),
        call("104", dt.datetime(2026, 11, 22, 11, 40), disposition="ONLINE"),  # still going
    ]
    with BinotelClient(KEY, SECRET, base_url=fake.url) as client:
        first = poll_once(client, since=None, now=now)
        again = poll_once(client, since=now - dt.timedelta(hours=3), now=now)
    assert (first.new, first.problems) == (3, [])
    assert (again.new, again.old) == (0, 3)  # 101 (lost today), 102 and 103 (since 8:55)
    assert [m for m, _ in fake.requests[:2]] == [
        "stats/list-of-lost-calls-for-today",
        "stats/list-of-calls-for-period",
    ]
    assert fake.requests[1][1] == {
        "startTime": int((now - dt.timedelta(hours=24)).timestamp()),
        "stopTime": int(now.timestamp()),
    }
    assert fake.requests[3][1]["startTime"] == int(dt.datetime(2026, 11, 22, 8, 55).timestamp())
    rows = {r.general_call_id: r for r in PhoneCall.select()}
    assert sorted(rows) == ["101", "102", "103"]
    # 101 was missed, then 103 (we called her at 11:30 and she answered) closed it
    assert (rows["101"].callback, rows["101"].callback_by_id) == ("done", None)
    assert (rows["102"].talk_seconds, rows["102"].customer_id) == (45, None)
    assert all(r.source == "poll" for r in rows.values())


def test_poller_backs_off_on_106_and_outages(db: peewee.Database, fake: FakeBinotel, clock) -> None:
    fake.calls = [call("201", dt.datetime(2026, 11, 22, 9, 0), disposition="NOANSWER")]
    with BinotelClient(KEY, SECRET, base_url=fake.url) as client:
        poller = Poller(client, 5, clock=clock)
        fake.too_frequent_left = 2
        assert poller.run() is None
        assert "too frequent (code 106)" in poller.last_message
        assert poller.next_at == clock() + dt.timedelta(minutes=10)
        clock.advance(minutes=10)
        assert poller.run() is None and poller.next_at == clock() + dt.timedelta(minutes=20)
        fake.fail_left = 1
        clock.advance(minutes=20)
        assert poller.run() is None and "does not answer" in poller.last_message
        assert poller.wait_minutes == 40
        fake.html_left = 1
        clock.advance(minutes=40)
        assert poller.run() is None and poller.wait_minutes == 60  # at most an hour
        clock.advance(minutes=60)
        result = poller.run()
    assert result is not None and result.new == 1
    assert poller.wait_minutes == 5 and poller.next_at == clock() + dt.timedelta(minutes=5)
    assert PhoneCall.get().general_call_id == "201"


def test_wrong_key_is_refused_without_quoting_the_secret(fake: FakeBinotel) -> None:
    from torgtui.channels.binotel import BinotelError

    with (
        BinotelClient("wrong-key-123", "wrong-secret-456", base_url=fake.url) as client,
        pytest.raises(BinotelError) as caught,
    ):
        client.lost_calls_today()
    assert caught.value.code == 101
    assert "wrong-secret-456" not in caught.value.message
    assert "wrong-key-123" not in caught.value.message
    assert "Check the key, the secret" in caught.value.message


def test_a_client_that_keeps_connections_open_gets_every_answer(
    hook: BinotelHook, halyna: Customer
) -> None:
    """Each answer says Connection: close, so a pooled client opens a new one each time."""
    body = {"requestType": "apiCallSettings", "companyID": COMPANY, "externalNumber": "0671234567"}
    with httpx.Client(timeout=5) as client:
        answers = [client.post(hook.url, data=body) for _ in range(3)]
    assert [a.json()["customerData"]["name"] for a in answers] == ["Halyna Tkach"] * 3
    assert answers[0].headers["connection"] == "close"


def test_calls_follow_a_merge_and_an_erased_card_keeps_no_number(
    db: peewee.Database, staff: dict[str, Any], halyna: Customer, clock
) -> None:
    from torgtui.customers.merge import erase_customer, merge_customers

    other = create_customer(CardData(name="Halyna T.", phones=["050 111 22 33"]), by=staff["owner"])
    t = dt.datetime(2026, 11, 22, 9, 0)
    calls = [
        call("1", t, disposition="NOANSWER"),  # Halyna's phone
        call("2", t, number="0501112233", disposition="NOANSWER"),  # the other card's
        call("3", t, number="0931234567"),  # somebody else
    ]
    assert call_journal.store_calls(calls, source="poll", clock=clock)[0] == 3
    merge_customers(halyna, [other], by=staff["owner"], clock=clock)
    by_id = {r.general_call_id: r for r in PhoneCall.select()}
    assert by_id["2"].customer_id == halyna.id
    erase_customer(Customer.get_by_id(halyna.id), by=staff["owner"], clock=clock)
    rows = {
        r.general_call_id: (r.customer_id, r.external_number, r.callback)
        for r in PhoneCall.select()
    }
    assert rows == {
        "1": (None, "", ""),
        "2": (None, "", ""),
        "3": (None, "+380931234567", ""),
    }
    assert call_journal.missed_count() == 0
