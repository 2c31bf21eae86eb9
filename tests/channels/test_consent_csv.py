"""Consent and the stop-list travel with the customer CSV: imported (with the reason of an
opt-out), exported, a bad channel refused with its line and nothing of that row written."""

from __future__ import annotations

import csv
from pathlib import Path

from torgtui.channels import consent
from torgtui.channels.outbox import enqueue
from torgtui.customers.csvio import export_customers, import_customers
from torgtui.models import Customer, OutboxMessage

CSV = (
    "name;phone;consent;opted_out\n"
    "Олена;067 123 45 67;SMS | viber;\n"
    "Іван;093 111 22 33;email;Попросив не писати\n"
    "Марія;066 123 45 67;fax;\n"
    "Петро;050 000 00 01;;\n"
)


def test_import_then_export_carries_consent(db, staff, clock, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(CSV, encoding="utf-8")
    report = import_customers(path, by=staff["manager"], clock=clock)
    assert report.imported == 3
    assert [(line, "fax" in why) for line, why in report.rejected] == [(4, True)]
    olena = Customer.get(Customer.name == "Олена")
    ivan = Customer.get(Customer.name == "Іван")
    petro = Customer.get(Customer.name == "Петро")
    given = consent.consents_of(olena.id)
    assert {c for c, x in given.items() if x.granted} == {"sms", "viber"}
    assert {x.how for x in given.values()} == {"import"}
    assert consent.stop_of(ivan.id).reason == "Попросив не писати"
    assert consent.consents_of(petro.id) == {}
    # what the outbox makes of it
    ok = enqueue(
        olena.id, "mailing", "m:1:o", channel="viber", marketing=True, text="x", now=clock()
    )
    no = enqueue(
        ivan.id, "mailing", "m:1:i", channel="email", marketing=True, text="x", now=clock()
    )
    assert OutboxMessage.get_by_id(ok).status == "pending"
    assert OutboxMessage.get_by_id(no).status == "suppressed"

    out = tmp_path / "out.csv"
    export_customers(out, viewer=None, clock=clock)
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = {r["name"]: r for r in csv.DictReader(f, delimiter=";")}
    assert (rows["Олена"]["consent"], rows["Олена"]["opted_out"]) == ("sms | viber", "")
    assert (rows["Іван"]["consent"], rows["Іван"]["opted_out"]) == ("", "Попросив не писати")
    assert (rows["Петро"]["consent"], rows["Петро"]["opted_out"]) == ("", "")
