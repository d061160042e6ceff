"""The generated code against autodiff (JAX and torch.func, each if installed).

    python3 benchmarks/autodiff_compare.py [--quick] [--case TEXT]

For xᵀAx, least squares ‖Ax − b‖², logistic regression, log det S (S
symmetric positive definite), matrix factorisation ‖M − UVᵀ‖² by U and the
two-layer network ‖W2 tanh(W1 X) − Y‖² by W1 (batch of 16), times

* value+gradient: the generated NumPy function (``layout="mixed"``) against
  ``jax.jit(jax.value_and_grad(f))`` and ``torch.func.grad_and_value(f)``;
* Hessian: ``hessian=True`` against ``jax.jit(jax.hessian(f))`` and
  ``torch.func.hessian(f)``;
* Hessian-vector product: ``hvp=True``'s ``hvp(v)`` against the jitted
  ``jax.jvp`` of ``jax.grad`` and ``torch.func.jvp`` of ``torch.func.grad``
  (forward over reverse);

and the generated JAX function (``backend="jax"``, jitted; value+gradient)
and torch function (``backend="torch"``, eager as torch.func is; all three).
``f`` is a hand-written value in ``jax.numpy`` or ``torch``.  One
BLAS/XLA/torch thread (set before NumPy, JAX and torch are imported;
``torch.set_num_threads(1)``), CPU time, median of ``--repeat`` loops of
about 20 ms; float64 everywhere.  Every answer is cross-checked (largest
relative difference printed) before it is timed.  Ratios are autodiff /
generated NumPy: above 1, the generated code is faster.  This script
measures; nothing is asserted.
"""
import argparse
import os
import sys


def _options(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small n only")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--case", default="")
    args = ap.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    os.environ["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false "
                               "intra_op_parallelism_threads=1")
    return args


ARGS = _options(sys.argv[1:]) if __name__ == "__main__" else None

import time  # noqa: E402

import numpy  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from sympy import (MatrixSymbol, OneMatrix, Symbol, Trace, det, exp,  # noqa: E402
                   log, tanh)

from sympy_matdiff import codegen_function  # noqa: E402

try:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
except ImportError:
    jax = None
try:
    import torch
    import torch.func
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
except ImportError:
    torch = None

n = Symbol("n", integer=True, positive=True)
RNG = numpy.random.default_rng(0)


def _cases():
    """(name, expr, wrt, args order, jax value, torch value, point(n), sizes,
    hessian sizes)."""
    A, x, b = MatrixSymbol("A", n, n), MatrixSymbol("x", n, 1), MatrixSymbol("b", n, 1)
    X, w = MatrixSymbol("X", n, n), MatrixSymbol("w", n, 1)
    S = MatrixSymbol("S", n, n)
    r = Symbol("r", integer=True, positive=True)
    M, U, V = MatrixSymbol("M", n, n), MatrixSymbol("U", n, r), MatrixSymbol("V", n, r)
    W1, W2 = MatrixSymbol("W1", n, n), MatrixSymbol("W2", 10, n)
    Xb, Yb = MatrixSymbol("Xb", n, 16), MatrixSymbol("Yb", 10, 16)
    res = A * x - b
    z = (X * w).applyfunc(lambda u: log(1 + exp(-u)))
    E = M - U * V.T
    R = W2 * (W1 * Xb).applyfunc(tanh) - Yb

    def spd(k):
        G = RNG.standard_normal((k, k))
        return G @ G.T / k + numpy.eye(k)
    yield ("x'Ax", x.T * A * x, x, [A, x],
           lambda A, x: x.T @ A @ x, lambda A, x: x.T @ A @ x,
           lambda k: [RNG.standard_normal((k, k)), RNG.standard_normal((k, 1))],
           (10, 100, 1000), (10, 100, 300))
    yield ("least squares", res.T * res, x, [A, b, x],
           lambda A, b, x: (A @ x - b).T @ (A @ x - b),
           lambda A, b, x: (A @ x - b).T @ (A @ x - b),
           lambda k: [RNG.standard_normal((k, k)), RNG.standard_normal((k, 1)),
                      RNG.standard_normal((k, 1))],
           (10, 100, 1000), (10, 100, 300))
    yield ("logistic regression", OneMatrix(1, n) * z, w, [X, w],
           lambda X, w: jnp.sum(jnp.logaddexp(0, -(X @ w))),
           lambda X, w: torch.sum(torch.nn.functional.softplus(-(X @ w))),
           lambda k: [RNG.standard_normal((k, k)) / k ** .5,
                      RNG.standard_normal((k, 1))],
           (10, 100, 1000), (10, 100, 300))
    yield ("log det", log(det(S)), S, [S],
           lambda S: jnp.linalg.slogdet(S)[1],
           lambda S: torch.linalg.slogdet(S)[1],
           lambda k: [spd(k)], (10, 100, 300), (5, 10, 30))
    yield ("matrix factorisation", Trace(E * E.T), U, [M, U, V],
           lambda M, U, V: jnp.sum((M - U @ V.T) ** 2),
           lambda M, U, V: torch.sum((M - U @ V.T) ** 2),
           lambda k: [RNG.standard_normal((k, k)), RNG.standard_normal((k, 5)),
                      RNG.standard_normal((k, 5))],
           (10, 100, 1000), (10, 30, 100))
    yield ("two-layer network", Trace(R * R.T), W1, [W1, W2, Xb, Yb],
           lambda W1, W2, Xb, Yb: jnp.sum((W2 @ jnp.tanh(W1 @ Xb) - Yb) ** 2),
           lambda W1, W2, Xb, Yb: torch.sum((W2 @ torch.tanh(W1 @ Xb) - Yb) ** 2),
           lambda k: [RNG.standard_normal((k, k)) / k ** .5,
                      RNG.standard_normal((10, k)) / k ** .5,
                      RNG.standard_normal((k, 16)), RNG.standard_normal((10, 16))],
           (10, 100, 300), (5, 10, 20))


