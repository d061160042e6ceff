"""Time plain SymPy, plugged sympy.diff and derivative() on the test corpus.

    python3 benchmarks/derivation_speed.py [--repeat N] [--cases K]

Three columns per case, each the best of N calls on a cold cache (CPU time):

* ``sympy``: plain ``sympy.diff``, measured in a process of its own in
  which the hooks are never active (the corpus needs the package's
  ``adj`` and ``scalar_function``, so it is imported there and
  ``hooks.uninstall()`` restores SymPy exactly before anything runs);
* ``plugged``: ``sympy.diff`` after ``import sympy_matdiff``;
* ``derivative``: ``derivative()`` (``hessian()`` for Hessian cases; the
  SymPy columns take ``diff(f, X, 2)`` there).

Then, on the cases where plain SymPy answers right (compared numerically
with the engine), the median and worst ratio plugged / plain (targets:
median <= 1.5, no case over 3), and the medians of every column.  A 16x4
``JacobianArray.as_explicit()`` is timed too (target: under 0.1 s).

Last, ``derivative()`` (``hessian()``) on families that grow in depth or
width (issue 18), each with its target: ``det((adj(X)/2)^3)``, a sum of 200
traces ``tr(A_i X^-1)``, a product of 60 factors with X 30 times (its trace,
and the product itself: a matrix-valued Jacobian), ``tanh`` nested 20 deep
on a 1x1 ``x`` and element-wise on a vector, and the Hessian by W1 of the
6-layer network ``||W6 tanh(W5 tanh(... tanh(W1 x))) - y||^2``.
``--families`` prints only these.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def best_time(fn, repeat):
    from sympy.core.cache import clear_cache
    best, out = float("inf"), None
    for _ in range(repeat):
        clear_cache()
        t0 = time.process_time()
        try:
            out = fn()
        except Exception:           # plain SymPy fails on many of these
            return None, None
        best = min(best, time.process_time() - t0)
    return best, out


def _sympy_call(case):
    import sympy
    if case.kind == "hessian":
        return lambda: sympy.diff(case.expr, case.wrt, 2)
    return lambda: sympy.diff(case.expr, case.wrt)


def plain(repeat, cases):
    """Plain SymPy's times and answers (as srepr), the plugin not imported."""
    from corpus import CASES
    assert "sympy_matdiff.hooks" not in sys.modules or not \
        sys.modules["sympy_matdiff.hooks"].installed()
    out = {}
    for case in CASES[:cases]:
        t, R = best_time(_sympy_call(case), repeat)
        out[case.name] = (t, _right(case, R))
    return out


