"""The expression language of the command line (sympy_matdiff.parser).

Every construct of the grammar is parsed into the SymPy expression it means
(compared with one built by hand); shapes are inferred by unification; the
named functions are checked numerically against their definitions; the
derivative of every construct is checked against finite differences; and
hostile or malformed input is refused with an ExpressionError pointing at
the offending position, quickly and without recursion errors.
"""
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sympy import (Determinant, Function, HadamardPower, HadamardProduct,
                   Identity, ImmutableMatrix, Inverse, KroneckerProduct,
                   MatPow, MatrixSymbol, Rational, Symbol, Trace, exp,
                   log, sqrt, tanh)
from sympy.matrices.expressions.special import OneMatrix

from sympy_matdiff import adj, check, derivative, scalar_function
from sympy_matdiff.expressions import Elementwise
from sympy_matdiff.functions import logsumexp, relu, sigmoid, softmax
from sympy_matdiff.parser import Abs as parser_Abs  # abs with the a.e. sign
from sympy_matdiff.numeric import evaluate, random_point
from sympy_matdiff.parser import (MAX_DEPTH, MAX_LENGTH, ExpressionError,
                                  default_kind, parse, syntax_tree, tokenize)

n, m, p, q = (Symbol(s, integer=True, positive=True) for s in "nmpq")
t = Symbol("t")


def P(text, **kw):
    kw.setdefault("scalars", ["t", "s"])
    return parse(text, **kw)


def msym(name, r, c):
    return MatrixSymbol(name, r, c)


# --- tokens and syntax -----------------------------------------------------

def test_tokens():
    texts = [tok.text for tok in tokenize("X'.*Y.^2 ** 3.5e-1 .T(a_1,B2)")]
    assert texts == ["X", "'", ".*", "Y", ".^", "2", "**", "3.5e-1", ".T", "(",
                     "a_1", ",", "B2", ")", ""]


def test_numbers_are_exact():
    assert P("0.5*X").expr == Rational(1, 2) * msym("X", n, m)
    assert P("2.5e-1*X").expr == Rational(1, 4) * msym("X", n, m)
    assert P(".5e1*X").expr == 5 * msym("X", n, m)
    assert P("3E2*t").expr == 300 * t


@pytest.mark.parametrize("text, kinds", [
    ("-x^2", ("neg", "power")),          # - binds looser than ^
    ("X'^2", ("power", "transpose")),    # postfix binds tighter than ^
    ("A*B.*C", ("product", "name")),     # * and .* are one flat chain
    ("t^-1", ("power", "name")),
])
def test_precedence(text, kinds):
    tree = syntax_tree(text)
    assert (tree.kind, tree.args[0].kind) == kinds


def test_left_associative_and_right_associative():
    assert P("t - t - t").expr == -t
    assert P("2^3^2").expr == 2**9          # right associative: 2^(3^2)
    assert P("t/2/2").expr == t / 4


def test_double_transpose_and_signs():
    X = msym("X", n, m)
    assert P("X''").expr == X
    assert P("X.T'").expr == X
    assert P("--X").expr == X
    assert P("-+-X").expr == X
    assert P("+X").expr == X


# --- each construct --------------------------------------------------------

A_nm, X_mp, B_pn = msym("A", n, m), msym("X", m, p), msym("B", p, n)
Xsq = msym("X", n, n)
x = msym("x", n, 1)
sigma, l = Function("sigma"), scalar_function("l")


