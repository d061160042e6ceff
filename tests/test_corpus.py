"""The identification corpus: every case right, numerically and in form.

Each case (tests/corpus.py, with its source) is differentiated, or its
Hessian taken, and the result is compared with 50-digit finite differences
at random well-conditioned points; cases with a textbook form must give it
exactly.  Every result must also lambdify to NumPy and agree.
"""
import numpy
import pytest
from sympy import MatrixSymbol, Symbol, lambdify

from sympy_matdiff import check, derivative, hessian
from sympy_matdiff.numeric import (check_hessian, concrete_sizes, evaluate,
                                   random_point)

from corpus import CASES

DERIVATIVES = [c for c in CASES if c.kind == "derivative"]
HESSIANS = [c for c in CASES if c.kind == "hessian"]


def test_corpus_size_and_sources():
    assert len(CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES)
    assert all(c.source for c in CASES)


@pytest.mark.parametrize("case", DERIVATIVES, ids=lambda c: c.name)
def test_derivative(case):
    G = derivative(case.expr, case.wrt)
    report = check(case.expr, case.wrt, result=G, points=1)
    assert report.ok, f"{case.name}: {G}: {report}"
    if case.expected is not None:
        sizes = concrete_sizes(case.expr)
        assert (G - case.expected).subs(sizes).as_explicit().applyfunc(
            lambda v: v.expand()).is_zero_matrix if G.is_Matrix else \
            (G - case.expected).expand() == 0, f"{G} != {case.expected}"


@pytest.mark.parametrize("case", HESSIANS, ids=lambda c: c.name)
def test_hessian(case):
    H = hessian(case.expr, case.wrt)
    report = check_hessian(case.expr, case.wrt, result=H, points=1)
    assert report.ok, f"{case.name}: {H}: {report}"


def _numeric_sizes(e):
    return not any(s.free_symbols for m in e.atoms(MatrixSymbol) for s in m.shape)


@pytest.mark.parametrize("case", [c for c in DERIVATIVES if
                                  _numeric_sizes(c.expr)][::2],
                         ids=lambda c: c.name)
def test_result_lambdifies(case):
    G = derivative(case.expr, case.wrt)
    if G.atoms(*_generic()):
        pytest.skip("generic functions have no numeric value")
    syms = sorted({s for s in G.free_symbols | case.expr.free_symbols
                   if isinstance(s, (MatrixSymbol, Symbol))}, key=str)
    point = random_point(case.expr, set(syms) | {case.wrt})
    want = evaluate(G, point)
    fn = lambdify(syms, G, "numpy")
    args = [numpy.array(point[s].tolist(), dtype=float) if s.is_Matrix else
            float(point[s]) for s in syms]
    got = fn(*args)
    want = numpy.array(want.tolist(), dtype=float) if hasattr(want, "tolist") \
        else float(want)
    assert numpy.allclose(got, want, rtol=1e-9, atol=1e-12)


def _generic():
    from sympy.core.function import AppliedUndef
    from sympy_matdiff.expressions import FunctionGradient, ScalarFunction
    return (AppliedUndef, FunctionGradient, ScalarFunction)
