"""The lark grammar of hand-derived formulas (LaTeX or plain maths), for one notation.

Kept as a Python string so that it ships inside the package with no package-data
setting. LALR(1) with a contextual lexer: the lexer only tries the terminals the
parser can accept at that point, and the parser's shift/reduce choices resolve
as shift, which makes juxtaposition bind tighter than + and -.

The rules are the same in every notation; three terminals are filled in from the
notation (``grammar_for``): NAME (its symbols' spellings), FUNC (its functions)
and LAYER_SUP (how it writes a layer: ^{(l)}, ^l, ^{[l]} or named layers).
"""

from __future__ import annotations

import re

RULES = r"""

?start: equation

equation: expr EQ expr

?expr: term
     | expr PLUS term                        -> add
     | expr MINUS term                       -> sub

?term: product
     | MINUS term                            -> neg
     | PLUS term                             -> pos

?product: chain
        | summation
        | chain summation                    -> juxt
        | chain MULOP summation              -> binop

?chain: postfixed
      | chain postfixed                      -> juxt
      | chain MULOP postfixed                -> binop

// limits in either order; an unbraced limit is one token, as TeX reads it (\sum_kx_k, \sum_{n=1}^N)
summation: SUM SUM_LOWER? upper? product
         | SUM upper SUM_LOWER product
upper: CARET LBRACE expr RBRACE
     | CARET DIGIT
     | CARET NAME

?postfixed: atom
          | postfixed TRANSPOSE              -> transpose
          | postfixed CARET LBRACE expr RBRACE -> power
          | postfixed CARET NUMBER           -> power
          | postfixed ENTRYWISE_POWER          -> entrywise_power

?atom: NUMBER                                -> number
     | symbol
     | ONES                                  -> ones
     | FUNC SUB? LAYER_SUP? PRIME? SUB? atom -> call
     | FUNC FUNC_POWER atom                  -> call
     | LPAR expr RPAR                        -> group
     | LBRACE expr RBRACE                    -> group
     | FRAC LBRACE expr RBRACE LBRACE expr RBRACE -> frac
     | FRAC LBRACE PARTIAL RBRACE LBRACE expr RBRACE symbol -> derivative_of
     | NABLA LBRACE expr RBRACE symbol       -> nabla
     | NABLA symbol symbol                   -> nabla
     | PARTIAL atom                          -> partial
     | NP_DOT LPAR expr COMMA expr RPAR      -> np_dot
     | NP_SUM LPAR expr (COMMA keyword)* RPAR -> np_sum
     | NP_POWER LPAR expr COMMA expr RPAR    -> np_power
     | NP_MULTIPLY LPAR expr COMMA expr RPAR -> np_multiply
     | CASES_BEGIN case (ROW_END case)* ROW_END? CASES_END -> cases
     | INDICATOR expr RELATION expr INDICATOR_END -> indicator

keyword: KW_AXIS EQ NUMBER
       | KW_KEEPDIMS EQ BOOL

case: expr AMP CASE_IF? expr RELATION expr   -> piece
    | expr AMP CASE_ELSE                     -> otherwise

symbol: NAME suffix*
?suffix: LAYER_SUP | PLAIN_LAYER | SUB | SAMPLE_ARG

// ---- terminals (longest match wins; the lexer only tries what the parser can accept)
// an algorithm's assignment (\leftarrow, \gets) and a definition (\equiv, \triangleq, \coloneqq) state
// the same equation
EQ: "=" | ":=" | /\\(leftarrow|gets|equiv|triangleq|coloneqq)(?![A-Za-z])|[←≡≜]/
PLUS: "+"
MINUS: "-" | "−"
MULOP: "\\cdot" | "\\times" | "*" | "@" | "/" | "\\odot" | "\\circ" | "⊙" | "·" | "∘"
     | ".*" | "\\bullet" | "•"
CARET: "^"
LBRACE: "{"
RBRACE: "}"
LPAR: /\\left\s*[(\[]|[(\[]/
RPAR: /\\right\s*[)\]]|[)\]]/
COMMA: ","
NUMBER: /[0-9]+(\.[0-9]+)?/
FRAC.3: /\\[dt]?frac/
SUM.3: /\\sum(\s*\\limits)?|sum|∑/
FUNC.3: /@FUNCTIONS@/
PRIME.2: /'|′|\^\s*\\prime|\^\s*\{\s*\\prime\s*\}/
PARTIAL.1: /\\partial|∂|d(?=\s*[A-Za-z\\])/
NABLA.3: /\\nabla\s*_/
NP_DOT.3: /np\s*\.\s*dot/
NP_SUM.3: /np\s*\.\s*sum/
NP_POWER.3: /np\s*\.\s*power/
NP_MULTIPLY.3: /np\s*\.\s*multiply/
KW_AXIS.3: "axis"
KW_KEEPDIMS.3: "keepdims"
BOOL.3: "True" | "False"
NAME.2: /@SYMBOLS@/
ONES.3: /\\mathbf\s*\{\s*1\s*\}|\\mathbb\s*\{\s*1\s*\}|\\vec\s*\{\s*1\s*\}|ones/
TRANSPOSE.2: /\^\s*\{\s*(T|\\top|\\intercal|\\math(sf|rm|it)\s*(\{\s*T\s*\}|T(?![A-Za-z])))\s*\}/
           | /\^\s*(T(?![A-Za-z])|\\top|\\intercal)|\.T(?![A-Za-z])|ᵀ/
ENTRYWISE_POWER.3: /\^\s*\{\s*\\circ\s*[0-9]+\s*\}/
// SymPy's \tanh^{2}{\left(z\right)}, the square of tanh(z): the argument in braces tells it from a layer mark
FUNC_POWER.4: /\^\s*\{\s*[0-9]+\s*\}(?=\s*\{)/
// the indicator 1\{z > 0\} (CS229's ReLU'), also \mathbb{1}_{\{z > 0\}}: 1 where the condition holds, else 0
INDICATOR.4: /(\\math(bb|bf|ds)\s*\{\s*1\s*\}|1)\s*(_\s*\{\s*)?\\\{/
INDICATOR_END.3: /\\\}(\s*\})?/
CASES_BEGIN.3: /\\begin\s*\{\s*cases\s*\}/
CASES_END.3: /\\end\s*\{\s*cases\s*\}/
ROW_END.3: /\\\\/
AMP: "&"
CASE_IF.3: /\\text\s*\{\s*(for|if)\s*\}/
CASE_ELSE.3: /\\text\s*\{\s*(otherwise|else)\s*\}/
RELATION: ">=" | "<=" | ">" | "<" | /\\g(eq|e|t)(?![A-Za-z])/ | /\\l(eq|e|t)(?![A-Za-z])/ | "≥" | "≤"
LAYER_SUP.3: @LAYER_SUP@
PLAIN_LAYER.2: /[(\[]\s*([0-9]+|[Ll](\s*[+-]\s*[0-9]+)?)(\s*,\s*([0-9]+|[Ll](\s*[+-]\s*[0-9]+)?))?\s*[)\]]/
// an unbraced subscript is one token, as in TeX, when a symbol follows it (\delta^l_ja^{l-1}_k is
// \delta^l_j a^{l-1}_k); otherwise a run of index letters, as plain maths writes w_jk
SUB: /_\s*(\{[^{}]*\}|[A-Za-z0-9](?=@SCRIPT_NEXT@)|[A-Za-z0-9]+)/
// a sample written as an argument, with the notation's sample letter: \delta_j(n), e_j(n)
SAMPLE_ARG.3: /\(\s*@SAMPLE@\s*\)/
SUM_LOWER: /_\s*(\{([^{}]|\{[^{}]*\})*\}|[A-Za-z0-9])/
DIGIT: /[0-9]/

// layout and decoration that carries no meaning
IGNORED: /\s+|\\[,;:! ]|\\q?quad|\\(tag|label)\s*(\{[^{}]*\}|[0-9]+)|\\displaystyle|\\left\s*\./
       | /\\right\s*\.|\\(big|Big|bigg|Bigg)[lr]?(?=\s*[()\[\]])|\$/
%ignore IGNORED
"""

