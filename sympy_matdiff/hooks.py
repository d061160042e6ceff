"""What sympy_matdiff registers into SymPy: in this one module, reversibly.

Importing the package calls :func:`install` once.  It registers

* fixes of SymPy's: ``MatAdd.as_content_primitive``, which SymPy inherits
  from ``Add`` and which fails inside ``det(2 I + X^-1)``, and
  ``KroneckerProduct._eval_trace``, which applies tr(A ⊗ B) = tr(A) tr(B)
  to non-square factors (``t*Trace(A ⊗ B)*X`` with A 1x2 fails);
* NumPy code printing (``lambdify(args, expr, "numpy")``) for ``Trace``,
  ``Determinant``, ``HadamardPower`` and element-wise functions, which the
  derivatives are written with (methods SymPy lacks: ``ADDITIONS``);
* closed forms for plain ``sympy.diff`` (:mod:`sympy_matdiff.sympy_diff`):
  ``_eval_derivative`` for ``Determinant`` (which SymPy lacks) and for the
  plugin's scalar functions, and wrappers around the three methods where
  SymPy dispatches matrix derivatives,
  ``ArrayDerivative._call_derive_scalar_by_matexpr``,
  ``_call_derive_default`` and ``_call_derive_matexpr_by_scalar``, and
  around ``Trace._eval_derivative`` (``WRAPPERS``: each handler gets SymPy's
  original as first argument and keeps its answer wherever that is right).

:func:`uninstall` restores exactly what :func:`install` changed.

>>> from sympy import MatrixSymbol, Trace, det, diff, lambdify, log
>>> import numpy
>>> from sympy_matdiff import hooks
>>> X = MatrixSymbol('X', 2, 2)
>>> float(lambdify(X, Trace(X), "numpy")(numpy.eye(2)))
2.0
>>> diff(log(det(X)), X)
X.T**(-1)
>>> hooks.uninstall(); hooks.installed(), diff(log(det(X)), X)
(False, 0)
>>> hooks.install(); hooks.installed()
True
"""
import functools

from sympy import Determinant, KroneckerProduct, MatAdd, S, Trace
from sympy.printing.numpy import NumPyPrinter
from sympy.tensor.array.array_derivatives import ArrayDerivative

from . import sympy_diff
from .expressions import ScalarFunction


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


def _matadd_content_primitive(self, radical=False, clear=True):
    # SymPy's Add.as_content_primitive rebuilds a matrix sum from scalars and
    # fails ("Mix of Matrix and Scalar symbols") when factor_terms reaches
    # into det(2 I + X^-1), as asking whether tanh(log(det(...))) is real
    # does; a matrix sum has no scalar content to take out.
    return S.One, self


def _kronecker_trace(original, self):
    # tr(A ⊗ B) = tr(A) tr(B) needs square factors; with A 1x2 and B 2x1,
    # A ⊗ B is square but tr(A) is not defined: leave the trace as it is
    if all(a.is_square for a in self.args):
        return original(self)
    return None


ADDITIONS = {
    MatAdd: {
        "as_content_primitive": _matadd_content_primitive,
    },
    Determinant: {
        "_eval_derivative": sympy_diff.by_scalar,
    },
    ScalarFunction: {
        "_eval_derivative": sympy_diff.by_scalar,
    },
    NumPyPrinter: {
        "_print_Trace": _numpy_trace,
        "_print_Determinant": _numpy_determinant,
        "_print_HadamardPower": _numpy_hadamard_power,
        "_print_ElementwiseApplyFunction": _numpy_elementwise,
    },
}

# Static methods of SymPy's replaced by handler(original, *args).
WRAPPERS = {
    ArrayDerivative: {
        "_call_derive_scalar_by_matexpr": sympy_diff.by_matrix,
        "_call_derive_default": sympy_diff.by_matrix,
        "_call_derive_matexpr_by_scalar": sympy_diff.matrix_by_scalar,
    },
    Trace: {
        "_eval_derivative": sympy_diff.scalar_by_scalar,
    },
    KroneckerProduct: {
        "_eval_trace": _kronecker_trace,
    },
}

_MISSING = object()
_saved = {}


def _wrap(handler, cls, name):
    original = getattr(cls, name)

    @functools.wraps(original)
    def wrapped(*args):
        return handler(original, *args)
    return staticmethod(wrapped) if isinstance(cls.__dict__[name], staticmethod) \
        else wrapped


def install():
    """Register the additions and wrappers (idempotent)."""
    for cls, methods in ADDITIONS.items():
        for name, method in methods.items():
            if (cls, name) not in _saved:
                _saved[(cls, name)] = cls.__dict__.get(name, _MISSING)
                setattr(cls, name, method)
    for cls, methods in WRAPPERS.items():
        for name, handler in methods.items():
            if (cls, name) not in _saved:
                _saved[(cls, name)] = cls.__dict__[name]
                setattr(cls, name, _wrap(handler, cls, name))


def uninstall():
    """Remove the additions and wrappers, restoring SymPy exactly."""
    for (cls, name), old in list(_saved.items()):
        if old is _MISSING:
            delattr(cls, name)
        else:
            setattr(cls, name, old)
        del _saved[(cls, name)]


def installed():
    return bool(_saved)
