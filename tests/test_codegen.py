"""Generated NumPy code: right on the corpus, sharing work, clear errors.

Every corpus case (tests/corpus.py) is compiled with codegen_function, from
its symbolic form (symbolic dimensions are read from the arrays), and run at
a random well-conditioned point (rectangular shapes, square matrices shifted
by (n + 1) I).  Its value and derivative (or Hessian) are compared with
central finite differences of the generated value itself, with the lambdify
of the symbolic expression and result, and, for generic functions, with the
50-digit evaluation of the symbolic result.
"""
import pathlib
import subprocess
import sys

import numpy
import pytest
from sympy import (Function, HadamardProduct, Lambda, MatrixSymbol,
                   OneMatrix, Symbol, Trace, det, exp, lambdify, log, tanh)
from sympy.core.function import AppliedUndef

from sympy_matdiff import MatrixCalculusError, derivative, hessian
from sympy_matdiff.codegen import CodegenError, codegen, codegen_function
from sympy_matdiff.numpycode import identifier
from sympy_matdiff.expressions import (FunctionGradient, PrimeFunction,
                                       ScalarFunction)
from sympy_matdiff.numeric import (STAND_INS, _u, concrete_sizes, evaluate,
                                   random_point)

from corpus import CASES

ROOT = pathlib.Path(__file__).resolve().parent.parent
DERIVATIVES = [c for c in CASES if c.kind == "derivative"]
HESSIANS = [c for c in CASES if c.kind == "hessian"]


# --- points and stand-ins for generic functions (as numeric.py has them) --------

def _point(expr, wrt, sizes):
    """Random sympy values at concrete sizes, and the same as arrays by name."""
    e = expr.subs(sizes)
    point = random_point(e, _variables(e) | {wrt.subs(sizes)})
    arrays = {identifier(str(s)): (numpy.array(v.tolist(), dtype=float)
                                   if s.is_Matrix else float(v))
              for s, v in point.items()}
    return point, arrays


def _variables(e):
    from sympy_matdiff.differentials import variables_of
    return set(variables_of(e))


def _stand_ins(expr):
    """numpy callables for the generic functions, equal to numeric.py's."""
    names = sorted({type(f).__name__ for f in expr.atoms(AppliedUndef)
                    if not isinstance(f, PrimeFunction)} |
                   {f.base_name for f in expr.atoms(AppliedUndef)
                    if isinstance(f, PrimeFunction)})
    out = {}
    for i, name in enumerate(names):
        g = STAND_INS[i % len(STAND_INS)].expr
        out[name] = lambdify(_u, g, "numpy")
        for k in (1, 2, 3):
            suffix = "_prime" + (str(k) if k > 1 else "")
            out[name + suffix] = lambdify(_u, g.diff(_u, k), "numpy")
    generic = expr.atoms(ScalarFunction) | {
        g.function for g in expr.atoms(FunctionGradient)}
    for f in generic:
        name = type(f).__name__
        g = STAND_INS[sum(map(ord, name)) % len(STAND_INS)].expr
        val, der = (lambdify(_u, h, "numpy") for h in (g, g.diff(_u)))

        def weights(Y):
            return 1 + numpy.arange(Y.size).reshape(Y.shape) / 7

        out[name] = (lambda val: lambda Y: float(numpy.sum(val(Y) * weights(Y))))(val)
        out[name + "_grad"] = (lambda der: lambda Y: der(Y) * weights(Y))(der)
    return out


def _call(fn, expr, arrays, extra=()):
    import inspect
    params = inspect.signature(fn).parameters
    funcs = _stand_ins(expr)
    for e in extra:
        funcs.update(_stand_ins(e))
    pos = [arrays[n] for n, p in params.items() if p.kind == p.POSITIONAL_OR_KEYWORD]
    kw = {n: funcs[n] for n, p in params.items() if p.kind == p.KEYWORD_ONLY}
    return fn(*pos, **kw)


