"""The lark grammar of hand-derived formulas (LaTeX or plain maths).

Kept as a Python string so that it ships inside the package with no package-data
setting. LALR(1) with a contextual lexer: the lexer only tries the terminals the
parser can accept at that point, and the parser's shift/reduce choices resolve
as shift, which makes juxtaposition bind tighter than + and -.
"""

GRAMMAR = r"""

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

summation: SUM SUB? upper? product
upper: CARET LBRACE expr RBRACE
     | CARET NUMBER
     | CARET NAME
     | CARET DELTA

?postfixed: atom
          | postfixed TRANSPOSE              -> transpose
          | postfixed CARET LBRACE expr RBRACE -> power
          | postfixed CARET NUMBER           -> power
          | postfixed ENTRYWISE_POWER          -> entrywise_power

?atom: NUMBER                                -> number
     | symbol
     | ONES                                  -> ones
     | FUNC PRIME? atom                      -> call
     | LPAR expr RPAR                        -> group
     | LBRACE expr RBRACE                    -> group
     | FRAC LBRACE expr RBRACE LBRACE expr RBRACE -> frac
     | PARTIAL atom                          -> partial
     | CASES_BEGIN case (ROW_END case)* ROW_END? CASES_END -> cases

case: expr AMP CASE_IF? expr RELATION expr   -> piece
    | expr AMP CASE_ELSE                     -> otherwise

symbol: (NAME | DELTA | HAT_Y) suffix*
?suffix: LAYER_SUP | PLAIN_LAYER | SUB

// ---- terminals (longest match wins; the lexer only tries what the parser can accept)
EQ: "="
PLUS: "+"
MINUS: "-" | "−"
MULOP: "\\cdot" | "\\times" | "*" | "@" | "/" | "\\odot" | "\\circ" | "⊙" | "·" | "∘"
CARET: "^"
LBRACE: "{"
RBRACE: "}"
LPAR: /\\left\s*[(\[]|[(\[]/
RPAR: /\\right\s*[)\]]|[)\]]/
NUMBER: /[0-9]+(\.[0-9]+)?/
FRAC.3: /\\[dt]?frac/
SUM.3: /\\sum(\s*\\limits)?|sum|∑/
FUNC.3: /\\sigma|sigma|σ|\\exp|exp|\\tanh|tanh|\\sinh|sinh|\\cosh|cosh|\\log|log|\\ln|ln|f|g/
PRIME.2: /'|′|\^\s*\\prime|\^\s*\{\s*\\prime\s*\}/
PARTIAL.2: /\\partial|∂|d(?=\s*[A-Za-z\\])/
HAT_Y.3: /\\(wide)?hat\s*\{\s*[yY]\s*\}|\\(wide)?hat\s*[yY](?![A-Za-z])|yhat|ŷ/
DELTA.3: /\\delta(?![A-Za-z])|delta|δ/
NAME: /[aAzZxXtTyYwWbBnNCJEe]/
ONES.3: /\\mathbf\s*\{\s*1\s*\}|\\mathbb\s*\{\s*1\s*\}|\\vec\s*\{\s*1\s*\}|ones/
TRANSPOSE.2: /\^\s*\{\s*(T|\\top|\\intercal|\\mathsf\s*\{\s*T\s*\}|\\mathrm\s*\{\s*T\s*\})\s*\}/
           | /\^\s*(T(?![A-Za-z])|\\top|\\intercal)|\.T(?![A-Za-z])|ᵀ/
ENTRYWISE_POWER.3: /\^\s*\{\s*\\circ\s*[0-9]+\s*\}/
CASES_BEGIN.3: /\\begin\s*\{\s*cases\s*\}/
CASES_END.3: /\\end\s*\{\s*cases\s*\}/
ROW_END.3: /\\\\/
AMP: "&"
CASE_IF.3: /\\text\s*\{\s*(for|if)\s*\}/
CASE_ELSE.3: /\\text\s*\{\s*(otherwise|else)\s*\}/
RELATION: ">=" | "<=" | ">" | "<" | /\\g(eq|e|t)(?![A-Za-z])/ | /\\l(eq|e|t)(?![A-Za-z])/ | "≥" | "≤"
LAYER_SUP.3: /\^\s*\{\s*[(\[]\s*([0-9]+|[Ll](\s*[+-]\s*[0-9]+)?)\s*[)\]]\s*(T|\\top)?\s*\}/
           | /\^\s*[(\[]\s*([0-9]+|[Ll](\s*[+-]\s*[0-9]+)?)\s*[)\]]/
PLAIN_LAYER.2: /[(\[]\s*([0-9]+|[Ll](\s*[+-]\s*[0-9]+)?)\s*[)\]]/
SUB: /_\s*(\{[^{}]*\}|[A-Za-z0-9]+)/

// layout and decoration that carries no meaning
IGNORED: /\s+|\\[,;:! ]|\\q?quad|\\tag\s*(\{[^{}]*\}|[0-9]+)|\\displaystyle|\\left\s*\./
       | /\\right\s*\.|\\(big|Big|bigg|Bigg)[lr]?(?=\s*[()\[\]])|\$/
%ignore IGNORED
"""
