"""backend="jax": the same functions as NumPy's, in jax.numpy (skipped
without the optional extra [jax]).

Every corpus case codegen compiles is run in both backends at the same
random point; JAX's value, derivative and Hessian (and Hessian-vector
product) agree with NumPy's to 1e-12 relative, in float64.  The generated
functions are traced by jax.jit, jax.grad and jax.vmap.
"""
import functools

import numpy
import pytest
from sympy import MatrixSymbol, OneMatrix, Symbol, Trace, det, log, tanh

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)

from sympy_matdiff.codegen import codegen, codegen_function  # noqa: E402
from sympy_matdiff.functions import (log_sigmoid, logsumexp, relu,  # noqa: E402
                                     sigmoid, softmax, softplus)
from sympy_matdiff.numeric import concrete_sizes  # noqa: E402

from agreement import agree as _agree, autodiff_benchmark  # noqa: E402
from agreement import outputs as _outputs  # noqa: E402
from corpus import CASES  # noqa: E402
from test_codegen import _call, _point  # noqa: E402

RNG = numpy.random.default_rng(16)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_corpus_agrees_with_numpy(case):
    options = dict(hessian=case.kind == "hessian")
    options["hvp"] = options["hessian"] and isinstance(case.wrt, MatrixSymbol)
    fn = codegen_function(case.expr, case.wrt, **options)
    fj = codegen_function(case.expr, case.wrt, backend="jax", **options)
    assert "numpy." not in fj.source.replace("jax.numpy.", "")
    point, arrays = _point(case.expr, case.wrt, concrete_sizes(case.expr))
    want, got = _call(fn, case.expr, arrays), _call(fj, case.expr, arrays)
    if options["hvp"]:
        v = RNG.standard_normal(numpy.shape(arrays[str(case.wrt)]))
        _agree(got[-1](v), want[-1](v))
        want, got = want[:-1], got[:-1]
    for g, w in zip(_outputs(got), _outputs(want)):
        _agree(g, w)


@functools.lru_cache(maxsize=None)
def _compiled(expr, wrt, **options):
    return codegen_function(expr, wrt, backend="jax", **options)


n, m, b = (Symbol(s, integer=True, positive=True) for s in "nmb")
X = MatrixSymbol("X", n, n)


def test_jit_grad_and_vmap_of_log_det():
    f = _compiled(log(det(X)), X, layout="mixed", hessian=True, hvp=True)
    M = RNG.standard_normal((4, 4))
    S = M @ M.T + 4 * numpy.eye(4)
    value, G, H, hvp = jax.jit(lambda S: f(S)[:3])(S) + (f(S)[3],)
    _agree(value, numpy.linalg.slogdet(S)[1])
    _agree(G, numpy.linalg.inv(S).T)
    _agree(jax.grad(lambda S: f(S)[0])(S), G)      # jax agrees with the formula
    V = RNG.standard_normal((4, 4))
    _agree(jax.jit(lambda S, V: f(S)[3](V))(S, V),
           (H @ V.reshape(-1, order="F")).reshape(4, 4, order="F"))
    batch = numpy.stack([S, 2 * S, S + numpy.eye(4)])
    values = jax.vmap(lambda S: f(S)[0])(batch)
    _agree(values, [numpy.linalg.slogdet(B)[1] for B in batch])


def test_network_under_jit_and_grad():
    W1, W2 = MatrixSymbol("W1", m, n), MatrixSymbol("W2", m, m)
    Xb, Y = MatrixSymbol("X", n, b), MatrixSymbol("Y", m, b)
    R = W2 * (W1 * Xb).applyfunc(tanh) - Y
    f = _compiled(Trace(R * R.T), W1, layout="mixed", hessian=True)
    args = [RNG.standard_normal(s) for s in ((3, 2), (3, 3), (2, 5), (3, 5))]
    value, G, H = jax.jit(f)(*args)
    _agree(jax.grad(lambda w: f(w, *args[1:])[0])(args[0]), G)
    _agree(jax.hessian(lambda w: f(w, *args[1:])[0])(args[0]).reshape(6, 6, order="F")
           .T.reshape(6, 6), H, 1e-10)


def test_named_functions_are_stable():
    """sigmoid, softplus, log_sigmoid, relu, softmax, logsumexp at arguments
    where the textbook formulas overflow: finite, equal to NumPy's."""
    z = MatrixSymbol("z", 4, 1)
    big = numpy.array([800.0, -800.0, 40.0, -3.0])
    for e in (OneMatrix(1, 4) * sigmoid(z), OneMatrix(1, 4) * softplus(z),
              OneMatrix(1, 4) * log_sigmoid(z), OneMatrix(1, 4) * relu(z),
              OneMatrix(1, 4) * softmax(z), logsumexp(z)):
        wrt = None if e.has(relu) else z
        fn, fj = codegen_function(e, wrt), _compiled(e, wrt)
        want, got = _outputs(fn(big)), _outputs(jax.jit(fj)(big))
        for g, w in zip(got, want):
            assert numpy.all(numpy.isfinite(g)), e
            _agree(g, w)


def test_negative_determinant_is_nan_under_jax():
    f = _compiled(log(det(X)), None)
    assert numpy.isnan(f(-numpy.eye(3)))
    assert "if " not in codegen(log(det(X)), X, backend="jax").split('"""')[-1] \
        .replace("if X.", "").replace("if X ", "")


def test_autodiff_benchmark_runs():
    out = autodiff_benchmark()
    assert "log det" in out and "HVP" in out and "ratio" in out
