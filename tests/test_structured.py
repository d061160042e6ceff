"""Structured variables (issue 15, part 3): symmetric, positive-definite and
diagonal matrices, the two conventions for their derivatives and Hessians.

Each convention is checked against finite differences in the structured
parametrisation itself: the independent entries (S_ij = S_ji one number)
for entries_derivative / entries_hessian, symmetric directions for
symmetric_gradient / symmetric_hessian.
"""
import random

import pytest
from sympy import (Identity, ImmutableMatrix, MatMul, MatrixSymbol, Rational,
                   S, Symbol, Trace, Transpose, det, exp, log)

from sympy_matdiff import check, derivative
from sympy_matdiff.domains import valid_where
from sympy_matdiff.numeric import evaluate, random_matrix
from sympy_matdiff.structure import (StructureError, entries_derivative,
                                     entries_hessian, structured,
                                     symmetric_gradient, symmetric_hessian)

n = 3
Sg = structured("S", n, n, structure="symmetric")
P = structured("S", n, n, structure="positive_definite")
D = structured("D", n, n, structure="diagonal")
A = MatrixSymbol("A", n, n)
B = MatrixSymbol("B", n, 2)
x, mu = MatrixSymbol("x", n, 1), MatrixSymbol("mu", n, 1)
H = Rational(1, 10**15)


def point_for(expr, X, seed=0):
    rng = random.Random(seed)
    pt = {}
    for s in expr.free_symbols | {X}:
        if isinstance(s, MatrixSymbol):
            M = random_matrix(*s.shape, rng)
            if hasattr(s, "structured_value"):
                M = ImmutableMatrix(s.structured_value(M))
                if s.structure == "symmetric":
                    M = M + (n + 1) * Identity(n).as_explicit()
            pt[s] = M
    return pt


def value(expr, pt):
    v = evaluate(expr, pt)
    return v[0, 0] if hasattr(v, "shape") else v


def unit(i, j, structure):
    """The direction in which the independent parameter (i, j) moves X."""
    E = [[0] * n for _ in range(n)]
    E[i][j] = 1
    if structure != "diagonal":
        E[j][i] = 1
    return ImmutableMatrix(E)


def parameters(structure):
    if structure == "diagonal":
        return [(i, i) for i in range(n)]
    return [(i, j) for i in range(n) for j in range(i, n)]


def fd_entries(expr, X, pt):
    """df/dX_ij, one parameter per independent entry (central differences)."""
    out = {}
    for i, j in parameters(X.structure):
        U = unit(i, j, X.structure)
        plus, minus = dict(pt), dict(pt)
        plus[X], minus[X] = pt[X] + H * U, pt[X] - H * U
        out[(i, j)] = (value(expr, plus) - value(expr, minus)) / (2 * H)
    return out


def scalar_fns(X):
    return [log(det(X)), Trace(A * X), Trace(A * X * A.T * X),
            (x - mu).T * X**-1 * (x - mu), Trace(B.T * X * B),
            exp(Trace(X) / 4) * Trace(X * X), det(X) * Trace(A * X**-1)]


@pytest.mark.parametrize("X", [Sg, P, D], ids=["symmetric", "pd", "diagonal"])
@pytest.mark.parametrize("k", range(7))
def test_entries_derivative_against_the_parametrisation(X, k):
    f = scalar_fns(X)[k]
    E = entries_derivative(f, X)
    pt = point_for(f, X, seed=k)
    got = evaluate(E, pt)
    assert (got - got.T).norm() < 1e-30            # symmetric
    fd = fd_entries(f, X, pt)
    for (i, j), v in fd.items():
        assert abs(got[i, j] - v) < 1e-20 * max(1, abs(v)), (f, i, j)
    if X.structure == "diagonal":
        assert all(abs(got[i, j]) < 1e-30 for i in range(n) for j in range(n)
                   if i != j)


