"""Results on the whole domain (issue 15, part 1): singular arguments,
the adjugate as a polynomial, where results hold, Piecewise of matrices.

Every result is checked against 50-digit finite differences, at random
points and at singular and rank-deficient points given exactly.
"""
import random

import pytest
from sympy import (Determinant, Float, Identity, ImmutableMatrix, Inverse,
                   MatPow, MatrixSymbol, Piecewise, Q, S, Symbol, Trace,
                   ZeroMatrix, det, diff, log)

from sympy_matdiff import adj, check, d, derivation, derivative, hessian
from sympy_matdiff.domains import repair as domains_repair
from sympy_matdiff.domains import (adjugate_polynomial, note,
                                   structurally_singular, valid_where,
                                   whole_domain)
from sympy_matdiff.numeric import (DIGITS, check_hessian, evaluate,
                                   numeric_derivative)

n = Symbol("n", integer=True, positive=True)
t = Symbol("t")
U, V = MatrixSymbol("U", 3, 2), MatrixSymbol("V", 3, 2)
X2, X3, X4 = (MatrixSymbol("X", k, k) for k in (2, 3, 4))
A3 = MatrixSymbol("A", 3, 3)
a, b = MatrixSymbol("a", 3, 1), MatrixSymbol("b", 3, 1)
Y = MatrixSymbol("Y", n, n)


def floats(rows):
    return ImmutableMatrix([[Float(v, DIGITS) for v in r] for r in rows])


def rank_deficient(rows, cols, rank, seed):
    """A rows x cols matrix of the given rank, exactly (a product of factors)."""
    rng = random.Random(seed)
    L = ImmutableMatrix(rows, rank, lambda i, j: rng.randint(-3, 3))
    R = ImmutableMatrix(rank, cols, lambda i, j: rng.randint(-3, 3))
    return L * R


def at_point(expr, X, point, result=None):
    """The largest entry of result - finite differences at ``point``."""
    result = derivative(expr, X) if result is None else result
    got = evaluate(result, point)
    want = numeric_derivative(expr, X, point)
    diffs = got - want if hasattr(got, "shape") else ImmutableMatrix([[got - want]])
    return max(abs(v) for v in diffs), max([abs(v) for v in want] + [1])


# --- the wrong number of the issue -----------------------------------------

def test_trace_of_adjugate_of_a_rank_deficient_product():
    G = derivative(Trace(adj(U * V.T)), U)
    C = U * V.T
    # the textbook form V^T (tr(C) I - C), exactly
    assert (G - V.T * (Trace(C) * Identity(3) - C)).as_explicit().applyfunc(
        lambda v: v.expand()).is_zero_matrix
    assert not G.has(Inverse, Determinant)
    assert valid_where(Trace(adj(C)), G) == S.true
    assert check(Trace(adj(C)), U, points=3).ok
    rng = random.Random(5)
    for seed in range(3):
        point = {U: ImmutableMatrix(3, 2, lambda i, j: rng.randint(-3, 3)),
                 V: ImmutableMatrix(3, 2, lambda i, j: rng.randint(-3, 3))}
        err, scale = at_point(Trace(adj(C)), U, point, G)
        assert err < 1e-20 * scale


def test_the_old_formula_is_reported_undefined_not_a_crash():
    C = U * V.T
    old = V.T * (det(C) * Trace(C**-1) * C**-1 - det(C) * C**-2)
    report = check(Trace(adj(C)), U, result=old)
    assert not report.ok and "undefined at this point" in str(report)
    assert "U*V.T is singular" in report.note


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_adjugate_polynomial_is_the_adjugate(size):
    X = MatrixSymbol("X", size, size)
    for M in [rank_deficient(size, size, max(size - 1, 0) or 1, 1),
              rank_deficient(size, size, max(size - 2, 1), 2),
              rank_deficient(size, size, size, 3)]:
        P = adjugate_polynomial(X).subs(X, M).doit()
        assert (ImmutableMatrix(P) - M.adjugate()).is_zero_matrix


@pytest.mark.parametrize("expr_of", [
    lambda X: Trace(adj(X)),
    lambda X: (a.T * adj(X) * b) if X.rows == 3 else Trace(adj(X) * X.T),
    lambda X: det(X),
    lambda X: Trace(adj(X) * adj(X).T),
    lambda X: det(X)**2,
], ids=["tr adj", "bilinear adj", "det", "tr adj adj^T", "det^2"])
@pytest.mark.parametrize("size, rank", [(2, 1), (3, 2), (3, 1), (4, 2)])
def test_adjugate_and_det_at_singular_points(expr_of, size, rank):
    X = MatrixSymbol("X", size, size)
    e = expr_of(X)
    G = whole_domain(derivative(e, X))
    assert valid_where(e, G) == S.true, G
    point = {X: rank_deficient(size, size, rank, size + rank)}
    if e.has(a):
        rng = random.Random(0)
        point.update({v: ImmutableMatrix(3, 1, lambda i, j: rng.randint(-2, 2))
                      for v in (a, b)})
    err, scale = at_point(e, X, point, G)
    assert err < 1e-20 * scale
    assert check(e, X, result=G).ok


def test_matrix_by_matrix_adjugate_at_a_singular_point():
    e = adj(X3)
    G = derivative(e, X3)
    assert valid_where(e, G) == S.true and not G.has(Inverse)
    point = {X3: rank_deficient(3, 3, 1, 7)}
    err, scale = at_point(e, X3, point, G)
    assert err < 1e-20 * scale


