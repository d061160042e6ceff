"""Scalar functions applied element-wise, in generated code.

Each function of the table is applied entry by entry to a product,
``f(X W)`` with X 4x3 and W 3x2, in the objective ``tr(C^T f(X W))``; the
code that :func:`codegen_function` writes for its value and its derivative
by X and by W (NumPy, and JAX and PyTorch where installed) is run at a
random point and compared with the objective evaluated entry by entry at 30
digits (mpmath), and with central finite differences of that.  A function
the array module lacks, or a derivative with DiracDelta, must be refused by
a CodegenError that names it.

Found by these tests (before the fix): Max and Min printed as
``numpy.amax(numpy.asarray([1, X]), axis=0)`` under SymPy 1.13 (a ValueError
on arrays); erf, erfc, gamma and loggamma as ``math.erf`` (a TypeError on
arrays, in NumPy and JAX and PyTorch); ``re(u)`` of a real u, SymPy's
IdentityFunction, as an undefined name ``x``; ``hypot(u, 2)`` as
``torch.hypot`` of a number; printer errors that suggested a printer option.
"""
import importlib.util
import zlib

import mpmath
import numpy
import pytest
from sympy import (Abs, Lambda, MatrixSymbol, Max, Min, OneMatrix, Piecewise,
                   Symbol, Trace, acosh, asinh, atan, cosh, erf, erfc, erfinv, exp,
                   factorial, gamma, lambdify, log, loggamma, re, sign, sinh,
                   sqrt, tanh)
from sympy.codegen.cfunctions import expm1, hypot, log1p

from sympy_matdiff.codegen import CodegenError, codegen_function
from sympy_matdiff.expressions import Elementwise
from sympy_matdiff.functions import log_sigmoid, relu, sigmoid, softplus

t = Symbol("t")
a = Symbol("a", positive=True)
X, W, C = MatrixSymbol("X", 4, 3), MatrixSymbol("W", 3, 2), MatrixSymbol("C", 4, 2)
x, A = MatrixSymbol("x", 3, 1), MatrixSymbol("A", 2, 3)
A_VALUE = 1.7
ALL = ("numpy", "jax", "torch")
_MODULES = {"numpy": "numpy", "jax": "jax", "torch": "torch"}

# the named functions by their definitions, for mpmath
DEFINITIONS = {sigmoid: lambda u: 1 / (1 + exp(-u)),
               softplus: lambda u: log(1 + exp(u)),
               log_sigmoid: lambda u: -log(1 + exp(-u)),
               relu: lambda u: Max(0, u)}

# name, f(t), where X W lies ("real", "positive", "above 1", "small": in
# (-1, 1)), backends
FUNCTIONS = [
    ("exp", exp(t), "real", ALL),
    ("log", log(t), "positive", ALL),
    ("sqrt", sqrt(t), "positive", ALL),
    ("tanh", tanh(t), "real", ALL),
    ("sigmoid", sigmoid(t), "real", ALL),
    ("softplus", softplus(t), "real", ALL),
    ("log_sigmoid", log_sigmoid(t), "real", ALL),
    ("relu", relu(t), "real", ALL),
    ("abs", Abs(t), "real", ALL),
    ("max(t, 1)", Max(t, 1), "real", ALL),
    ("min(t, 1)", Min(t, 1), "real", ALL),
    ("max of three", Max(t, 0, t / 2 - 1), "real", ALL),
    ("max(t, a)", Max(t, a), "real", ALL),
    ("piecewise", Piecewise((t**2, t > 0), (t, True)), "real", ALL),
    ("erf", erf(t), "real", ALL),
    ("erfc", erfc(t), "real", ALL),
    ("atan", atan(t), "real", ALL),
    ("sinh", sinh(t), "real", ALL),
    ("cosh", cosh(t), "real", ALL),
    ("asinh", asinh(t), "real", ALL),
    ("acosh", acosh(t), "above 1", ALL),
    ("log(1 + t)", log(1 + t), "positive", ALL),
    ("log1p", log1p(t), "positive", ALL),
    ("expm1", expm1(t), "real", ALL),
    ("t^a", t**a, "positive", ALL),
    ("a^t", a**t, "real", ALL),
    ("|t|^a", Abs(t)**a, "real", ALL),
    ("hypot(t, 2)", hypot(t, 2), "real", ALL),
    ("re(t)", re(t), "real", ALL),
    # their derivatives have polygamma: JAX has it, NumPy not; torch no gamma
    ("gamma", gamma(t), "positive", ("jax",)),
    ("loggamma", loggamma(t), "positive", ("jax", "torch")),
    ("erfinv", erfinv(t), "small", ("jax", "torch")),
]


