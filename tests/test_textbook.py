"""Textbook forms (issue 13): named functions, the entrywise algebra and the
transforms of sympy_matdiff.textbook, each result exact in form and checked
against finite differences, with sigma named and written as a Lambda.

Expected forms use ``Transpose(...)`` and ``MatMul(...)``: SymPy's ``.T``
and ``*`` evaluate the transpose of a sum to the sum of the transposes,
which is not how a textbook writes it."""
import numpy
import pytest
from sympy import (Function, HadamardPower, HadamardProduct, Lambda,
                   MatrixSymbol, OneMatrix, S, Symbol, Trace, Transpose, exp,
                   lambdify, log, tanh, MatAdd, MatMul, default_sort_key)
from sympy.matrices.expressions.diagonal import DiagMatrix

from sympy_matdiff import (check, codegen_function, derivation, derivative,
                           hessian)
from sympy_matdiff.entrywise import Algebra
from sympy_matdiff.expressions import Elementwise, prime
from sympy_matdiff.functions import (log_sigmoid, logsumexp, recognise, relu,
                                     sigmoid, softmax, softplus)
from sympy_matdiff.numeric import check_hessian
from sympy_matdiff.printing import latex
from sympy_matdiff.textbook import TRANSFORMS, cost, textbook_form

u = Symbol("u")
X, w, y = MatrixSymbol("X", 5, 3), MatrixSymbol("w", 3, 1), MatrixSymbol("y", 5, 1)
one5 = OneMatrix(5, 1)
SIGMA_LAMBDA = Lambda(u, 1 / (1 + exp(-u)))


def same(a, b):
    """Equal up to the order of Hadamard factors (SymPy keeps the order given)."""
    def canon(e):
        return e.replace(lambda n: isinstance(n, HadamardProduct), lambda n:
                         HadamardProduct(*sorted(n.args, key=default_sort_key)))
    return a == b or canon(a) == canon(b)


def logistic(s):
    """The cross-entropy of labels y and probabilities s."""
    return -(y.T * s.applyfunc(log) + (one5 - y).T * (one5 - s).applyfunc(log))


@pytest.mark.parametrize("s", [sigmoid(X * w), (X * w).applyfunc(SIGMA_LAMBDA)],
                         ids=["named", "lambda"])
def test_logistic_gradient_and_hessian(s):
    L = logistic(s)
    G = derivative(L, w)
    assert G == MatMul(Transpose(sigmoid(X * w) - y), X)
    assert check(L, w, result=G).ok
    H = hessian(L, w)
    p = sigmoid(X * w)
    assert same(H, X.T * DiagMatrix(HadamardProduct(p, one5 - p)) * X)
    assert check_hessian(L, w, result=H).ok


def test_sum_of_softplus_margins():
    L = OneMatrix(1, 5) * softplus(HadamardProduct(-y, X * w))
    G = derivative(L, w)
    assert same(G, MatMul(-1, Transpose(HadamardProduct(
        y, sigmoid(-HadamardProduct(y, X * w)))), X))
    assert check(L, w, result=G).ok
    # written out, log(1 + exp(-y∘Xw)) gives the same
    L2 = OneMatrix(1, 5) * HadamardProduct(-y, X * w).applyfunc(
        Lambda(u, log(1 + exp(u))))
    assert derivative(L2, w) == G


def test_logsumexp_and_softmax():
    z = MatrixSymbol("z", 4, 1)
    s = softmax(z)
    for lse in (logsumexp(z), log(OneMatrix(1, 4) * z.applyfunc(exp))):
        assert derivative(lse, z) == s.T
        H = hessian(lse, z)
        assert H == DiagMatrix(s) - s * s.T
        assert check(lse, z).ok and check_hessian(lse, z, result=H).ok
    J = derivative(s, z)
    assert J == DiagMatrix(s) - s * s.T and check(s, z, result=J).ok
    # exp(z)/(1^T exp(z)) written out is softmax(z)
    written = z.applyfunc(exp) * (OneMatrix(1, 4) * z.applyfunc(exp))**-1
    assert derivative(written, z) == J


def test_softmax_cross_entropy():
    W, x, t = MatrixSymbol("W", 4, 3), MatrixSymbol("x", 3, 1), MatrixSymbol("t", 4, 1)
    L = -t.T * softmax(W * x).applyfunc(log)
    G = derivative(L, W)
    ones_t = Trace(OneMatrix(1, 4) * t)
    assert G == MatMul(x, Transpose(ones_t * softmax(W * x) - t))
    assert check(L, W, result=G).ok
    Gx = derivative(L, x)
    assert check(L, x, result=Gx).ok and not Gx.atoms(DiagMatrix)


