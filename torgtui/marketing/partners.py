"""Referrer partners and intermediaries: the directory, their employees and rates, which
partner brought a customer, and a partner's promo codes (seed 004, seed 000 section 6).

* :func:`create_partner`, :func:`update_partner`, :func:`add_employee`, :func:`set_rate`:
  the directory (the right to edit prices and promotions: a partner's terms are price policy).
* :func:`link_customer`, :func:`unlink_customer`, :func:`partner_of`: a customer is linked to
  one partner (and maybe one of its employees) on the customer card (the right to edit
  customers); a sale with one of the partner's promo codes links the customer too, if they
  were nobody's yet (a customer stays with whoever brought them first).
* :func:`tie_code_batch`: a promo code batch (marketing.codes) becomes a partner's: a blogger
  hands out its codes and the sale links the buyer to the blogger.
* the context loader puts the codes of the customer's partner into ``ctx.extra["partners"]``,
  which the promotion condition "customers of partner X" reads (promotions.resolve).

Money (rewards, commissions, goods given to an intermediary) is on the one ledger:
partners_money and intermediaries. The sale and return hooks are in partners_hooks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Customer, Employee, ProductGroup
from torgtui.models.codes import CodeBatch
from torgtui.models.partners import (
    KINDS,
    RATE_KINDS,
    CustomerPartner,
    Partner,
    PartnerCodeBatch,
    PartnerEmployee,
    PartnerRate,
)
from torgtui.sales import extensions
from torgtui.staff import Permission, audit, require
from torgtui.values import check_code, check_id, check_percent, check_text

MAX_PARTNERS = 10_000


def kind_title(kind: str) -> str:
    return {"referrer": _("Referrer"), "intermediary": _("Intermediary")}.get(kind, kind)


def _check_kind(kind: object) -> str:
    if kind not in KINDS:
        raise ValidationError(
            _("A partner is a referrer or an intermediary, not {kind!r}.").format(kind=kind)
        )
    return str(kind)


def _check_phone(phone: object) -> str:
    if phone in (None, ""):
        return ""
    from torgtui.customers.phones import normalize_phone

    return normalize_phone(check_text(phone, _("The phone"), max_len=40))


def get_partner(partner_id: object) -> Partner:
    """The partner with this id, or a ValidationError saying there is none."""
    pid = check_id(partner_id, _("The partner"))
    found = Partner.get_or_none(Partner.id == pid)
    if found is None:
        raise ValidationError(
            _("There is no partner {id}: choose one from the list of partners.").format(id=pid)
        )
    return found


def by_code(code: str) -> Partner | None:
    return Partner.get_or_none(Partner.code == (code or "").strip().upper())


def _customer(customer_id: object) -> Customer:
    cid = check_id(customer_id, _("The customer"))
    found = Customer.get_or_none(Customer.id == cid)
    if found is None or found.status != "active":
        raise ValidationError(
            _("There is no active customer {id}: find the card again.").format(id=cid)
        )
    return found


def _employee_of(partner: Partner, partner_employee_id: object | None) -> PartnerEmployee | None:
    if partner_employee_id is None:
        return None
    eid = check_id(partner_employee_id, _("The partner's employee"))
    found = PartnerEmployee.get_or_none(
        (PartnerEmployee.id == eid) & (PartnerEmployee.partner == partner.id)
    )
    if found is None:
        raise ValidationError(
            _("{name} has no employee {id}: choose one of the partner's employees.").format(
                name=partner.name, id=eid
            )
        )
    return found


def create_partner(
    by: Employee,
    *,
    kind: str,
    code: str,
    name: str,
    phone: str = "",
    note: str = "",
    customer_id: int | None = None,
    clock: Clock = system_clock,
) -> Partner:
    """Add a referrer or an intermediary. ``code`` (letters, digits, dashes) is what promotions
    and mailings name it by; ``customer_id`` is the partner's own card, if it buys from us."""
    require(by, Permission.EDIT_PRICES)
    kind = _check_kind(kind)
    code = check_code(code, _("The partner's code"), max_len=40).upper()
    if not all(ch.isalnum() or ch in "-_" for ch in code):
        raise ValidationError(
            _("The partner's code {code!r} has only letters, digits, - and _.").format(code=code)
        )
    name = check_text(name, _("The partner's name"), max_len=200, required=True)
    phone = _check_phone(phone)
    note = check_text(note, _("The note"), max_len=200)
    own = _customer(customer_id) if customer_id is not None else None
    now = clock()
    with write_tx():
        if Partner.select().where(Partner.code == code).exists():
            raise ValidationError(
                _("There is a partner with the code {code} already: choose another.").format(
                    code=code
                )
            )
        if own is not None:
            _check_own_card_free(own.id, None)
        partner = Partner.create(
            code=code,
            kind=kind,
            name=name,
            phone=phone,
            note=note,
            active=True,
            customer=own.id if own else None,
            created_at=now,
        )
        audit(
            "partner.create",
            by,
            object_type="partner",
            object_id=partner.id,
            after={"code": code, "kind": kind, "name": name},
            clock=clock,
        )
    return partner


