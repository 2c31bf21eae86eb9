"""The fiscal unit the settings ask for: ``devices.fiscal`` = sandbox, checkbox, serial or none."""

from __future__ import annotations

from torgtui.config import DeviceSettings
from torgtui.errors import ConfigError
from torgtui.hw.fiscal.base import FiscalUnit
from torgtui.i18n import _


def open_fiscal_unit(devices: DeviceSettings) -> FiscalUnit | None:
    """A ready unit, or None when the register works without one (``fiscal = "none"``)."""
    kind = devices.fiscal
    if kind == "none":
        return None
    if kind == "sandbox":
        from torgtui.hw.fiscal.sandbox import SandboxUnit

        return SandboxUnit()
    if kind == "checkbox":
        missing = [
            name
            for name, value in (
                ("devices.checkbox_license_key", devices.checkbox_license_key),
                ("devices.checkbox_pin", devices.checkbox_pin),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                _(
                    "Checkbox needs {settings}: set them (torgtui settings or TORGTUI_* "
                    'variables), or set devices.fiscal = "sandbox" to try the register.'
                ).format(settings=", ".join(missing))
            )
        from torgtui.hw.fiscal.checkbox import CheckboxUnit

        return CheckboxUnit(
            devices.checkbox_url, devices.checkbox_license_key, devices.checkbox_pin
        )
    if kind == "serial":
        if not devices.fiscal_port:
            raise ConfigError(
                _("A serial fiscal printer needs devices.fiscal_port (e.g. /dev/ttyUSB0 or COM3).")
            )
        from torgtui.hw.fiscal.serial_unit import SerialFiscalUnit

        return SerialFiscalUnit(devices.fiscal_port, devices.fiscal_baudrate)
    raise ConfigError(
        _("Unknown devices.fiscal {kind!r}: use sandbox, checkbox, serial or none.").format(
            kind=kind
        )
    )
