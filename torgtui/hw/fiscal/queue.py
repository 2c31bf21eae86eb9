"""The persistent fiscal queue: every sale, return, shift and cash move reaches the fiscal
unit in order and exactly once, however long the unit is unreachable.

Jobs are written by the sale's own transaction (:func:`torgtui.sales.shifts.enqueue_fiscal`).
:func:`process_queue` sends them in id order: a job is marked "sending" and committed *before*
the unit is called, so a register killed mid-send finds it "sending" and resends it; the units
are idempotent by the document's UUID, so the resend never makes a second fiscal receipt.
An outage puts the job back with a growing pause (5 s .. 5 min) and ends the pass, since order
matters; a refusal marks it "error" and holds every later job until someone fixes the cause
and calls :func:`retry_job`. :class:`FiscalSender` runs the queue in a background thread.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.db import database, write_tx
from torgtui.errors import ValidationError
from torgtui.hw.fiscal.base import FiscalError, FiscalResult, FiscalUnit, document_for
from torgtui.i18n import _
from torgtui.models import Employee, FiscalJob, Receipt, Shift
from torgtui.staff import Permission, audit, require

log = logging.getLogger(__name__)

BACKOFF_MIN_S = 5
BACKOFF_MAX_S = 300
OPEN = ("pending", "sending", "error")  # not yet accepted by the unit
CASH_JOBS = ("cash_in", "cash_out")


@dataclass(frozen=True)
class QueueState:
    sent: int  # jobs sent by this pass
    waiting: int  # jobs not yet accepted by the unit (pending, sending, error); -1 unknown
    blocked_message: str = ""  # a refusal that holds the queue until someone retries
    last_error: str = ""  # the latest outage message, while jobs wait for the unit


def backoff(attempts: int) -> dt.timedelta:
    """The pause before the next try after ``attempts`` failed ones: 5 s doubling to 5 min."""
    return dt.timedelta(seconds=min(BACKOFF_MAX_S, BACKOFF_MIN_S * 2 ** max(0, attempts - 1)))


def _open_jobs(register: str | None) -> peewee.ModelSelect[FiscalJob]:
    query = FiscalJob.select().where(FiscalJob.status.in_(OPEN))
    if register is not None:
        query = query.join(Shift).where(Shift.register == register)
    return query.order_by(FiscalJob.id)


def waiting_count(register: str | None = None) -> int:
    """Jobs the fiscal unit has not accepted yet (pending, sending or refused)."""
    return _open_jobs(register).count()


def blocking_job(register: str | None = None) -> FiscalJob | None:
    """The refused job holding the queue, if the first open job is one."""
    job = _open_jobs(register).first()
    return job if job is not None and job.status == "error" else None


def last_error(register: str | None = None) -> str:
    """Why the first waiting job has not gone yet ("" when nothing waits or it has not failed)."""
    job = _open_jobs(register).first()
    return job.last_error if job is not None else ""


def _mark_sending(job: FiscalJob, now: dt.datetime) -> FiscalJob | None:
    """Claim the job (committed before the unit is called); None if it changed meanwhile."""
    payload = json.loads(job.payload or "{}")
    if job.kind in CASH_JOBS and "uuid" not in payload:
        payload["uuid"] = str(uuidlib.uuid4())  # the service receipt's id, kept across resends
    with write_tx():
        claimed = (
            FiscalJob.update(
                status="sending",
                attempts=FiscalJob.attempts + 1,
                payload=json.dumps(payload),
                updated_at=now,
            )
            .where(
                (FiscalJob.id == job.id)
                & (FiscalJob.status == job.status)
                & (FiscalJob.attempts == job.attempts)
            )
            .execute()
        )
    return FiscalJob.get_by_id(job.id) if claimed else None


def _send(unit: FiscalUnit, job: FiscalJob, header: str, footer: str) -> FiscalResult:
    if job.kind in ("sale", "return"):
        receipt = Receipt.get_by_id(job.receipt_id)
        return unit.receipt(document_for(receipt, header=header, footer=footer))
    if job.kind == "open_shift":
        return unit.open_shift()
    if job.kind == "close_shift":
        return unit.close_shift()
    if job.kind in CASH_JOBS:
        payload = json.loads(job.payload or "{}")
        amount = int(payload["amount"]) * (1 if job.kind == "cash_in" else -1)
        return unit.service(amount, uuid=payload["uuid"])
    raise FiscalError(
        _("Unknown fiscal job kind {kind!r}: update torgtui.").format(kind=job.kind),
        retryable=False,
    )


def _succeeded(job: FiscalJob, result: FiscalResult, now: dt.datetime) -> None:
    payload = json.loads(job.payload or "{}")
    if result.extra:
        payload["result"] = result.extra
    with write_tx():
        FiscalJob.update(
            status="done",
            fiscal_code=result.fiscal_code[:80],
            remote_id=result.remote_id[:64],
            payload=json.dumps(payload, ensure_ascii=False, default=str),
            last_error="",
            next_try_at=None,
            updated_at=now,
        ).where(FiscalJob.id == job.id).execute()
        if job.receipt_id:
            Receipt.update(fiscal_status="done", fiscal_code=result.fiscal_code[:80]).where(
                Receipt.id == job.receipt_id
            ).execute()


def _failed(job: FiscalJob, error: FiscalError, now: dt.datetime) -> None:
    with write_tx():
        if error.retryable:
            FiscalJob.update(
                status="pending",
                next_try_at=now + backoff(job.attempts),
                last_error=error.message,
                updated_at=now,
            ).where(FiscalJob.id == job.id).execute()
        else:
            FiscalJob.update(status="error", last_error=error.message, updated_at=now).where(
                FiscalJob.id == job.id
            ).execute()
            if job.receipt_id:
                Receipt.update(fiscal_status="error").where(Receipt.id == job.receipt_id).execute()


def process_queue(
    unit: FiscalUnit,
    *,
    clock: Clock = system_clock,
    max_jobs: int | None = None,
    header: str = "",
    footer: str = "",
    register: str | None = None,
) -> QueueState:
    """Send the due jobs in order (those of one ``register``'s shifts when given)."""
    sent, blocked, outage = 0, "", ""
    while max_jobs is None or sent < max_jobs:
        job = _open_jobs(register).first()
        if job is None:
            break
        if job.status == "error":
            blocked = job.last_error
            break
        if job.next_try_at is not None and job.next_try_at > clock():
            outage = job.last_error
            break
        claimed = _mark_sending(job, clock())
        if claimed is None:  # another sender took it: leave the queue to it this time
            break
        try:
            result = _send(unit, claimed, header, footer)
        except FiscalError as exc:
            _failed(claimed, exc, clock())
            if exc.retryable:
                outage = exc.message
            else:
                blocked = exc.message
            break
        except Exception as exc:  # an unexpected answer or a bug: keep the job, try later
            log.exception("fiscal job %s failed", claimed.id)
            message = _("The fiscal unit failed unexpectedly ({detail}): it is tried again.")
            error = FiscalError(message.format(detail=exc), retryable=True)
            _failed(claimed, error, clock())
            outage = error.message
            break
        _succeeded(claimed, result, clock())
        sent += 1
    return QueueState(sent, waiting_count(register), blocked, outage)


def retry_job(job_id: int, *, by: Employee, clock: Clock = system_clock) -> FiscalJob:
    """Send a refused (or waiting) job again at once, after its cause was fixed. Audited."""
    require(by, Permission.SHIFT)
    now = clock()
    with write_tx():
        job = FiscalJob.get_or_none(FiscalJob.id == job_id)
        if job is None:
            raise ValidationError(_("There is no fiscal job {id}.").format(id=job_id))
        if job.status not in ("error", "pending"):
            raise ValidationError(
                _("Fiscal job {id} is {status}: there is nothing to retry.").format(
                    id=job_id, status=job.status
                )
            )
        FiscalJob.update(status="pending", next_try_at=None, updated_at=now).where(
            FiscalJob.id == job_id
        ).execute()
        if job.receipt_id:
            Receipt.update(fiscal_status="pending").where(Receipt.id == job.receipt_id).execute()
        audit(
            "fiscal.retry",
            by,
            object_type="fiscal_job",
            object_id=job_id,
            before={"status": job.status, "error": job.last_error, "attempts": job.attempts},
            after={"status": "pending"},
            clock=clock,
        )
    return FiscalJob.get_by_id(job_id)


class FiscalSender:
    """Runs :func:`process_queue` in a thread: at once on :meth:`notify` (after each sale),
    otherwise every ``interval`` seconds; reports each pass's :class:`QueueState` to
    ``on_state`` (called in the sender's thread: post a message from it, touch no widget)."""

    def __init__(
        self,
        unit: FiscalUnit,
        *,
        clock: Clock = system_clock,
        on_state: Callable[[QueueState], None] | None = None,
        interval: float = 5.0,
        header: str = "",
        footer: str = "",
        register: str | None = None,
    ) -> None:
        self.unit = unit
        self.clock = clock
        self.on_state = on_state
        self.interval = interval
        self.header, self.footer, self.register = header, footer, register
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> FiscalSender:
        if self._thread is None or not self._thread.is_alive():
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="fiscal-sender", daemon=True)
            self._thread.start()
        return self

    def notify(self) -> None:
        """Something was queued: run a pass now."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> bool:
        """Finish the current send and stop; True when the thread has ended."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def run_once(self) -> QueueState:
        """One pass (also callable from any thread; passes never overlap)."""
        with self._lock:
            return process_queue(
                self.unit,
                clock=self.clock,
                header=self.header,
                footer=self.footer,
                register=self.register,
            )

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    state = self.run_once()
                except Exception as exc:  # the database itself failed: report, try later
                    log.exception("fiscal queue pass failed")
                    state = QueueState(0, -1, "", str(exc))
                if self.on_state is not None:
                    try:
                        self.on_state(state)
                    except Exception:  # the sender thread must outlive a failing observer
                        log.exception("fiscal queue state callback failed")
                self._wake.wait(self.interval)
                self._wake.clear()
        finally:
            if not database.is_closed():
                database.close()  # this thread's own connection
