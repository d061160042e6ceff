"""Closed forms for plain ``sympy.diff``: the handlers that hooks.py registers.

SymPy differentiates a matrix expression by converting it to an array
expression; a scalar node it does not model on the way is taken as constant,
which gives wrong answers (SymPy 1.14 alone: ``diff(log(det(X)), X) == 0``).
What SymPy models grows from release to release (SymPy's development version
differentiates ``det``, scalar sums and powers), so it is not listed here but
detected (:func:`sympy_capabilities`: a few probes, once, checked against the
engine).  Every derivative that involves a matrix goes through
:func:`dispatch`, which SymPy calls once per variable with its count:

* where SymPy models every node through which the variable enters
  (:func:`sympy_models`) and answers, not 0 and in a shape of its layout,
  SymPy's own answer is returned, unchanged and not recomputed;
* elsewhere, or where SymPy raises, answers None or leaves the derivative
  unevaluated, the plugin's engine answers (:func:`~.identification.derivative`,
  numerator layout), converted to SymPy's layout with :func:`~.layouts.to_layout`;
* where the engine has no rule, SymPy's unevaluated derivative stands; an
  exception of SymPy's, or an answer of SymPy's for an expression it does
  not model (not trusted), gives the engine's error instead;
* ``diff(f, X, 2)``, ``diff(f, (X, 2))`` and ``diff(f, X, Y)`` are taken one
  variable at a time, as SymPy does, each step as above; a derivative of
  more than two axes (a matrix by a matrix, differentiated again) is a
  :class:`~.layouts.JacobianArray` held as its numerator-layout matrix.

>>> from sympy import MatrixSymbol, Trace, det, diff, log
>>> import sympy_matdiff
>>> X = MatrixSymbol('X', 3, 3)
>>> diff(log(det(X)), X)
X.T**(-1)
>>> x = MatrixSymbol('x', 3, 1)
>>> diff(log(Trace(x.T*x)), x, 2).shape
(3, 3)
"""
import contextlib
import random
import threading

from sympy import (Add, Derivative, Determinant, ImmutableMatrix, Integer, MatrixBase,
                   Rational, S, Symbol, sympify, HadamardPower, HadamardProduct,
                   Identity, Inverse, MatAdd, MatMul, MatPow, MatrixSymbol, Mul,
                   OneMatrix, Pow, Trace, Transpose, ZeroMatrix)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.tensor.array import NDimArray

from .errors import MatrixCalculusError
from .identification import derivative
from .layouts import (JacobianArray, ZeroArray, array_numerator, as_matrix, squeeze,
                      to_layout)
from .differentials import variables_of
from .numeric import _max_abs, _sizes, evaluate, random_point, same_value

# SymPy's array derivative is right for these nodes when their arguments are.
_MODELLED = (MatAdd, Transpose, Inverse, HadamardProduct)
_LEAVES = (MatrixSymbol, Identity, ZeroMatrix, OneMatrix)
_DIAGONAL = (HadamardProduct, HadamardPower, ElementwiseApplyFunction)

_state = threading.local()


@contextlib.contextmanager
def _sympy_only():
    # While the engine (or a probe) runs, a nested sympy.diff gets SymPy's
    # own handlers, so the hooks cannot recurse into themselves.
    was = _busy()
    _state.busy = True
    try:
        yield
    finally:
        _state.busy = was


def _busy():
    return getattr(_state, "busy", False)


def _engine(expr, x):
    with _sympy_only():
        return derivative(expr, x)


# --- what SymPy models ---------------------------------------------------------

def _probes():
    """(capability, expression, variable): SymPy models the capability if its
    own answer for the expression is right."""
    S2, Y, B = MatrixSymbol("S", 2, 2), MatrixSymbol("Y", 2, 3), MatrixSymbol("B", 3, 2)
    return [
        ("det", Determinant(S2 * S2.T + S2), S2),
        ("add", Trace(Y * B) + Trace(Y.T * Y) + 1, Y),
        ("pow", Trace(Y.T * Y)**Rational(-3, 2), Y),
        ("entry", 3 * Y[0, 1], Y),
    ]


_capabilities = []


