"""Closed forms for plain ``sympy.diff``: the handlers that hooks.py registers.

SymPy 1.14 differentiates a matrix expression by converting it to an array
expression; a scalar node it does not model on the way (``det``, ``log``, a
scalar ``Add`` or ``Mul``, a Kronecker product, ...) is taken as constant,
which gives wrong answers such as ``diff(log(det(X)), X) == 0``.  These
handlers sit where SymPy dispatches matrix derivatives
(``ArrayDerivative._call_derive_*``):

* where SymPy models every node through which the variable enters
  (:func:`sympy_models`) and answers, in a shape of its layout and not 0,
  SymPy's own answer is kept, unchanged, if the engine's answer agrees with
  it at a random point (a second opinion: the list of what SymPy gets right
  is drawn from tests, and may have gaps);
* elsewhere the plugin's engine answers (:func:`~.identification.derivative`,
  numerator layout), converted to SymPy's layout with
  :func:`~.layouts.to_layout`;
* where the engine has no rule, SymPy's exception or unevaluated derivative
  stands; an answer of SymPy's for an expression it does not model is not
  trusted, and the engine's error is raised instead.

>>> from sympy import MatrixSymbol, det, diff, log
>>> import sympy_matdiff
>>> X = MatrixSymbol('X', 3, 3)
>>> diff(log(det(X)), X)
X.T**(-1)
"""
import random
import threading

from sympy import (Derivative, ImmutableMatrix, sympify,
                   HadamardPower, HadamardProduct, Identity, Inverse,
                   MatAdd, MatMul, MatPow, MatrixSymbol, Mul, OneMatrix, Pow, Trace,
                   Transpose, ZeroMatrix)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.tensor.array.expressions.array_expressions import ZeroArray

from .errors import MatrixCalculusError
from .identification import derivative
from .layouts import to_layout
from .differentials import variables_of
from .numeric import _max_abs, _sizes, evaluate, random_point, same_value

# SymPy's array derivative is right for these nodes when their arguments are.
_MODELLED = (MatAdd, Transpose, Inverse, HadamardProduct)
_LEAVES = (MatrixSymbol, Identity, ZeroMatrix, OneMatrix)
_DIAGONAL = (HadamardProduct, HadamardPower, ElementwiseApplyFunction)

_state = threading.local()


def sympy_models(expr, x):
    """Does SymPy 1.14 model every node of ``expr`` through which ``x`` enters?

    Then its own ``diff(expr, x)`` is right and is kept.  SymPy models
    traces and products and powers of them; it takes a scalar ``Add``,
    ``det``, ``log`` and any other scalar function as constant, and
    transposes the derivative of an element-wise function inside a product.

    >>> from sympy import MatrixSymbol, Trace, det
    >>> from sympy_matdiff.sympy_diff import sympy_models
    >>> A, X = MatrixSymbol('A', 3, 3), MatrixSymbol('X', 3, 3)
    >>> sympy_models(Trace(A*X.T), X), sympy_models(Trace(X) + 1, X)
    (True, False)
    >>> sympy_models(Trace(X)**2*X, X), sympy_models(det(X)*X**-1, X)
    (True, False)
    """
    return _models(expr, x, False)


def _models(e, x, in_product):
    if e == x:
        return True
    if not e.has(x):
        # SymPy takes a constant scalar as a factor, but mistranslates
        # constant matrices it does not model (t*Y*(Z ⊗ y) by Y is wrong)
        return not getattr(e, "is_Matrix", False) or isinstance(e, _LEAVES) \
            or (isinstance(e, ElementwiseApplyFunction)
                and _models(e.expr, x, in_product)) \
            or (isinstance(e, _MODELLED + (MatMul, MatPow, HadamardPower))
                and all(_models(a, x, in_product) for a in e.args))
    if not getattr(e, "is_Matrix", False):
        if isinstance(e, Trace):
            # the trace of a Hadamard product or power or of an element-wise
            # function comes out wrong: tr(X∘X∘X) by X as 3 tr(X∘X) I
            return not _diagonal(e.arg) and _models(e.arg, x, False)
        if isinstance(e, Mul):
            return all(_models(a, x, False) for a in e.args)
        if isinstance(e, Pow):      # SymPy answers 0 for tr(X)**-2
            return e.exp.is_Integer is True and e.exp > 0 and \
                _models(e.base, x, False)
        return False                 # log, det, Add, ...: taken as constant
    if isinstance(e, MatMul):
        inner = e.shape != (1, 1)
        return all(_models(a, x, inner) for a in e.args)
    if isinstance(e, MatPow):
        return (e.exp.is_Integer is True or e.base.shape == (1, 1)) and \
            not e.exp.has(x) and _models(e.base, x, in_product)
    if isinstance(e, HadamardPower):
        return not e.exp.has(x) and _models(e.base, x, in_product)
    if isinstance(e, ElementwiseApplyFunction):
        return not in_product and not e.function.has(x) and \
            _models(e.expr, x, False)
    if isinstance(e, _MODELLED):
        return all(_models(a, x, in_product) for a in e.args)
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


def sympy_shapes(expr, x):
    """The shapes SymPy's answer for ``diff(expr, x)`` may have."""
    if not getattr(expr, "is_Matrix", False):
        return {tuple(x.shape)}
    full = tuple(x.shape) + tuple(expr.shape)
    kept = [s for s in full if s != 1]
    if len(kept) > 2:
        return {full}
    return {full, tuple(kept) if len(kept) == 2 else tuple(kept) + (1,) * (
        2 - len(kept))}


def _is_zero(r):
    return r == 0 or getattr(r, "is_ZeroMatrix", False) or isinstance(r, ZeroArray)


