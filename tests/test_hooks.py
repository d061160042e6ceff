"""The SymPy hooks are registered once, each checked, and can be removed exactly."""
import warnings

import numpy
import pytest
from sympy import MatrixSymbol, Trace, det, diff, lambdify, log
from sympy.printing.numpy import NumPyPrinter

from sympy_matdiff import derivative, hooks

X = MatrixSymbol("X", 2, 2)


def test_every_hook_installed_on_this_sympy():
    # fails loudly when a SymPy release moved an internal we hook into
    assert hooks.installed()
    assert hooks.missing() == [], hooks.missing()
    for module, cls, name, kind, handler in hooks.HOOKS:
        if kind != "add":
            owner = hooks._class(module, cls)
            assert name in owner.__dict__, (cls, name)


def test_installed_at_import_and_lambdify_works():
    assert hooks.installed()
    f = lambdify(X, Trace(X) + det(X), "numpy")
    assert numpy.isclose(f(numpy.array([[1.0, 2.0], [3.0, 4.0]])), 5 - 2)


def test_uninstall_restores_sympy_exactly():
    before = hooks.registered()
    hooks.uninstall()
    try:
        assert not hooks.installed()
        assert "_print_Trace" not in NumPyPrinter.__dict__
        with pytest.raises(Exception):
            lambdify(X, Trace(X), "numpy")
        restored = hooks.registered()
        from sympy.tensor.array.array_derivatives import ArrayDerivative
        raw = ArrayDerivative.__dict__["_dispatch_eval_derivative_n_times"]
        assert raw.__func__.__module__ == "sympy.tensor.array.array_derivatives"
    finally:
        hooks.install()
    after = hooks.registered()
    changed = {key for key in after if after[key] is not restored[key]}
    assert changed == {key for key in before if before[key] is not restored[key]}
    assert changed == set(hooks._saved)
    for key in changed:     # what SymPy lacked is gone again after uninstall
        if hooks._saved[key] is hooks._MISSING:
            assert restored[key] is None
    hooks.install()    # idempotent
    assert hooks.registered() == after


def test_install_is_idempotent_and_registers_once():
    before = hooks.registered()
    hooks.install()
    assert hooks.registered() == before


def test_sympy_alone_restores_the_hooks_even_when_the_block_fails():
    with pytest.raises(ZeroDivisionError):
        with hooks.sympy_alone():
            assert not hooks.installed()
            1 / 0
    assert hooks.installed()
    assert diff(log(det(X)), X) == X.T**-1


def test_a_moved_internal_degrades_to_sympy_with_one_warning(monkeypatch):
    # as if a SymPy release had renamed the dispatcher and moved a module
    moved = list(hooks.HOOKS)
    moved[0] = ("sympy.tensor.array.array_derivatives", "ArrayDerivative",
                "__new_renamed__", "wrap", moved[0][4])
    moved.append(("sympy.no_such_module", "Nothing", "_eval_derivative", "wrap",
                  moved[0][4]))
    plain = diff(log(det(X)), X)
    with hooks.sympy_alone():
        alone = diff(log(det(X)), X)
        monkeypatch.setattr(hooks, "HOOKS", moved)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            hooks.install()
        try:
            ours = [w for w in caught if issubclass(w.category, hooks.SympyHookWarning)]
            assert len(ours) == 1
            text = str(ours[0].message)
            assert "ArrayDerivative.__new_renamed__" in text
            assert "sympy.no_such_module.Nothing._eval_derivative" in text
            assert len(hooks.missing()) == 2
            # derivative() works; the rest of the hooks are in
            assert derivative(log(det(X)), X) == X**-1
            assert hooks.installed()
        finally:
            hooks.uninstall()
        monkeypatch.setattr(hooks, "HOOKS", hooks.HOOKS)
    monkeypatch.undo()
    hooks.uninstall()
    hooks.install()
    assert hooks.missing() == []
    assert diff(log(det(X)), X) == plain
    assert alone in (plain, 0 * X)     # SymPy master is right, 1.14 not
