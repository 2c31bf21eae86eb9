"""Shop-wide loyalty rules that are not card types: kept with the data (the ``setting`` table),
so every register of the shop applies the same ones; changed through the rules file or the
card types screen, by permission, audited.

* ``return_when_spent``: a return takes back the bonuses its lines earned; when they were
  spent already, ``deduct`` takes what cannot be reversed off the refund (the default: the
  customer does not keep bonuses for goods brought back), ``negative`` lets the bonus balance
  go below zero (later earnings pay it off), ``forgive`` writes it off (audited).
* ``change_to_card``: at a cash payment the change may go onto the card as bonuses: ``all``
  of it, only the ``coins`` part (below one hryvnia), or ``off``.
* ``expiry_notice_days``: how many days before they lapse customers are told about bonuses.
* ``point_value``: what one point is worth in hryvnias where a shop shows "points" (the
  ledger always keeps kopecks: 1 bonus hryvnia pays 1 hryvnia).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from decimal import Decimal, InvalidOperation

from torgtui.clock import Clock, system_clock
from torgtui.db import database, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Employee, Setting
from torgtui.staff import Permission, audit, require
from torgtui.values import check_count

PREFIX = "loyalty."
RETURN_POLICIES = ("deduct", "negative", "forgive")
CHANGE_POLICIES = ("all", "coins", "off")


@dataclass(frozen=True)
class LoyaltyPolicy:
    return_when_spent: str = "deduct"
    change_to_card: str = "all"
    expiry_notice_days: int = 7
    point_value: Decimal = Decimal(1)

    def checked(self) -> LoyaltyPolicy:
        if self.return_when_spent not in RETURN_POLICIES:
            raise ValidationError(
                _("return_when_spent is one of {choices}, not {value!r}.").format(
                    choices=", ".join(RETURN_POLICIES), value=self.return_when_spent
                )
            )
        if self.change_to_card not in CHANGE_POLICIES:
            raise ValidationError(
                _("change_to_card is one of {choices}, not {value!r}.").format(
                    choices=", ".join(CHANGE_POLICIES), value=self.change_to_card
                )
            )
        check_count(self.expiry_notice_days, _("expiry_notice_days"), maximum=365, text=False)
        if not isinstance(self.point_value, Decimal) or not (
            self.point_value.is_finite() and Decimal("0.0001") <= self.point_value <= 1000
        ):
            raise ValidationError(_("point_value is a number of hryvnias from 0.0001 to 1000."))
        return self


def _decode(name: str, text: str) -> object:
    if name == "expiry_notice_days":
        return int(text)
    if name == "point_value":
        return Decimal(text)
    return text


def stored_fields(prefix: str, cls: type, decode: Callable[[str, str], object]) -> dict:
    """The fields of dataclass ``cls`` the shop saved as settings ``prefix + name``, each
    read by ``decode(name, text)``; a value nobody could have saved is left out (its default
    stands)."""
    rows = database.execute_sql(
        sql('SELECT "key", "value" FROM "setting" WHERE "key" LIKE ?'), (prefix + "%",)
    ).fetchall()
    known = {f.name for f in fields(cls)}
    values: dict[str, object] = {}
    for key, value in rows:
        name = key[len(prefix) :]
        if name in known:
            try:
                values[name] = decode(name, value)
            except (ValueError, InvalidOperation):
                continue
    return values


def load() -> LoyaltyPolicy:
    """The policy as the shop set it (defaults for what it never set)."""
    values = stored_fields(PREFIX, LoyaltyPolicy, _decode)
    try:
        return LoyaltyPolicy(**values).checked()  # type: ignore[arg-type]
    except ValidationError:
        return LoyaltyPolicy()


def save(
    policy: LoyaltyPolicy, *, by: Employee | None, clock: Clock = system_clock, system: bool = False
) -> LoyaltyPolicy:
    """Store the policy (by permission to edit prices and promotions), audited."""
    if not system:
        require(by, Permission.EDIT_PRICES)
    policy = policy.checked()
    before = load()
    with write_tx():
        for name, value in asdict(policy).items():
            key = PREFIX + name
            Setting.insert(key=key, value=str(value)).on_conflict(
                conflict_target=[Setting.key], update={Setting.value: str(value)}
            ).execute()
        if before != policy:
            audit(
                "loyalty.policy",
                by,
                object_type="setting",
                object_id="loyalty",
                before={k: str(v) for k, v in asdict(before).items()},
                after={k: str(v) for k, v in asdict(policy).items()},
                clock=clock,
            )
    return policy