def _numeric_jacobian(value, arrays, var, h=1e-6):
    """Numerator-layout derivative of value(arrays) by central differences."""
    x0 = arrays[var]
    if numpy.ndim(x0) == 0:
        plus, minus = dict(arrays), dict(arrays)
        plus[var], minus[var] = x0 + h, x0 - h
        return (numpy.asarray(value(plus)) - numpy.asarray(value(minus))) / (2 * h)
    p, q = x0.shape
    cols = []
    for j in range(q):
        for i in range(p):
            E = numpy.zeros_like(x0)
            E[i, j] = h
            plus, minus = dict(arrays), dict(arrays)
            plus[var], minus[var] = x0 + E, x0 - E
            cols.append((numpy.asarray(value(plus)) - numpy.asarray(value(minus)))
                        / (2 * h))
    if numpy.ndim(cols[0]) == 0:         # scalar: G[j, i] = df/dX_ij
        return numpy.array(cols).reshape(q, p)
    return numpy.column_stack([c.reshape(-1, order="F") for c in cols])


def _close(got, want, tol=1e-6):
    got, want = numpy.asarray(got, dtype=complex), numpy.asarray(want, dtype=complex)
    assert got.shape == want.shape, (got.shape, want.shape)
    scale = max(1.0, float(numpy.max(numpy.abs(want), initial=0)))
    err = float(numpy.max(numpy.abs(got - want), initial=0))
    assert err <= tol * scale, f"error {err:.3g} at scale {scale:.3g}"


def _generic(e):
    return bool(e.atoms(AppliedUndef, ScalarFunction, FunctionGradient))


def _lambdified(e, sizes, point):
    """``e`` at ``point``: lambdify, or 50 digits where it has generic functions."""
    es = e.subs(sizes)
    if not _generic(es):
        try:
            return _lambdify_at(es, point)
        except TypeError:     # e.g. SymPy's matrix_power of a 1x1 to 1/2
            pass
    v = evaluate(es, point)
    return numpy.array(v.tolist(), dtype=complex) if hasattr(v, "tolist") \
        else complex(v)


def _lambdify_at(es, point):
    syms = sorted(point, key=str)
    args = [numpy.array(point[s].tolist(), dtype=float) if s.is_Matrix else
            float(point[s]) for s in syms]
    out = lambdify(syms, es, "numpy")(*args)
    return numpy.asarray(out)


def _squeeze(v):
    v = numpy.asarray(v)
    return v[0, 0] if v.shape == (1, 1) else v


# --- the corpus ------------------------------------------------------------------

@pytest.mark.parametrize("case", DERIVATIVES, ids=lambda c: c.name)
def test_corpus_derivative(case):
    fn = codegen_function(case.expr, case.wrt)
    value_fn = codegen_function(case.expr, None)
    sizes = concrete_sizes(case.expr)
    point, arrays = _point(case.expr, case.wrt, sizes)
    value, G = _call(fn, case.expr, arrays, [derivative(case.expr, case.wrt)])
    assert numpy.ndim(value) == 0 or case.expr.shape != (1, 1)

    def f(at):
        return _call(value_fn, case.expr, at)
    _close(value, f(arrays), 1e-12)
    _close(value, _squeeze(_lambdified(case.expr, sizes, point)), 1e-9)
    wrt = identifier(str(case.wrt))
    _close(_squeeze(G), _squeeze(_numeric_jacobian(f, arrays, wrt)))
    result = derivative(case.expr, case.wrt)
    _close(_squeeze(G), _squeeze(_lambdified(result, sizes, point)), 1e-9)