@pytest.mark.parametrize("text, expected", [
    ("tr(A*X*B)", Trace(A_nm * X_mp * B_pn)),
    ("X + X'", Xsq + Xsq.T),
    ("X - Y", msym("X", n, m) - msym("Y", n, m)),
    ("X.T", msym("X", n, m).T),
    ("X^2", MatPow(Xsq, 2)),
    ("X**3", MatPow(Xsq, 3)),
    ("X^-1", Inverse(Xsq)),
    ("X^(-2)", MatPow(Xsq, -2)),
    ("X^0", Identity(n)),
    ("inv(X)", Inverse(Xsq)),
    ("det(X)", Determinant(Xsq)),
    ("logdet(X)", log(Determinant(Xsq))),
    ("log(det(X))", log(Determinant(Xsq))),
    ("adj(X)", adj(Xsq)),
    ("A*B.*C", HadamardProduct(msym("A", n, m) * msym("B", m, p),
                               msym("C", n, p))),
    ("A.*B*C", HadamardProduct(msym("A", n, m), msym("B", n, m))
     * msym("C", m, p)),
    ("X .* Y", HadamardProduct(msym("X", n, m), msym("Y", n, m))),
    ("X.^3", HadamardPower(msym("X", n, m), 3)),
    ("kron(A, B)", KroneckerProduct(msym("A", n, m), msym("B", p, q))),
    ("x'*x", x.T * x),
    ("norm2(x)", sqrt(Trace(x.T * x))),
    ("sum(X)", OneMatrix(1, n) * msym("X", n, m) * OneMatrix(m, 1)),
    ("diag(x)", HadamardProduct(Identity(n), x * OneMatrix(1, n))),
    ("diag(X)", HadamardProduct(Identity(n), Xsq) * OneMatrix(n, 1)),
    ("I*x + x", 2 * x),
    ("eye(3)*y", msym("y", 3, 1)),
    ("eye(k) + X", Identity(Symbol("k", integer=True, positive=True))
     + msym("X", Symbol("k", integer=True, positive=True),
            Symbol("k", integer=True, positive=True))),
    ("ones'*x", OneMatrix(1, n) * x),
    ("ones(4)'*y", OneMatrix(1, 4) * msym("y", 4, 1)),
    ("ones(2, 3) + A", OneMatrix(2, 3) + msym("A", 2, 3)),
    ("exp(X)", Elementwise(exp, msym("X", n, m))),
    ("log(x)", Elementwise(log, x)),
    ("tanh(x)", Elementwise(tanh, x)),
    ("sqrt(X)", HadamardPower(msym("X", n, m), Rational(1, 2))),
    ("relu(x)", Elementwise(relu, x)),
    ("sigmoid(x)", Elementwise(sigmoid, x)),
    ("x./y", HadamardProduct(x, HadamardPower(msym("y", n, 1), -1))),
    ("1./x", HadamardPower(x, -1)),
    ("2.*x", 2 * x),
    ("X./2", msym("X", n, m) / 2),
    ("t./x", t * HadamardPower(x, -1)),
    ("vector(1)", OneMatrix(n, 1)),
    ("vector(t) + x", t * OneMatrix(n, 1) + x),
    ("matrix(2)", 2 * OneMatrix(n, m)),
    ("norm2(X)", sqrt(Trace(msym("X", n, m).T * msym("X", n, m)))),
    ("norm1(t)", parser_Abs(t)),
    ("logsumexp(x)", logsumexp(x)),
    ("softmax(x)", softmax(x)),
    ("sigma(W*x)", Elementwise(sigma, msym("W", n, m) * msym("x", m, 1))),
    ("l(W*x)", l(msym("W", n, m) * msym("x", m, 1))),
    ("l(X)", l(msym("X", n, m))),
    ("exp(t)", exp(t)),
    ("sigma(t)", sigma(t)),
    ("l(t)", Function("l")(t)),
    ("exp(x'*x)", exp(Trace(x.T * x))),
    ("t*X/2", t * msym("X", n, m) / 2),
    ("X/(x'*x)", msym("X", n, m) / Trace(msym("x", p, 1).T * msym("x", p, 1))),
    ("(x'*x)*x", Trace(x.T * x) * x),
    ("x'*x*x", Trace(x.T * x) * x),
    ("x*(x'*x)", x * x.T * x),     # n x 1 times 1 x 1: a matrix product
    ("x'*x + t", Trace(x.T * x) + t),
    ("(x'*x)^2", Trace(x.T * x)**2),
    ("t^2", t**2),
    ("tr(t)", t),
    ("kron(t, X)", t * msym("X", n, m)),
])
def test_construct(text, expected):
    got = P(text).expr
    assert got == expected, f"{text}: {got} != {expected}"


