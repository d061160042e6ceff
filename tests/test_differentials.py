"""The Differential objects behave like any SymPy expression."""
import pickle

import sympy
from sympy.core.symbol import Str

from sympy import (Function, ImmutableMatrix, Matrix, MatrixSymbol, S, Symbol,
                   Trace, ZeroMatrix, latex, pretty, srepr)

from sympy_matdiff import Differential, ScalarDifferential, d, prime

n, m = (Symbol(c, integer=True, positive=True) for c in "nm")
X, Y = MatrixSymbol("X", 3, 2), MatrixSymbol("Y", 2, 2)
Xn = MatrixSymbol("X", n, m)
x, t = MatrixSymbol("x", 3, 1), Symbol("t")


def test_matrix_differential_is_a_matrix_expression_of_the_same_shape():
    assert d(X) == Differential(X)
    assert Differential(X).shape == (3, 2)
    assert Differential(Xn).shape == (n, m)
    assert Differential(X).is_Matrix


def test_scalar_differential():
    assert isinstance(d(t), ScalarDifferential)
    assert Differential(t) == ScalarDifferential(t)
    assert not d(t).is_Matrix
    assert d(t) + d(t) == 2 * d(t)
    assert ScalarDifferential(3) == 0


def test_printing():
    assert str(d(X)) == "dX"
    assert str(d(t)) == "dt"
    assert str(Differential(X * Y)) == "d(X*Y)"
    assert str(d(X).T * x) == "dX.T*x"
    assert pretty(d(X)) == "dX"
    assert pretty(Differential(X * Y)) == "d(X⋅Y)"
    assert latex(d(X)) == r"\mathrm{d}X"
    assert latex(d(t)) == r"\mathrm{d}t"
    assert latex(Differential(X * Y)) == r"\mathrm{d}\left(X Y\right)"
    assert str(d(x.T * x)) == "2*x.T*dx"


def test_subs_xreplace_doit():
    Z = MatrixSymbol("Z", 3, 2)
    assert d(X).subs(X, Z) == d(Z)
    assert d(X).xreplace({X: Z}) == d(Z)
    # substituting a function for the variable is the chain rule
    assert Differential(Y).subs(Y, Y.T * Y).doit() == d(Y.T * Y)
    assert Differential(Y * Y).doit() == d(Y * Y)
    assert d(X).doit() == d(X)
    assert ScalarDifferential(t**2).doit() == 2 * t * d(t)
    # the differential of a constant explicit matrix is zero
    assert Differential(Matrix([[1, 2]])).doit() == ZeroMatrix(1, 2)


def test_as_explicit():
    E = d(Y).as_explicit()
    assert isinstance(E, ImmutableMatrix)
    assert E[1, 0] == ScalarDifferential(Y[1, 0])
    assert str(E[1, 0]) == "dY[1, 0]"
    assert d(Y[1, 0]) == E[1, 0]
    assert (d(Y) * Y).as_explicit()[0, 0] == E[0, 0] * Y[0, 0] + E[0, 1] * Y[1, 0]


def test_args_only_state_and_pickling():
    for e in (d(X), d(t), Differential(X * Y)):
        assert e.func(*e.args) == e
        env = dict(vars(sympy), Str=Str, Differential=Differential,
                   ScalarDifferential=ScalarDifferential)
        assert eval(srepr(e), env) == e
        assert pickle.loads(pickle.dumps(e)) == e


def test_differential_of_a_direction_is_zero():
    # d(dX) = 0: the second differential holds dX constant
    assert d(Trace(d(Y) * Y), Y) == Trace(d(Y) * d(Y))
    assert d(d(Y), Y) == ZeroMatrix(2, 2)


def test_symbolic_dimensions():
    A = MatrixSymbol("A", m, n)
    assert d(Trace(A * Xn), Xn) == Trace(A * d(Xn))
    Xs = MatrixSymbol("X", n, n)
    assert str(d(Xs.inverse())) == "-X**(-1)*dX*X**(-1)"
    assert d(S(2) * Xs, Xs) == 2 * d(Xs)


def test_anonymous_elementwise_functions_print_with_a_plain_variable():
    from sympy import Lambda, exp
    from sympy_matdiff.expressions import Elementwise
    z, u, t = Symbol("z"), Symbol("u"), Symbol("t")
    X = MatrixSymbol("X", 2, 3)
    e = Elementwise(Lambda(z, exp(-z) / (1 + exp(-z))), X)
    assert str(e) == "(u -> exp(-u)/(1 + exp(-u))).(X)"
    # a body that uses u itself takes the next name
    assert str(Elementwise(Lambda(z, u * z + t), X)) == "(v -> t + u*v).(X)"
    # a plain function keeps its name
    assert str(Elementwise(Function("sigma"), X)) == "sigma(X)"
    # and the derivative of relu reads as a step function
    r = d(X.applyfunc(Lambda(z, sympy.Max(0, z))))
    assert str(r) == "HadamardProduct(dX, (u -> Heaviside(u)).(X))"


def test_prime_printing():
    sigma, u = Function("sigma"), Symbol("u")
    assert str(prime(sigma)(u)) == "sigma'(u)"
    assert pretty(prime(sigma)(u)) == "σ′(u)"
    assert latex(prime(sigma)(u)) == r"\sigma^{\prime}\left(u\right)"
    assert str(prime(sigma, 2)(u)) == "sigma''(u)"
    s = d((x).applyfunc(sigma))
    assert str(s) == "HadamardProduct(dx, sigma'(x))"
    assert "σ′(x)" in pretty(s)
    assert r"\sigma^{\prime}\left(x\right)" in latex(s)
