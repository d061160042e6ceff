"""Differentials: the ``dX`` objects and the operator ``d``.

``Differential(X)`` is the differential of ``X``: for a ``MatrixSymbol`` a
matrix expression of X's shape, for a scalar a :class:`ScalarDifferential`.
``d(expr)`` evaluates the differential of an expression by the identities
declared in :mod:`sympy_matdiff.rules`, then brings it to the canonical form of
:mod:`sympy_matdiff.canonical`.

>>> from sympy import MatrixSymbol, Symbol, log, det
>>> from sympy_matdiff import d
>>> x, X = MatrixSymbol('x', 3, 1), MatrixSymbol('X', 3, 3)
>>> d(X)
dX
>>> d(x.T*x)
2*x.T*dx
>>> d(log(det(X)))
Trace(X**(-1)*dX)
"""
from sympy import (Basic, Expr, Function, HadamardProduct, ImmutableMatrix,
                   KroneckerProduct,
                   MatAdd, MatMul, MatrixBase, MatrixSymbol, Pow, S, Symbol, Trace,
                   preorder_traversal, sympify)
from sympy import Adjoint, conjugate
from sympy.matrices.expressions import MatrixExpr
from sympy.core.cache import cacheit
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.pretty.stringpict import prettyForm

from .errors import (DimensionError, ExpressionError, NoRuleError, NotASymbolError,
                     NotRealError, ShapeMismatchError, guard_depth)


def _is_atom(arg):
    return isinstance(arg, (Symbol, MatrixSymbol))


class _DifferentialPrinting:
    """Printers shared by the matrix and the scalar differential."""

    def _sympystr(self, printer):
        arg = printer._print(self.args[0])
        return f"d{arg}" if _is_atom(self.args[0]) or \
            isinstance(self.args[0], MatrixElement) else f"d({arg})"

    def _latex(self, printer, exp=None):
        arg = printer._print(self.args[0])
        s = r"\mathrm{d}%s" % arg if _is_atom(self.args[0]) else \
            r"\mathrm{d}\left(%s\right)" % arg
        return s if exp is None else r"\left(%s\right)^{%s}" % (s, exp)

    def _pretty(self, printer):
        form = printer._print(self.args[0])
        if not _is_atom(self.args[0]):
            form = prettyForm(*form.parens())
        return prettyForm(*form.left("d"))


class Differential(_DifferentialPrinting, MatrixExpr):
    """The differential ``dX`` of a matrix ``X`` (unevaluated ``d(X)``).

    ``Differential`` of a scalar gives a :class:`ScalarDifferential`.  Of a
    symbol it is an independent variable (the direction ``dX``); of any other
    expression it stands for ``d(expr)`` unevaluated, which ``doit()``
    evaluates.  Substituting ``X -> g(Y)`` thus turns ``dX`` into ``d(g(Y))``,
    which is the chain rule.

    >>> from sympy import MatrixSymbol, Symbol, latex
    >>> from sympy_matdiff import Differential
    >>> n = Symbol('n')
    >>> X, Y = MatrixSymbol('X', n, 2), MatrixSymbol('Y', 2, 2)
    >>> dX = Differential(X)
    >>> dX, dX.shape, latex(dX)
    (dX, (n, 2), '\\\\mathrm{d}X')
    >>> Differential(Y).subs(Y, 2*Y.T).doit()
    2*dY.T
    >>> Differential(Y).as_explicit()
    Matrix([
    [dY[0, 0], dY[0, 1]],
    [dY[1, 0], dY[1, 1]]])
    """

    def __new__(cls, arg):
        arg = sympify(arg)
        if not arg.is_Matrix:
            return ScalarDifferential(arg)
        if isinstance(arg, MatrixBase):
            arg = ImmutableMatrix(arg)
        return Basic.__new__(cls, arg)

    @property
    def arg(self):
        return self.args[0]

    @property
    def shape(self):
        return self.arg.shape

    def _entry(self, i, j, **kwargs):
        return ScalarDifferential(self.arg[i, j])

    def doit(self, **hints):
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        if _is_atom(arg):
            return Differential(arg)
        return d(arg)

    def _eval_derivative(self, x):
        # A direction dX does not depend on the point X.
        from sympy import ZeroMatrix
        return ZeroMatrix(*self.shape)


