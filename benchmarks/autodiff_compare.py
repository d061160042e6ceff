"""The generated code against autodiff (JAX, and torch.func if installed).

    python3 benchmarks/autodiff_compare.py [--quick] [--case TEXT]

For xᵀAx, least squares ‖Ax − b‖², logistic regression, log det S (S
symmetric positive definite), matrix factorisation ‖M − UVᵀ‖² by U and the
two-layer network ‖W2 tanh(W1 X) − Y‖² by W1 (batch of 16), times

* value+gradient: the generated NumPy function (``layout="mixed"``) against
  ``jax.jit(jax.value_and_grad(f))`` (and ``torch.func.grad_and_value``),
  and against a hand-written NumPy value alone ("vs own");
* Hessian: ``hessian=True`` (a function returning value, gradient and
  Hessian) against ``jax.jit(jax.hessian(f))``, and against hand-written
  NumPy closed forms of the same three ("vs own");
* Hessian-vector product: ``hvp=True``'s ``hvp(v)`` against the jitted
  ``jax.jvp`` of ``jax.grad`` (forward over reverse), and against one
  generated value+gradient ("vs own");

and the jitted generated JAX function (``backend="jax"``) for value+gradient
and for the Hessian, against the same autodiff ("jax rat.").  n runs from 10
to the largest size that fits in memory and time here (JAX's Hessian of log
det at n = 70 takes about a second and a gigabyte).
One BLAS/XLA thread (set before NumPy and JAX are imported), CPU time,
least of ``--repeat`` loops of about 20 ms (the least, not the median: on a
shared machine the other jobs only ever add time); float64 everywhere.  Every
answer is cross-checked (largest relative difference printed) before it is
timed.  Ratios are autodiff / generated: above 1, the generated code is
faster.  This script measures; nothing is asserted.
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
    """(name, expr, wrt, args order, jax value, point(n), sizes, hessian sizes,
    NumPy value, hand-written NumPy value, gradient and Hessian)."""
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

    # the hand-written closed forms return what the generated function
    # returns, value, gradient and Hessian (vec order), sharing what they can
    def xax_all(A, x):
        H = A + A.T
        return (x.T @ A @ x)[0, 0], H @ x, H

    def least_squares_all(A, b, x):
        r = A @ x - b
        return (r.T @ r)[0, 0], 2 * (A.T @ r), 2 * (A.T @ A)

    def logistic_all(X, w):
        u = X @ w
        s = 1 / (1 + numpy.exp(-u))
        return (numpy.sum(numpy.logaddexp(0, -u)), X.T @ (s - 1),
                X.T @ ((s * (1 - s)) * X))

    def logdet_all(S):
        # d2 log det / dS_ij dS_kl = -(S^-1)_jk (S^-1)_li, vec order
        k = S.shape[0]
        Si = numpy.linalg.inv(S)
        H = -(Si[:, None, None, :] * Si.T[None, :, :, None]).reshape(k * k, k * k)
        return numpy.linalg.slogdet(S)[1], Si.T, H

    def factorisation_all(M, U, V):
        E = M - U @ V.T
        return (numpy.sum(E * E), -2 * (E @ V),
                numpy.kron(2 * (V.T @ V), numpy.eye(M.shape[0])))

    def network_all(W1, W2, Xb, Yb):
        # T = tanh(W1 Xb), D = 1 - T^2, R = W2 T - Yb; by vec W1:
        # H = 2 (P P^T) * (W2^T W2) - 4 (diagonal blocks of Xb (W2^T R D T) Xb^T)
        k = W1.shape[0]
        T = numpy.tanh(W1 @ Xb)
        D = 1 - T * T
        R = W2 @ T - Yb
        Q = W2.T @ R
        P = (Xb[:, None, :] * D[None, :, :]).reshape(k * k, -1)    # (a, c), b
        H = (P @ P.T).reshape(k, k, k, k) * (W2.T @ W2)[None, :, None, :]
        B = ((Xb[:, None, :] * (Q * D * T)[None, :, :]).reshape(k * k, -1)
             @ Xb.T).reshape(k, k, k)
        Hd = numpy.einsum('acdc->acd', H)       # a view: the diagonal blocks
        Hd -= 2 * B
        return numpy.sum(R * R), 2 * ((Q * D) @ Xb.T), 2 * H.reshape(k * k, k * k)
    yield ("x'Ax", x.T * A * x, x, [A, x],
           lambda A, x: x.T @ A @ x,
           lambda k: [RNG.standard_normal((k, k)), RNG.standard_normal((k, 1))],
           (10, 100, 1000), (10, 100, 300, 1000),
           lambda A, x: (x.T @ A @ x)[0, 0], xax_all)
    yield ("least squares", res.T * res, x, [A, b, x],
           lambda A, b, x: (A @ x - b).T @ (A @ x - b),
           lambda k: [RNG.standard_normal((k, k)), RNG.standard_normal((k, 1)),
                      RNG.standard_normal((k, 1))],
           (10, 100, 1000), (10, 100, 300, 1000),
           lambda A, b, x: float(numpy.sum((A @ x - b) ** 2)),
           least_squares_all)
    yield ("logistic regression", OneMatrix(1, n) * z, w, [X, w],
           lambda X, w: jnp.sum(jnp.logaddexp(0, -(X @ w))),
           lambda k: [RNG.standard_normal((k, k)) / k ** .5,
                      RNG.standard_normal((k, 1))],
           (10, 100, 1000), (10, 100, 300, 1000),
           lambda X, w: float(numpy.sum(numpy.logaddexp(0, -(X @ w)))),
           logistic_all)
    yield ("log det", log(det(S)), S, [S],
           lambda S: jnp.linalg.slogdet(S)[1],
           lambda k: [spd(k)], (10, 100, 300, 1000), (10, 30, 70),
           lambda S: numpy.linalg.slogdet(S)[1], logdet_all)
    yield ("matrix factorisation", Trace(E * E.T), U, [M, U, V],
           lambda M, U, V: jnp.sum((M - U @ V.T) ** 2),
           lambda k: [RNG.standard_normal((k, k)), RNG.standard_normal((k, 5)),
                      RNG.standard_normal((k, 5))],
           (10, 100, 1000), (10, 30, 100, 200),
           lambda M, U, V: float(numpy.sum((M - U @ V.T) ** 2)),
           factorisation_all)
    yield ("two-layer network", Trace(R * R.T), W1, [W1, W2, Xb, Yb],
           lambda W1, W2, Xb, Yb: jnp.sum((W2 @ jnp.tanh(W1 @ Xb) - Yb) ** 2),
           lambda k: [RNG.standard_normal((k, k)) / k ** .5,
                      RNG.standard_normal((10, k)) / k ** .5,
                      RNG.standard_normal((k, 16)), RNG.standard_normal((10, 16))],
           (10, 100, 300, 1000), (10, 20, 40),
           lambda W1, W2, Xb, Yb: float(numpy.sum((W2 @ numpy.tanh(W1 @ Xb) - Yb)
                                                  ** 2)),
           network_all)


def cpu(f, repeat):
    """Least CPU seconds per call, over ``repeat`` loops of about 20 ms."""
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
    return min(times)


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


def main(args):
    if jax is None:
        print("jax is not installed: pip install -e '.[jax]'")
        return 1
    print("ratio: autodiff / generated (above 1: generated faster); 'vs own':\n"
          "value+grad / hand-written NumPy value, Hessian / hand-written NumPy\n"
          "closed form (value, gradient, Hessian), HVP / generated value+grad;\n"
          "'gen. jax': the jitted backend='jax' function (value+grad, or\n"
          "value+grad+Hessian), 'jax rat.': autodiff / it")
    print(f"{'case':20} {'n':>5} {'what':10} {'generated':>11} {'autodiff':>11} "
          f"{'ratio':>7} {'vs own':>7} {'gen. jax':>11} {'jax rat.':>8} "
          f"{'rel. diff':>9}")
    for (name, expr, wrt, order, fj, point, sizes, hsizes, value_np,
         hessian_np) in _cases():
        if args.case not in name:
            continue
        k = order.index(wrt)
        f = codegen_function(expr, wrt, layout="mixed", args=order)
        fh = codegen_function(expr, wrt, layout="mixed", args=order, hessian=True)
        fv = codegen_function(expr, wrt, layout="mixed", args=order, hvp=True)
        gj = jax.jit(codegen_function(expr, wrt, layout="mixed", args=order,
                                      backend="jax"))
        gjh = jax.jit(codegen_function(expr, wrt, layout="mixed", args=order,
                                       backend="jax", hessian=True))
        vg = jax.jit(jax.value_and_grad(fj_scalar(fj), argnums=k))
        hj = jax.jit(jax.hessian(fj_scalar(fj), argnums=k))

        def hvp_j(a, v, fj=fj, k=k):
            g = jax.grad(fj_scalar(fj), argnums=k)
            return jax.jvp(lambda t: g(*a[:k], t, *a[k + 1:]), (a[k],), (v,))[1]
        hvp_j = jax.jit(hvp_j)
        for m in sorted(set(sizes if not args.quick else sizes[:2]) |
                        set(hsizes if not args.quick else hsizes[:2])):
            a = point(m)
            ja = [jnp.asarray(t) for t in a]
            rows = []
            value, grad = f(*a)
            t_grad = cpu(lambda: f(*a), args.repeat)
            if m in sizes:
                jv, jg = vg(*ja)
                gv, gg = gj(*ja)
                diff = max(_rel(jv, value), _rel(jg, grad), _rel(gg, grad),
                           _rel(value_np(*a), value))
                rows.append(("value+grad", t_grad,
                             cpu(lambda: _ready(vg(*ja)), args.repeat),
                             t_grad / cpu(lambda: value_np(*a), args.repeat),
                             cpu(lambda: _ready(gj(*ja)), args.repeat), diff))
            if m in hsizes:
                H = fh(*a)[2]
                shape = a[k].shape
                diff = max(_rel(_vec_hessian(hj(*ja), shape), H),
                           _rel(hessian_np(*a)[2], H),
                           _rel(gjh(*ja)[2], H))
                th = cpu(lambda: fh(*a)[2], args.repeat)
                rows.append(("Hessian", th,
                             cpu(lambda: _ready(hj(*ja)), args.repeat),
                             th / cpu(lambda: hessian_np(*a), args.repeat),
                             cpu(lambda: _ready(gjh(*ja)), args.repeat), diff))
                hvp = fv(*a)[2]
                v = RNG.standard_normal(shape)
                diff = _rel(hvp_j(ja, jnp.asarray(v)), hvp(v))
                tv = cpu(lambda: hvp(v), args.repeat)
                rows.append(("HVP", tv,
                             cpu(lambda: _ready(hvp_j(ja, jnp.asarray(v))),
                                 args.repeat), tv / t_grad, None, diff))
            for what, tg, ta, own, tj, diff in rows:
                gen_jax = f"{tj * 1e3:9.3f}ms {ta / tj:8.2f}" if tj else " " * 20
                print(f"{name:20} {m:5} {what:10} {tg * 1e3:9.3f}ms {ta * 1e3:9.3f}ms "
                      f"{ta / tg:7.2f} {own:7.2f} {gen_jax} {diff:9.1e}", flush=True)
    if torch is None:
        print("(torch is not installed: torch.func is not compared)")
    return 0


# --- torch.func and backend="torch" ------------------------------------------

# the hand-written torch values, by case name
TORCH_VALUES = {
    "x'Ax": lambda A, x: x.T @ A @ x,
    "least squares": lambda A, b, x: (A @ x - b).T @ (A @ x - b),
    "logistic regression":
        lambda X, w: torch.sum(torch.nn.functional.softplus(-(X @ w))),
    "log det": lambda S: torch.linalg.slogdet(S)[1],
    "matrix factorisation": lambda M, U, V: torch.sum((M - U @ V.T) ** 2),
    "two-layer network":
        lambda W1, W2, Xb, Yb: torch.sum((W2 @ torch.tanh(W1 @ Xb) - Yb) ** 2),
}


def _torch_functions(expr, wrt, order, value, k):
    """torch.func's functions of a hand-written torch value, and the
    generated torch ones: (grad_and_value, hessian, hvp(a, v), generated
    value+grad, generated value+grad+Hessian+hvp)."""
    def scalar(*a):
        return torch.reshape(value(*a), ())
    grad = torch.func.grad(scalar, argnums=k)

    def hvp(a, v):     # forward over reverse
        return torch.func.jvp(lambda t: grad(*a[:k], t, *a[k + 1:]), (a[k],),
                              (v,))[1]
    return (torch.func.grad_and_value(scalar, argnums=k),
            torch.func.hessian(scalar, argnums=k), hvp,
            codegen_function(expr, wrt, layout="mixed", args=order,
                             backend="torch"),
            codegen_function(expr, wrt, layout="mixed", args=order,
                             hessian=True, hvp=True, backend="torch"))


def torch_main(args):
    """With torch installed, a second table: the same cases against
    torch.func (eager, as it is used; one torch thread): value+gradient
    against ``torch.func.grad_and_value``, the Hessian against
    ``torch.func.hessian``, the HVP against ``torch.func.jvp`` of
    ``torch.func.grad``, each beside the generated NumPy code and the
    generated torch code (``backend="torch"``); every answer cross-checked
    against the generated NumPy code's.  Its ratios are torch.func's time
    over the generated NumPy code's, and over the generated torch code's."""
    print(f"\n{'case':22} {'n':>5} {'what':10} {'generated':>11} "
          f"{'torch.func':>11} {'ratio':>7} {'gen. torch':>11} {'ratio':>7} "
          f"{'rel. diff':>9}")
    for case in _cases():
        name, expr, wrt, order, _, point, sizes, hsizes = case[:8]
        if args.case not in name:
            continue
        k = order.index(wrt)
        f = codegen_function(expr, wrt, layout="mixed", args=order)
        fh = codegen_function(expr, wrt, layout="mixed", args=order, hessian=True,
                              hvp=True)
        vg, hess, hvp_t, gt, ght = _torch_functions(expr, wrt, order,
                                                    TORCH_VALUES[name], k)
        for m in sorted(set(sizes if not args.quick else sizes[:2]) |
                        set(hsizes if not args.quick else hsizes[:2])):
            a = point(m)
            ta = [torch.as_tensor(t) for t in a]
            rows = []
            if m in sizes:
                value, grad = f(*a)
                tg, tv = vg(*ta)
                gv, gg = gt(*ta)
                diff = max(_rel(tv, value), _rel(tg, grad), _rel(gv, value),
                           _rel(gg, grad))
                rows.append(("value+grad", cpu(lambda: f(*a), args.repeat),
                             cpu(lambda: vg(*ta), args.repeat),
                             cpu(lambda: gt(*ta), args.repeat), diff))
            if m in hsizes:
                value, grad, H, hvp = fh(*a)
                shape = a[k].shape
                gH, ghvp = ght(*ta)[2:]
                diff = max(_rel(_vec_hessian(hess(*ta), shape), H), _rel(gH, H))
                rows.append(("Hessian", cpu(lambda: fh(*a)[2], args.repeat),
                             cpu(lambda: hess(*ta), args.repeat),
                             cpu(lambda: ght(*ta)[2], args.repeat), diff))
                v = RNG.standard_normal(shape)
                tv = torch.as_tensor(v)
                diff = max(_rel(hvp_t(ta, tv), hvp(v)), _rel(ghvp(tv), hvp(v)))
                rows.append(("HVP", cpu(lambda: hvp(v), args.repeat),
                             cpu(lambda: hvp_t(ta, tv), args.repeat),
                             cpu(lambda: ghvp(tv), args.repeat), diff))
            for what, tg, tf, tgt, diff in rows:
                print(f"{name:22} {m:5} {what:10} {tg * 1e3:9.3f}ms "
                      f"{tf * 1e3:9.3f}ms {tf / tg:7.2f} {tgt * 1e3:9.3f}ms "
                      f"{tf / tgt:7.2f} {diff:9.1e}", flush=True)
    return 0


def fj_scalar(fj):
    """The JAX value as a scalar (a 1 x 1 result squeezed)."""
    return lambda *a: jnp.reshape(fj(*a), ())


if __name__ == "__main__":
    # each part needs its own package; the JAX part says when jax is missing
    status = main(ARGS) if jax is not None or torch is None else 0
    sys.exit(status or (torch_main(ARGS) if torch is not None else 0))
