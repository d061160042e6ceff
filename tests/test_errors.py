"""Bad input gets a specific error that says what to do, never a silent 0."""
import pytest
from sympy import (Function, Lambda, MatrixSymbol, Rational, S, Symbol, Trace,
                   ZeroMatrix, det, exp)

from sympy_matdiff import (MatrixCalculusError, NoRuleError, NotASymbolError,
                           NotSquareError, ScalarDerivativeError, adj, d,
                           scalar_function)
from sympy_matdiff.expressions import FunctionGradient

n, m, k = (Symbol(c, integer=True, positive=True) for c in "nmk")
X, A = MatrixSymbol("X", 3, 3), MatrixSymbol("A", 2, 3)
An = MatrixSymbol("A", n, m)
Y = MatrixSymbol("Y", 3, 4)
t, u = Symbol("t"), Symbol("u")


class opaque(Function):
    """A function SymPy cannot differentiate (no fdiff)."""


BAD = [
    # (callable, exception class, words the message must contain)
    (lambda: d(X[:2, :]), NoRuleError, ["MatrixSlice", "docs/rules.md"]),
    (lambda: d(opaque(Trace(X))), ScalarDerivativeError, ["opaque", "fdiff"]),
    (lambda: d(det(An)), NotSquareError, ["det()", "square"]),
    (lambda: d(An.inverse()), NotSquareError, ["inverse", "square"]),
    (lambda: adj(A), NotSquareError, ["adj()", "square"]),
    (lambda: d(adj(An)), NotSquareError, ["adj()", "square"]),
    (lambda: d(X, X.T), NotASymbolError, ["Symbol or MatrixSymbol"]),
    (lambda: d(X, 2 * X), NotASymbolError, ["wrt"]),
    (lambda: d(Trace(X), Trace(X)), NotASymbolError, ["wrt"]),
    (lambda: d(X**Rational(1, 2)), NoRuleError, ["integer powers"]),
    (lambda: d(X**k), NoRuleError, ["integer powers"]),
    (lambda: d(Y.applyfunc(Lambda(u, t * u))), NoRuleError,
     ["element-wise", "constant"]),
    (lambda: d(exp(X)), NoRuleError, ["applyfunc", "scalar_function"]),
    (lambda: d(FunctionGradient(scalar_function("l")(Y))), NoRuleError,
     ["second derivative", "concrete"]),
]


@pytest.mark.parametrize("call, error, words", BAD)
def test_bad_input(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, MatrixCalculusError)
    for w in words:
        assert w in str(info.value)


def test_non_square_numeric_det_is_refused_by_sympy_itself():
    with pytest.raises(ValueError):
        det(A)


def test_variable_that_does_not_occur_gives_a_zero_of_the_right_shape():
    Z = MatrixSymbol("Z", 3, 3)
    assert d(X, Z) == ZeroMatrix(3, 3)
    assert d(A * X, Z) == ZeroMatrix(2, 3)
    assert d(Trace(X), Z) == S.Zero
    assert d(Trace(X), t) == S.Zero