class ScalarDifferential(_DifferentialPrinting, Expr):
    """The differential ``dx`` of a scalar (unevaluated ``d(x)``).

    >>> from sympy import Symbol
    >>> from sympy_matdiff import d
    >>> t = Symbol('t')
    >>> d(t), d(t**2)
    (dt, 2*t*dt)
    """

    is_commutative = True

    def __new__(cls, arg):
        arg = sympify(arg)
        if arg.is_Number:
            return S.Zero
        return Expr.__new__(cls, arg)

    @property
    def arg(self):
        return self.args[0]

    def doit(self, **hints):
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        if _is_atom(arg) or isinstance(arg, MatrixElement):
            return ScalarDifferential(arg)
        return d(arg)

    def _eval_derivative(self, x):
        return S.Zero


DIFFERENTIALS = (Differential, ScalarDifferential)


def zero_like(expr):
    """The zero of ``expr``'s shape: ``ZeroMatrix`` or ``0``."""
    from sympy import ZeroMatrix
    return ZeroMatrix(*expr.shape) if expr.is_Matrix else S.Zero


class Context:
    """Which symbols vary, and how a rule takes the differential of a part.

    Rules call ``ctx.d(part)``; here that evaluates recursively.  A derivation
    context can instead return ``Differential(part)`` unevaluated, so that the
    same rule declarations show one step at a time.
    """

    def __init__(self, variables):
        self.variables = frozenset(variables)
        self._varies = {}
        self._d = {}
        self.used = []      # the rules applied, in order

    def varies(self, expr):
        """Does a variable occur in ``expr`` outside a differential?"""
        if expr in self._varies:
            return self._varies[expr]
        if expr in self.variables:
            out = True
        elif isinstance(expr, DIFFERENTIALS) or not expr.args:
            out = False
        else:
            out = any(self.varies(a) for a in expr.args)
        self._varies[expr] = out
        return out

    def d(self, expr):
        if expr not in self._d:
            from .rules import rule_for
            r = rule_for(expr, self)
            self.used.append(r)
            self._d[expr] = r.apply(expr, self)
        return self._d[expr]


def variables_of(expr):
    """The symbols that vary in a total differential of ``expr``.

    Every ``MatrixSymbol`` and every scalar ``Symbol`` that is not a dimension.
    """
    msyms = expr.atoms(MatrixSymbol)
    dims = set().union(*(m.shape[0].free_symbols | m.shape[1].free_symbols
                         for m in msyms)) if msyms else set()
    scalars = {s for s in expr.free_symbols
               if isinstance(s, Symbol) and s not in dims}
    return msyms | scalars


def _check_variable(v):
    if isinstance(v, (Symbol, MatrixSymbol)):
        return check_input(v)
    raise NotASymbolError(
        f"cannot differentiate with respect to {v} ({type(v).__name__}): "
        "wrt must be a Symbol or MatrixSymbol. To differentiate with respect "
        f"to an expression, give it a name, e.g. Y = MatrixSymbol('Y', ...), "
        "and substitute it.")


def scalarize(expr):
    """Write 1x1 matrices used as scalar arguments as traces (x = tr(x)).

    SymPy builds ``exp(x.T*x)`` as a non-commutative object that cannot be
    multiplied by a matrix; ``exp(tr(x.T*x))`` is the same number and can.
    """
    def bad(e):
        return isinstance(e, (Function, Pow)) and not e.is_Matrix and any(
            getattr(a, "is_Matrix", False) for a in e.args)

    def fix(e):
        args = []
        for a in e.args:
            if getattr(a, "is_Matrix", False):
                if a.shape != (1, 1):
                    raise NoRuleError(
                        f"{e.func} is applied to the {a.shape[0]}x{a.shape[1]} "
                        f"matrix {a}; a scalar function takes a scalar. For an "
                        "element-wise function use X.applyfunc(f), for a "
                        "generic function of a matrix use scalar_function().")
                a = Trace(a)
            args.append(a)
        return e.func(*args)
    if not isinstance(expr, Basic) or not any(bad(e) for e in nodes(expr)):
        return expr
    return expr.replace(bad, fix)


