"""The expression language of the command line, parsed without ``eval``.

``parse(text)`` reads a formula such as ``tr(A*X*B)`` or ``norm2(W*x - b)``
and returns a :class:`Parsed` holding the SymPy expression and its symbols.
The text is never given to ``eval`` or ``sympify``: the tokenizer and
recursive-descent parser of :mod:`sympy_matdiff.syntax` (with limits on
length and nesting) build a syntax tree, the shapes are inferred by unifying
symbolic dimensions (as matrixcalculus.org does), and only then are SymPy
objects made.

>>> from sympy_matdiff.parser import parse
>>> p = parse("tr(A*X*B)")
>>> p.expr
Trace(A*X*B)
>>> {name: p.shape(name) for name in p.symbols}
{'A': (n, m), 'X': (m, p), 'B': (p, n)}
>>> parse("x'*A*x + t*norm2(x)", scalars=["t"]).expr
t*sqrt(Trace(x.T*x)) + Trace(x.T*A*x)

The grammar is in :mod:`sympy_matdiff.syntax` (and, with the whole language,
in ``docs/cli.md``).
"""
from collections import Counter
from itertools import chain, count
from dataclasses import dataclass

from sympy import (Add, Determinant, Function, HadamardPower,
                   HadamardProduct, Identity, Integer, Inverse, KroneckerProduct,
                   Lambda, MatAdd, MatMul, MatPow, MatrixSymbol, Mul, S,
                   Symbol, Trace, acos, asin, atan, cos, cosh, exp, log, sin,
                   sinh, sqrt, tan, tanh)
from sympy import Abs as _sympy_abs, sign as _sympy_sign
from sympy.matrices.expressions.special import OneMatrix

from .errors import ExpressionError
from .syntax import _NAME, MAX_DEPTH, MAX_LENGTH, MAX_NAME, syntax_tree, tokenize
from .expressions import Adjugate, Elementwise, scalar_function
from .functions import (NamedFunction, logsumexp, relu, sigmoid, softmax,
                        softplus)

MAX_POWER = 64          # |k| of an integer matrix power X^k

GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
    "omicron pi rho sigma tau upsilon phi chi psi omega".split())
ELEMENTWISE_DEFAULT = ("sigma", "phi", "psi")    # undefined, entry by entry
SCALAR_DEFAULT = ("f", "g", "h", "l", "L")       # undefined, of the whole arg


class sign(_sympy_sign):
    """SymPy's ``sign`` with its derivative almost everywhere, 0.

    SymPy differentiates ``sign(u)`` to ``2*DiracDelta(u)``, a distribution,
    which would print as a meaningless ``sign'(X)``; the language's ``sign``
    (matrixcalculus.org's) is locally constant, and the output notes that
    the derivative holds almost everywhere (not at 0).  Named ``sign``, it
    prints, evaluates and generates NumPy code as SymPy's.

    >>> from sympy import Symbol
    >>> from sympy_matdiff.parser import sign
    >>> u = Symbol('u', real=True)
    >>> sign(u).diff(u), sign(-3)
    (0, -1)
    """

    def _eval_derivative(self, x):
        return S.Zero


class Abs(_sympy_abs):
    """SymPy's ``Abs`` whose derivative is the :class:`sign` above, so that
    second derivatives (Hessians) are 0 almost everywhere too, not
    ``2*DiracDelta(u)``.

    >>> from sympy import Symbol
    >>> from sympy_matdiff.parser import Abs
    >>> u = Symbol('u', real=True)
    >>> Abs(u).diff(u), Abs(u).diff(u, 2), Abs(-2)
    (sign(u), 0, 2)
    """

    def _eval_derivative(self, x):
        if not self.args[0].is_extended_real:
            return super()._eval_derivative(x)
        return self.args[0].diff(x) * sign(self.args[0])


_u = Symbol("u")
ELEMENTWISE = {      # name -> the scalar function applied to each entry
    "log": Lambda(_u, log(_u)), "exp": Lambda(_u, exp(_u)),
    "sqrt": Lambda(_u, sqrt(_u)), "sin": Lambda(_u, sin(_u)),
    "cos": Lambda(_u, cos(_u)), "tan": Lambda(_u, tan(_u)),
    "arcsin": Lambda(_u, asin(_u)), "arccos": Lambda(_u, acos(_u)),
    "arctan": Lambda(_u, atan(_u)), "sinh": Lambda(_u, sinh(_u)),
    "cosh": Lambda(_u, cosh(_u)), "tanh": Lambda(_u, tanh(_u)),
    "abs": Lambda(_u, Abs(_u)), "sign": Lambda(_u, sign(_u)),
    # sympy_matdiff.functions: named, with derivatives in their own terms
    "sigmoid": Lambda(_u, sigmoid(_u)), "softplus": Lambda(_u, softplus(_u)),
    "relu": Lambda(_u, relu(_u)),
}
MATRIX_FUNCTIONS = ("tr", "det", "logdet", "inv", "adj", "kron", "norm1",
                    "norm2", "sum", "diag", "eye", "ones", "vector", "matrix",
                    "softmax", "logsumexp")