@pytest.mark.parametrize("case", HESSIANS, ids=lambda c: c.name)
def test_corpus_hessian(case):
    matrix = isinstance(case.wrt, MatrixSymbol)
    fn = codegen_function(case.expr, case.wrt, hessian=True, hvp=matrix)
    sizes = concrete_sizes(case.expr)
    point, arrays = _point(case.expr, case.wrt, sizes)
    H = hessian(case.expr, case.wrt)
    value, G, Hv, *hvp = _call(fn, case.expr, arrays, [H])
    if matrix:      # the Hessian-vector product, without the Hessian
        v = numpy.random.default_rng(7).standard_normal(
            numpy.shape(arrays[identifier(str(case.wrt))]))
        dense = numpy.atleast_2d(Hv) @ v.reshape(-1, order="F")
        _close(hvp[0](v), dense.reshape(v.shape, order="F"), 1e-10)
        _close(hvp[0](v.reshape(-1, order="F")), dense, 1e-10)

    def vec_gradient(at):    # numerator G is q x p: vec(G^T) in vec order
        g = numpy.asarray(_call(fn, case.expr, at, [H])[1])
        return g.T.reshape(-1, order="F") if g.ndim else g
    want = _numeric_jacobian(vec_gradient, arrays, identifier(str(case.wrt)))
    _close(_squeeze(Hv), _squeeze(want), 1e-5)
    _close(_squeeze(Hv), _squeeze(_lambdified(H, sizes, point)), 1e-9)


# --- sharing and linear algebra ---------------------------------------------------

n = Symbol("n", integer=True, positive=True)
m = Symbol("m", integer=True, positive=True)
A, S = MatrixSymbol("A", n, n), MatrixSymbol("S", n, n)
x, b = MatrixSymbol("x", n, 1), MatrixSymbol("b", n, 1)
u = Symbol("u")


def _rng_spd(k, seed=0):
    rng = numpy.random.default_rng(seed)
    M = rng.standard_normal((k, k))
    return M @ M.T / k + numpy.eye(k)


def _body(source):
    return source.split('"""')[-1]


def test_least_squares_shares_the_residual():
    r = A * x - b
    src = codegen(r.T * r, x, layout="mixed")
    assert _body(src).count("A.dot(x)") == 1
    f = codegen_function(r.T * r, x, layout="mixed")
    rng = numpy.random.default_rng(1)
    Av, bv, xv = rng.standard_normal((6, 6)), rng.standard_normal(6), \
        rng.standard_normal(6)
    value, g = f(Av, bv, xv)
    res = Av @ xv - bv
    assert numpy.isclose(value, res @ res)
    assert g.shape == (6, 1)
    assert numpy.allclose(g.ravel(), 2 * Av.T @ res)


def test_elementwise_functions_are_computed_once():
    W1, W2 = MatrixSymbol("W1", m, n), MatrixSymbol("W2", 2, m)
    y = MatrixSymbol("y", 2, 1)
    r = W2 * (W1 * x).applyfunc(tanh) - y
    src = _body(codegen(r.T * r, (W1, W2), layout="mixed"))
    assert src.count("numpy.tanh") == 1 and src.count("W1.dot(x)") == 1
    X, w, yv = MatrixSymbol("X", m, n), MatrixSymbol("w", n, 1), \
        MatrixSymbol("y", m, 1)
    loss = OneMatrix(1, m) * (-HadamardProduct(yv, X * w)).applyfunc(
        Lambda(u, log(1 + exp(u))))
    src = _body(codegen(loss, w))
    assert src.count("numpy.exp") == 1 and src.count("X.dot(w)") == 1


def test_inverse_products_are_solves():
    Sx = x.T * S**-1 * x
    src = codegen(Sx, x)
    assert "solve" in src and "inv" not in src
    f = codegen_function(Sx, x, layout="mixed")
    Sv, xv = _rng_spd(5) + numpy.triu(numpy.ones((5, 5))), numpy.arange(5.0)
    value, g = f(Sv, xv)
    Si = numpy.linalg.inv(Sv)
    assert numpy.isclose(value, xv @ Si @ xv)
    assert numpy.allclose(g.ravel(), (Si + Si.T) @ xv)
    # B X^-1: a solve with the transpose
    B = MatrixSymbol("B", 2, n)
    src = codegen(Trace(B * S**-1 * B.T), B)
    assert "solve" in src and "inv(" not in src