def _check_own_card_free(customer_id: int, partner_id: int | None) -> None:
    other = Partner.get_or_none(
        (Partner.customer == customer_id) & (Partner.id != (partner_id or 0))
    )
    if other is not None:
        raise ValidationError(
            _("That card is {name}'s own card already: choose another.").format(name=other.name)
        )


def update_partner(
    by: Employee,
    partner_id: int,
    *,
    name: str | None = None,
    phone: str | None = None,
    note: str | None = None,
    active: bool | None = None,
    customer_id: int | bool | None = False,
    clock: Clock = system_clock,
) -> Partner:
    """Change what is given (``customer_id=None`` takes the own card off; False: unchanged)."""
    require(by, Permission.EDIT_PRICES)
    partner = get_partner(partner_id)
    before = {"name": partner.name, "active": partner.active, "customer": partner.customer_id}
    if name is not None:
        partner.name = check_text(name, _("The partner's name"), max_len=200, required=True)
    if phone is not None:
        partner.phone = _check_phone(phone)
    if note is not None:
        partner.note = check_text(note, _("The note"), max_len=200)
    if active is not None:
        if not isinstance(active, bool):
            raise ValidationError(_("Active is yes or no."))
        partner.active = active
    if customer_id is not False:
        if customer_id is None:
            partner.customer = None
        else:
            partner.customer = _customer(customer_id).id
    with write_tx():
        if partner.customer_id is not None:
            _check_own_card_free(partner.customer_id, partner.id)
        partner.save()
        audit(
            "partner.update",
            by,
            object_type="partner",
            object_id=partner.id,
            before=before,
            after={"name": partner.name, "active": partner.active, "customer": partner.customer_id},
            clock=clock,
        )
    return partner


def add_employee(
    by: Employee, partner_id: int, name: str, phone: str = "", *, clock: Clock = system_clock
) -> PartnerEmployee:
    """A person at the partner's who brings customers (a stylist of a salon, a manager)."""
    require(by, Permission.EDIT_PRICES)
    partner = get_partner(partner_id)
    name = check_text(name, _("The employee's name"), max_len=200, required=True)
    phone = _check_phone(phone)
    with write_tx():
        found = PartnerEmployee.create(
            partner=partner.id, name=name, phone=phone, active=True, created_at=clock()
        )
        audit(
            "partner.employee",
            by,
            object_type="partner",
            object_id=partner.id,
            after={"employee": found.id, "name": name},
            clock=clock,
        )
    return found


def set_rate(
    by: Employee,
    partner_id: int,
    kind: str,
    percent: Decimal | int | str | None,
    *,
    group_id: int | None = None,
    clock: Clock = system_clock,
) -> None:
    """A partner's ``commission`` or ``discount`` percentage for a product group (None: for
    every group without its own); ``percent`` None removes it. Over 100% is refused."""
    require(by, Permission.EDIT_PRICES)
    partner = get_partner(partner_id)
    if kind not in RATE_KINDS:
        raise ValidationError(
            _("A partner's rate is a commission or a discount, not {kind!r}.").format(kind=kind)
        )
    if kind == "discount" and partner.kind != "intermediary":
        raise ValidationError(
            _("Only an intermediary buys at a discount for resale: {name} is a referrer.").format(
                name=partner.name
            )
        )
    if group_id is not None:
        gid = check_id(group_id, _("The product group"))
        if ProductGroup.get_or_none(ProductGroup.id == gid) is None:
            raise ValidationError(
                _("There is no product group {id}: choose one from the list.").format(id=gid)
            )
    what = _("The commission") if kind == "commission" else _("The discount")
    bp = None if percent is None else int(check_percent(percent, what) * 100)
    where = (PartnerRate.partner == partner.id) & (PartnerRate.kind == kind)
    where &= PartnerRate.group.is_null() if group_id is None else (PartnerRate.group == group_id)
    with write_tx():
        PartnerRate.delete().where(where).execute()
        if bp is not None:
            PartnerRate.create(partner=partner.id, kind=kind, group=group_id, percent_bp=bp)
        audit(
            "partner.rate",
            by,
            object_type="partner",
            object_id=partner.id,
            after={"kind": kind, "group": group_id, "percent_bp": bp},
            clock=clock,
        )


