"""The command line (sympy_matdiff.cli, ``matdiff``, ``python -m sympy_matdiff``).

Most tests call ``cli.main(argv)`` in-process with captured streams; a few
run the real command through ``subprocess`` (exit statuses, the examples
without arguments, hostile input with no side effect).  The examples of
``docs/cli.md`` are run and compared with the page:
``PYTHONPATH=. python3 tests/test_cli.py --update-docs`` rewrites them.
"""
import io
import json
import pathlib
import random
import re
import shlex
import subprocess
import sys

import numpy
import pytest
from sympy import MatrixSymbol, lambdify

from sympy_matdiff import cli
from sympy_matdiff.numeric import concrete_sizes, random_point
from sympy_matdiff.parser import MAX_LENGTH, parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "cli.md"


def run(*argv, stdin=""):
    """Status, standard output without its first line (the layout, tested
    in test_first_line_names_the_layout) and standard error."""
    status, out, err = run_all(*argv, stdin=stdin)
    if out.startswith(("# ", "% ")):
        out = out.split("\n", 1)[1]
    return status, out, err


def run_all(*argv, stdin=""):
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(list(argv), out=out, err=err, stdin=io.StringIO(stdin))
    return status, out.getvalue(), err.getvalue()


def command(*argv, stdin=None):
    """The real command, as ``python -m sympy_matdiff`` runs it."""
    return subprocess.run([sys.executable, "-m", "sympy_matdiff", *argv],
                          cwd=ROOT, capture_output=True, text=True,
                          input=stdin, timeout=120)


# --- results -----------------------------------------------------------------

def test_derivative_in_numerator_layout():
    assert run("tr(A*X*B)", "--wrt", "X") == (0, "B*A\n", "")


@pytest.mark.parametrize("layout, expected", [
    ("numerator", "x.T*(A + A.T)"), ("denominator", "(A + A.T)*x"),
    ("mixed", "(A + A.T)*x")])
def test_layouts(layout, expected):
    assert run("x'*A*x", "--wrt", "x", "--layout", layout)[:2] == \
        (0, expected + "\n")


def test_several_variables():
    status, out, _ = run("norm2(W*x - b)^2", "--wrt", "W,b")
    assert status == 0
    assert out.splitlines() == ["W: 2*x*(W*x - b).T", "b: -2*(W*x - b).T"]
    assert run("norm2(W*x - b)^2", "--wrt", "W", "--wrt", "b")[1] == out


def test_default_variable_is_the_only_symbol():
    assert run("x'*x") == (0, "2*x.T\n", "")
    status, out, err = run("x'*A*x")
    assert status == 2 and out == ""
    assert err == "matdiff: error: give the variable with --wrt (the " \
        "expression has the symbols x, A)\n"
    assert run("2*3")[0] == 2


def test_kinds_and_shapes_options():
    assert run("t^2*X", "--scalar", "t", "--wrt", "t")[1] == "(2*t)*X\n"
    assert run("a*X", "--wrt", "a", "--scalar", "a")[1] == "X\n"
    assert run("tr(x)", "--matrix", "x")[1] == "I\n"
    status, out, _ = run("tr(A*X*B)", "--wrt", "X", "--shapes", "A=2x3,X=3x4",
                         "--json")
    data = json.loads(out)
    assert data["symbols"]["B"] == {"kind": "matrix", "shape": [4, 2]}
    assert data["shape"] == [4, 3]
    assert run("x'*x", "--shapes", "x=3", "--json")[1].count('"shape"') == 2


def test_undefined_function_options():
    assert run("foo(X)", "--function", "foo")[1] == "dfoo/dX\n"
    assert run("sum(bar(X))", "--elementwise", "bar")[0] == 0
    assert run("sigma(X)", "--elementwise", "phi")[0] == 2


