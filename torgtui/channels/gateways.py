"""The gateway the settings ask for, per channel (``[messages]``: sms_gateway, email_gateway).

SMS and Viber go through ``sms_gateway``; Viber only through a service that carries it
(turbosms, alphasms, sandbox): with e-pochta a Viber message has no gateway (None) and the
sender sends the SMS instead. E-mail goes through ``email_gateway``. "none" means no gateway
(None): the messages wait in the outbox. A chosen service without its key is a ConfigError that
names the setting, never its value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from torgtui.channels.gateway import Channel, Gateway
from torgtui.db import sqlite_path
from torgtui.errors import ConfigError
from torgtui.i18n import _


def sandbox_path(settings: Any) -> Path:
    """``messages.sandbox_file``; a relative one sits next to the SQLite database (in the
    current folder for PostgreSQL)."""
    path = Path(settings.messages.sandbox_file).expanduser()
    if path.is_absolute():
        return path
    try:
        db_file = sqlite_path(settings.database.url)
    except Exception:  # a bad URL is the database's to say
        db_file = None
    folder = db_file.parent if db_file is not None else Path.cwd()
    return folder / path


def _require(**named: str) -> None:
    missing = [f"messages.{name}" for name, value in named.items() if not value]
    if missing:
        raise ConfigError(
            _(
                "The message gateway needs {settings}: set them (the settings file or "
                "TORGTUI_MESSAGES_* variables), or choose the sandbox to try it."
            ).format(settings=", ".join(missing))
        )


def open_gateway(
    settings: Any, channel: Channel, *, transport: httpx.BaseTransport | None = None
) -> Gateway | None:
    """The configured gateway for ``channel``, or None (see the module doc). The caller closes
    it. ``transport`` replaces the network (tests)."""
    m = settings.messages
    kind = m.email_gateway if channel == Channel.EMAIL else m.sms_gateway
    if kind == "none":
        return None
    if kind == "sandbox":
        from torgtui.channels.sandbox import SandboxGateway

        return SandboxGateway(
            sandbox_path(settings),
            sms_sender=m.sms_sender,
            viber_sender=m.viber_sender,
            email_from=m.email_from,
        )
    if channel == Channel.EMAIL:
        if kind != "smtp":
            raise ConfigError(
                _("Unknown messages.email_gateway {kind!r}: use sandbox, smtp or none.").format(
                    kind=kind
                )
            )
        _require(smtp_host=m.smtp_host, email_from=m.email_from)
        if m.smtp_user:
            _require(smtp_password=m.smtp_password)
        from torgtui.channels.smtp_gateway import SmtpGateway

        return SmtpGateway(
            m.smtp_host,
            m.smtp_port,
            user=m.smtp_user,
            password=m.smtp_password,
            starttls=m.smtp_starttls,
            sender=m.email_from,
        )
    if kind == "turbosms":
        _require(turbosms_token=m.turbosms_token)
        from torgtui.channels.turbosms import TurboSmsGateway

        return TurboSmsGateway(
            m.turbosms_token,
            url=m.turbosms_url,
            sms_sender=m.sms_sender,
            viber_sender=m.viber_sender,
            transport=transport,
        )
    if kind == "alphasms":
        _require(alphasms_key=m.alphasms_key)
        from torgtui.channels.alphasms import AlphaSmsGateway

        return AlphaSmsGateway(
            m.alphasms_key,
            url=m.alphasms_url,
            sms_sender=m.sms_sender,
            viber_sender=m.viber_sender,
            transport=transport,
        )
    if kind == "epochta":
        if channel == Channel.VIBER:
            return None  # e-pochta carries SMS only
        _require(epochta_public_key=m.epochta_public_key, epochta_private_key=m.epochta_private_key)
        from torgtui.channels.epochta import EpochtaGateway

        return EpochtaGateway(
            m.epochta_public_key,
            m.epochta_private_key,
            url=m.epochta_url,
            sms_sender=m.sms_sender,
            transport=transport,
        )
    raise ConfigError(
        _(
            "Unknown messages.sms_gateway {kind!r}: use sandbox, turbosms, alphasms, epochta "
            "or none."
        ).format(kind=kind)
    )


__all__ = ["open_gateway", "sandbox_path"]