def rates_of(partner_id: int, kind: str) -> dict[int | None, int]:
    """{group id or None: basis points}."""
    return {
        r.group_id: r.percent_bp
        for r in PartnerRate.select().where(
            (PartnerRate.partner == partner_id) & (PartnerRate.kind == kind)
        )
    }


# --- customers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    partner_id: int
    partner_code: str
    partner_name: str
    partner_kind: str
    employee_id: int | None
    employee_name: str
    source: str
    linked_at: dt.datetime
    partner_active: bool = True


def partner_of(customer_id: int | None) -> Link | None:
    """Which partner brought the customer (None: nobody)."""
    if customer_id is None:
        return None
    from torgtui.db import database, sql

    row = database.execute_sql(
        sql(
            'SELECT p."id", p."code", p."name", p."kind", c."partner_employee_id", '
            'COALESCE(e."name", \'\'), c."source", c."linked_at", p."active" '
            'FROM "customer_partner" c '
            'JOIN "partner" p ON p."id" = c."partner_id" '
            'LEFT JOIN "partner_employee" e ON e."id" = c."partner_employee_id" '
            'WHERE c."customer_id" = ?'
        ),
        (customer_id,),
    ).fetchone()
    if row is None:
        return None
    at = row[7] if isinstance(row[7], dt.datetime) else dt.datetime.fromisoformat(str(row[7]))
    return Link(int(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], at, bool(row[8]))


def link_customer(
    by: Employee,
    customer_id: int,
    partner_id: int,
    partner_employee_id: int | None = None,
    *,
    clock: Clock = system_clock,
) -> Link:
    """Link the customer to the partner who brought them (replacing an earlier link)."""
    require(by, Permission.EDIT_CUSTOMERS)
    customer = _customer(customer_id)
    partner = get_partner(partner_id)
    if not partner.active:
        raise ValidationError(
            _("{name} is not an active partner: make it active first.").format(name=partner.name)
        )
    if partner.customer_id == customer.id:
        raise ValidationError(
            _("That is {name}'s own card: a partner does not bring itself.").format(
                name=partner.name
            )
        )
    emp = _employee_of(partner, partner_employee_id)
    before = partner_of(customer.id)
    with write_tx():
        CustomerPartner.delete().where(CustomerPartner.customer == customer.id).execute()
        CustomerPartner.create(
            customer=customer.id,
            partner=partner.id,
            partner_employee=emp.id if emp else None,
            source="card",
            linked_at=clock(),
            linked_by=by.id,
        )
        audit(
            "partner.link",
            by,
            object_type="customer",
            object_id=customer.id,
            before={"partner": before.partner_id} if before else None,
            after={"partner": partner.id, "employee": emp.id if emp else None},
            clock=clock,
        )
    found = partner_of(customer.id)
    assert found is not None
    return found


def unlink_customer(by: Employee, customer_id: int, *, clock: Clock = system_clock) -> bool:
    require(by, Permission.EDIT_CUSTOMERS)
    customer = _customer(customer_id)
    with write_tx():
        gone = CustomerPartner.delete().where(CustomerPartner.customer == customer.id).execute()
        if gone:
            audit("partner.unlink", by, object_type="customer", object_id=customer.id, clock=clock)
    return bool(gone)


def link_if_free(
    customer_id: int, partner_id: int, partner_employee_id: int | None, *, now: dt.datetime
) -> bool:
    """Inside a sale's transaction: link a customer nobody brought yet (a partner's promo
    code). A race with another register is decided by the unique customer column."""
    if CustomerPartner.select().where(CustomerPartner.customer == customer_id).exists():
        return False
    from torgtui.db import database, is_sqlite, sql

    moment = str(now) if is_sqlite() else now
    cursor = database.execute_sql(
        sql(
            'INSERT INTO "customer_partner" ("customer_id", "partner_id", "partner_employee_id", '
            '"source", "linked_at", "linked_by_id") VALUES (?, ?, ?, ?, ?, NULL) '
            'ON CONFLICT ("customer_id") DO NOTHING'
        ),
        (customer_id, partner_id, partner_employee_id, "code", moment),
    )
    return cursor.rowcount == 1


