"""backend="torch": the same functions as NumPy's, in torch (skipped without
the optional extra [torch]).

Every corpus case codegen compiles is run in both backends at the same
random point; torch's value, derivative and Hessian (and Hessian-vector
product) agree with NumPy's to 1e-12 relative, in float64.  The generated
functions run under torch.func.grad, vmap, jvp and hessian, keep the
arguments' dtype and device, and make no constant in another.
"""
import functools
import re

import numpy
import pytest
from sympy import (E, Abs, Heaviside, Identity, ImmutableMatrix, Lambda,
                   MatrixSymbol, Max, Min, Mod, OneMatrix, Piecewise, Symbol,
                   Trace, det, exp, lambdify, log, pi, sign, sqrt, tanh)

torch = pytest.importorskip("torch")

from sympy_matdiff.codegen import codegen, codegen_function  # noqa: E402
from sympy_matdiff.functions import (log_sigmoid, logsumexp, relu,  # noqa: E402
                                     sigmoid, softmax, softplus)
from sympy_matdiff.numeric import concrete_sizes  # noqa: E402

from agreement import agree, autodiff_benchmark  # noqa: E402
from agreement import outputs as _outputs  # noqa: E402
from corpus import CASES  # noqa: E402
from test_codegen import _call, _point, _stand_ins  # noqa: E402

RNG = numpy.random.default_rng(16)
# torch.func.jvp imports torch's decompositions, which warn about themselves
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def _numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return x


def _agree(got, want, tol=1e-12):
    agree(_numpy(got), _numpy(want), tol)


def _torch_stand_ins(expr):
    """test_codegen's NumPy stand-ins for the generic functions, taking and
    giving tensors (their values are NumPy's, so the backends are compared
    on the same functions)."""
    funcs = _stand_ins(expr)

    def wrap(f):
        def g(*args):
            out = f(*map(_numpy, args))
            return torch.as_tensor(out, dtype=torch.float64) if isinstance(
                out, numpy.ndarray) else out
        return g
    return {name: wrap(f) for name, f in funcs.items()}


def _call_torch(fn, expr, arrays):
    import inspect
    params = inspect.signature(fn).parameters
    funcs = _torch_stand_ins(expr)
    pos = [torch.as_tensor(arrays[n]) if isinstance(arrays[n], numpy.ndarray)
           else arrays[n]
           for n, p in params.items() if p.kind == p.POSITIONAL_OR_KEYWORD]
    kw = {n: funcs[n] for n, p in params.items() if p.kind == p.KEYWORD_ONLY}
    return fn(*pos, **kw)


def _body(source):
    """The generated function itself, without the kernels copied before it."""
    return source[source.rindex("\ndef f("):]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_corpus_agrees_with_numpy(case):
    options = dict(hessian=case.kind == "hessian")
    options["hvp"] = options["hessian"] and isinstance(case.wrt, MatrixSymbol)
    fn = codegen_function(case.expr, case.wrt, **options)
    ft = codegen_function(case.expr, case.wrt, backend="torch", **options)
    assert not re.search(r"\bnumpy\b", _body(ft.source))
    point, arrays = _point(case.expr, case.wrt, concrete_sizes(case.expr))
    want, got = _call(fn, case.expr, arrays), _call_torch(ft, case.expr, arrays)
    if options["hvp"]:
        v = RNG.standard_normal(numpy.shape(arrays[str(case.wrt)]))
        hv = got[-1](torch.as_tensor(v))
        assert hv.dtype == torch.float64
        _agree(_numpy(hv), want[-1](v))
        want, got = want[:-1], got[:-1]
    for g, w in zip(_outputs(got), _outputs(want)):
        if isinstance(g, torch.Tensor):
            assert g.dtype == torch.float64, case.name
        _agree(_numpy(g), w)


@functools.lru_cache(maxsize=None)
def _compiled(expr, wrt, **options):
    return codegen_function(expr, wrt, backend="torch", **options)