def cpu(f, repeat):
    """Median CPU seconds per call, over ``repeat`` loops of about 20 ms."""
    f()
    t0, calls = time.process_time(), 0
    while time.process_time() - t0 < 0.02:
        f()
        calls += 1
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        for _ in range(calls):
            f()
        times.append((time.process_time() - t0) / calls)
    return sorted(times)[len(times) // 2]


def _ready(out):
    return jax.block_until_ready(out) if jax else out


def _rel(a, b):
    a, b = numpy.asarray(a, dtype=float), numpy.asarray(b, dtype=float)
    return float(numpy.max(numpy.abs(a - b)) / max(1.0, numpy.max(numpy.abs(b))))


def _vec_hessian(H, shape):
    """jax.hessian's (p, q, p, q) array in vec order (pq x pq)."""
    p, q = shape
    return numpy.asarray(H).reshape(p, q, p, q).transpose(1, 0, 3, 2).reshape(
        p * q, p * q)


def _jax(expr, wrt, order, fj, k):
    """The jitted JAX functions of one case: (value+grad, Hessian, HVP,
    generated value+grad), each taking NumPy arrays (and v)."""
    gj = jax.jit(codegen_function(expr, wrt, layout="mixed", args=order,
                                  backend="jax"))
    vg = jax.jit(jax.value_and_grad(fj_scalar(fj), argnums=k))
    hj = jax.jit(jax.hessian(fj_scalar(fj), argnums=k))

    def hvp(a, v):
        g = jax.grad(fj_scalar(fj), argnums=k)
        return jax.jvp(lambda t: g(*a[:k], t, *a[k + 1:]), (a[k],), (v,))[1]
    hvp = jax.jit(hvp)
    return vg, hj, hvp, gj


def _torch(expr, wrt, order, ft, k):
    """torch.func's functions of one case and the generated torch ones:
    (grad_and_value, hessian, jvp of grad, generated value+grad, generated
    value+grad+Hessian+hvp)."""
    def value(*a):
        return torch.reshape(ft(*a), ())
    vg = torch.func.grad_and_value(value, argnums=k)
    hess = torch.func.hessian(value, argnums=k)
    grad = torch.func.grad(value, argnums=k)

    def hvp(a, v):
        return torch.func.jvp(lambda t: grad(*a[:k], t, *a[k + 1:]), (a[k],),
                              (v,))[1]
    gt = codegen_function(expr, wrt, layout="mixed", args=order, backend="torch")
    ght = codegen_function(expr, wrt, layout="mixed", args=order, hessian=True,
                           hvp=True, backend="torch")
    return vg, hess, hvp, gt, ght


def _ms(t):
    return f"{t * 1e3:9.3f}ms" if t else " " * 11


def _ratio(t, tg):
    return f"{t / tg:7.2f}" if t else " " * 7


def main(args):
    if jax is None and torch is None:
        print("neither jax nor torch is installed: pip install -e '.[jax]' "
              "or -e '.[torch]'")
        return 1
    print(f"{'case':22} {'n':>5} {'what':10} {'generated':>11} {'jax':>11} "
          f"{'ratio':>7} {'gen. jax':>11} {'torch.func':>11} {'ratio':>7} "
          f"{'gen. torch':>11} {'rel. diff':>9}")
    for name, expr, wrt, order, fj, ft, point, sizes, hsizes in _cases():
        if args.case not in name:
            continue
        k = order.index(wrt)
        f = codegen_function(expr, wrt, layout="mixed", args=order)
        fh = codegen_function(expr, wrt, layout="mixed", args=order, hessian=True,
                              hvp=True)
        J = _jax(expr, wrt, order, fj, k) if jax else None
        T = _torch(expr, wrt, order, ft, k) if torch else None
        for m in sorted(set(sizes if not args.quick else sizes[:2]) |
                        set(hsizes if not args.quick else hsizes[:2])):
            a = point(m)
            ja = [jnp.asarray(t) for t in a] if jax else None
            ta = [torch.as_tensor(t) for t in a] if torch else None
            rows = []
            if m in sizes:
                value, grad = f(*a)
                diff, tj, tjg, tt, ttg = 0.0, None, None, None, None
                if J:
                    vg, _, _, gj = J
                    jv, jg = vg(*ja)
                    gv, gg = gj(*ja)
                    diff = max(_rel(jv, value), _rel(jg, grad), _rel(gg, grad))
                    tj = cpu(lambda: _ready(vg(*ja)), args.repeat)
                    tjg = cpu(lambda: _ready(gj(*ja)), args.repeat)
                if T:
                    vg, _, _, gt, _ = T
                    tg, tv = vg(*ta)
                    gv, gg = gt(*ta)
                    diff = max(diff, _rel(tv, value), _rel(tg, grad),
                               _rel(gv, value), _rel(gg, grad))
                    tt = cpu(lambda: vg(*ta), args.repeat)
                    ttg = cpu(lambda: gt(*ta), args.repeat)
                rows.append(("value+grad", cpu(lambda: f(*a), args.repeat),
                             tj, tjg, tt, ttg, diff))
            if m in hsizes:
                value, grad, H, hvp = fh(*a)
                shape = a[k].shape
                v = RNG.standard_normal(shape)
                hrow, vrow = ["Hessian", None, None, None, None, 0.0], \
                    ["HVP", None, None, None, None, 0.0]
                if J:
                    _, hj, hvp_j, _ = J
                    hrow[-1] = _rel(_vec_hessian(hj(*ja), shape), H)
                    hrow[1] = cpu(lambda: _ready(hj(*ja)), args.repeat)
                    vrow[-1] = _rel(hvp_j(ja, jnp.asarray(v)), hvp(v))
                    vrow[1] = cpu(lambda: _ready(hvp_j(ja, jnp.asarray(v))),
                                  args.repeat)
                if T:
                    _, ht, hvp_t, _, ght = T
                    tv = torch.as_tensor(v)
                    gH, ghvp = ght(*ta)[2:]
                    hrow[-1] = max(hrow[-1], _rel(_vec_hessian(ht(*ta), shape), H),
                                   _rel(gH, H))
                    hrow[3] = cpu(lambda: ht(*ta), args.repeat)
                    hrow[4] = cpu(lambda: ght(*ta)[2], args.repeat)
                    vrow[-1] = max(vrow[-1], _rel(hvp_t(ta, tv), hvp(v)),
                                   _rel(ghvp(tv), hvp(v)))
                    vrow[3] = cpu(lambda: hvp_t(ta, tv), args.repeat)
                    vrow[4] = cpu(lambda: ghvp(tv), args.repeat)
                rows.append((hrow[0], cpu(lambda: fh(*a)[2], args.repeat),
                             *hrow[1:]))
                rows.append((vrow[0], cpu(lambda: hvp(v), args.repeat),
                             *vrow[1:]))
            for what, tg, tj, tjg, tt, ttg, diff in rows:
                print(f"{name:22} {m:5} {what:10} {_ms(tg)} {_ms(tj)} "
                      f"{_ratio(tj, tg)} {_ms(tjg)} {_ms(tt)} {_ratio(tt, tg)} "
                      f"{_ms(ttg)} {diff:9.1e}", flush=True)
    for module, extra in ((jax, "jax"), (torch, "torch")):
        if module is None:
            print(f"({extra} is not installed: its columns are empty; "
                  f"pip install -e '.[{extra}]')")
    return 0


def fj_scalar(fj):
    """The JAX value as a scalar (a 1 x 1 result squeezed)."""
    return lambda *a: jnp.reshape(fj(*a), ())


if __name__ == "__main__":
    sys.exit(main(ARGS))
