"""The maintainer's refresh tool, tools/refresh.py: outside the package, and it rewrites what is committed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_refresh_tool_is_not_installed_with_the_package():
    assert not (ROOT / "symbp" / "cli" / "refresh.py").exists()
    assert not any("refresh" in path.name for path in (ROOT / "symbp").rglob("*.py"))


@pytest.mark.slow  # derives every built-in example
def test_python_tools_refresh_writes_the_committed_files(tmp_path):
    """Run in a copy of the checkout (symbp linked, docs copied): its output equals generated/ and docs/."""
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "refresh.py", tmp_path / "tools" / "refresh.py")
    (tmp_path / "symbp").symlink_to(ROOT / "symbp")
    (tmp_path / "templates").symlink_to(ROOT / "templates")
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "notation.md", tmp_path / "docs" / "notation.md")
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "tools/refresh.py"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in (tmp_path / "generated").iterdir())
    committed = sorted(path.name for path in (ROOT / "generated").iterdir())
    assert written == committed
    for name in written:
        assert (tmp_path / "generated" / name).read_bytes() == (ROOT / "generated" / name).read_bytes(), name
    assert (tmp_path / "docs" / "notation.md").read_bytes() == (ROOT / "docs" / "notation.md").read_bytes()
