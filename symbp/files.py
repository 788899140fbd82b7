"""Write output files safely: atomically, and never over someone else's work.

Every text file symbp writes starts with a one-line header holding a SHA-256
of the rest of the file. Before replacing a file, symbp reads that header: a
file without it (not ours) or whose body no longer matches (edited since) is
left alone unless ``force`` is given. Writes go to a temporary file in the
target folder and are renamed into place, so an interrupted run never leaves
half a file behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from symbp.errors import SymbpError

_COMMENT = {
    ".py": ("# ", ""),
    ".tex": ("% ", ""),
    ".md": ("<!-- ", " -->"),
    ".csv": ("# ", ""),
    ".toml": ("# ", ""),
    ".txt": ("# ", ""),
}
_HEADER = re.compile(r"symbp-sha256: ([0-9a-f]{64})")
# Short enough that the header line stays within ruff's line length in generated modules.
MARK = "written by symbp;"


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def header_line(path: str | Path, body: str) -> str:
    """The ownership header for ``body`` written to ``path`` (comment syntax by suffix)."""
    start, end = _COMMENT.get(Path(path).suffix, ("# ", ""))
    return f"{start}{MARK} symbp-sha256: {_digest(body)}{end}\n"


def with_header(path: str | Path, body: str) -> str:
    return header_line(path, body) + body


def ownership(path: str | Path) -> str:
    """'absent', 'ours' (header matches), 'edited' (header, body changed) or 'foreign'."""
    path = Path(path)
    if not path.exists():
        return "absent"
    if path.is_dir():
        return "foreign"
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return "foreign"
    first, _, body = text.partition("\n")
    match = _HEADER.search(first)
    if not match:
        return "foreign"
    return "ours" if match.group(1) == _digest(body) else "edited"


def check_writable(path: str | Path, force: bool = False):
    """Raise unless ``path`` is absent, ours and unedited, or ``force`` is set."""
    state = ownership(path)
    if state in ("absent", "ours") or force:
        if Path(path).is_dir():
            raise SymbpError(f"{path}: is a directory")
        return
    why = "was edited since symbp wrote it" if state == "edited" else "was not written by symbp"
    raise SymbpError(f"{path}: refusing to overwrite a file that {why} (use --force)")


def atomic_write_bytes(path: str | Path, data: bytes):
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_owned(path: str | Path, body: str, force: bool = False) -> Path:
    """Write ``body`` with an ownership header, atomically, refusing foreign or edited files."""
    check_writable(path, force)
    atomic_write_bytes(path, with_header(path, body).encode("utf-8"))
    return Path(path)