# a layer as written inside a mark: a number, the generic l (Goodfellow: k) or a graph set's letter (c in
# out(l)) with an offset, L with an offset, or n_l (UFLDL's output layer)
LAYER_ID = r"[0-9]+|[lLk@DEPTH@@LETTERS@](\s*[+-]\s*[0-9]+)?|n_\s*\{?\s*l\s*\}?"
# a skip connection's matrix carries two layers, the one it enters and the one it comes from: W^{(2,0)}
LAYERS = rf"({LAYER_ID})(\s*,\s*({LAYER_ID}))?"
# a transpose or prime after the layer, also as TeX's nested script (CS229's W^{[k+1]^\top})
_AFTER = r"\s*(\^\s*(\{\s*(T|\\top|\\intercal)\s*\}|T|\\top|\\intercal)|T|\\top|\\intercal|\\prime|')?\s*"


def layer_marks(style: str, names: tuple = ()) -> str:
    """The LAYER_SUP terminal of a layer style: what may follow a symbol as its layer."""
    if style == "named":
        # named layers, and ^{(l)}, ^{(L-1)} for the layers a name does not fit (a generic l)
        # a deeper network's hidden layers are numbered after the hidden name (h1, h2), and a skip's matrix
        # names two layers (out,in)
        one = "|".join(
            [rf"{re.escape(names[1])}[0-9]+"] + [re.escape(name) for name in sorted(names, key=len)[::-1]]
        )
        inner = rf"({one})(\s*,\s*({one}))?|{LAYERS}"
        return rf"/\^\s*\{{\s*\(\s*({inner})\s*\){_AFTER}\}}/ | /\^\s*\(\s*({inner})\s*\)/"
    if style == "bare":
        # an unbraced script is one token, as in TeX: \delta_j^La_k^{L-1} is \delta_j^{L} a_k^{L-1}
        return rf"/\^\s*\{{\s*({LAYERS}){_AFTER}\}}/ | /\^\s*([0-9]|[lLk@DEPTH@])(?![0-9])/"
    brackets = r"\[" if style == "bracket" else r"[(\[]"
    closing = r"\]" if style == "bracket" else r"[)\]]"
    return (
        rf"/\^\s*\{{\s*{brackets}\s*({LAYERS})\s*{closing}{_AFTER}\}}/"
        rf" | /\^\s*{brackets}\s*({LAYERS})\s*{closing}/"
    )


def grammar_for(
    symbols: str,
    functions: str,
    style: str,
    names: tuple = (),
    sample: str = "n",
    script_next: str = "(?!)",
    depth: str = "L",
    letters: str = "",
) -> str:
    """The grammar with a notation's symbol and function spellings (regexes), layer style, sample letter,
    the names that end an unbraced one-token subscript (``script_next``), its depth letter and the set
    letters a layer mark may hold (those that spell none of its symbols)."""
    return (
        RULES.replace("@SAMPLE@", re.escape(sample))
        .replace("@SCRIPT_NEXT@", script_next.replace("/", "\\/"))
        .replace("@SYMBOLS@", symbols.replace("/", "\\/"))
        .replace("@FUNCTIONS@", functions.replace("/", "\\/"))
        .replace("@LAYER_SUP@", layer_marks(style, names))
        .replace("@DEPTH@", depth)
        .replace("@LETTERS@", letters)
    )
