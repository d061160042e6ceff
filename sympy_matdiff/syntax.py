"""The syntax of the command line's expression language: tokens and tree.

A hand-written tokenizer and a recursive-descent parser, with limits on the
length of the text, of names and numbers and on nesting, turn a formula
into a tree of :class:`Node` objects; nothing is given to ``eval`` or
``sympify``.  Types, shapes and SymPy objects come after, in
:mod:`sympy_matdiff.parser`.

The grammar, lowest precedence first (``docs/cli.md`` has the whole
language)::

    sum      := product (('+' | '-') product)*
    product  := unary (('*' | '/' | '.*' | './') unary)*
    unary    := ('+' | '-')* power
    power    := postfix (('^' | '**' | '.^') unary)?
    postfix  := primary ("'" | '.T')*
    primary  := number | name | name '(' sum (',' sum)* ')' | '(' sum ')'

>>> from sympy_matdiff.syntax import syntax_tree
>>> tree = syntax_tree("A*x + b")
>>> tree.kind, [a.kind for a in tree.args]
('sum', ['product', 'name'])
"""
import re
from dataclasses import dataclass, field

from sympy import Rational

from .errors import ExpressionError

MAX_LENGTH = 10_000     # characters of input
MAX_DEPTH = 40          # nested brackets, calls and exponents
MAX_NAME = 40           # characters of a name
MAX_DIGITS = 30         # digits of a number


# --- tokens ----------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    kind: str      # "num", "name", "op" or "end"
    text: str
    pos: int


