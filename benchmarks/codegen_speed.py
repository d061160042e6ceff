"""Time the generated value-and-gradient against the function alone (issue 7).

    python3 benchmarks/codegen_speed.py [--quick] [--repeat N] [--threads T]
                                        [--case TEXT]

For least squares, logistic regression, a two-layer tanh network (on a
batch of 16 columns, and on one vector) and log-det, at n = 10 ... 2000,
prints the time of a plain
hand-written NumPy implementation of the value, of the generated value-only
function, of the generated value and gradient (``codegen_function(expr, wrt,
layout="mixed")``, generated once with symbolic n), and the ratio
(value and gradient) / (hand-written value), the median of the ratios of
runs made one after the other.  Reverse-mode autodiff promises
a small constant ratio; the target is under 3.  Each time is the median over
``--repeat`` runs (default 7) of a loop that lasts about 50 ms.  BLAS threads
are limited to ``--threads`` (default 1, set before NumPy is imported), so
that the figures do not depend on how many cores are free.
"""
import argparse
import os
import pathlib
import sys


def _threads(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="n = 10, 30, 100 only, short loops (a smoke test)")
    ap.add_argument("--repeat", type=int, default=None,
                    help="runs per timing (default 7, 3 with --quick)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--case", default="",
                    help="only the cases whose name contains this text")
    args = ap.parse_args(argv)
    if args.repeat is None:
        args.repeat = 3 if args.quick else 7
    args.loop = 0.005 if args.quick else 0.05
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    return args


ARGS = _threads(sys.argv[1:]) if __name__ == "__main__" else None

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

import statistics  # noqa: E402
import time  # noqa: E402

import numpy  # noqa: E402
from sympy import (HadamardProduct, Lambda, MatrixSymbol, OneMatrix,  # noqa: E402
                   Symbol, Trace, det, exp, log, tanh)

from sympy_matdiff import codegen_function  # noqa: E402

n = Symbol("n", integer=True, positive=True)
u = Symbol("u")
BATCH, OUTPUTS = 16, 10


def least_squares():
    A, x, b = MatrixSymbol("A", n, n), MatrixSymbol("x", n, 1), MatrixSymbol("b", n, 1)
    r = A * x - b
    expr, wrt = r.T * r, x

    def hand(A, b, x):
        r = A @ x - b
        return r @ r

    def data(k, rng):
        return rng.standard_normal((k, k)), rng.standard_normal(k), \
            rng.standard_normal(k)
    return expr, wrt, hand, data


def logistic_regression():
    X, w, y = MatrixSymbol("X", n, n), MatrixSymbol("w", n, 1), MatrixSymbol("y", n, 1)
    softplus = Lambda(u, log(1 + exp(u)))
    expr = OneMatrix(1, n) * (-HadamardProduct(y, X * w)).applyfunc(softplus)

    def hand(X, w, y):
        return numpy.sum(numpy.log(1 + numpy.exp(-y * (X @ w))))

    def data(k, rng):
        return rng.standard_normal((k, k)) / numpy.sqrt(k), rng.standard_normal(k), \
            rng.choice([-1.0, 1.0], k)
    return expr, w, hand, data


def two_layer_network():
    W1, W2 = MatrixSymbol("W1", n, n), MatrixSymbol("W2", OUTPUTS, n)
    X, Y = MatrixSymbol("X", n, BATCH), MatrixSymbol("Y", OUTPUTS, BATCH)
    R = W2 * (W1 * X).applyfunc(tanh) - Y
    expr = Trace(R.T * R)

    def hand(W1, W2, X, Y):
        R = W2 @ numpy.tanh(W1 @ X) - Y
        return numpy.sum(R * R)

    def data(k, rng):
        return (rng.standard_normal((k, k)) / numpy.sqrt(k),
                rng.standard_normal((OUTPUTS, k)) / numpy.sqrt(k),
                rng.standard_normal((k, BATCH)), rng.standard_normal((OUTPUTS, BATCH)))
    return expr, (W1, W2), hand, data


