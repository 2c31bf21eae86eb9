"""A referrer's codes on labels and in the clipboard: "Print promo codes" (label printer bytes in
TSPL or ZPL through torgtui.hw.labels.promo_label, or an A4 sheet of labels as PDF with the
layouts and bars of torgtui.customers.printing, as torgtui.marketing.codes_print prints promo
codes) and "Copy promo codes" (the text for an email or a messenger, put on the clipboard with
the terminal's OSC 52 sequence; over SSH, where a terminal may ignore it, also written to a file
whose path is said).

The codes are worth money to whoever holds one, so each needs EDIT_CUSTOMERS and is audited
with how many codes, never the codes; files are written beside the target and renamed.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable
from pathlib import Path

from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.files import export_target, write_atomically
from torgtui.i18n import _
from torgtui.marketing import referral
from torgtui.marketing.codes_print import MAX_LABELS
from torgtui.models import Customer, Employee
from torgtui.staff import Permission, audit, require

OSC52_LIMIT = 100_000  # bytes of base64 some terminals accept in one sequence


def _chosen(customer_id: int, campaign_id: int | None, codes: Iterable[str] | None) -> list[str]:
    """The referrer's codes to hand out: every unused one (of one campaign), or those of
    ``codes`` that are such."""
    mine = referral.unused_codes(customer_id, campaign_id=campaign_id)
    if codes is None:
        chosen = mine
    else:
        wanted = list(dict.fromkeys(referral.referral_code_of(c) or str(c) for c in codes))
        known = set(mine)
        chosen = [c for c in wanted if c in known]
        if len(chosen) != len(wanted):
            raise ValidationError(
                _("Some codes are used, stopped or not this customer's: print only unused ones.")
            )
    if not chosen:
        raise ValidationError(_("This customer has no unused referral codes: add a campaign."))
    if len(chosen) > MAX_LABELS:  # pragma: no cover - a campaign has at most MAX_CODES
        raise ValidationError(_("Too many labels at once: choose the codes."))
    return chosen


def _titles(customer_id: int, campaign_id: int | None) -> tuple[str, str]:
    """The label's title and line: the friend's discount and the last day."""
    campaigns = referral.campaigns_of(customer_id)
    if campaign_id is not None:
        campaigns = [c for c in campaigns if c.id == campaign_id]
    if not campaigns:
        raise ValidationError(_("There is no such campaign: choose one from the list."))
    first = campaigns[0]
    # a hyphen, not a minus sign: label printers print cp1251, which has none
    title = _("Refer a Friend -{percent}%").format(percent=f"{first.friend_percent.normalize():f}")
    line = _("Valid until {date}").format(date=first.valid_until.strftime("%d.%m.%Y"))
    return title, line


def _audit(action: str, by: Employee, customer_id: int, count: int, clock: Clock, **more) -> None:
    with write_tx():
        audit(
            action,
            by,
            object_type="customer",
            object_id=customer_id,
            after={"codes": count, **more},
            clock=clock,
        )


def label_bytes(
    customer_id: int,
    *,
    by: Employee,
    campaign_id: int | None = None,
    language: str = "tspl",
    codes: Iterable[str] | None = None,
    clock: Clock = system_clock,
) -> bytes:
    """One label per unused code for a TSPL or ZPL label printer (send them with
    torgtui.hw.labels.send_label)."""
    from torgtui.hw.labels import promo_label

    require(by, Permission.EDIT_CUSTOMERS)
    chosen = _chosen(customer_id, campaign_id, codes)
    title, line = _titles(customer_id, campaign_id)
    data = b"".join(promo_label(c, title, line, language=language) for c in chosen)
    _audit("referral.labels", by, customer_id, len(chosen), clock, language=language)
    return data


def labels_pdf(
    customer_id: int,
    path: str | Path,
    *,
    by: Employee,
    campaign_id: int | None = None,
    layout: str = "a4-24",
    codes: Iterable[str] | None = None,
    clock: Clock = system_clock,
) -> int:
    """An A4 sheet of labels, one unused code on each (its title, validity and barcode), to stick
    on cards for friends. Returns the pages."""
    from torgtui.customers.printing import LAYOUTS, draw_barcode
    from torgtui.pdf import FONT, new_pdf

    require(by, Permission.EDIT_CUSTOMERS)
    sheet = LAYOUTS.get(layout)
    if sheet is None:
        raise ValidationError(
            _("Unknown label layout {name!r}: use {known}.").format(
                name=str(layout)[:20], known=", ".join(LAYOUTS)
            )
        )
    target = export_target(path, (".pdf",))
    chosen = _chosen(customer_id, campaign_id, codes)
    title, line = _titles(customer_id, campaign_id)
    pdf = new_pdf()
    for slot, code in enumerate(chosen):
        if slot % sheet.per_page == 0:
            pdf.add_page()
        row, col = divmod(slot % sheet.per_page, sheet.columns)
        x = sheet.left + col * (sheet.width + sheet.gap_x)
        y = sheet.top + row * (sheet.height + sheet.gap_y)
        pad = min(3.0, sheet.height / 8)
        pdf.set_font(FONT, size=7 if sheet.height < 25 else 9)
        pdf.text(x + pad, y + pad + 3, title)
        top = y + pad + 4
        if sheet.height >= 25:
            pdf.text(x + pad, top + 3, line)
            top += 4
        draw_barcode(pdf, code, x + pad, top, sheet.width - 2 * pad, y + sheet.height - pad - top)
    write_atomically(target, lambda partial: pdf.output(str(partial)))
    _audit("referral.labels", by, customer_id, len(chosen), clock, layout=layout)
    return int(pdf.pages_count)


# --- copy --------------------------------------------------------------------------------------


def copy_text(
    customer_id: int,
    *,
    by: Employee,
    campaign_id: int | None = None,
    clock: Clock = system_clock,
) -> str:
    """The unused codes as text to send to the referrer (one code a line under a heading that
    says what a friend gets and until when); audited."""
    require(by, Permission.EDIT_CUSTOMERS)
    chosen = _chosen(customer_id, campaign_id, None)
    title, line = _titles(customer_id, campaign_id)
    name = Customer.get_by_id(customer_id).name
    head = _("{title}: codes of {name} for friends ({line}), each for one first purchase:").format(
        title=title, name=name, line=line.lower() if line else ""
    )
    _audit("referral.copy", by, customer_id, len(chosen), clock)
    return "\n".join([head, *chosen]) + "\n"


def osc52(text: str) -> str:
    """The terminal escape sequence that puts ``text`` on the clipboard (OSC 52, base64),
    terminated by BEL; the screen writes it through Textual's ``copy_to_clipboard``."""
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    if len(encoded) > OSC52_LIMIT:
        raise ValidationError(_("Too much text for the clipboard: print the codes instead."))
    return f"\x1b]52;c;{encoded}\a"


def over_ssh(environ: dict[str, str] | None = None) -> bool:
    """Whether the app runs in an SSH session (the terminal may not pass OSC 52 on)."""
    env = os.environ if environ is None else environ
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"))


def codes_folder(environ: dict[str, str] | None = None) -> Path:
    """Where copied codes are also written: ``$XDG_STATE_HOME/torgtui/referral-codes``
    (``~/.local/state/...`` by default)."""
    env = os.environ if environ is None else environ
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "torgtui" / "referral-codes"


def save_copy(text: str, customer_id: int, *, folder: Path | None = None) -> Path:
    """Write the copied text to a file (the fallback when the clipboard may not work); returns
    its path for the message."""
    folder = folder or codes_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(
            _("Cannot create {path}: {error}").format(path=folder, error=exc.strerror or exc)
        ) from None
    target = folder / f"referral-{customer_id}.txt"
    write_atomically(target, lambda partial: partial.write_text(text, encoding="utf-8"))
    return target


__all__ = [
    "codes_folder",
    "copy_text",
    "label_bytes",
    "labels_pdf",
    "osc52",
    "over_ssh",
    "save_copy",
]