VECTOR_FUNCTIONS = {"softmax": softmax, "logsumexp": logsumexp}
SIZED = ("eye", "ones", "vector", "matrix")   # shapes from the context
FUNCTIONS = frozenset(ELEMENTWISE) | frozenset(MATRIX_FUNCTIONS)
CONSTANTS = frozenset({"I", "ones"})
RELU_NOTE = ("relu'(u) is the step function Heaviside(u): the derivative is "
             "valid almost everywhere (relu has no derivative at 0).")
NONSMOOTH_NOTES = {     # functions without a derivative at 0
    "relu": RELU_NOTE,
    "abs": "abs'(u) is sign(u): the derivative is valid almost everywhere "
           "(abs, and so norm1, has no derivative where an entry is 0).",
    "norm1": "abs'(u) is sign(u): the derivative is valid almost everywhere "
             "(abs, and so norm1, has no derivative where an entry is 0).",
    "sign": "sign'(u) is 0: the derivative is valid almost everywhere (sign "
            "jumps at 0).",
}
# names a user may try, with what the language writes instead
HINTS = {
    "trace": "tr(X)", "Tr": "tr(X)", "ln": "log(x)", "inverse": "inv(X) or X^-1",
    "transpose": "X' or X.T", "norm": "norm2(x) (Euclidean, Frobenius) or "
    "norm1(x)", "frobenius": "norm2(X)", "max": "relu(x) for max(0, x)",
    "maximum": "relu(x) for max(0, x)", "reciprocal": "x.^-1 or 1./x",
    "recip": "x.^-1 or 1./x", "zeros": "0*ones(m, n)", "zero": "0*ones(m, n)",
    "identity": "I or eye(n)", "logistic": "sigmoid(x)", "expit": "sigmoid(x)",
    "hadamard": "A .* B", "elementwise": "A .* B", "kronecker": "kron(A, B)",
    "atan": "arctan(x)", "asin": "arcsin(x)", "acos": "arccos(x)",
    "square": "x.^2", "pow": "x.^p (element-wise) or X^k", "power": "x.^p or X^k",
    "divide": "A ./ B", "ones_like": "ones", "const": "vector(c) or matrix(c)",
    "constant": "vector(c) or matrix(c)", "dot": "x'*y", "inner": "x'*y",
    "outer": "x*y'", "diagm": "diag(x)", "Diagonal": "diag(x)",
}
# functions with a meaning of their own that the language does not have: a
# generic undefined function of that name would give a meaningless f'(x)
NOT_IN_LANGUAGE = frozenset(
    "floor ceil round mod min minimum erf gamma asinh acosh atanh arcsinh "
    "arccosh arctanh sec csc cot exp2 log2 log10 expm cbrt sinc".split())


# --- dimensions: union-find ------------------------------------------------

class Dim:
    """A dimension: unknown, a number, or a product of dimensions (kron)."""

    def __init__(self, value=None, name=None, structural=False):
        self.parent = self
        self.value = value     # None, an int, or a tuple (Dim, Dim) product
        self.name = name       # a name the user gave (eye(n))
        # the 1 of a vector's columns: an unknown dimension may not become it,
        # so that x + y' is an error rather than x and y of length 1
        self.structural = structural

    def find(self):
        d = self
        while d.parent is not d:
            d.parent = d.parent.parent
            d = d.parent
        return d

    def number(self):
        """The numeric value if known, else None."""
        r = self.find()
        if isinstance(r.value, int):
            return r.value
        if isinstance(r.value, tuple):
            a, b = (x.number() for x in r.value)
            return None if a is None or b is None else a * b
        return None

    def factors(self):
        """(number, unknown roots): this dimension as a product of factors."""
        r = self.find()
        if isinstance(r.value, int):
            return r.value, Counter()
        if isinstance(r.value, tuple):
            (c1, v1), (c2, v2) = (x.factors() for x in r.value)
            return c1 * c2, v1 + v2
        return 1, Counter([r])


class _Mismatch(Exception):
    pass


