"""Staff: PIN hashing, login and lockout, permissions enforced in the services, the audit log."""

from __future__ import annotations

import json

import pytest

from torgtui import staff as st
from torgtui.clock import FixedClock
from torgtui.errors import AuthError, PermissionDenied, ValidationError
from torgtui.models import AuditEntry, Employee


def test_pins_are_salted_scrypt(staff: dict) -> None:
    owner = staff["owner"]
    assert owner.pin_hash.startswith("scrypt$16384$8$1$")
    assert "1111" not in owner.pin_hash
    other = st.hash_pin("1111")
    assert other != owner.pin_hash  # a new salt every time
    assert st.verify_pin("1111", owner.pin_hash) and st.verify_pin("1111", other)
    assert not st.verify_pin("1112", owner.pin_hash)
    assert not st.verify_pin("1111", "garbage")


@pytest.mark.parametrize("pin", ["", "12", "12a4", "1234567890123", "12 34"])
def test_pin_format(pin: str) -> None:
    with pytest.raises(ValidationError, match="4 to 12 digits"):
        st.check_pin_format(pin)


def test_login_success_is_audited(staff: dict, clock: FixedClock) -> None:
    emp = st.login(staff["cashier"].id, "3333", clock=clock, terminal="till-1")
    assert emp.name == "Kateryna Cashier"
    entry = AuditEntry.select().where(AuditEntry.action == "login").get()
    assert (entry.employee_id, entry.terminal, entry.at) == (emp.id, "till-1", clock())


def test_five_wrong_pins_lock_for_five_minutes(staff: dict, clock: FixedClock) -> None:
    cashier = staff["cashier"]
    for left in (4, 3, 2, 1):
        with pytest.raises(AuthError, match=f"{left} tries left"):
            st.login(cashier.id, "0000", clock=clock)
    with pytest.raises(AuthError, match="now locked for 5 minutes"):
        st.login(cashier.id, "0000", clock=clock)
    row = Employee.get_by_id(cashier.id)
    assert row.locked_until == clock().replace() + st.LOCKOUT
    # even the right PIN is refused while locked
    clock.advance(minutes=4, seconds=30)
    with pytest.raises(AuthError, match="locked after 5 wrong PINs.*1 min"):
        st.login(cashier.id, "3333", clock=clock)
    # other employees are not affected
    assert st.login(staff["manager"].id, "2222", clock=clock).role == "manager"
    clock.advance(seconds=31)
    assert st.login(cashier.id, "3333", clock=clock).id == cashier.id
    assert Employee.get_by_id(cashier.id).failed_logins == 0
    actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions.count("login.failed") == 4 and actions.count("login.locked") == 1


def test_a_good_login_resets_the_count(staff: dict, clock: FixedClock) -> None:
    cashier = staff["cashier"]
    for _ in range(4):
        with pytest.raises(AuthError):
            st.login(cashier.id, "9999", clock=clock)
    st.login(cashier.id, "3333", clock=clock)
    with pytest.raises(AuthError, match="4 tries left"):
        st.login(cashier.id, "9999", clock=clock)


def test_unknown_or_inactive_employee(staff: dict, clock: FixedClock) -> None:
    with pytest.raises(AuthError, match="No such employee"):
        st.login(99999, "1111", clock=clock)
    Employee.update(active=False).where(Employee.id == staff["cashier"].id).execute()
    with pytest.raises(AuthError, match="No such employee"):
        st.login(staff["cashier"].id, "3333", clock=clock)


def test_permission_table() -> None:
    P, R = st.Permission, st.Role
    perms = st.ROLE_PERMISSIONS
    assert P.SELL in perms[R.CASHIER] and P.EDIT_PRICES not in perms[R.CASHIER]
    assert P.EDIT_CUSTOMERS in perms[R.SENIOR_CASHIER]
    assert P.EDIT_VIP in perms[R.MANAGER] and P.CONFIRM_BELOW_COST not in perms[R.MANAGER]
    assert perms[R.OWNER] == frozenset(P)
    assert P.SELL not in perms[R.SUPPORT] and P.CHANGE_SETTINGS in perms[R.SUPPORT]
    for role in R:
        assert st.role_title(role)
    for permission in P:
        assert st.permission_title(permission)


def test_services_refuse_what_the_role_may_not_do(staff: dict, clock: FixedClock) -> None:
    cashier, manager, owner = staff["cashier"], staff["manager"], staff["owner"]
    with pytest.raises(PermissionDenied, match="Kateryna Cashier \\(Cashier\\) may not manage"):
        st.create_employee("New Person", st.Role.CASHIER, "7777", by=cashier, clock=clock)
    with pytest.raises(PermissionDenied, match="may not manage staff"):
        st.set_role(cashier, st.Role.OWNER, by=manager, clock=clock)
    with pytest.raises(PermissionDenied, match="may not view the audit log"):
        st.audit_page(manager)
    with pytest.raises(AuthError, match="Nobody is logged in"):
        st.require(None, st.Permission.SELL)
    assert Employee.get_by_id(cashier.id).role == "cashier"
    # the owner may, and it is audited with before and after
    st.set_role(cashier, st.Role.SENIOR_CASHIER, by=owner, clock=clock)
    entry = AuditEntry.select().where(AuditEntry.action == "staff.set_role").get()
    assert json.loads(entry.before)["role"] == "cashier"
    assert json.loads(entry.after)["role"] == "senior_cashier"
    assert entry.employee_id == owner.id


def test_own_pin_change_and_others(staff: dict, clock: FixedClock) -> None:
    cashier, owner = staff["cashier"], staff["owner"]
    st.set_pin(cashier, "8888", by=cashier, clock=clock)
    assert st.login(cashier.id, "8888", clock=clock)
    with pytest.raises(PermissionDenied):
        st.set_pin(owner, "0000", by=cashier, clock=clock)
    st.set_pin(cashier, "3333", by=owner, clock=clock)
    assert st.login(cashier.id, "3333", clock=clock)


def test_create_employee_validation(staff: dict, clock: FixedClock) -> None:
    owner = staff["owner"]
    with pytest.raises(ValidationError, match="already an employee named"):
        st.create_employee("Olena Owner", "cashier", "1234", by=owner, clock=clock)
    with pytest.raises(ValidationError, match="Unknown role 'boss'"):
        st.create_employee("X", "boss", "1234", by=owner, clock=clock)
    with pytest.raises(ValidationError, match="1 to 120 characters"):
        st.create_employee(" ", "cashier", "1234", by=owner, clock=clock)


def test_audit_log_pages_newest_first(staff: dict, clock: FixedClock) -> None:
    owner = staff["owner"]
    for i in range(7):
        st.audit(f"test.{i}", owner, clock=clock)
    first = st.audit_page(owner, limit=3)
    assert [e.action for e in first] == ["test.6", "test.5", "test.4"]
    second = st.audit_page(owner, before_id=first[-1].id, limit=3)
    assert [e.action for e in second] == ["test.3", "test.2", "test.1"]
    assert second[0].employee.name == "Olena Owner"
