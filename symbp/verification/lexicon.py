"""What each spelling means in one Notation: the formula reader's vocabulary, built from the Notation.

The reader's grammar has one terminal for symbols (NAME) and one for functions
(FUNC); their spellings, and the role each spelling plays in the derivation
(a, z, x, t, yhat, w, b, delta, cost, ...), all come from here, and here from
the Notation's fields. Besides the notation's own symbols a few common
spellings are read in every notation whose symbols do not use them otherwise
(COMMON): C, J, E or L for the cost, \\sigma, f or g for the activation
function, \\hat{y} for the output, y for the target or the output (whichever
the formula's other symbols leave), n_l for a layer's width and e.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from symbp.spec.notation import Declared, Notation

# role of a symbol spelling -> what the evaluator looks up (see evaluate.Evaluator.array)
ROLES = (
    *("a", "z", "x", "t", "y", "yhat", "w", "b", "delta", "cost", "N", "width", "e", "lambda", "error"),
    "constant",
)
ROLE_FIELDS = (
    ("pre_activation", "z"),
    ("pre_activation_matrix", "z"),
    ("activation", "a"),
    ("activation_matrix", "a"),
    ("target", "t"),
    ("target_matrix", "t"),
    ("prediction", "yhat"),
    ("weight", "w"),
    ("weight_matrix", "w"),
    ("bias", "b"),
    ("delta", "delta"),
    ("delta_matrix", "delta"),
    ("cost", "cost"),
    ("cost_one", "cost"),
    ("samples", "N"),
    ("l2", "lambda"),
    ("input", "x"),
    ("input_matrix", "x"),
)
# spellings read in every notation that leaves them free, in this order (first claim wins)
COMMON = (
    ("a", "a"),
    ("z", "z"),
    ("x", "x"),
    ("t", "t"),
    ("y", "y"),
    (r"\hat{y}", "yhat"),
    ("w", "w"),
    ("b", "b"),
    (r"\delta", "delta"),
    ("C", "cost"),
    ("J", "cost"),
    ("E", "cost"),
    ("L", "cost"),
    ("N", "N"),
    ("n", "width"),
    ("e", "e"),
)
COMMON_FUNCTIONS = (r"\sigma", "f", "g")
# functions any formula may apply besides the activation; NumPy and SymPy spell them alike
ELEMENTARY = ("exp", "log", "tanh", "sinh", "cosh")
# roles whose single-letter spelling is also read in the other case (a and A, z and Z, ...)
CASE_FREE = ("a", "z", "x", "t", "y", "yhat", "w", "b")
# plain-maths spellings of LaTeX commands
PLAIN = {
    r"\sigma": ("sigma", "σ"),
    r"\delta": ("delta", "δ"),
    r"\Theta": ("Theta", "Θ"),
    r"\Delta": ("Delta", "Δ"),
    r"\phi": ("phi", "φ", r"\varphi"),
    r"\varphi": ("phi", "φ", r"\phi"),
    r"\hat{y}": ("yhat", "ŷ", r"\widehat{y}", r"\hat y", r"\hat{Y}", r"\hat Y"),
    r"\mathrm{net}": ("net", r"\text{net}", r"\operatorname{net}"),
    r"\lambda": ("lambda", "λ"),
    r"\mathrm{reg}": ("reg", r"\text{reg}"),
    r"\mathcal{L}": (r"\mathscr{L}",),
}
ACCUMULATORS = ((r"\Delta", "accumulator"), ("D", "gradient"))
# typeface commands read as the symbol they wrap (\mathbf{W} is W, {\cal C} is C): a source's bold or
# roman letters name the same quantity; the wrapped name must still be one of the notation's spellings
STYLES = r"mathbf|boldsymbol|bm|pmb|vec|mathcal|mathscr|mathrm|operatorname|mathit|mathsf|text|textbf|textit"
_WRAPPED = re.compile(
    rf"\\(?:{STYLES})\s*\{{\s*([^{{}}]*?)\s*\}}|\{{\s*\\(?:cal|bf|rm|it|sf)\s+([^{{}}]*?)\s*\}}"
)
ANY_WRAPPED = (
    rf"\\(?:{STYLES})\s*\{{[^{{}}]*\}}|\{{\s*\\(?:cal|bf|rm|it|sf)\s+[^{{}}]*\}}"
    r"|\\(?:vec|bm|boldsymbol|mathbf)(?:\s+|(?=\\))(?:\\[A-Za-z]+|[A-Za-z])"
)
# letters texts index with: an unbraced subscript followed by a symbol spelled with one (a_kn) reads as TeX
# does (a_k n) or as plain maths does (a_{kn}), so it is refused as ambiguous
INDEX_LETTERS = frozenset("ijklmnpqrs")
_WRAPPED_BARE = re.compile(r"\\(?:vec|bm|boldsymbol|mathbf)(?:\s+|(?=\\))(\\[A-Za-z]+|[A-Za-z])")


@dataclass(frozen=True)
class Lexicon:
    """The spellings of one notation: symbols (spelling -> role) and functions (spelling -> name)."""

    notation: Notation
    symbols: tuple  # ((spelling, role), ...), spellings as written in the notation
    functions: tuple  # ((spelling, "act" or an ELEMENTARY name), ...)

    def role(self, text: str) -> str | None:
        """The role of a NAME token's text (None: not a symbol of this notation)."""
        roles = _roles(self.symbols)
        key = _normal(text)
        if key not in roles:
            key = _bare_cost(key)  # a cost with its arguments or sample: J(\Theta), L^{(i)}
            return "cost" if roles.get(key) == "cost" else None
        return roles[key]

    def declaration(self, text: str) -> Declared | None:
        """The declaration of a name as written (\\mathrm{Err} for Err), None when it is not declared."""
        key = _normal(text)
        key = key if any(_normal(entry.name) == key for entry in self.notation.symbols) else _bare_cost(key)
        for entry in self.notation.symbols:
            if key in (_normal(entry.name), "\\" + entry.name if entry.name in GREEK else None):
                return entry
        return None

    def factor(self, text: str | None) -> Fraction:
        """The factor a declared name carries (Delta = -1/2 dC/dz), 1 for any other name."""
        entry = self.declaration(text) if text else None
        return entry.factor if entry else Fraction(1)

    def function(self, text: str) -> str | None:
        """What a FUNC token's text applies: "act" (the activation) or an ELEMENTARY name."""
        return _roles(self.functions).get(_normal(text))

    def spelling(self, role: str, matrix: bool = False) -> str:
        """How this notation writes a role (for diagnoses in the reader's own symbols)."""
        for entry in self.notation.symbols:  # a source's own name first
            matrix_name = entry.quantity.endswith("_matrix")
            if declared_role(entry) == role and matrix_name == matrix and not entry.start:
                return entry.name
        field = _SHOWN_FIELDS.get((role, matrix)) or _SHOWN_FIELDS.get((role, False))
        if field:
            value = getattr(self.notation, field)
            if value and not value.startswith("d"):
                return value
        for spelling, known in self.symbols:
            if known == role:
                return spelling
        return {"width": "n", "delta": r"\delta", "yhat": r"\hat{y}"}.get(role, role)

    def function_spelling(self) -> str:
        return self.notation.function

    def symbol_pattern(self) -> str:
        """NAME's regex; a cost may carry its arguments, as in J(\\Theta) or J(W,b;x,y)."""
        # longest first over costs and the rest, so that a declared Err is not the cost E then rr
        ordered = sorted(set(self.symbols), key=lambda pair: (-len(pair[0]), pair[0]))
        names = [
            _spelling_regex(spelling) + self._cost_suffix()
            if role == "cost"
            else _spelling_regex(spelling, False)
            for spelling, role in ordered
        ]
        # any one name in a typeface wrapper is a NAME (one short regex, not one per spelling: the lexer
        # compiles this pattern into every parser state); role() says whether the wrapped name is a symbol
        return "|".join([*names, ANY_WRAPPED])

    def _cost_suffix(self) -> str:
        """What may follow a cost's name: one sample's mark (L^{(i)}, Ng's loss of example i), arguments."""
        sample = re.escape(self.notation.sample_index)
        return rf"(?:\s*\^\s*\{{\s*\(\s*{sample}\s*\)\s*\}})?(?:\s*\([^()=]*\))?"

    def index_letters(self) -> frozenset:
        notation = self.notation
        return INDEX_LETTERS | {*notation.index_letters, *notation.unit_letters, notation.sample_index}

    def script_next_pattern(self) -> str:
        """What ends an unbraced subscript after one letter, as in TeX (_ja is _j a): a symbol or function
        spelled with letters, not starting with an index letter (ambiguous, see INDEX_LETTERS)."""
        indices = self.index_letters()
        names = {
            spelling
            for spelling, _ in self.symbols + self.functions
            if re.fullmatch(r"[A-Za-z]+", spelling) and spelling[0] not in indices
        }
        return (
            "|".join(re.escape(name) for name in sorted(names, key=lambda name: (-len(name), name))) or "(?!)"
        )

    def starts_with_name(self, text: str) -> str | None:
        """The longest symbol or function spelling ``text`` starts with (None: none)."""
        for end in range(len(text), 0, -1):
            if self.role(text[:end]) is not None or self.function(text[:end]) is not None:
                return text[:end]
        return None

    def function_pattern(self) -> str:
        return _alternation(spelling for spelling, _ in self.functions)