@cacheit
def nodes(expr):
    """The distinct subexpressions of ``expr``, in the order of a preorder
    walk: one walk tells :func:`prepare`'s checks and rewrites which kinds of
    node occur, so that a rewrite with nothing to rewrite is not walked."""
    return tuple(dict.fromkeys(preorder_traversal(expr)))


def _of_type(expr, *types):
    """``expr.atoms(*types)`` (the same set, built in the same order)."""
    return {e for e in nodes(expr) if isinstance(e, types)}


def check_input(expr):
    """Refuse what the rules do not cover: complex values, bad dimensions.

    The identities are those of real matrices (d(X^T) = (dX)^T, not the
    conjugate transpose); a symbol declared complex or imaginary, or the
    imaginary unit, gets :class:`NotRealError`.  A matrix symbol whose
    dimension is negative or not an integer (SymPy refuses to build one, but
    ``Basic.__new__`` does not check) gets :class:`DimensionError`.

    >>> from sympy import I, MatrixSymbol, Symbol, Trace
    >>> from sympy_matdiff.differentials import check_input
    >>> X = MatrixSymbol('X', 2, 2)
    >>> check_input(Trace(X))
    Trace(X)
    >>> check_input(Symbol('z', complex=True)*Trace(X))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sympy_matdiff.errors.NotRealError: z is declared complex; ...
    """
    if isinstance(expr, str):
        # sympify would read "tr(X)" as an unknown function of a scalar X,
        # whose derivative by the matrix X is a silent 0
        raise ExpressionError(
            f"{expr!r} is a string; pass a SymPy expression built from "
            "MatrixSymbol objects (Trace(X), X.T*X, ...), or read the text with "
            "sympy_matdiff.parser.parse (the matdiff command's language).")
    if not isinstance(expr, Basic):
        return expr
    return _checked(expr)


@cacheit    # derivative() checks its input, then d() the same expression
def _checked(expr):
    for s in expr.free_symbols:
        if isinstance(s, Symbol) and s.is_real is not True and (
                s.is_complex or s.is_real is False):
            raise NotRealError(
                f"{s} is declared complex; the differential rules hold for real "
                "matrices and scalars only. Declare it real (Symbol(..., "
                "real=True)) or split it into real and imaginary parts.")
    if _of_type(expr, Adjoint, conjugate):
        raise NotRealError(
            f"{expr} takes a conjugate or a conjugate transpose; the "
            "differential rules hold for real matrices, where conjugate(X) is "
            "X and X.adjoint() is X.T: write those instead.")
    if S.ImaginaryUnit in nodes(expr):
        raise NotRealError(
            f"{expr} has the imaginary unit I; the differential rules hold for "
            "real matrices and scalars only. Split complex quantities into "
            "real and imaginary parts.")
    for m in _of_type(expr, MatrixSymbol):
        for n in m.shape:
            if n.is_integer is False or n.is_negative:
                raise DimensionError(
                    f"the matrix symbol {m} has the dimension {n}; dimensions "
                    "must be nonnegative integers (numbers, or symbols declared "
                    "integer=True, positive=True).")
    for node in _of_type(expr, MatMul, MatAdd, HadamardProduct):
        _check_shapes(node)
    return expr


def _differ(a, b):
    return (a - b).is_zero is False


def _check_shapes(node):
    # SymPy checks shapes when it builds these, unless told not to (check=False)
    # or unless the dimensions are symbols it cannot compare
    mats = [a for a in node.args if getattr(a, "is_Matrix", False)]
    if isinstance(node, MatMul):
        bad = [(a, b) for a, b in zip(mats, mats[1:]) if _differ(a.cols, b.rows)]
        what = "multiplied"
    else:
        bad = [(mats[0], b) for b in mats[1:] if _differ(mats[0].rows, b.rows)
               or _differ(mats[0].cols, b.cols)]
        what = "added" if isinstance(node, MatAdd) else "multiplied entry-wise"
    if bad:
        a, b = bad[0]
        # (the node itself: SymPy's printer fails on a product it would refuse)
        raise ShapeMismatchError(
            f"{a} ({a.shape[0]}x{a.shape[1]}) and {b} ({b.shape[0]}x"
            f"{b.shape[1]}) cannot be {what} (in a {type(node).__name__}); fix "
            "the shapes of the matrix symbols.")


