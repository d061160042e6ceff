"""Index notation: SymPy's ``Sum`` over matrix entries read back as matrices.

With symbolic sizes, SymPy writes an entry of a product as a sum over
indices: ``(x.T*S*x)[0, 0]`` is ``Sum(S[i, j]*x[i, 0]*x[j, 0], (i, 0, n - 1),
(j, 0, n - 1))``.  :func:`as_matrix_form` reads such a sum back into matrix
form with SymPy's ``MatrixExpr.from_index_summation``; the entry [0, 0] of a
1x1 product is its trace (x = tr(x)), which the rules differentiate.  A sum
that does not read back gets :class:`~sympy_matdiff.errors.NoRuleError`
saying to write ``Trace`` or the 1x1 matrix itself.

>>> from sympy import MatrixSymbol, Symbol
>>> from sympy_matdiff import derivative
>>> n = Symbol('n', integer=True, positive=True)
>>> x, S = MatrixSymbol('x', n, 1), MatrixSymbol('S', n, n)
>>> e = (x.T*S*x)[0, 0]
>>> type(e).__name__, as_matrix_form(e)
('Sum', Trace(x.T*S*x))
>>> derivative(e, x)
x.T*(S + S.T)
"""
from sympy import Mul, Pow, Sum, Trace
from sympy.matrices.expressions import MatrixExpr
from sympy.matrices.expressions.matexpr import MatrixElement

from .errors import NoRuleError


def _refuse(expr, why):
    return NoRuleError(
        f"the index sum {expr} {why}; write the scalar as Trace(...) of the "
        "1x1 product (Trace(x.T*S*x)), or use the 1x1 matrix itself "
        "(x.T*S*x) instead of its entry [0, 0].")


def as_matrix_form(expr):
    """``expr``, a ``Sum`` over matrix entries, as a matrix expression.

    An entry of a 1x1 product becomes its trace; any other entry stays an
    entry of the product.
    """
    if not expr.has(MatrixElement):
        raise NoRuleError(
            f"no differential rule for the sum {expr}, which runs over no "
            "matrix entries; with numeric limits write it out (.doit()).")
    # SymPy writes x_i x_i as x_i**2, which from_index_summation cannot read
    squares = expr.replace(
        lambda e: isinstance(e, Pow) and e.exp == 2 and isinstance(
            e.base, MatrixElement), lambda e: Mul(e.base, e.base, evaluate=False))
    try:
        form = MatrixExpr.from_index_summation(squares)
    except Exception as e:      # SymPy raises various errors on what it cannot read
        raise _refuse(expr, f"cannot be read as a matrix product ({e})") from None
    if form.has(Sum):
        raise _refuse(expr, "cannot be read as a matrix product")
    if isinstance(form, MatrixElement) and form.parent.shape == (1, 1):
        return Trace(form.parent)
    if getattr(form, "is_Matrix", False):
        if form.shape == (1, 1):
            return Trace(form)
        raise _refuse(expr, f"reads as the {form.shape[0]}x{form.shape[1]} "
                      f"matrix {form}, not a scalar")
    return form


__all__ = ["as_matrix_form"]