_SHOWN_FIELDS = {
    ("a", False): "activation",
    ("a", True): "activation_matrix",
    ("z", False): "pre_activation",
    ("z", True): "pre_activation_matrix",
    ("x", False): "input",
    ("x", True): "input_matrix",
    ("t", False): "target",
    ("t", True): "target_matrix",
    ("w", False): "weight",
    ("w", True): "weight_matrix",
    ("b", False): "bias",
    ("delta", False): "delta",
    ("delta", True): "delta_matrix",
    ("N", False): "samples",
    ("lambda", False): "l2",
    ("cost", False): "cost",
}


def declared_role(entry: Declared) -> str | None:
    """The role a declared name plays (None for names that are no symbol: units, the depth letter)."""
    return {
        "error": "error",
        "loss": "cost",
        "output_loss": "cost",
        "constant": "constant",
        "width": "width",
        "units": None,
        "depth": None,
    }.get(entry.quantity, dict(ROLE_FIELDS).get(entry.quantity))


def _bare_cost(key: str) -> str:
    """A cost's name without its arguments (J(\\Theta), E(n)) or sample mark (L^{(i)})."""
    return re.sub(r"\([^()]*\)$", "", re.sub(r"\^\{\([A-Za-z]\)\}(?=\(|$)", "", key))