def unify(a, b):
    """Make dimensions ``a`` and ``b`` equal, or raise _Mismatch."""
    a, b = a.find(), b.find()
    if a is b:
        return
    if a.value is not None and b.value is None:
        a, b = b, a
    if a.value is None:            # a is unknown
        if b.value is None:
            if a.name and b.name:  # two dimensions the user named
                raise _Mismatch
            if a.name:
                a, b = b, a        # keep the name on the root
        elif isinstance(b.value, int) and b.structural:
            raise _Mismatch
        elif a in b.factors()[1]:     # n = n*m: no finite solution but m = 1
            raise _Mismatch
        a.parent = b
        return
    # two known dimensions, numbers or products (of kron): equal as products
    if a.factors() != b.factors():
        raise _Mismatch
    b.parent = a


# --- shapes and SymPy objects ----------------------------------------------

SCALAR = None      # the type of a scalar; a matrix has (rows, cols) Dims

DIM_NAMES = "n m p q r s k j a b c d e".split()


@dataclass
class Parsed:
    """A parsed expression: the SymPy expression and its symbols.

    ``symbols`` maps each name to its SymPy symbol (``MatrixSymbol`` or
    ``Symbol``), in order of first appearance; ``notes`` holds remarks the
    output should carry (e.g. that relu's derivative holds almost
    everywhere).
    """

    text: str
    expr: object
    symbols: dict
    notes: list
    dimensions: tuple = ()     # the symbols that name unknown dimensions

    def shape(self, name):
        """The shape of a symbol: (rows, cols), or () for a scalar."""
        s = self.symbols[name]
        return s.shape if s.is_Matrix else ()

    def kind(self, name):
        """'scalar', 'vector' (n x 1) or 'matrix'."""
        s = self.symbols[name]
        if not s.is_Matrix:
            return "scalar"
        return "vector" if s.shape[1] == 1 else "matrix"


KINDS = ("default", "letters")


def default_kind(name, kinds="default"):
    """The kind a name has without flags: matrix, vector or scalar.

    Uppercase-initial names are matrices, Greek letter names (alpha, ...,
    omega) scalars, every other name a vector.  With ``kinds="letters"``,
    matrixcalculus.org's convention: a name starting with a to g is a
    scalar, h to z a vector, A to Z a matrix (Greek names stay scalars).

    >>> from sympy_matdiff.parser import default_kind
    >>> default_kind("W1"), default_kind("x"), default_kind("lambda")
    ('matrix', 'vector', 'scalar')
    >>> default_kind("c"), default_kind("c", "letters")
    ('vector', 'scalar')
    """
    if name[0].isupper():
        return "matrix"
    if name in GREEK or kinds == "letters" and name[0] <= "g":
        return "scalar"
    return "vector"


def trace(M):
    """``tr(M)``, with a scalar coefficient of M written outside: tr(c A) = c tr(A).

    SymPy 1.14's ``factor_terms`` (called by ``Abs``, so by ``sqrt(t**2)``)
    fails on ``Trace(2*A)``; ``2*Trace(A)`` is the same number and works.

    >>> from sympy import MatrixSymbol
    >>> from sympy_matdiff.parser import trace
    >>> A = MatrixSymbol('A', 2, 2)
    >>> trace(A/2), trace(-A)
    (Trace(A)/2, -Trace(A))
    """
    if isinstance(M, MatMul):
        c, rest = M.as_coeff_mmul()
        if c != 1:
            return c * Trace(rest)
    return Trace(M)