# matrixcalculus.org's documented examples, typed as there (--kinds letters),
# with its results (mixed layout) where the engine writes them the same way;
# each is also checked against finite differences
MATRIXCALCULUS_ORG = [
    ("0.5*x'*A*x", "x", None),
    ("A*exp(x)", "x", "A*diag(exp(x))"),
    ("sin(x)'*y", "x", "y .* cos(x)"),
    ("(y.*v)'*x", "x", "y .* v"),
    ("a^b", "a", None),
    ("a^b", "b", "a**b*log(a)"),
    ("norm1(A*x-y)", "x", "A.T*sign(A*x - y)"),
    ("norm2(A*x-y)^2", "x", "2*A.T*(A*x - y)"),
    ("sum(log(exp(-y.*(X*w)) + vector(1)))", "w", None),
    ("tr(A*X'*B*X*C)", "X", "B*X*C*A + B.T*X*A.T*C.T"),
    ("log(det(inv(X)))", "X", "-X.T**(-1)"),
]


@pytest.mark.parametrize("text, wrt, expected", MATRIXCALCULUS_ORG)
def test_matrixcalculus_org_examples(text, wrt, expected):
    status, out, err = run(text, "--kinds", "letters", "--wrt", wrt,
                           "--layout", "mixed", "--check")
    assert status == 0, err
    result, check = out.splitlines()
    assert check.startswith("check: pass"), (text, out)
    if expected:
        assert result == expected


def test_matrixcalculus_org_syntax():
    for text in ("x./y", "1./x", "sum(x.^-1)", "abs(x)'*y", "sign(x)'*y",
                 "norm1(X)", "norm2(X)", "sum(tan(x) + arctan(x))",
                 "sum(sinh(x) + cosh(x))", "vector(1)'*x", "sum(matrix(2).*X)",
                 "logdet(X)", "sum(relu(x))", "sum(softplus(x))",
                 "logsumexp(x)"):
        wrt = "X" if "X" in text else "x"
        status, out, err = run(text, "--wrt", wrt)
        assert status == 0 and out and "'(" not in out.replace(
            "relu'(", "").replace("sigmoid'(", ""), (text, out, err)
    # hints name the language's way, never an undefined function
    status, _, err = run("max(0, x)")
    assert status == 2 and "write relu(x) for max(0, x)" in err
    status, _, err = run("reciprocal(x)")
    assert "write x.^-1 or 1./x" in err and "--elementwise" not in err


def test_first_line_names_the_layout():
    first = run_all("tr(A*X*B)", "--wrt", "X")[1].splitlines()[0]
    assert first.startswith("# numerator layout: the transpose of the gradient")
    assert "--layout mixed" in first
    assert run_all("tr(A*X*B)", "--wrt", "X", "--layout", "mixed")[1] == \
        "# mixed layout: the gradient, shaped like the variable\nA.T*B.T\n"
    assert run_all("A*x", "--wrt", "x")[1] == "# numerator layout\nA\n"
    assert run_all("logdet(X)", "--latex")[1].startswith("% numerator layout")
    assert run_all("x'*A*x", "--wrt", "x", "--hessian")[1].startswith("# Hessian")
    assert run_all("x'*x", "--steps")[1].startswith("# numerator layout")
    assert not run_all("x'*x", "--code", "numpy")[1].startswith("#")
    assert run_all("x'*x", "--json")[1].startswith("{")


def test_steps_and_docstrings_in_the_languages_notation():
    status, out, _ = run("sum(relu(W*x))", "--wrt", "W", "--steps")
    assert status == 0 and "relu'(W*x) .* " in out
    for bad in ("Max(", "->", "HadamardProduct", "Trace", "1.T", "Lambda"):
        assert bad not in out, (bad, out)
    status, out, _ = run("sum(x .* y)", "--wrt", "x", "--code", "numpy")
    doc = out.split('"""')[1]
    assert doc.startswith("ones(1, n)*(x .* y) and its derivatives"), doc


def test_hessian():
    assert run("x'*A*x", "--wrt", "x", "--hessian") == (0, "A + A.T\n", "")
    status, _, err = run("x'*A*x", "--wrt", "x", "--hessian", "--layout", "mixed")
    assert status == 2 and "--layout does not apply to --hessian" in err
    # with --code, the layout is that of the derivative returned with it
    status, out, _ = run("norm2(A*x - b)^2", "--wrt", "x", "--layout", "mixed",
                         "--code", "numpy", "--hessian")
    assert status == 0 and "m x 1 (mixed layout)" in out
    status, _, err = run("A*x", "--wrt", "x", "--hessian")
    assert status == 2 and err.startswith("matdiff: error: cannot differentiate: "
                                          "hessian:")


