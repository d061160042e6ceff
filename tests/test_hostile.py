"""Hostile and unsupported input: every row of docs/errors.md, tested.

The table's first column names a check here; a row without a check, or a
check without a row, fails ``test_every_row_has_a_check``.
"""
import pathlib
import re
import subprocess
import sys
import textwrap
import warnings

import pytest
from sympy import (Abs, Basic, Determinant, HadamardProduct, I, Integer, Lambda,
                   MatAdd, MatMul, MatrixSymbol, Max, Min, Piecewise, Rational,
                   Symbol, Trace, ZeroMatrix, conjugate, det, exp, floor, sign,
                   sin)
from sympy.core.symbol import Str
from sympy.matrices.exceptions import ShapeError

from sympy_matdiff import (IdentificationError, LayoutError, MatrixCalculusError,
                           NoRuleError, NotASymbolError, NotSquareError,
                           ScalarDerivativeError, adj, d, derivation, derivative,
                           hessian)
from sympy_matdiff.errors import (DimensionError, NotRealError,
                                  ShapeMismatchError)
from sympy_matdiff.numeric import check, check_differential

ROOT = pathlib.Path(__file__).resolve().parent.parent
n, m, k = (Symbol(c, integer=True, positive=True) for c in "nmk")
u, t = Symbol("u"), Symbol("t")
X, Z = MatrixSymbol("X", 3, 3), MatrixSymbol("Z", 2, 3)
A, An = MatrixSymbol("A", 2, 3), MatrixSymbol("A", n, m)


def refused(call, error, *words):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, MatrixCalculusError)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def _det_not_square():
    refused(lambda: d(det(An)), NotSquareError, "det()", "square", "(n, m)")
    with pytest.raises(ShapeError):     # SymPy's own, at construction
        Determinant(A)


def _inverse_not_square():
    refused(lambda: d(An.inverse()), NotSquareError, "inverse", "square")
    refused(lambda: d(An**2), NotSquareError, "matrix power", "square")


def _adjugate_not_square():
    refused(lambda: adj(A), NotSquareError, "adj()", "square")
    refused(lambda: d(adj(An)), NotSquareError, "adj()", "square")


def _shapes_mismatch():
    with pytest.raises(ShapeError):
        A * A
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # SymPy deprecates check=False
        bad = [MatMul(A, A, check=False), MatAdd(A, A.T, check=False),
               HadamardProduct(A, A.T, check=False)]
    for e in bad:
        refused(lambda: d(e), ShapeMismatchError, "A (2x3)", "shapes")
        assert isinstance(pytest.raises(ShapeError, d, e).value, ShapeError)
    B = MatrixSymbol("B", k, n)     # m = k is possible: SymPy accepts it
    assert d(An * B) != 0


def _wrt_expression():
    f = Trace(X * X)
    for call in (lambda: d(X, X.T), lambda: derivative(f, 2 * X),
                 lambda: hessian(f, Trace(X)), lambda: derivation(f, X.T)):
        refused(call, NotASymbolError, "wrt", "Symbol or MatrixSymbol")


def _wrt_absent():
    W = MatrixSymbol("W", 2, 3)
    assert d(X, W) == ZeroMatrix(3, 3)
    assert d(Trace(X), W) == 0 and d(Trace(X), t) == 0
    assert derivative(Trace(X), W).shape == (3, 2)
    assert derivative(Trace(X), W, layout="mixed").shape == (2, 3)
    assert derivative(A * X, W).shape == (6, 6)
    assert derivative(X, t) == ZeroMatrix(3, 3)
    assert hessian(Trace(X), W) == ZeroMatrix(6, 6)


def _abs():
    e = X.applyfunc(Abs)
    assert "sign(X)" in str(d(e))
    assert check_differential(e).ok and check(Trace(e), X).ok
    assert check(Abs(Trace(X)), X).ok


def _sign():
    D = d(X.applyfunc(sign))
    assert "DiracDelta" in str(D)
    assert check_differential(X.applyfunc(sign)).ok   # 0 away from 0


def _floor():
    refused(lambda: d(X.applyfunc(floor)), ScalarDerivativeError, "floor",
            "fdiff")


def _relu():
    relu = X.applyfunc(Lambda(u, Max(0, u)))
    assert "Heaviside" in str(d(relu))
    assert check_differential(relu).ok and check(Trace(relu), X).ok
    for e in [Max(0, Trace(X)), Min(Trace(X), Trace(X * X))]:
        assert check_differential(e).ok and check(e, X).ok


def _piecewise():
    e = X.applyfunc(Lambda(u, Piecewise((u**2, u > 0), (0, True))))
    assert check_differential(e).ok
    s = Piecewise((Trace(X)**2, Trace(X) > 0), (-Trace(X), True))
    assert check(s, X).ok and check_differential(s * A).ok


