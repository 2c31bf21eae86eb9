"""Files the office writes (statements, code and certificate lists, invoices, price lists):
the target checked before anything is computed, and the file written whole or not at all (a
partial file beside it, renamed over it), so a full disk or a crash never leaves half a PDF
where the last good one was, and two registers exporting at once never mix their bytes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _


def export_target(path: str | Path, suffixes: Iterable[str], refusal: str = "") -> Path:
    """``path`` as the file to write: its ending one of ``suffixes`` (".pdf", ".xlsx" ...),
    in a folder that exists. ``refusal``: what to say of another ending (with ``{path}``)."""
    target = Path(path)
    allowed = tuple(s.lower() for s in suffixes)
    if target.suffix.lower() not in allowed:
        text = refusal or _("{path}: name the file with {suffix} at the end.")
        raise ValidationError(text.format(path=path, suffix=" or ".join(allowed)))
    if target.is_dir() or not target.parent.is_dir():
        raise ValidationError(_("{path}: no such folder, or it is a folder.").format(path=path))
    return target


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """``write`` a partial file beside ``target``, then rename it over ``target``; an OS
    error is said in words (TorgError) and the partial file removed."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        write(partial)
        os.replace(partial, target)
    except OSError as exc:
        raise TorgError(
            _("Cannot write {path}: {error}").format(path=target, error=exc.strerror or exc)
        ) from None
    finally:
        partial.unlink(missing_ok=True)


__all__ = ["export_target", "write_atomically"]
