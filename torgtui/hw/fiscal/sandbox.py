"""A pretend fiscal unit for the demo and for training: NOTHING it does is fiscal.

It keeps the shift state in memory and answers every document at once with a made-up code
"SANDBOX-<first 8 of the uuid>", so the register's fiscal queue can be watched working without
a Checkbox account or a fiscal printer. Receipts "fiscalised" here are not reported to the tax
service; a shop that really sells must switch ``devices.fiscal`` to checkbox or serial.
"""

from __future__ import annotations

import uuid as uuidlib

from torgtui.hw.fiscal.base import FiscalReceipt, FiscalResult

NOT_FISCAL = "SANDBOX: NOT A FISCAL RECEIPT"


class SandboxUnit:
    """In-memory shift, deterministic codes; says on every result that it is not fiscal."""

    name = "sandbox"

    def __init__(self) -> None:
        self.shift_open = False
        self.shift_number = 0
        self.documents: dict[str, FiscalResult] = {}  # by uuid: a resend gets the same answer
        self.cash = 0
        self.sales = 0

    def _result(self, key: str, **extra: object) -> FiscalResult:
        return FiscalResult(
            fiscal_code=f"SANDBOX-{key[:8]}",
            remote_id=key,
            extra={"sandbox": True, "note": NOT_FISCAL, **extra},
        )

    def open_shift(self) -> FiscalResult:
        if not self.shift_open:
            self.shift_open = True
            self.shift_number += 1
            self.cash = self.sales = 0
        return self._result(f"shift{self.shift_number:03d}", shift=self.shift_number)

    def close_shift(self) -> FiscalResult:
        # after a restart the in-memory shift is gone: close what there is, never block
        self.shift_open = False
        z_report = {"shift": self.shift_number, "sales": self.sales, "cash": self.cash}
        self.cash = self.sales = 0
        return self._result(f"z{self.shift_number:07d}", z_report=z_report)

    def x_report(self) -> FiscalResult:
        return self._result(
            f"x{self.shift_number:07d}",
            x_report={"shift": self.shift_number, "sales": self.sales, "cash": self.cash},
        )

    def service(self, amount: int, *, uuid: str = "") -> FiscalResult:
        key = uuid or str(uuidlib.uuid4())
        if key not in self.documents:
            self._need_shift()
            self.cash += amount
            self.documents[key] = self._result(key)
        return self.documents[key]

    def receipt(self, doc: FiscalReceipt) -> FiscalResult:
        if doc.uuid not in self.documents:
            self._need_shift()
            sign = -1 if doc.kind == "return" else 1
            self.sales += sign * doc.total
            self.cash += sign * sum(a for t, a in doc.payments if t == "cash")
            self.documents[doc.uuid] = self._result(doc.uuid)
        return self.documents[doc.uuid]

    def _need_shift(self) -> None:
        if not self.shift_open:  # the demo opens shifts itself; be forgiving, like a trainer
            self.open_shift()

    def close(self) -> None:
        self.documents.clear()