def test_two_layer_tanh_network_is_one_term():
    W1, W2 = MatrixSymbol("W1", 4, 3), MatrixSymbol("W2", 2, 4)
    x, yy = MatrixSymbol("x", 3, 1), MatrixSymbol("y", 2, 1)
    r = W2 * (W1 * x).applyfunc(tanh) - yy
    G = derivative(r.T * r, W1)
    h = Elementwise(tanh, W1 * x)
    delta = HadamardProduct(W2.T * (W2 * h - yy), OneMatrix(4, 1) - HadamardPower(h, 2))
    assert G == MatMul(2, x, Transpose(delta))
    assert check(r.T * r, W1, result=G).ok


def test_seed_example_5_keeps_generic_functions():
    # sigma' and dl/dy stay generic
    from sympy_matdiff import scalar_function
    sigma, l = Function("sigma"), scalar_function("l")
    W1, W2 = MatrixSymbol("W1", 4, 3), MatrixSymbol("W2", 2, 4)
    x = MatrixSymbol("x", 3, 1)
    net = l(W2 * (W1 * x).applyfunc(sigma))
    G = derivative(net, W1)
    assert G.atoms(Elementwise) and any(
        e._plain_function() == prime(sigma) for e in G.atoms(Elementwise))
    assert str(derivative(net, W2)) == "sigma(W1*x)*dl/dy(W2*sigma(W1*x))"


# --- the named functions ------------------------------------------------------

def test_named_function_derivatives_in_their_own_terms():
    assert sigmoid(u).diff(u) == sigmoid(u) * (1 - sigmoid(u))
    assert softplus(u).diff(u) == sigmoid(u)
    assert log_sigmoid(u).diff(u) == 1 - sigmoid(u)
    assert str(relu(u).diff(u)) == "Heaviside(u)"
    for f, g in [(sigmoid, 1 / (1 + exp(-u))), (softplus, log(1 + exp(u))),
                 (log_sigmoid, -log(1 + exp(-u)))]:
        assert f(u).rewrite(exp) == g
        assert abs(float(f(u).subs(u, 0.7)) - float(g.subs(u, 0.7))) < 1e-15
    assert recognise(1 / (1 + exp(-u))) == sigmoid(u)
    assert recognise(exp(u) / (1 + exp(u))) == sigmoid(u)
    assert recognise(log(1 + exp(u))) == softplus(u)
    assert recognise(log(1 / (1 + exp(-u)))) == log_sigmoid(u)
    assert recognise(-log(1 + exp(-u))) == -softplus(-u)      # = log σ(u)


def test_named_functions_are_sympy_functions():
    t = Symbol("t")
    assert sigmoid(u).subs(u, t) == sigmoid(t) and sigmoid(0) == S.Half
    assert sigmoid(u).xreplace({u: 2 * t}) == sigmoid(2 * t)
    assert latex(sigmoid(u)) == r"\sigma\left(u\right)"
    M = MatrixSymbol("M", 2, 3)
    assert isinstance(sigmoid(M), Elementwise) and sigmoid(M).shape == (2, 3)
    assert str(sigmoid(M).T) == "sigmoid(M).T"


@pytest.mark.parametrize("f, ref", [
    (sigmoid, lambda a: 1 / (1 + numpy.exp(-a))),
    (softplus, lambda a: numpy.log1p(numpy.exp(a))),
    (log_sigmoid, lambda a: -numpy.log1p(numpy.exp(-a))),
    (relu, lambda a: numpy.maximum(0, a))])
def test_lambdified_named_functions_are_stable(f, ref):
    fn = lambdify([u], f(u), "numpy")
    a = numpy.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 30.0, 1000.0])
    got = fn(a)
    assert numpy.all(numpy.isfinite(got))
    with numpy.errstate(over="ignore"):
        want = ref(a)
    fine = numpy.isfinite(want)
    assert numpy.allclose(got[fine], want[fine], rtol=1e-12, atol=0)
    if f is softplus:
        assert got[-1] == 1000.0 and got[0] == 0.0
    if f is log_sigmoid:
        assert got[0] == -1000.0