class _Builder:
    """Type inference (pass 1) and construction of SymPy objects (pass 2)."""

    def __init__(self, text, kinds, shapes, elementwise, functions,
                 convention="default"):
        self.text = text
        self.kinds = kinds
        self.convention = convention
        self.shapes = shapes
        self.elementwise = elementwise
        self.functions = functions
        self.types = {}        # id(node) -> type
        self.modes = {}        # id(node) -> how to build it
        self.symbol_types = {}     # name -> type, in order of appearance
        self.named_dims = {}       # names given in eye(n), ones(n)
        self.dims = []             # every Dim made, in order
        self.nonsmooth = []        # relu, abs, ...: notes on their derivative
        self.inverted = set()      # id(node) of a matrix divisor in A ./ B
        self.called = set()        # names used as functions

    # -- errors and helpers --
    def error(self, message, pos):
        return ExpressionError(message, pos, self.text)

    def dim(self, value=None, name=None, given=False):
        # a 1 is structural unless the user gave it as a size
        d = Dim(value, name, structural=value == 1 and not given)
        self.dims.append(d)
        return d

    def source(self, node, end=None):
        """The text of a node (up to ``end``), for messages; a short excerpt."""
        s = self.text[node.start:node.end if end is None else end].strip()
        return s if len(s) <= 30 else s[:27] + "..."

    def describe(self, t):
        if t is SCALAR:
            return "a scalar"
        names = self.dim_names()
        return " x ".join(str(self.resolve(d, names)) for d in t)

    def unify(self, a, b, message, pos):
        try:
            unify(a, b)
        except _Mismatch:
            hint = ""
            if any(isinstance(d.find().value, tuple) and d.number() is None
                   for d in (a, b)):
                hint = " (sizes of kron products are not solved for: give " \
                    "them with --shapes)"
            raise self.error(message() + hint, pos) from None

    @staticmethod
    def is_one(d):
        return d.number() == 1

    def one_by_one(self, t):
        return t is not SCALAR and self.is_one(t[0]) and self.is_one(t[1])

    def scalar_like(self, t):
        return t is SCALAR or self.one_by_one(t)

    # -- pass 1: types ----------------------------------------------------
    def infer(self, node):
        t = getattr(self, "_t_" + node.kind)(node)
        self.types[id(node)] = t
        return t

    def _t_num(self, node):
        return SCALAR

    def _t_name(self, node):
        name = node.value
        if name in FUNCTIONS - CONSTANTS:
            raise self.error(f"{name} is a function: write {name}(...)", node.pos)
        if name == "I":
            n = self.dim()
            return (n, n)
        if name == "ones":
            return (self.dim(), self.dim(1))
        if name in self.named_dims:
            raise self.error(f"{name} names a dimension (in eye or ones) and "
                             "cannot be a symbol too", node.pos)
        if name in self.called:
            raise self.error(f"{name} is used both as a symbol and as a "
                             "function", node.pos)
        if name not in self.symbol_types:
            self.symbol_types[name] = self.new_symbol(name, node.pos)
        return self.symbol_types[name]

    def new_symbol(self, name, pos=None):
        kind = self.kinds.get(name) or default_kind(name, self.convention)
        shape = self.shapes.get(name)
        if kind == "scalar":
            if shape not in (None, (1, 1)):
                raise self.error(f"{name} is a scalar but --shapes gives it "
                                 f"{shape[0]}x{shape[1]}", pos)
            return SCALAR
        if shape is not None:
            if kind == "vector" and shape[1] != 1:
                raise self.error(f"{name} is a vector but --shapes gives it "
                                 f"{shape[0]}x{shape[1]}", pos)
            return (self.dim(shape[0], given=True), self.dim(shape[1], given=True))
        return (self.dim(), self.dim(1) if kind == "vector" else self.dim())

    def _t_neg(self, node):
        return self.infer(node.args[0])

    def _t_transpose(self, node):
        t = self.infer(node.args[0])
        return t if t is SCALAR else (t[1], t[0])

    def _t_sum(self, node):
        t = self.infer(node.args[0])
        left = node.args[0]
        for (op, pos), arg in zip(node.ops, node.args[1:]):
            u = self.infer(arg)
            if t is SCALAR or u is SCALAR:
                if not (self.scalar_like(t) and self.scalar_like(u)):
                    m = u if t is SCALAR else t
                    shown = self.source(arg) if t is SCALAR else self.source(left, pos)
                    raise self.error(
                        f"cannot add a scalar and the {self.describe(m)} matrix "
                        f"{shown} at '{op}' (for a constant in every entry, "
                        "write c*ones or vector(c), matrix(c), e.g. 1 + exp(u) "
                        "as ones + exp(u))", pos)
                t = SCALAR
            else:
                def message(t=t, u=u, arg=arg, op=op):
                    return (f"shapes do not match at '{op}': "
                            f"{self.source(left, pos)} is "
                            f"{self.describe(t)} but {self.source(arg)} is "
                            f"{self.describe(u)}")
                self.unify(t[0], u[0], message, pos)
                self.unify(t[1], u[1], message, pos)
        return t

    def _t_product(self, node):
        t = self.infer(node.args[0])
        left = node.args[0]
        modes = []
        for (op, pos), arg in zip(node.ops, node.args[1:]):
            u = self.infer(arg)

            def message(t=t, u=u, arg=arg, op=op, pos=pos):
                return (f"shapes do not match at '{op}': "
                        f"{self.source(left, pos)} is "
                        f"{self.describe(t)} but {self.source(arg)} is "
                        f"{self.describe(u)}")
            if op == "./" and not self.scalar_like(u):
                self.inverted.add(id(arg))     # A ./ B = A .* B.^-1
                op = ".*"
            if op in ("/", "./"):
                if not self.scalar_like(u):
                    raise self.error(
                        f"division by the {self.describe(u)} matrix "
                        f"{self.source(arg)}: only division by a scalar is "
                        "defined (use inv(...) for a matrix inverse, ./ to "
                        "divide entry by entry: 1./x is x.^-1)", pos)
                modes.append("divide")
            elif t is SCALAR or u is SCALAR:
                modes.append("scale")
                t = u if t is SCALAR else t
            elif op == ".*":
                self.unify(t[0], u[0], message, pos)
                self.unify(t[1], u[1], message, pos)
                modes.append("hadamard")
            elif self.one_by_one(t) and not self.is_one(u[0]):
                modes.append("left 1x1")   # (x'y) z: the 1x1 factor is a scalar
                t = u
            elif self.one_by_one(u) and not self.is_one(t[1]):
                modes.append("right 1x1")
            else:
                self.unify(t[1], u[0], message, pos)
                modes.append("matmul")
                t = (t[0], u[1])
        self.modes[id(node)] = modes
        return t

    def constant(self, node):
        """The value of a constant scalar node (numbers only), else None."""
        if node.kind == "num":
            return node.value
        if node.kind == "neg":
            v = self.constant(node.args[0])
            return None if v is None else -v
        return None

    def _t_power(self, node):
        base, exponent = node.args
        t, u = self.infer(base), self.infer(exponent)
        op = node.value
        if not self.scalar_like(u):
            raise self.error(f"the exponent at '{op}' must be a scalar, not a "
                             f"{self.describe(u)} matrix", node.pos)
        if t is SCALAR or self.one_by_one(t) and op != ".^":
            self.modes[id(node)] = "scalar"
            return SCALAR
        if op == ".^":
            self.modes[id(node)] = "hadamard"
            return t
        k = self.constant(exponent)
        if k is None or not k.is_Integer:
            raise self.error(
                f"a matrix power needs an integer exponent at '{op}' (use .^ "
                "for an element-wise power)", node.pos)
        if abs(k) > MAX_POWER:
            raise self.error(
                f"a matrix power above {MAX_POWER} at '{op}' (its differential "
                f"has |k| terms); write it with smaller powers", node.pos)
        self.unify(t[0], t[1], lambda: (
            f"a matrix power needs a square matrix at '{op}', but "
            f"{self.source(base)} is {self.describe(t)} (.^ is the "
            f"element-wise power: {self.source(base)}.^{k})"), node.pos)
        self.modes[id(node)] = int(k)
        return t

    def _t_call(self, node):
        name, args = node.value, node.args
        if name in ("eye", "ones"):
            return self.sized(node)
        types = [self.infer(a) for a in args]
        arity = 2 if name == "kron" else 1
        if name not in FUNCTIONS and name not in self.elementwise \
                and name not in self.functions:
            raise self.error(self.unknown_function(name), node.pos)
        if len(args) != arity:
            raise self.error(f"{name} takes {arity} argument"
                             f"{'s' if arity > 1 else ''}, not {len(args)}",
                             node.pos)
        if name in self.symbol_types:
            raise self.error(f"{name} is used both as a symbol and as a "
                             "function", node.pos)
        self.called.add(name)
        t = types[0]
        if name in ("vector", "matrix"):
            if not self.scalar_like(t):
                raise self.error(
                    f"{name}(c) takes a scalar c (every entry of the constant "
                    f"{name}), but {self.source(args[0])} is "
                    f"{self.describe(t)}", node.pos)
            return (self.dim(), self.dim(1) if name == "vector" else self.dim())
        if name in NONSMOOTH_NOTES and name not in self.nonsmooth:
            self.nonsmooth.append(name)
        if name == "norm1":
            if t is SCALAR:
                self.modes[id(node)] = "scalar"
                return SCALAR
            return (self.dim(1), self.dim(1))
        if name in VECTOR_FUNCTIONS:
            if t is SCALAR:
                raise self.error(f"{name}() takes a vector, not a scalar",
                                 node.pos)
            self.unify(t[1], self.dim(1), lambda: (
                f"{name}() takes a vector, but {self.source(args[0])} is "
                f"{self.describe(t)}"), node.pos)
            return t if name == "softmax" else SCALAR
        if name == "kron":
            u = types[1]
            if t is SCALAR or u is SCALAR:
                self.modes[id(node)] = "scale"
                return u if t is SCALAR else t
            self.modes[id(node)] = "kron"
            return (self.dim((t[0], u[0])), self.dim((t[1], u[1])))
        if name in ("tr", "det", "logdet", "inv", "adj"):
            if t is SCALAR:
                self.modes[id(node)] = "scalar"
                return SCALAR
            self.unify(t[0], t[1], lambda: (
                f"{name}() needs a square matrix, but {self.source(args[0])} "
                f"is {self.describe(t)}" + (
                    " (the reciprocal of each entry is x.^-1, or 1./x)"
                    if name == "inv" else "")), node.pos)
            return t if name in ("inv", "adj") else SCALAR
        if name == "norm2":       # Euclidean, or Frobenius for a matrix
            if t is SCALAR:
                self.modes[id(node)] = "scalar"
            return SCALAR
        if name == "sum":
            if t is SCALAR:
                self.modes[id(node)] = "scalar"
                return SCALAR
            return (self.dim(1), self.dim(1))
        if name == "diag":
            if t is SCALAR:
                self.modes[id(node)] = "scalar"
                return SCALAR
            if self.is_one(t[1]):
                self.modes[id(node)] = "vector"
                return (t[0], t[0])
            self.unify(t[0], t[1], lambda: (
                f"diag() takes a vector or a square matrix, but "
                f"{self.source(args[0])} is {self.describe(t)}"), node.pos)
            self.modes[id(node)] = "matrix"
            return (t[0], self.dim(1))
        # element-wise and undefined functions
        if self.scalar_like(t):
            self.modes[id(node)] = "scalar"
            return SCALAR
        if name in self.functions:
            self.modes[id(node)] = "function"
            return SCALAR
        self.modes[id(node)] = "elementwise"
        return t

    def sized(self, node):
        """eye(n), eye(3), ones(n), ones(m, n): sizes are numbers or names."""
        name, args = node.value, node.args
        if len(args) > (1 if name == "eye" else 2):
            raise self.error(f"{name} takes at most "
                             f"{1 if name == 'eye' else 2} sizes", node.pos)
        dims = []
        for a in args:
            if a.kind == "num" and a.value.is_Integer and a.value > 0:
                dims.append(self.dim(int(a.value), given=True))
            elif a.kind == "name":
                if a.value in self.symbol_types or a.value in FUNCTIONS \
                        or a.value in CONSTANTS:
                    raise self.error(f"{a.value} cannot name a dimension",
                                     a.pos)
                if a.value not in self.named_dims:
                    self.named_dims[a.value] = self.dim(name=a.value)
                dims.append(self.named_dims[a.value])
            else:
                raise self.error(f"a size in {name}() is a positive integer or "
                                 "a name", a.pos)
        if name == "eye":
            return (dims[0], dims[0])
        if len(dims) == 1:
            return (dims[0], self.dim(1))
        return tuple(dims)

    # -- dimension names --------------------------------------------------
    def dim_names(self):
        """A name for every unknown root dimension: n, m, p, ..."""
        taken = set(self.symbol_types) | set(self.named_dims) | \
            set(self.elementwise) | set(self.functions) | FUNCTIONS
        free = (n for n in chain(DIM_NAMES, (f"n{i}" for i in count(1)))
                if n not in taken)
        names = {}
        for d in self.dims:
            r = d.find()
            if r.value is None and r not in names:
                names[r] = Symbol(r.name, integer=True, positive=True) \
                    if r.name else Symbol(next(free), integer=True,
                                          positive=True)
        return names

    def resolve(self, d, names):
        r = d.find()
        if isinstance(r.value, int):
            return Integer(r.value)
        if isinstance(r.value, tuple):
            return Mul(*(self.resolve(x, names) for x in r.value))
        return names[r]

    # -- pass 2: SymPy objects --------------------------------------------
    def build(self, node):
        return getattr(self, "_b_" + node.kind)(node)

    def shape_of(self, node):
        t = self.types[id(node)]
        return tuple(self.resolve(d, self.names) for d in t)

    def scalar(self, node):
        """The value of ``node`` as a scalar: a 1x1 matrix M becomes tr(M)."""
        v = self.build(node)
        return trace(v) if getattr(v, "is_Matrix", False) else v

    def _b_num(self, node):
        return node.value

    def _b_name(self, node):
        name = node.value
        if name == "I":
            return Identity(self.shape_of(node)[0])
        if name == "ones":
            return OneMatrix(*self.shape_of(node))
        return self.symbols[name]

    def _b_neg(self, node):
        return -self.build(node.args[0])

    def _b_transpose(self, node):
        v = self.build(node.args[0])
        return v.T if getattr(v, "is_Matrix", False) else v

    def _b_sum(self, node):
        if self.types[id(node)] is SCALAR:
            values = [self.scalar(a) for a in node.args]
        else:
            values = [self.build(a) for a in node.args]
        terms = values[:1] + [v if op == "+" else -v
                              for (op, _), v in zip(node.ops, values[1:])]
        # one n-ary sum: adding terms one by one is quadratic in SymPy
        if self.types[id(node)] is SCALAR:
            return Add(*terms)
        return MatAdd(*terms).doit(deep=False)

    def _b_product(self, node):
        # The scalar factors, the run of matrix factors and the operands of a
        # run of Hadamard products are collected and multiplied once: factor
        # by factor would be quadratic in SymPy (and X.*Y.*Z deeply nested).
        first = self.build(node.args[0])
        is_matrix = getattr(first, "is_Matrix", False)
        scalars, chain = ([], [first]) if is_matrix else ([first], [])
        hadamard = []

        def matrix():
            if hadamard:
                chain[:] = [HadamardProduct(*hadamard)]
                hadamard.clear()
            return chain[0] if len(chain) == 1 else \
                MatMul(*chain).doit(deep=False)
        for mode, arg in zip(self.modes[id(node)], node.args[1:]):
            v = self.build(arg)
            if id(arg) in self.inverted:
                v = HadamardPower(v, -1)
            if mode == "hadamard":
                if not hadamard:
                    hadamard.append(matrix())
                hadamard.append(v)
                continue
            if hadamard:
                matrix()
            if mode == "divide":
                scalars.append(1 / self.as_scalar(v))
            elif mode == "scale":
                if getattr(v, "is_Matrix", False):
                    chain = [v]        # the factors so far are scalars
                else:
                    scalars.append(v)
            elif mode == "left 1x1":      # (x'y) z: the 1x1 factor is a scalar
                scalars.append(trace(matrix()))
                chain = [v]
            elif mode == "right 1x1":
                scalars.append(trace(v))
            else:
                chain.append(v)
        c = Mul(*scalars)
        if not chain and not hadamard:
            return c
        return matrix() if c == 1 else c * matrix()

    @staticmethod
    def as_scalar(v):
        """A 1x1 matrix as a scalar (x = tr(x)); other values unchanged."""
        if getattr(v, "is_Matrix", False) and v.shape == (1, 1):
            return trace(v)
        return v

    def _b_power(self, node):
        mode = self.modes[id(node)]
        base = self.build(node.args[0])
        if mode == "scalar":
            return self.as_scalar(base) ** self.scalar(node.args[1])
        if mode == "hadamard":
            return HadamardPower(base, self.scalar(node.args[1]))
        if mode == -1:
            return Inverse(base)
        if mode == 0:
            return Identity(base.shape[0])
        return base if mode == 1 else MatPow(base, mode)

    def _b_call(self, node):
        name = node.value
        if name in ("eye", "ones"):
            shape = self.shape_of(node)
            return Identity(shape[0]) if name == "eye" else OneMatrix(*shape)
        if name in ("vector", "matrix"):       # c in every entry
            return self.scalar(node.args[0]) * OneMatrix(*self.shape_of(node))
        mode = self.modes.get(id(node))
        if mode == "scalar" and name in ("tr", "det", "adj", "inv", "logdet",
                                         "diag", "norm1", "norm2", "sum"):
            v = self.scalar(node.args[0])    # the function of a 1x1 matrix
            if name == "adj":
                return S.One
            if name == "norm1":
                return Abs(v)
            if name == "inv":
                return 1 / v
            if name == "logdet":
                return log(v)
            if name == "norm2":
                return sqrt(v**2)
            return v             # tr, det, diag, sum
        if name == "kron":
            a, b = (self.build(x) for x in node.args)
            return a * b if mode == "scale" else KroneckerProduct(a, b)
        if mode == "scalar":      # a function of a scalar (or of a 1x1 matrix)
            v = self.scalar(node.args[0])
            if name in ELEMENTWISE:
                return ELEMENTWISE[name](v)
            return Function(name)(v)
        M = self.build(node.args[0])
        if name == "tr":
            return trace(M)
        if name == "det":
            return Determinant(M)
        if name == "logdet":
            return log(Determinant(M))
        if name == "inv":
            return Inverse(M)
        if name == "adj":
            return Adjugate(M)
        if name == "norm2":
            return sqrt(Trace(M.T * M))
        if name == "sum":
            return OneMatrix(1, M.shape[0]) * M * OneMatrix(M.shape[1], 1)
        if name in VECTOR_FUNCTIONS:
            return VECTOR_FUNCTIONS[name](M)
        if name == "norm1":       # the sum of |entries|
            return OneMatrix(1, M.shape[0]) * Elementwise(ELEMENTWISE["abs"], M) \
                * OneMatrix(M.shape[1], 1)
        if name == "diag":
            n = M.shape[0]
            if mode == "vector":    # diag(x) = I o (x 1^T)
                return HadamardProduct(Identity(n), M * OneMatrix(1, n))
            return HadamardProduct(Identity(n), M) * OneMatrix(n, 1)
        if mode == "function":
            return scalar_function(name)(M)
        if name == "sqrt":
            return HadamardPower(M, S.Half)
        if name in ELEMENTWISE:
            f = ELEMENTWISE[name]
            if isinstance(f.expr, NamedFunction):    # sigmoid itself
                return f.expr.func(M)
            return Elementwise(f, M)
        return Elementwise(Function(name), M)

    def unknown_function(self, name):
        """The message for a function the language does not have."""
        if name in HINTS:
            return (f"unknown function {name!r}: write {HINTS[name]} (the "
                    "functions are listed by --help)")
        if name in NOT_IN_LANGUAGE:
            return (f"{name}() is not in the language (the functions are "
                    "listed by --help); an undefined function of that name "
                    f"would not be {name}")
        return (f"unknown function {name!r} (the functions are listed by "
                f"--help); declare an undefined function with --elementwise "
                f"{name} or --function {name}")

    def run(self, tree, also):
        for name in also:
            if name in FUNCTIONS | CONSTANTS:
                raise ExpressionError(f"{name} is not a symbol")
        self.infer(tree)
        for name in also:
            if name not in self.symbol_types:
                if name in self.named_dims:
                    raise ExpressionError(f"{name} is a dimension, not a symbol")
                if name in self.called:
                    raise ExpressionError(f"{name} is a function in the "
                                          "expression, not a symbol")
                self.symbol_types[name] = self.new_symbol(name)
        self.names = self.dim_names()
        self.symbols = {}
        for name, t in self.symbol_types.items():
            self.symbols[name] = Symbol(name) if t is SCALAR else MatrixSymbol(
                name, *(self.resolve(d, self.names) for d in t))
        return self.build(tree)


