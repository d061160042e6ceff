"""Property-based verification: random expressions against finite differences.

Each random expression of :mod:`sympy_matdiff.testing` is checked with these
properties, every one against central finite differences in mpmath at
:data:`~sympy_matdiff.fastnumeric.DIGITS` digits.  First differences use the
step 1e-12: truncation (h^2 ~ 1e-24) and rounding (1e-32 / h ~ 1e-20) errors
are far below the tolerance :data:`TOL`, 1e-12 of the scale.  Second
differences use 1e-8, with errors near 1e-16 of the scale, so the Hessian is
compared to :data:`TOL2`, 1e-9.  A wrong rule gives errors of the order of
the scale itself:

* ``differential``: ``d(f)`` (all symbols vary) at the point, in a random
  direction, equals the directional derivative;
* ``derivative[layout]``: ``derivative(f, X, layout)`` equals the
  finite-difference Jacobian, in each of the three layouts;
* ``hessian``: ``hessian(f, X)`` is symmetric and ``vec(U)^T H vec(V)``
  equals the mixed second difference (scalar f);
* ``derivation``: every step of ``derivation(f, X)`` equals ``d(f, X)``, and
  its result is the Jacobian;
* ``sympy_diff``: ``sympy.diff(f, X)`` through ``to_layout`` equals the
  Jacobian (when the SymPy integration is present);
* ``codegen``: the generated NumPy function's value and derivative agree
  with the symbolic ones, in float64 to 1e-8 (when the code generator is
  present).

The long run::

    python3 -m sympy_matdiff.fuzz --examples 20000

checks ``differential`` and two other properties per example (in turn), prints
how many examples used each construct and each property's counts, and for
every failure the smallest failing subexpression and a reproducer line
(``--seed N --examples 1 --properties all`` checks that example again).

>>> from sympy_matdiff.fuzz import run_example
>>> from sympy_matdiff.testing import generate
>>> outcome = run_example(generate(7), ["differential"])
>>> outcome["differential"][0] in ("pass", "refused")
True
"""
import argparse
import signal
import sys
import time
import traceback
import warnings
from collections import Counter

from sympy import ImmutableMatrix, MatrixBase, preorder_traversal, srepr
from sympy.utilities.exceptions import SymPyDeprecationWarning

from .differentials import Differential, d, variables_of
from .errors import MatrixCalculusError
from .fastnumeric import CTX, Evaluator, Unsupported, is_matrix, max_abs
from .testing import generate

TOL = CTX.mpf("1e-12")
TOL2 = CTX.mpf("1e-9")
H1 = CTX.mpf("1e-12")
H2 = CTX.mpf("1e-8")
LAYOUTS = ("numerator", "denominator", "mixed")
ROTATION = ["derivative[numerator]", "derivative[denominator]",
            "derivative[mixed]", "hessian", "derivation", "sympy_diff", "codegen",
            "named"]
ALL = ["differential"] + ROTATION


class Mismatch(AssertionError):
    """A property that does not hold: a wrong result."""


class Skip(Exception):
    """A property that does not apply to this example."""


# --- values ------------------------------------------------------------------

FALLBACKS = Counter()


def value(expr, point):
    """``expr`` at ``point``: fast mpmath evaluation, else SymPy's."""
    try:
        return Evaluator(point)(expr)
    except Unsupported as e:
        FALLBACKS[str(e)] += 1
    from .numeric import evaluate
    sym_point = {k: (ImmutableMatrix(v.rows, v.cols, lambda i, j: v[i, j])
                     if is_matrix(v) else v) for k, v in point.items()}
    sym_point = {k: (v.applyfunc(lambda x: _float(x)) if isinstance(
        v, MatrixBase) else _float(v)) for k, v in sym_point.items()}
    out = evaluate(expr, sym_point)
    if isinstance(out, MatrixBase):
        return CTX.matrix([[CTX.mpf(str(out[i, j])) for j in range(out.cols)]
                           for i in range(out.rows)])
    return CTX.mpf(str(out))