def test_log_det_and_inverse_come_from_one_call():
    # the gradient needs S^-1 itself and the value log det S: one
    # inv_slogdet (kernels.py) gives both, never inv and slogdet apart
    src = codegen(log(det(S)) + Trace(S**-1 * A), S)
    body = _body(src)
    assert body.count("inv_slogdet(S)") == 1
    assert "linalg.det(" not in body and "linalg.inv(" not in body
    assert "slogdet(S)" not in body.replace("inv_slogdet(S)", "")
    assert "solve" not in body
    # the value alone needs no inverse: plain slogdet
    assert "numpy.linalg.slogdet(S)" in codegen(log(det(S)), None)
    f = codegen_function(log(det(S)) + Trace(S**-1 * A), S, layout="mixed")
    Sv, Av = _rng_spd(4), numpy.arange(16.0).reshape(4, 4)
    value, G = f(Av, Sv)
    Si = numpy.linalg.inv(Sv)
    assert numpy.isclose(value, numpy.log(numpy.linalg.det(Sv)) + numpy.trace(Si @ Av))
    assert numpy.allclose(G, Si.T - (Si @ Av @ Si).T)


def test_negative_determinant_gives_the_principal_logarithm():
    f = codegen_function(log(det(MatrixSymbol("S", 2, 2))), None)
    assert numpy.isclose(f(numpy.diag([1.0, -2.0])), numpy.log(2) + 1j * numpy.pi)


def test_products_are_shared_and_matrix_sums_not_formed():
    # x^T A x: the value's A^T x is the gradient's; (A + A^T) x is A x + A^T x
    src = _body(codegen(x.T * A * x, x, layout="mixed"))
    assert src.count(".dot(") == 3 and "A + A.T" not in src
    # x^T A^T A x: A x and A^T (A x) once each, never A^T A
    src = _body(codegen(x.T * A.T * A * x, x, layout="mixed"))
    assert src.count(".dot(") == 3 and "A.T.dot(A)" not in src
    f = codegen_function(x.T * A.T * A * x, x, layout="mixed")
    Av, xv = numpy.arange(9.0).reshape(3, 3), numpy.array([1.0, -2.0, 0.5])
    value, g = f(Av, xv)
    assert numpy.isclose(value, xv @ Av.T @ Av @ xv)
    assert numpy.allclose(g.ravel(), 2 * Av.T @ Av @ xv)


# --- arguments, shapes and layouts ------------------------------------------------

def test_scalars_and_dimensions_in_the_expression():
    t = Symbol("t")
    f = codegen_function(t**2 * exp(t), t)
    value, g = f(1.0)
    assert numpy.isclose(value, numpy.e) and numpy.isclose(g, 3 * numpy.e)
    f = codegen_function(n * Trace(A), A, layout="mixed")
    value, G = f(numpy.ones((3, 3)))
    assert value == 9.0 and numpy.allclose(G, 3 * numpy.eye(3))
    with pytest.raises(CodegenError, match="both be named 'x'"):
        codegen(Trace(MatrixSymbol("x", 2, 2)) + Trace(MatrixSymbol("x", 3, 3)),
                None)


def test_vectors_may_be_one_dimensional_and_shapes_are_checked():
    r = A * x - b
    f = codegen_function(r.T * r, x)
    value, g = f(numpy.eye(3), numpy.ones(3), numpy.zeros((3, 1)))
    assert value == 3.0 and g.shape == (1, 3)
    with pytest.raises(ValueError, match="x: expected shape"):
        f(numpy.eye(3), numpy.ones(3), numpy.zeros(4))
    with pytest.raises(ValueError, match="A: expected a 2-D array"):
        f(numpy.ones(3), numpy.ones(3), numpy.zeros(3))


@pytest.mark.parametrize("layout", ["numerator", "denominator", "mixed"])
def test_layouts_give_the_shapes_of_derivative(layout):
    X, B = MatrixSymbol("X", 3, 4), MatrixSymbol("B", 4, 2)
    C = MatrixSymbol("C", 2, 3)
    for expr in (Trace(C * X * B), C * X * B):
        fn = codegen_function(expr, X, layout=layout)
        G = derivative(expr, X, layout)
        _, got = fn(numpy.ones((4, 2)), numpy.ones((2, 3)), numpy.ones((3, 4)))
        assert got.shape == tuple(int(s) for s in G.shape)


