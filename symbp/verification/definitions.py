r"""A name a hand derivation defines for later lines ("where \Delta_k = Err_k g'(in_k)", "g_j := ..."):
``definition`` reads one, ``expanded`` writes later text with each use replaced by the body, its index
letters renamed to the use's (\Delta_m is (Err_m g'(in_m))). Text in, text out: the formula reader then
reads the expanded line as any other."""

from __future__ import annotations

import re
from dataclasses import dataclass

from symbp.verification.lexicon import INDEX_LETTERS

_HEAD = r"\\[A-Za-z]+\s*\{\s*[A-Za-z]+\s*\}|\\[A-Za-z]+|[A-Za-z]+"
_SCRIPT = r"\s*(\{[^{}]*\}|[A-Za-z0-9])"
_NAME = re.compile(rf"^({_HEAD})(?:\s*\^{_SCRIPT})?(?:\s*_{_SCRIPT})?(?:\s*\^{_SCRIPT})?$")
_SUBSCRIPT = re.compile(r"_\s*(\{[^{}]*\}|[A-Za-z0-9])")


@dataclass(frozen=True)
class Definition:
    """``head`` with the superscript ``mark`` and the index letters ``indices`` stands for ``body``."""

    head: str
    mark: str
    indices: tuple
    body: str
    fixed: frozenset = frozenset()  # index letters that name a layer (Bishop's j, k): kept, never renamed

    @property
    def key(self) -> tuple:
        """What tells two names apart: head, layer mark, and each index (a fixed letter as itself)."""
        return (self.head, self.mark, tuple(index if index in self.fixed else "" for index in self.indices))

    def use(self, indices: tuple) -> str:
        """The body for a use with ``indices`` in place of the defining letters, in parentheses; the body's
        own summation letters are renamed where a use's letter would capture them."""
        renamed = dict(zip(self.indices, indices, strict=True))
        taken = set(_body_letters(self.body)) | set(indices)
        spare = (letter for letter in "pqrsuvmnabcdefgh" if letter not in taken)
        for letter in _body_letters(self.body):
            if letter not in renamed and letter in indices:
                renamed[letter] = next(spare)

        def rename(match: re.Match) -> str:
            inner = _inner(match[1])
            if _is_name(inner):
                return match[0]
            return "_{" + _INDEX.sub(lambda index: renamed.get(index[0], index[0]), inner) + "}"

        return "\\left(" + _SUBSCRIPT.sub(rename, self.body) + "\\right)"


# an index letter of a subscript that is not a name (j, jk, i,j, k=1)
_INDEX = re.compile(r"[A-Za-z]")


def _inner(script: str) -> str:
    return script[1:-1] if script.startswith("{") else script


def _is_name(inner: str) -> bool:
    """A subscript that is a name (E_{total}, net_{h1}): no letter in it is an index."""
    return re.search(r"[A-Za-z]{4,}|[A-Za-z][0-9]|\\", inner) is not None


def _body_letters(body: str) -> list[str]:
    letters = []
    for match in _SUBSCRIPT.finditer(body):
        inner = _inner(match[1])
        if not _is_name(inner):
            letters += _INDEX.findall(inner)
    return list(dict.fromkeys(letters))


def _letters(script: str) -> list[str]:
    inner = script[1:-1] if script.startswith("{") else script
    inner = inner.replace(" ", "")
    return inner.split(",") if "," in inner else list(inner)


def definition(left: str, body: str, fixed: frozenset = frozenset()) -> Definition | None:
    """The definition ``left = body`` when ``left`` is one name with its scripts (None otherwise); ``fixed``:
    the letters that name a layer in the notation (its unit letters), which a use must repeat."""
    match = _NAME.match(left.strip())
    if match is None:
        return None
    head, before, sub, after = match.groups()
    # an index or layer letter is not defined by a derivation's "where l = L", "with k = 1"
    if (before is not None and after is not None) or head in INDEX_LETTERS | {"L"}:
        return None
    mark = before if before is not None else after or ""
    indices = tuple(_letters(sub)) if sub else ()
    if not all(re.fullmatch(r"[A-Za-z]", letter) for letter in indices) or len(set(indices)) != len(indices):
        return None
    return Definition(" ".join(head.split()), _bare(mark), indices, body.strip(), fixed & set(indices))


def _bare(mark: str) -> str:
    return mark[1:-1].replace(" ", "") if mark.startswith("{") else mark


def expanded(text: str, definitions: list) -> str:
    """``text`` with every use of a defined name replaced by its body (the latest definition of a name)."""
    for item in reversed(definitions):
        text = _expand(text, item)
    return text


def _expand(text: str, item: Definition) -> str:
    head = re.escape(item.head).replace(r"\ ", r"\s*")
    pattern = re.compile(
        rf"(?<![A-Za-z\\^_]){head}(?![A-Za-z])(?:\s*\^{_SCRIPT})?(?:\s*_{_SCRIPT})?(?:\s*\^{_SCRIPT})?"
    )

    def replace(match: re.Match) -> str:
        before, sub, after = match.groups()
        mark = _bare(before if before is not None else after or "")
        indices = tuple(_letters(sub)) if sub else ()
        if mark != item.mark or len(indices) != len(item.indices):
            return match[0]
        if any(
            letter in item.fixed and used != letter
            for letter, used in zip(item.indices, indices, strict=True)
        ):
            return match[0]
        return item.use(indices)

    return pattern.sub(replace, text)
