"""Every rule, checked numerically as a directional derivative.

Each case is an expression, the variables that vary, and the rules its
differential must use.  The check evaluates d(f) at a random point and a
random direction and compares it with a central difference of f at 50
digits.  Shapes are rectangular (A 2x3, Y 3x4, B 4x2) so that a transposed
factor cannot pass, and the last test makes sure every declared rule has a
case here.
"""
import pytest
from sympy import (HadamardPower, HadamardProduct, Identity, KroneckerProduct,
                   Lambda, Matrix, MatrixSymbol, OneMatrix, Rational, Symbol,
                   Trace, ZeroMatrix, atan2, cos, det, exp, log, ones, sin,
                   sqrt, tanh, Function)
from sympy.matrices.expressions.diagonal import DiagMatrix

from sympy_matdiff import adj, scalar_function
from sympy_matdiff.differentials import Context, prepare
from sympy_matdiff.numeric import check_differential
from sympy_matdiff.rules import RULES

n = Symbol("n", integer=True, positive=True)
t, s = Symbol("t"), Symbol("s")
u = Symbol("u")
A, B, C = MatrixSymbol("A", 2, 3), MatrixSymbol("B", 4, 2), MatrixSymbol("C", 2, 2)
X, Z = MatrixSymbol("X", 3, 3), MatrixSymbol("Z", 3, 3)
Y, V = MatrixSymbol("Y", 3, 4), MatrixSymbol("V", 3, 4)
x, y = MatrixSymbol("x", 3, 1), MatrixSymbol("y", 4, 1)
W1, W2 = MatrixSymbol("W1", 4, 3), MatrixSymbol("W2", 2, 4)
Xn, An = MatrixSymbol("X", n, n), MatrixSymbol("A", 2, n)
sigma, l = Function("sigma"), scalar_function("l")
sigmoid = Lambda(u, 1 / (1 + exp(-u)))

