"""What sympy_matdiff registers into SymPy: in this one module, reversibly.

Importing the package calls :func:`install` once.  It registers

* one wrapper where SymPy dispatches every derivative that involves a
  matrix expression, the class method
  ``ArrayDerivative._dispatch_eval_derivative_n_times(expr, v, count)``
  (:func:`.sympy_diff.dispatch`: first, second and mixed derivatives by
  matrices, and matrices by scalars);
* around ``ArrayDerivative.__new__``, ``simplify=False`` by default for
  symbolic matrix and array expressions: after a second derivative SymPy
  runs ``factor_terms(signsimp(result))``, scalar tools that break matrix
  and array expressions (they build noncommutative scalars in a ``MatMul``
  and permutations of the wrong size);
* ``_eval_derivative`` for ``Trace`` and ``Determinant`` (wrapped where
  SymPy has one, added where it lacks one) and for the plugin's scalar
  functions, which scalar-by-scalar derivatives reach;
* fixes of SymPy's: ``MatAdd.as_content_primitive``, which SymPy inherits
  from ``Add`` and which fails inside ``det(2 I + X^-1)``,
  ``MatMul.as_content_primitive``, inherited from ``Mul``, which turns the
  ``2*A.T*A`` of a second derivative into a scalar ``Mul``, and
  ``KroneckerProduct._eval_trace``, which applies tr(A ⊗ B) = tr(A) tr(B)
  to non-square factors (``t*Trace(A ⊗ B)*X`` with A 1x2 fails);
* a cache around the ``doit`` of ``MatMul``, ``MatAdd``, ``Transpose``,
  ``HadamardProduct`` and ``DiagMatrix``, which SymPy calls on a whole
  product each time it is negated, scaled, transposed or printed, and
  ``DiagMatrix``'s asks ``Q.diagonal`` of its vector (a SAT query, up to a
  second): same answers, per expression, until ``clear_cache()`` (the
  Hessian of a two-layer network took 5 s, most of it there);
* NumPy code printing (``lambdify(args, expr, "numpy")``) for ``Trace``,
  ``Determinant``, ``HadamardPower``, element-wise functions and the
  plugin's ``JacobianArray``, where SymPy's printer lacks them, and
  non-integer powers of 1x1 matrices (``(x.T*x)**(-1/2)``, which SymPy
  prints as ``matrix_power``, for integers only).

Each hook names a SymPy attribute by its import path (:data:`HOOKS`) and is
checked before it is installed: a class or method that moved in a SymPy
release is skipped, SymPy keeps its own behaviour there, the rest of the
plugin works, and ONE :class:`SympyHookWarning` names every hook left out
(:func:`missing` lists them).  :func:`uninstall` restores exactly what
:func:`install` changed; :func:`sympy_alone` does it for a ``with`` block.

>>> from sympy import MatrixSymbol, Trace, det, diff, lambdify, log
>>> import numpy
>>> from sympy_matdiff import hooks
>>> X = MatrixSymbol('X', 2, 2)
>>> float(lambdify(X, Trace(X), "numpy")(numpy.eye(2)))
2.0
>>> diff(log(det(X)), X)
X.T**(-1)
>>> hooks.installed(), hooks.missing()
(True, [])
>>> with hooks.sympy_alone():
...     alone = diff(log(det(X)), X)
>>> hooks.installed()
True
"""
import contextlib
import functools
import importlib
import warnings

from sympy import S
from sympy.core.cache import cacheit

from . import sympy_diff
from .expressions import ScalarFunction


class SympyHookWarning(UserWarning):
    """A SymPy internal the plugin hooks into was not found."""


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


def _numpy_jacobian_array(self, expr):
    # T[i, j, ..., k, l] = J[row, i + p*j]: J reshaped in Fortran order
    # carries the axes pair by pair, innermost pair first (see JacobianArray)
    J = self._print(expr.numerator)
    dims, perm = expr.fortran_reshape()
    return (f"{self._module_format(self._module + '.transpose')}("
            f"{self._module_format(self._module + '.reshape')}("
            f"{self._module_format(self._module + '.asarray')}({J}), {dims}, "
            f"order='F'), {perm})")