@pytest.mark.parametrize("X", [Sg, P, D], ids=["symmetric", "pd", "diagonal"])
@pytest.mark.parametrize("k", range(7))
def test_symmetric_gradient_against_structured_directions(X, k):
    f = scalar_fns(X)[k]
    G = symmetric_gradient(f, X)
    pt = point_for(f, X, seed=10 + k)
    g = evaluate(G, pt)
    assert (g - g.T).norm() < 1e-30
    rng = random.Random(k)
    for _ in range(2):
        U = ImmutableMatrix(X.structured_value(random_matrix(n, n, rng))) \
            if X.structure != "positive_definite" else \
            ImmutableMatrix(Sg.structured_value(random_matrix(n, n, rng)))
        plus, minus = dict(pt), dict(pt)
        plus[X], minus[X] = pt[X] + H * U, pt[X] - H * U
        want = (value(f, plus) - value(f, minus)) / (2 * H)
        got = sum(g[i, j] * U[i, j] for i in range(n) for j in range(n))
        assert abs(got - want) < 1e-20 * max(1, abs(want))
    # in the structured space the gradient is the only such matrix
    if X.structure == "diagonal":
        assert all(abs(g[i, j]) < 1e-30 for i in range(n) for j in range(n)
                   if i != j)


def test_the_two_conventions_differ_by_the_off_diagonal_factor_two():
    f = log(det(Sg))
    assert symmetric_gradient(f, Sg) == Sg**-1
    E = entries_derivative(f, Sg)      # Cookbook 2.8.2: 2 S^-1 - S^-1 o I
    pt = point_for(f, Sg)
    e, s = evaluate(E, pt), evaluate(Sg**-1, pt)
    for i in range(n):
        for j in range(n):
            assert abs(e[i, j] - (1 if i == j else 2) * s[i, j]) < 1e-40


def test_gaussian_negative_log_likelihood_by_mu_uses_symmetry():
    nll = log(det(Sg)) + Trace((x - mu).T * Sg**-1 * (x - mu))
    G = derivative(nll, mu)
    assert G == MatMul(-2, Transpose(x - mu), Sg**-1)
    assert str(G) == "-2*(-mu + x).T*S**(-1)"       # SymPy writes x - mu so
    assert check(nll, mu).ok
    # the same with a general Sigma keeps both terms
    Sigma = MatrixSymbol("Sigma", n, n)
    assert derivative(log(det(Sigma)) + Trace((x - mu).T * Sigma**-1 * (x - mu)),
                      mu) != -2 * (x - mu).T * Sigma**-1


def test_positive_definite_needs_no_invertibility_condition():
    G = derivative(det(P), P)
    assert valid_where(det(P), G) == S.true
    assert valid_where(det(Sg), derivative(det(Sg), Sg)) != S.true


@pytest.mark.parametrize("X", [Sg, D], ids=["symmetric", "diagonal"])
@pytest.mark.parametrize("f_of", [lambda X: log(det(X)),
                                  lambda X: Trace(A * X * A.T * X),
                                  lambda X: Trace(X * X * X)],
                         ids=["logdet", "tr AXA'X", "tr X^3"])
def test_structured_hessians(X, f_of):
    f = f_of(X)
    He, Hs = entries_hessian(f, X), symmetric_hessian(f, X)
    pt = point_for(f, X, seed=3)
    he, hs = evaluate(He, pt), evaluate(Hs, pt)
    params = parameters(X.structure)
    h = Rational(1, 10**12)

    def at(shift):
        q = dict(pt)
        q[X] = pt[X] + shift
        return value(f, q)
    for (i, j) in params:
        for (k, l) in params:
            Ui, Uk = unit(i, j, X.structure), unit(k, l, X.structure)
            want = (at(h * Ui + h * Uk) - at(h * Ui - h * Uk)
                    - at(-h * Ui + h * Uk) + at(-h * Ui - h * Uk)) / (4 * h * h)
            assert abs(he[i + n * j, k + n * l] - want) < 1e-14 * max(1, abs(want))
            # symmetric convention: vec(U)^T Hs vec(V) = d^2 f[U, V]
            vu = ImmutableMatrix(Ui.T.reshape(n * n, 1))
            vk = ImmutableMatrix(Uk.T.reshape(n * n, 1))
            got = (vu.T * hs * vk)[0, 0]
            assert abs(got - want) < 1e-14 * max(1, abs(want))
    assert (hs - hs.T).norm() < 1e-25


def test_declaring_is_one_function_and_refuses_nonsense():
    with pytest.raises(StructureError, match="unknown structure"):
        structured("S", 3, 3, structure="toeplitz")
    with pytest.raises(StructureError, match="square"):
        structured("S", 3, 2)
    with pytest.raises(StructureError, match="no structure"):
        entries_derivative(Trace(A), A)
    with pytest.raises(StructureError, match="takes a scalar function"):
        symmetric_gradient(A * Sg, Sg)
    m = Symbol("m", integer=True, positive=True)
    Sm = structured("S", m, m)
    assert Sm.T == Sm and check(log(det(Sm)), Sm).ok