def _t(a):
    return torch.as_tensor(a, dtype=torch.float64)


n, m, b = (Symbol(s, integer=True, positive=True) for s in "nmb")
X = MatrixSymbol("X", n, n)


def test_grad_vmap_and_jvp_of_log_det():
    f = _compiled(log(det(X)), X, layout="mixed", hessian=True, hvp=True)
    M = RNG.standard_normal((4, 4))
    S = _t(M @ M.T + 4 * numpy.eye(4))
    value, G, H, hvp = f(S)
    _agree(value, numpy.linalg.slogdet(S.numpy())[1])
    _agree(G, numpy.linalg.inv(S.numpy()).T)
    _agree(torch.func.grad(lambda S: f(S)[0])(S), G)   # torch agrees with the formula
    _agree(torch.func.hessian(lambda S: f(S)[0])(S).permute(1, 0, 3, 2)
           .reshape(16, 16), H)
    V = _t(RNG.standard_normal((4, 4)))
    want = (H @ V.T.reshape(-1)).reshape(4, 4).T        # vec order
    _agree(hvp(V), want)
    _agree(hvp(V.T.reshape(-1)), want.T.reshape(-1))    # the vec in, the vec out
    _, jvp = torch.func.jvp(lambda S: f(S)[1], (S,), (V,))
    _agree(jvp, want)
    batch = torch.stack([S, 2 * S, S + torch.eye(4, dtype=S.dtype)])
    values = torch.func.vmap(lambda S: f(S)[0])(batch)
    _agree(values, [numpy.linalg.slogdet(B)[1] for B in batch.numpy()])
    grads = torch.func.vmap(lambda S: f(S)[1])(batch)
    _agree(grads, numpy.linalg.inv(batch.numpy()).transpose(0, 2, 1))


def test_network_under_grad_and_hessian():
    W1, W2 = MatrixSymbol("W1", m, n), MatrixSymbol("W2", m, m)
    Xb, Y = MatrixSymbol("X", n, b), MatrixSymbol("Y", m, b)
    R = W2 * (W1 * Xb).applyfunc(tanh) - Y
    f = _compiled(Trace(R * R.T), W1, layout="mixed", hessian=True, hvp=True)
    args = [_t(RNG.standard_normal(s)) for s in ((3, 2), (3, 3), (2, 5), (3, 5))]
    value, G, H, hvp = f(*args)
    _agree(torch.func.grad(lambda w: f(w, *args[1:])[0])(args[0]), G)
    _agree(torch.func.hessian(lambda w: f(w, *args[1:])[0])(args[0])
           .permute(1, 0, 3, 2).reshape(6, 6), H, 1e-10)
    V = _t(RNG.standard_normal((3, 2)))
    _, jvp = torch.func.jvp(lambda w: f(w, *args[1:])[1], (args[0],), (V,))
    _agree(hvp(V), jvp, 1e-10)


def test_logistic_regression_under_vmap_of_grad():
    Xd, w, y = MatrixSymbol("X", b, n), MatrixSymbol("w", n, 1), MatrixSymbol("y", b, 1)
    z = Xd * w
    loss = OneMatrix(1, b) * softplus(z) - y.T * z
    f = _compiled(loss, w, layout="mixed", hessian=True)
    Xs = _t(RNG.standard_normal((7, 3)))
    ys = _t(RNG.integers(0, 2, (7, 1)).astype(float))
    ws = _t(RNG.standard_normal((5, 3, 1)))
    grads = torch.func.vmap(lambda w: torch.func.grad(lambda w: f(Xs, w, ys)[0])(w))(ws)
    for wi, gi in zip(ws, grads):
        _agree(gi, f(Xs, wi, ys)[1])
        s = torch.sigmoid(Xs @ wi)
        _agree(f(Xs, wi, ys)[2], Xs.T @ (s * (1 - s) * Xs))


