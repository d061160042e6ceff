"""derivative(), hessian() and check(): shapes, layouts, exact textbook forms."""
import numpy
import pytest
from sympy import (Function, HadamardProduct, Identity, KroneckerProduct,
                   MatrixSymbol, Symbol, Trace, ZeroMatrix, det, exp, lambdify,
                   log, sin, transpose)

from sympy_matdiff import (IdentificationError, LayoutError, MatrixCalculusError,
                           NotASymbolError, check, derivative, hessian,
                           scalar_function)
from sympy_matdiff.expressions import Elementwise, FunctionGradient, prime
from sympy_matdiff.numeric import check_hessian, evaluate, random_point
from sympy_matdiff.vec import CommutationMatrix

n = Symbol("n", integer=True, positive=True)
t = Symbol("t")
x, a = MatrixSymbol("x", 3, 1), MatrixSymbol("a", 3, 1)
y = MatrixSymbol("y", 4, 1)
A, B = MatrixSymbol("A", 2, 3), MatrixSymbol("B", 4, 2)
X, S = MatrixSymbol("X", 3, 4), MatrixSymbol("S", 3, 3)
M = MatrixSymbol("M", 4, 3)
W, b = MatrixSymbol("W", 2, 3), MatrixSymbol("b", 2, 1)

# one case per shape pair: (expr, wrt, numerator shape)
SHAPE_PAIRS = [
    (sin(t) * t, t, None),                    # scalar by scalar
    (a.T * S * x, x, (1, 3)),                 # scalar by vector
    (Trace(A * X * B), X, (4, 3)),            # scalar by matrix
    (M * x, x, (4, 3)),                       # vector by vector
    (exp(t) * X + t**2 * X, t, (3, 4)),       # matrix by scalar
    (A * X * B, X, (4, 12)),                  # matrix by matrix
    (X.T * S, X, (12, 12)),
]


@pytest.mark.parametrize("expr, wrt, shape", SHAPE_PAIRS)
@pytest.mark.parametrize("layout", ["numerator", "denominator", "mixed"])
def test_every_layout_on_every_shape_pair(expr, wrt, shape, layout):
    G = derivative(expr, wrt, layout)
    if shape is not None:
        scalar_by_array = wrt.is_Matrix and (not expr.is_Matrix or expr.shape == (1, 1))
        turned = layout == "denominator" or (layout == "mixed" and scalar_by_array)
        assert G.shape == (shape[::-1] if turned else shape)
    assert check(expr, wrt, result=G, layout=layout, points=1).ok


def test_unknown_layout_is_refused():
    with pytest.raises(LayoutError, match="numerator, denominator, mixed"):
        derivative(x.T * x, x, layout="Numerator")


def test_tuple_of_variables_gives_a_tuple_of_partials():
    f = (W * x + b).T * (W * x + b)
    gW, gb = derivative(f, (W, b))
    assert str(gW) == "2*x*(W*x + b).T"
    assert str(gb) == "2*(W*x + b).T"


# --- exact forms: the seed and the textbooks -------------------------------

def test_seed_textbook_forms():
    Sq = MatrixSymbol("X", 3, 3)
    assert derivative(x.T * x, x) == 2 * x.T                       # E.g. 1
    assert str(derivative(x.T * x, x)) == "2*x.T"
    assert str(derivative((W * x + b).T * (W * x + b), W)) == "2*x*(W*x + b).T"  # 2
    assert derivative(log(det(Sq)), Sq) == Sq**-1                  # E.g. 3
    assert derivative(Trace(A * X * B), X) == B * A                # E.g. 4
    assert derivative(Sq**-1, Sq) == -KroneckerProduct(transpose(Sq**-1), Sq**-1)
    assert str(derivative(Sq**-1, Sq)) == "-(KroneckerProduct(X.T**(-1), X**(-1)))"
    assert derivative(x.T * S * x, x) == x.T * (S + S.T)
    assert str(derivative(x.T * S * x, x)) == "x.T*(S + S.T)"