def test_lambdified_vector_functions_are_stable():
    z = MatrixSymbol("z", 3, 1)
    lse = lambdify([z], logsumexp(z), "numpy")
    sm = lambdify([z], softmax(z), "numpy")
    v = numpy.array([[1000.0], [999.0], [-1000.0]])
    assert abs(lse(v) - (1000 + numpy.log1p(numpy.exp(-1.0)))) < 1e-12
    s = sm(v)
    assert numpy.all(numpy.isfinite(s)) and abs(s.sum() - 1) < 1e-15


def test_generated_logistic_code_is_stable_at_large_margins():
    L = logistic(sigmoid(X * w))
    f = codegen_function(L, w, hessian=True)
    assert "logaddexp" in f.source
    Xv = numpy.zeros((5, 3))
    Xv[:, 0] = [1000.0, -1000.0, 40.0, -40.0, 0.5]
    yv = numpy.array([[1.0], [0.0], [1.0], [0.0], [1.0]])
    value, G, H = f(Xv, numpy.ones((3, 1)), yv)
    assert numpy.isfinite(value) and numpy.all(numpy.isfinite(G))
    # the Hessian's weights σ(u)σ(-u), exact at u = ±40 where 1 - σ(u) is 0
    weights = 1 / (1 + numpy.exp(-Xv[:, 0])) / (1 + numpy.exp(Xv[:, 0]))
    assert numpy.allclose(H[0, 0], numpy.sum(weights * Xv[:, 0]**2), rtol=1e-12)
    assert numpy.all(numpy.linalg.eigvalsh(H) >= -1e-12)


def test_generated_logsumexp_code_is_stable():
    z = MatrixSymbol("z", 3, 1)
    f = codegen_function(logsumexp(z), z, hessian=True)
    value, G, H = f(numpy.array([[1000.0], [999.0], [-1000.0]]))
    assert numpy.isfinite(value) and abs(G.sum() - 1) < 1e-15
    assert numpy.allclose(H, numpy.diag(G.ravel()) - G.T @ G)


# --- the entrywise algebra and the transforms -----------------------------------

def test_entrywise_round_trip_cancels_and_fuses():
    s = sigmoid(X * w)
    alg = Algebra()
    scalar = alg.to_scalar(HadamardProduct(y, one5 - s) - HadamardProduct(one5 - y, s))
    assert alg.to_matrix(scalar.expand(), (5, 1), cost) == y - s
    # f(Z) ∘ g(Z) of one argument is one function of Z
    inv = Elementwise(Lambda(u, 1 / u), one5 - s)
    prod = HadamardProduct(inv, HadamardProduct(s, one5 - s))
    assert textbook_form(prod) == s


def test_transposed_arguments_merge():
    A = MatrixSymbol("A", 3, 4)
    x = MatrixSymbol("x", 4, 1)
    t1 = Elementwise(tanh, x.T * A.T)     # tanh(x^T A^T) = tanh(A x)^T
    assert textbook_form(t1) == Elementwise(tanh, A * x).T
    tAx = Elementwise(tanh, A * x)
    assert textbook_form(t1 + tAx.T) == 2 * tAx.T


def test_transforms_are_declared_with_facts():
    names = [t.name for t in TRANSFORMS]
    assert len(names) == len(set(names)) >= 8
    assert all(t.fact.text and t.fact.latex for t in TRANSFORMS)


def test_derivation_shows_the_simplification_steps():
    D = derivation(logistic(sigmoid(X * w)), w)
    text = str(D)
    last = [r for r in text.splitlines() if not r.startswith("where")][-1]
    assert last.strip().startswith("= " + D._show(D.result))
    assert str(D.result) == "(sigmoid(X*w) - y).T*X"
    assert "A∘(B + C) = A∘B + A∘C" in text
    assert D.simplified and D.simplified[-1].expr == D.result
    assert repr(D) == text
    jupyter = D._repr_latex_()
    assert r"\text{finally }" in jupyter and r"\sigma\left(X w\right)" in jupyter
    # each simplification step equals the derivative, numerically
    for s in D.simplified:
        assert check(logistic(sigmoid(X * w)), w, result=s.expr).ok


def test_latex_keeps_the_grouping_of_negated_kronecker_products():
    from sympy import KroneckerProduct
    A, B, C = MatrixSymbol("A", 4, 4), MatrixSymbol("B", 2, 2), MatrixSymbol("C", 2, 2)
    assert latex(-A * KroneckerProduct(B, C)) == r"- A \left(B \otimes C\right)"
    x = MatrixSymbol("x", 4, 1)
    D = derivation(-(x.T * KroneckerProduct(B, C) * x), x)
    assert r"\left(B \otimes C\right)" in D.latex()


