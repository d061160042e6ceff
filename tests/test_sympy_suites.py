"""SymPy's own test suites pass with the plugin installed.

Runs, in a subprocess, SymPy's tests of matrix expressions, of array
expressions and of explicit matrices with tests/sympy_suite_plugin.py, which
installs the plugin and lists the tests that assert an answer the plugin
changes (OLD_ANSWERS); their new answers are checked here.  Measured: about
80 s on an idle core, 5 min on the shared machine.
"""
import os
import re
import subprocess
import sys

import pytest
import sympy
from sympy import ImmutableDenseNDimArray, MatrixSymbol, Symbol, diff
from sympy.tensor.array.expressions import ZeroArray

from sympy_matdiff import derivative
from sympy_matdiff.layouts import to_layout

import sympy_suite_plugin

SYMPY = os.path.dirname(sympy.__file__)
SUITES = ["matrices/expressions/tests", "tensor/array/expressions/tests",
          "tensor/array/tests/test_array_derivatives.py",
          "matrices/tests/test_matrices.py"]
HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.mark.slow      # minutes: python3 -m pytest -q -m slow
def test_sympy_suites_pass_with_the_plugin():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [HERE, os.path.dirname(HERE), env.get("PYTHONPATH", "")])
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "sympy_suite_plugin",
         "-p", "no:cacheprovider", "-o", "addopts=", f"--rootdir={SYMPY}",
         *[os.path.join(SYMPY, s) for s in SUITES]],
        env=env, capture_output=True, text=True, cwd=HERE)
    tail = run.stdout[-3000:]
    assert run.returncode == 0, tail
    summary = tail.strip().splitlines()[-1]
    assert int(re.search(r"(\d+) passed", summary).group(1)) > 400, summary
    xfailed = re.search(r"(\d+) xfailed", summary)
    assert xfailed and int(xfailed.group(1)) >= len(
        sympy_suite_plugin.OLD_ANSWERS), summary


def test_old_answers_listed_once_with_reasons():
    assert all(reason for reason in sympy_suite_plugin.OLD_ANSWERS.values())


def test_new_answer_of_trivial_cases_is_the_zero_array():
    # test_matrix_derivative_trivial_cases: X.diff(A), X constant in A
    k = Symbol("k")
    X, A = MatrixSymbol("X", k, k), MatrixSymbol("A", k, k)
    assert X.diff(A) == ZeroArray(k, k, k, k)
    X3, A3 = MatrixSymbol("X", 3, 2), MatrixSymbol("A", 2, 4)
    R = diff(X3, A3)
    assert R.shape == (2, 4, 3, 2)
    assert to_layout(R, X3, A3) == derivative(X3, A3)
    assert R.as_explicit() == ImmutableDenseNDimArray.zeros(2, 4, 3, 2)


def test_new_answer_of_an_explicit_matrix_power_by_a_scalar():
    # test_matpow_derivative (SymPy master leaves it unevaluated)
    from sympy import Matrix
    from sympy_matdiff import check
    m, n = Symbol("m"), Symbol("n")
    M = Matrix([[0, m], [n, 0]])**-1
    R = diff(M, m)
    assert check(M, m, result=R, points=1).ok