@cache
def _roles(pairs: tuple) -> dict:
    return {_normal(spelling): role for spelling, role in pairs}


def unwrapped(spelling: str) -> str:
    """A spelling without typeface commands: \\mathbf{W}, \\vec x and {\\cal C} read as W, x and C."""
    previous = None
    while previous != spelling:
        previous = spelling
        spelling = _WRAPPED.sub(lambda match: match[1] if match[1] is not None else match[2], spelling)
        spelling = _WRAPPED_BARE.sub(r"\1", spelling)
    return spelling


def _normal(spelling: str) -> str:
    """A spelling without typeface, layout whitespace or braces around a one-character subscript."""
    text = re.sub(r"\s+", "", unwrapped(spelling))
    return re.sub(r"_\{(\\[A-Za-z]+|.)\}", r"_\1", text)


# Greek letters a declared name may spell without its backslash (Delta = "delta" declares \Delta too)
GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau upsilon phi "
    "chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
)


def _variants(spelling: str) -> list[str]:
    variants = [spelling, *PLAIN.get(spelling, ())]
    if unwrapped(spelling) != spelling and len(unwrapped(spelling)) > 1:
        variants.append(unwrapped(spelling))  # \mathrm{ReLU} also as \operatorname{ReLU}, ReLU
    if spelling.startswith("\\") and spelling[1:].isalpha() and spelling not in PLAIN:
        variants.append(spelling[1:])  # \Theta -> Theta, \alpha -> alpha
    return variants


