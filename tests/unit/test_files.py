"""torgtui.files: what the office writes is checked before it is computed and written whole or
not at all, the last good file kept when a write fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from torgtui.errors import TorgError, ValidationError
from torgtui.files import export_target, write_atomically


def test_the_target_needs_its_ending_and_an_existing_folder(tmp_path: Path) -> None:
    assert export_target(tmp_path / "a.PDF", (".pdf", ".xlsx")) == tmp_path / "a.PDF"
    with pytest.raises(ValidationError, match=r"with \.pdf or \.xlsx at the end"):
        export_target(tmp_path / "a.txt", (".pdf", ".xlsx"))
    with pytest.raises(ValidationError, match="an invoice is a pdf"):
        export_target(tmp_path / "a.txt", (".pdf",), "{path}: an invoice is a pdf")
    with pytest.raises(ValidationError, match="no such folder"):
        export_target(tmp_path / "missing" / "a.pdf", (".pdf",))
    (tmp_path / "dir.pdf").mkdir()
    with pytest.raises(ValidationError, match="no such folder, or it is a folder"):
        export_target(tmp_path / "dir.pdf", (".pdf",))


def test_a_failed_write_keeps_the_last_good_file_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "statement.pdf"
    write_atomically(target, lambda partial: partial.write_bytes(b"first"))
    assert target.read_bytes() == b"first"

    def half_then_full_disk(partial: Path) -> None:
        partial.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(TorgError, match="Cannot write .*No space left on device"):
        write_atomically(target, half_then_full_disk)
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["statement.pdf"]