def sympy_capabilities():
    """The scalar nodes this SymPy differentiates right by a matrix, probed
    once per process: a subset of ``{"det", "add", "pow", "entry"}`` (``det``,
    scalar ``+``, any constant power, matrix entries).

    >>> from sympy_matdiff.sympy_diff import sympy_capabilities
    >>> sympy_capabilities() <= {"det", "add", "pow", "entry"}
    True
    """
    if not _capabilities:
        found = set()
        for name, f, X in _probes():
            try:
                with _sympy_only():
                    R = f.diff(X)
                    if R is None or unevaluated(R, X) or _is_zero(R):
                        continue
                    if _agree(R, derivative(f, X), f, X):
                        found.add(name)
            except Exception:    # SymPy fails on it: not modelled
                continue
        _capabilities.append(frozenset(found))
    return _capabilities[0]


def sympy_models(expr, x):
    """Does SymPy model every node of ``expr`` through which ``x`` enters?

    Then its own ``diff(expr, x)`` is right and is kept.  SymPy models
    traces and products and integer powers of them; whether it models
    ``det``, scalar sums, other powers and entries is detected
    (:func:`sympy_capabilities`); it takes ``log`` and other scalar functions
    as constant, and transposes the derivative of an element-wise function
    inside a product.

    >>> from sympy import MatrixSymbol, Trace, log
    >>> from sympy_matdiff.sympy_diff import sympy_models
    >>> A, X = MatrixSymbol('A', 3, 3), MatrixSymbol('X', 3, 3)
    >>> sympy_models(Trace(A*X.T), X), sympy_models(log(Trace(X)), X)
    (True, False)
    >>> sympy_models(Trace(X)**2*X, X)
    True
    """
    return _models(expr, x, False, sympy_capabilities())


def _models(e, x, in_product, caps):
    if e == x:
        return True
    if not e.has(x):
        # SymPy takes a constant scalar as a factor, but mistranslates
        # constant matrices it does not model (t*Y*(Z ⊗ y) by Y is wrong)
        return not getattr(e, "is_Matrix", False) or isinstance(e, _LEAVES) \
            or (isinstance(e, ElementwiseApplyFunction)
                and _models(e.expr, x, in_product, caps)) \
            or (isinstance(e, _MODELLED + (MatMul, MatPow, HadamardPower))
                and all(_models(a, x, in_product, caps) for a in e.args))
    if not getattr(e, "is_Matrix", False):
        if not getattr(x, "is_Matrix", False) and not e.atoms(MatrixSymbol):
            return True     # exp(t), t**2: SymPy's own scalar calculus
        if isinstance(e, Trace):
            # the trace of a Hadamard product or power or of an element-wise
            # function comes out wrong: tr(X∘X∘X) by X as 3 tr(X∘X) I, and
            # tr(x^T exp(x)) by x as tr(exp(x) x^T) I + exp(x)
            return not _diagonal(e.arg) and not _has_elementwise(e.arg, x) \
                and _models(e.arg, x, False, caps)
        if isinstance(e, Mul):
            return all(_models(a, x, False, caps) for a in e.args)
        if isinstance(e, Pow):      # SymPy 1.14 answers 0 for tr(X)**-2
            if e.exp.has(x):
                return False
            return (e.exp.is_Integer is True and e.exp > 0 or "pow" in caps) \
                and _models(e.base, x, False, caps)
        if isinstance(e, Determinant):
            arg = e.arg
            if isinstance(arg, MatPow) and not arg.exp.has(x):
                arg = arg.base          # det(X**j) = det(X)**j
            return "det" in caps and _models(arg, x, False, caps)
        if isinstance(e, Add):
            return "add" in caps and all(_models(a, x, False, caps) for a in e.args)
        if isinstance(e, MatrixElement):
            return "entry" in caps and e.parent == x
        return False                 # log, exp, ...: taken as constant
    if isinstance(e, MatrixBase):   # explicit: SymPy goes entry by entry
        return "entry" in caps
    if isinstance(e, MatMul):
        inner = e.shape != (1, 1)
        return all(_models(a, x, inner, caps) for a in e.args)
    if isinstance(e, MatPow):
        # negative powers: SymPy master's array form of d(X**-2) evaluates
        # through complex numbers (hess-tr-inverse); the engine's is plain
        return (e.exp.is_Integer is True and (e.exp > 0 or e.exp == -1)
                or e.base.shape == (1, 1)) and \
            not e.exp.has(x) and _models(e.base, x, in_product, caps)
    if isinstance(e, HadamardPower):
        return not e.exp.has(x) and _models(e.base, x, in_product, caps)
    if isinstance(e, ElementwiseApplyFunction):
        return not in_product and not e.function.has(x) and \
            _models(e.expr, x, False, caps)
    if isinstance(e, _MODELLED):
        return all(_models(a, x, in_product, caps) for a in e.args)
    return False