def _plain_in_own_process(repeat, cases):
    # corpus.py imports sympy_matdiff (adj, scalar_function); the hooks are
    # taken out before anything is timed, so SymPy runs as it ships
    code = ("import sys, json; sys.path[:0] = %r; "
            "import sympy_matdiff.hooks as h; h.uninstall(); "
            "import derivation_speed as b; "
            "print(json.dumps(b.plain(%d, %d)))" % (
                [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")],
                repeat, cases))
    run = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def _right(case, R):
    """Is plain SymPy's answer R right (finite differences, in the plain
    process: the checks do not use the hooks)?"""
    if R is None:
        return False
    from sympy import MatrixSymbol
    from sympy_matdiff import check, to_layout
    from sympy_matdiff.numeric import check_hessian
    from sympy_matdiff.sympy_diff import unevaluated
    try:
        if unevaluated(R, case.wrt):
            return False
        if case.kind == "hessian":
            if getattr(case.wrt, "is_Matrix", False):
                R = to_layout(R, MatrixSymbol("G", *case.wrt.shape), case.wrt)
            return check_hessian(case.expr, case.wrt, result=R, points=1).ok
        G = to_layout(R, case.expr, case.wrt, target="numerator")
        return check(case.expr, case.wrt, result=G, points=1).ok
    except Exception:
        return False


def explicit_time():
    from sympy import MatrixSymbol, diff, tanh
    W, x = MatrixSymbol("W", 4, 4), MatrixSymbol("x", 4, 1)
    R = diff((W * x).applyfunc(tanh), W)          # J is 4 x 16
    t, _ = best_time(R.as_explicit, 3)
    return type(R).__name__, R.numerator.shape, t


def families():
    """[(name, target in seconds, function)] of issue 18's growing cases."""
    from sympy import Add, MatMul, MatrixSymbol, Trace, det, tanh
    from sympy_matdiff import adj, derivative, hessian
    from sympy_matdiff.expressions import Elementwise
    n = 3
    X = MatrixSymbol("X", n, n)
    As = [MatrixSymbol(f"A{i}", n, n) for i in range(1, 201)]
    product = MatMul(*[f for A in As[:30] for f in (A, X)])

    def nested_tanh(x, depth=20):
        for _ in range(depth):
            x = Elementwise(tanh, x)
        return x
    x1, xv = MatrixSymbol("x", 1, 1), MatrixSymbol("x", n, 1)
    x, y = MatrixSymbol("x", n, 1), MatrixSymbol("y", n, 1)
    Ws = [MatrixSymbol(f"W{i}", n, n) for i in range(1, 7)]
    h = x
    for W in Ws[:-1]:
        h = Elementwise(tanh, W * h)
    r = Ws[-1] * h - y
    return [
        ("det((adj(X)/2)**3) by X", 1.0,
         lambda: derivative(det((adj(X) / 2)**3), X)),
        ("sum of 200 tr(A_i X**-1) by X", 1.0,
         lambda: derivative(Add(*[Trace(A * X**-1) for A in As]), X)),
        ("tr(A1 X A2 X ... A30 X) by X", 2.0,
         lambda: derivative(Trace(product), X)),
        ("A1 X A2 X ... A30 X by X (Jacobian)", 2.0,
         lambda: derivative(product, X)),
        ("tanh nested 20 deep, x 1x1", 1.0,
         lambda: derivative(Trace(nested_tanh(x1)), x1)),
        ("tanh nested 20 deep, element-wise, x 3x1", 1.0,
         lambda: derivative(nested_tanh(xv), xv)),
        ("Hessian of the 6-layer MLP by W1", 2.0,
         lambda: hessian(r.T * r, Ws[0])),
    ]


def print_families(repeat):
    print(f"{'family':44} {'CPU s':>8} {'target':>7}")
    for name, target, fn in families():
        t, _ = best_time(fn, repeat)
        shown = f"{t:8.3f}" if t is not None else f"{'error':>8}"
        print(f"{name:44} {shown} {target:6.1f}s", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cases", type=int, default=10**6)
    ap.add_argument("--families", action="store_true",
                    help="only the growing families of issue 18")
    args = ap.parse_args(argv)
    if args.families:       # families() imports the plugin
        return print_families(args.repeat)
    theirs = _plain_in_own_process(args.repeat, args.cases)

    import sympy_matdiff  # noqa: F401  (plugs sympy.diff)
    from corpus import CASES
    from sympy_matdiff.sympy_diff import sympy_capabilities
    sympy_capabilities()    # probed once per process, not per call
    from sympy_matdiff import derivative, hessian
    rows = []
    print(f"{'case':44} {'sympy ms':>9} {'plugged':>9} {'deriv.':>9}  sympy right")
    for case in CASES[:args.cases]:
        f = hessian if case.kind == "hessian" else derivative
        t_ours, _ = best_time(lambda: f(case.expr, case.wrt), args.repeat)
        t_plug, _ = best_time(_sympy_call(case), args.repeat)
        t_sym, right = theirs[case.name]
        rows.append((case.name, t_sym, t_plug, t_ours, right))

        def ms(t):
            return f"{1000 * t:9.1f}" if t is not None else f"{'-':>9}"
        print(f"{case.name[:44]:44} {ms(t_sym)} {ms(t_plug)} {ms(t_ours)}  "
              f"{'yes' if right else 'no'}")
    print()

    def med(ts):
        ts = [t for t in ts if t is not None]
        return f"{1000 * statistics.median(ts):.1f} ms" if ts else "-"
    print(f"all {len(rows)} cases, medians: plain SymPy {med(r[1] for r in rows)} "
          f"(answers {sum(r[1] is not None for r in rows)}), plugged "
          f"{med(r[2] for r in rows)}, derivative() {med(r[3] for r in rows)}")
    ok = [r for r in rows if r[4] and r[2] is not None and r[1]]
    if ok:
        ratios = sorted(r[2] / r[1] for r in ok)
        worst = max(ok, key=lambda r: r[2] / r[1])
        print(f"where plain SymPy is right ({len(ok)} cases): medians plain "
              f"{med(r[1] for r in ok)}, plugged {med(r[2] for r in ok)}, "
              f"derivative() {med(r[3] for r in ok)}")
        print(f"  plugged / plain: median {statistics.median(ratios):.2f} "
              f"(target <= 1.5), worst {ratios[-1]:.2f} ({worst[0]}; target <= 3)")
    name, shape, t = explicit_time()
    print(f"{name} as_explicit(), numerator {shape[0]}x{shape[1]}: "
          f"{1000 * t:.1f} ms (target < 100 ms)")
    print()
    print_families(args.repeat)


if __name__ == "__main__":
    main()
