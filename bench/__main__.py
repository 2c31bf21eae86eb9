"""``python -m bench [NAME] [options]``: run one benchmark (default: startup)."""

from __future__ import annotations

import sys
import traceback

from bench import (
    backtest,
    calls,
    commit,
    customer_list,
    customers,
    idle,
    ledger,
    mailing,
    messages,
    pricing,
    promotions,
    scan,
    startup,
    till,
)

BENCHMARKS = {
    "startup": startup.main,
    "commit": commit.main,
    "scan": scan.main,
    "customers": customers.main,
    "customer_list": customer_list.main,
    "pricing": pricing.main,
    "promotions": promotions.main,
    "idle": idle.main,
    "ledger": ledger.main,
    "backtest": backtest.main,
    "mailing": mailing.main,
    "calls": calls.main,
    "messages": messages.main,
    "till": till.main,
}


def main(argv: list[str]) -> int:
    name = "startup"
    if argv and argv[0] in BENCHMARKS:
        name, argv = argv[0], argv[1:]
    elif argv and not argv[0].startswith("-"):
        print(f"bench: unknown benchmark {argv[0]!r}: choose one of {', '.join(BENCHMARKS)}")
        return 2
    try:
        return BENCHMARKS[name](argv)
    except KeyboardInterrupt:
        return 2
    except Exception:  # the measurement itself failed: not a missed goal (exit status 2)
        traceback.print_exc()
        print(f"bench: {name} could not run (see the traceback above)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
