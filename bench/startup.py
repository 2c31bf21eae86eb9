"""Cold start of torgtui to its login screen, against the smallest Textual app on the same machine.

Both programs are started the same way (``python -m ...`` in a fresh 80x24 pty), alternately,
``--runs`` times each; a run is the time from spawn until the marker text is visible. Then
torgtui is started once more, logged in by typing the PIN, and its resident memory is read from
/proc once the home screen shows. Goals: median ratio <= 1.5x, RSS after login <= 70 MiB.

    python -m bench startup [--runs 7] [--marker PIN] [--home-marker Sale] [--strict]
"""

from __future__ import annotations

import argparse
import codecs
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from bench.terminal import MarkerTimeout, PtySession, child_environment

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
MINIMAL_MARKER = "ready"


class BenchError(Exception):
    """The benchmark could not run; the message says why and what to do."""


@dataclass
class Program:
    """One thing to start: its command line and the text that says it is ready."""

    label: str
    argv: list[str]
    marker: str
    seconds: list[float] = field(default_factory=list)
    output_bytes: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, float | int]:
        return {
            "min_s": min(self.seconds),
            "median_s": statistics.median(self.seconds),
            "max_s": max(self.seconds),
            "median_bytes_to_marker": int(statistics.median(self.output_bytes)),
        }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="timed starts of each program")
    parser.add_argument("--warmup", type=int, default=1, help="untimed starts of each first")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a marker")
    parser.add_argument("--marker", default="PIN", help="text of torgtui's login screen")
    parser.add_argument("--home-marker", default="Sale", help="text of the screen after login")
    parser.add_argument("--pin", default="1111", help="the owner's PIN in the bench database")
    parser.add_argument(
        "--login-keys",
        default="{pin}\\r",
        help="keys typed on the login screen ({pin} is replaced; \\t, \\r work)",
    )
    parser.add_argument("--settle", type=float, default=1.0, help="seconds before reading RSS")
    parser.add_argument("--no-rss", action="store_true", help="skip the memory measurement")
    parser.add_argument(
        "--app-cmd",
        help="start this instead of `python -m torgtui --db DB` ({python} and {db} are replaced)",
    )
    parser.add_argument("--goal-ratio", type=float, default=1.5)
    parser.add_argument("--goal-rss-mb", type=float, default=70.0)
    parser.add_argument("--output", type=Path, default=RESULTS, help="folder for the JSON result")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be 1 or more and --warmup 0 or more")
    return args


def make_database(folder: Path, pin: str, env: dict[str, str]) -> Path:
    """A new shop database with one owner, made by ``torgtui init`` like a real install."""
    path = folder / "bench.sqlite"
    command = [sys.executable, "-m", "torgtui", "--db", str(path), "init"]
    command += ["--owner", "Owner", "--pin", pin]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(
            f"`{shlex.join(command)}` failed (status {done.returncode}):\n"
            f"{(done.stderr or done.stdout).strip()[-2000:]}"
        )
    return path


def app_argv(args: argparse.Namespace, db: Path | None) -> list[str]:
    if args.app_cmd:
        text = args.app_cmd.replace("{python}", shlex.quote(sys.executable))
        return shlex.split(text.replace("{db}", shlex.quote(str(db))))
    return [sys.executable, "-m", "torgtui", "--db", str(db)]


def start_once(program: Program, env: dict[str, str], timeout: float) -> tuple[float, int]:
    """Spawn ``program`` in a pty: seconds until its marker shows, and the bytes it wrote up to
    the end of that frame (terminal setup included)."""
    with PtySession(program.argv, env=env, cwd=ROOT) as session:
        seconds = session.read_until(program.marker, timeout)
        session.settle()
        return seconds, len(session.raw)


def login_rss(
    program: Program, args: argparse.Namespace, env: dict[str, str]
) -> dict[str, float | int]:
    """Start torgtui, type the login keys, wait for the home screen; then its RSS."""
    keys = codecs.decode(args.login_keys.replace("{pin}", args.pin), "unicode_escape")
    with PtySession(program.argv, env=env, cwd=ROOT) as session:
        shown = session.read_until(program.marker, args.timeout)
        since = len(session.visible)
        session.write(keys.encode("utf-8"))
        home = session.read_until(args.home_marker, args.timeout, since=since)
        session.pump(args.settle)
        return {"rss_kb": session.rss_kb(), "login_to_home_s": home - shown}


def ready_rss(program: Program, args: argparse.Namespace, env: dict[str, str]) -> int:
    """The RSS in kB of ``program`` ``--settle`` seconds after its marker shows."""
    with PtySession(program.argv, env=env, cwd=ROOT) as session:
        session.read_until(program.marker, args.timeout)
        session.pump(args.settle)
        return session.rss_kb()