def test_steps_and_latex():
    status, out, _ = run("tr(A*X*B)", "--wrt", "X", "--steps")
    assert status == 0
    assert out.splitlines()[0].startswith("d(tr(A*X*B)) = tr(d(A*X*B))")
    assert out.splitlines()[-1] == "from eq. (3): d(tr(A*X*B))/dX = B*A"
    status, out, _ = run("tr(A*X*B)", "--wrt", "X", "--steps", "--latex")
    assert out.startswith("\\begin{align*}") and "B A" in out
    assert run("logdet(X)", "--latex")[1] == "X^{-1}\n"
    assert run("x'*x", "--steps", "--hessian")[0] == 2


def test_named_intermediates():
    status, out, _ = run("sum((W2*tanh(W1*x) - y).^2)", "--wrt", "W1,W2",
                         "--named", "--check")
    assert status == 0
    lines = out.splitlines()
    assert lines[:2] == ["z1 = W1*x", "h1 = tanh(z1)"]
    assert "df/dW1 = x*delta1.T" in lines and "df/dW2 = 2*h1*v1.T" in lines
    assert sum(line.startswith("check W") and "pass" in line
               for line in lines) == 2
    status, out, _ = run("logdet(X) + tr(A*inv(X))", "--named", "--wrt", "X",
                         "--latex")
    assert out.startswith(r"\begin{aligned}V_{1} &= X^{-1}")
    status, out, _ = run("sum(tanh(W*x))", "--wrt", "W", "--named", "--steps")
    assert out.startswith("let z1 = W*x") and "the gradient of" in out
    status, out, _ = run("sum(tanh(W*x))", "--wrt", "W", "--named", "--code",
                         "numpy")
    assert status == 0 and "    z1 = W.dot(x)" in out
    assert run("x'*x", "--named", "--hessian")[0] == 2
    assert run("W*x", "--wrt", "W", "--named")[0] != 0


def test_check_passes_and_prints_the_max_error():
    status, out, _ = run("l(W2*sigma(W1*x))", "--wrt", "W1", "--check")
    assert status == 0
    lines = out.splitlines()
    assert re.fullmatch(r"check: pass: max error \S+ \(scale \S+\) over 2 "
                        r"point\(s\)", lines[1])
    status, out, _ = run("norm2(W*x - b)^2", "--wrt", "W,b", "--check")
    assert status == 0 and [s[:13] for s in out.splitlines()[1::2]] == \
        ["check W: pass", "check b: pass"]
    assert run("x'*A*x", "--hessian", "--wrt", "x", "--check")[1].endswith(
        "point(s)\n")


def test_check_with_dimensions_only_in_identities():
    for argv in (["t*tr(eye(k))", "--scalar", "t"], ["I", "--wrt", "x"],
                 ["sum(exp(ones))", "--wrt", "x"]):
        status, out, _ = run(*argv, "--check")
        assert status == 0 and "check: pass" in out, (argv, out)


def test_check_failure_exits_1(monkeypatch):
    from sympy_matdiff import identification
    original = identification.derivative
    monkeypatch.setattr(identification, "derivative",    # a transposed answer
                        lambda e, w, layout="numerator": original(e, w, layout).T)
    status, out, _ = run("tr(A*X*B)", "--wrt", "X", "--check")
    assert status == 1
    assert out.splitlines()[0] == "A.T*B.T"
    assert out.splitlines()[1].startswith("check: FAIL: max error inf")


def test_json():
    status, out, _ = run("tr(X^-1)", "--json")
    data = json.loads(out)
    assert status == 0
    assert data == {
        "expression": "tr(X^-1)", "parsed": "tr(X**(-1))", "wrt": "X",
        "layout": "numerator", "kind": "derivative",
        "result": {"str": "-X**(-2)", "latex": "- X^{-2}"}, "shape": ["n", "n"],
        "symbols": {"X": {"kind": "matrix", "shape": ["n", "n"]}}, "notes": []}
    data = json.loads(run("norm2(W*x - b)^2", "--wrt", "W,b", "--json",
                          "--check", "--steps", "--layout", "mixed")[1])
    assert data["wrt"] == ["W", "b"] and data["layout"] == "mixed"
    assert [r["str"] for r in data["result"]] == ["2*(W*x - b)*x.T",
                                                  "-2*W*x + 2*b"]
    assert data["shape"] == [["n", "m"], ["n", 1]]
    assert all(c["ok"] for c in data["check"]) and len(data["steps"]) == 2
    assert data["symbols"]["x"] == {"kind": "vector", "shape": ["m", 1]}
    data = json.loads(run("x'*A*x", "--wrt", "x", "--hessian", "--json")[1])
    assert data["kind"] == "hessian" and data["result"]["str"] == "A + A.T"