def _complex():
    z = Symbol("z", complex=True)
    for call in (lambda: d(z * Trace(X)), lambda: d(I * Trace(X)),
                 lambda: d(Trace(conjugate(X))), lambda: d(Trace(X.adjoint() * X)),
                 lambda: derivative(Trace(X), z),
                 lambda: d(Symbol("w", imaginary=True) * Trace(X))):
        refused(call, NotRealError, "real")
    assert derivative(t * Trace(X), t) == Trace(X)
    assert d(Symbol("r", real=True) * X) != 0


def _dimensions():
    for bad in (-1, Rational(1, 2)):
        with pytest.raises(ValueError):     # SymPy's own, at construction
            MatrixSymbol("B", bad, 2)
        B = Basic.__new__(MatrixSymbol, Str("B"), Integer(bad) if bad == -1
                          else bad, Integer(2))
        refused(lambda: d(B), DimensionError, "nonnegative integer")
    assert d(Trace(MatrixSymbol("S", n - 1, n - 1))) != 0


DEEP = textwrap.dedent("""
    import sys, time
    from sympy import MatrixSymbol, Trace, sin
    from sympy_matdiff import d, derivative, hessian, derivation
    from sympy_matdiff.errors import TooDeepError
    X = MatrixSymbol('X', 2, 2)
    e = Trace(X)
    for _ in range(5000):
        e = sin(e, evaluate=False)
    calls = {'d': d, 'derivative': lambda e: derivative(e, X),
             'hessian': lambda e: hessian(e, X),
             'derivation': lambda e: derivation(e, X)}
    for name in sys.argv[1:]:
        f, start = calls[name], time.time()
        try:
            f(e)
            print('result')
        except TooDeepError as err:
            assert 'recursion limit' in str(err) and time.time() - start < 30
            print('TooDeepError')
    """)


def run_deep(*names):
    # in a subprocess: a crash there cannot take the test run down
    res = subprocess.run([sys.executable, "-c", DEEP, *names],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["TooDeepError"] * len(names), res.stdout


def _deep_nesting():
    run_deep("d", "derivative", "hessian")


def test_derivation_of_deep_nesting():
    run_deep("derivation")


MANY = textwrap.dedent("""
    import time
    from sympy import MatAdd, MatrixSymbol
    from sympy_matdiff import d
    X = MatrixSymbol('X', 2, 2)
    f = MatAdd(*[MatrixSymbol(f'A{i}', 2, 2) * X for i in range(10000)])
    start = time.time()
    D = d(f, X)
    assert len(D.args) == 10000, len(D.args)
    print(round(time.time() - start, 1))
    """)


def _many_terms():
    res = subprocess.run([sys.executable, "-c", MANY], capture_output=True,
                         text=True, timeout=400)
    assert res.returncode == 0, res.stderr[-2000:]
    assert float(res.stdout) < 300


def _not_a_scalar():
    refused(lambda: d(exp(X)), NoRuleError, "applyfunc", "scalar_function")
    B = MatrixSymbol("B", 3, 2)
    refused(lambda: d(sin(A * B)), NoRuleError, "scalar function takes a scalar")


def _unsupported_construct():
    refused(lambda: d(X[:2, :]), NoRuleError, "MatrixSlice", "docs/rules.md")
    refused(lambda: d(X**k), NoRuleError, "integer powers")
    refused(lambda: d(X**Rational(1, 2)), NoRuleError, "integer powers")


def _opaque_function():
    from sympy import Function

    class opaque(Function):
        pass
    refused(lambda: d(opaque(Trace(X))), ScalarDerivativeError, "opaque", "fdiff")


def _hessian_of_matrix():
    refused(lambda: hessian(X, X), IdentificationError, "not scalar-valued")


def _unknown_layout():
    refused(lambda: derivative(Trace(X), X, layout="row"), LayoutError,
            "numerator", "denominator", "mixed")


CHECKS = {name.strip("_").replace("_", "-"): f for name, f in globals().items()
          if name.startswith("_") and not name.startswith("__") and callable(f)
          and name not in ("_",)}


def _table_rows():
    text = (ROOT / "docs" / "errors.md").read_text()
    return re.findall(r"^\| `([a-z-]+)` \|", text, flags=re.M)


def test_every_row_has_a_check():
    rows = _table_rows()
    assert len(rows) == len(set(rows)) >= 15
    assert set(rows) == set(CHECKS), (set(rows) ^ set(CHECKS))


@pytest.mark.parametrize("row", _table_rows())
def test_row(row):
    CHECKS[row]()