def reference_ms(repeat: int = 7) -> float:
    """How fast this machine runs Python now: the median time of a fixed piece of pure-Python
    work (calls, dicts, strings, integers: what the register's UI thread does), in ms.

    A shared 2-core machine's speed changes from hour to hour (the same commit's entry in
    ``bench till`` took 9 ms and 15 ms within one hour, the load average staying under 0.5):
    this figure, taken beside a run, says which kind of hour the run was in."""

    def work() -> int:
        total = 0
        table: dict[str, int] = {}
        for i in range(20_000):
            key = f"{i % 257:03d}-{i % 13}"
            table[key] = table.get(key, 0) + len(key)
            total += abs(i * 7 - 3) % 11
        return total + sum(table.values())

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def machine() -> dict[str, object]:
    """What the figures depend on, so two result files can be compared fairly."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "reference_ms": round(reference_ms(), 2),
        "textual": metadata.version("textual"),
        "commit": commit,
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    """Measure everything; the returned dict is what goes into the JSON file."""
    with tempfile.TemporaryDirectory(prefix="torgtui-bench-") as tmp:
        env = child_environment()
        env["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")  # no personal settings file
        needs_db = args.app_cmd is None or "{db}" in args.app_cmd
        db = make_database(Path(tmp), args.pin, env) if needs_db else None
        minimal = Program(
            "minimal Textual app", [sys.executable, "-m", "bench.minimal_app"], MINIMAL_MARKER
        )
        app = Program("torgtui" if not args.app_cmd else "app", app_argv(args, db), args.marker)
        for _ in range(args.warmup):
            for program in (app, minimal):
                start_once(program, env, args.timeout)
        for i in range(args.runs):
            for program in (app, minimal) if i % 2 == 0 else (minimal, app):
                seconds, written = start_once(program, env, args.timeout)
                program.seconds.append(seconds)
                program.output_bytes.append(written)
                print(f"  run {i + 1}/{args.runs}  {program.label:<20} {seconds:6.3f} s")
        result: dict[str, object] = {
            "benchmark": "startup",
            "when": dt.datetime.now().isoformat(timespec="seconds"),
            "machine": machine(),
            "options": {k: str(v) for k, v in vars(args).items()},
            "programs": {
                name: {**asdict(p), **p.summary()}
                for name, p in (("minimal", minimal), ("app", app))
            },
        }
        ratio = statistics.median(app.seconds) / statistics.median(minimal.seconds)
        result["ratio_of_medians"] = ratio
        result["median_paired_ratio"] = statistics.median(
            a / m for a, m in zip(app.seconds, minimal.seconds, strict=True)
        )
        result["goal_ratio"] = {"limit": args.goal_ratio, "met": ratio <= args.goal_ratio}
        if not args.no_rss:
            login = login_rss(app, args, env)
            rss_mb = login["rss_kb"] / 1024
            result["rss_after_login"] = {**login, "mib": rss_mb}
            result["rss_minimal"] = {
                "rss_kb": (kb := ready_rss(minimal, args, env)),
                "mib": kb / 1024,
            }
            result["goal_rss"] = {"limit_mib": args.goal_rss_mb, "met": rss_mb <= args.goal_rss_mb}
        return result


def table(result: dict[str, object]) -> str:
    """The human summary printed after the runs."""
    programs = result["programs"]
    assert isinstance(programs, dict)
    lines = [
        f"{'program':<42} {'min':>8} {'median':>8} {'bytes to marker':>16}",
    ]
    for p in programs.values():
        name = f"{p['label']} ({p['marker']!r})"
        lines.append(
            f"{name:<42} {p['min_s']:>7.3f}s {p['median_s']:>7.3f}s "
            f"{p['median_bytes_to_marker']:>16,}"
        )
    goal = result["goal_ratio"]
    assert isinstance(goal, dict)
    lines.append(
        f"startup ratio (median app / median minimal): {result['ratio_of_medians']:.2f}x "
        f"(paired median {result['median_paired_ratio']:.2f}x)   "
        f"goal <= {goal['limit']}x: {'met' if goal['met'] else 'MISSED'}"
    )
    if "rss_after_login" in result:
        rss, minimal, goal = result["rss_after_login"], result["rss_minimal"], result["goal_rss"]
        assert isinstance(rss, dict) and isinstance(minimal, dict) and isinstance(goal, dict)
        lines.append(
            f"RSS after login: {rss['mib']:.1f} MiB (minimal app when ready: "
            f"{minimal['mib']:.1f} MiB)   goal <= {goal['limit_mib']:g} MiB: "
            f"{'met' if goal['met'] else 'MISSED'}"
        )
        lines.append(f"login keys to home screen: {rss['login_to_home_s']:.3f} s")
    info = result["machine"]
    assert isinstance(info, dict)
    lines.append(
        f"machine: {info['platform']}, Python {info['python']}, Textual {info['textual']}, "
        f"{info['cpus']} CPUs, load {info['load_average'][0]:.2f}"
    )
    return "\n".join(lines)


def save(result: dict[str, object], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"startup-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    print(f"startup benchmark: {args.runs} runs of each program, alternating, in an 80x24 pty")
    try:
        result = run(args)
    except (MarkerTimeout, BenchError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    path = save(result, args.output)
    print(table(result))
    try:
        shown = path.relative_to(Path.cwd())
    except ValueError:
        shown = path
    print(f"results: {shown}")
    goals = [result.get("goal_ratio"), result.get("goal_rss")]
    missed = any(isinstance(g, dict) and not g["met"] for g in goals)
    return 1 if args.strict and missed else 0