def test_seed_eg5_two_layer_network():
    W1, W2 = MatrixSymbol("W1", 4, 3), MatrixSymbol("W2", 2, 4)
    sigma, l = Function("sigma"), scalar_function("l")
    f = l(W2 * (W1 * x).applyfunc(sigma))
    hidden = Elementwise(sigma, W1 * x)
    g = FunctionGradient(l(W2 * hidden))
    assert derivative(f, W2) == hidden * g
    assert str(derivative(f, W2)) == "sigma(W1*x)*dl/dy(W2*sigma(W1*x))"
    gW1 = derivative(f, W1)
    assert gW1 == x * HadamardProduct(g * W2, transpose(
        Elementwise(prime(sigma), W1 * x)))
    assert str(gW1) == \
        "x*(HadamardProduct(dl/dy(W2*sigma(W1*x))*W2, sigma'(W1*x).T))"
    assert check(f, W1).ok and check(f, W2).ok


def test_matrix_by_matrix_uses_vec_kronecker_and_commutation():
    assert derivative(A * X * B, X) == KroneckerProduct(B.T, A)
    assert derivative(X.T, X) == CommutationMatrix(3, 4)
    assert derivative(M * x, x) == M
    assert derivative(S * X, X) == KroneckerProduct(Identity(4), S)


def test_hessians():
    Sq = MatrixSymbol("X", 3, 3)
    Y = MatrixSymbol("Y", 3, 2)
    assert hessian(x.T * S * x, x) == S + S.T
    assert hessian(Trace(Y.T * S * Y), Y) == KroneckerProduct(Identity(2), S + S.T)
    assert str(hessian(log(det(Sq)), Sq)) == \
        "-K(3, 3)*(KroneckerProduct(X.T**(-1), X**(-1)))"
    for f, v in [(x.T * S * x, x), (Trace(Y.T * S * Y), Y), (log(det(Sq)), Sq),
                 ((W * x - b).T * (W * x - b), x), (exp(Trace(Y.T * Y)), Y)]:
        assert check_hessian(f, v).ok, f


def test_hessian_of_a_scalar_variable_is_the_second_derivative():
    assert hessian(t**3, t) == 6 * t


def test_hessian_of_a_matrix_is_refused():
    with pytest.raises(IdentificationError, match="not scalar-valued"):
        hessian(A * X, X)


def test_symbolic_dimensions():
    An, Xn = MatrixSymbol("A", 2, n), MatrixSymbol("X", n, n)
    xn = MatrixSymbol("x", n, 1)
    assert derivative(Trace(An * Xn * An.T), Xn) == An.T * An
    assert derivative(xn.T * xn, xn) == 2 * xn.T
    assert derivative(log(det(Xn)), Xn) == Xn**-1
    for f, v in [(Trace(An * Xn * An.T), Xn), (log(det(Xn)), Xn), (Xn**-1, Xn),
                 (xn.T * Xn * xn, xn)]:
        assert check(f, v).ok


def test_variable_that_does_not_occur_gives_zero_of_the_right_shape():
    assert derivative(Trace(S), X) == ZeroMatrix(4, 3)
    assert derivative(A * x, X) == ZeroMatrix(2, 12)


def test_errors_are_matrix_calculus_errors():
    with pytest.raises(NotASymbolError):
        derivative(x.T * x, x.T)
    with pytest.raises(MatrixCalculusError):
        derivative(Trace(S[:2, :2]), S)


def test_check_catches_a_wrong_result():
    assert not check(Trace(A * X * B), X, result=A.T * B.T).ok
    assert not check(a.T * S * x, x, result=(S.T * a)).ok       # wrong layout
    assert check(a.T * S * x, x, result=(S.T * a), layout="mixed").ok