def test_derivation_text_reads_like_the_textbook():
    # ∘, ^∘, diag(v) and sum(t) for 1^T t in derivations' text and LaTeX
    W, x, t = MatrixSymbol("W", 4, 3), MatrixSymbol("x", 3, 1), MatrixSymbol("t", 4, 1)
    L = -t.T * softmax(W * x).applyfunc(log)
    D = derivation(L, W)
    text = str(D)
    assert "HadamardProduct" not in text and "DiagMatrix" not in text
    assert "diag(softmax(W*x))" in text and "sum(t)*softmax(W*x)" in text
    assert r"\mathbf{1}^{T} t" in D.latex()
    for s in D.simplified:        # each step equals the derivative
        assert check(L, W, result=s.expr).ok


def test_diag_of_a_row_and_of_a_column_merge():
    # hypothesis found: exp(exp(X) + 2X), X 1x2, gave diag(row) + diag(column)
    from sympy import DiagMatrix as D
    X1 = MatrixSymbol("X", 1, 2)
    e = (X1.applyfunc(exp) + 2 * X1).applyfunc(exp)
    J = derivative(e, X1)
    assert check(e, X1, result=J).ok
    a, b, c = MatrixSymbol("a", 2, 1), MatrixSymbol("b", 1, 2), MatrixSymbol("c", 2, 1)
    merged = textbook_form(D(a) + D(b) + D(c))
    assert merged == D(MatAdd(a, b.T, c, evaluate=True))


def test_negative_terms_with_a_common_factor_take_the_sign_outside():
    from sympy import Add, MatrixSymbol, Trace
    X = MatrixSymbol('X', 3, 3)
    As = [MatrixSymbol(f'A{i}', 3, 3) for i in range(1, 5)]
    f = Add(*[Trace(A * X**-1) for A in As])
    G = derivative(f, X)
    assert G == -X**-1 * Add(*As) * X**-1
    assert check(f, X, result=G, points=2).ok


def test_nested_elementwise_functions_beyond_the_expansion_limit():
    # sigma' of tanh nested 8 deep is a product of 8 sums: its 256-term
    # expansion is not tried (EXPANSION_LIMIT), the product stays, and is right
    from sympy import MatrixSymbol, Trace, tanh
    x, v = MatrixSymbol('x', 1, 1), MatrixSymbol('v', 3, 1)
    e, w = x, v
    for _ in range(8):
        e, w = Elementwise(tanh, e), Elementwise(tanh, w)
    assert check(Trace(e), x, result=derivative(Trace(e), x), points=2).ok
    assert check(w, v, result=derivative(w, v), points=2).ok


def test_a_scalar_common_to_every_term_comes_out():
    # c A + c B = c (A + B): exp(xᵀAx)(A + Aᵀ)x as the Cookbook writes it,
    # det(ZᵀFZ) times a sum (Cookbook 2.1.2 (54)); a number stays inside,
    # where SymPy distributes it back
    from sympy import Determinant, MatAdd, MatrixSymbol, Trace, exp
    x, A = MatrixSymbol('x', 3, 1), MatrixSymbol('A', 3, 3)
    f = exp(Trace(x.T * A * x))
    G = derivative(f, x)
    assert G == MatMul(exp(Trace(x.T * A * x)), x.T, MatAdd(A, A.T))
    assert check(f, x, result=G, points=3).ok
    q = Trace(x.T * A * x)
    G = derivative(q**2 + q, x)
    assert G == MatMul(2 * q + 1, x.T, MatAdd(A, A.T))
    assert check(q**2 + q, x, result=G, points=3).ok
    Z, F = MatrixSymbol('Z', 4, 2), MatrixSymbol('F', 4, 4)
    f = Determinant(Z.T * F * Z)
    G = derivative(f, Z)
    assert isinstance(G, MatMul) and G.args[0] == f and isinstance(G.args[1], MatAdd)
    assert check(f, Z, result=G, points=3).ok
    # different coefficients: nothing to take out
    B = MatrixSymbol('B', 3, 3)
    f = Trace(x.T * x) * Trace(x.T * A * x) + Trace(x.T * B * x)
    G = derivative(f, x)
    assert check(f, x, result=G, points=3).ok