# (expression, variables (empty: all), rules that must be used)
CASES = [
    (A * Y * B, [A], {"variable", "linear in one factor"}),
    (3 * Y, [], {"scalar multiple"}),
    (t * Y, [Y], {"scalar multiple"}),
    (Y + V, [], {"sum"}),
    (A * Y * B + C, [Y], {"affine in one factor"}),
    (3 * A * Y + A * V, [Y], {"affine in one factor"}),
    (A * Y * B + C, [Y, C], {"sum", "linear in one factor"}),
    (Y * V.T, [], {"product"}),
    (t * Y, [], {"product"}),
    (A * Y * V.T * X, [Y, V, X], {"product of n factors"}),
    (t * s * exp(t), [], {"product of n factors"}),
    (KroneckerProduct(A, Y), [], {"Kronecker product"}),
    (KroneckerProduct(A, Y, B), [A, B], {"Kronecker product"}),
    (HadamardProduct(Y, X * V), [], {"Hadamard product"}),
    (Y.T, [], {"transpose"}),
    ((A * Y).T * A, [Y], {"transpose"}),
    (X.inverse(), [], {"inverse"}),
    ((A.T * A + X).inverse(), [A, X], {"inverse"}),
    (Trace(A * Y * B), [Y], {"trace"}),
    (Trace(Y.T * Y), [], {"trace", "product"}),
    (det(X), [], {"determinant"}),
    (det(Y * Y.T + X), [], {"determinant"}),
    (log(det(X)), [], {"determinant", "scalar chain rule"}),
    (adj(X), [], {"adjugate"}),
    (adj(Y * Y.T + X), [Y], {"adjugate"}),
    (Trace(adj(X) * Z), [], {"adjugate"}),
    (Y.applyfunc(sin), [], {"element-wise function"}),
    (Y.applyfunc(tanh), [], {"element-wise function"}),
    (Y.applyfunc(cos), [Y], {"element-wise function"}),
    ((W1 * x).applyfunc(sigmoid), [W1], {"element-wise function"}),
    ((W1 * x).applyfunc(sigma), [W1, x], {"element-wise function"}),
    (Y.applyfunc(Lambda(u, exp(2 * u) + u**3)), [], {"element-wise function"}),
    (Y.applyfunc(Lambda(u, 3 * u)), [], {"element-wise function"}),
    (HadamardPower(Y, 3), [], {"Hadamard power"}),
    (HadamardPower(Y, Rational(1, 2) + 2), [], {"Hadamard power"}),
    (HadamardPower(Y, 2), [], {"Hadamard power"}),
    (HadamardPower(Y, -1), [], {"Hadamard power"}),
    (X**3, [], {"integer matrix power"}),
    (X**-2, [], {"integer matrix power"}),
    ((A.T * A + X)**2, [A], {"integer matrix power"}),
    ((x.T * x)**Rational(1, 2), [], {"power of a 1x1 matrix"}),
    ((x.T * X * x)**-1, [], {"inverse"}),
    ((x.T * x)**3, [], {"power of a 1x1 matrix"}),
    (l(W2 * (W1 * x).applyfunc(sigma)), [W1, W2], {"scalar function of a vector"}),
    (l(Y * B), [], {"scalar function of a matrix"}),
    (exp(x.T * x), [], {"scalar chain rule"}),
    (sqrt(Trace(Y.T * Y)), [], {"scalar chain rule"}),
    (sin(det(X)) * Y, [], {"scalar chain rule", "product"}),
    (log(Trace(X * X.T)) + t**2, [], {"scalar chain rule", "sum"}),
    (sigma(Trace(X)), [], {"scalar chain rule"}),
    (atan2(Trace(X), t), [], {"total differential"}),
    (Trace(X)**Trace(Z), [], {"total differential"}),
    (Matrix([[t**2, sin(t) * s], [s, t * exp(s)]]), [], {"explicit matrix"}),
    (Matrix([[t, 1, s]]) * Y, [], {"explicit matrix"}),
    ((X * Y)[1, 2], [], {"matrix entry"}),
    (X[0, 1] * Y, [], {"matrix entry"}),
    (Identity(3) + X + ones(3, 3) + OneMatrix(3, 3) + ZeroMatrix(3, 3),
     [], {"sum"}),
    (Identity(3) + ones(3, 3) + OneMatrix(3, 3), [X], {"constant"}),
    (Trace(Z) * Y, [X], {"constant"}),
    (x.T * x, [], {"variable"}),
    (t * X + s * Z, [t], {"variable"}),
    (A * DiagMatrix(x) * Y, [x, A], {"diagonal matrix of a vector"}),
    (DiagMatrix(x.T) * Y, [], {"diagonal matrix of a vector"}),
    # symbolic dimensions
    (Trace(An * Xn * An.T), [Xn], {"trace"}),
    (log(det(Xn)), [], {"determinant"}),
    (Xn.inverse() * An.T, [Xn, An], {"inverse"}),
]


def _rules_used(expr, wrt):
    from sympy_matdiff.differentials import variables_of
    e = prepare(expr)
    ctx = Context(wrt or variables_of(e))
    ctx.d(e)
    return {r.name for r in ctx.used}


@pytest.mark.parametrize("expr, wrt, rules", CASES, ids=[str(c[0])[:60] for c in CASES])
def test_rule_numerically(expr, wrt, rules):
    used = _rules_used(expr, wrt)
    assert rules <= used, f"expected rules {rules - used} to be used"
    report = check_differential(expr, *wrt)
    assert report.ok, str(report)


def test_every_rule_has_a_numeric_case():
    used = set()
    for expr, wrt, _ in CASES:
        used |= _rules_used(expr, wrt)
    declared = {r.name for r in RULES if r.eq} | {"diagonal matrix of a vector"}
    # the generic-function guard is an error, tested in test_errors
    assert declared - used == set()


def test_rule_records_are_complete():
    for r in RULES:
        assert r.name and r.why and r.on
        if r.eq:
            assert r.identity, r.name
            for part in r.eq.split(","):
                assert 1 <= int(part) <= 27