_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n]+)
  | (?P<num>(?:[0-9]+(?:\.(?![*/^])[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z][A-Za-z0-9_]*)
  | (?P<op>\.\*|\./|\.\^|\.T(?![A-Za-z0-9_])|\*\*|[-+*/^'(),])
""", re.VERBOSE)


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def tokenize(text):
    """The tokens of ``text``; anything outside the language is refused.

    >>> from sympy_matdiff.syntax import tokenize
    >>> print(" ".join(t.text for t in tokenize("X'.*Y^-1")))
    X ' .* Y ^ - 1
    >>> print(" ".join(t.text for t in tokenize("1./x + 2.^y")))
    1 ./ x + 2 .^ y
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression too long: {len(text)} characters (the limit is "
            f"{MAX_LENGTH})")
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            c = text[pos]
            if not " " <= c <= "~":
                what = f"non-ASCII character {c!r}" if ord(c) > 127 else \
                    f"control character {c!r}"
                raise ExpressionError(f"{what} (the language is ASCII)", pos, text)
            after = text[pos + 1:pos + 2]
            if c == "." and (after.isalnum() or after == "_"):
                raise ExpressionError(
                    "after '.' only T (transpose), .*, ./ and .^ are allowed",
                    pos, text)
            raise ExpressionError(f"unexpected character {c!r}", pos, text)
        kind = m.lastgroup
        if kind != "space":
            s = m.group()
            if kind == "name" and len(s) > MAX_NAME:
                raise ExpressionError(f"name longer than {MAX_NAME} characters",
                                      pos, text)
            if kind == "num" and len(s) > MAX_DIGITS:
                raise ExpressionError(f"number longer than {MAX_DIGITS} characters",
                                      pos, text)
            tokens.append(Token(kind, s, pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def number(s):
    """The exact rational value of a number token (no float rounding)."""
    m = re.fullmatch(r"([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?", s)
    whole, frac, e = m.group(1) or "0", m.group(2) or "", int(m.group(3) or 0)
    value = Rational(int(whole + frac), 10**len(frac))
    if abs(e) > MAX_DIGITS:
        raise ValueError("exponent too large")
    return value * Rational(10)**e


# --- syntax tree -----------------------------------------------------------

@dataclass
class Node:
    kind: str          # num, name, call, neg, sum, product, power, transpose
    pos: int
    value: object = None       # number, name, operator
    args: list = field(default_factory=list)
    ops: list = field(default_factory=list)    # (operator, position) in chains
    start: int = 0     # where the node's text starts and ends
    end: int = 0


class _Parser:
    def __init__(self, text):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def error(self, message, pos=None):
        return ExpressionError(message, self.peek.pos if pos is None else pos,
                               self.text)

    @property
    def peek(self):
        return self.tokens[self.i]

    def take(self):
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at(self, *ops):
        t = self.peek
        return t.kind == "op" and t.text in ops

    def enter(self, pos):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested too deeply (more than {MAX_DEPTH} levels of "
                             "brackets, calls and exponents)", pos)

    def parse(self):
        if self.peek.kind == "end":
            raise self.error("empty expression")
        node = self.sum()
        t = self.peek
        if t.kind != "end":
            if t.text == ")":
                raise self.error("unmatched ')'")
            raise self.error(f"expected an operator before {t.text!r} (write "
                             "products with '*')")
        return node

    def chain(self, kind, ops, operand):
        first = operand()
        node = None
        while self.at(*ops):
            t = self.take()
            if node is None:
                node = Node(kind, first.pos, args=[first])
            node.ops.append((t.text, t.pos))
            node.args.append(operand())
        return node or first

    def spanned(method):
        def parse_with_span(self):
            start = self.peek.pos
            node = method(self)
            if not node.end:
                last = self.tokens[self.i - 1]
                node.start, node.end = start, last.pos + len(last.text)
            return node
        return parse_with_span

    @spanned
    def sum(self):
        return self.chain("sum", ("+", "-"), self.product)

    @spanned
    def product(self):
        return self.chain("product", ("*", "/", ".*", "./"), self.unary)

    @spanned
    def unary(self):
        signs = []
        while self.at("+", "-"):
            signs.append(self.take())
        node = self.power()
        if sum(t.text == "-" for t in signs) % 2:
            node = Node("neg", signs[0].pos, args=[node])
        return node

    @spanned
    def power(self):
        base = self.postfix()
        if self.at("^", "**", ".^"):
            t = self.take()
            self.enter(t.pos)
            exponent = self.unary()
            self.depth -= 1
            return Node("power", t.pos, value=t.text, args=[base, exponent])
        return base

    @spanned
    def postfix(self):
        node = self.primary()
        flips = None
        while self.at("'", ".T"):
            t = self.take()
            flips = t.pos if flips is None else None   # X'' = X
        if flips is not None:
            node = Node("transpose", flips, args=[node])
        return node

    @spanned
    def primary(self):
        t = self.peek
        if t.kind == "num":
            self.take()
            try:
                return Node("num", t.pos, value=number(t.text))
            except ValueError:
                raise self.error("number out of range", t.pos) from None
        if t.kind == "name":
            self.take()
            if not self.at("("):
                return Node("name", t.pos, value=t.text)
            open_ = self.take()
            self.enter(open_.pos)
            args = [self.sum()]
            while self.at(","):
                self.take()
                args.append(self.sum())
            self.close(open_)
            return Node("call", t.pos, value=t.text, args=args)
        if self.at("("):
            open_ = self.take()
            self.enter(open_.pos)
            node = self.sum()
            self.close(open_)
            return node
        if t.kind == "end":
            raise self.error("unexpected end of the expression")
        if t.text == ")":
            raise self.error("unmatched ')'" if self.depth == 0 else
                             "empty brackets or a missing operand before ')'")
        raise self.error(f"unexpected {t.text!r}: expected a number, a name "
                         "or '('")

    def close(self, open_):
        if not self.at(")"):
            if self.peek.kind == "end":
                raise self.error("missing ')' for this '('", open_.pos)
            raise self.error(f"expected ',' or ')' here, not {self.peek.text!r}")
        self.take()
        self.depth -= 1


def syntax_tree(text):
    """The syntax tree of ``text`` (raises :class:`ExpressionError`).

    >>> from sympy_matdiff.syntax import syntax_tree
    >>> syntax_tree("-X'").kind, syntax_tree("-X'").args[0].kind
    ('neg', 'transpose')
    """
    return _Parser(text).parse()


__all__ = ["Token", "Node", "tokenize", "syntax_tree", "number", "MAX_LENGTH",
           "MAX_DEPTH", "MAX_NAME", "MAX_DIGITS"]
