"""Numeric checks: expressions evaluated at random points, in high precision.

Everything the plugin derives is checked against central finite differences
computed with SymPy ``Float`` arithmetic at 50 digits (mpmath underneath), at
random well-conditioned points: entries uniform in [-1, 1], square matrices
shifted by ``(n + 1) I`` so that inverses, determinants and logarithms of
determinants are well defined.  Generic functions are replaced by concrete
ones for the evaluation: an undefined element-wise ``sigma`` by ``tanh``-like
functions, a :func:`~sympy_matdiff.scalar_function` ``l`` by a smooth
function of all entries.

>>> from sympy import MatrixSymbol, Trace
>>> from sympy_matdiff.numeric import check_differential
>>> A, X = MatrixSymbol('A', 2, 3), MatrixSymbol('X', 3, 2)
>>> check_differential(Trace(A*X)).ok
True
"""
import random
from dataclasses import dataclass

from sympy import (Abs, Basic, Float, ImmutableMatrix, Lambda,
                   MatrixBase, MatrixSymbol, Rational, Symbol, cos, exp, sin,
                   preorder_traversal, sympify, tanh)
from sympy.core.function import AppliedUndef

from .differentials import Differential, ScalarDifferential, d, variables_of
from .expressions import FunctionGradient, PrimeFunction, ScalarFunction

DIGITS = 50
STEP = Rational(1, 10**15)

# Concrete stand-ins for generic functions, chosen smooth and non-symmetric
# so that a wrong sign or a swapped factor cannot cancel.
_u = Symbol("u")
STAND_INS = [Lambda(_u, tanh(_u) + _u**2 / 3), Lambda(_u, sin(_u) + exp(_u / 2)),
             Lambda(_u, _u**3 / 5 + cos(_u))]


def _entries_function(k):
    """A smooth scalar function of the entries of a matrix, the k-th stand-in."""
    f = STAND_INS[k % len(STAND_INS)]

    def value(Y):
        return sum((f(y) * (1 + Rational(i, 7)) for i, y in enumerate(Y)),
                   Float(0, DIGITS))

    def gradient(Y):   # numerator layout: G[j, i] = dl/dY[i, j]
        fp = Lambda(_u, f.expr.diff(_u))
        m, n = Y.shape
        return ImmutableMatrix(
            n, m, lambda j, i: fp(Y[i, j]) * (1 + Rational(i * n + j, 7)))
    return value, gradient


def _dims(expr):
    # every matrix node: Identity(k) has a dimension but no MatrixSymbol
    return {s for m in preorder_traversal(expr) if getattr(m, "is_Matrix", False)
            and not isinstance(m, MatrixBase)
            for s in (sympify(m.shape[0]).free_symbols |
                      sympify(m.shape[1]).free_symbols)}


def concrete_sizes(expr, rng=None):
    """Small distinct sizes for the symbolic dimensions of ``expr``."""
    return _sizes([expr], rng or random.Random(0))


def random_matrix(rows, cols, rng, shift=0):
    M = ImmutableMatrix(rows, cols, lambda i, j: Float(
        rng.uniform(-1, 1), DIGITS) + (shift if i == j else 0))
    return M


def random_point(expr, variables=None, rng=None, shift=True):
    """Random values for the symbols of ``expr`` (sizes must be numeric)."""
    rng = rng or random.Random(1)
    point = {}
    for s in sorted(variables_of(expr) if variables is None else variables,
                    key=str):
        if isinstance(s, MatrixSymbol):
            r, c = int(s.shape[0]), int(s.shape[1])
            point[s] = random_matrix(r, c, rng,
                                     r + 1 if shift and r == c else 0)
            if hasattr(s, "structured_value"):  # structure.py: e.g. symmetric
                point[s] = ImmutableMatrix(s.structured_value(point[s]))
        else:
            point[s] = Float(rng.uniform(0.5, 1.5), DIGITS)
    return point


def evaluate(expr, point):
    """``expr`` at ``point`` (a dict of symbols and differentials to values)."""
    entries = {}
    for key, value in point.items():
        if isinstance(key, Differential) and isinstance(value, MatrixBase):
            entries.update({ScalarDifferential(key.arg[i, j]): value[i, j]
                            for i in range(value.rows)
                            for j in range(value.cols)})
    expr = sympify(expr).xreplace(entries).xreplace(point)
    expr = _concrete_functions(expr)
    return _numeric(expr)