def _numpy_matpow(original, self, expr):
    # numpy.linalg.matrix_power takes integer exponents only; SymPy writes
    # d||x||/dx with (x^T x)**(-1/2), a 1x1 matrix, whose power is entry-wise
    base, exp = expr.args
    if tuple(base.shape) == (1, 1) and not exp.is_Integer:
        power = self._module_format(self._module + ".power")
        return f"{power}({self._print(base)}, {self._print(exp)})"
    return original(self, expr)


def _matrix_content_primitive(self, radical=False, clear=True):
    # SymPy's Add.as_content_primitive rebuilds a matrix sum from scalars and
    # fails ("Mix of Matrix and Scalar symbols") when factor_terms reaches
    # into det(2 I + X^-1), as asking whether tanh(log(det(...))) is real
    # does; Mul's turns 2*A.T*A into a scalar Mul, as factor_terms does to
    # every second derivative (diff(f, x, 2)).  A matrix sum or product has
    # no scalar content to take out.
    return S.One, self


def _kronecker_trace(original, self):
    # tr(A ⊗ B) = tr(A) tr(B) needs square factors; with A 1x2 and B 2x1,
    # A ⊗ B is square but tr(A) is not defined: leave the trace as it is
    if all(a.is_square for a in self.args):
        return original(self)
    return None


def _remembered_doit(original, self, **hints):
    # SymPy's -M, c*M and transposed products call doit() on the whole
    # product, which walks every part again (and -M prints as a negation:
    # printing does it too); DiagMatrix.doit asks Q.diagonal of its vector, a
    # SAT query that takes up to a second for a Hadamard product of
    # element-wise functions.  The result is kept for the expression, the
    # hints and the global assumptions (which ask() reads), in SymPy's cache
    # (emptied by clear_cache with the rest).
    from sympy.assumptions import global_assumptions
    from sympy.core.parameters import global_parameters
    return _cached_doit(original, self, tuple(sorted(hints.items())),
                        frozenset(global_assumptions),
                        (global_parameters.evaluate,
                         global_parameters.distribute))


@cacheit
def _cached_doit(original, expr, hints, context, parameters):
    return original(expr, **dict(hints))


_MISSING = object()

# (module, class, attribute, kind, what): kind "add" sets the attribute
# where the class's own namespace lacks it (and leaves SymPy's where it has
# one); "wrap" replaces SymPy's method by handler(original, *args) and needs
# it to be there; "wrap-or-add" wraps SymPy's if it has one, else wraps a
# method answering None (SymPy's "no answer").
HOOKS = [
    ("sympy.tensor.array.array_derivatives", "ArrayDerivative", "__new__", "wrap",
     sympy_diff.new_array_derivative),
    ("sympy.tensor.array.array_derivatives", "ArrayDerivative",
     "_dispatch_eval_derivative_n_times", "wrap", sympy_diff.dispatch),
    ("sympy.matrices.expressions.trace", "Trace", "_eval_derivative", "wrap",
     sympy_diff.scalar_by_scalar),
    ("sympy.matrices.expressions.determinant", "Determinant", "_eval_derivative",
     "wrap-or-add", sympy_diff.scalar_by_scalar),
    (None, ScalarFunction, "_eval_derivative", "add",
     sympy_diff.by_scalar),
    ("sympy.matrices.expressions.matadd", "MatAdd", "as_content_primitive", "add",
     _matrix_content_primitive),
    ("sympy.matrices.expressions.matmul", "MatMul", "as_content_primitive", "add",
     _matrix_content_primitive),
    ("sympy.matrices.expressions.kronecker", "KroneckerProduct", "_eval_trace",
     "wrap", _kronecker_trace),
    ("sympy.matrices.expressions.diagonal", "DiagMatrix", "doit", "wrap",
     _remembered_doit),
    ("sympy.matrices.expressions.matmul", "MatMul", "doit", "wrap",
     _remembered_doit),
    ("sympy.matrices.expressions.matadd", "MatAdd", "doit", "wrap",
     _remembered_doit),
    ("sympy.matrices.expressions.transpose", "Transpose", "doit", "wrap",
     _remembered_doit),
    ("sympy.matrices.expressions.hadamard", "HadamardProduct", "doit", "wrap",
     _remembered_doit),
    ("sympy.printing.numpy", "NumPyPrinter", "_print_Trace", "add", _numpy_trace),
    ("sympy.printing.numpy", "NumPyPrinter", "_print_Determinant", "add",
     _numpy_determinant),
    ("sympy.printing.numpy", "NumPyPrinter", "_print_HadamardPower", "add",
     _numpy_hadamard_power),
    ("sympy.printing.numpy", "NumPyPrinter", "_print_ElementwiseApplyFunction",
     "add", _numpy_elementwise),
    ("sympy.printing.numpy", "NumPyPrinter", "_print_JacobianArray", "add",
     _numpy_jacobian_array),
    ("sympy.printing.numpy", "NumPyPrinter", "_print_MatPow", "wrap", _numpy_matpow),
]

