"""Powers X**k with a symbolic integer k (issue 15, part 2).

Closed forms for tr(X^k), det(X^k) and functions of them; a finite Sum over r
where only a sum exists (a.T*X**k*b); a clear error otherwise.  Each result
is checked against finite differences with k given values of its sign.
"""
import pytest
from sympy import (MatrixSymbol, Sum, Symbol, Trace, det, exp, log, sqrt)

from sympy_matdiff import NoRuleError, check, d, derivative
from sympy_matdiff.domains import valid_where
from sympy_matdiff.powers import MatrixSum

k = Symbol("k", integer=True, positive=True)
j = Symbol("j", integer=True, negative=True)
m = Symbol("m", integer=True)           # sign unknown
X = MatrixSymbol("X", 3, 3)
A = MatrixSymbol("A", 3, 3)
a, b = MatrixSymbol("a", 3, 1), MatrixSymbol("b", 3, 1)


def checked(expr, wrt, G, symbol, values):
    for v in values:
        e, r = expr.subs(symbol, v), G.subs(symbol, v)
        # doit() expands the sums, whose limits are numbers now
        report = check(e, wrt, result=r.doit() if r.has(Sum, MatrixSum) else r)
        assert report.ok, (v, r, report)


def test_textbook_closed_forms_in_numerator_layout():
    # Matrix Cookbook (2012): d tr(X^k)/dX = k (X^(k-1))^T and
    # d|X^k|/dX = k |X^k| X^-T, both in denominator layout
    assert derivative(Trace(X**k), X) == k * X**(k - 1)
    assert derivative(Trace(X**k), X, layout="denominator") == \
        (k * X**(k - 1)).T
    assert derivative(det(X**k), X) == k * det(X**k) * X**-1
    assert derivative(det(X**k), X, layout="denominator") == \
        (k * det(X**k) * X**-1).T
    assert derivative(log(det(X**k)), X) == k * X**-1


@pytest.mark.parametrize("expr", [
    Trace(X**k), det(X**k), log(det(X**k)), Trace(X**k)**2,
    exp(Trace(A * X) / 5) * Trace(X**k), sqrt(1 + Trace(X**k)**2),
    a.T * X**k * b, Trace(A * X**k), a.T * X**k * A * X * b,
], ids=str)
def test_positive_symbolic_power(expr):
    G = derivative(expr, X)
    checked(expr, X, G, k, [1, 2, 3, 4])


@pytest.mark.parametrize("expr", [Trace(X**j), det(X**j), a.T * X**j * b],
                         ids=str)
def test_negative_symbolic_power(expr):
    G = derivative(expr, X)
    checked(expr, X, G, j, [-1, -2, -3])


def test_unknown_sign_has_closed_forms_for_trace_and_det_only():
    checked(Trace(X**m), X, derivative(Trace(X**m), X), m, [-2, 0, 1, 3])
    checked(det(X**m), X, derivative(det(X**m), X), m, [-2, 0, 1, 3])
    with pytest.raises(NoRuleError, match="declare it"):
        derivative(a.T * X**m * b, X)


def test_the_sum_is_sympys():
    G = derivative(a.T * X**k * b, X)
    assert isinstance(G, Sum)
    r = G.limits[0][0]
    assert G.function == X**(k - 1 - r) * b * a.T * X**r
    assert G.limits[0][1:] == (0, k - 1)
    assert valid_where(a.T * X**k * b, G) == True   # noqa: E712 (SymPy true)


def test_matrix_valued_results_and_a_varying_exponent_are_refused():
    with pytest.raises(NoRuleError, match="finite sum over r"):
        derivative(X**k, X)
    with pytest.raises(NoRuleError, match="an integer cannot vary"):
        d(Trace(X**k))                  # k taken as a variable
    assert str(d(X**k, X)) == "Sum(X**_r*dX*X**(-_r + k - 1), (_r, 0, k - 1))"


def test_where_closed_forms_hold():
    # tr(X^k) needs nothing for k > 0; det's closed form needs X invertible
    assert valid_where(Trace(X**k), derivative(Trace(X**k), X)) == True  # noqa
    assert str(valid_where(det(X**k), derivative(det(X**k), X))) == \
        "Q.invertible(X)"


def test_derivation_reads_the_sum():
    from sympy_matdiff import derivation
    der = derivation(a.T * X**k * b, X)
    assert der.result == derivative(a.T * X**k * b, X)
    assert "Sum(X**_r*dX" in str(der)