def tie_code_batch(
    by: Employee,
    batch_id: int,
    partner_id: int,
    partner_employee_id: int | None = None,
    *,
    clock: Clock = system_clock,
) -> PartnerCodeBatch:
    """Make a promo code batch a partner's: a sale with one of its codes links the buyer."""
    require(by, Permission.EDIT_PRICES)
    bid = check_id(batch_id, _("The code batch"))
    batch = CodeBatch.get_or_none(CodeBatch.id == bid)
    if batch is None:
        raise ValidationError(
            _("There is no code batch {id}: choose one in Promotions, codes.").format(id=bid)
        )
    partner = get_partner(partner_id)
    emp = _employee_of(partner, partner_employee_id)
    with write_tx():
        PartnerCodeBatch.delete().where(PartnerCodeBatch.batch == batch.id).execute()
        tied = PartnerCodeBatch.create(
            batch=batch.id, partner=partner.id, partner_employee=emp.id if emp else None
        )
        audit(
            "partner.codes",
            by,
            object_type="partner",
            object_id=partner.id,
            after={"batch": batch.code},
            clock=clock,
        )
    return tied


def partners_list(kind: str | None = None, *, active_only: bool = False) -> list[Partner]:
    query = Partner.select()
    if kind is not None:
        query = query.where(Partner.kind == _check_kind(kind))
    if active_only:
        query = query.where(Partner.active == True)  # noqa: E712
    return list(query.order_by(Partner.kind, Partner.name).limit(MAX_PARTNERS))


def employees_of(partner_id: int) -> list[PartnerEmployee]:
    return list(
        PartnerEmployee.select()
        .where(PartnerEmployee.partner == partner_id)
        .order_by(PartnerEmployee.name)
    )


# --- the register -------------------------------------------------------------------------


@extensions.context_loader
def load_partners(basket, ctx) -> None:
    """The codes of the partner who brought the attached customer, for the promotion condition
    "customers of partner X" (one indexed read per pricing, none without a customer)."""
    if ctx.customer_id is None:
        return
    link = partner_of(ctx.customer_id)
    active = link is not None and link.partner_active
    ctx.extra["partners"] = frozenset({link.partner_code}) if active else frozenset()


__all__ = [
    "Link",
    "Summary",
    "add_employee",
    "by_code",
    "create_partner",
    "employees_of",
    "get_partner",
    "kind_title",
    "link_customer",
    "link_if_free",
    "partner_of",
    "partners_list",
    "rates_of",
    "set_rate",
    "summaries",
    "tie_code_batch",
    "unlink_customer",
    "update_partner",
]


@dataclass(frozen=True)
class Summary:
    """One partner as the Partners area lists it."""

    id: int
    code: str
    name: str
    kind: str
    active: bool
    customers: int
    employees: tuple[str, ...]
    balance: int  # intermediary: its balance; referrer: rewards not paid yet


def summaries() -> list[Summary]:
    """Every partner with its linked customers, employees and balance (a few queries)."""
    from torgtui.db import database, sql
    from torgtui.marketing.ledger import Kind
    from torgtui.marketing.partners_money import balance_of

    counts = dict(
        database.execute_sql(
            sql('SELECT "partner_id", COUNT(*) FROM "customer_partner" GROUP BY "partner_id"')
        ).fetchall()
    )
    people: dict[int, list[str]] = {}
    for e in PartnerEmployee.select().order_by(PartnerEmployee.name):
        if e.active:
            people.setdefault(e.partner_id, []).append(e.name)
    out = []
    for p in Partner.select().order_by(Partner.kind, Partner.name).limit(MAX_PARTNERS):
        kind = Kind.INTERMEDIARY if p.kind == "intermediary" else Kind.PARTNER
        out.append(
            Summary(
                p.id,
                p.code,
                p.name,
                p.kind,
                p.active,
                int(counts.get(p.id, 0)),
                tuple(people.get(p.id, [])),
                balance_of(kind, p.id),
            )
        )
    return out
