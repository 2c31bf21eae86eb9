"""Merging duplicate cards into one, cleaning a card for reissue, and erasing a person's data.

A merge moves every row hanging off the source cards (receipts, phones, family, interests,
contacts, reminders, addresses, open and held receipts) to the target in one transaction and
keeps the sources as "merged" tombstones pointing at it, so old references still resolve.
Cleaning keeps the card number so the plastic card can be given to someone else; erasing
frees it too and leaves no personal data behind, not even in the audit entry it writes.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from typing import Any

from torgtui.channels.call_journal import forget_calls, move_calls
from torgtui.clock import Clock, system_clock
from torgtui.customers.service import (
    CardData,
    index_words,
    private,
    recompute_totals,
    snapshot,
    status_title,
)
from torgtui.customers.service import update_customer as _update_customer
from torgtui.customers.words import sort_key
from torgtui.db import is_sqlite, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.models import (
    Contact,
    Customer,
    CustomerInterest,
    CustomerPhone,
    CustomerWord,
    DeliveryAddress,
    Draft,
    Employee,
    FamilyMember,
    LedgerAccount,
    LedgerOpen,
    Receipt,
    Reminder,
)
from torgtui.staff import Permission, audit, require

CustomerRef = Customer | int
OWNER = "customer"  # the ledger accounts' owner type for a customer


def _id(customer: CustomerRef) -> int:
    return customer if isinstance(customer, int) else customer.id


def _audit_snapshot(customer: Customer) -> dict[str, Any]:
    """The card as the audit log keeps it: ``snapshot`` without personal data (see
    ``service.private``) plus id and totals."""
    return {
        "id": customer.id,
        **(private(None, snapshot(customer))[1] or {}),
        "total_bought": customer.total_bought,
        "total_returned": customer.total_returned,
        "receipts_count": customer.receipts_count,
    }


def _joined(texts: Iterable[str], sep: str, limit: int) -> str:
    """Non-empty ``texts`` once each, in order, joined by ``sep`` and cut to ``limit``."""
    seen: list[str] = []
    for text in texts:
        text = (text or "").strip()
        if text and text not in seen:
            seen.append(text)
    return sep.join(seen)[:limit]


# --- merging --------------------------------------------------------------------------------


def move_ledgers(
    source_ids: Sequence[int], target_id: int, *, now: Any, employee_id: int | None = None
) -> dict[str, Any]:
    """Move every balance the merged cards keep on the ledger (bonuses, the VIP account, and
    whatever later kinds a customer owns) to the target, inside the merge transaction:
    {account kind: amount moved, plus the VIP facts}.

    Nothing is rewritten (the ledger is append-only): each open item on a source is settled
    by an entry and opened again on the target with the same amount, expiry and due date, so
    the target's balance is the sum of both. The VIP account goes through
    torgtui.marketing.vip.merge_into (limits add up, item-level debts keep their receipt
    lines, the VIP list follows); every other kind through ledger.transfer, the target taking
    the more generous floor of the two, both floors eased while the items move so a debt (a
    bonus reversal that found nothing to take back) moves whole.
    """
    from torgtui.marketing import vip

    moved: dict[str, Any] = {}
    document = f"merge:{target_id}"
    rows = list(
        LedgerAccount.select()
        .where(
            (LedgerAccount.owner_type == OWNER)
            & LedgerAccount.owner_id.in_(list(source_ids))
            & (LedgerAccount.kind != ledger.Kind.VIP.value)
        )
        .order_by(LedgerAccount.owner_id, LedgerAccount.kind)
    )
    for source in rows:
        if not LedgerOpen.select().where(LedgerOpen.account == source.id).exists():
            continue
        target = ledger.account(source.kind, OWNER, target_id, now=now, floor=source.floor)
        target_row = LedgerAccount.get_by_id(target)
        floor = min(target_row.floor, source.floor)
        credits = sum(i.amount for i in ledger.open_items(source.id, 1))
        debts = sum(i.amount for i in ledger.open_items(source.id, -1))
        ledger.set_floor(source.id, min(source.floor, source.balance - credits, 0))
        ledger.set_floor(target, min(floor, target_row.balance - debts, 0))
        amount = ledger.transfer(
            source.id,
            target,
            now=now,
            kind_out="merge_out",
            kind_in="merge_in",
            document=document,
            employee_id=employee_id,
        )
        ledger.set_floor(source.id, source.floor)
        ledger.set_floor(target, floor)
        moved[source.kind] = moved.get(source.kind, 0) + amount
    moved.update(vip.merge_into(source_ids, target_id, now=now, employee_id=employee_id))
    return moved


def _move_interests(all_ids: Sequence[int], target_id: int) -> int:
    """One interest per product group on the target; a manual one wins over an automatic one,
    then the earliest. Returns how many source rows were folded into the target's."""
    best: dict[int, CustomerInterest] = {}
    rows = list(CustomerInterest.select().where(CustomerInterest.customer.in_(list(all_ids))))
    for row in rows:
        kept = best.get(row.group_id)
        rank = (row.source != "manual", row.created_at)
        if kept is None or rank < (kept.source != "manual", kept.created_at):
            best[row.group_id] = row
    CustomerInterest.delete().where(CustomerInterest.customer.in_(list(all_ids))).execute()
    if best:
        CustomerInterest.insert_many(
            [
                {
                    "customer": target_id,
                    "group": group_id,
                    "source": row.source,
                    "created_at": row.created_at,
                }
                for group_id, row in sorted(best.items())
            ]
        ).execute()
    return len(rows) - len(best)


