"""Values of matrix expressions in mpmath, computed directly from the tree.

:func:`sympy_matdiff.numeric.evaluate` substitutes SymPy ``Float`` s and lets
SymPy evaluate, which is general but slow.  The fuzzer (:mod:`.fuzz`) needs
thousands of evaluations a minute, so this module walks the expression tree
once and computes each node with mpmath matrices at :data:`DIGITS` digits.
It is independent of the rules: a product is a matrix product, ``det`` is
mpmath's determinant, ``adj`` is the transposed cofactor matrix, so a wrong
rule cannot agree with it by construction.

Nodes it does not know raise :class:`Unsupported`; callers then fall back to
the general :func:`~sympy_matdiff.numeric.evaluate`.

>>> from sympy import MatrixSymbol, Trace
>>> from sympy_matdiff.fastnumeric import value, to_mp
>>> X = MatrixSymbol('X', 2, 2)
>>> point = {X: to_mp([[1, 2], [3, 4]])}
>>> value(Trace(X*X), point)
mpf('29.0')
"""
from functools import reduce
import mpmath
from sympy import (Abs, Add, Determinant, Function, HadamardPower,
                   HadamardProduct, Identity, Inverse, KroneckerProduct,
                   Lambda, MatAdd, MatMul, MatPow, MatrixBase, MatrixSymbol,
                   Max, Min, Mul, OneMatrix, Piecewise, Pow, S, Symbol, Trace,
                   Transpose, ZeroMatrix, floor, sign)
from sympy.core.relational import Relational
from sympy.core.numbers import Number, NumberSymbol
from sympy.functions import Heaviside
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.matexpr import MatrixElement

from .differentials import Differential, ScalarDifferential
from .functions import logsumexp, softmax
from .expressions import Adjugate
from .vec import CommutationMatrix, Unvec, Vec

DIGITS = 32
CTX = mpmath.MPContext()
CTX.dps = DIGITS


class Unsupported(Exception):
    """A node this evaluator does not know (use ``numeric.evaluate``)."""


def to_mp(rows):
    """An mpmath matrix (at :data:`DIGITS` digits) from nested lists."""
    return CTX.matrix([[CTX.mpf(v) for v in r] for r in rows])


def is_matrix(v):
    return isinstance(v, CTX.matrix)


def _scalar(v):
    if is_matrix(v):
        if (v.rows, v.cols) != (1, 1):
            raise ValueError(f"a {v.rows}x{v.cols} matrix used as a scalar")
        return v[0, 0]
    return v


def _filled(r, c, f):
    # an ImmutableMatrix rebuilt by xreplace keeps SymPy Integers as its
    # sizes, which mpmath does not take
    r, c = int(r), int(c)
    M = CTX.matrix(r, c)
    for i in range(r):
        for j in range(c):
            M[i, j] = f(i, j)
    return M


def _times(a, b):
    if is_matrix(a) and is_matrix(b):
        if a.cols != b.rows and (a.rows, a.cols) == (1, 1):
            return a[0, 0] * b
        if a.cols != b.rows and (b.rows, b.cols) == (1, 1):
            return a * b[0, 0]
        return a * b
    return a * b


def _hadamard(a, b):
    return _filled(a.rows, a.cols, lambda i, j: a[i, j] * b[i, j])