def _backend(name):
    if name != "numpy" and importlib.util.find_spec(_MODULES[name]) is None:
        pytest.skip(f"{name} is not installed (the optional extra [{name}])")
    if name == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)


def _point(name, domain):
    rng = numpy.random.default_rng(zlib.crc32(name.encode()))
    Xv, Wv, Cv = (rng.standard_normal(s) for s in ((4, 3), (3, 2), (4, 2)))
    if domain == "small":
        Xv, Wv = Xv / (2 * numpy.abs(Xv).max()), Wv / (2 * numpy.abs(Wv).max())
    elif domain != "real":
        Xv, Wv = numpy.abs(Xv) + 0.5, numpy.abs(Wv) + 0.5
    if domain == "above 1":
        Xv = Xv + 1
    return Xv, Wv, Cv


def _reference(body):
    """tr(C^T f(X W)) at 30 digits, entry by entry."""
    for cls, definition in DEFINITIONS.items():
        body = body.replace(lambda e: isinstance(e, cls),
                            lambda e: definition(e.args[0]))
    g = lambdify(t, body.subs(a, A_VALUE), "mpmath")

    def value(Xv, Wv, Cv):
        with mpmath.workdps(30):
            Z = Xv @ Wv
            return float(sum(Cv[i, j] * g(mpmath.mpf(float(Z[i, j])))
                             for i in range(Z.shape[0]) for j in range(Z.shape[1])))
    return value


def _differences(value, args, k, h=1e-6):
    """The numerator-layout derivative of value(*args) by args[k]."""
    M = args[k]
    G = numpy.zeros(M.shape[::-1])
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            E = numpy.zeros_like(M)
            E[i, j] = h
            plus, minus = list(args), list(args)
            plus[k], minus[k] = M + E, M - E
            G[j, i] = (value(*plus) - value(*minus)) / (2 * h)
    return G


def _close(got, want, tol):
    got, want = numpy.asarray(got, dtype=float), numpy.asarray(want, dtype=float)
    assert got.shape == want.shape, (got.shape, want.shape)
    scale = max(1.0, float(numpy.max(numpy.abs(want))))
    err = float(numpy.max(numpy.abs(got - want)))
    assert err <= tol * scale, f"error {err:.3g} at scale {scale:.3g}"


def _run(fn, Xv, Wv, Cv):
    import inspect
    values = {"X": Xv, "W": Wv, "C": Cv, "a": A_VALUE}
    return fn(*[values[p] for p in inspect.signature(fn).parameters])


CASES = [pytest.param(name, body, domain, backend, id=f"{name}-{backend}")
         for name, body, domain, backends in FUNCTIONS for backend in backends]


@pytest.mark.parametrize("name, body, domain, backend", CASES)
def test_elementwise_function_value_and_derivative(name, body, domain, backend):
    _backend(backend)
    f = Trace(C.T * (X * W).applyfunc(Lambda(t, body)))
    fn = codegen_function(f, (X, W), backend=backend)
    Xv, Wv, Cv = _point(name, domain)
    value, (GX, GW) = _run(fn, Xv, Wv, Cv)
    reference = _reference(body)
    _close(value, reference(Xv, Wv, Cv), 1e-12)
    _close(GX, _differences(reference, (Xv, Wv, Cv), 0), 1e-7)
    _close(GW, _differences(reference, (Xv, Wv, Cv), 1), 1e-7)


@pytest.mark.parametrize("backend", ALL)
@pytest.mark.parametrize("form", ["applyfunc", "Elementwise"])
def test_max_of_an_array_and_a_number(form, backend):
    # SymPy 1.13's printer wrote numpy.amax(numpy.asarray([1, X]), axis=0)
    # (ValueError: an inhomogeneous shape); 1.14's functools.reduce
    _backend(backend)
    u = Symbol("u")
    F = X.applyfunc(lambda s: Max(s, 1)) if form == "applyfunc" else \
        Elementwise(Lambda(u, Max(u, 1)), X)
    f = Trace(OneMatrix(2, 4) * F * OneMatrix(3, 2))
    fn = codegen_function(f, X, backend=backend)
    assert "amax" not in fn.source and "functools" not in fn.source
    namespace = {}                  # the source imports all it uses
    exec(compile(fn.source, "<max>", "exec"), namespace)
    M = numpy.array([[2.0, -1.0, 0.5], [1.5, 3.0, -2.0],
                     [0.25, 4.0, 1.25], [-3.0, 0.0, 2.5]])
    value, G = namespace["f"](M)
    assert float(value) == 2 * float(numpy.maximum(M, 1).sum())
    assert (numpy.asarray(G) == 2 * (M > 1).T).all()