def test_relu_says_almost_everywhere():
    status, out, err = run("sum(relu(W*x))", "--wrt", "W", "--check")
    assert status == 0 and "check: pass" in out
    assert err == "note: relu'(u) is the step function Heaviside(u): the " \
        "derivative is valid almost everywhere (relu has no derivative at 0).\n"
    data = json.loads(run("relu(x)", "--json")[1])
    assert "almost everywhere" in data["notes"][0]
    assert run("sigmoid(x)")[2] == ""


def test_absent_variable_gets_a_note():
    status, out, err = run("x'*x", "--wrt", "y")
    assert (status, out) == (0, "zeros(1, m)\n")
    assert err == "note: y does not occur in the expression\n"


def test_expression_from_stdin_and_leading_minus():
    assert run("-", "--wrt", "X", stdin="tr(A*X*B)\n") == (0, "B*A\n", "")
    assert run("-tr(X)") == (0, "-I\n", "")
    assert run("-x'*x", "--layout", "mixed")[1] == "-2*x\n"
    assert run("--wrt", "X", "--", "-tr(X)")[1] == "-I\n"


def test_matrices_of_ones_print_with_their_size():
    assert run("sum(X)")[1] == "ones(m, n)\n"
    assert run("sum(X)", "--latex")[1] == "\\mathbf{1}_{m \\times n}\n"
    assert cli.show(MatrixSymbol("A", 2, 3)) == "A"


def test_functions_without_a_name_print_as_u_to_body():
    # sigma'/sigma is 1 - sigma: the result has a name for every function
    status, out, _ = run("-y'*log(sigmoid(X*w))", "--wrt", "w", "--layout", "mixed")
    assert status == 0 and "Lambda" not in out and "(u ->" not in out
    assert "sigmoid(X*w)" in out
    # a body that has no name prints as u -> body, in text and in LaTeX
    from sympy import Lambda, MatrixSymbol, Symbol
    from sympy_matdiff.cli import show, show_latex
    from sympy_matdiff.expressions import Elementwise
    u = Symbol("u")
    f = Elementwise(Lambda(u, 1 / (u**2 + u + 1)), MatrixSymbol("Z", 2, 1))
    assert show(f) == "(u -> 1/(u**2 + u + 1)).(Z)"
    assert show_latex(f) == \
        r"\left(u \mapsto \frac{1}{u^{2} + u + 1}\right)\left(Z\right)"
    status, out, _ = run("-y'*log(sigmoid(X*w))", "--wrt", "w", "--steps")
    assert status == 0 and "Lambda" not in out
    # no part of a derivation is named like the functions' variable
    assert "where u " not in out


# --- code --------------------------------------------------------------------

@pytest.mark.parametrize("text, wrt, layout", [
    ("norm2(W*x - b)^2", "W", "mixed"), ("tr(A*X*B)", "X", "numerator"),
    ("logdet(X) + sum(sigmoid(X))", "X", "denominator"),
])
def test_code_numpy_computes_the_derivative(text, wrt, layout):
    status, source, err = run(text, "--wrt", wrt, "--layout", layout,
                              "--code", "numpy")
    assert status == 0, err
    namespace = {}
    exec(compile(source, "<matdiff --code>", "exec"), namespace)
    f = namespace["f"]
    parsed = parse(text, also=[wrt])
    expr, X = parsed.expr, parsed.symbols[wrt]
    sizes = concrete_sizes(expr)
    point = random_point(expr.subs(sizes), rng=random.Random(4))
    args = {str(s): numpy.array(v.tolist(), dtype=float) for s, v in point.items()}
    value, grad = f(**dict(sorted(args.items())))
    G = run(text, "--wrt", wrt, "--layout", layout, "--json")[1]
    from sympy_matdiff import derivative
    want = lambdify(sorted(point, key=str),
                    derivative(expr, X, layout).subs(sizes), "numpy")(
        *[args[str(s)] for s in sorted(point, key=str)])
    assert json.loads(G)["kind"] == "derivative"
    assert numpy.allclose(numpy.asarray(grad, dtype=float).reshape(
        numpy.shape(want)), want)


