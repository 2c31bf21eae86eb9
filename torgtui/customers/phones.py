"""Phone numbers: parsed with ``phonenumbers`` (Ukraine by default) and stored as E.164."""

from __future__ import annotations

from torgtui.errors import ValidationError
from torgtui.i18n import _

DEFAULT_REGION = "UA"


def normalize_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """ "067 123 45 67", "+380671234567", "0671234567" -> "+380671234567"; else a clear error."""
    import phonenumbers  # lazily: about 16 ms, never on the register's start-up path

    if text is not None and not isinstance(text, str):
        raise ValidationError(
            _("A phone number is typed as text, like 067 123 45 67, not {value!r}.").format(
                value=type(text).__name__
            )
        )
    raw = (text or "").strip()
    if len(raw) > 40:
        raise ValidationError(_("{text!r}… is too long for a phone number.").format(text=raw[:20]))
    if not raw.isprintable():
        raise ValidationError(_("The phone number holds a control character: retype it."))
    if not raw:
        raise ValidationError(_("The phone number is empty."))
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _(
                "{text!r} is not a phone number: type it like 067 123 45 67 or +380671234567."
            ).format(text=raw)
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _(
                "{text!r} is not a valid phone number: check the operator code and the number of "
                "digits."
            ).format(text=raw)
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """ "+380671234567" -> "+380 67 123 4567" for display."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(e164: str) -> str:
    """What an employee without the see-phones permission sees: "+380 67 *** ** 67"."""
    if not e164 or len(e164) < 7:
        return e164
    return (
        f"{e164[:6]} *** ** {e164[-2:]}"
        if e164.startswith("+380")
        else (e164[:3] + "*" * (len(e164) - 5) + e164[-2:])
    )