def _diagonal(e):
    """Is ``e``, up to sums, scalar factors and transposes, a Hadamard
    product or power or an element-wise function?"""
    if isinstance(e, MatAdd):
        return any(_diagonal(a) for a in e.args)
    if isinstance(e, MatMul):
        mats = [a for a in e.args if getattr(a, "is_Matrix", False)]
        return len(mats) == 1 and _diagonal(mats[0])
    if isinstance(e, Transpose):
        return _diagonal(e.arg)
    return isinstance(e, _DIAGONAL)


def _has_elementwise(e, x):
    """An element-wise function or Hadamard product of ``x`` inside ``e``:
    SymPy's trace of it by x is wrong (found by the fuzzer)."""
    return any(a.has(x) for a in e.atoms(*_DIAGONAL))


def sympy_shapes(expr, x):
    """The shapes SymPy's answer for ``diff(expr, x)`` may have."""
    if not getattr(x, "is_Matrix", False):
        return {tuple(getattr(expr, "shape", ()))} if getattr(
            expr, "is_Matrix", False) else None
    if not getattr(expr, "is_Matrix", False):
        return {tuple(x.shape)}
    full = tuple(x.shape) + tuple(expr.shape)
    kept = [s for s in full if s != 1]
    if len(kept) > 2:
        return {full}
    return {full, tuple(kept) if len(kept) == 2 else tuple(kept) + (1,) * (
        2 - len(kept))}


def _array_for_a_matrix(r):
    """An array expression with at most two axes longer than 1: in SymPy's
    layout a matrix, and SymPy's array may not even print as NumPy code
    (contractions with OneArray); the engine's answer is the matrix."""
    if getattr(r, "is_Matrix", False) or not hasattr(r, "shape") or \
            isinstance(r, (NDimArray, ZeroArray)):
        return False
    return sum(1 for s in r.shape if s != 1) <= 2


def _is_zero(r):
    return r == 0 or getattr(r, "is_ZeroMatrix", False) or isinstance(r, ZeroArray)


def unevaluated(result, x):
    """Does ``result`` hold a derivative by ``x`` that SymPy left undone?"""
    return hasattr(result, "atoms") and any(
        x in der.variables for der in result.atoms(Derivative))


# --- the handlers ----------------------------------------------------------------

def new_array_derivative(original, cls, expr, *variables, **kwargs):
    """``ArrayDerivative(expr, *variables)``, with ``simplify=False`` unless
    asked otherwise when ``expr`` is a symbolic matrix or array expression:
    SymPy's ``factor_terms(signsimp(...))`` after a second derivative treats
    it as a scalar and breaks it."""
    if not isinstance(expr, (MatrixBase, NDimArray)) and "simplify" not in kwargs \
            and not _busy():
        kwargs["simplify"] = False
    return original(cls, expr, *variables, **kwargs)


def dispatch(original, expr, v, count):
    """``ArrayDerivative._dispatch_eval_derivative_n_times``: ``count``
    derivatives of ``expr`` by ``v``, in SymPy's layout.

    ``original`` is SymPy's method; it answers explicit matrices and arrays,
    and scalars by scalars, and wherever SymPy's own answer is trusted.

    >>> from sympy import MatrixSymbol, Trace, diff
    >>> import sympy_matdiff
    >>> X = MatrixSymbol('X', 2, 3)
    >>> diff(Trace(X.T*X), X, 2).shape
    (2, 3, 2, 3)
    """
    if _busy() or not _handled(expr, v) or not isinstance(count, (int, Integer)) \
            or count <= 0:
        return original(expr, v, count)
    R = expr
    for k in range(int(count)):
        R = _step(original, R, v, final=k == count - 1)
        if R is None or unevaluated(R, v):
            return R
    if hasattr(R, "shape") and not getattr(R, "is_Matrix", False) and \
            not isinstance(R, (JacobianArray, ZeroArray, NDimArray)):
        # SymPy's array expression: diff(f, X, Y) may differentiate it again
        if len(_origins) > 64:
            _origins.clear()
        _origins[R] = (expr, v, count)
    return R