def test_named_functions_are_stable():
    """sigmoid, softplus, log_sigmoid, relu, softmax, logsumexp at arguments
    where the textbook formulas overflow: finite, equal to NumPy's; torch's
    own kernels are used."""
    z = MatrixSymbol("z", 4, 1)
    big = numpy.array([800.0, -800.0, 40.0, -3.0])
    kernels = ["torch.sigmoid", "torch.nn.functional.softplus",
               "torch.nn.functional.logsigmoid", "torch.relu", "torch.softmax",
               "torch.logsumexp"]
    for e, kernel in zip((OneMatrix(1, 4) * sigmoid(z), OneMatrix(1, 4) * softplus(z),
                          OneMatrix(1, 4) * log_sigmoid(z), OneMatrix(1, 4) * relu(z),
                          OneMatrix(1, 4) * softmax(z), logsumexp(z)), kernels):
        wrt = None if e.has(relu) else z
        fn, ft = codegen_function(e, wrt), _compiled(e, wrt)
        assert kernel + "(" in ft.source, (e, kernel)
        want, got = _outputs(fn(big)), _outputs(ft(_t(big)))
        for g, w in zip(got, want):
            assert torch.all(torch.isfinite(torch.as_tensor(g))), e
            _agree(g, w)


def test_softplus_is_exact_past_torchs_default_threshold():
    """torch's softplus returns u itself above threshold=20, 2e-9 off at
    u = 20.5 in float64; the generated code moves the threshold to 40."""
    u = MatrixSymbol("u", 3, 1)
    e = OneMatrix(1, 3) * softplus(u)
    at = numpy.array([20.5, 25.0, 39.0])
    _agree(_compiled(e, None)(_t(at)), codegen_function(e, None)(at), 1e-15)


def test_float32_and_constants_follow_the_arguments():
    """float32 arguments give float32 results; every constant the code makes
    (identities, ones, the commutation matrix) takes the dtype and device of
    an argument: on the meta device, a CPU constant would fail."""
    A = MatrixSymbol("A", n, n)
    cases = [(Trace(A * X) + Trace(X), X, dict(hessian=True)),
             (OneMatrix(1, n) * X * OneMatrix(n, 1), X, {}),
             (X.T * A, X, {}),           # an identity in an einsum
             (X.T, X, {}),               # its derivative: a commutation matrix
             (log(det(X + Identity(n))), X, {})]
    for expr, wrt, options in cases:
        f = _compiled(expr, wrt, layout="mixed", **options)
        body = _body(f.source)
        made = r"torch\.(?:eye|zeros|ones|arange|full|tensor)\([^\n]*"
        for call in re.findall(made, body):
            assert "device=" in call, call
        args = {"A": RNG.standard_normal((3, 3)),
                "X": RNG.standard_normal((3, 3)) + 4 * numpy.eye(3)}
        names = f.__code__.co_varnames[:f.__code__.co_argcount]
        want = _outputs(f(*[_t(args[p]) for p in names]))
        got = _outputs(f(*[torch.as_tensor(args[p], dtype=torch.float32)
                           for p in names]))
        for g, w in zip(got, want):
            assert g.dtype == torch.float32, expr
            _agree(g.double(), w, 1e-5)
        if "det" not in str(expr):   # the meta device has no LU
            meta = _outputs(f(*[torch.empty((3, 3), device="meta") for p in names]))
            assert all(o.device.type == "meta" for o in meta), expr


def test_mixed_arguments_take_one_dtype():
    A, x = MatrixSymbol("A", 3, 3), MatrixSymbol("x", 3, 1)
    c = Symbol("c")
    f = _compiled(c * (x.T * A * x), x, layout="mixed")
    value, g = f(numpy.eye(3), 0.1, torch.ones(3, dtype=torch.float32))
    assert value.dtype == g.dtype == torch.float64     # NumPy's float64 wins
    _agree(g, 0.2 * numpy.ones((3, 1)), 1e-7)


