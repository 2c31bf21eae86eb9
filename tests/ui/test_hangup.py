"""A register whose terminal hangs up ends, even when it was started with SIGHUP ignored (nohup,
some session launchers): otherwise Textual's input thread reads the dead terminal's
end-of-file in a loop, at a whole core, for ever. Driven in a real pseudo-terminal."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a Linux pseudo-terminal")

LAUNCHER = textwrap.dedent(
    """
    import os, pty, select, signal, sys, time
    db, config = sys.argv[1], sys.argv[2]
    pid, fd = pty.fork()
    if pid == 0:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup starts it
        os.environ.update(TERM="xterm-256color", TORGTUI_CONFIG=config)
        os.execv(sys.executable, [sys.executable, "-m", "torgtui", "--db", db])
    seen, deadline = b"", time.monotonic() + 30
    while b"PIN" not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    if b"PIN" not in seen:
        os.kill(pid, signal.SIGKILL)
        print("never drew the login")
        sys.exit(0)
    os.close(fd)  # the terminal goes away
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            print("exited", os.waitstatus_to_exitcode(status))
            sys.exit(0)
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    print("still running")
    """
)


def test_the_register_ends_when_its_terminal_hangs_up(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite"
    config = tmp_path / "settings.toml"
    config.write_text('[devices]\nprinter = "none"\nfiscal = "none"\naudio = "off"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TORGTUI_", "TEXTUAL"))}
    env["TORGTUI_CONFIG"] = str(config)
    made = subprocess.run(
        [sys.executable, "-m", "torgtui", "init", "--db", str(db), "--owner", "Olena",
         "--pin", "1234"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    out = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(db), str(config)],
        env=env, capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert out.stdout.strip() == "exited 129", out.stdout + out.stderr
