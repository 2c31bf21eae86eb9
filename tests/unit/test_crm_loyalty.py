"""CRM loose ends of the loyalty issue: merging cards sums their bonuses and VIP balances by
ledger entries (never by rewriting one); a family may share a phone (a warning, then a
manager's decision, noted and audited) and the register's F6 offers every card on it; the
owner's role settings, checked by the services on every register."""

from __future__ import annotations

import datetime as dt

import pytest

from torgtui import roles
from torgtui import staff as st
from torgtui.customers.merge import clean_card, merge_customers
from torgtui.customers.service import (
    CardData,
    DuplicateCustomer,
    SeveralCustomers,
    SharedPhone,
    create_customer,
    customers_by_phone_or_card,
    find_by_phone_or_card,
    update_customer,
)
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import bonuses, ledger, vip
from torgtui.marketing.ledger import Kind
from torgtui.models import AuditEntry, Contact, Customer, LedgerEntry, RolePermission
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift

NOW = dt.datetime(2026, 11, 22, 10, 0)


def person(name: str, card: str | None = None) -> Customer:
    return Customer.create(name=name, card=card, created_at=NOW, updated_at=NOW)


def audits(action: str) -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id))


# --- merging sums the ledgers -------------------------------------------------------------


def test_merging_sums_bonuses_by_transfer_entries(db, staff, clock) -> None:
    keep, dup = person("Оля", "2900000000018"), person("О. Петренко", "2900000000025")
    mine = bonuses.account_of(keep.id, NOW)
    theirs = bonuses.account_of(dup.id, NOW)
    soon, later = NOW + dt.timedelta(days=10), NOW + dt.timedelta(days=40)
    ledger.post(mine, 1500, "earn", now=NOW, expires_at=later)
    ledger.post(theirs, 2000, "earn", now=NOW, expires_at=soon)
    ledger.post(theirs, 700, "earn", now=NOW, expires_at=later)
    ledger.post(theirs, -500, "spend", now=NOW, keep_open=False)  # takes 5.00 of the 20.00
    # a reversal that found nothing to take back: a debt, below the floor
    ledger.post(theirs, -300, "unearn", now=NOW, settle=ledger.Settle.NONE, below_floor=True)
    old = {e.id: (e.account_id, e.amount) for e in LedgerEntry.select()}

    merge_customers(keep, [dup], by=staff["manager"], clock=clock)

    assert bonuses.balance_of(keep.id) == 1500 + 2000 + 700 - 500 - 300
    assert bonuses.balance_of(dup.id) == 0
    assert ledger.check_account(mine).ok and ledger.check_account(theirs).ok
    # every earlier entry is as it was; the move is new entries, out of one and into the other
    assert all(
        (LedgerEntry.get_by_id(i).account_id, LedgerEntry.get_by_id(i).amount) == v
        for i, v in old.items()
    )
    moved = list(LedgerEntry.select().where(LedgerEntry.id > max(old)).order_by(LedgerEntry.id))
    assert sorted((e.account_id, e.kind, e.amount) for e in moved) == sorted(
        [
            (theirs, "merge_out", -1500),
            (mine, "merge_in", 1500),
            (theirs, "merge_out", -700),
            (mine, "merge_in", 700),
            (theirs, "merge_out", 300),
            (mine, "merge_in", -300),
        ]
    )
    assert {e.document for e in moved} == {f"merge:{keep.id}"}
    # the expiry dates travel with the bonuses, soonest first
    assert bonuses.buckets_of(keep.id, NOW) == [(1500, soon), (1500, later), (700, later)]
    assert ledger.balance(ledger.find_account(Kind.BONUS, "customer", keep.id)) == 3400
    [entry] = audits("customer.merge")
    assert '"ledgers": {"bonus": 1900}' in entry.after


def test_merging_onto_a_card_without_bonuses_opens_its_account(db, staff, clock) -> None:
    keep, dup = person("Оля"), person("Оля Д.", "2900000000025")
    ledger.post(bonuses.account_of(dup.id, NOW), 1234, "earn", now=NOW)
    merged = merge_customers(keep.id, [dup.id], by=staff["manager"], clock=clock)
    assert bonuses.balance_of(keep.id) == 1234 and merged.card == "2900000000025"
    account = ledger.find_account(Kind.BONUS, "customer", keep.id)
    assert account is not None and ledger.check_account(account).ok


