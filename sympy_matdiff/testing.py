"""Random well-typed matrix expressions, for property-based tests.

One construction, two sources of randomness: :class:`RandomSource` (a seeded
``random.Random``, used by the long fuzz run, ``python3 -m
sympy_matdiff.fuzz``) and the hypothesis strategy :func:`examples` (used by
``tests/test_fuzz.py``, which shrinks failures).  Both drive
:class:`Generator`, which builds an expression top-down from the shape it
must have, and at the same time the values of its symbols and of every
subexpression at one random point.  Knowing the values lets it keep every
inverse, power, determinant and logarithm well defined and well conditioned
there: a square subexpression M that is not safely invertible is used as
``M + c I`` with ``c`` above its largest singular value; an ``exp`` argument
is scaled into [-2, 2]; non-integer Hadamard powers are taken of positive
matrices.  A failed check is then a bug, not numerical noise.

>>> from sympy_matdiff.testing import generate
>>> ex = generate(seed=5, max_depth=2)
>>> ex.expr, ex.wrt
(HadamardPower(HadamardPower(X + Y, 2) + 1, 1/2), Y)
>>> sorted(ex.constructs)
['hadamard_power', 'sum', 'symbol']
>>> print(ex.reproducer())      # doctest: +ELLIPSIS
seed=5 wrt=Y expr=HadamardPower(MatAdd(HadamardPower(MatAdd(MatrixSymbol(...
"""
import math
import random
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sympy import (Add, Determinant, HadamardPower, HadamardProduct, Identity,
                   Inverse, Lambda, MatPow,
                   MatrixSymbol, Mul, OneMatrix, Rational, Symbol, Trace,
                   atan, cos, exp, log, sin, sqrt, tanh)

from .differentials import scalarize
from .expressions import Adjugate
from .fastnumeric import CTX
from .rules import kronecker_product

_u = Symbol("u")
SIGMOID = Lambda(_u, 1 / (1 + exp(-_u)))
ELEMENTWISE = {"exp": Lambda(_u, exp(_u)), "sin": Lambda(_u, sin(_u)),
               "tanh": Lambda(_u, tanh(_u)), "sigmoid": SIGMOID,
               # written out: prepare() recognises it as softplus
               "softplus": Lambda(_u, log(1 + exp(_u)))}
_ELEMENTWISE_NP = {"exp": np.exp, "sin": np.sin, "tanh": np.tanh,
                   "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
                   "softplus": lambda a: np.logaddexp(0, a)}

# Scalar functions of a scalar s: (name, builder, numpy value, domain note)
SCALAR_FUNCTIONS = {
    "exp": (lambda s: exp(s), math.exp),          # argument scaled first
    "sin": (lambda s: sin(s), math.sin),
    "cos": (lambda s: cos(s), math.cos),
    "tanh": (lambda s: tanh(s), math.tanh),
    "atan": (lambda s: atan(s), math.atan),
    "log1p2": (lambda s: log(1 + s**2), lambda v: math.log(1 + v * v)),
    "sqrt1p2": (lambda s: sqrt(1 + s**2), lambda v: math.sqrt(1 + v * v)),
    "square": (lambda s: s**2, lambda v: v * v),
    "cube": (lambda s: s**3, lambda v: v**3),
    "recip1p2": (lambda s: 1 / (1 + s**2), lambda v: 1 / (1 + v * v)),
}

CONSTANTS = [Rational(2), Rational(-3), Rational(1, 2), Rational(-5, 3)]
POSITIVE_POWERS = [Rational(-1), Rational(1, 2), Rational(-3, 2), Rational(5, 2)]

MATRIX_CONSTRUCTS = ["sum", "scalar_multiple", "scalar_times_matrix", "product",
                     "transpose", "hadamard", "kronecker", "elementwise",
                     "hadamard_power"]
SQUARE_CONSTRUCTS = ["inverse", "matpow", "adjugate"]
SCALAR_CONSTRUCTS = ["trace", "det", "logdet", "one_by_one", "one_by_one_power",
                     "entry", "scalar_function", "scalar_sum", "scalar_product"]