def prepare(expr):
    """``expr`` as the rules expect it, the same value in SymPy's classes.

    1x1 matrices used as scalars become traces (:func:`scalarize`),
    SymPy's element-wise functions become :class:`~.expressions.Elementwise`,
    which prints them as the seed does (``sigma(X)``), and the Kronecker
    product of a column and a row becomes their outer product
    (``a ⊗ b^T = b^T ⊗ a = a b^T``; SymPy's trace of the Kronecker form takes
    traces of the non-square factors).

    >>> from sympy import Function, MatrixSymbol, exp
    >>> from sympy_matdiff.differentials import prepare
    >>> x = MatrixSymbol('x', 3, 1)
    >>> prepare(exp(x.T*x)), prepare(x.applyfunc(Function('sigma')))
    (exp(Trace(x.T*x)), sigma(x))
    """
    from .expressions import Elementwise
    from .functions import RECOGNISED, recognise
    expr = check_input(expr)    # a string: refused
    if not isinstance(expr, Basic):
        expr = check_input(sympify(expr))
    if isinstance(expr, MatrixBase):
        return ImmutableMatrix(expr)
    expr = scalarize(expr)
    # each rewrite only where a node of its kind occurs
    if any(type(e) is ElementwiseApplyFunction for e in nodes(expr)):
        expr = expr.replace(lambda e: type(e) is ElementwiseApplyFunction,
                            lambda e: Elementwise(*e.args))
    if any(_outer_kronecker(e) for e in nodes(expr)):
        expr = expr.replace(_outer_kronecker, _as_outer)
    if _of_type(expr, *RECOGNISED):
        expr = recognise(expr)
    return expr


def _outer_kronecker(e):
    return isinstance(e, KroneckerProduct) and len(e.args) == 2 and sorted(
        (a.shape[0] == 1, a.shape[1] == 1) for a in e.args) == [
            (False, True), (True, False)]


def _as_outer(e):
    column, row = sorted(e.args, key=lambda a: a.shape[0] == 1)
    return MatMul(column, row)


@guard_depth
def d(expr, *wrt):
    """The differential of ``expr``.

    With ``wrt``, only those symbols vary (a partial differential); without,
    every free ``MatrixSymbol`` and scalar ``Symbol`` does (the total
    differential, eq. (24)-(27)).  The result is linear in the differentials
    ``dX`` and in canonical form.

    >>> from sympy import MatrixSymbol, Trace
    >>> from sympy_matdiff import d
    >>> A, X, B = (MatrixSymbol('A', 2, 3), MatrixSymbol('X', 3, 4),
    ...            MatrixSymbol('B', 4, 2))
    >>> d(Trace(A*X*B), X)
    Trace(A*dX*B)
    >>> X, Y = MatrixSymbol('X', 3, 3), MatrixSymbol('Y', 3, 3)
    >>> d(Trace(X*Y))
    Trace(dX*Y) + Trace(X*dY)
    >>> d(Trace(X*Y), Y)
    Trace(X*dY)
    """
    return d_prepared(prepare(expr), *wrt)


def d_prepared(expr, *wrt):
    """:func:`d` of an expression that :func:`prepare` has already written as
    the rules expect it (so that :func:`~sympy_matdiff.derivative`, which
    prepares its input, does not check and rewrite it a second time)."""
    from .canonical import canonical
    variables = [_check_variable(v) for v in wrt] if wrt else variables_of(expr)
    return canonical(Context(variables).d(expr), expr)


__all__ = ["Differential", "ScalarDifferential", "d", "Context", "zero_like",
           "variables_of", "scalarize", "prepare"]
