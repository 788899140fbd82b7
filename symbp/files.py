"""Read input files within limits; write output files atomically, never over someone else's work.

Every text file symbp writes starts with a one-line header holding a SHA-256
of the rest of the file; a file that cannot carry a header (a PDF) has the
SHA-256 of its bytes in a hidden record beside it (``.NAME.symbp-sha256``).
Before replacing a file, symbp reads that header or record: a file without
one (not ours) or whose content no longer matches (edited since) is left
alone unless ``force`` is given. Writes go to a temporary file in the target
folder and are renamed into place, so an interrupted or failed run never
leaves half a file behind; a replaced file keeps its permission bits, a new
one gets the umask's. Folders created for a write that fails are removed.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
from pathlib import Path

from symbp.errors import SymbpError

_COMMENT = {
    ".py": ("# ", ""),
    ".tex": ("% ", ""),
    ".md": ("<!-- ", " -->"),
    ".html": ("<!-- ", " -->"),
    ".csv": ("# ", ""),
    ".toml": ("# ", ""),
    ".txt": ("# ", ""),
}
BINARY_SUFFIXES = (".pdf",)  # outputs that cannot carry a header line: ownership kept in a record
_HEADER = re.compile(r"symbp-sha256: ([0-9a-f]{64})")
# Short enough that the header line stays within ruff's line length in generated modules.
MARK = "written by symbp;"
MAX_OWNED_BYTES = 256 * 2**20  # larger files are never symbp's outputs: read no further


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def header_line(path: str | Path, body: str) -> str:
    """The ownership header for ``body`` written to ``path`` (comment syntax by suffix)."""
    start, end = _COMMENT.get(Path(path).suffix, ("# ", ""))
    return f"{start}{MARK} symbp-sha256: {_digest(body.encode('utf-8'))}{end}\n"


def with_header(path: str | Path, body: str) -> str:
    return header_line(path, body) + body


def record_path(path: str | Path) -> Path:
    """Where the ownership record of a header-less output (a PDF) lives."""
    path = Path(path)
    return path.with_name(f".{path.name}.symbp-sha256")


def read_bytes(path: str | Path, *, limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path`` of at most ``limit`` bytes, else one SymbpError.

    Devices, pipes and folders are refused before they are opened (``/dev/zero``
    would be read until memory ran out, a FIFO would block), and no more than
    ``limit`` + 1 bytes are ever read. ``what`` names the kind of file in messages.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SymbpError(f"{path}: no such file") from None
    except OSError as error:
        raise SymbpError(f"{path}: cannot read ({error.strerror})") from None
    kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
    if not stat.S_ISREG(info.st_mode):
        raise SymbpError(f"{path}: is {kind}; allowed: a {what} (a regular file)")
    too_big = f"{path}: larger than {limit} bytes; allowed: a {what} of at most {limit} bytes"
    if info.st_size > limit:
        raise SymbpError(too_big)
    try:
        with open(path, "rb") as stream:
            data = stream.read(limit + 1)
    except OSError as error:
        raise SymbpError(f"{path}: cannot read ({error.strerror})") from None
    if len(data) > limit:
        raise SymbpError(too_big)
    return data


def read_text(path: str | Path, *, limit: int, what: str) -> str:
    """The UTF-8 text of a regular file (``read_bytes``'s limits); NUL bytes and other encodings refused."""
    data = read_bytes(path, limit=limit, what=what)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SymbpError(
            f"{path}: not UTF-8 text (byte {error.start}); allowed: a {what} of UTF-8 text"
        ) from None
    if "\0" in text:
        raise SymbpError(
            f"{path}: holds a NUL byte (offset {data.index(0)}); allowed: a {what} of UTF-8 text"
        )
    return text


def ownership(path: str | Path) -> str:
    """'absent', 'ours' (header or record matches), 'edited' (content changed since) or 'foreign'."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return "absent"
    try:
        data = read_bytes(path, limit=MAX_OWNED_BYTES, what="file")
        if path.suffix in BINARY_SUFFIXES:
            recorded = read_bytes(record_path(path), limit=200, what="record").decode("ascii", "replace")
            content = data
        else:
            first, _, body = data.partition(b"\n")
            recorded, content = first.decode("utf-8", "replace"), body
    except SymbpError:
        return "foreign"
    match = _HEADER.search(recorded)
    if not match:
        return "foreign"
    return "ours" if match.group(1) == _digest(content) else "edited"


def _existing_ancestor(path: Path) -> Path:
    """The nearest folder above ``path`` that exists; refuse when it is not a folder."""
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise SymbpError(f"{path}: cannot write there: {ancestor} is a file, not a folder")
    return ancestor


def check_writable(path: str | Path, force: bool = False):
    """Raise unless ``path`` can be written: absent, or ours and unedited (or ``force``), below a folder."""
    path = Path(path)
    if path.is_dir():
        raise SymbpError(f"{path}: is a directory; allowed: a file path")
    ancestor = _existing_ancestor(path)
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise SymbpError(f"{path}: cannot write there: the folder {ancestor} is not writable")
    state = ownership(path)
    if state in ("absent", "ours") or force:
        return
    why = "was edited since symbp wrote it" if state == "edited" else "was not written by symbp"
    raise SymbpError(f"{path}: refusing to overwrite a file that {why} (use --force)")


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; the ones created, outermost first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(exist_ok=True)
    return missing[::-1]


def atomic_write_bytes(path: str | Path, data: bytes):
    """Write ``data`` to ``path`` through a temporary file and a rename; an OSError becomes one line."""
    path = Path(path)
    _existing_ancestor(path)
    mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else _new_file_mode()
    created: list[Path] = []
    temporary = None
    try:
        created = _make_folders(path.parent)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:
                break  # something else put a file there: that folder is no longer only ours
        if isinstance(error, OSError):
            raise SymbpError(f"{path}: cannot write ({error.strerror or error})") from None
        raise


def write_owned(path: str | Path, body: str, force: bool = False) -> Path:
    """Write ``body`` with an ownership header, atomically, refusing foreign or edited files."""
    check_writable(path, force)
    atomic_write_bytes(path, with_header(path, body).encode("utf-8"))
    return Path(path)


def write_owned_bytes(path: str | Path, data: bytes, force: bool = False) -> Path:
    """Write a header-less output (a PDF) atomically, and its ownership record beside it."""
    check_writable(path, force)
    atomic_write_bytes(path, data)
    record = f"{MARK} symbp-sha256: {_digest(data)}\n"
    atomic_write_bytes(record_path(path), record.encode("ascii"))
    return Path(path)