def _kron(a, b):
    return _filled(a.rows * b.rows, a.cols * b.cols, lambda i, j: a[
        i // b.rows, j // b.cols] * b[i % b.rows, j % b.cols])


def _adjugate(a):
    n = a.rows
    if n == 1:
        return CTX.matrix([[1]])

    def cofactor(i, j):
        minor = _filled(n - 1, n - 1, lambda r, c: a[r + (r >= i), c + (c >= j)])
        return (-1) ** (i + j) * CTX.det(minor)
    return _filled(n, n, lambda i, j: cofactor(j, i))


def _matpow(a, k):
    if (a.rows, a.cols) == (1, 1):
        return CTX.matrix([[a[0, 0] ** k]])
    if int(k) != k:
        raise ValueError(f"non-integer power {k} of a {a.rows}x{a.cols} matrix")
    k = int(k)
    base = CTX.inverse(a) if k < 0 else a
    out = CTX.eye(a.rows)
    for _ in range(abs(k)):
        out = out * base
    return out


_SCALAR_FUNCTIONS = {
    "exp": CTX.exp, "log": CTX.log, "sin": CTX.sin, "cos": CTX.cos,
    "tan": CTX.tan, "tanh": CTX.tanh, "sinh": CTX.sinh, "cosh": CTX.cosh,
    "atan": CTX.atan, "asinh": CTX.asinh, "sqrt": CTX.sqrt, "erf": CTX.erf,
    # the named functions of sympy_matdiff.functions, from their definitions
    "sigmoid": lambda x: 1 / (1 + CTX.exp(-x)),
    "softplus": lambda x: CTX.log(1 + CTX.exp(x)),
    "log_sigmoid": lambda x: -CTX.log(1 + CTX.exp(-x)),
    "relu": lambda x: max(CTX.mpf(0), x),
}


class Evaluator:
    """Values at ``point``: symbols (and ``Differential(symbol)``) to values.

    Matrix values are mpmath matrices, scalar values mpf.
    """

    def __init__(self, point):
        self.point = point
        self.cache = {}

    def __call__(self, e):
        try:
            return self.cache[e]
        except KeyError:
            pass
        except TypeError:   # unhashable
            return self._eval(e)
        v = self._eval(e)
        self.cache[e] = v
        return v

    def _eval(self, e):
        if e in self.point:
            return self.point[e]
        if isinstance(e, (int, float)):
            return CTX.mpf(e)
        if isinstance(e, (Number, NumberSymbol)):
            return CTX.mpf(e.evalf(DIGITS + 5)) if not e.is_Rational else (
                CTX.mpf(int(e.p)) / int(e.q))
        if isinstance(e, (Differential, ScalarDifferential)):
            arg = e.arg
            if isinstance(arg, MatrixElement):
                return self(Differential(arg.parent))[int(arg.i), int(arg.j)]
            raise Unsupported(f"no value for the differential {e}")
        if isinstance(e, (Symbol, MatrixSymbol)):
            raise KeyError(f"no value given for {e}")
        if e.is_Matrix:
            return self._matrix(e)
        return self._scalar_node(e)

    # --- matrix nodes ------------------------------------------------------

    def _matrix(self, e):
        if isinstance(e, softmax):      # exp(z) / (1^T exp(z))
            z = self(e.arg)
            ez = _filled(z.rows, 1, lambda i, j: CTX.exp(z[i, 0]))
            return ez / CTX.fsum(ez[i, 0] for i in range(z.rows))
        if isinstance(e, MatrixBase):
            return _filled(e.rows, e.cols, lambda i, j: self(e[i, j]))
        if isinstance(e, Identity):
            return CTX.eye(int(e.rows))
        if isinstance(e, ZeroMatrix):
            return CTX.matrix(int(e.rows), int(e.cols))
        if isinstance(e, OneMatrix):
            return _filled(int(e.rows), int(e.cols), lambda i, j: CTX.mpf(1))
        if isinstance(e, MatAdd):
            vals = [self(a) for a in e.args]
            out = vals[0]
            for v in vals[1:]:
                out = out + v
            return out
        if isinstance(e, MatMul):
            vals = [self(a) for a in e.args]
            out = vals[0]
            for v in vals[1:]:
                out = _times(out, v)
            return out if is_matrix(out) else CTX.matrix([[out]])
        if isinstance(e, Transpose):
            return self(e.arg).T
        if isinstance(e, Inverse):
            return CTX.inverse(self(e.arg))
        if isinstance(e, MatPow):
            return _matpow(self(e.base), _scalar(self(e.exp)))
        if isinstance(e, HadamardProduct):
            return reduce(_hadamard, [self(a) for a in e.args])
        if isinstance(e, HadamardPower):
            base, p = self(e.base), self(e.exp)
            if is_matrix(p):
                base, p = p, base
                return _filled(base.rows, base.cols, lambda i, j: p ** base[i, j])
            return _filled(base.rows, base.cols, lambda i, j: base[i, j] ** p)
        if isinstance(e, KroneckerProduct):
            return reduce(_kron, [self(a) for a in e.args])
        if isinstance(e, Adjugate):
            return _adjugate(self(e.arg))
        if isinstance(e, ElementwiseApplyFunction):
            M, f = self(e.expr), e.function
            if not isinstance(f, Lambda):
                raise Unsupported(f"element-wise {f}")
            u, body = f.variables[0], f.expr
            return _filled(M.rows, M.cols, lambda i, j: Evaluator(
                {**self.point, u: M[i, j]})(body))
        if isinstance(e, Vec):
            M = self(e.arg)
            return _filled(M.rows * M.cols, 1,
                           lambda r, c: M[r % M.rows, r // M.rows])
        if isinstance(e, Unvec):
            v, p, q = self(e.args[0]), int(e.args[1]), int(e.args[2])
            return _filled(p, q, lambda i, j: v[i + p * j, 0])
        if isinstance(e, CommutationMatrix):
            m, n = int(e.args[0]), int(e.args[1])
            # K vec(A) = vec(A^T) for A m x n
            return _filled(m * n, m * n, lambda r, c: CTX.mpf(
                1 if c == (r % n) * m + r // n else 0))
        if isinstance(e, DiagMatrix):
            v = self(e.args[0])
            n = v.rows * v.cols
            flat = [v[i, 0] for i in range(v.rows)] if v.cols == 1 else \
                [v[0, j] for j in range(v.cols)]
            return _filled(n, n, lambda i, j: flat[i] if i == j else CTX.mpf(0))
        raise Unsupported(type(e).__name__)

    # --- scalar nodes ------------------------------------------------------

    def _scalar_node(self, e):
        if isinstance(e, logsumexp):    # log(1^T exp(z))
            z = self(e.arg)
            return CTX.log(CTX.fsum(CTX.exp(z[i, 0]) for i in range(z.rows)))
        if isinstance(e, Trace):
            M = self(e.arg)
            return CTX.fsum(M[i, i] for i in range(M.rows))
        if isinstance(e, Determinant):
            return CTX.det(self(e.arg))
        if isinstance(e, MatrixElement):
            return self(e.parent)[int(e.i), int(e.j)]
        if isinstance(e, Add):
            return CTX.fsum(_scalar(self(a)) for a in e.args)
        if isinstance(e, Mul):
            out = CTX.mpf(1)
            for a in e.args:
                out = _times(out, self(a)) if is_matrix(self(a)) else out * self(a)
            return _scalar(out)
        if isinstance(e, Pow):
            b, p = _scalar(self(e.base)), _scalar(self(e.exp))
            if e.exp.is_Integer:
                return b ** int(e.exp)
            return b ** p
        if isinstance(e, Abs):
            return abs(_scalar(self(e.args[0])))
        if isinstance(e, sign):
            return CTX.sign(_scalar(self(e.args[0])))
        if isinstance(e, floor):
            return CTX.floor(_scalar(self(e.args[0])))
        if isinstance(e, Heaviside):
            x = _scalar(self(e.args[0]))
            if x == 0:
                return self(e.args[1]) if len(e.args) > 1 else CTX.mpf(0.5)
            return CTX.mpf(1 if x > 0 else 0)
        if isinstance(e, (Max, Min)):
            vals = [_scalar(self(a)) for a in e.args]
            return max(vals) if isinstance(e, Max) else min(vals)
        if isinstance(e, Piecewise):
            for expr, cond in e.args:
                c = self._condition(cond)
                if c:
                    return _scalar(self(expr))
            raise ValueError(f"no branch of {e} holds")
        if isinstance(e, Function):
            name = type(e).__name__
            if name in _SCALAR_FUNCTIONS and len(e.args) == 1:
                return _SCALAR_FUNCTIONS[name](_scalar(self(e.args[0])))
            raise Unsupported(name)
        raise Unsupported(type(e).__name__)

    def _condition(self, cond):
        if cond in (True, S.true):
            return True
        if cond in (False, S.false):
            return False
        if isinstance(cond, Relational):
            a, b = _scalar(self(cond.lhs)), _scalar(self(cond.rhs))
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b,
                    "==": a == b, "!=": a != b}[cond.rel_op]
        raise Unsupported(f"condition {cond}")


def value(expr, point):
    """``expr`` at ``point`` (symbols and ``Differential(symbol)`` to mpmath)."""
    return Evaluator(point)(expr)


def max_abs(v):
    """The largest absolute entry of a value (an mpf for a scalar)."""
    if is_matrix(v):
        return max((abs(v[i, j]) for i in range(v.rows) for j in range(v.cols)),
                   default=CTX.mpf(0))
    return abs(v)


__all__ = ["value", "Evaluator", "Unsupported", "to_mp", "max_abs", "is_matrix",
           "CTX", "DIGITS"]