def _concrete_functions(expr):
    names = sorted({type(f).__name__ for f in expr.atoms(AppliedUndef)
                    if not isinstance(f, PrimeFunction)} |
                   {f.base_name for f in expr.atoms(AppliedUndef)
                    if isinstance(f, PrimeFunction)})
    impl = {n: STAND_INS[i % len(STAND_INS)] for i, n in enumerate(names)}

    def concrete(f):
        if isinstance(f, PrimeFunction):
            g = impl[f.base_name]
            return g.expr.diff(_u, f.order).xreplace({_u: f.args[0]})
        return impl[type(f).__name__](*f.args)
    return expr.replace(lambda e: isinstance(e, AppliedUndef)
                        and len(e.args) == 1, concrete)


def _numeric(e):
    if isinstance(e, (ScalarFunction, FunctionGradient)):
        fexpr = e if isinstance(e, ScalarFunction) else e.function
        name = type(fexpr).__name__
        value, gradient = _entries_function(sum(map(ord, name)))
        Y = _numeric(fexpr.arg)
        if not isinstance(Y, MatrixBase):
            Y = ImmutableMatrix([[Y]])
        return value(Y) if isinstance(e, ScalarFunction) else gradient(Y)
    if isinstance(e, MatrixBase):
        return ImmutableMatrix(e.applyfunc(lambda v: _numeric(v)))
    if isinstance(e, Lambda) or not e.args:
        return e
    if isinstance(e, (Differential, ScalarDifferential)):
        raise ValueError(f"no value given for the differential {e}")
    args = [_numeric(a) for a in e.args]
    out = e.func(*args) if args != list(e.args) else e
    out = out.doit() if isinstance(out, Basic) else out
    if getattr(out, "is_Matrix", False) and not isinstance(out, MatrixBase):
        out = out.as_explicit()   # e.g. HadamardPower, which doit leaves
    if isinstance(out, MatrixBase):
        return ImmutableMatrix(out.applyfunc(lambda v: v.evalf(DIGITS)))
    # conditions of a Piecewise (BooleanTrue, x > 0) have no evalf
    return out.evalf(DIGITS) if hasattr(out, "evalf") else out


def _max_abs(v):
    if isinstance(v, MatrixBase):
        return max((Abs(x) for x in v), default=Float(0))
    return Abs(v)


@dataclass
class Report:
    """The outcome of a numeric check."""

    ok: bool
    max_error: float
    scale: float
    points: int
    note: str = ""      # e.g. "undefined at this point: X is singular"

    def __str__(self):
        if self.note:
            return f"FAIL: {self.note}"
        verdict = "pass" if self.ok else "FAIL"
        return (f"{verdict}: max error {self.max_error:.3g} "
                f"(scale {self.scale:.3g}) over {self.points} point(s)")


def directional(expr, point, direction, step=STEP):
    """Central difference of ``expr`` at ``point`` along ``direction``."""
    plus = {s: v + step * direction[s] for s, v in point.items()}
    minus = {s: v - step * direction[s] for s, v in point.items()}
    return (evaluate(expr, plus) - evaluate(expr, minus)) / (2 * step)


def check_differential(expr, *wrt, points=2, seed=0, tol=1e-20,
                       differential=None):
    """Check ``d(expr, *wrt)`` against finite differences at random points.

    ``differential`` is the expression to check (by default ``d(expr, *wrt)``),
    evaluated at a random point and a random direction of the varying
    symbols, and compared with the central difference of ``expr``.
    """
    rng = random.Random(seed)
    sizes = concrete_sizes(expr, rng)
    form = differential if differential is not None else d(expr, *wrt)
    expr, form = expr.subs(sizes), form.subs(sizes)
    variables = ([v.subs(sizes) for v in wrt] if wrt else
                 sorted(variables_of(expr), key=str))
    worst, scale = Float(0), Float(0)
    for _ in range(points):
        point = random_point(expr, set(variables_of(expr)) | set(variables),
                             rng=rng)
        direction = {s: (random_matrix(*s.shape, rng) if s.is_Matrix else
                         Float(rng.uniform(-1, 1), DIGITS)) for s in point}
        for s in point:
            if s not in variables:
                direction[s] = direction[s] * 0
        at = dict(point)
        at.update({Differential(s): direction[s] for s in variables})
        got = evaluate(form, at)
        want = directional(expr, point, direction)
        diff = got - want if (isinstance(got, MatrixBase) ==
                              isinstance(want, MatrixBase)) else None
        if diff is None:
            if isinstance(got, MatrixBase) and got.shape == (1, 1):
                diff = got[0, 0] - want
            elif isinstance(want, MatrixBase) and want.shape == (1, 1):
                diff = got - want[0, 0]
            else:
                raise ValueError(f"shapes differ: {got} vs {want}")
        worst = max(worst, _max_abs(diff))
        scale = max(scale, _max_abs(want))
    err = float(worst)
    return Report(err <= tol * max(1.0, float(scale)), err, float(scale), points)


