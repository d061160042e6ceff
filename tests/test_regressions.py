"""Every bug the fuzzer (``python3 -m sympy_matdiff.fuzz``) found, as a test.

Each test names the minimal expression the fuzzer reported and checks the
fixed behaviour against finite differences.  Shapes are the ones of the
report (1x1 and row/column shapes were the trigger in several).
"""
import subprocess
import sys

import pytest
from sympy import (Determinant, Function, HadamardPower, Identity, KroneckerProduct,
                   Lambda, MatrixSymbol, Max, Min, Piecewise, Rational, Symbol,
                   Trace, ZeroMatrix, exp, log)

from sympy_matdiff import adj, d, derivation, derivative, hessian
from sympy_matdiff.fuzz import run_example
from sympy_matdiff.numeric import check, check_differential, check_hessian
from sympy_matdiff.testing import generate

u, t = Symbol("u"), Symbol("t")
X1 = MatrixSymbol("X", 1, 1)
x2 = MatrixSymbol("x", 2, 1)
SIGMOID = Lambda(u, 1 / (1 + exp(-u)))


def test_kronecker_factor_with_a_coefficient():
    # seed 48: d(X**2) = 2*X*dX inside a Kronecker product, then 2*(...):
    # SymPy's KroneckerProduct.doit rebuilt the factor as a scalar Mul and
    # failed ('Mul' object has no attribute 'is_Identity').  The rule now
    # writes (cA) ⊗ B as c (A ⊗ B).
    for e in [2 * KroneckerProduct(X1**2, x2),
              Rational(1, 15) * KroneckerProduct(X1**3, HadamardPower(
                  x2.applyfunc(exp), Rational(1, 2)))]:
        assert check_differential(e).ok
        assert check(e, X1).ok and check(e, x2).ok


def test_trace_of_kronecker_of_non_square_factors():
    # seed 67: tr(A ⊗ B) = tr(A) tr(B) was applied to A 1x2, B 2x1, where
    # A ⊗ B is square but A and B are not (NonSquareMatrixError)
    Y, y = MatrixSymbol("Y", 1, 2), MatrixSymbol("y", 2, 1)
    e = Trace(KroneckerProduct(Y, y))
    assert check_differential(e).ok
    assert check(e, Y).ok and check(e, y).ok
    X = MatrixSymbol("X", 2, 2)    # square factors still factor
    assert d(Trace(KroneckerProduct(X, X)), X) != 0


def test_elementwise_function_of_a_1x1_matrix():
    # seed 277: SymPy probes a 1x1 argument by calling the function on the
    # matrix, and 1 + exp(-X) failed (Mix of Matrix and Scalar symbols)
    e = X1.applyfunc(SIGMOID)
    assert check_differential(e).ok
    assert check(e, X1).ok


def test_derivative_through_matrix_entries():
    # seed 80: d(t*X[0, 2]) = t*dX[0, 2] had no vec rule (IdentificationError)
    X, A = MatrixSymbol("X", 2, 3), MatrixSymbol("A", 2, 2)
    Y = MatrixSymbol("Y", 3, 2)
    for e in [t * X[0, 2], X[0, 2] * A, t * X[1, 0]**2, (X * Y)[0, 1]]:
        for layout in ("numerator", "denominator", "mixed"):
            assert check(e, X, layout=layout).ok, (e, layout)


def test_hessian_of_products_of_linear_factors():
    # hessian refused d²f terms that are products of two scalars linear in
    # dX (tr(A dX)^2 of a Kronecker product, dX_10 dX_01): "cannot write the
    # term ... as tr(G(dX) dX)"
    X, A = MatrixSymbol("X", 2, 3), MatrixSymbol("A", 3, 2)
    x, B = MatrixSymbol("x", 2, 1), MatrixSymbol("B", 3, 4)
    for e in [X[1, 0]**2 * X[0, 1], Trace(A * X)**2,
              exp(Trace(KroneckerProduct(X, x) * B)),
              Trace(KroneckerProduct(X, x) * B) * Trace(A * X)]:
        assert check_hessian(e, X).ok, e