def _move_family(source_ids: Sequence[int], target_id: int) -> int:
    """Move family members; one recorded on both cards (same relation, name and birth date)
    is kept once. Returns how many duplicates were dropped."""
    key = _family_key
    have = {key(m) for m in FamilyMember.select().where(FamilyMember.customer == target_id)}
    dropped = []
    for member in FamilyMember.select().where(FamilyMember.customer.in_(list(source_ids))):
        if key(member) in have:
            dropped.append(member.id)
        else:
            have.add(key(member))
    if dropped:
        FamilyMember.delete().where(FamilyMember.id.in_(dropped)).execute()
    FamilyMember.update(customer=target_id).where(
        FamilyMember.customer.in_(list(source_ids))
    ).execute()
    return len(dropped)


def _family_key(member: FamilyMember) -> tuple[str, str, Any]:
    return (member.relation, " ".join(member.name.casefold().split()), member.birth_date)


def _retarget_drafts(source_ids: Sequence[int], target_id: int | None) -> int:
    """Point open and held receipts of the source cards at ``target_id`` (None detaches)."""
    moved = 0
    wanted = set(source_ids)
    for draft in Draft.select(Draft.id, Draft.data).where(Draft.status.in_(["open", "held"])):
        try:
            data = json.loads(draft.data)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("customer_id") in wanted:
            data["customer_id"] = target_id
            Draft.update(data=json.dumps(data, ensure_ascii=False)).where(
                Draft.id == draft.id
            ).execute()
            moved += 1
    return moved


def _refuse_merge(target_id: int, source_ids: list[int]) -> None:
    if not source_ids:
        raise ValidationError(_("Choose at least one card to merge into this one."))
    if target_id in source_ids:
        raise ValidationError(
            _("A card cannot be merged into itself: choose the duplicates, not the card kept.")
        )


def _lock_active(target_id: int, source_ids: Sequence[int], now: Any) -> None:
    """Lock every card of the merge, then refuse unless all are active (naming the first that
    is not), and touch them.

    On PostgreSQL the rows are locked by one ``SELECT ... ORDER BY id FOR UPDATE``: every merge
    takes its locks in the same order, so two merges of the same cards (even crosswise, A into
    B while B into A) queue instead of deadlocking, and the second sees the first's result and
    is refused. On SQLite the immediate write transaction already lets one writer in at a time.
    """
    ids = [target_id, *source_ids]
    query = (
        Customer.select(Customer.id, Customer.name, Customer.status)
        .where(Customer.id.in_(ids))
        .order_by(Customer.id)
    )
    if not is_sqlite():
        query = query.for_update()
    rows = {c.id: c for c in query}
    for cid in ids:
        row = rows.get(cid)
        if row is None:
            raise ValidationError(
                _("Card {id} does not exist (deleted meanwhile?): refresh the list.").format(id=cid)
            )
        if row.status != "active":
            what = (
                _("The card to keep, {name}, is {status}: choose an active card to keep.")
                if cid == target_id
                else _("{name} is {status}: only active cards can be merged; refresh the list.")
            )
            raise ValidationError(what.format(name=row.name, status=status_title(row.status)))
    Customer.update(updated_at=now).where(Customer.id.in_(ids)).execute()