@pytest.mark.parametrize("backend, module", [("jax", "jax.numpy"),
                                             ("torch", "torch")])
def test_code_in_jax_and_torch(backend, module):
    """--code jax and --code torch: the function in that module, right
    where the package is installed; a usage error naming it where not."""
    import importlib.util
    text = "sum(tanh(W*x)) + norm2(x)^2"
    if importlib.util.find_spec(backend) is None:
        status, out, err = run(text, "--wrt", "W", "--code", backend)
        assert (status, out) == (2, "")
        assert f"--code {backend}: " in err and "is not installed" in err
        assert f"pip install 'sympy_matdiff[{backend}]'" in err
        return
    if backend == "jax":
        import jax
        jax.config.update("jax_enable_x64", True)
    status, source, err = run(text, "--wrt", "W", "--layout", "mixed",
                              "--code", backend)
    assert status == 0, err
    assert f"{module}.tanh(" in source and "numpy.tanh" not in source.replace(
        "jax.numpy.tanh", "")
    namespace = {}
    exec(compile(source, f"<matdiff --code {backend}>", "exec"), namespace)
    rng = numpy.random.default_rng(3)
    W, x = rng.standard_normal((2, 3)), rng.standard_normal((3, 1))
    value, grad = namespace["f"](W=W, x=x)
    assert numpy.isclose(float(value), numpy.tanh(W @ x).sum() + (x ** 2).sum(),
                         rtol=1e-12)
    want = (1 - numpy.tanh(W @ x) ** 2) @ x.T
    assert numpy.allclose(numpy.asarray(grad), want, rtol=1e-12, atol=1e-14)


def test_code_backend_not_installed(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None
                        if name in ("jax", "torch") else real(name, *a))
    for backend, name in (("jax", "JAX"), ("torch", "PyTorch")):
        status, out, err = run("tr(X)", "--code", backend)
        assert (status, out) == (2, "")
        assert err.startswith(f"matdiff: error: --code {backend}: {name} is not "
                              "installed"), err
    assert run("tr(X)", "--code", "numpy")[0] == 0


def test_code_without_codegen_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "sympy_matdiff.codegen", None)
    status, out, err = run("tr(X)", "--code", "numpy")
    assert status == 2 and out == ""
    assert "code generation (sympy_matdiff.codegen) is not available" in err


# --- usage errors --------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["--wrt", "X"], "no expression given"),
    (["tr(X)", "--layout", "diagonal"], "invalid choice: 'diagonal'"),
    (["tr(X)", "--bogus"], "unrecognized arguments: --bogus"),
    (["tr(X)", "--code", "julia"], "invalid choice: 'julia'"),
    (["x", "--matrix", "x", "--vector", "x"], "declared both a matrix and a vector"),
    (["X", "--shapes", "X=2y3"], "--shapes: cannot read 'X=2y3'"),
    (["X", "--shapes", "X=0x3"], "--shapes: cannot read"),
    (["X", "--shapes", "Y=2x3"], "--shapes names Y"),
    (["x'*x", "--wrt", "tr"], "--wrt: tr is a name of the language"),
    (["x'*x", "--wrt", "x y"], "--wrt: 'x y' is not a name"),
    (["x'*x", "--wrt", "__class__"], "--wrt: '__class__' is not a name"),
    (["x'*x", "--scalar", "os.system"], "--scalar: 'os.system' is not a name"),
    (["f(x)", "--function", "exp"], "--function: exp is a name of the language"),
    (["x", "--shapes", "x.y=3"], "--shapes: 'x.y' is not a name"),
    (["tr(X)", "--wrt", "X", "extra"], "unrecognized arguments: extra"),
])
def test_usage_errors(argv, message):
    status, out, err = run(*argv)
    assert status == 2 and out == ""
    assert err.startswith("matdiff: error: ") and message in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_internal_errors_are_one_line_with_status_1(monkeypatch):
    from sympy_matdiff import identification

    def broken(*args, **kwargs):
        raise RuntimeError("something broke")
    monkeypatch.setattr(identification, "derivative", broken)
    assert run("tr(X)") == (1, "", "matdiff: internal error: RuntimeError: "
                            "something broke (please report it with the command "
                            "line)\n")


