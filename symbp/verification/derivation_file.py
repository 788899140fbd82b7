r"""A hand derivation as a student hands it in, read into its lines: ``read_derivation``.

A derivation is one or more chains ``Q = A = B = ...``: the left side Q once,
then each right side a line of its own, whether written ``Q &= A \\ &= B`` in
an align (align*, equation, eqnarray, gather, multline, split, aligned) or as
plain lines. Outside a math environment of a LaTeX file only definitions are
read: the inline maths ($...$, \(...\)) of a sentence that says "where",
"let", "define" or "denote" (``where $\Delta_k = Err_k g'(in_k)$ is the
modified error``); the rest is prose. A file with no environment is read line
by line.
Comments (%), \label, \tag, \nonumber, \notag and alignment marks carry no
maths and are dropped; \intertext and a \text{...} of words (``\quad\text{by
the chain rule}``) are the writer's remarks, dropped too, while a \text{net}
inside a name stays a name. A line starting with ``=`` continues the chain
above it; a line with its own left side starts a new chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from symbp.errors import SymbpError
from symbp.files import read_text
from symbp.verification.definitions import definition

MAX_DERIVATION_BYTES = 2**20
MAX_LINES = 200
ENVIRONMENTS = ("align", "equation", "eqnarray", "gather", "multline", "flalign", "alignat")
_ENVIRONMENT = re.compile(
    r"\\begin\s*\{\s*("
    + "|".join(ENVIRONMENTS)
    + r")(\*?)\s*\}(?:\s*\{[0-9]+\})?(.*?)\\end\s*\{\s*\1\2\s*\}",
    re.S,
)
_DISPLAY = re.compile(r"\\\[(.*?)\\\]|\$\$(.*?)\$\$", re.S)
_COMMENT = re.compile(r"(?<!\\)%.*")
_BRACED = r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}"  # {...} with braces nested up to two deep
_REMARK = re.compile(r"\\(?:short)?intertext\s*" + _BRACED)
# \text{...} of words is a remark (\text{by the chain rule}); \text{net} in a name is the name
_WORDS = re.compile(
    r"(?:\\q?quad|\\[,;:! ])*\s*\\(?:text|mbox|textrm|mathrm)\s*\{[^{}]*[^A-Za-z0-9{}][^{}]*\}"
)
_DROPPED = re.compile(
    r"\\label\s*\{[^{}]*\}|\\tag\*?\s*\{[^{}]*\}|\\nonumber|\\notag|\\begin\s*\{\s*(?:split|aligned|gathered)\s*\}"
    r"|\\end\s*\{\s*(?:split|aligned|gathered)\s*\}|\\displaystyle|\\(?:no)?pagebreak|\\allowbreak"
)
_BREAK = re.compile(r"\\\\(?:\s*\[[^\]]*\])?")
# what opens a definition inside a line ("\quad\text{where } \Delta_k = ...") or makes a line one (:=)
_WHERE = re.compile(
    r"(?:\\q?quad|\\[,;:! ]|\s|,)*(?:\\(?:text|mbox|textrm|mathrm)\s*\{\s*(?:where|with)\s*[,:]?\s*\}"
    r"|(?<![A-Za-z\\])(?:where|with)(?![A-Za-z]))"
)
_DEFINES = re.compile(
    r":=|\\coloneqq|\\equiv|\\triangleq|\\(?:stackrel|overset)\s*\{[^{}]*(?:\{[^{}]*\})?[^{}]*\}\s*\{\s*=\s*\}"
)


@dataclass(frozen=True)
class Line:
    """One judged line: its right side with the chain's left side (``formula``), as the writer wrote it."""

    number: int  # 1-based, over the whole file
    chain: int  # 1-based
    left: str
    right: str
    starts_chain: bool = False
    defines: bool = False  # "where \Delta_k = ...", "g_j := ...": a name later lines use

    @property
    def formula(self) -> str:
        return f"{self.left} = {self.right}"


@dataclass(frozen=True)
class Derivation:
    """The lines of one handed-in file, in order."""

    source: str
    lines: tuple

    def chain_lines(self, chain: int) -> list:
        return [line for line in self.lines if line.chain == chain]


class DerivationError(SymbpError, ValueError):
    """A file with no derivation in it, or a line that is not part of one; says which."""


def read_derivation_file(path: str) -> Derivation:
    """The derivation in the file at ``path`` (DerivationError naming the file when it holds none)."""
    text = read_text(path, limit=MAX_DERIVATION_BYTES, what="derivation file")
    return read_derivation(text, str(path))