def _float(x):
    from sympy import Float
    return Float(CTX.nstr(x, 40), 50)


def _moved(point, var, step):
    out = dict(point)
    out[var] = point[var] + step
    return out


def _scalar_like(v):
    return not is_matrix(v) or (v.rows, v.cols) == (1, 1)


def _compare(got, want, what, scale=0, tol=TOL):
    """Raise :class:`Mismatch` unless got == want to ``tol`` of the scale."""
    if is_matrix(got) and (got.rows, got.cols) == (1, 1) and not is_matrix(want):
        got = got[0, 0]
    if is_matrix(want) and (want.rows, want.cols) == (1, 1) and not is_matrix(got):
        want = want[0, 0]
    if is_matrix(got) != is_matrix(want) or (is_matrix(got) and (
            got.rows, got.cols) != (want.rows, want.cols)):
        raise Mismatch(f"{what}: shape {_shape(got)}, expected {_shape(want)}")
    err = max_abs(got - want)
    bound = tol * (1 + max(max_abs(want), scale))
    if err > bound:
        raise Mismatch(f"{what}: error {CTX.nstr(err, 3)} "
                       f"(scale {CTX.nstr(max_abs(want), 3)})")


def _shape(v):
    return (v.rows, v.cols) if is_matrix(v) else "scalar"


# --- the properties ----------------------------------------------------------

def prop_differential(ex):
    """``d(f)`` in a random direction equals the directional derivative."""
    f, point = ex.expr, ex.point
    D = d(f)
    at = dict(point)
    at.update({Differential(v): ex.direction[v] for v in point})
    got = value(D, at)
    plus = {v: point[v] + H1 * ex.direction[v] for v in point}
    minus = {v: point[v] - H1 * ex.direction[v] for v in point}
    fp, fm = value(f, plus), value(f, minus)
    want = (fp - fm) / (2 * H1)
    _compare(got, want, "d(f)", max_abs(fp) * 1e-3)