def test_determinant_of_a_structurally_singular_product_is_read_with_adj():
    C = U * V.T
    assert structurally_singular(C) and not structurally_singular(U.T * V)
    G = derivative(det(C), U)       # det(U V^T) = 0 for every U, V
    assert G == ZeroMatrix(2, 3)
    assert check(det(C), U).ok
    assert whole_domain(d(det(C + A3), U)).has(adj(C + A3))
    # det(C) A3: |C| C^-1 is read as adj(C) where it cannot be avoided
    D = domains_repair(Determinant(C) * Trace(Inverse(C) * d(U) * V.T))
    assert D == Trace(adj(C) * d(U) * V.T)
    H = hessian(Trace(adj(C)), U)
    assert check_hessian(Trace(adj(C)), U, result=H).ok


def test_results_that_need_an_invertible_matrix_say_so():
    G = derivative(det(X3), X3)
    assert G == Determinant(X3) * X3**-1        # the Cookbook's form, as before
    assert valid_where(det(X3), G) == Q.invertible(X3)
    assert note(valid_where(det(X3), G)) == "holds where X is invertible"
    assert whole_domain(G) == adj(X3)
    # symbolic n: no polynomial; the invertible form, and it says so
    G = derivative(Trace(adj(Y)), Y)
    assert valid_where(Trace(adj(Y)), G) == Q.invertible(Y)
    assert check(Trace(adj(Y)), Y).ok
    singular = floats([[1, 2, 0], [2, 4, 0], [0, 0, 1]])
    report = check(Trace(adj(Y)), Y, at={Y: singular})
    assert not report.ok and "undefined at this point" in str(report)


def test_where_the_input_needs_invertibility_nothing_is_added():
    for e, X in [(log(det(X3)), X3), (Trace(X3**-1), X3),
                 (log(det(X3 * A3)), X3), (det(X3**-1), X3),
                 (log(det(Y)), Y), (Trace(adj(X3) * X3**-1), X3)]:
        assert valid_where(e, derivative(e, X)) == S.true, e
    assert derivative(log(det(X3)), X3) == X3**-1


def test_d_of_det_keeps_the_seed_form_and_whole_domain_rewrites_it():
    D = d(det(X3))
    assert D == Determinant(X3) * Trace(X3**-1 * d(X3))
    assert whole_domain(D) == Trace(adj(X3) * d(X3))
    assert valid_where(det(X3), D) == Q.invertible(X3)


def test_derivation_and_results_of_the_adjugate_agree():
    assert derivative(Trace(adj(X2)), X2) == Identity(2)   # tr adj X = tr X
    der = derivation(Trace(adj(X3)), X3)
    assert der.result == derivative(Trace(adj(X3)), X3)
    assert (der.result - (Trace(X3) * Identity(3) - X3)).as_explicit() \
        .applyfunc(lambda v: v.expand()).is_zero_matrix


# --- X**0 and Piecewise of matrices -----------------------------------------

def test_determinant_and_adjugate_of_the_zeroth_power():
    for e in [Determinant(MatPow(X3, 0)), adj(MatPow(X3, 0)),
              log(Determinant(MatPow(X3, 0)) + 1)]:
        G = derivative(e, X3)
        assert G.is_ZeroMatrix if G.is_Matrix else G == 0
    assert d(Determinant(MatPow(X3, 0))) == 0


def test_piecewise_of_matrices_by_a_scalar():
    e = Piecewise((t * X3, t > 0), (X3.T, True))
    G = derivative(e, t)
    assert G == Piecewise((X3, t > 0), (ZeroMatrix(3, 3), True))
    assert G == diff(e, t)       # as SymPy writes it
    for value in (Float("0.7", DIGITS), Float("-0.4", DIGITS)):
        pt = {X3: floats([[1, 2, 0], [0, 1, 3], [1, 0, 2]]), t: value}
        got = evaluate(G, pt)
        want = numeric_derivative(e, t, pt)
        assert max(abs(v) for v in got - want) < 1e-20


def test_piecewise_of_matrices_by_a_matrix():
    A = MatrixSymbol("A", 2, 3)
    W = MatrixSymbol("W", 3, 2)
    e = Piecewise((A * W, t > 0), (2 * W.T * A.T, True))
    G = derivative(e, W)
    assert isinstance(G, Piecewise) and len(G.args) == 2
    for value in (Float("0.7", DIGITS), Float("-0.4", DIGITS)):
        rng = random.Random(3)
        pt = {W: ImmutableMatrix(3, 2, lambda i, j: rng.randint(-2, 2)),
              A: ImmutableMatrix(2, 3, lambda i, j: rng.randint(-2, 2)),
              t: value}
        got = evaluate(G, pt)
        want = numeric_derivative(e, W, pt)
        assert max(abs(v) for v in got - want) < 1e-20


def test_scalar_piecewise_is_unchanged():
    e = Piecewise((Trace(X3) * t, t > 0), (t**2, True))
    assert derivative(e, t) == Piecewise((1, t > 0), (0, True)) * Trace(X3) + \
        Piecewise((0, t > 0), (1, True)) * 2 * t


# --- the condition in derivations and on the command line ---------------------

def test_derivation_says_where_its_result_holds():
    der = derivation(det(X3), X3)
    assert str(der).endswith("(this holds where X is invertible)")
    assert "(this holds where X is invertible)" in der.markdown()
    assert "invertible" not in str(derivation(log(det(X3)), X3))


def test_command_line_notes_where_the_result_holds():
    import io
    from sympy_matdiff.cli import main
    out, err = io.StringIO(), io.StringIO()
    assert main(["det(X)", "--wrt", "X"], out=out, err=err) == 0
    assert "note: the result by X holds where X is invertible" in err.getvalue()
    out, err = io.StringIO(), io.StringIO()
    assert main(["logdet(X)", "--wrt", "X"], out=out, err=err) == 0
    assert "invertible" not in err.getvalue()
