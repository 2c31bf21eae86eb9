"""The customer card's partner: which referrer or intermediary (and which of its employees)
brought the customer. F9 on the card opens it: the current link, a choice of the active
partners ("nobody" takes the link off) and the employee's name. Saved at once, audited, by the
right to edit customers (torgtui.marketing.partners.link_customer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import partners as pt
from torgtui.screens.office_dialogs import FormDialog, FormField

if TYPE_CHECKING:
    from torgtui.screens.customer_card import CustomerCardScreen


def _read(customer_id: int) -> tuple[pt.Link | None, list[tuple[str, str]]]:
    choices = [
        (p.code, f"{p.name} ({pt.kind_title(p.kind)})") for p in pt.partners_list(active_only=True)
    ]
    return pt.partner_of(customer_id), choices


def _save(by: Any, customer_id: int, values: dict[str, str], clock: Any) -> pt.Link | None:
    code = values["partner"]
    if not code:
        pt.unlink_customer(by, customer_id, clock=clock)
        return None
    partner = pt.by_code(code)
    if partner is None:
        raise ValidationError(_("There is no partner {code}.").format(code=code))
    employee_id = None
    name = values["employee"].strip()
    if name:
        matches = [e for e in pt.employees_of(partner.id) if e.name.casefold() == name.casefold()]
        if not matches:
            raise ValidationError(
                _("{partner} has no employee {name!r}: type the name as in Partners (6).").format(
                    partner=partner.name, name=name
                )
            )
        employee_id = matches[0].id
    return pt.link_customer(by, customer_id, partner.id, employee_id, clock=clock)


def open_partner(card: CustomerCardScreen) -> None:
    """Show and change the card's partner (a saved card only)."""
    customer_id = card.customer_id
    if customer_id is None:
        card.show_error(_("Save the card first (F2)."))
        return
    by, clock = card.app.employee, card.app.clock

    def show(found: tuple[pt.Link | None, list[tuple[str, str]]]) -> None:
        link, choices = found
        if link is None:
            line = _("Nobody is recorded as having brought this customer.")
        else:
            line = _("Brought by {partner}{employee}, since {day} ({how}).").format(
                partner=link.partner_name,
                employee=f", {link.employee_name}" if link.employee_name else "",
                day=link.linked_at.strftime("%d.%m.%Y"),
                how=_("by a promo code") if link.source == "code" else _("by hand"),
            )
        fields = [
            FormField(
                "partner",
                _("Partner"),
                link.partner_code if link else "",
                choices=(("", _("nobody")), *choices),
            ),
            FormField(
                "employee",
                _("Employee"),
                link.employee_name if link else "",
                placeholder=_("the partner's employee, or empty"),
            ),
        ]

        def saved(result: Any) -> None:
            if result is not None:
                card.say(_("The customer's partner is saved."))

        card.app.push_screen(
            FormDialog(
                _("Who brought the customer"),
                fields,
                lambda v: v,
                lines=[line],
                save=lambda v: _save(by, customer_id, v, clock) or False,
            ),
            saved,
        )

    card.job(lambda: _read(customer_id), show)


__all__ = ["open_partner"]