def numeric_jacobian(f, X, point):
    """The numerator-layout derivative of f by X, by central differences.

    Also returns the largest |f| seen (the scale of the rounding error).
    """
    if not X.is_Matrix:
        fp, fm = value(f, _moved(point, X, H1)), value(f, _moved(point, X, -H1))
        return (fp - fm) / (2 * H1), max_abs(fp)
    p, q = map(int, X.shape)
    parts, top = {}, CTX.mpf(0)
    for j in range(q):
        for i in range(p):
            E = CTX.matrix(p, q)
            E[i, j] = H1
            fp, fm = value(f, _moved(point, X, E)), value(f, _moved(point, X, -E))
            parts[i, j] = (fp - fm) / (2 * H1)
            top = max(top, max_abs(fp))
    sample = parts[0, 0]
    if _scalar_like(sample):
        G = CTX.matrix(q, p)
        for (i, j), v in parts.items():
            G[j, i] = v[0, 0] if is_matrix(v) else v
        return G, top
    m, n = sample.rows, sample.cols
    J = CTX.matrix(m * n, p * q)
    for (i, j), v in parts.items():
        for r in range(m * n):
            J[r, i + p * j] = v[r % m, r // m]
    return J, top


def in_layout(J, f_scalar_like, X, layout):
    """The numerator-layout J in ``layout`` (the table of docs/derivatives.md)."""
    if not is_matrix(J) or layout == "numerator":
        return J
    if layout == "denominator":
        return J.T
    return J.T if f_scalar_like and X.is_Matrix else J


def _f_scalar_like(f):
    return not f.is_Matrix or f.shape == (1, 1)


def prop_derivative(ex, layout):
    """``derivative(f, X, layout)`` equals the finite-difference Jacobian."""
    from .identification import derivative
    f, X = ex.expr, ex.wrt
    G = derivative(f, X, layout)
    J, top = numeric_jacobian(f, X, ex.point)
    want = in_layout(J, _f_scalar_like(f), X, layout)
    _compare(value(G, ex.point), want, f"derivative[{layout}]", top * 1e-3)
    return G


def prop_named(ex):
    """``named_derivative(f, X)``, its names substituted back, equals the
    finite-difference gradient (scalar f; the layout varies with the seed)."""
    from .backprop import named_derivative
    f, X = ex.expr, ex.wrt
    if not _f_scalar_like(f):
        raise Skip("named intermediates need a scalar f")
    layout = LAYOUTS[hash(str(ex.seed) + "named") % 3]
    G = named_derivative(f, X, layout).doit()
    J, top = numeric_jacobian(f, X, ex.point)
    want = in_layout(J, True, X, layout)
    _compare(value(G, ex.point), want, f"named[{layout}]", top * 1e-3)
    return G


def _second_direction(X):
    p, q = map(int, X.shape)
    V = CTX.matrix(p, q)
    for i in range(p):
        for j in range(q):
            V[i, j] = CTX.mpf(((7 * i + 3 * j) % 5) - 2) / 2 + CTX.mpf("0.1")
    return V


def prop_hessian(ex):
    """``hessian(f, X)`` is symmetric and matches mixed second differences."""
    from .identification import hessian
    f, X, point = ex.expr, ex.wrt, ex.point
    if not _f_scalar_like(f):
        raise Skip("matrix-valued f")
    Hs = hessian(f, X)
    Hv = value(Hs, point)
    f0 = value(f, point)
    scale = max_abs(f0)
    if not X.is_Matrix:
        fp, fm = value(f, _moved(point, X, H2)), value(f, _moved(point, X, -H2))
        want = (fp - 2 * f0 + fm) / (H2 * H2)
        _compare(Hv, want, "hessian", scale, TOL2)
        return
    p, q = map(int, X.shape)
    if not is_matrix(Hv):
        Hv = CTX.matrix([[Hv]])
    if (Hv.rows, Hv.cols) != (p * q, p * q):
        raise Mismatch(f"hessian: shape {_shape(Hv)}, expected {(p * q, p * q)}")
    _compare(Hv.T, Hv, "hessian symmetry")
    U, V = ex.direction[X], _second_direction(X)

    def at(a, b):
        return value(f, _moved(point, X, a * H2 * U + b * H2 * V))
    want = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * H2 * H2)

    def vec(M):
        return CTX.matrix([[M[i % p, i // p]] for i in range(p * q)])
    got = (vec(U).T * Hv * vec(V))[0, 0]
    _compare(got, want, "vec(U)^T H vec(V)", scale, TOL2)


def prop_derivation(ex):
    """Every step of ``derivation(f, X)`` equals ``d(f, X)``; its result too."""
    from .derivations import derivation
    from .differentials import DIFFERENTIALS
    from .vec import Vec
    f, X, point = ex.expr, ex.wrt, ex.point
    der = derivation(f, X)
    at = dict(point)
    at[Differential(X)] = ex.direction[X]
    want = value(d(f, X), at)
    want_vec = want
    if is_matrix(want):
        want_vec = CTX.matrix([[want[i % want.rows, i // want.rows]]
                               for i in range(want.rows * want.cols)])
    for n, s in enumerate(der.steps):
        e = getattr(s, "meaning", s.expr)
        e = e.replace(lambda x: isinstance(x, DIFFERENTIALS) and x.arg != X,
                      lambda x: d(x.arg, X))
        # vec(dF) is a Vec, or for a row F the Transpose Vec makes of it
        target = want_vec if s.lhs is not None and (isinstance(s.lhs, Vec) or (
            is_matrix(want) and want.cols != 1
            and tuple(s.lhs.shape) == (want_vec.rows, 1))) else want
        _compare(value(e, at), target, f"derivation step {n + 1} ({s.citation})")
    J, top = numeric_jacobian(f, X, point)
    _compare(value(der.result, point), J, "derivation result", top * 1e-3)


def prop_sympy_diff(ex):
    """``sympy.diff`` through ``to_layout`` agrees with the Jacobian."""
    try:
        from .layouts import to_layout
    except ImportError:     # the SymPy integration is not there
        raise Skip("to_layout is not available")
    from sympy import diff
    f, X, point = ex.expr, ex.wrt, ex.point
    try:
        R = diff(f, X)
    except MatrixCalculusError:
        raise
    except Exception as e:  # SymPy's own limits, not the plugin's answer
        raise Skip(f"sympy.diff: {type(e).__name__}: {e}")
    if getattr(R, "is_Matrix", False) or not hasattr(R, "as_explicit"):
        G = to_layout(R, f, X, "sympy", "numerator")
    else:   # numbers in first: a symbolic 4-D answer converts slowly
        R = R.xreplace({k: ImmutableMatrix(v) if hasattr(v, "shape") else v
                        for k, v in point.items()}).as_explicit()
        G = to_layout(R, f, X, "sympy", "numerator")
    J, top = numeric_jacobian(f, X, point)
    _compare(value(G, point), J, "to_layout(diff(f, X))", top * 1e-3)


FLOAT_TOL = 1e-8


def prop_codegen(ex):
    """The generated NumPy function agrees with the symbolic value and result."""
    try:
        from .codegen import codegen_function
    except ImportError:     # the code generator is not there
        raise Skip("sympy_matdiff.codegen is not available")
    import numpy
    from .identification import derivative
    f, X, point = ex.expr, ex.wrt, ex.point
    layout = LAYOUTS[hash(str(ex.seed)) % 3]
    args = sorted(point, key=str)
    fn = codegen_function(f, X, layout=layout, args=args)

    def array(v):
        if is_matrix(v):
            return numpy.array([[float(v[i, j]) for j in range(v.cols)]
                                for i in range(v.rows)])
        return float(v)
    got_value, got_derivative = fn(*[array(point[a]) for a in args])
    for got, want, what in [
            (got_value, value(f, point), "codegen value"),
            (got_derivative, value(derivative(f, X, layout), point),
             f"codegen derivative[{layout}]")]:
        want_np = numpy.array(array(want), dtype=float)
        got_np = numpy.array(got, dtype=float)
        if got_np.size == 1 and want_np.size == 1:
            got_np, want_np = got_np.reshape(()), want_np.reshape(())
        elif got_np.ndim == 1 and want_np.ndim == 2 and 1 in want_np.shape:
            got_np = got_np.reshape(want_np.shape)   # a vector given 1-D
        if got_np.shape != want_np.shape:
            raise Mismatch(f"{what}: shape {got_np.shape}, expected "
                           f"{want_np.shape}")
        err = float(numpy.max(numpy.abs(got_np - want_np), initial=0))
        scale = float(numpy.max(numpy.abs(want_np), initial=0))
        if not err <= FLOAT_TOL * (1 + scale):
            raise Mismatch(f"{what}: error {err:.3g} (scale {scale:.3g})")


PROPERTIES = {
    "differential": prop_differential,
    "derivative[numerator]": lambda ex: prop_derivative(ex, "numerator"),
    "derivative[denominator]": lambda ex: prop_derivative(ex, "denominator"),
    "derivative[mixed]": lambda ex: prop_derivative(ex, "mixed"),
    "hessian": prop_hessian,
    "derivation": prop_derivation,
    "sympy_diff": prop_sympy_diff,
    "codegen": prop_codegen,
    "named": prop_named,
}


# --- running -----------------------------------------------------------------

class Timeout(BaseException):
    """An example that took longer than allowed.

    A ``BaseException``, like ``KeyboardInterrupt``: SymPy has ``except
    Exception`` clauses that would swallow it and go on computing.
    """


_ARMED = [False]


def _on_alarm(signum, frame):
    if _ARMED[0]:
        raise Timeout()


def check(ex, name):
    """Run one property: ``(status, detail)``.

    status is ``pass``, ``fail`` (a wrong value), ``crash`` (an exception
    that is not a MatrixCalculusError), ``refused`` (a MatrixCalculusError),
    ``skip`` or ``timeout``.
    """
    try:
        PROPERTIES[name](ex)
        return "pass", ""
    except Skip as e:
        return "skip", str(e)
    except Mismatch as e:
        return "fail", str(e)
    except Timeout:
        raise
    except MatrixCalculusError as e:
        return "refused", f"{type(e).__name__}: {e}"
    except RecursionError as e:
        return "crash", f"RecursionError: {e}"
    except Exception as e:
        tb = traceback.extract_tb(e.__traceback__)
        where = f"{tb[-1].filename.split('/')[-1]}:{tb[-1].lineno}" if tb else ""
        return "crash", f"{type(e).__name__}: {e} [{where}]"


def run_example(ex, names, timeout=None):
    """``{property: (status, detail)}`` for one example."""
    out = {}
    for name in names:
        if timeout:
            signal.signal(signal.SIGALRM, _on_alarm)
            _ARMED[0] = True
            # repeated, in case one is lost in code that catches everything
            signal.setitimer(signal.ITIMER_REAL, timeout, 1)
        try:
            out[name] = check(ex, name)
        except Timeout:
            _ARMED[0] = False
            out[name] = ("timeout", f"longer than {timeout} s")
        finally:
            _ARMED[0] = False
            if timeout:
                signal.setitimer(signal.ITIMER_REAL, 0)
    return out


def _generate(seed, depth, timeout):
    """``generate(seed, depth)`` within ``timeout`` seconds (else Timeout)."""
    if timeout:
        signal.signal(signal.SIGALRM, _on_alarm)
        _ARMED[0] = True
        signal.setitimer(signal.ITIMER_REAL, timeout, 1)
    try:
        return generate(seed, depth)
    finally:
        _ARMED[0] = False
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _subexpressions(ex):
    """The example's subexpressions that contain its variable, smallest first."""
    from dataclasses import replace
    seen, out = set(), []
    for e in preorder_traversal(ex.expr):
        if e in seen or not hasattr(e, "is_Matrix") or e.is_number:
            continue
        seen.add(e)
        if getattr(e, "is_Matrix", False):
            if not all(getattr(s, "is_Integer", False) for s in e.shape):
                continue
        elif not getattr(e, "is_Expr", False) and not e.is_Matrix:
            continue
        if any(getattr(s, "is_Dummy", False) for s in e.free_symbols):
            continue
        if ex.wrt not in variables_of(e):
            continue
        out.append(replace(ex, expr=e))
    return sorted(out, key=lambda x: (_size(x.expr), len(str(x.expr))))


def _size(e):
    return sum(1 for _ in preorder_traversal(e))


def shrink(ex, name, status, timeout=10, budget=120):
    """The smallest subexpression of ``ex`` that fails ``name`` the same way.

    Gives up (returning ``ex``) after ``budget`` seconds.
    """
    start = time.time()
    for sub in _subexpressions(ex):
        if sub.expr == ex.expr or time.time() - start > budget:
            return ex
        got = run_example(sub, [name], timeout)[name]
        if got[0] == status:
            return sub
    return ex


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m sympy_matdiff.fuzz",
        description="Check random matrix expressions against finite differences.")
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0,
                        help="the first example's seed (example i has seed+i)")
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--properties", default="rotate",
                        help="'rotate' (d(f) and one other property per "
                        "example), 'all', or a comma-separated list")
    parser.add_argument("--timeout", type=float, default=60,
                        help="seconds allowed for one property of one example")
    parser.add_argument("--rotate", type=int, default=2,
                        help="with --properties rotate: how many properties "
                        "besides d(f) each example checks, in turn")
    parser.add_argument("--progress", type=int, default=500)
    args = parser.parse_args(argv)
    return run(args.examples, args.seed, args.depth, args.properties,
               args.timeout, args.progress, rotate=args.rotate)


def run(examples, seed=0, depth=3, properties="rotate", timeout=60,
        progress=500, out=sys.stdout, rotate=2):
    """Check ``examples`` examples from ``seed`` on; 1 if any failed."""
    # SymPy's own diff warns about array arguments of Mul; not ours to show
    warnings.simplefilter("ignore", SymPyDeprecationWarning)
    constructs, counts = Counter(), Counter()
    refusals, failures = Counter(), []
    start = time.time()
    for k in range(examples):
        s = seed + k
        try:
            ex = _generate(s, depth, timeout)
        except (Exception, Timeout) as e:
            failures.append((s, "generate", "crash", f"{type(e).__name__}: {e}",
                             None))
            print(f"FAIL seed={s} generate crash: {type(e).__name__}: {e}",
                  file=out, flush=True)
            continue
        constructs.update(set(ex.constructs))
        if properties == "rotate":
            names = ["differential"] + [ROTATION[(s * rotate + i) % len(ROTATION)]
                                        for i in range(rotate)]
        elif properties == "all":
            names = list(ALL)
        else:
            names = properties.split(",")
        for name, (status, detail) in run_example(ex, names, timeout).items():
            if status == "skip" and name == "hessian":
                status, detail = run_example(
                    ex, ["derivative[numerator]"], timeout)[
                        "derivative[numerator]"]
                name = "derivative[numerator]"
            counts[name, status] += 1
            if status == "refused":
                refusals[name, detail.split(":")[0], _head(detail)] += 1
            elif status in ("fail", "crash", "timeout"):
                # a timeout is not shrunk: each try would wait as long again
                small = shrink(ex, name, status) if status != "timeout" else ex
                failures.append((s, name, status, detail, small))
                label = "expression" if status == "timeout" else "minimal"
                print(f"FAIL seed={s} {name} {status}: {detail}\n"
                      f"  {label}: {small.expr} (wrt {small.wrt})\n"
                      f"  reproduce: python3 -m sympy_matdiff.fuzz --seed {s} "
                      f"--examples 1 --properties all --depth {depth}\n"
                      f"  srepr: {srepr(small.expr)}", file=out, flush=True)
        if progress and (k + 1) % progress == 0:
            el = time.time() - start
            print(f"... {k + 1} examples, {el:.0f} s ({el / (k + 1):.3f} s each), "
                  f"{len(failures)} failures", file=out, flush=True)
    report(examples, time.time() - start, constructs, counts, refusals, failures,
           out)
    return 1 if failures else 0


def _head(detail, n=90):
    return detail.split(":", 1)[-1].strip()[:n]


def report(examples, elapsed, constructs, counts, refusals, failures, out):
    p = print
    p(f"\nexamples tried: {examples} in {elapsed:.0f} s "
      f"({elapsed / max(examples, 1):.3f} s each)", file=out)
    p("examples by construct:", file=out)
    for c, n in sorted(constructs.items(), key=lambda x: -x[1]):
        p(f"  {c:28s} {n}", file=out)
    p("checks by property:", file=out)
    names = sorted({n for n, _ in counts})
    for name in names:
        row = ", ".join(f"{st} {counts[name, st]}" for st in
                        ("pass", "fail", "crash", "timeout", "refused", "skip")
                        if counts[name, st])
        p(f"  {name:26s} {row}", file=out)
    if refusals:
        p("refusals (MatrixCalculusError), most frequent first:", file=out)
        for (name, kind, msg), n in refusals.most_common(15):
            p(f"  {n:6d}  {name}: {kind}: {msg}", file=out)
    if FALLBACKS:
        p(f"evaluations by SymPy (no fast rule): {dict(FALLBACKS)}", file=out)
    p(f"failures: {len(failures)}", file=out)
    for s, name, status, detail, small in failures:
        p(f"  seed={s} {name} {status}: {detail}", file=out)
        if small is not None:
            p(f"    minimal: {small.expr} (wrt {small.wrt}); "
              f"srepr: {srepr(small.expr)}", file=out)
        p(f"    reproduce: python3 -m sympy_matdiff.fuzz --seed {s} --examples 1 "
          "--properties all", file=out)
    out.flush()


if __name__ == "__main__":
    sys.exit(main())