_saved = {}         # (class, attribute) -> SymPy's own entry, or _MISSING
_missing = []       # "module.Class.attribute" of the hooks left out


def _class(module, name):
    if module is None:
        return name
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _wrap(handler, cls, name, raw):
    """``handler(original, *args)`` in the place of ``cls.name``, of the
    same kind (static method, class method or method) as SymPy's."""
    if raw is _MISSING:
        @functools.wraps(handler)
        def wrapped(*args):
            return handler(_none, *args)
        return wrapped
    if isinstance(raw, classmethod):
        original = raw.__func__

        @functools.wraps(original)
        def wrapped_cls(cls_, *args):
            return handler(functools.partial(original, cls_), *args)
        return classmethod(wrapped_cls)
    original = raw.__func__ if isinstance(raw, staticmethod) else raw

    @functools.wraps(original)
    def wrapped(*args, **kwargs):
        return handler(original, *args, **kwargs)
    return staticmethod(wrapped) if isinstance(raw, staticmethod) else wrapped


def _none(*args):
    return None


def _plan():
    """[(class, attribute, new entry)] of the hooks that fit this SymPy, and
    the names of those that do not."""
    plan, lost = [], []
    for module, cls_name, name, kind, handler in HOOKS:
        cls = _class(module, cls_name)
        label = f"{module}.{cls_name}.{name}" if module else \
            f"{cls_name.__name__}.{name}"
        if not isinstance(cls, type):
            lost.append(label)
            continue
        raw = cls.__dict__.get(name, _MISSING)
        if kind == "add":
            if raw is _MISSING:
                plan.append((cls, name, handler))
            continue
        if raw is _MISSING and kind == "wrap":
            lost.append(label)
            continue
        if raw is not _MISSING and not callable(getattr(cls, name, None)):
            lost.append(label)
            continue
        plan.append((cls, name, _wrap(handler, cls, name, raw)))
    return plan, lost


def install():
    """Register the hooks that fit this SymPy (idempotent); warn once,
    naming them, about those that do not."""
    if _saved:
        return
    plan, lost = _plan()
    for cls, name, entry in plan:
        _saved[(cls, name)] = cls.__dict__.get(name, _MISSING)
        setattr(cls, name, entry)
    if lost and not _missing:
        import sympy
        warnings.warn(
            f"sympy_matdiff could not hook into SymPy {sympy.__version__}: "
            f"{', '.join(lost)} not found (moved in this SymPy?). Plain "
            "sympy.diff keeps SymPy's own behaviour there; derivative(), "
            "hessian(), d() and the rest of sympy_matdiff are unaffected.",
            SympyHookWarning, stacklevel=2)
    _missing[:] = lost


def uninstall():
    """Remove the hooks, restoring SymPy exactly."""
    for (cls, name), old in list(_saved.items()):
        if old is _MISSING:
            delattr(cls, name)
        else:
            setattr(cls, name, old)
        del _saved[(cls, name)]


def installed():
    return bool(_saved)


def missing():
    """The hooks this SymPy has no place for (empty on supported versions)."""
    return list(_missing)


@contextlib.contextmanager
def sympy_alone():
    """Plain SymPy inside the block, the hooks back after it, even when the
    block raises."""
    was = installed()
    uninstall()
    try:
        yield
    finally:
        if was:
            install()


# The classes whose entries tests compare before and after uninstall().
def registered():
    """{(class, attribute): entry in the class's own namespace, or None}."""
    table = {}
    for module, cls_name, name, kind, handler in HOOKS:
        cls = _class(module, cls_name)
        if isinstance(cls, type):
            table[(cls, name)] = cls.__dict__.get(name)
    return table