def test_named_functions_numerically():
    """sigmoid, softplus, relu, norm2, sum, diag agree with their definitions."""
    import numpy as np
    rng = random.Random(3)
    vals = [rng.uniform(-2, 2) for _ in range(3)]
    xv = ImmutableMatrix(3, 1, vals)
    xs = MatrixSymbol("x", 3, 1)
    Xv = ImmutableMatrix(3, 3, [rng.uniform(-2, 2) for _ in range(9)])
    Xs = MatrixSymbol("X", 3, 3)

    def at(text, point):
        e = parse(text, shapes={"x": (3, 1)} if "x" in text else {"X": (3, 3)}).expr
        v = evaluate(e, point)
        return np.array(v.tolist(), dtype=float) if hasattr(v, "tolist") \
            else float(v)
    a = np.array(vals)
    assert np.allclose(at("sigmoid(x)", {xs: xv}).ravel(), 1 / (1 + np.exp(-a)))
    assert np.allclose(at("softplus(x)", {xs: xv}).ravel(), np.log1p(np.exp(a)))
    assert np.allclose(at("relu(x)", {xs: xv}).ravel(), np.maximum(a, 0))
    assert np.isclose(at("norm2(x)", {xs: xv}), np.linalg.norm(a))
    assert np.isclose(np.ravel(at("sum(x)", {xs: xv}))[0], a.sum())
    assert np.allclose(at("diag(x)", {xs: xv}), np.diag(a))
    M = np.array(Xv.tolist(), dtype=float)
    assert np.allclose(at("diag(X)", {Xs: Xv}).ravel(), np.diag(M))
    assert np.isclose(np.ravel(at("sum(X)", {Xs: Xv}))[0], M.sum())


# --- shapes ------------------------------------------------------------------

def test_shapes_are_inferred_and_named_in_order():
    r = P("tr(A*X*B)")
    assert [r.shape(s) for s in "AXB"] == [(n, m), (m, p), (p, n)]
    r = P("x'*A*x")
    assert r.shape("A") == (n, n) and r.kind("x") == "vector"
    r = P("A*B*x + y")
    assert r.shape("y") == (n, 1) and r.shape("x") == (p, 1)


def test_shapes_given_and_propagated():
    r = P("tr(A*X*B)", shapes={"A": (2, 3), "X": (3, 4)})
    assert r.shape("B") == (4, 2)
    r = P("kron(A, B)*x", shapes={"A": (2, 3), "B": (4, 5)})
    assert r.shape("x") == (15, 1)
    assert P("kron(A, B)*x").shape("x") == (m * q, 1)
    # products of dimensions are equal as products: n*p = p*n
    assert P("kron(A, B) + kron(B, A)").shape("B") == (p, q)
    assert P("kron(X, Y)*X").shape("X") == (n * p, n)
    for text in ("kron(X, Y) + X", "kron(x, y) + x", "kron(A, B) + kron(C, D)"):
        with pytest.raises(ExpressionError, match="give them with --shapes"):
            P(text)
    assert P("kron(A, B) + kron(C, D)", shapes={
        "A": (2, 3), "B": (2, 2), "C": (4, 1), "D": (1, 6)}).expr.shape == (4, 6)


def test_kinds():
    assert default_kind("X") == default_kind("W1") == "matrix"
    assert default_kind("x") == default_kind("b2") == "vector"
    assert default_kind("alpha") == default_kind("lambda") == "scalar"
    r = parse("a*X + B", scalars=["a"], matrices=["B"])
    assert r.kind("a") == "scalar" and r.kind("B") == "matrix"
    assert parse("x'*y", matrices=["x"]).shape("x") == (n, m)   # x' y: x is n x m
    # a matrix's dimension never becomes the 1 of a vector
    with pytest.raises(ExpressionError, match="shapes do not match"):
        parse("x + y", vectors=["x"], matrices=["y"])
    assert parse("x + y", vectors=["x"], matrices=["y"],
                 shapes={"y": (3, 1)}).shape("x") == (3, 1)


def test_variables_not_in_the_expression():
    r = parse("x'*x", also=["W", "t"], scalars=["t"])
    assert r.symbols["W"].shape == (m, p) and r.symbols["t"] == t


def test_undefined_functions_can_be_declared():
    X = MatrixSymbol("X", n, m)
    assert parse("foo(X)", functions=["foo"]).expr == scalar_function("foo")(X)
    assert parse("bar(X)", elementwise=["bar"]).expr == Elementwise(
        Function("bar"), X)
    assert parse("l(X)", elementwise=["l"], functions=[]).expr == Elementwise(
        Function("l"), X)
    with pytest.raises(ExpressionError, match="unknown function 'sigma'"):
        parse("sigma(X)", elementwise=[])