def test_help():
    out = io.StringIO()
    sys_stdout = sys.stdout
    sys.stdout = out
    try:
        assert cli.main(["--help"]) == 0
    finally:
        sys.stdout = sys_stdout
    text = out.getvalue()
    for word in ("--wrt", "--layout", "--hessian", "--steps", "--latex",
                 "--check", "--code", "--json", "--shapes", "uppercase",
                 "Greek", "exit status"):
        assert word in text


def test_position_errors_have_a_caret():
    status, out, err = run("tr(A*X*B)", "--wrt", "X", "--shapes", "A=2x3,X=4x4")
    assert status == 2 and out == ""
    assert err.splitlines() == [
        "matdiff: error: shapes do not match at '*': A is 2 x 3 but X is 4 x 4",
        "  tr(A*X*B)",
        "      ^"]


# --- hostile input -----------------------------------------------------------

HOSTILE = [
    "__import__('os').system('echo hi')",
    "X.__class__",
    "X.__class__.__bases__[0].__subclasses__()",
    "lambda: 0",
    "eval('1')",
    "exec('import os')",
    "open('/etc/passwd')",
    "x; import os",
    "tr(X",
    "tr(X))",
    "((x)",
    "(" * 10_000 + "x" + ")" * 10_000,
    "(" * 4_000 + "x" + ")" * 4_000,
    "tr(" * 2_000 + "X" + ")" * 2_000,
    "x" * 1_000_000,
    "foo(X)",
    "system(x)",
    "x²",
    "Σx",
    "\udcff\udcfe",
    "x\x00y",
    "\x1b[31mx",
    "$(echo hi)",
    "`echo hi`",
    "x' || echo hi",
    "1e999999999*X",
    "9" * 5000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda s: repr(s[:30]))
def test_hostile_input_is_refused(text, monkeypatch):
    import os

    def forbidden(*args, **kwargs):
        raise AssertionError("a side effect was attempted")
    monkeypatch.setattr(os, "system", forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)
    status, out, err = run(text, "--wrt", "X")
    assert status == 2 and out == ""
    assert err.startswith("matdiff: error: ") and "Traceback" not in err
    assert len(err.splitlines()) in (1, 3)
    assert all(len(line) < 200 for line in err.splitlines())


def test_hostile_input_has_no_side_effect_in_a_real_process(tmp_path):
    marker = tmp_path / "touched"
    for text in [f"__import__('os').system('echo hi; touch {marker}')",
                 f"$(touch {marker})", "X.__class__"]:
        res = command(text, "--wrt", "X")
        assert res.returncode == 2, res
        assert "hi" not in res.stdout and res.stdout == ""
        assert res.stderr.startswith("matdiff: error: ")
        assert "Traceback" not in res.stderr
    assert not marker.exists()
    res = command("-", "--wrt", "x", stdin="x" * 1_000_000)     # 1 MB on stdin
    assert res.returncode == 2
    assert res.stderr == (f"matdiff: error: expression too long: {MAX_LENGTH + 1} "
                          f"characters (the limit is {MAX_LENGTH})\n")


# --- the real command ----------------------------------------------------------

def test_command_exit_statuses():
    res = command("tr(A*X*B)", "--wrt", "X")
    assert (res.returncode, res.stdout.splitlines()[1:], res.stderr) == \
        (0, ["B*A"], "")
    res = command("tr(A*X*B)", "--layout", "sideways")
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.startswith("matdiff: error: argument --layout")