def test_tuple_of_variables_and_value_only():
    W, c = MatrixSymbol("W", 2, 3), MatrixSymbol("c", 2, 1)
    v = MatrixSymbol("v", 3, 1)
    r = W * v + c
    fn = codegen_function(r.T * r, (W, c), layout="mixed")
    value, (gW, gc) = fn(numpy.ones((2, 3)), numpy.ones(2), numpy.ones(3))
    assert value == 32.0 and gW.shape == (2, 3) and gc.shape == (2, 1)
    assert numpy.allclose(gW, 8.0) and numpy.allclose(gc, 8.0)
    assert codegen_function(r.T * r, None)(numpy.ones((2, 3)), numpy.ones(2),
                                           numpy.ones(3)) == 32.0
    order = codegen_function(r.T * r, W, args=[v, W, c])
    assert order(numpy.ones(3), numpy.ones((2, 3)), numpy.ones(2))[0] == 32.0


def test_generic_functions_are_keyword_arguments():
    sigma = Function("sigma")
    W = MatrixSymbol("W", 2, 3)
    v = MatrixSymbol("v", 3, 1)
    expr = OneMatrix(1, 2) * (W * v).applyfunc(sigma)
    fn = codegen_function(expr, W, layout="mixed")
    assert "*, sigma, sigma_prime" in fn.source
    value, g = fn(numpy.ones((2, 3)), numpy.arange(3.0), sigma=numpy.tanh,
                  sigma_prime=lambda z: 1 - numpy.tanh(z)**2)
    assert numpy.isclose(value, 2 * numpy.tanh(3.0))
    assert numpy.allclose(g, (1 - numpy.tanh(3.0)**2) * numpy.arange(3.0))
    with pytest.raises(TypeError):
        fn(numpy.ones((2, 3)), numpy.arange(3.0))


# --- errors ------------------------------------------------------------------------

def test_errors_name_the_problem():
    X = MatrixSymbol("X", 3, 3)
    with pytest.raises(CodegenError, match="backend 'tensorflow'"):
        codegen(Trace(X), X, backend="tensorflow")
    with pytest.raises(CodegenError, match="single variable"):
        codegen(Trace(X), (X,), hessian=True)
    with pytest.raises(CodegenError, match="non-integer"):
        codegen(Trace(X**Symbol("k")), None)
    with pytest.raises(CodegenError, match="not a Python identifier"):
        codegen(Trace(X), X, name="value and gradient")
    with pytest.raises(CodegenError, match="args leaves out X"):
        codegen(Trace(X), X, args=[])
    assert issubclass(CodegenError, MatrixCalculusError)


# --- the benchmark ------------------------------------------------------------------

def test_benchmark_quick_mode_runs():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "codegen_speed.py"),
                          "--quick"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    for name in ("least squares", "logistic regression", "two-layer network",
                 "log-det"):
        assert name in out
    assert "ratio" in out


def test_relu_code_imports_what_the_printer_uses():
    # found through the command line: Max printed as functools.reduce, and
    # the source imported numpy only (Max is now numpy.maximum, erf math's
    # function on each element): run in a namespace of its own imports
    from sympy import Lambda, Max, OneMatrix, Symbol, erf
    X, u = MatrixSymbol("X", 2, 3), Symbol("u")
    f = codegen_function(OneMatrix(1, 2) * X.applyfunc(Lambda(u, Max(0, u) + erf(u)))
                         * OneMatrix(3, 1), X)
    namespace = {}
    exec(compile(f.source, "<relu>", "exec"), namespace)
    M = numpy.array([[1.0, -2.0, 3.0], [-1.0, 2.0, -0.5]])
    value, grad = namespace["f"](M)
    erf_sum = sum(float(erf(v)) for v in M.ravel())
    assert abs(float(value) - 6.0 - erf_sum) < 1e-12
    want = (M > 0).T + 2 / numpy.sqrt(numpy.pi) * numpy.exp(-M.T ** 2)
    assert numpy.allclose(grad, want, rtol=1e-14, atol=0)
