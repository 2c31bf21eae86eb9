"""Run one fiscal queue pass against a Checkbox URL (the crash test kills this mid-send).

Usage: python fiscal_send_once.py DATABASE_URL CHECKBOX_URL LICENSE_KEY PIN
"""

from __future__ import annotations

import sys

from torgtui.db import open_database
from torgtui.hw.fiscal.checkbox import CheckboxUnit
from torgtui.hw.fiscal.queue import process_queue


def main(argv: list[str]) -> int:
    db_url, base_url, license_key, pin = argv
    open_database(db_url)
    unit = CheckboxUnit(base_url, license_key, pin, timeout=120.0, sleep=lambda _s: None)
    print(process_queue(unit), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