class RandomSource:
    """Choices from a seeded ``random.Random`` (the long fuzz run)."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def integer(self, lo, hi):
        return self.rng.randint(lo, hi)


class DrawSource:
    """Choices drawn by hypothesis (shrinkable)."""

    def __init__(self, draw):
        self.draw = draw

    def integer(self, lo, hi):
        from hypothesis import strategies as st
        return self.draw(st.integers(lo, hi))


@dataclass
class Example:
    """A random expression, the variable to differentiate by, and a point."""

    expr: object
    wrt: object
    point: dict            # symbol -> mpmath value (matrix or mpf)
    direction: dict        # symbol -> mpmath value, a random direction
    constructs: Counter = field(default_factory=Counter)
    seed: object = None

    def reproducer(self):
        from sympy import srepr
        head = f"seed={self.seed} " if self.seed is not None else ""
        return f"{head}wrt={self.wrt} expr={srepr(self.expr)}"


class Generator:
    """Builds one random expression with its values (see the module doc)."""

    def __init__(self, source, max_depth=3, dims=(1, 2, 3), inner=(1, 2, 3, 4)):
        self.src = source
        self.max_depth = max_depth
        self.dims, self.inner = dims, inner
        self.symbols = {}          # shape -> [symbols]
        self.values = {}           # symbol -> numpy value
        self.constructs = Counter()
        self._names = iter("XYZABCDEFGHJKLMNPQRSUVW")
        self._vnames = iter("xyzabcdefghjkmnpqrsuvw")
        self._snames = iter("tsrqpo")

    # --- choices -------------------------------------------------------------

    def choice(self, seq):
        return seq[self.src.integer(0, len(seq) - 1)]

    def chance(self, percent):
        return self.src.integer(0, 99) < percent

    def entry(self):
        # exact decimals: the reproducer line and the shrunk point read well
        return self.src.integer(-100, 100) / 100

    # --- leaves --------------------------------------------------------------

    def symbol(self, shape):
        pool = self.symbols.setdefault(shape, [])
        if pool and self.chance(60):
            s = self.choice(pool)
            return s, self.values[s]
        if shape is None:
            s = Symbol(next(self._snames))
            v = 0.5 + (self.src.integer(0, 100) / 100)
        else:
            r, c = shape
            names = self._vnames if c == 1 and r > 1 else self._names
            s = MatrixSymbol(next(names), r, c)
            v = np.array([[self.entry() for _ in range(c)] for _ in range(r)])
            if r == c:      # numeric.random_point's convention
                v = v + (r + 1) * np.eye(r)
        pool.append(s)
        self.values[s] = v
        self.constructs["symbol"] += 1
        return s, v

    # --- helpers -------------------------------------------------------------

    def _shifted(self, M, v, logdet=False):
        """M itself if safely invertible at the point, else M + c I."""
        n = v.shape[0]
        sv = np.linalg.svd(v, compute_uv=False)
        ok = sv[-1] >= 0.5 and sv[0] / sv[-1] <= 30
        if ok and (not logdet or np.linalg.det(v) > 0.1):
            return M, v
        c = int(math.ceil(sv[0])) + 1
        self.constructs["shift"] += 1
        return M + c * Identity(n), v + c * np.eye(n)

    def _bounded(self, M, v, bound=2.0):
        """M scaled so that its entries are at most ``bound``."""
        top = float(np.max(np.abs(v))) if np.ndim(v) else abs(v)
        if top <= bound:
            return M, v
        k = int(math.ceil(top / bound))
        return Rational(1, k) * M, v / k

    def _positive(self, r, c, depth):
        """A matrix with positive entries: exp of a bounded one, or M∘M + 1."""
        M, v = self.matrix((r, c), depth)
        if self.chance(50):
            M, v = self._bounded(M, v)
            return M.applyfunc(ELEMENTWISE["exp"]), np.exp(v)
        return HadamardProduct(M, M) + OneMatrix(r, c), v * v + 1

    def _depth(self, depth):
        return depth - 1 if depth <= 1 or self.chance(70) else depth - 2

    # --- matrices ------------------------------------------------------------

    def matrix(self, shape, depth):
        """A matrix expression of ``shape`` and its value at the point."""
        r, c = shape
        if depth <= 0 or self.chance(15):
            if r == c and self.chance(5):
                return Identity(r), np.eye(r)
            return self.symbol(shape)
        options = list(MATRIX_CONSTRUCTS)
        if r == c:
            options += SQUARE_CONSTRUCTS
        kind = self.choice(options)
        sub = self._depth(depth)
        self.constructs[kind] += 1
        return getattr(self, "_m_" + kind)(r, c, sub)

    def _m_sum(self, r, c, sub):
        (A, a), (B, b) = self.matrix((r, c), sub), self.matrix((r, c), sub)
        return A + B, a + b

    def _m_scalar_multiple(self, r, c, sub):
        k = self.choice(CONSTANTS)
        A, a = self.matrix((r, c), sub)
        return k * A, float(k) * a

    def _m_scalar_times_matrix(self, r, c, sub):
        s, sv = self.scalar(sub)
        if not s.is_commutative:
            # exp(x.T*y) is a non-commutative scalar SymPy will not multiply
            # by a matrix; the user writes exp(tr(x.T*y)), as prepare() does
            s = scalarize(s)
        A, a = self.matrix((r, c), sub)
        return s * A, sv * a

    def _m_product(self, r, c, sub):
        k = self.choice(self.inner)
        (A, a), (B, b) = self.matrix((r, k), sub), self.matrix((k, c), sub)
        return A * B, a @ b

    def _m_transpose(self, r, c, sub):
        A, a = self.matrix((c, r), sub)
        return A.T, a.T

    def _m_hadamard(self, r, c, sub):
        (A, a), (B, b) = self.matrix((r, c), sub), self.matrix((r, c), sub)
        return HadamardProduct(A, B), a * b

    def _m_kronecker(self, r, c, sub):
        r1 = self.choice([k for k in range(1, r + 1) if r % k == 0])
        c1 = self.choice([k for k in range(1, c + 1) if c % k == 0])
        (A, a) = self.matrix((r1, c1), sub)
        (B, b) = self.matrix((r // r1, c // c1), sub)
        # (cA) ⊗ B written c (A ⊗ B): SymPy fails on a factor c*A*B
        return kronecker_product(A, B), np.kron(a, b)

    def _m_elementwise(self, r, c, sub):
        name = self.choice(sorted(ELEMENTWISE))
        self.constructs["elementwise_" + name] += 1
        A, a = self.matrix((r, c), sub)
        if name == "exp":
            A, a = self._bounded(A, a)
        return A.applyfunc(ELEMENTWISE[name]), _ELEMENTWISE_NP[name](a)

    def _m_hadamard_power(self, r, c, sub):
        if self.chance(50):
            p = self.choice([2, 3])
            A, a = self.matrix((r, c), sub)
            return HadamardPower(A, p), a**p
        p = self.choice(POSITIVE_POWERS)
        A, a = self._positive(r, c, sub)
        return HadamardPower(A, p), a ** float(p)

    def _m_inverse(self, n, _, sub):
        A, a = self._shifted(*self.matrix((n, n), sub))
        return Inverse(A), np.linalg.inv(a)

    def _m_matpow(self, n, _, sub):
        k = self.choice([2, 3, -1, -2])
        A, a = self.matrix((n, n), sub)
        if k < 0:
            A, a = self._shifted(A, a)
        else:
            A, a = self._bounded(A, a, 3.0)
        return MatPow(A, k), np.linalg.matrix_power(a, k)

    def _m_adjugate(self, n, _, sub):
        A, a = self._shifted(*self.matrix((n, n), sub))
        return Adjugate(A), np.linalg.det(a) * np.linalg.inv(a)

    # --- scalars -------------------------------------------------------------

    def scalar(self, depth):
        """A scalar expression and its value at the point."""
        if depth <= 0 or self.chance(10):
            if self.chance(50):
                return self.symbol(None)
            n = self.choice(self.dims)
            self.constructs["trace"] += 1
            S, v = self.symbol((n, n))
            return Trace(S), float(np.trace(v))
        kind = self.choice(SCALAR_CONSTRUCTS)
        self.constructs[kind] += 1
        return getattr(self, "_s_" + kind)(self._depth(depth))

    def _s_trace(self, sub):
        n = self.choice(self.dims)
        A, a = self.matrix((n, n), sub)
        return Trace(A), float(np.trace(a))

    def _s_det(self, sub):
        n = self.choice(self.dims)
        A, a = self._shifted(*self.matrix((n, n), sub))
        return Determinant(A), float(np.linalg.det(a))

    def _s_logdet(self, sub):
        n = self.choice(self.dims)
        A, a = self._shifted(*self.matrix((n, n), sub), logdet=True)
        return log(Determinant(A)), float(np.log(np.linalg.det(a)))

    def _s_one_by_one(self, sub):
        """A 1x1 product used as a scalar: the argument of a scalar function."""
        k = self.choice(self.inner)
        (A, a), (B, b) = self.matrix((1, k), sub), self.matrix((k, 1), sub)
        M, v = self._bounded(A * B, float((a @ b)[0, 0]))
        name = self.choice(["exp", "sin", "tanh", "cos"])
        f, fv = SCALAR_FUNCTIONS[name]
        return f(M), fv(v)

    def _s_one_by_one_power(self, sub):
        """A power of a positive 1x1 matrix, ``(a a^T + 1)^p``."""
        k = self.choice(self.inner)
        A, a = self.matrix((1, k), sub)
        p = self.choice(POSITIVE_POWERS + [Rational(2)])
        v = float((a @ a.T)[0, 0]) + 1
        # its trace: a 1x1 matrix SymPy will not add to a scalar
        return Trace(MatPow(A * A.T + Identity(1), p)), v ** float(p)

    def _s_entry(self, sub):
        """An entry ``M[i, j]`` of a matrix expression.

        Of a symbol, its transpose, or a sum or product of those: SymPy writes
        an entry of an inverse or a power out as the explicit symbolic inverse
        (which takes minutes for a 3x3 product).
        """
        r, c = self.choice(self.dims), self.choice(self.dims)
        kind = self.choice(["symbol", "transpose", "sum", "product"])
        M, v = self.matrix((r, c), 0) if kind == "symbol" else \
            getattr(self, "_m_" + kind)(r, c, 0)
        i, j = self.src.integer(0, r - 1), self.src.integer(0, c - 1)
        return M[i, j], float(v[i, j])

    def _s_scalar_function(self, sub):
        name = self.choice(sorted(SCALAR_FUNCTIONS))
        self.constructs["scalar_" + name] += 1
        # a 1x1 matrix inside (exp(x.T*y)) as a trace: SymPy's sqrt(1 + s**2)
        # of it can fail in as_real_imag; the top level keeps the raw form
        s, v = self.scalar(sub)
        s = scalarize(s)
        if name in ("exp", "cube"):
            s, v = self._bounded(s, v)
        f, fv = SCALAR_FUNCTIONS[name]
        return f(s), fv(v)

    def _s_scalar_sum(self, sub):
        (s, a), (t, b) = self.scalar(sub), self.scalar(sub)
        return Add(scalarize(s), scalarize(t)), a + b

    def _s_scalar_product(self, sub):
        # SymPy merges exp(x.T*y)*exp(x.T*y) into exp(2*x.T*y) and fails
        # (Mix of Matrix and Scalar symbols): 1x1 arguments as traces here
        (s, a), (t, b) = self.scalar(sub), self.scalar(sub)
        return Mul(scalarize(s), scalarize(t)), a * b

    # --- the whole example ---------------------------------------------------

    def example(self, seed=None):
        """A scalar- or matrix-valued expression with a variable and a point."""
        if self.chance(50):
            expr, _ = self.scalar(self.max_depth)
        else:
            shape = (self.choice(self.dims), self.choice(self.dims))
            expr, _ = self.matrix(shape, self.max_depth)
        if not getattr(expr, "free_symbols", None):
            # only constants (Identity): add a variable so there is something
            s, _ = self.symbol(expr.shape if expr.is_Matrix else None)
            expr = expr + s
        from .differentials import variables_of
        present = sorted(variables_of(expr), key=str)
        wrt = self.choice(present)
        point, direction = {}, {}
        for s in present:
            point[s] = _mp(self.values[s])
            direction[s] = _mp(np.array([[self.entry() for _ in range(
                s.shape[1])] for _ in range(s.shape[0])]) if s.is_Matrix
                else self.entry())
        return Example(expr, wrt, point, direction, self.constructs, seed)


def _mp(v):
    if np.ndim(v) == 0:
        return CTX.mpf(float(v))
    return CTX.matrix([[CTX.mpf(float(x)) for x in row] for row in v])


def generate(seed, max_depth=3):
    """The example of ``seed`` (what the long run checks for that seed)."""
    return Generator(RandomSource(seed), max_depth).example(seed)


def examples(max_depth=3):
    """A hypothesis strategy of :class:`Example` s (the same construction).

    >>> from hypothesis import given, settings
    >>> from sympy_matdiff.testing import examples
    >>> @settings(max_examples=5, database=None, deadline=None)
    ... @given(examples(max_depth=2))
    ... def test(ex):
    ...     assert ex.wrt in ex.point
    >>> test()
    """
    from hypothesis import strategies as st

    @st.composite
    def build(draw):
        return Generator(DrawSource(draw), max_depth).example()
    return build()


__all__ = ["Generator", "Example", "RandomSource", "DrawSource", "generate",
           "examples", "MATRIX_CONSTRUCTS", "SQUARE_CONSTRUCTS",
           "SCALAR_CONSTRUCTS"]
