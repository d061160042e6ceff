"""The SymPy hooks are registered once and can be removed exactly."""
import numpy
import pytest
from sympy import MatrixSymbol, Trace, det, lambdify
from sympy.printing.numpy import NumPyPrinter

from sympy_matdiff import hooks

X = MatrixSymbol("X", 2, 2)


def test_installed_at_import_and_lambdify_works():
    assert hooks.installed()
    f = lambdify(X, Trace(X) + det(X), "numpy")
    assert numpy.isclose(f(numpy.array([[1.0, 2.0], [3.0, 4.0]])), 5 - 2)


def test_uninstall_restores_sympy_exactly():
    before = {name: NumPyPrinter.__dict__.get(name)
              for name in hooks.ADDITIONS[NumPyPrinter]}
    hooks.uninstall()
    try:
        assert not hooks.installed()
        for name in hooks.ADDITIONS[NumPyPrinter]:
            assert name not in NumPyPrinter.__dict__
        with pytest.raises(Exception):
            lambdify(X, Trace(X), "numpy")
    finally:
        hooks.install()
    assert {name: NumPyPrinter.__dict__.get(name)
            for name in hooks.ADDITIONS[NumPyPrinter]} == before
    hooks.install()    # idempotent
    assert hooks.installed()
