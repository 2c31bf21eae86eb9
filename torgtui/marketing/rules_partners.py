"""The rules file's partners and their commission and discount rules (the format:
torgtui.marketing.rules_file):

    [[partner]]        code (id), kind (referrer or intermediary), name, phone, note, active,
                       card (the partner's own customer card number, if it buys from us),
                       code_batches (ids of promo code batches that are the partner's)
    [[partner_rate]]   partner (its code), kind (commission or discount), group (a product
                       group's path; none: every group without its own rate), percent (at
                       most 100)

A partner the file no longer has is made inactive (``--replace``), never deleted: receipts
and links name it; a rate it no longer has is removed. Customers' links to partners are not
rules (they are the customer cards' data) and are not in the file.
"""

from __future__ import annotations

from decimal import Decimal

from torgtui.i18n import _
from torgtui.marketing import partners as pt
from torgtui.marketing.rules_common import at, code, group_id, group_paths, num, percent, text
from torgtui.marketing.rules_file import (
    BOOL,
    NUMBER,
    TEXT,
    Context,
    Key,
    Record,
    RuleError,
    RuleKind,
    register,
)
from torgtui.models import Customer
from torgtui.models.codes import CodeBatch
from torgtui.models.partners import KINDS, RATE_KINDS, Partner, PartnerCodeBatch, PartnerRate

# --- [[partner]] ----------------------------------------------------------------------------


def _partner_record(p: Partner, card: str | None, batches: list[str]) -> Record:
    record: Record = {"code": p.code, "kind": p.kind, "name": p.name, "active": p.active}
    if p.phone:
        record["phone"] = p.phone
    if p.note:
        record["note"] = p.note
    if card:
        record["card"] = card
    if batches:
        record["code_batches"] = ",".join(sorted(batches))
    return record


def _dump_partners() -> list[Record]:
    cards = {
        c.id: c.card
        for c in Customer.select(Customer.id, Customer.card).where(
            Customer.id.in_(Partner.select(Partner.customer).where(Partner.customer.is_null(False)))
        )
    }
    batches: dict[int, list[str]] = {}
    for row in PartnerCodeBatch.select(PartnerCodeBatch.partner, CodeBatch.code).join(CodeBatch):
        batches.setdefault(row.partner_id, []).append(row.batch.code)
    return [
        _partner_record(p, cards.get(p.customer_id), batches.get(p.id, []))
        for p in Partner.select().order_by(Partner.code)
    ]


def _load_partner(record: Record, ctx: Context) -> Record:
    out: Record = {"code": code(record, "code", _("The partner's code")).upper()}
    kind = record["kind"]
    if kind not in KINDS:
        raise RuleError(
            _("kind is referrer or intermediary, not {kind!r}.").format(kind=kind), "kind"
        )
    out["kind"] = kind
    out["name"] = text(record, "name", _("The partner's name"), max_len=200)
    out["active"] = record.get("active", True)
    if record.get("phone"):
        with at("phone"):
            out["phone"] = pt._check_phone(record["phone"])
    if record.get("note"):
        out["note"] = text(record, "note", _("The note"), max_len=200)
    if record.get("card"):
        card = code(record, "card", _("The card number"))
        if Customer.get_or_none(Customer.card == card) is None:
            raise RuleError(
                _("There is no customer with the card {card}: issue the card first.").format(
                    card=card
                ),
                "card",
            )
        out["card"] = card
    if record.get("code_batches"):
        names = sorted({n.strip() for n in str(record["code_batches"]).split(",") if n.strip()})
        known = {b.code for b in CodeBatch.select(CodeBatch.code).where(CodeBatch.code.in_(names))}
        missing = [n for n in names if n not in known]
        if missing:
            raise RuleError(
                _("There is no code batch {code}: add it in the file's [[code_batch]].").format(
                    code=missing[0]
                ),
                "code_batches",
            )
        out["code_batches"] = ",".join(names)
    return out