def test_merging_carries_the_vip_account_and_the_card_type(db, staff, shop, clock) -> None:
    from torgtui.marketing.cards import CardTypeData, save_card_type

    gold = save_card_type(CardTypeData("gold", "Gold", "discount", 5), by=staff["manager"])
    keep, dup = person("Оля"), person("Ольга", "2900000000025")
    vip.set_vip(dup.id, "credit", limit=50000, term_days=7, by=staff["manager"], clock=clock)
    shift = open_shift(staff["cashier"], "till-1", shop.location, 100000, clock=clock)
    reg = Register(staff["cashier"], register="till-1", clock=clock)
    reg.scan(shop.cream_code)
    reg.attach_customer(dup)
    commit_sale(
        reg.basket,
        [Tender("credit", 18990)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    Customer.update(card_type=gold.id, tier_floor=500000).where(Customer.id == dup.id).execute()
    merged = merge_customers(keep, [dup], by=staff["manager"], clock=clock)
    assert (merged.card, merged.card_type_id, merged.tier_floor) == (
        "2900000000025",
        gold.id,
        500000,
    )
    state = vip.state_of(keep.id, NOW)
    assert state is not None and (state.debt, state.limit, state.mode) == (18990, 50000, "credit")
    assert vip.state_of(dup.id, NOW) is None
    assert vip.check(keep.id).ok and vip.check(dup.id).ok
    with pytest.raises(ValidationError, match="Оля owes .* on account: take the payment first"):
        clean_card(merged, by=staff["manager"], clock=clock)


# --- a family sharing one phone -------------------------------------------------------------


def card(name: str, *phones: str, number: str = "") -> CardData:
    return CardData(name=name, phones=list(phones), card=number)


def test_a_cashier_is_warned_and_offered_the_existing_card(db, staff, clock) -> None:
    mum = create_customer(card("Мама", "0671234567"), by=staff["cashier"], clock=clock)
    before = (Customer.select().count(), AuditEntry.select().count())
    with pytest.raises(SharedPhone, match="already belongs to Мама.*ask a manager or the owner"):
        create_customer(card("Син", "067 123 45 67"), by=staff["cashier"], clock=clock)
    try:
        create_customer(card("Син", "0671234567"), by=staff["cashier"], clock=clock)
    except SharedPhone as warning:
        assert [c.id for c in warning.existing] == [mum.id] and not warning.may_share
    with pytest.raises(PermissionDenied, match="may not add a second card"):
        create_customer(
            card("Син", "0671234567"), by=staff["cashier"], clock=clock, share_phone=True
        )
    assert (Customer.select().count(), AuditEntry.select().count()) == before


def test_a_manager_may_add_a_second_card_on_the_phone(db, staff, clock) -> None:
    mum = create_customer(card("Мама", "0671234567"), by=staff["cashier"], clock=clock)
    with pytest.raises(SharedPhone, match="save this one on the same phone") as warned:
        create_customer(card("Син", "0671234567"), by=staff["manager"], clock=clock)
    assert warned.value.may_share
    son = create_customer(
        card("Син", "0671234567"), by=staff["manager"], clock=clock, share_phone=True
    )
    assert son.phone == mum.phone == "+380671234567"
    [entry] = audits("customer.shared_phone")
    assert entry.object_id == str(son.id) and f'"shared_with": [{mum.id}]' in entry.after
    assert entry.employee_id == staff["manager"].id
    note = Contact.get(Contact.customer == son.id)
    assert (note.kind, note.text) == ("note", "Shares a phone with Мама (a family).")
    # editing the son's card later does not ask again about the phone he already shares
    update_customer(son, card("Син Петренко", "0671234567"), by=staff["senior_cashier"])
    assert len(audits("customer.shared_phone")) == 1


def test_a_card_number_is_never_shared(db, staff, clock) -> None:
    create_customer(card("Мама", number="2900000000018"), by=staff["manager"], clock=clock)
    with pytest.raises(DuplicateCustomer, match="Card 2900000000018 already belongs to Мама"):
        create_customer(card("Син", number="2900000000018"), by=staff["manager"], share_phone=True)


def test_adding_another_cards_phone_to_a_card_warns_too(db, staff, clock) -> None:
    mum = create_customer(card("Мама", "0671234567"), by=staff["cashier"], clock=clock)
    dad = create_customer(card("Тато", "0501112233"), by=staff["cashier"], clock=clock)
    with pytest.raises(SharedPhone) as warned:
        update_customer(dad, card("Тато", "0501112233", "0671234567"), by=staff["senior_cashier"])
    assert [c.id for c in warned.value.existing] == [mum.id]
    assert Customer.get_by_id(dad.id).phone == "+380501112233"
    update_customer(
        dad, card("Тато", "0501112233", "0671234567"), by=staff["owner"], share_phone=True
    )
    assert len(audits("customer.shared_phone")) == 1


def test_f6_offers_every_card_on_a_shared_phone(db, staff, clock) -> None:
    mum = create_customer(
        card("Мама", "0671234567", number="2900000000018"), by=staff["cashier"], clock=clock
    )
    son = create_customer(
        card("Син", "0671234567"), by=staff["manager"], clock=clock, share_phone=True
    )
    dad = create_customer(
        card("Тато", "0501112233", "0671234567"), by=staff["manager"], share_phone=True
    )
    Customer.update(last_visit=NOW).where(Customer.id == son.id).execute()
    # whose main phone it is first, then the latest visit
    assert [c.id for c in customers_by_phone_or_card("067 123 45 67")] == [son.id, mum.id, dad.id]
    with pytest.raises(SeveralCustomers, match="3 cards have this phone") as several:
        find_by_phone_or_card("+380671234567")
    assert [c.id for c in several.value.customers] == [son.id, mum.id, dad.id]
    assert find_by_phone_or_card("2900000000018").id == mum.id  # the card says who
    assert find_by_phone_or_card("0501112233").id == dad.id
    assert customers_by_phone_or_card("0999999999") == [] and find_by_phone_or_card("") is None


# --- role settings ------------------------------------------------------------------------


def test_the_owner_takes_a_right_away_and_gives_it_back(db, staff, clock) -> None:
    owner, cashier = staff["owner"], staff["cashier"]
    grant = roles.set_role_permission("cashier", "create_customers", False, by=owner, clock=clock)
    assert (grant.granted, grant.builtin, grant.changed) == (False, True, True)
    with pytest.raises(PermissionDenied, match="may not add customers"):
        create_customer(card("Нова"), by=cashier, clock=clock)
    cell = next(
        g
        for g in roles.role_permissions()
        if (g.role, g.permission) == ("cashier", "create_customers")
    )
    assert (cell.granted, cell.changed, cell.changed_by_id) == (False, True, owner.id)
    back = roles.set_role_permission("cashier", "create_customers", True, by=owner, clock=clock)
    assert back.changed is False and RolePermission.select().count() == 0
    assert create_customer(card("Нова"), by=cashier, clock=clock).id
    entries = audits("staff.role_permission")
    assert [e.after for e in entries] == [
        '{"builtin": true, "granted": false, "permission": "create_customers"}',
        '{"builtin": true, "granted": true, "permission": "create_customers"}',
    ]


def test_the_vip_list_and_the_customer_base_are_in_role_settings(db, staff, clock) -> None:
    senior = staff["senior_cashier"]
    assert not st.can(senior, st.Permission.EDIT_VIP)
    roles.set_role_permission("senior_cashier", "edit_vip", True, by=staff["owner"])
    c = person("Оля")
    assert vip.set_vip(c.id, "credit", limit=1000, term_days=7, by=senior, clock=clock)
    roles.set_role_permission("senior_cashier", "see_phones", False, by=staff["owner"])
    assert not st.can(senior, st.Permission.SEE_PHONES)
    assert st.roles_with(st.Permission.EDIT_VIP) == [
        st.Role.SENIOR_CASHIER,
        st.Role.MANAGER,
        st.Role.OWNER,
    ]


def test_no_lock_out_and_no_escalation(db, staff, clock) -> None:
    owner, manager = staff["owner"], staff["manager"]
    for permission in ("manage_staff", "change_settings"):
        with pytest.raises(ValidationError, match="The owner always may"):
            roles.set_role_permission("owner", permission, False, by=owner)
    with pytest.raises(PermissionDenied, match="may not manage staff"):
        roles.set_role_permission("cashier", "edit_vip", True, by=manager)
    roles.set_role_permission("manager", "manage_staff", True, by=owner)
    roles.set_role_permission("cashier", "edit_customers", True, by=manager)  # manager has it
    with pytest.raises(ValidationError, match="You may not confirm a sale below cost yourself"):
        roles.set_role_permission("cashier", "confirm_below_cost", True, by=manager)
    with pytest.raises(ValidationError, match="Only the owner"):
        roles.set_role_permission("owner", "sell", False, by=manager)
    for bad in [("boss", "sell", True), ("cashier", "fly", True), ("cashier", "sell", 1)]:
        with pytest.raises(ValidationError):
            roles.set_role_permission(*bad, by=owner)
    # a stored row that would lock the owner out is ignored
    RolePermission.create(
        role="owner", permission="manage_staff", granted=False, changed_at=NOW, changed_by=None
    )
    st.bump_roles_version()
    assert st.can(owner, st.Permission.MANAGE_STAFF)
    assert len(audits("staff.role_permission")) == 2


def test_a_change_made_on_another_register_is_seen_at_the_next_check(db, staff) -> None:
    cashier = staff["cashier"]
    assert st.can(cashier, st.Permission.SELL)
    # what set_role_permission writes, as another process would: the row and the version
    RolePermission.create(
        role="cashier", permission="sell", granted=False, changed_at=NOW, changed_by=None
    )
    assert st.can(cashier, st.Permission.SELL)  # this process's table until the version moves
    st.bump_roles_version()
    assert not st.can(cashier, st.Permission.SELL)
    with pytest.raises(PermissionDenied, match="may not sell"):
        Register(cashier, register="till-1")