def test_explicit_matrix_of_a_scalar_argument():
    """An explicit matrix with a symbol among its entries is stacked from
    tensors: the gradient by the scalar flows through it."""
    c = Symbol("c")
    X2 = MatrixSymbol("X", 2, 2)
    e = c * Trace(ImmutableMatrix([[1, c], [3, 4]]) * X2)
    f = _compiled(e, X2, hessian=True)
    A = numpy.arange(4.0).reshape(2, 2)
    for g, w in zip(_outputs(f(_t(A), 0.5)),
                    _outputs(codegen_function(e, X2, hessian=True)(A, 0.5))):
        _agree(g, w)
    # d/dc c (15 + 2c) = 15 + 4c
    _agree(torch.func.grad(lambda c: f(_t(A), c)[0])(_t(0.5)), 17.0)


def test_negative_determinant_is_nan_under_torch():
    f = _compiled(log(det(X)), None)
    assert torch.isnan(f(-torch.eye(3, dtype=torch.float64)))
    body = _body(codegen(log(det(X)), X, backend="torch")).split('"""')[-1]
    assert "if " not in body.replace("if X.", "").replace("if X ", "")


def test_numbers_and_exp_of_scalars_are_floats():
    """torch.log(2) fails on a Python number: numbers are written as floats
    and scalar arguments are tensors."""
    x, c = MatrixSymbol("x", 2, 1), Symbol("c")
    e = exp(c) * log(2) * (x.T * x)
    f = _compiled(e, x, layout="mixed")
    assert "torch.log(2)" not in f.source
    value, g = f(0.5, _t([1.0, 2.0]))
    _agree(value, numpy.exp(0.5) * numpy.log(2) * 5)


def test_scalar_functions_the_printer_rewrites():
    """Max/Min with a number (torch.maximum takes two tensors), Heaviside,
    Piecewise (nested torch.where), Mod, numbers: as lambdify's NumPy
    function entry by entry, in float64."""
    u = Symbol("u", real=True)
    Xr = MatrixSymbol("X", 2, 3)
    at = numpy.array([[-2.0, -0.5, 0.0], [0.5, 2.5, 4.0]])
    for e in (Max(u, 1), Min(u, -1), Heaviside(u), Heaviside(u, 0),
              Piecewise((u, u > 0), (u**2, True)),
              Piecewise((u, (u > 0) & (u < 3)), (-u, True)),
              Mod(u, 3), sqrt(2) * u + pi + E + log(3), sign(u), Abs(u)):
        want = numpy.vectorize(lambdify(u, e, "numpy"))(at)
        got = _compiled(Xr.applyfunc(Lambda(u, e)), None)(_t(at))
        assert got.dtype == torch.float64, e
        _agree(got, want)


def test_autodiff_benchmark_has_torch_columns():
    out = autodiff_benchmark()
    assert "log det" in out and "torch.func" in out and "gen. torch" in out
    assert "torch is not installed" not in out
    table = out[out.index("torch.func"):].splitlines()[1:]
    assert {line.split()[3] for line in table} == {"value+grad", "Hessian", "HVP"}
    assert all(line.count("ms") == 3 for line in table), out


def test_torch_kernel_names_are_reserved():
    """A symbol never takes the name of a kernel the generated module defines."""
    from sympy_matdiff import kernels, torchkernels
    from sympy_matdiff.numpycode import identifier
    assert set(torchkernels._NEEDS) <= set(kernels.RESERVED) | set(kernels._NEEDS)
    for name in torchkernels._NEEDS:
        assert identifier(name) == name + "_"
    x = MatrixSymbol("reshape_f", 2, 1)
    f = _compiled(x.T * x, x, layout="mixed")
    _agree(f(_t([1.0, 2.0]))[1], [[2.0], [4.0]])