def test_hessian_whose_terms_cancel():
    # seed 127: det(x^T X^T) is linear in X, its d² terms cancel, and
    # collect() returned None ('NoneType' object has no attribute 'replace')
    x, X = MatrixSymbol("x", 3, 1), MatrixSymbol("X", 1, 3)
    assert hessian(Determinant(x.T * X.T), X) == ZeroMatrix(3, 3)


def test_max_and_min_of_scalars():
    # relu of a scalar, Max(0, tr X), had no rule (NoRuleError for Max)
    S, A = MatrixSymbol("S", 3, 3), MatrixSymbol("A", 3, 3)
    for e in [Max(0, Trace(S)), Min(Trace(S), Trace(A * S)),
              Max(0, Trace(S)) * A]:
        assert check(e, S).ok and check_differential(e).ok


def test_piecewise_of_scalars():
    # a scalar Piecewise crashed in scalar_partial (ExprCondPair() missing
    # arguments); numeric.evaluate could not evaluate its conditions
    S, A = MatrixSymbol("S", 3, 3), MatrixSymbol("A", 3, 3)
    for e in [Piecewise((Trace(S)**2, Trace(S) > 0), (Trace(A * S), Trace(A) > 1),
                        (0, True)),
              Piecewise((Trace(S)**2, Trace(S) < 0), (-Trace(S), True)) * A]:
        assert check(e, S).ok and check_differential(e).ok


def test_kronecker_factor_whose_doit_makes_a_coefficient():
    # seed 1551: doit() of Inverse(X/2) is 2*X**-1, so SymPy's evaluation of
    # the sum d(A ⊗ B) = dA ⊗ B + A ⊗ dB hit the coefficient bug again
    Y = MatrixSymbol("Y", 1, 3)
    e = KroneckerProduct((Rational(1, 2) * X1).inverse(), Y.T * X1.T)
    assert check_differential(e).ok
    assert check(e, X1).ok and check(e, Y).ok


def test_hessian_through_kronecker_products_of_1x1_factors():
    # seed 775: terms tr(s(dX)) (M(dX) ⊗ X) and M dX N ⊗ dX with 1x1
    # factors, where A ⊗ B is the product A B (IdentificationError, then a
    # crash in SymPy's KroneckerProduct.doit)
    e = Rational(-5, 3) * KroneckerProduct(adj(2 * Identity(1) + X1.inverse()), X1)
    assert check_hessian(e, X1).ok and check_hessian(Trace(e), X1).ok


def test_derivative_by_a_scalar_that_does_not_occur():
    # derivative(X, t) with t absent: "the differential 0 has a term free of
    # differentials" (IdentificationError) instead of a zero
    X = MatrixSymbol("X", 3, 2)
    assert derivative(X, t) == ZeroMatrix(3, 2)
    assert derivative(Trace(X.T * X), t) == 0


def test_derivation_of_kronecker_products_with_1x1_factors():
    # seeds 597, 814: derivation crashed ('Mul' object has no attribute
    # 'is_Identity', Mix of Matrix and Scalar symbols), X 1x1
    from sympy import tanh
    Y, x = MatrixSymbol("Y", 1, 4), MatrixSymbol("x", 4, 1)
    K = KroneckerProduct(X1.inverse(), Y * x) * KroneckerProduct(
        X1.T.inverse(), x.T * Y.T)
    for e in [KroneckerProduct(X1.applyfunc(tanh), X1**2).inverse(),
              Trace((Identity(1) + K).inverse())]:
        der = derivation(e, X1)
        assert check(e, X1, result=der.result).ok


@pytest.mark.parametrize("seed", [48, 67, 127, 277])
def test_the_reported_seeds_now_pass(seed):
    # the generator changed since these seeds were reported; what they now
    # build must pass too
    ex = generate(seed)
    for name, (status, detail) in run_example(
            ex, ["differential", "derivative[numerator]", "hessian"]).items():
        assert status in ("pass", "skip", "refused"), (name, detail)