@cache
def lexicon(notation: Notation) -> Lexicon:
    """The vocabulary of ``notation`` (cached: one per notation)."""
    functions: dict[str, str] = {}
    for spelling in _variants(notation.function):
        functions[spelling] = "act"
    symbols: dict[str, str] = {}
    taken: set[str] = {_normal(spelling) for spelling in functions}
    owners: dict[str, str] = {}  # a symbol's spelling without typeface -> its role

    def claim(spelling: str, role: str):
        key = _normal(spelling)
        # d-names (dZ, dW, ds) are read as d + a symbol: the gradient of the cost by it
        if not key or re.fullmatch(r"d[A-Za-z]", key):
            return
        # \mathrm{reg} and reg are one name: both spellings are read, as the same role
        if key not in taken or owners.get(key) == role:
            symbols[spelling] = role
            taken.add(key)
            owners[key] = role

    for entry in notation.symbols:  # the source's own names first: they win over the defaults
        role = declared_role(entry)
        if entry.quantity == "units" and entry.layer == notation.input_layer:
            role = "x"  # a named input (Mazur's i_1) is that input
        greek = ["\\" + entry.name] if entry.name in GREEK else []
        for spelling in [*_variants(entry.name), *greek] if role else ():
            claim(spelling, role)
    for field, role in ROLE_FIELDS:
        value = getattr(notation, field)
        if not value:
            continue
        if role == "x" and value in (notation.activation, notation.activation_matrix):
            continue  # the input is the activation of the input layer (a^{(in)}, o_i)
        for spelling in _variants(value):
            claim(spelling, role)
    if notation.accumulators:
        for spelling, role in ACCUMULATORS:
            for variant in _variants(spelling):
                claim(variant, role)
    for spelling, role in list(symbols.items()):
        if role in CASE_FREE and len(spelling) == 1 and spelling.isalpha():
            claim(spelling.swapcase(), role)
    for spelling in COMMON_FUNCTIONS:
        for variant in _variants(spelling):
            if _normal(variant) not in taken:
                functions[variant] = "act"
                taken.add(_normal(variant))
    for spelling, role in COMMON:
        for variant in _variants(spelling):
            claim(variant, role)
            if role in CASE_FREE and len(variant) == 1:
                claim(variant.swapcase(), role)
    for name, spellings in [(name, ("\\" + name, name)) for name in ELEMENTARY] + [("log", (r"\ln", "ln"))]:
        for spelling in spellings:
            if spelling not in taken:
                functions[spelling] = name
                taken.add(spelling)
    return Lexicon(notation, tuple(symbols.items()), tuple(functions.items()))


def _spelling_regex(spelling: str, styled: bool = True) -> str:
    """A regex for a LaTeX spelling: whitespace between its pieces, ``_x`` also as ``_{x}``; ``styled``: also
    in a typeface wrapper."""
    pieces = re.findall(r"\\[A-Za-z]+|_\{[^{}]*\}|_\\[A-Za-z]+|_.|[A-Za-z]+|[^\s]", spelling)
    parts = []
    for piece in pieces:
        single = re.fullmatch(r"_\{?(\\[A-Za-z]+|[^{}])\}?", piece)
        if single:
            inner = re.escape(single.group(1))
            parts.append(rf"_\s*(?:\{{\s*{inner}\s*\}}|{inner})")
        else:
            parts.append(re.escape(piece))
    pattern = r"\s*".join(parts)
    if spelling[-1].isalpha() and len(spelling) > 1:
        pattern += r"(?![A-Za-z])"  # \Theta not \Thetas, net not network
    if not styled:
        return pattern
    # the same spelling in any typeface: \mathbf{W}, \boldsymbol{\delta}, {\cal C}, \vec x
    wrapped = rf"\\(?:{STYLES})\s*\{{\s*(?:{pattern})\s*\}}|\{{\s*\\(?:cal|bf|rm|it|sf)\s+(?:{pattern})\s*\}}"
    if re.fullmatch(r"\\[A-Za-z]+|[A-Za-z]", spelling):
        wrapped += rf"|\\(?:vec|bm|boldsymbol|mathbf)(?:\s+|(?=\\))(?:{pattern})"
    return f"(?:{wrapped}|{pattern})"


def _alternation(spellings) -> str:
    """One regex for many spellings, longest first (a regex alternation takes the first that matches)."""
    ordered = sorted(set(spellings), key=lambda text: (-len(text), text))
    return "|".join(_spelling_regex(spelling) for spelling in ordered)