def two_layer_network_vector():
    W1, W2 = MatrixSymbol("W1", n, n), MatrixSymbol("W2", OUTPUTS, n)
    x, y = MatrixSymbol("x", n, 1), MatrixSymbol("y", OUTPUTS, 1)
    r = W2 * (W1 * x).applyfunc(tanh) - y

    def hand(W1, W2, x, y):
        r = W2 @ numpy.tanh(W1 @ x) - y
        return r @ r

    def data(k, rng):
        return (rng.standard_normal((k, k)) / numpy.sqrt(k),
                rng.standard_normal((OUTPUTS, k)) / numpy.sqrt(k),
                rng.standard_normal(k), rng.standard_normal(OUTPUTS))
    return r.T * r, (W1, W2), hand, data


def log_det():
    S = MatrixSymbol("S", n, n)

    def hand(S):
        return numpy.linalg.slogdet(S)[1]

    def data(k, rng):
        M = rng.standard_normal((k, k))
        return (M @ M.T / k + numpy.eye(k),)
    return log(det(S)), S, hand, data


CASES = [("least squares", least_squares), ("logistic regression", logistic_regression),
         ("two-layer network", two_layer_network),
         ("two-layer net, vector", two_layer_network_vector), ("log-det", log_det)]


def loop_time(fn, args, loops):
    t0 = time.perf_counter()
    for _ in range(loops):
        fn(*args)
    return (time.perf_counter() - t0) / loops


def timings(fns, args, repeat, loop=0.05):
    """Per function, the median time of one call over ``repeat`` runs, and
    the median ratio of the last to the first.

    The functions run one after the other in each run (loops of about
    ``loop`` seconds each), so that a change in the machine's load affects
    them alike.
    """
    loops = []
    for fn in fns:
        t0 = time.perf_counter()
        fn(*args)
        loops.append(max(1, int(loop / max(time.perf_counter() - t0, 1e-7))))
    runs = [[loop_time(fn, args, k) for fn, k in zip(fns, loops)]
            for _ in range(repeat)]
    medians = [statistics.median(r[i] for r in runs) for i in range(len(fns))]
    return medians, statistics.median(r[-1] / r[0] for r in runs)


def main(args):
    sizes = (10, 30, 100) if args.quick else (10, 30, 100, 300, 1000, 2000)
    print(f"BLAS threads: {args.threads}; median of {args.repeat} loops of "
          f"{args.loop * 1e3:.0f} ms")
    print(f"{'case':22} {'n':>5} {'f ms':>10} {'gen f ms':>10} {'f+grad ms':>10} "
          f"{'ratio':>6}")
    rows = []
    rng = numpy.random.default_rng(0)
    for name, make in [c for c in CASES if args.case in c[0]]:
        expr, wrt, hand, data = make()
        value_and_grad = codegen_function(expr, wrt, layout="mixed")
        value_only = codegen_function(expr, None)
        for k in sizes:
            inputs = data(k, rng)
            assert numpy.isclose(hand(*inputs), value_and_grad(*inputs)[0])
            (tf, tv, tg), ratio = timings([hand, value_only, value_and_grad],
                                          inputs, args.repeat, args.loop)
            rows.append((name, k, ratio))
            print(f"{name:22} {k:>5} {tf * 1e3:>10.4f} {tv * 1e3:>10.4f} "
                  f"{tg * 1e3:>10.4f} {ratio:>6.2f}", flush=True)
    worst = max(rows, key=lambda r: r[2])
    over = [r for r in rows if r[2] >= 3]
    print(f"worst ratio {worst[2]:.2f} ({worst[0]}, n = {worst[1]}); "
          f"{len(over)} of {len(rows)} at or over 3x")


if __name__ == "__main__":
    main(ARGS)
