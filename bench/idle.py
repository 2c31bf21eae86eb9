"""What an idle register writes to the terminal: the cashier's bandwidth over SSH.

    python -m bench idle [--seconds 60] [--lines 5] [--ssh] [--screen sale|home]

The register runs in a real pseudo-terminal (80x24), logs in, opens the sale screen and scans
``--lines`` products; then nobody touches it for ``--seconds`` while every byte it writes is
counted. ``--ssh`` sets ``SSH_CONNECTION`` the way sshd does (the cursor stops blinking with
``ui.cursor_blink = "auto"``). ``--scan-at`` also scans once in the middle of the idle time,
to show what a scan that coincides with a periodic refresh writes.

Goal (issue 7): an idle sale screen writes at most 1 KB a minute.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.goals import Goal, exit_status, report
from bench.scan import REGISTER, build_shop
from bench.startup import machine
from bench.terminal import PtySession, child_environment

GOAL_BYTES_PER_MINUTE = 1024
SEQUENCE = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b.|[^\x1b]+")


def kinds(raw: bytes) -> Counter[str]:
    """Bytes by kind of output: cursor show/hide and moves, colours, text; to find the cause."""
    out: Counter[str] = Counter()
    for match in SEQUENCE.finditer(raw):
        piece = match.group()
        if piece.startswith(b"\x1b[?25"):
            kind = "cursor show/hide"
        elif piece.startswith(b"\x1b[") and piece.endswith(b"H"):
            kind = "cursor moves"
        elif piece.startswith(b"\x1b[") and piece.endswith(b"m"):
            kind = "colours"
        elif piece.startswith(b"\x1b"):
            kind = "other escapes"
        else:
            kind = "text"
        out[kind] += len(piece)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench idle", description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="idle time measured")
    parser.add_argument("--lines", type=int, default=5, help="lines on the open receipt")
    parser.add_argument("--ssh", action="store_true", help="as over SSH (SSH_CONNECTION set)")
    parser.add_argument("--blink", choices=("auto", "on", "off"), help="ui.cursor_blink")
    parser.add_argument("--screen", choices=("sale", "home"), default="sale")
    parser.add_argument("--scan-at", type=float, help="scan once this many seconds in")
    parser.add_argument("--dump", help="write the idle bytes to this file (to see what repaints)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the goal is missed")
    parser.add_argument("--output")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "idle.sqlite")
        codes = build_shop(path, max(args.lines, 1))
        env = child_environment(rows=24, cols=80)
        env.update(
            TORGTUI_STORE_REGISTER=REGISTER,
            TORGTUI_DEVICES_PRINTER="none",
            TORGTUI_DEVICES_FISCAL="sandbox",
            TORGTUI_UI_IDLE_LOCK_SECONDS="0",
            TORGTUI_CONFIG=str(Path(tmp) / "none.toml"),
        )
        for key in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
            env.pop(key, None)
        if args.ssh:
            env["SSH_CONNECTION"] = "192.0.2.10 50022 192.0.2.1 22"
        if args.blink:
            env["TORGTUI_UI_CURSOR_BLINK"] = args.blink
        Path(env["TORGTUI_CONFIG"]).write_text("")
        with PtySession([sys.executable, "-m", "torgtui", "--db", path], env=env) as s:
            s.read_until("PIN", 30)
            s.settle()
            s.write(b"3333\r")
            s.read_until("Sale", 30, since=len(s.visible))
            s.settle()
            if args.screen == "sale":
                mark = len(s.visible)
                s.write(b"1")
                s.read_until("To pay", 30, since=mark)
                s.settle(0.2, 3)
                for code in codes[: args.lines]:
                    s.type_and_settle(code.encode() + b"\r", 0.05, 2.0)
            s.settle(0.5, 5)
            s.pump(2.0)  # let start-up timers and workers finish before counting
            start = len(s.raw)
            began = time.perf_counter()
            windows: list[int] = []
            scanned = False
            while (elapsed := time.perf_counter() - began) < args.seconds:
                before = len(s.raw)
                if args.scan_at is not None and not scanned and elapsed >= args.scan_at:
                    s.write(codes[0].encode() + b"\r")
                    scanned = True
                s.pump(min(10.0, args.seconds - elapsed))
                windows.append(len(s.raw) - before)
            idle = bytes(s.raw[start:])
            seconds = time.perf_counter() - began
    if args.dump:
        Path(args.dump).write_bytes(idle)
    per_minute = len(idle) * 60 / seconds
    breakdown = kinds(idle)
    print(
        f"idle {args.screen} screen, 80x24 pty, {args.lines} receipt lines, "
        f"{'SSH' if args.ssh else 'local'}{', blink ' + args.blink if args.blink else ''}:"
    )
    print(f"  {len(idle)} bytes in {seconds:.0f} s = {per_minute:.0f} bytes a minute")
    print(f"  per 10 s: {windows}")
    print("  by kind: " + ", ".join(f"{k} {v}" for k, v in breakdown.most_common()))
    print(f"  sample: {idle[:240]!r}")
    goals = [Goal("idle bytes a minute", per_minute, GOAL_BYTES_PER_MINUTE, unit="B")]
    report(goals)
    summary = {
        "bytes": len(idle),
        "seconds": seconds,
        "bytes_per_minute": per_minute,
        "windows": windows,
        "kinds": dict(breakdown),
        "options": vars(args),
        "machine": machine(),
        "goals": [g.as_dict() for g in goals],
    }
    out = Path(args.output or f"bench/results/idle-{time.strftime('%Y%m%d-%H%M%S')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    return exit_status(goals, strict=args.strict)
