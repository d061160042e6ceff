"""Comparing another backend's results with NumPy's (test_jaxcode.py,
test_torchcode.py): the arrays of a result, agreement to a relative
tolerance, and the output of the autodiff benchmark."""
import pathlib
import subprocess
import sys

import numpy


def agree(got, want, tol=1e-12):
    """``got`` equals ``want`` to ``tol`` relative to the largest entry of
    ``want`` (or absolute below 1); any array-like (a jax array, a CPU tensor)."""
    got, want = numpy.asarray(got), numpy.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    scale = max(1.0, float(numpy.max(numpy.abs(want), initial=0)))
    err = float(numpy.max(numpy.abs(got - want), initial=0))
    assert err <= tol * scale, f"error {err:.3g} at scale {scale:.3g}"


def outputs(out):
    """The arrays of a result: value, derivative(s), Hessian."""
    flat = []
    for o in out if isinstance(out, tuple) else (out,):
        flat += outputs(o) if isinstance(o, tuple) else [o]
    return flat


def autodiff_benchmark(case="log det"):
    """What ``benchmarks/autodiff_compare.py --quick`` prints for one case."""
    root = pathlib.Path(__file__).resolve().parent.parent
    script = str(root / "benchmarks" / "autodiff_compare.py")
    return subprocess.run([sys.executable, script, "--quick", "--repeat", "1",
                           "--case", case], cwd=root, capture_output=True,
                          text=True, timeout=300, check=True).stdout
