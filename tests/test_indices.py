"""Index notation (issue 15, part 4): SymPy's sums over entries read back
into matrix form and differentiated, or refused with a message that says
to use Trace or the 1x1 matrix itself."""
import pytest
from sympy import MatrixSymbol, Sum, Symbol, Trace, exp

from sympy_matdiff import NoRuleError, check, d, derivation, derivative
from sympy_matdiff.indices import as_matrix_form

n = Symbol("n", integer=True, positive=True)
m = Symbol("m", integer=True, positive=True)
i = Symbol("i", integer=True)
x, S = MatrixSymbol("x", n, 1), MatrixSymbol("S", n, n)
a, b = MatrixSymbol("a", n, 1), MatrixSymbol("b", m, 1)
X = MatrixSymbol("X", n, m)


@pytest.mark.parametrize("entry, matrix_form, wrt", [
    ((x.T * S * x)[0, 0], x.T * S * x, x),
    ((x.T * S * x)[0, 0], x.T * S * x, S),
    ((a.T * X * b)[0, 0], a.T * X * b, X),
    ((x.T * x)[0, 0], x.T * x, x),
], ids=str)
def test_entry_of_a_1x1_product_is_read_as_the_product(entry, matrix_form, wrt):
    assert isinstance(entry, Sum)
    assert as_matrix_form(entry) == Trace(matrix_form)
    G = derivative(entry, wrt)
    assert G == derivative(matrix_form, wrt)
    assert check(entry, wrt, result=G).ok


def test_functions_of_index_sums_and_derivations():
    e = exp((x.T * S * x)[0, 0] / 4)
    assert check(e, x).ok
    der = derivation((x.T * S * x)[0, 0], x)
    assert "index summation" in str(der) and der.result == derivative(
        x.T * S * x, x)
    assert d((x.T * S * x)[0, 0], x) == d(Trace(x.T * S * x), x)


def test_a_sum_that_does_not_read_back_is_refused_with_the_way_out():
    k = Symbol("k", integer=True)
    for bad in [Sum(x[k, 0]**3, (k, 0, n - 1)), Sum(exp(x[k, 0]), (k, 0, n - 1))]:
        with pytest.raises(NoRuleError, match=r"Trace\(\.\.\.\) of the 1x1"):
            derivative(bad, x)
    t = Symbol("t")
    with pytest.raises(NoRuleError, match="no matrix entries"):
        derivative(Sum(t**k, (k, 0, n)), t)
