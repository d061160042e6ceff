"""Exact forms of the seed's identities and worked examples."""
from sympy import Function, HadamardProduct, MatrixSymbol, Trace, det, log

from sympy_matdiff import Differential, d, scalar_function
from sympy_matdiff.expressions import Elementwise, FunctionGradient, prime
from sympy_matdiff.numeric import check_differential
from sympy_matdiff.examples import SEED_EXAMPLES

x = MatrixSymbol("x", 3, 1)
X = MatrixSymbol("X", 3, 3)
A, Y, B = MatrixSymbol("A", 2, 3), MatrixSymbol("Y", 3, 4), MatrixSymbol("B", 4, 2)
W, b = MatrixSymbol("W", 2, 3), MatrixSymbol("b", 2, 1)
dx, dX, dY, dW = (Differential(s) for s in (x, X, Y, W))


def test_eg1_x_transpose_x():
    assert d(x.T * x) == 2 * x.T * dx
    assert str(d(x.T * x)) == "2*x.T*dx"


def test_eg2_norm_squared():
    e = (W * x + b).T * (W * x + b)
    assert str(d(e, W)) == "2*(W*x + b).T*dW*x"


def test_eg3_log_det():
    assert d(log(det(X))) == Trace(X**-1 * dX)


def test_eg4_trace():
    assert d(Trace(A * Y * B), Y) == Trace(A * dY * B)


def test_eg5_two_layer_network():
    W1, W2 = MatrixSymbol("W1", 4, 3), MatrixSymbol("W2", 2, 4)
    sigma, l = Function("sigma"), scalar_function("l")
    hidden = Elementwise(sigma, W1 * x)
    f = l(W2 * (W1 * x).applyfunc(sigma))
    g = FunctionGradient(l(W2 * hidden))
    assert d(f, W2) == g * Differential(W2) * hidden
    assert d(f, W1) == g * W2 * HadamardProduct(
        Elementwise(prime(sigma), W1 * x), Differential(W1) * x).doit()
    assert str(d(f, W2)) == "dl/dy(W2*sigma(W1*x))*dW2*sigma(W1*x)"


def test_eg6_inverse():
    assert d(X**-1) == -X**-1 * dX * X**-1


def test_eg6_proof_by_product_rule():
    # d(X^-1 X) = d(X^-1) X + X^-1 dX = d(I) = 0, by eq. (10)
    from sympy_matdiff.canonical import canonical
    assert canonical(d(X**-1) * X + X**-1 * dX, X).is_ZeroMatrix


def test_identities_as_printed():
    Xb, Yb = MatrixSymbol("X", 3, 3), MatrixSymbol("Y", 3, 3)
    dXb, dYb = Differential(Xb), Differential(Yb)
    assert d(Xb * Yb) == dXb * Yb + Xb * dYb                         # (10)
    assert d(Xb + Yb) == dXb + dYb                                   # (9)
    assert d(Xb.T) == dXb.T                                          # (15)
    assert d(Trace(Xb)) == Trace(dXb)                                # (17)
    assert d(det(Xb)) == det(Xb) * Trace(Xb**-1 * dXb)               # (18)
    assert d(HadamardProduct(Xb, Yb)) == HadamardProduct(dXb, Yb) + \
        HadamardProduct(Xb, dYb)                                     # (14)
    assert d(Trace(Xb * Yb)) == Trace(dXb * Yb) + Trace(Xb * dYb)    # (24)


def test_like_terms_are_collected():
    assert str(d(Trace(x.T * x))) == "2*Trace(x.T*dx)"
    assert str(d(Trace(X.T * X))) == "2*Trace(X.T*dX)"
    # x^T A x: the two terms differ (A is not symmetric) and stay apart
    Asq = MatrixSymbol("A", 3, 3)
    assert d(x.T * Asq * x, x) == x.T * Asq * dx + x.T * Asq.T * dx


def test_seed_examples_are_right_numerically():
    for ex in SEED_EXAMPLES:
        assert check_differential(ex.expr, ex.wrt).ok, ex.name