def _unit(X, i, j):
    return ImmutableMatrix(X.shape[0], X.shape[1],
                           lambda r, c: 1 if (r, c) == (i, j) else 0)


def _scalar(v):
    if isinstance(v, MatrixBase) and v.shape == (1, 1):
        return v[0, 0]
    return v


def numeric_derivative(expr, X, point, step=STEP):
    """The numerator-layout derivative of ``expr`` by finite differences."""
    def partial(direction):
        plus = dict(point)
        minus = dict(point)
        plus[X] = point[X] + step * direction
        minus[X] = point[X] - step * direction
        return (_scalar(evaluate(expr, plus)) - _scalar(evaluate(expr, minus))) \
            / (2 * step)
    if not X.is_Matrix:
        return partial(1)
    p, q = X.shape
    parts = {(i, j): partial(_unit(X, i, j)) for j in range(q) for i in range(p)}
    sample = parts[(0, 0)]
    if not isinstance(sample, MatrixBase):      # scalar: G[j, i] = dy/dX_ij
        return ImmutableMatrix(q, p, lambda j, i: parts[(i, j)])
    m, n = sample.shape                         # d vec F / d vec(X)^T
    return ImmutableMatrix(m * n, p * q, lambda r, c: parts[(c % p, c // p)][
        r % m, r // m])


def check(expr, wrt, result=None, layout="numerator", points=2, seed=0,
          tol=1e-20, at=None):
    """Check a derivative numerically; returns a :class:`Report`.

    ``result`` (by default the plugin's own ``derivative(expr, wrt,
    layout)``) is evaluated at random well-conditioned points and compared
    with central finite differences of ``expr`` at 50 digits, entry by entry.
    Symbolic dimensions are replaced by small distinct sizes first.
    ``at`` fixes the values of some symbols (e.g. a singular matrix); where
    the result is undefined (it inverts a singular matrix) the report says
    "undefined at this point" (``.note``) and is not ok.

    >>> from sympy import MatrixSymbol, Symbol, Trace
    >>> from sympy_matdiff import check
    >>> n = Symbol('n', integer=True, positive=True)
    >>> A, X = MatrixSymbol('A', 2, n), MatrixSymbol('X', n, 2)
    >>> check(Trace(A*X), X).ok
    True
    >>> check(Trace(A*X), X, result=A.T).ok      # the transpose is wrong
    False
    """
    from .differentials import _check_variable, prepare
    from .layouts import from_numerator
    X = _check_variable(wrt)
    expr = prepare(expr)
    if result is None:
        from .identification import derivative
        result = derivative(expr, X, layout)
    rng = random.Random(seed)
    sizes = _sizes([expr, X, result], rng)
    e, Xs, res = (sympify(v).subs(sizes) for v in (expr, X, result))
    worst, scale = Float(0), Float(0)
    for _ in range(points):
        point = random_point(e, set(variables_of(e)) | {Xs}, rng=rng)
        point.update({sympify(k).subs(sizes): v for k, v in (at or {}).items()})
        from .domains import undefined_at
        why = undefined_at(res, point, evaluate)
        if why:
            return Report(False, float("inf"), 0.0, points,
                          note=f"undefined at this point: {why}")
        want = from_numerator(numeric_derivative(e, Xs, point), e, Xs, layout)
        got = _scalar(evaluate(res, point))
        want = _scalar(want)
        if isinstance(got, MatrixBase) != isinstance(want, MatrixBase) or (
                isinstance(got, MatrixBase) and got.shape != want.shape):
            return Report(False, float("inf"), 0.0, points)
        worst = max(worst, _max_abs(got - want))
        scale = max(scale, _max_abs(want))
    err = float(worst)
    return Report(err <= tol * max(1.0, float(scale)), err, float(scale), points)


def check_hessian(expr, wrt, result=None, points=2, pairs=3, seed=0, tol=1e-16):
    """Check a Hessian numerically against second differences of ``expr``.

    For random directions u, v of the variable, ``vec(u)^T H vec(v)`` must
    equal the mixed central difference of ``expr``; H must be symmetric.

    >>> from sympy import MatrixSymbol
    >>> from sympy_matdiff.numeric import check_hessian
    >>> x, A = MatrixSymbol('x', 3, 1), MatrixSymbol('A', 3, 3)
    >>> check_hessian(x.T*A*x, x).ok, check_hessian(x.T*A*x, x, result=2*A).ok
    (True, False)
    """
    from .differentials import _check_variable, prepare
    X = _check_variable(wrt)
    expr = prepare(expr)
    if result is None:
        from .identification import hessian
        result = hessian(expr, X)
    rng = random.Random(seed)
    sizes = _sizes([expr, X, result], rng)
    e, Xs, res = (sympify(v).subs(sizes) for v in (expr, X, result))
    h = Rational(1, 10**12)
    worst, scale = Float(0), Float(0)
    for _ in range(points):
        point = random_point(e, set(variables_of(e)) | {Xs}, rng=rng)
        H = _scalar(evaluate(res, point))
        if not isinstance(H, MatrixBase):
            H = ImmutableMatrix([[H]])
        worst = max(worst, _max_abs(H - H.T))
        for _ in range(pairs):
            u, v = (random_matrix(*Xs.shape, rng) if Xs.is_Matrix else
                    ImmutableMatrix([[Float(rng.uniform(-1, 1), DIGITS)]])
                    for _ in range(2))

            def f(a, b):
                at = dict(point)
                shift = a * u + b * v
                at[Xs] = point[Xs] + (shift if Xs.is_Matrix else shift[0, 0])
                return _scalar(evaluate(e, at))
            want = (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4 * h * h)
            vu, vv = (ImmutableMatrix(w.T.reshape(w.rows * w.cols, 1))
                      for w in (u, v))
            got = (vu.T * H * vv)[0, 0]
            worst = max(worst, Abs(got - want))
            scale = max(scale, Abs(want))
    err = float(worst)
    return Report(err <= tol * max(1.0, float(scale)), err, float(scale), points)


def check_steps(steps, X, reference, seed=0, tol=1e-20):
    """Check that every step of a derivation equals ``reference``.

    Each step's expression, with the differentials its later steps would
    evaluate done now (``d(part, X)``), and the reference differential are
    evaluated at one random point and direction of X; a step whose ``lhs`` is
    ``vec(dF)`` is compared with vec of the reference.  Returns a
    :class:`Report` over all steps.
    """
    from .differentials import DIFFERENTIALS, d
    from .vec import Vec
    rng = random.Random(seed)
    exprs = [reference] + [getattr(s, "meaning", s.expr) for s in steps]
    sizes = _sizes([X] + exprs, rng)
    Xs = X.subs(sizes)
    point = random_point(sympify(0), set().union(*(
        variables_of(e.subs(sizes)) for e in exprs)) | {Xs}, rng=rng)
    V = random_matrix(*Xs.shape, rng) if Xs.is_Matrix else Float(
        rng.uniform(-1, 1), DIGITS)
    at = dict(point)
    at[Differential(Xs)] = V

    def value(e):
        e = e.subs(sizes).replace(
            lambda n: isinstance(n, DIFFERENTIALS) and n.arg != Xs,
            lambda n: d(n.arg, Xs))
        return _scalar(evaluate(e, at))
    want = value(reference)
    want_vec = ImmutableMatrix(want.T.reshape(len(want), 1)) if isinstance(
        want, MatrixBase) else want
    worst = Float(0)
    for s, e in zip(steps, exprs[1:]):
        got = value(e)
        target = want_vec if s.lhs is not None and isinstance(s.lhs, Vec) \
            else want
        worst = max(worst, _max_abs(got - target))
    err = float(worst)
    return Report(err <= tol * max(1.0, float(_max_abs(want))), err,
                  float(_max_abs(want)), 1)


def same_value(A, B, seed=0, tol=1e-15):
    """Do ``A`` and ``B`` agree at a random point (sizes made concrete)?

    >>> from sympy import MatrixSymbol, Symbol
    >>> n = Symbol('n', integer=True, positive=True)
    >>> X = MatrixSymbol('X', n, n)
    >>> same_value((X + X.T).T, X + X.T), same_value(X.T, X)
    (True, False)
    """
    rng = random.Random(seed)
    sizes = _sizes([A, B], rng)
    A, B = (sympify(e).subs(sizes) for e in (A, B))
    if getattr(A, "shape", None) != getattr(B, "shape", None):
        return False
    point = random_point(sympify(0), variables_of(A) | variables_of(B), rng=rng)
    a, b = _scalar(evaluate(A, point)), _scalar(evaluate(B, point))
    scale = max(1.0, float(_max_abs(a)), float(_max_abs(b)))
    return float(_max_abs(a - b)) <= tol * scale


def _sizes(exprs, rng):
    """Small distinct sizes for the symbolic dimensions in ``exprs``."""
    dims = set().union(*(_dims(e) for e in exprs if isinstance(e, Basic)))
    sizes = [2, 3, 4, 5]
    rng.shuffle(sizes)
    return {s: sizes[i % len(sizes)] for i, s in
            enumerate(sorted(dims, key=str))}


__all__ = ["evaluate", "random_point", "concrete_sizes", "check_differential",
           "directional", "Report", "check", "check_hessian", "check_steps",
           "numeric_derivative"]