def unevaluated(result, x):
    """Does ``result`` hold a derivative by ``x`` that SymPy left undone?"""
    return any(x in der.variables for der in result.atoms(Derivative))


def _busy():
    return getattr(_state, "busy", False)


def _engine(expr, x):
    # The engine never calls sympy.diff on matrix expressions; the guard
    # makes sure that a nested call gets SymPy's own handler, not this one.
    _state.busy = True
    try:
        return derivative(expr, x)
    finally:
        _state.busy = False


def _sympy_or_engine(original, args, x, trusted, convert, shapes=None):
    """SymPy's answer where ``trusted`` and it has one, else the engine's.

    Where the engine has no rule either, SymPy's exception or unevaluated
    derivative stands; an answer SymPy gives for an expression it does not
    model is not trusted (it takes some node that depends on ``x`` as
    constant), so the engine's error is raised instead.
    """
    expr = args[0]
    result = failure = None
    if trusted:
        try:
            result = original(*args)
        except Exception as exc:    # SymPy's own bugs (AttributeError, ...)
            failure = exc
        else:
            # a zero is how SymPy's mistakes mostly look: the engine confirms
            if result is None or not (unevaluated(result, x) or _is_zero(result) or (
                    shapes and tuple(getattr(result, "shape", ())) not in shapes)):
                return _confirmed(result, expr, x, convert)
    try:
        return convert(_engine(expr, x))
    except MatrixCalculusError as error:
        if trusted:
            if failure is not None:
                raise failure from error
            return result
        result = original(*args)      # SymPy's exception propagates
        if result is None or unevaluated(result, x):
            return result
        raise type(error)(
            f"{error} (SymPy alone answers {result} here, but it takes a part "
            f"of {expr} that depends on {x} as constant, so that answer is "
            "not trusted)") from error


def _confirmed(result, expr, x, convert):
    """SymPy's ``result`` if the engine's answer agrees with it numerically,
    else the engine's answer (converted to SymPy's layout).

    :func:`sympy_models` is a list of what SymPy 1.14 gets right, drawn from
    tests; this second opinion keeps a gap in that list from reaching the
    user as a wrong derivative.
    """
    if result is None:
        return result
    try:
        G = _engine(expr, x)
    except MatrixCalculusError:
        return result                   # no second opinion to be had
    try:
        if _agree(result, G, expr, x):
            return result
    except Exception:   # SymPy's answer cannot even be converted or evaluated
        pass
    return convert(G)


def _agree(result, G, expr, x):
    """Does SymPy's ``result`` equal the engine's numerator-layout ``G``?

    SymPy's answer is evaluated at a random point *before* it is converted
    to numerator layout: converting a symbolic 4-D answer expands it entry
    by entry, which takes minutes for inverses of 3x3 Hadamard forms.
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


def by_matrix(original, expr, x):
    """``diff(expr, x)`` for a matrix symbol ``x``, in SymPy's layout.

    ``original`` is SymPy's handler, kept where SymPy is right.
    """
    if _busy() or not isinstance(x, MatrixSymbol):
        return original(expr, x)
    return _sympy_or_engine(
        original, (expr, x), x, expr.has(x) and sympy_models(expr, x),
        lambda G: to_layout(G, expr, x, source="numerator", target="sympy"),
        sympy_shapes(expr, x))


def matrix_by_scalar(original, expr, t):
    """``diff(F, t)`` for a matrix expression F and a scalar t.

    SymPy's answer is kept where it has one (but not for Hadamard powers);
    where it raises or leaves a derivative unevaluated, the engine answers
    (in F's shape, as SymPy).
    """
    if _busy() or t not in expr.free_symbols:
        return original(expr, t)    # e.g. a Dummy standing for X[0, 0]
    # SymPy writes d(A∘A)/dt as 2 (1/A)∘dA/dt∘A∘A, undefined where A has a 0
    trusted = not any(h.base.has(t) for h in expr.atoms(HadamardPower))
    return _sympy_or_engine(original, (expr, t), t, trusted, lambda G: G)


def scalar_by_scalar(original, self, t):
    """``_eval_derivative`` of a scalar node (``Trace``): SymPy's where it
    evaluates, else the engine's.

    >>> from sympy import MatrixSymbol, Symbol, Trace, diff
    >>> import sympy_matdiff
    >>> X, Y, t = MatrixSymbol('X', 2, 2), MatrixSymbol('Y', 2, 2), Symbol('t')
    >>> diff(Trace((X + t*Y)**2), t)
    2*Trace((t*Y + X)*Y)
    """
    if _busy() or t not in self.free_symbols:
        return original(self, t)
    return _sympy_or_engine(original, (self, t), t, True, lambda G: G)


def by_scalar(self, t):
    """``_eval_derivative`` for scalar nodes that lack one (``Determinant``,
    the plugin's ``scalar_function``): SymPy leaves ``d|M|/dt`` unevaluated.

    >>> from sympy import Identity, MatrixSymbol, Symbol, det, diff
    >>> import sympy_matdiff
    >>> X, t = MatrixSymbol('X', 2, 2), Symbol('t')
    >>> diff(det(Identity(2) + t*X), t)
    Determinant(t*X + I)*Trace((t*X + I)**(-1)*X)
    """
    if _busy() or t not in self.free_symbols:
        return None     # e.g. a Dummy standing for X[0, 0]: as SymPy leaves it
    try:
        return _engine(self, t)
    except MatrixCalculusError:
        return None         # unevaluated, as SymPy leaves it


__all__ = ["sympy_models", "sympy_shapes", "by_matrix", "matrix_by_scalar",
           "scalar_by_scalar", "by_scalar", "unevaluated"]
