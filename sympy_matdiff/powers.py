"""Powers X**k with a symbolic integer k: the finite sum d(X^k) and reading it.

For k >= 1, d(X^k) = sum_{r=0}^{k-1} X^r dX X^(k-1-r) (eq. (11) k times);
for k <= -1 the same for X^-1 (eq. (16)).  With k a symbol the sum stays a
sum: :class:`MatrixSum`, a matrix expression (SymPy's ``Sum`` is a scalar
class that a ``MatMul`` refuses).  The closed forms d tr(X^k) =
k tr(X^(k-1) dX) and d|X^k| = k |X^k| tr(X^-1 dX) are rules of their own
(:mod:`sympy_matdiff.rules`); any other scalar use, such as ``a.T*X**k*b``,
is read through the sum: a term tr(P (sum_r A_r dX B_r) Q) is
tr((sum_r G_r) dX) with G_r the trace form of its r-th term, so that the
derivative is SymPy's ``Sum`` of the G_r.

>>> from sympy import MatrixSymbol, Symbol
>>> from sympy_matdiff import d, derivative
>>> k = Symbol('k', integer=True, positive=True)
>>> X = MatrixSymbol('X', 3, 3)
>>> a, b = MatrixSymbol('a', 3, 1), MatrixSymbol('b', 3, 1)
>>> d(X**k, X)
Sum(X**_r*dX*X**(-_r + k - 1), (_r, 0, k - 1))
>>> derivative(a.T*X**k*b, X)
Sum(X**(-_r + k - 1)*b*a.T*X**_r, (_r, 0, k - 1))
"""
from sympy import Add, Basic, Dummy, MatMul, Sum, Trace, sympify
from sympy.matrices.expressions import MatrixExpr

from .errors import NoRuleError


def summation_index():
    """The index r of the sums (one Dummy, so that equal sums are equal)."""
    return _R


_R = Dummy("r", integer=True, nonnegative=True)


class MatrixSum(MatrixExpr):
    """``sum_{r=lo}^{hi} F(r)`` of matrices F(r) of one shape.

    >>> from sympy import MatrixSymbol, Symbol
    >>> k = Symbol('k', integer=True, positive=True)
    >>> X, r = MatrixSymbol('X', 2, 2), summation_index()
    >>> s = MatrixSum(X**r, r, 0, k - 1)
    >>> s.shape, s.subs(k, 3).doit()
    ((2, 2), I + X**2 + X)
    """

    def __new__(cls, term, index, lo, hi):
        return Basic.__new__(cls, sympify(term), index, sympify(lo), sympify(hi))

    term = property(lambda self: self.args[0])
    index = property(lambda self: self.args[1])
    limits = property(lambda self: (self.args[1], self.args[2], self.args[3]))

    @property
    def shape(self):
        return self.term.shape

    def as_sum(self):
        """SymPy's ``Sum`` of the same terms."""
        return Sum(self.term, self.limits)

    def doit(self, **hints):
        term = self.term.doit(**hints) if hints.get("deep", True) else self.term
        lo, hi = self.args[2], self.args[3]
        if (hi - lo).is_Integer:
            from sympy import MatAdd
            parts = [term.subs(self.index, lo + i)
                     for i in range(int(hi - lo) + 1)]
            return MatAdd(*parts).doit() if parts else term * 0
        return self.func(term, self.index, lo, hi)

    def _eval_transpose(self):
        return MatrixSum(self.term.T, *self.limits)

    def _sympystr(self, printer):
        return printer._print(self.as_sum())

    def _latex(self, printer):
        return printer._print(self.as_sum())

    def _pretty(self, printer):
        return printer._print(self.as_sum())


def _sums_with_differential(e):
    from .canonical import has_differential
    return [s for s in e.atoms(MatrixSum) if has_differential(s.term)]


def read_sums(D):
    """Write each scalar term tr(... sum_r(A_r dX B_r) ...) as tr(G dX).

    G = MatrixSum(G_r), G_r the trace form of the r-th term; the
    identification then reads G like any other factor.  A matrix-valued
    term (d(X^k) itself) has no such form: NoRuleError.
    """
    from .canonical import expand_terms, trace_form
    if not isinstance(D, Basic) or not D.has(MatrixSum):
        return D
    if getattr(D, "is_Matrix", False) and D.shape != (1, 1):
        raise NoRuleError(
            f"the differential {D} is a finite sum over r (from a power with "
            "a symbolic exponent); a matrix-valued derivative of it has no "
            "closed form here. Take a trace (tr(X**k)), a determinant "
            "(det(X**k)) or another scalar of it, or give the exponent a value.")
    out = []
    for c, m in expand_terms(D):
        sums = _sums_with_differential(m) if m is not None else []
        if not sums:
            out.append(c if m is None else c * _as_scalar(m))
            continue
        if len(sums) != 1:
            raise NoRuleError(
                f"the term {m} holds several sums over r from symbolic powers; "
                "only one per term is supported.")
        s, = sums
        found = trace_form(m.xreplace({s: s.term}))
        if found is None:
            raise NoRuleError(
                f"the term {m} (a sum over r from a symbolic power) cannot be "
                "written as tr(G dX); give the exponent a value.")
        dX, G = found
        out.append(c * Trace(MatMul(MatrixSum(G, *s.limits), dX)))
    return Add(*out)


def _as_scalar(m):
    return Trace(m) if getattr(m, "is_Matrix", False) else m


def as_sums(G):
    """Results with :class:`MatrixSum` written as SymPy's ``Sum``."""
    if not isinstance(G, Basic) or not G.has(MatrixSum):
        return G
    if isinstance(G, MatrixSum):
        return G.as_sum()
    return G


__all__ = ["MatrixSum", "read_sums", "as_sums", "summation_index"]