def test_relu_note():
    assert parse("relu(x)").notes and not parse("sigmoid(x)").notes


def test_nonsmooth_functions_have_derivatives_almost_everywhere():
    # abs' = sign and sign' = 0, noted as valid almost everywhere; never a
    # generic abs'(x) (a declared undefined function would give one)
    for text, note in (("sum(abs(x))", "abs'(u) is sign(u)"),
                       ("norm1(A*x - b)", "abs'(u) is sign(u)"),
                       ("sum(sign(x))", "sign'(u) is 0")):
        r = parse(text)
        assert [note in n and "almost everywhere" in n for n in r.notes] == [True]
        G = derivative(r.expr, r.symbols["x"])
        assert "'" not in str(G) and check(r.expr, r.symbols["x"], result=G).ok
    r = parse("sum(abs(x))", shapes={"x": (3, 1)})
    assert str(derivative(r.expr, r.symbols["x"])) == "sign(x).T"
    # and the second derivative is 0 almost everywhere, not a DiracDelta
    from sympy_matdiff import hessian
    assert hessian(r.expr, r.symbols["x"]).is_ZeroMatrix


def test_kinds_letters():
    # matrixcalculus.org: a-g scalars, h-z vectors, A-Z matrices
    r = parse("a*x + b*y + A*z", kinds="letters")
    assert [r.kind(s) for s in "axbyAz"] == [
        "scalar", "vector", "scalar", "vector", "matrix", "vector"]
    assert parse("c + x").kind("c") == "vector" and \
        parse("c*x", kinds="letters").kind("c") == "scalar"
    assert parse("g + alpha", kinds="letters").kind("alpha") == "scalar"
    with pytest.raises(ExpressionError, match="--kinds"):
        parse("x", kinds="greek")


# --- every construct differentiates correctly ----------------------------

DERIVATIVES = [
    ("tr(A*X*B)", "X"), ("x'*A*x", "x"), ("norm2(W*x - b)^2", "W"),
    ("norm2(W*x - b)", "b"), ("logdet(X)", "X"), ("det(X)^2", "X"),
    ("tr(inv(X)*A)", "X"), ("tr(X^3)", "X"), ("tr(X^-2)", "X"),
    ("adj(X)", "X"), ("X' .* Y", "X"), ("sum(X.^3)", "X"),
    ("kron(A, X)", "X"), ("sum(relu(W*x))", "W"),
    ("sigmoid(W*x)", "x"), ("softplus(x)'*y", "x"), ("exp(-x'*x/2)", "x"),
    ("sqrt(X)", "X"), ("log(x)'*y", "x"), ("sin(X) + cos(X)", "X"),
    ("tanh(x)", "x"), ("diag(x)*y", "x"), ("diag(X)'*y", "X"),
    ("sum(X)", "X"), ("l(W2*sigma(W1*x))", "W1"), ("t^2*X", "t"),
    ("x./y", "x"), ("x./y", "y"), ("sum(X./Y)", "Y"), ("t./x", "x"),
    ("sum(x.^-1)", "x"), ("norm2(X)", "X"), ("norm2(W*x - b)", "W"),
    ("norm1(A*x - b)", "x"), ("sum(abs(X))", "X"), ("sum(sign(X) .* X)", "X"),
    ("sum(tan(x) + arctan(x) + sinh(x) + cosh(x))", "x"),
    ("sum(arcsin(x/4) + arccos(x/4))", "x"),
    ("vector(t)'*x + sum(matrix(t) .* X)", "t"),
    ("sum(relu(X*w))", "w"), ("sum(softplus(X*w))", "w"),
    ("(x'*x)*x", "x"), ("x*(x'*x)", "x"), ("X/(x'*x)", "x"), ("ones'*x*t", "t"),
    ("tr(I + X)", "X"), ("sum(kron(A, X) + kron(X, A))", "X"),
    ("eye(3)*x", "x"), ("x'*x + t*alpha", "alpha"), ("X.*Y.*X*A", "X"),
    ("x'*y*z'*A*x", "x"), ("A*x*(y'*x)/(x'*x)", "x"), ("log(x'*x)*t", "x"),
]