def test_a_part_that_varies_but_does_not_change():
    # seed 11580: adj of a 1x1 matrix is the constant 1, so d(adj(t X)) = 0;
    # SymPy keeps A ∘ 0 unevaluated and the canonical form met a term with
    # no differential (IndexError in canonical._trace_of)
    t = Symbol("t")
    for e in [HadamardPower(adj(t * X1), 3), KroneckerProduct(adj(t * X1), X1),
              adj(t * X1).applyfunc(exp)]:
        assert derivative(e, t) == 0 or check(e, t).ok
        assert check(e, t).ok and check(e, X1).ok


def test_nested_elementwise_functions_of_a_1x1_matrix():
    # seed 11680: SymPy's doit composes sin(tanh(X)) with its own class,
    # which calls tanh on the 1x1 matrix (Mix of Matrix and Scalar symbols)
    from sympy import sin, tanh
    Y = MatrixSymbol("Y", 2, 2)
    for M in (X1, Y):
        e = log(Determinant(M.applyfunc(tanh).applyfunc(sin)))
        assert check(e, M).ok and check_differential(e).ok


def test_scalar_function_of_a_1x1_determinant():
    # seed 14054 (and 104474, X 3x3): asking whether tanh(log(det(2 I + X**-1)))
    # is zero reached SymPy's MatAdd.as_content_primitive, which failed (Mix of
    # Matrix and Scalar symbols); hooks.py gives MatAdd its own
    from sympy import tanh
    e = tanh(log(Determinant(2 * Identity(1) + X1.inverse())))
    assert check(e, X1).ok
    X3 = MatrixSymbol("X", 3, 3)
    e = tanh(log(Determinant(2 * Identity(3) + X3.inverse())))
    assert check(e, X3).ok


def test_mixed_layout_with_a_trace_of_an_outer_kronecker_product():
    # seed 18460: SymPy's Trace(KroneckerProduct(x, Y)).doit() for a column x
    # and a row Y takes traces of x and Y; prepare() writes x ⊗ Y as x Y
    X, Y, x = MatrixSymbol("X", 2, 2), MatrixSymbol("Y", 1, 2), MatrixSymbol("x", 2, 1)
    e = 2 * Trace(KroneckerProduct(x, Y)) * Trace(X)
    assert check(e, X, layout="mixed").ok


# --- found by the fuzzer in files of other owners --------------------------

