"""Derivation cost against depth: named intermediates (reverse mode) and flat.

    python3 benchmarks/backprop_speed.py [--repeat N] [--layers 1,2,4,...]
                                         [--flat-up-to L]

CPU time of one call (the best of N, SymPy's cache cleared before each) for

* ``named_derivative`` of the L-layer network ‖W_L tanh(…tanh(W_1 x)) − y‖²
  by W_1, and by all of W_1 … W_L at once, with the size of the result (the
  operations of the definitions and of the derivative);
* ``derivative`` (the flat result) of the same, up to ``--flat-up-to``
  layers (it grows as L², as the issue measured);
* a scalar tanh nested 20 deep (built unevaluated: SymPy's own ``tanh``
  takes 25 s to build ten levels, in its ``eval``).

Targets (issue 18): t(16)/t(2) <= 10 for the gradient by W_1, the 10-layer
gradient under 0.3 s, the result size linear in L, tanh nested 20 under 1 s.
"""
import argparse
import os
import pathlib
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from sympy import MatrixSymbol, Symbol, Trace, tanh   # noqa: E402
from sympy.core.cache import clear_cache               # noqa: E402

from sympy_matdiff import derivative, named_derivative  # noqa: E402

n = Symbol('n', integer=True, positive=True)


def network(L):
    x, y = MatrixSymbol('x', n, 1), MatrixSymbol('y', n, 1)
    Ws = [MatrixSymbol(f'W{k}', n, n) for k in range(1, L + 1)]
    h = x
    for k, W in enumerate(Ws):
        h = W * h
        if k < L - 1:
            h = h.applyfunc(tanh)
    r = h - y
    return Trace(r.T * r), Ws


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        clear_cache()
        t0 = time.process_time()
        out = fn()
        times.append(time.process_time() - t0)
    return min(times), out


def size(g):
    return sum(e.count_ops() for _, e in g.definitions) + sum(
        r.count_ops() for r in (g.result if isinstance(g.result, tuple)
                                else (g.result,)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--layers", default="1,2,4,6,8,10,12,16")
    ap.add_argument("--flat-up-to", type=int, default=6)
    a = ap.parse_args(argv)
    layers = [int(k) for k in a.layers.split(",")]
    print(f"{'L':>3} {'named W1':>10} {'size':>6} {'named all':>10} "
          f"{'size':>6} {'flat W1':>9} {'flat size':>9}")
    t = {}
    for L in layers:
        f, Ws = network(L)
        t1, g1 = best(lambda: named_derivative(f, Ws[0]), a.repeat)
        ta, ga = best(lambda: named_derivative(f, tuple(Ws)), a.repeat)
        t[L] = t1
        flat = ""
        if L <= a.flat_up_to:
            tf, G = best(lambda: derivative(f, Ws[0]), 1)
            flat = f"{tf * 1e3:8.0f}ms {G.count_ops():9d}"
        print(f"{L:3d} {t1 * 1e3:8.0f}ms {size(g1):6d} {ta * 1e3:8.0f}ms "
              f"{size(ga):6d} {flat}")
    if 2 in t and 16 in t:
        print(f"t(16)/t(2) = {t[16] / t[2]:.2f} (target <= 10)")
    if 10 in t:
        print(f"10-layer gradient by W1: {t[10]:.3f} s (target < 0.3 s)")
    x = Symbol('x')
    f = x
    for _ in range(20):
        f = tanh(f, evaluate=False)
    tt, _ = best(lambda: named_derivative(f, x), a.repeat)
    print(f"tanh nested 20 deep, named_derivative: {tt:.3f} s (target < 1 s)")


if __name__ == "__main__":
    main()