# SymPy's array answers of dispatch() -> (expr, v, count): differentiated
# again (diff(f, X, Y)), such an answer is recomputed by the engine, whose
# array forms convert to numerator layout (SymPy's contractions may not).
_origins = {}


def _engine_answer(expr, v, count):
    R = expr
    for _ in range(int(count)):
        R = _step(None, R, v, final=False)
    return R


def _handled(expr, v):
    if isinstance(expr, (MatrixBase, NDimArray)):
        return False
    if isinstance(v, MatrixSymbol):
        return True
    # a matrix by a scalar; a Dummy standing for X[0, 0] is SymPy's
    return isinstance(v, Symbol) and hasattr(expr, "shape") and \
        v in expr.free_symbols


def _step(original, R, v, final=True):
    """One derivative of ``R`` by ``v`` in SymPy's layout.  With ``final``
    False (more derivatives follow) SymPy's answer is kept only where it is
    a matrix expression or a scalar (the engine differentiates those);
    ``original`` None: the engine's answer."""
    if isinstance(R, (MatrixBase, NDimArray)):
        return original(R, v, 1)
    if not R.has(v):
        return _zero(R, v)
    if not hasattr(R, "shape") or getattr(R, "is_Matrix", False):
        if isinstance(v, MatrixSymbol):
            return by_matrix(original, R, v, final)
        if not getattr(R, "is_Matrix", False):
            return original(R, v, 1)        # a scalar by a scalar
        return matrix_by_scalar(original, R, v, final)
    if R in _origins:
        R = _engine_answer(*_origins[R])
        if getattr(R, "is_Matrix", False):
            return _step(original, R, v, final)
    if len(R.shape) == 2:       # SymPy's 2-D array expression: as a matrix
        return _step(original, as_matrix(R), v, final)
    if len(R.shape) == 4 and sum(1 for s in R.shape if s != 1) <= 2:
        # (p, q, 1, 1) and the like: in SymPy's layout, the matrix of the
        # axes longer than 1
        return _step(original, squeeze(R), v, final)
    # three or more axes: differentiate the numerator-layout matrix
    J = array_numerator(R)
    G = _engine(J, v)
    extra = tuple(v.shape) if isinstance(v, MatrixSymbol) else ()
    return JacobianArray(G, *(extra + tuple(R.shape)))


def _zero(R, v):
    """0 in SymPy's layout, for ``R`` constant in ``v``."""
    shape = tuple(getattr(R, "shape", ()))
    if not isinstance(v, MatrixSymbol):
        if not shape:
            return S.Zero
        return ZeroMatrix(*shape) if getattr(R, "is_Matrix", False) \
            else ZeroArray(*shape)
    if not shape:
        return ZeroMatrix(*v.shape)
    if getattr(R, "is_Matrix", False):
        m, n = R.shape
        p, q = v.shape
        return to_layout(ZeroMatrix(m * n, p * q), R, v, source="numerator",
                         target="sympy")
    return ZeroArray(*(tuple(v.shape) + shape))


def _sympy_or_engine(sympy_answer, expr, x, trusted, convert, shapes=None,
                     final=True):
    """SymPy's answer where ``trusted`` and it has one, else the engine's.

    Where the engine has no rule either, SymPy's exception or unevaluated
    derivative stands; an answer SymPy gives for an expression it does not
    model is not trusted (it takes some node that depends on ``x`` as
    constant), so the engine's error is raised instead.
    """
    result = failure = None
    if sympy_answer is None:        # the engine's answer is asked for
        return convert(_engine(expr, x))
    if trusted:
        try:
            result = sympy_answer()
        except Exception as exc:    # SymPy's own bugs (AttributeError, ...)
            failure = exc
        else:
            # a zero is how SymPy's mistakes mostly look: the engine answers
            if result is not None and not unevaluated(result, x) and \
                    not _is_zero(result) and (
                        not shapes or tuple(getattr(result, "shape", ())) in shapes) \
                    and (final or getattr(result, "is_Matrix", False)
                         or not hasattr(result, "shape")) \
                    and not _array_for_a_matrix(result):
                return result
    try:
        return convert(_engine(expr, x))
    except MatrixCalculusError as error:
        if trusted:
            if failure is not None:
                raise failure from error
            return result
        try:
            result = sympy_answer()
        except Exception as exc:    # SymPy's own failure: ours is clearer
            raise error from exc
        if result is None or unevaluated(result, x):
            return result
        raise type(error)(
            f"{error} (SymPy alone answers {result} here, but it takes a part "
            f"of {expr} that depends on {x} as constant, so that answer is "
            "not trusted)") from error