def test_results_lambdify_and_substitute():
    Sq = MatrixSymbol("X", 3, 3)
    for f, v in [(log(det(Sq)), Sq), (Sq**-1, Sq), (X.T * S, X),
                 ((W * x).applyfunc(sin), x), (Trace(Sq) * Sq, Sq)]:
        G = derivative(f, v)
        syms = sorted({s for s in G.free_symbols | f.free_symbols
                       if isinstance(s, (MatrixSymbol, Symbol))}, key=str)
        point = random_point(f, set(syms) | {v})
        want = numpy.array(evaluate(G, point).tolist(), dtype=float)
        fn = lambdify(syms, G, "numpy")
        got = fn(*[numpy.array(point[s].tolist(), dtype=float) for s in syms])
        assert numpy.allclose(got, want)
        explicit = G.subs({s: point[s] for s in syms}).doit()
        assert numpy.allclose(numpy.array(explicit.as_explicit().tolist(),
                                          dtype=float), want)


# --- diag(v) ------------------------------------------------------------------

_w, _x4 = MatrixSymbol("w", 3, 1), MatrixSymbol("x", 3, 1)
_A43, _y4 = MatrixSymbol("A", 4, 3), MatrixSymbol("y", 4, 1)
_C32, _r13 = MatrixSymbol("C", 3, 2), MatrixSymbol("r", 1, 3)


def _diag_cases():
    from sympy import Trace, det, exp, log
    from sympy.matrices.expressions.diagonal import DiagMatrix
    D = DiagMatrix(_w)
    res = _y4 - _A43 * D * _x4
    return [(_x4.T * D * _x4, _w), (res.T * res, _w), (Trace(D**2), _w),
            (Trace(MatrixSymbol("B", 3, 3) * D), _w),
            (_x4.T * DiagMatrix(_r13) * _x4, _r13),
            (log(det(DiagMatrix(_w.applyfunc(exp)))), _w),
            (_A43 * D * _C32, _w), (D.inverse() * _x4, _w), (D * _x4, _x4)]


@pytest.mark.parametrize("i", range(9))
def test_diag_of_a_vector_in_every_layout(i):
    from sympy_matdiff import derivation
    from sympy_matdiff.differentials import d as d_
    from sympy_matdiff.numeric import check_steps
    e, v = _diag_cases()[i]
    for layout in ("numerator", "denominator", "mixed"):
        assert check(e, v, layout=layout).ok
    assert check_steps(derivation(e, v).steps, v, d_(e, v)).ok
    if not e.is_Matrix or e.shape == (1, 1):
        assert check_hessian(e, v).ok


def test_diag_of_a_vector_textbook_forms():
    # tr(P diag(dv)) = (diagonal of P)^T dv, read off an outer product
    from sympy import HadamardPower, HadamardProduct, Trace, Transpose
    from sympy.matrices.expressions.diagonal import DiagMatrix
    D = DiagMatrix(_w)
    G = derivative(_x4.T * D * _x4, _w)       # (x∘x)^T
    assert G == Transpose(HadamardPower(_x4, 2))
    assert check(_x4.T * D * _x4, _w, result=G).ok
    assert derivative(Trace(D**2), _w) == 2 * _w.T
    res = _y4 - _A43 * D * _x4
    G = derivative(res.T * res, _w)        # -2 (x ∘ A^T r)^T, r the residual
    assert G.args[0] == -2 and isinstance(G.args[1], Transpose) and \
        isinstance(G.args[1].arg, HadamardProduct)
    assert _x4 in G.args[1].arg.args and check(res.T * res, _w, result=G).ok


def test_log_sum_exp_reads_as_softmax():
    # log(1^T exp(z)) is recognised as logsumexp(z): its gradient is
    # softmax(z)^T and its Hessian diag(s) - s s^T
    from sympy import OneMatrix, exp, log
    from sympy.matrices.expressions.diagonal import DiagMatrix
    from sympy_matdiff.functions import softmax
    W, x, b = MatrixSymbol("W", 3, 4), MatrixSymbol("x", 4, 1), MatrixSymbol("b", 3, 1)
    z = W * x + b
    lse = log(OneMatrix(1, 3) * z.applyfunc(exp))
    s = softmax(z)
    assert derivative(lse, b) == s.T and check(lse, b).ok
    assert derivative(lse, W) == x * s.T and check(lse, W).ok
    H = hessian(lse, b)
    assert H == DiagMatrix(s) - s * s.T
    assert check_hessian(lse, b, result=H).ok