@pytest.mark.parametrize("backend", ALL)
@pytest.mark.parametrize("name, g", [
    ("erf", erf), ("max", lambda s: Max(s, 1, 2 * s)), ("min", lambda s: Min(s, 1)),
    ("relu", relu)])
def test_function_of_a_scalar(name, g, backend):
    """The same printers on a scalar, a function of a trace."""
    _backend(backend)
    e = g(Trace(A * x * x.T * A.T) / 5 - 1)
    fn = codegen_function(e, x, backend=backend)
    rng = numpy.random.default_rng(zlib.crc32(name.encode()))
    Av, xv = rng.standard_normal((2, 3)), rng.standard_normal((3, 1))
    mp = lambdify(t, g(t).replace(
        lambda e: isinstance(e, relu), lambda e: Max(0, e.args[0])), "mpmath")

    def value(Av, xv):
        return float(mp(mpmath.mpf(float(numpy.sum((Av @ xv) ** 2) / 5 - 1))))
    got, G = fn(Av, xv)
    _close(got, value(Av, xv), 1e-12)
    _close(numpy.asarray(G).reshape(1, 3), _differences(value, (Av, xv), 1), 1e-7)


# --- refused, by name ----------------------------------------------------------

@pytest.mark.parametrize("backend", ALL)
def test_dirac_delta_is_refused_and_the_value_still_generated(backend):
    _backend(backend)
    f = Trace(C.T * (X * W).applyfunc(Lambda(t, sign(t))))
    with pytest.raises(CodegenError, match=r"DiracDelta \(in DiracDelta\(u\)\)"):
        codegen_function(f, X, backend=backend)
    Xv, Wv, Cv = _point("sign", "real")
    value = _run(codegen_function(f, None, backend=backend), Xv, Wv, Cv)
    _close(value, float(numpy.sum(Cv * numpy.sign(Xv @ Wv))), 1e-14)
    # the Hessian of relu: its second derivative is DiracDelta
    with pytest.raises(CodegenError, match="second derivative of relu"):
        codegen_function(relu(Trace(A * x * x.T * A.T) - 1), x, hessian=True,
                         backend=backend)


def test_numpy_refuses_polygamma_by_name_and_computes_gamma():
    f = Trace(C.T * (X * W).applyfunc(Lambda(t, loggamma(t))))
    with pytest.raises(CodegenError, match="no NumPy translation of polygamma "
                       r"\(in polygamma\(0, u\)\)"):
        codegen_function(f, X)
    Xv, Wv, Cv = _point("gamma", "positive")
    for body in (gamma(t), loggamma(t)):
        g = Trace(C.T * (X * W).applyfunc(Lambda(t, body)))
        _close(_run(codegen_function(g, None), Xv, Wv, Cv),
               _reference(body)(Xv, Wv, Cv), 1e-12)


@pytest.mark.parametrize("backend", ALL)
def test_factorial_is_refused(backend):
    _backend(backend)
    f = Trace(C.T * (X * W).applyfunc(Lambda(t, factorial(t))))
    with pytest.raises(CodegenError,
                       match=r"no (NumPy|JAX|torch) translation of factorial"):
        codegen_function(f, None, backend=backend)


def test_torch_refuses_gamma():
    _backend("torch")
    f = Trace(C.T * (X * W).applyfunc(Lambda(t, gamma(t))))
    with pytest.raises(CodegenError,
                       match=r"no torch translation of gamma \(in gamma\(u\)\)"):
        codegen_function(f, None, backend="torch")


def test_jax_imports_its_special_functions():
    _backend("jax")
    fn = codegen_function(Trace(C.T * (X * W).applyfunc(Lambda(t, erf(t)))),
                          X, backend="jax")
    assert "import jax.scipy.special\n" in fn.source