def parse(text, matrices=(), vectors=(), scalars=(), shapes=None,
          elementwise=ELEMENTWISE_DEFAULT, functions=SCALAR_DEFAULT, also=(),
          kinds="default"):
    """Parse ``text`` into a :class:`Parsed` expression.

    ``matrices``, ``vectors`` and ``scalars`` name the kinds of symbols
    (others follow :func:`default_kind`); ``shapes`` maps names to numeric
    shapes ``(rows, cols)``; ``elementwise`` and ``functions`` name the
    undefined functions applied entry by entry (``sigma``) or to the whole
    argument (``l``); ``also`` names symbols to make even if the text does
    not use them (a variable of differentiation); ``kinds`` is the
    convention for the others (:func:`default_kind`: ``"default"`` or
    ``"letters"``).  Unknown dimensions are named n, m, p, ...

    >>> from sympy_matdiff.parser import parse
    >>> p = parse("l(W2*sigma(W1*x))", shapes={"x": (3, 1)})
    >>> p.expr, p.shape("W2"), p.shape("W1")
    (l(W2*sigma(W1*x)), (n, m), (m, 3))
    >>> parse("X^-1 + 2*X'", shapes={"X": (3, 3)}).expr
    X**(-1) + 2*X.T
    """
    for what, names in (("--wrt", also), ("--matrix", matrices),
                        ("--vector", vectors), ("--scalar", scalars),
                        ("--shapes", shapes or ()), ("--elementwise", elementwise),
                        ("--function", functions)):
        for name in names:
            if not _NAME.fullmatch(name) or len(name) > MAX_NAME:
                raise ExpressionError(f"{what}: {name[:MAX_NAME]!r} is not a name "
                                      "(letters, digits and _, starting with a "
                                      "letter)")
            if name in FUNCTIONS or name in CONSTANTS:
                raise ExpressionError(f"{what}: {name} is a name of the language")
    declared = {}
    for kind, names in (("matrix", matrices), ("vector", vectors),
                        ("scalar", scalars)):
        for name in names:
            if name in declared and declared[name] != kind:
                raise ExpressionError(f"{name} is declared both a "
                                      f"{declared[name]} and a {kind}")
            declared[name] = kind
    shapes = dict(shapes or {})
    elementwise = tuple(n for n in elementwise if n not in functions)
    tree = syntax_tree(text)
    if kinds not in KINDS:
        raise ExpressionError(f"--kinds: {kinds!r} is not one of "
                              f"{', '.join(KINDS)}")
    b = _Builder(text, declared, shapes, frozenset(elementwise),
                 frozenset(functions), kinds)
    expr = b.run(tree, tuple(also))
    for name in shapes:
        if name not in b.symbols:
            raise ExpressionError(f"--shapes names {name}, which is not a symbol "
                                  "of the expression")
    notes = list(dict.fromkeys(NONSMOOTH_NOTES[n] for n in b.nonsmooth))
    return Parsed(text, expr, b.symbols, notes, tuple(b.names.values()))


__all__ = ["parse", "Parsed", "ExpressionError", "tokenize", "syntax_tree",
           "default_kind", "trace", "MAX_LENGTH", "MAX_DEPTH", "RELU_NOTE",
           "NONSMOOTH_NOTES", "KINDS"]