def _sympy(original, expr, x):
    return None if original is None else (lambda: original(expr, x, 1))


def by_matrix(original, expr, x, final=True):
    """One derivative of ``expr`` (a matrix expression or a scalar) by the
    matrix symbol ``x``, in SymPy's layout."""
    return _sympy_or_engine(
        _sympy(original, expr, x), expr, x, sympy_models(expr, x),
        lambda G: to_layout(G, expr, x, source="numerator", target="sympy"),
        sympy_shapes(expr, x), final)


def matrix_by_scalar(original, expr, t, final=True):
    """``diff(F, t)`` for a matrix expression F and a scalar t, in F's shape.

    SymPy's answer is kept where it has one, not 0 (its array derivative
    differentiates a scalar factor such as det(t X) with the scalar's own
    ``diff``, which the hooks answer), but not for Hadamard powers of t:
    SymPy writes d(A∘A)/dt as 2 (1/A)∘dA/dt∘A∘A, undefined where A has a 0.
    """
    trusted = not any(h.base.has(t) for h in expr.atoms(HadamardPower))
    return _sympy_or_engine(_sympy(original, expr, t), expr, t, trusted,
                            lambda G: G, sympy_shapes(expr, t), final)


def scalar_by_scalar(original, self, t):
    """``_eval_derivative`` of a scalar node (``Trace``, ``Determinant``):
    SymPy's where it models the node and answers, else the engine's.

    >>> from sympy import Identity, MatrixSymbol, Symbol, Trace, det, diff, exp
    >>> import sympy_matdiff
    >>> X, Y, t = MatrixSymbol('X', 2, 2), MatrixSymbol('Y', 2, 2), Symbol('t')
    >>> diff(Trace((X + t*Y).applyfunc(exp)), t)
    Trace(HadamardProduct(Y, exp(t*Y + X)))
    >>> diff(det(Identity(2) + t*X), t)
    Determinant(t*X + I)*Trace((t*X + I)**(-1)*X)
    """
    if _busy() or t not in self.free_symbols:
        return original(self, t)    # e.g. a Dummy standing for X[0, 0]
    return _sympy_or_engine(lambda: original(self, t), self, t,
                            sympy_models(self, t), lambda G: G)


def by_scalar(self, t):
    """``_eval_derivative`` for the plugin's ``scalar_function``: the
    engine's, else unevaluated."""
    if _busy() or t not in self.free_symbols:
        return None     # e.g. a Dummy standing for X[0, 0]: as SymPy leaves it
    try:
        return _engine(self, t)
    except MatrixCalculusError:
        return None         # unevaluated, as SymPy leaves it


def _agree(result, G, expr, x):
    """Does SymPy's ``result`` equal the engine's numerator-layout ``G``?

    SymPy's answer is evaluated at a random point *before* it is converted
    to numerator layout: converting a symbolic 4-D answer expands it entry
    by entry.
    """
    if not getattr(x, "is_Matrix", False):
        return same_value(result, G)
    rng = random.Random(0)
    sizes = _sizes([result, expr, G, x], rng)
    result, expr, G, x = (sympify(e).subs(sizes) for e in (result, expr, G, x))
    point = random_point(sympify(0), variables_of(expr) | variables_of(G) | {x},
                         rng=rng)
    if getattr(result, "is_Matrix", False) or not hasattr(result, "as_explicit"):
        value = evaluate(result, point)
    else:   # an array expression: numbers in, then SymPy's own expansion
        value = result.xreplace(
            {k: ImmutableMatrix(v) if hasattr(v, "shape") else v
             for k, v in point.items()}).as_explicit()
    mine = to_layout(value, expr, x, source="sympy", target="numerator")
    a, b = evaluate(mine, point), evaluate(G, point)
    scale = max(1.0, float(_max_abs(a)), float(_max_abs(b)))
    return float(_max_abs(a - b)) <= 1e-15 * scale


__all__ = ["sympy_models", "sympy_shapes", "sympy_capabilities", "dispatch",
           "new_array_derivative",
           "by_matrix", "matrix_by_scalar", "scalar_by_scalar", "by_scalar",
           "unevaluated"]