@pytest.mark.parametrize("text, wrt", DERIVATIVES)
def test_derivative_of_construct(text, wrt):
    r = parse(text, scalars=["t"], also=[wrt])
    v = r.symbols[wrt]
    G = derivative(r.expr, v)
    report = check(r.expr, v, result=G, points=1)
    assert report.ok, f"{text} by {wrt}: {G}: {report}"


# --- errors ------------------------------------------------------------------

@pytest.mark.parametrize("text, message, pos", [
    ("tr(X", "missing ')'", 2),
    ("tr(X))", "unmatched ')'", 5),
    ("(x", "missing ')'", 0),
    (")", "unmatched ')'", 0),
    ("f(,x)", "unexpected ','", 2),
    ("tr()", "missing operand", 3),
    ("X X", "expected an operator", 2),
    ("2X", "expected an operator", 1),
    ("", "empty expression", 0),
    ("X +", "unexpected end", 3),
    ("X.__class__", "after '.'", 1),
    ("X.y", "after '.'", 1),
    ("__import__('os').system('echo hi')", "unexpected character '_'", 0),
    ("lambda: 0", "unexpected character ':'", 6),
    ("x²", "non-ASCII", 1),
    ("\u00e9t\u00e9", "non-ASCII", 0),
    ("x\x00", "control character", 1),
    ("x; y", "unexpected character ';'", 1),
    ("x[0]", "unexpected character '['", 1),
    ("'x'", "unexpected \"'\"", 0),
    ("foo(X)", "unknown function 'foo'", 0),
    ("tr", "tr is a function", 0),
    ("tr(A, B)", "takes 1 argument", 0),
    ("kron(A)", "takes 2 arguments", 0),
    ("eye(0)", "positive integer", 4),
    ("eye(2, 3)", "at most 1", 0),
    ("tr(A*X*B) + x", "cannot add a scalar", 10),
    # the matrix operand is named whichever side it is on, with the way out
    ("1 + exp(x)", "the n x 1 matrix exp(x) at '+' (for a constant in every "
     "entry, write c*ones", 2),
    ("exp(x) - 2", "the n x 1 matrix exp(x) at '-'", 7),
    ("A*x + y'", "shapes do not match at '+'", 4),
    ("x*y", "shapes do not match at '*'", 1),
    ("X .* x'", "shapes do not match at '.*'", 2),
    ("x^2", "square matrix at '^'", 1),
    ("X^t", "integer exponent", 1),
    ("X^0.5", "integer exponent", 1),
    ("X^65", "matrix power above 64", 1),
    ("tr(X^-999999999)", "matrix power above 64", 4),
    ("X^Y", "must be a scalar", 1),
    ("X/Y", "division by the", 1),
    ("tr(x)", "square matrix", 0),
    ("det(x)", "square matrix", 0),
    ("softmax(X)", "takes a vector", 0),
    ("vector(x)", "takes a scalar c", 0),
    ("x ./ y'", "shapes do not match at './'", 2),
    # names a user may try get the language's way of writing them
    ("trace(X)", "write tr(X)", 0),
    ("max(0, x)", "write relu(x) for max(0, x)", 0),
    ("reciprocal(x)", "write x.^-1 or 1./x", 0),
    ("zeros(3)", "write 0*ones(m, n)", 0),
    # and a function with a meaning of its own is not offered as undefined
    ("floor(x)", "not in the language", 0),
    ("x^-1", "(.^ is the element-wise power: x.^-1)", 1),
    ("inv(x)", "the reciprocal of each entry is x.^-1, or 1./x", 0),
    ("1/x", "./ to divide entry by entry: 1./x is x.^-1", 1),
    ("diag(x')", "vector or a square matrix", 0),
    ("l(x) + l", "both as a symbol and as a function", 7),
    ("X + 1" + "0" * 40, "number longer", 4),
    ("a" * 50, "name longer", 0),
    ("1e99999*X", "out of range", 0),
])
def test_errors(text, message, pos):
    with pytest.raises(ExpressionError) as e:
        P(text)
    assert message in e.value.message, e.value.message
    assert e.value.position == pos, (e.value.position, e.value.message)
    shown = e.value.display().splitlines()
    assert len(shown) == 3 and shown[2].index("^") - 2 == pos, shown