def merge_customers(
    target: CustomerRef,
    sources: Iterable[CustomerRef],
    *,
    by: Employee,
    clock: Clock = system_clock,
) -> Customer:
    """Merge ``sources`` into ``target`` and return the target as it now is.

    Every history row moves to the target; its empty fields are filled from the sources (in the
    order given), notes are joined, the totals recounted. The sources become "merged" cards
    with ``merged_into`` set and no phone, card number or search words.
    """
    require(by, Permission.MERGE_CUSTOMERS)
    target_id = _id(target)
    source_ids = list(dict.fromkeys(_id(s) for s in sources))
    _refuse_merge(target_id, source_ids)
    all_ids = [target_id, *source_ids]
    now = clock()
    with write_tx():
        _lock_active(target_id, source_ids, now)
        cards = {c.id: c for c in Customer.select().where(Customer.id.in_(all_ids))}
        kept = cards[target_id]
        others = [cards[i] for i in source_ids]
        before = {str(c.id): _audit_snapshot(c) for c in (kept, *others)}
        moved: dict[str, Any] = {
            "receipts": Receipt.update(customer=target_id)
            .where(Receipt.customer.in_(source_ids))
            .execute(),
            "phones": CustomerPhone.update(customer=target_id)
            .where(CustomerPhone.customer.in_(source_ids))
            .execute(),
            "contacts": Contact.update(customer=target_id)
            .where(Contact.customer.in_(source_ids))
            .execute(),
            "reminders": Reminder.update(customer=target_id)
            .where(Reminder.customer.in_(source_ids))
            .execute(),
            "addresses": DeliveryAddress.update(customer=target_id)
            .where(DeliveryAddress.customer.in_(source_ids))
            .execute(),
            "drafts": _retarget_drafts(source_ids, target_id),
            "calls": move_calls(source_ids, target_id),
            "family_duplicates_dropped": _move_family(source_ids, target_id),
            "interests_folded": _move_interests(all_ids, target_id),
        }
        moved["ledgers"] = move_ledgers(source_ids, target_id, now=now, employee_id=by.id)
        # the unique phone and card leave the sources before the target may take them
        Customer.update(
            status="merged", merged_into=target_id, phone=None, card=None, updated_at=now
        ).where(Customer.id.in_(source_ids)).execute()
        CustomerWord.delete().where(CustomerWord.customer.in_(source_ids)).execute()
        Customer.update(**_filled(kept, others)).where(Customer.id == target_id).execute()
        index_words(target_id, kept.name)
        recompute_totals(all_ids)
        merged = Customer.get_by_id(target_id)
        audit(
            "customer.merge",
            by,
            object_type="customer",
            object_id=target_id,
            before=before,
            after={"card": _audit_snapshot(merged), "merged": source_ids, "moved": moved},
            clock=clock,
        )
    return merged


def _filled(kept: Customer, others: Sequence[Customer]) -> dict[str, Any]:
    """The target's fields after the merge: empty ones taken from the first source that has
    them; notes, social links and attention notes joined; attention if any card had it."""
    fields: dict[str, Any] = {}
    for name in ("phone", "card", "email", "birth_date", "gender", "language"):
        if not getattr(kept, name):
            value = next((getattr(o, name) for o in others if getattr(o, name)), None)
            if value:
                fields[name] = value
    if "card" in fields:  # the card comes with its type, status and dates
        source = next(o for o in others if o.card == fields["card"])
        fields["card_type"] = source.card_type_id
        fields["card_status"] = source.card_status
        fields["card_issued_at"] = source.card_issued_at
        fields["card_spent_at"] = source.card_spent_at
    elif kept.card_type_id is None:
        fields["card_type"] = next((o.card_type_id for o in others if o.card_type_id), None)
    fields["tier_floor"] = max(c.tier_floor for c in (kept, *others))
    if "birth_date" in fields:
        birth = fields["birth_date"]
        fields["birth_md"] = birth.month * 100 + birth.day
    cards = (kept, *others)
    fields["note"] = _joined((c.note for c in cards), "\n", 10000)
    fields["social"] = _joined((line for c in cards for line in c.social.splitlines()), "\n", 2000)
    fields["attention_note"] = _joined((c.attention_note for c in cards), "\n", 2000)
    fields["attention"] = any(c.attention for c in cards)
    return fields


# --- cleaning and erasing -------------------------------------------------------------------


def _with_merged(customer_id: int) -> list[int]:
    """The card and every card merged into it, directly or through other merges."""
    ids = [customer_id]
    frontier = [customer_id]
    while frontier:
        frontier = [
            c.id
            for c in Customer.select(Customer.id).where(Customer.merged_into.in_(frontier))
            if c.id not in ids
        ]
        ids.extend(frontier)
    return ids


