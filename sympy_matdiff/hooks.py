"""What sympy_matdiff registers into SymPy: in this one module, reversibly.

Importing the package calls :func:`install` once.  It adds methods that
SymPy lacks and changes none that it has, so SymPy's own behaviour is kept:

* NumPy code printing (``lambdify(args, expr, "numpy")``) for ``Trace``,
  ``Determinant``, ``HadamardPower`` and element-wise functions, which the
  derivatives are written with.

:func:`uninstall` removes exactly what :func:`install` added.

>>> from sympy import MatrixSymbol, Trace, lambdify
>>> import numpy
>>> from sympy_matdiff import hooks
>>> X = MatrixSymbol('X', 2, 2)
>>> float(lambdify(X, Trace(X), "numpy")(numpy.eye(2)))
2.0
>>> hooks.uninstall(); hooks.installed()
False
>>> hooks.install(); hooks.installed()
True
"""
from sympy.printing.numpy import NumPyPrinter


def _numpy_trace(self, expr):
    return f"{self._module_format(self._module + '.trace')}({self._print(expr.arg)})"


def _numpy_determinant(self, expr):
    det = self._module_format(self._module + ".linalg.det")
    return f"{det}({self._print(expr.arg)})"


def _numpy_hadamard_power(self, expr):
    power = self._module_format(self._module + ".power")
    return f"{power}({self._print(expr.base)}, {self._print(expr.exp)})"


def _numpy_elementwise(self, expr):
    # NumPy's functions act entry by entry, so f applied to the array is
    # f(X) element-wise; "+ 0*v" keeps the shape of a constant f.
    f = expr.function
    v = self._print(f.variables[0])
    body = self._print(f.expr)
    if f.variables[0] not in f.expr.free_symbols:
        body = f"{body} + 0*{v}"
    return f"(lambda {v}: {body})({self._print(expr.expr)})"


ADDITIONS = {
    NumPyPrinter: {
        "_print_Trace": _numpy_trace,
        "_print_Determinant": _numpy_determinant,
        "_print_HadamardPower": _numpy_hadamard_power,
        "_print_ElementwiseApplyFunction": _numpy_elementwise,
    },
}

_MISSING = object()
_saved = {}


def install():
    """Register the additions (idempotent)."""
    for cls, methods in ADDITIONS.items():
        for name, method in methods.items():
            if (cls, name) not in _saved:
                _saved[(cls, name)] = cls.__dict__.get(name, _MISSING)
                setattr(cls, name, method)


def uninstall():
    """Remove the additions, restoring SymPy exactly."""
    for (cls, name), old in list(_saved.items()):
        if old is _MISSING:
            delattr(cls, name)
        else:
            setattr(cls, name, old)
        del _saved[(cls, name)]


def installed():
    return bool(_saved)