def test_option_errors():
    with pytest.raises(ExpressionError, match="both a matrix and a vector"):
        parse("x", matrices=["x"], vectors=["x"])
    with pytest.raises(ExpressionError, match="not a symbol of the expression"):
        parse("x", shapes={"y": (2, 1)})
    with pytest.raises(ExpressionError, match="vector but --shapes"):
        parse("x", shapes={"x": (2, 3)})
    with pytest.raises(ExpressionError, match="scalar but --shapes"):
        parse("t", scalars=["t"], shapes={"t": (2, 3)})
    with pytest.raises(ExpressionError, match="tr is a name of the language"):
        parse("x", also=["tr"])
    with pytest.raises(ExpressionError, match="l is a function in the expr"):
        parse("l(x)", also=["l"])
    with pytest.raises(ExpressionError, match="n is a dimension"):
        parse("eye(n)*x", also=["n"])
    with pytest.raises(ExpressionError, match="'1x' is not a name"):
        parse("x", scalars=["1x"])


def test_caret_for_long_text_is_windowed():
    text = "x + " * 100 + "y'"
    with pytest.raises(ExpressionError) as e:
        P(text)
    lines = e.value.display().splitlines()
    assert len(lines[1]) < 90
    assert lines[1][lines[2].index("^")] == "+"


def test_limits():
    with pytest.raises(ExpressionError, match="too long"):
        P("x" * (MAX_LENGTH + 1))
    with pytest.raises(ExpressionError, match="too long"):
        P("x" * 1_000_000)
    with pytest.raises(ExpressionError, match="too long"):
        P("(" * 10_000 + "x" + ")" * 10_000)
    for depth in (MAX_DEPTH + 1, 1000, 10_000):
        for opening, closing in (("(", ")"), ("tr(", ")"), ("exp(", ")"),
                                 ("-(", ")"), ("t^", "")):
            k = min(depth, (MAX_LENGTH - 1) // len(opening + closing))
            with pytest.raises(ExpressionError, match="nested too deeply"):
                P(opening * k + "X" + closing * k)
    # at the limit, parsing and differentiating still work
    r = P("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH)
    assert r.expr == MatrixSymbol("x", n, 1)
    r = P("exp(" * (MAX_DEPTH - 1) + "t" + ")" * (MAX_DEPTH - 1))
    assert derivative(r.expr, t) != 0


def test_long_flat_input_is_fast():
    for text in ["+".join(f"x{i}" for i in range(1500)),
                 "*".join(["t"] * 3000), "*".join(["t", "alpha"] * 1200),
                 "*".join(f"A{i}" for i in range(1000)),
                 ".*".join(["X"] * 3000),
                 "X" + "'" * 9999]:
        assert len(text) <= MAX_LENGTH
        start = time.time()
        P(text)
        assert time.time() - start < 10, text[:20]


def test_no_eval(monkeypatch):
    """The parser never hands text to eval, exec or sympify."""
    import builtins
    import inspect
    import re
    import sympy_matdiff.parser as parser
    source = inspect.getsource(parser)
    assert not re.search(r"(?<![\w.])(eval|exec|sympify|parse_expr|compile)\(", source)

    def refuse(*args, **kwargs):
        raise AssertionError("eval/exec called")
    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    assert P("tr(A*X*B) + norm2(x)^2 + sum(relu(W*x))").expr.has(Trace)
    with pytest.raises(ExpressionError):
        P("__import__('os').system('echo hi')")


def test_random_point_works_on_parsed_expressions():
    r = parse("x'*A*x", shapes={"x": (3, 1)})
    point = random_point(r.expr)
    assert set(point) == set(r.symbols.values())


# --- any text: a result or an ExpressionError, nothing else -----------------

TOKENS = ["x", "y", "X", "A", "t", "alpha", "1", "2.5", "+", "-", "*", "/",
          "^", "**", ".*", ".^", "'", ".T", "(", ")", ",", "tr(", "det(",
          "inv(", "kron(", "norm2(", "sum(", "diag(", "exp(", "relu(",
          "sigma(", "l(", "eye(", "ones", "I", " ", ".", "_", "é", "[", "0"]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=14))
def test_any_token_soup_parses_or_is_refused(tokens):
    text = "".join(tokens)
    try:
        r = parse(text, scalars=["t"])
    except ExpressionError as e:
        assert e.position is None or 0 <= e.position <= len(text)
        return
    assert r.expr is not None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_any_text_parses_or_is_refused(text):
    try:
        parse(text)
    except ExpressionError:
        pass