def test_command_exit_status_1_when_the_check_fails():
    # the real process, with derivative() made wrong (transposed)
    code = ("import sys; from sympy_matdiff import identification as i; "
            "f = i.derivative; "
            "i.derivative = lambda e, w, layout='numerator': f(e, w, layout).T; "
            "from sympy_matdiff.__main__ import main; sys.exit(main())")
    res = subprocess.run([sys.executable, "-c", code, "tr(A*X*B)", "--wrt", "X",
                          "--check"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 1 and "check: FAIL" in res.stdout


def test_console_script_entry_point():
    """``matdiff`` runs sympy_matdiff.__main__:main (pyproject.toml)."""
    text = (ROOT / "pyproject.toml").read_text()
    assert 'matdiff = "sympy_matdiff.__main__:main"' in text
    # what the generated console script does
    res = subprocess.run(
        [sys.executable, "-c", "import sys; from sympy_matdiff.__main__ import "
         "main; sys.exit(main())", "x'*A*x", "--wrt", "x", "--layout", "mixed"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (res.returncode, res.stdout.splitlines()[1:]) == (0, ["(A + A.T)*x"])


def test_without_arguments_the_seed_examples_are_shown():
    from sympy_matdiff.__main__ import show_examples
    expected = io.StringIO()
    show_examples(expected)
    res = command()
    assert res.returncode == 0 and res.stdout == expected.getvalue()
    assert res.stdout.startswith("The worked examples E.g. 1-6 of the seed")
    assert "https://github.com/LynnHo/Matrix-Calculus-Tutorial" in res.stdout
    assert "\nE.g. 1: d(x^T x)/dx\n" in res.stdout


# --- docs/cli.md ---------------------------------------------------------------

def doc_output(line):
    """What ``$ matdiff ...`` prints: stdout and stderr, as a terminal shows them."""
    argv = shlex.split(line)
    assert argv[0] == "matdiff"
    both = io.StringIO()
    cli.main(argv[1:], out=both, err=both)
    return both.getvalue()


def render_docs(text):
    """docs/cli.md with the output under every ``$ matdiff`` line regenerated."""
    out, lines, i = [], text.splitlines(), 0
    in_console = False
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        if line.startswith("```console"):
            in_console = True
        elif line.startswith("```"):
            in_console = False
        elif in_console and line.startswith("$ matdiff "):
            while i < len(lines) and not lines[i].startswith(("$ ", "```")):
                i += 1        # the old output
            out += doc_output(line[2:]).rstrip("\n").splitlines()
    return "\n".join(out) + "\n"


def test_docs_examples_are_real_output():
    text = DOC.read_text()
    assert text.count("$ matdiff ") >= 15
    assert render_docs(text) == text, \
        "run: PYTHONPATH=. python3 tests/test_cli.py --update-docs"


if __name__ == "__main__":
    if sys.argv[1:] == ["--update-docs"]:
        DOC.write_text(render_docs(DOC.read_text()))
    else:
        sys.exit("usage: PYTHONPATH=. python3 tests/test_cli.py --update-docs")


# --- time limit --------------------------------------------------------------

def _nested_tanh(depth):
    text = "x"
    for _ in range(depth):
        text = f"tanh({text}+a)"
    return text


def test_timeout_gives_up_with_status_3():
    # 30 nested tanh with --steps takes the engine well over a second
    proc = command(_nested_tanh(30), "--wrt", "x", "--steps", "--timeout", "0.5")
    assert proc.returncode == 3 and proc.stdout == ""
    assert proc.stderr.startswith("matdiff: error: gave up after 0.5 s (--timeout)")
    assert proc.stderr.count("\n") == 1


def test_timeout_in_process_restores_the_previous_alarm_handler():
    import signal
    before = signal.getsignal(signal.SIGALRM)
    status, out, err = run(_nested_tanh(30), "--wrt", "x", "--steps",
                           "--timeout", "0.3")
    assert status == 3 and "gave up after 0.3 s" in err
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    # a quick job under a limit is untouched by it; 0 means no limit
    assert run("x'*x", "--timeout", "30") == (0, "2*x.T\n", "")
    assert run("x'*x", "--timeout", "0") == (0, "2*x.T\n", "")


@pytest.mark.parametrize("value", ["-1", "nan", "soon"])
def test_bad_timeouts_are_refused(value):
    status, out, err = run("x'*x", "--timeout", value)
    assert status == 2 and out == "" and "--timeout" in err