def read_derivation(text: str, source: str = "<derivation>") -> Derivation:
    """The chains of a derivation's text, as lines (see the module's docstring)."""
    text = "\n".join(_COMMENT.sub("", line) for line in text.splitlines())
    blocks = _blocks(text)
    if blocks:
        pieces = [piece for block in blocks for piece in _pieces(block)]
    else:
        pieces = [piece for line in text.splitlines() for piece in _BREAK.split(line)]
    lines: list[Line] = []
    left, chain = None, 0
    for piece in _with_definitions(pieces):
        defines = isinstance(piece, _Definition)
        maths = _cleaned(piece)
        if _DEFINES.search(maths):
            maths, defines = _DEFINES.sub(" = ", maths, count=1), True
        parts = _sides(maths)
        if not parts:
            if blocks and maths:  # maths without '=' inside an environment: not a line of a chain
                raise DerivationError(
                    f"{source}: '{maths[:40]}' has no '=' (each line is 'Q = ...' or '= ...')"
                )
            continue  # prose between plain lines
        if parts[0]:
            left, chain = parts[0], chain + 1
            first = True
        elif defines:
            raise DerivationError(f"{source}: a definition '{maths[:40]}' names nothing on its left side")
        elif left is None:
            raise DerivationError(f"{source}: '= {parts[1][:40]}' continues no chain (no left side above it)")
        else:
            first = False
        for right in parts[1:]:
            if not right:
                raise DerivationError(f"{source}: an empty right side after '{left[:40]} ='")
            lines.append(Line(len(lines) + 1, chain, left, right, first, defines))
            first = False
        if len(lines) > MAX_LINES:
            raise DerivationError(f"{source}: a derivation of at most {MAX_LINES} lines")
    if not lines:
        raise DerivationError(
            f"{source}: no derivation found (expected lines 'Q = ...' or an align environment)"
        )
    return Derivation(source, tuple(lines))


class _Definition(str):
    """The text after "where": a definition of a name for the lines below."""


# a sentence of prose that defines: its inline maths with an '=' are definitions
_PROSE_DEFINES = re.compile(r"(?<![A-Za-z\\])(?:[Ww]here|[Ll]et|[Dd]efine|[Dd]enote)(?![A-Za-z])")
_INLINE = re.compile(r"(?<![\\$])\$([^$]+)\$|\\\((.*?)\\\)", re.S)
_SENTENCE_END = re.compile(r"\.(?=\s|$)|\n\s*\n")


def _blocks(text: str) -> list:
    """The displayed maths of a LaTeX file in order (environments and \\[ \\], $$ $$), with the prose
    definitions between them as _Definition blocks; [] for a file with no display (plain lines)."""
    spans = [(match.start(), match.end(), match.group(3)) for match in _ENVIRONMENT.finditer(text)]
    for match in _DISPLAY.finditer(text):
        if not any(start <= match.start() < end for start, end, _ in spans):
            spans.append((match.start(), match.end(), match.group(1) or match.group(2)))
    if not spans:
        return []
    blocks, done = [], 0
    for start, end, block in sorted(spans):
        blocks += _prose_definitions(text[done:start])
        blocks.append(block)
        done = end
    return blocks + _prose_definitions(text[done:])


def _prose_definitions(prose: str) -> list:
    """The inline maths that define a name (``Q = ...``, ``Q := ...``) in each sentence of ``prose`` that
    says where/let/define/denote."""
    found = []
    for sentence in _SENTENCE_END.split(prose):
        opens = _PROSE_DEFINES.search(sentence)
        if opens is None:
            continue
        for match in _INLINE.finditer(sentence, opens.end()):
            maths = _DEFINES.sub(" = ", match.group(1) or match.group(2), count=1)
            sides = _sides(maths)
            # "for $j = 1, 2$" gives a range, not a name
            if len(sides) == 2 and definition(sides[0], sides[1]) is not None:
                found.append(_Definition(maths))
    return found


def _pieces(block: str) -> list:
    """A block's lines at its '\\\\' breaks; a prose definition is one piece, kept a _Definition."""
    return [block] if isinstance(block, _Definition) else _BREAK.split(block)


def _with_definitions(pieces: list) -> list:
    """The pieces with each "where ..." split off as a _Definition of its own."""
    result = []
    for piece in pieces:
        match = _WHERE.search(piece)
        if match is None or "=" not in piece[match.end() :]:
            result.append(piece)
            continue
        result += [piece[: match.start()], _Definition(piece[match.end() :])]
    return result


def _cleaned(piece: str) -> str:
    piece = _REMARK.sub(" ", piece)
    piece = _WORDS.sub(" ", piece)
    piece = _DROPPED.sub(" ", piece)
    piece = piece.replace("&", " ")
    piece = re.sub(r"(?:\s|\\[,;:! ]|\\q?quad)*[.,;]?(?:\s|\\[,;:! ]|\\q?quad|\$)*$", "", piece)
    return " ".join(piece.split())


def _sides(text: str) -> list[str]:
    """The text split at its '=' signs outside braces and brackets: [left, right, right, ...] ('' left for a
    continuation '= ...'); [] for a piece with no '=' (blank, or a remark)."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(text):
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
        elif char == "=" and depth == 0 and text[position - 1 : position] != ":":
            parts.append(text[start:position].strip())
            start = position + 1
    if not parts:
        return []
    return [*parts, text[start:].strip()]
