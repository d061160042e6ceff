"""Time derivative() on the test corpus, and plain sympy.diff where it answers.

    python3 benchmarks/derivation_speed.py [--repeat N]

Prints, per case, the time of one derivative() call (best of N, each on a
cold cache) and of sympy.diff where it gives an answer that is not an
unevaluated Derivative, then the median and worst of each and their ratio.
Targets (issue: identification): median no slower than sympy.diff, no case
over 1 s.
"""
import argparse
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sympy  # noqa: E402
from sympy import Derivative  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

from corpus import CASES  # noqa: E402
from sympy_matdiff import derivative, hessian  # noqa: E402


def best_time(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        clear_cache()
        t0 = time.perf_counter()
        try:
            out = fn()
        except Exception:   # sympy.diff fails on many of these
            return None, None
        best = min(best, time.perf_counter() - t0)
    return best, out


def sympy_answers(out):
    return out is not None and not (hasattr(out, "has") and out.has(Derivative))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    ours, theirs, pairs = [], [], []
    print(f"{'case':44} {'ours ms':>9} {'sympy ms':>9}")
    for case in CASES:
        f = hessian if case.kind == "hessian" else derivative
        t_ours, _ = best_time(lambda: f(case.expr, case.wrt), args.repeat)
        t_sym, out = None, None
        if case.kind != "hessian":
            t_sym, out = best_time(lambda: sympy.diff(case.expr, case.wrt),
                                   args.repeat)
        if not sympy_answers(out):
            t_sym = None
        ours.append(t_ours)
        if t_sym is not None:
            theirs.append(t_sym)
            pairs.append((t_ours, t_sym))
        sym = f"{1000 * t_sym:9.1f}" if t_sym is not None else f"{'-':>9}"
        print(f"{case.name[:44]:44} {1000 * t_ours:9.1f} {sym}")
    med, worst = statistics.median(ours), max(ours)
    print()
    print(f"derivative(): {len(ours)} cases, median {1000 * med:.1f} ms, "
          f"worst {1000 * worst:.1f} ms")
    if theirs:
        smed = statistics.median(theirs)
        print(f"sympy.diff answered {len(theirs)} of {len(CASES)}: median "
              f"{1000 * smed:.1f} ms, worst {1000 * max(theirs):.1f} ms")
        pmed = statistics.median(o for o, _ in pairs)
        ratio = pmed / statistics.median(t for _, t in pairs)
        print(f"on those cases: ours median {1000 * pmed:.1f} ms; "
              f"ratio ours/sympy of medians {ratio:.2f}")
    print(f"target median <= sympy.diff's: "
          f"{'met' if theirs and med <= statistics.median(theirs) else 'NOT met'}; "
          f"no case over 1 s: {'met' if worst <= 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
