"""The register's promotions view: after every change the receipt's promotions in one compact
line (by name, what each gave; the sets; the promo codes on it; what a little more would
reach; the pre-order with its prepayment), the festive line with its sound, a promo code
confirmed or refused at the till, and taking a code off the receipt (shift+Delete).

A mixin of :class:`~torgtui.screens.sale.SaleScreen`. Every fact comes from the pricing
(``priced.info``: torgtui.marketing.promotions.step, codes_sale, bundle_pricing,
preorder_checkout); the screen only words it.

**The festive sound.** When a festive promotion (a birthday, the Nth receipt, one marked
festive) first appears on a receipt, the device hub plays the festive sound in a thread worker
(never in the scan's path: the first time it may write the built-in chime) and the screen
says why: a toast and the festive line above the totals. Once per receipt: a change that
prices it again, a hold and a recall, never play it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from textual import work

from torgtui.i18n import _, ngettext
from torgtui.money import format_money
from torgtui.screens.sale_dialogs import PickScreen

if TYPE_CHECKING:
    from textual.app import App

    from torgtui.sales.basket import Basket
    from torgtui.sales.codes import Entered
    from torgtui.sales.register import Register

REMEMBERED = 50  # receipts whose festive sound and refusals are remembered (held, recalled)


def _is_preorder(code: str) -> bool:
    from torgtui.marketing.preorder_common import number_of

    return number_of(code) is not None


def _money_off(amount: int) -> str:
    return "−" + format_money(amount)


def promotion_parts(info: dict[str, Any], codes: list[str]) -> list[str]:
    """The compact line's parts, most needed first: the pre-order (the payment depends on
    it), each promotion and what it gave, the sets, the codes on the receipt (with the key
    that takes one off), then what a little more would reach."""
    parts: list[str] = []
    preorder = info.get("preorder")
    if isinstance(preorder, dict):
        parts.append(
            _("Pre-order {code}: {prepaid} prepaid").format(
                code=preorder.get("code", ""), prepaid=format_money(int(preorder.get("prepaid", 0)))
            )
        )
    for item in info.get("promotions") or []:
        if item.get("bonus"):
            parts.append(
                _("{name} +{amount} bonuses").format(
                    name=item["name"], amount=format_money(int(item["bonus"]))
                )
            )
        else:
            parts.append(f"{item['name']} {_money_off(int(item.get('discount') or 0))}")
    for item in info.get("bundles") or []:
        sets = int(item.get("sets") or 1)
        name = item["name"] if sets == 1 else f"{sets} x {item['name']}"
        parts.append(
            _("Set {name} {amount}").format(
                name=name, amount=_money_off(int(item.get("discount") or 0))
            )
        )
    promo_codes = [c for c in codes if not _is_preorder(c)]
    if promo_codes:
        parts.append(
            ngettext(
                "Code {codes} (shift+Del: off)", "Codes {codes} (shift+Del: off)", len(promo_codes)
            ).format(codes=", ".join(promo_codes))
        )
    parts += [str(h.get("text", "")) for h in info.get("promotion_hints") or [] if h.get("text")]
    return parts


def fit(parts: list[str], width: int) -> str:
    """``parts`` joined by " · " as far as they fit ``width`` columns; the parts left out are
    counted for F11 to show ("+2: F11")."""
    for n in range(len(parts), -1, -1):
        shown = parts[:n]
        if n < len(parts):
            shown = [*shown, _("+{n}: F11").format(n=len(parts) - n)]
        text = " · ".join(shown)
        if cell_len(text) <= width:
            return text
    return ""


def festive_words(info: dict[str, Any]) -> str:
    """ "* Happy birthday: birthday of Olha · Every 100th: this may be receipt No. 100"."""
    items = info.get("festive") or []
    return " · ".join(
        _("{name}: {why}").format(name=item.get("name", ""), why=item.get("why", ""))
        for item in items
    )


def paid_promotion_words(info: dict[str, Any], given_back: tuple = ()) -> list[str]:
    """After payment, from the committed receipt's ``info``: the festive promotions confirmed
    (this receipt was No. 100), the pre-order sold with what the prepayment paid, and what of
    the prepayment went back to the customer (the cashier hands it over)."""
    parts = [
        "* " + _("{name}: {why}").format(name=item.get("name", ""), why=item.get("why", ""))
        for item in info.get("festive") or []
    ]
    preorder = info.get("preorder")
    if isinstance(preorder, dict):
        parts.append(
            _("Pre-order {code} sold: {paid} from the prepayment").format(
                code=preorder.get("code", ""), paid=format_money(int(preorder.get("prepaid", 0)))
            )
        )
    for tender, amount in given_back:
        if tender == "cash":
            parts.append(_("GIVE BACK {amount} in cash").format(amount=format_money(int(amount))))
        else:
            parts.append(_("{amount} back to the card").format(amount=format_money(int(amount))))
    return [" · ".join(parts)] if parts else []


def code_refusals(info: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(code, why, refused outright) for each code the pricing did not apply: a code that is
    not valid (True: a bell), or a valid one whose promotion gives nothing yet (False)."""
    waiting = {c.get("code") for c in info.get("codes") or [] if not c.get("applied")}
    out = []
    for item in info.get("refused") or []:
        code = item.get("code") if isinstance(item, dict) else None
        if code:
            out.append((str(code), str(item.get("reason", "")), code not in waiting))
    return out