def test_derivation_through_a_matrix_entry_terminates():
    # derivation(Y[1, 1], Y) looped forever: the entry's differential stayed
    # pending (fixed in derivations.py by its owner)
    code = ("from sympy import MatrixSymbol; from sympy_matdiff import derivation;"
            "Y = MatrixSymbol('Y', 2, 2); print(derivation(Y[1, 1], Y).result)")
    try:
        res = subprocess.run([sys.executable, "-c", code], capture_output=True,
                             text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("derivation(Y[1, 1], Y) did not finish in 30 s")
    assert res.returncode == 0, res.stderr


def test_derivation_of_adjugate_of_a_scaled_matrix():
    # SymPy's MatAdd evaluation called doit() on the pending d(tr(X) Y), which
    # took the total differential: dX appeared, then Trace(0), then an
    # IdentificationError (fixed in derivations.py by its owner)
    X, Y = MatrixSymbol("X", 2, 2), MatrixSymbol("Y", 2, 2)
    e = adj(Trace(X) * Y)
    der = derivation(e, Y)
    assert check(e, Y, result=der.result).ok


def test_derivation_of_kronecker_of_a_power():
    # seed 401: d(adj(X)**3) = 3*adj(X)**2*d(adj(X)) inside a Kronecker
    # product; SymPy's KroneckerProduct.doit failed on the coefficient
    # (rules.kronecker_product now evaluates and pulls it out)
    X, Y = MatrixSymbol("X", 1, 1), MatrixSymbol("Y", 1, 2)
    e = KroneckerProduct(adj(X)**3, Y)
    assert check(e, X, result=derivation(e, X).result).ok


def test_codegen_of_a_sum_times_a_matrix():
    # seed 73: (tr X + tr Y) X^-T was printed as tr X + tr Y X^-T (fixed in
    # the code generator by its owner)
    import numpy
    from sympy_matdiff.codegen import codegen_function
    X, Y = MatrixSymbol("X", 3, 3), MatrixSymbol("Y", 3, 3)
    e = log(Determinant(Rational(-5, 3) * X)) * Trace(X + Y)
    f = codegen_function(e, X, layout="denominator", args=[X, Y])
    Xv = numpy.array([[-4.0, 0.1, 0.2], [0.3, -4.0, 0.1], [0.2, 0.3, -4.0]])
    Yv = numpy.ones((3, 3))
    _, G = f(Xv, Yv)
    want = (numpy.trace(Xv) + numpy.trace(Yv)) * numpy.linalg.inv(Xv).T \
        + numpy.log(numpy.linalg.det(-5 / 3 * Xv)) * numpy.eye(3)
    assert numpy.allclose(G, want)


def test_generic_functions_unchanged():
    # the element-wise fix keeps undefined functions as they were
    sigma = Function("sigma")
    X = MatrixSymbol("X", 1, 1)
    assert str(d(X.applyfunc(sigma))) == "HadamardProduct(dX, sigma'(X))"
    assert derivative(Trace(X * X), X) == 2 * X.T or check(Trace(X * X), X).ok
    assert Identity(1).shape == (1, 1)


# --- sympy.diff through to_layout (the SymPy integration's files) -----------

def _plugged(e, X):
    from sympy import diff
    from sympy_matdiff.layouts import to_layout
    return to_layout(diff(e, X), e, X)


def test_plugged_diff_of_trace_of_hadamard_power():
    # seed 4790: diff(Trace(HadamardPower(X, 3)), X) was SymPy's own wrong
    # 3*Trace(HadamardPower(X.T, 2))*I (fixed in the integration)
    X = MatrixSymbol("X", 2, 2)
    for e in [Trace(HadamardPower(X, 3)), Trace(HadamardPower(X.T, 3))]:
        assert check(e, X, result=_plugged(e, X)).ok


def test_plugged_diff_of_a_product_with_a_coefficient():
    # seeds 4472, 10439: to_layout failed on the KroneckerProduct(I, -3*X*y)
    # that diff answers (SymPy's Kronecker coefficient bug; fixed by the owner)
    x, X = MatrixSymbol("x", 2, 1), MatrixSymbol("X", 1, 3)
    y, z = MatrixSymbol("y", 3, 1), MatrixSymbol("z", 2, 1)
    e = -3 * x * X * y + z
    assert check(e, x, result=_plugged(e, x)).ok


def test_plugged_diff_of_elementwise_exp():
    # seed 4797: SymPy's diff answers an ArrayAdd (and a wrong one) that
    # to_layout could not convert (fixed by the owner)
    x = MatrixSymbol("x", 2, 1)
    e = Trace(x.T * x.applyfunc(exp))
    assert check(e, x, result=_plugged(e, x)).ok


def test_terms_that_cancel_give_a_zero_of_the_right_shape():
    # seed 100619: d adj(M) of a 1x1 M is |M| tr(M^-1 dM) M^-1 - |M| M^-1 dM M^-1,
    # two vec terms that cancel; collect() gave None, returned as the derivative
    from sympy import MatMul, ZeroMatrix, exp
    x, X, y = MatrixSymbol("x", 3, 1), MatrixSymbol("X", 1, 4), MatrixSymbol("y", 4, 1)
    e = MatMul((-Rational(3, 2) * x).applyfunc(exp), adj(2 * Identity(1) + X * y))
    assert derivative(e, X) == ZeroMatrix(3, 4)
    assert derivative(e, X, layout="denominator") == ZeroMatrix(4, 3)
    assert check(e, X).ok


def test_trace_form_of_a_product_with_no_differential_inside():
    # seed 116233: adj(adj(t X)) by t, a term whose scalar factors held no
    # differential made trace_form index an empty list
    from sympy_matdiff import d as d_
    from sympy_matdiff.numeric import check_steps
    t, X = Symbol("t"), MatrixSymbol("X", 3, 3)
    e = adj(adj(t * X))
    der = derivation(e, t)
    assert check_steps(der.steps, t, d_(e, t)).ok
    assert check(e, t).ok


def test_plugged_diff_keeps_sympy_form_of_a_4d_answer():
    # seeds 6449, 8563: converting SymPy's symbolic 4-D answer to compare it
    # took minutes; it is now evaluated at a point first
    from sympy import diff
    from sympy.tensor.array.expressions import ArrayAdd
    X = MatrixSymbol("X", 3, 3)
    e = (HadamardPower(X**-1, 2) + 2 * Identity(3))**-1
    assert isinstance(diff(e, X), ArrayAdd)


def test_kronecker_factor_that_became_a_scalar_in_collect():
    # seed 114809: ((t + tr X) adj(Y))^-1 by Y with X 1x1; a Kronecker term
    # held a scalar factor, which SymPy's KroneckerProduct.doit cannot take
    t, X, Y = Symbol("t"), MatrixSymbol("X", 1, 1), MatrixSymbol("Y", 3, 3)
    e = ((t + Trace(X)) * adj(Y))**-1
    assert check(e, Y).ok
    results = run_example(generate(114809, 3), ["derivative[numerator]",
                                                "derivation", "codegen"])
    assert all(status == "pass" for status, _ in results.values()), results


@pytest.mark.parametrize("X_shape, x_shape", [((1, 2), (3, 1)), ((2, 1), (1, 3)),
                                              ((1, 3), (2, 2))])
def test_plugged_diff_of_kronecker_with_factors_not_along_the_axes(X_shape, x_shape):
    # seed 200818: X^T ⊗ x^T by X (1x2) has J = x ⊗ I_2, whose factors are
    # not m x p and n x q; reading them as SymPy's array D[k, i] C[l, j]
    # gave shape (2, 1, 2, 3) instead of (1, 2, 2, 3).  to_layout now checks
    # the factors' sizes and otherwise keeps the generic JacobianArray.
    from sympy import diff
    from sympy_matdiff import to_layout
    X, x = MatrixSymbol("X", *X_shape), MatrixSymbol("x", *x_shape)
    e = KroneckerProduct(X.T, x.T)
    R = diff(e, X)
    assert R.shape == X.shape + e.shape
    G = to_layout(R, e, X, source="sympy", target="numerator")
    assert check(e, X, result=G).ok


def test_trace_of_kronecker_of_non_square_factors_in_sympy_itself():
    # seed 202670: the generator's t*Trace(x ⊗ X)*M failed inside SymPy
    # (KroneckerProduct._eval_trace took tr(x) of a column); hooks.py makes
    # SymPy leave such a trace unevaluated, and uninstall() restores it
    from sympy_matdiff import hooks
    A, B, X = MatrixSymbol("A", 1, 2), MatrixSymbol("B", 2, 1), MatrixSymbol("X", 2, 2)
    s = Trace(KroneckerProduct(A, B))
    assert s.doit() == s and (s * X).shape == (2, 2)
    assert Trace(KroneckerProduct(X, X)).doit() == Trace(X)**2
    e = s * Trace(X)
    assert derivative(e, A) == Trace(X) * B
    assert check(e, A).ok and check(e, X).ok and check(e, B).ok
    results = run_example(generate(202670, 3), ["differential",
                                                "derivative[numerator]", "codegen"])
    assert all(status == "pass" for status, _ in results.values()), results
    hooks.uninstall()
    try:
        with pytest.raises(Exception, match="non-square"):
            s.doit()
    finally:
        hooks.install()


def test_elementwise_identity_function_evaluates_away():
    # re(t) of a real t is SymPy's IdentityFunction, which SymPy 1.14 says is
    # not is_identity: doit() left (u -> u).(X)
    from sympy import Lambda, MatrixSymbol, OneMatrix, S, Symbol, Trace, re
    from sympy_matdiff.differentials import prepare
    from sympy_matdiff.expressions import Elementwise
    t = Symbol("t", real=True)
    X = MatrixSymbol("X", 2, 3)
    assert Elementwise(S.IdentityFunction, X).doit() == X
    assert prepare(X.applyfunc(Lambda(t, re(t)))).doit() == X
    f = Trace(OneMatrix(3, 2) * X.applyfunc(Lambda(t, re(t) * t)))
    assert check(f, X, result=derivative(f, X)).ok
