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


def _registered():
    """(class, name) -> the object in the class's own __dict__, or None."""
    table = {}
    for group in (hooks.ADDITIONS, hooks.WRAPPERS):
        for cls, methods in group.items():
            for name in methods:
                table[(cls, name)] = cls.__dict__.get(name)
    return table


def test_uninstall_restores_every_class_exactly():
    installed = _registered()
    hooks.uninstall()
    try:
        restored = _registered()
        for (cls, name), obj in restored.items():
            assert obj is not installed[(cls, name)]
            if name in hooks.ADDITIONS.get(cls, {}):
                assert obj is None         # SymPy lacks it
        # the wrapped static methods are SymPy's own objects again
        from sympy.tensor.array.array_derivatives import ArrayDerivative
        assert ArrayDerivative.__dict__["_call_derive_default"].__func__.__module__ \
            == "sympy.tensor.array.array_derivatives"
    finally:
        hooks.install()
    assert _registered() != restored
    assert hooks.installed()


def test_install_is_idempotent_and_registers_once():
    before = _registered()
    hooks.install()
    assert _registered() == before