class PromotionsView:
    """The promotions line, the festive line and sound, codes confirmed, refused and taken
    off (needs the SaleScreen's helpers)."""

    app: App
    register: Register | None

    if TYPE_CHECKING:

        def say(self, text: str, *, severity: str = "error", bell: bool = False) -> None: ...
        def run(self, change: Callable[[], object]) -> bool: ...
        def show_line(self, selector: str, text: str) -> None: ...
        def show_receipt(self) -> None: ...
        def query_one(self, selector: str, expect_type: Any = None) -> Any: ...

    def init_promotions(self) -> None:
        # receipt uuid -> what was said of it already ("sound", ("code", code, why), ...)
        self.announced: dict[str, set[object]] = {}
        self.quiet_code: str | None = None  # a code just scanned: code_confirmed speaks of it
        self.last_priced: Basket | None = None

    def show_promotions(self, priced: Basket) -> None:
        """The festive and promotions lines for ``priced``; say what is new on this receipt."""
        assert self.register is not None
        self.last_priced = priced
        width = max(self.app.size.width - 2, 20)
        info = priced.info
        self.show_line("#sale-promo", fit(promotion_parts(info, self.register.basket.codes), width))
        festive = festive_words(info)
        self.show_line("#sale-festive", f"* {festive}" if festive else "")
        self.announce(priced)

    def said(self) -> set[object]:
        """What was said of the open receipt already (remembered for the last receipts)."""
        assert self.register is not None
        key = self.register.uuid or ""
        if key not in self.announced:
            while len(self.announced) >= REMEMBERED:
                self.announced.pop(next(iter(self.announced)))
            self.announced[key] = set()
        return self.announced[key]

    def announce(self, priced: Basket) -> None:
        """The first time on this receipt: a festive promotion (its why, and the sound), a
        code refused (its reason, with a bell) or a code whose promotion gives nothing yet."""
        info = priced.info
        if not (info.get("festive") or info.get("refused")):
            return
        said = self.said()
        sound = False
        for item in info.get("festive") or []:
            key = ("festive", item.get("code"))
            if key not in said:
                said.add(key)
                self.say(
                    _("{name}: {why}").format(name=item.get("name", ""), why=item.get("why", "")),
                    severity="information",
                )
                sound = sound or bool(item.get("sound"))
        if sound and "sound" not in said:
            said.add("sound")
            self.play_festive()
        for code, why, refused in code_refusals(info):
            key = ("code", code, why)
            if key in said:
                continue
            said.add(key)
            if code != self.quiet_code:
                self.say(why, severity="error" if refused else "warning", bell=refused)

    @work(thread=True, group="festive", exit_on_error=False)
    def play_festive(self) -> None:
        """The festive sound through the device hub, off the scan's path (see the module)."""
        devices = self.app.devices  # type: ignore[attr-defined]
        if devices is not None:
            devices.play_festive()

    # --- a promo code scanned ------------------------------------------------------------

    def code_confirmed(self, entered: Entered) -> None:
        """A promo code went onto the receipt: name its promotion; when it gives nothing yet,
        say why (the code stays and counts once its conditions are met)."""
        code = str(entered.details.get("code", ""))
        info = self.last_priced.info if self.last_priced is not None else {}
        waiting = next((why for c, why, _refused in code_refusals(info) if c == code), "")
        if waiting:
            self.say(f"{entered.message}. {waiting}", severity="warning")
        else:
            promotion = entered.details.get("promotion", "")
            self.say(
                _("Code {code}: {promotion} applied.").format(code=code, promotion=promotion),
                severity="information",
            )

    # --- shift+Delete: a code off the receipt ----------------------------------------------

    def action_remove_code(self) -> None:
        """shift+Delete: take a code off the receipt (a pick list when it holds several)."""
        from torgtui.marketing.codes_sale import remove_code

        assert self.register is not None
        reg = self.register
        on = list(reg.basket.codes)
        if not on:
            self.say(_("No codes on this receipt."), severity="warning")
            return

        def take_off(code: str | None) -> None:
            if code is None or not self.run(lambda: remove_code(reg, code)):
                return
            if _is_preorder(code):
                text = _(
                    "Pre-order {code} is off the receipt; its goods stay: delete them if they go."
                ).format(code=code)
            else:
                text = _("Code {code} is off the receipt.").format(code=code)
            self.say(text, severity="information")

        if len(on) == 1:
            take_off(on[0])
            return
        self.app.push_screen(
            PickScreen(_("Take which code off the receipt?"), [(c, c) for c in on]), take_off
        )