def _wipe(customer_id: int, *, status: str, name: str, keep_card: bool, now: Any) -> None:
    """Remove the owner's data and history link from a card (and from the cards merged into
    it, which still carry their old names); refuses a card that is no longer active, or
    that owes or holds money on its VIP account."""
    from torgtui.marketing import vip

    vip.check_removable(customer_id)
    personal: dict[str, Any] = {
        "name": name,
        "name_sort": sort_key(name),
        "phone": None,
        "email": "",
        "birth_date": None,
        "birth_md": None,
        "gender": "",
        "language": "",
        "note": "",
        "social": "",
        "attention": False,
        "attention_note": "",
        "total_bought": 0,
        "total_returned": 0,
        "receipts_count": 0,
        "last_visit": None,
        "updated_at": now,
    }
    changed = (
        Customer.update(status=status, **personal, **({} if keep_card else {"card": None}))
        .where((Customer.id == customer_id) & (Customer.status == "active"))
        .execute()
    )
    if changed != 1:
        row = Customer.get_or_none(Customer.id == customer_id)
        if row is None:
            raise ValidationError(_("This card does not exist any more: refresh the list."))
        raise ValidationError(
            _("{name} is {status}: only an active card can be cleaned or erased.").format(
                name=row.name, status=status_title(row.status)
            )
        )
    ids = _with_merged(customer_id)
    tombstones = ids[1:]
    if tombstones:
        Customer.update(**personal).where(Customer.id.in_(tombstones)).execute()
    Receipt.update(customer=None).where(Receipt.customer.in_(ids)).execute()
    _retarget_drafts(ids, None)
    forget_calls(ids)  # before the phones go: it finds their calls by number too
    for model in (
        CustomerPhone,
        CustomerWord,
        FamilyMember,
        CustomerInterest,
        Contact,
        Reminder,
        DeliveryAddress,
    ):
        model.delete().where(model.customer.in_(ids)).execute()


def clean_card(customer: Customer, *, by: Employee, clock: Clock = system_clock) -> Customer:
    """Remove the owner's data and purchase history from a card but keep its number, so the
    plastic card can be reissued (:func:`reissue_card`). Receipts stay, without the customer."""
    require(by, Permission.DELETE_CUSTOMERS)
    now = clock()
    with write_tx():
        current = Customer.get_or_none(Customer.id == customer.id)
        before = _audit_snapshot(current) if current is not None else None
        _wipe(customer.id, status="cleaned", name=_("Cleaned card"), keep_card=True, now=now)
        cleaned = Customer.get_by_id(customer.id)
        audit(
            "customer.clean",
            by,
            object_type="customer",
            object_id=customer.id,
            before=before,
            after=_audit_snapshot(cleaned),
            clock=clock,
        )
    return cleaned


def erase_customer(customer: Customer, *, by: Employee, clock: Clock = system_clock) -> Customer:
    """Erase a person on their request: everything :func:`clean_card` removes, plus the card
    number. The audit entry names only the card id, that it was erased, and by whom."""
    require(by, Permission.DELETE_CUSTOMERS)
    now = clock()
    with write_tx():
        _wipe(customer.id, status="erased", name=_("Erased"), keep_card=False, now=now)
        audit(
            "customer.erase",
            by,
            object_type="customer",
            object_id=customer.id,
            after={"id": customer.id, "status": "erased"},
            clock=clock,
        )
    return Customer.get_by_id(customer.id)


def reissue_card(
    customer: Customer, data: CardData, *, by: Employee, clock: Clock = system_clock
) -> Customer:
    """Give a cleaned card (its number) to a new owner: the card becomes active again with
    ``data`` (validated and checked for duplicates like any edit) and the same number."""
    require(by, Permission.EDIT_CUSTOMERS)
    with write_tx():
        reopened = (
            Customer.update(status="active")
            .where((Customer.id == customer.id) & (Customer.status == "cleaned"))
            .execute()
        )
        if reopened != 1:
            raise ValidationError(
                _("Only a cleaned card can be reissued: clean it first (its data goes away).")
            )
        card = Customer.get_by_id(customer.id)
        data = dataclasses.replace(data, card=card.card or "")
        return _update_customer(card, data, by=by, clock=clock)


__all__ = [
    "clean_card",
    "erase_customer",
    "merge_customers",
    "move_ledgers",
    "reissue_card",
]
