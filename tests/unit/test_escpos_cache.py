"""python-escpos's printer database from the user's cache (torgtui.hw.escpos_cache): the
pickle written once, atomically, read by escpos' own check; never a folder or a pickle that
someone else may write."""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from pathlib import Path

import pytest

from torgtui.hw import escpos_cache


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(escpos_cache.ENV, raising=False)
    monkeypatch.delenv("ESCPOS_CAPABILITIES_FILE", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return tmp_path / "cache" / "torgtui" / "escpos"


def test_the_pickle_is_written_once_and_is_the_database(cache: Path) -> None:
    target = escpos_cache.prepare()
    assert target is not None and target.parent == cache
    assert os.environ[escpos_cache.ENV] == str(cache)
    database = escpos_cache._database()
    assert database is not None
    assert pickle.loads(target.read_bytes()) == json.loads(database.read_text("utf-8"))
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    assert target.stat().st_mtime >= database.stat().st_mtime  # escpos' own freshness check
    assert [p.name for p in cache.iterdir()] == [target.name]  # no temporary file left
    written = target.stat().st_mtime_ns
    os.environ.pop(escpos_cache.ENV)  # the next start of the register
    assert escpos_cache.prepare() == target and target.stat().st_mtime_ns == written


def test_a_stale_pickle_is_written_again(cache: Path) -> None:
    target = escpos_cache.prepare()
    assert target is not None
    target.write_bytes(pickle.dumps({"stale": True}))
    os.utime(target, (1, 1))  # older than the database
    os.environ.pop(escpos_cache.ENV)
    assert escpos_cache.prepare() == target
    assert "profiles" in pickle.loads(target.read_bytes())


def test_a_folder_others_may_write_is_not_used(cache: Path, tmp_path: Path) -> None:
    cache.mkdir(parents=True)
    cache.chmod(0o777)
    target = escpos_cache.prepare()
    assert (
        target is not None and target.parent == tmp_path / "tmp" / f"torgtui-escpos-{os.getuid()}"
    )


def test_a_pickle_others_may_write_is_not_read(cache: Path) -> None:
    target = escpos_cache.prepare()
    assert target is not None
    target.chmod(0o666)
    os.environ.pop(escpos_cache.ENV)
    assert escpos_cache.prepare() is None
    assert escpos_cache.ENV not in os.environ  # escpos does as it did


def test_settings_of_whoever_runs_it_are_kept(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(escpos_cache.ENV, "/somewhere")
    assert escpos_cache.prepare() is None
    assert os.environ[escpos_cache.ENV] == "/somewhere"
    assert not cache.exists()