def _save_partner(new: Record, old: Record | None, ctx: Context) -> None:
    card = new.get("card")
    customer_id = Customer.get(Customer.card == card).id if card else None
    found = pt.by_code(new["code"])
    if found is None:
        found = pt.create_partner(
            ctx.employee,
            kind=new["kind"],
            code=new["code"],
            name=new["name"],
            phone=new.get("phone", ""),
            note=new.get("note", ""),
            customer_id=customer_id,
            clock=ctx.clock,
        )
        if not new["active"]:
            pt.update_partner(ctx.employee, found.id, active=False, clock=ctx.clock)
    else:
        if found.kind != new["kind"]:
            raise RuleError(
                _("{code} is a {kind} already: a partner's kind is not changed.").format(
                    code=found.code, kind=found.kind
                ),
                "kind",
            )
        pt.update_partner(
            ctx.employee,
            found.id,
            name=new["name"],
            phone=new.get("phone", ""),
            note=new.get("note", ""),
            active=new["active"],
            customer_id=customer_id,
            clock=ctx.clock,
        )
    wanted = set(filter(None, new.get("code_batches", "").split(",")))
    have = {
        b.code
        for b in CodeBatch.select()
        .join(PartnerCodeBatch)
        .where(PartnerCodeBatch.partner == found.id)
    }
    for batch_code in sorted(wanted - have):
        pt.tie_code_batch(
            ctx.employee, CodeBatch.get(CodeBatch.code == batch_code).id, found.id, clock=ctx.clock
        )
    gone = [b.id for b in CodeBatch.select().where(CodeBatch.code.in_(sorted(have - wanted)))]
    if gone:
        PartnerCodeBatch.delete().where(PartnerCodeBatch.batch.in_(gone)).execute()


def _retire_partner(old: Record, ctx: Context) -> bool:
    if not old["active"]:
        return False
    found = pt.by_code(old["code"])
    pt.update_partner(ctx.employee, found.id, active=False, clock=ctx.clock)
    return True


register(
    RuleKind(
        name="partner",
        order=270,  # after the customers' cards and the code batches (250) it names
        keys={
            "code": Key(TEXT, required=True),
            "kind": Key(TEXT, required=True),
            "name": Key(TEXT, required=True),
            "phone": Key(TEXT),
            "note": Key(TEXT),
            "active": Key(BOOL),
            "card": Key(TEXT),
            "code_batches": Key(TEXT),
        },
        id_keys=("code",),
        dump=_dump_partners,
        load=_load_partner,
        save=_save_partner,
        retire=_retire_partner,
    )
)


# --- [[partner_rate]] -----------------------------------------------------------------------


def _dump_rates() -> list[Record]:
    paths = group_paths()
    out = []
    for r in PartnerRate.select(PartnerRate, Partner).join(Partner):
        record: Record = {"partner": r.partner.code, "kind": r.kind}
        if r.group_id is not None:
            record["group"] = paths[r.group_id]
        record["percent"] = num(Decimal(r.percent_bp) / 100)
        out.append(record)
    return sorted(out, key=lambda x: (x["partner"], x["kind"], x.get("group", "")))


def _load_rate(record: Record, ctx: Context) -> Record:
    partner_code = code(record, "partner", _("The partner's code")).upper()
    if pt.by_code(partner_code) is None:  # the file's partners are saved before its rates
        raise RuleError(
            _("There is no partner {code}: add it as a [[partner]] first.").format(
                code=partner_code
            ),
            "partner",
        )
    kind = record["kind"]
    if kind not in RATE_KINDS:
        raise RuleError(
            _("kind is commission or discount, not {kind!r}.").format(kind=kind), "kind"
        )
    out: Record = {"partner": partner_code, "kind": kind}
    if record.get("group"):
        path = text(record, "group", _("The product group"), max_len=500)
        group_id(ctx, path, "group")
        out["group"] = path
    what = _("The commission") if kind == "commission" else _("The discount")
    out["percent"] = percent(record["percent"], what, "percent")
    return out


def _save_rate(new: Record, old: Record | None, ctx: Context) -> None:
    found = pt.by_code(new["partner"])
    if found is None:
        raise RuleError(_("There is no partner {code}.").format(code=new["partner"]), "partner")
    gid = group_id(ctx, new["group"], "group") if new.get("group") else None
    with at("percent"):
        pt.set_rate(
            ctx.employee,
            found.id,
            new["kind"],
            Decimal(str(new["percent"])),
            group_id=gid,
            clock=ctx.clock,
        )


def _retire_rate(old: Record, ctx: Context) -> bool:
    found = pt.by_code(old["partner"])
    if found is None:
        return False
    gid = group_id(ctx, old["group"], "group") if old.get("group") else None
    pt.set_rate(ctx.employee, found.id, old["kind"], None, group_id=gid, clock=ctx.clock)
    return True


register(
    RuleKind(
        name="partner_rate",
        order=280,  # after the partners
        keys={
            "partner": Key(TEXT, required=True),
            "kind": Key(TEXT, required=True),
            "group": Key(TEXT),
            "percent": Key(NUMBER, required=True),
        },
        id_keys=("partner", "kind", "group"),
        dump=_dump_rates,
        load=_load_rate,
        save=_save_rate,
        retire=_retire_rate,
    )
)

__all__: list[str] = []
