"""sympy_matdiff.constructors against SymPy: the same type, ``==`` and ``srepr``.

Random lists of factors and terms (matrix symbols of numeric and symbolic,
square and rectangular shapes, transposes, inverses, powers, identities,
zero and one matrices, permutations, explicit matrices, differentials,
Hadamard and Kronecker products, nested products and sums, scalars among
them 1, 0, rationals, symbols and traces) are built both ways, with the
plugin's hooks installed (as the engine sees SymPy) and without them; an
input SymPy rejects must be rejected with the same exception.  Products
SymPy has canonicalised, and their transposes and sums, exercise the fast
paths; a test checks that those are taken.
"""
import random

import pytest
from sympy import (HadamardProduct, Identity, ImmutableMatrix, Inverse,
                   KroneckerProduct, MatAdd, MatMul, MatPow, MatrixSymbol, OneMatrix,
                   Mul, Rational, S, Symbol, Trace, Transpose, ZeroMatrix, exp, srepr)
from sympy import transpose as sympy_transpose
from sympy.combinatorics import Permutation
from sympy.matrices.expressions.permutation import PermutationMatrix

from sympy_matdiff import constructors, hooks
from sympy_matdiff.constructors import matadd, matmul, transpose
from sympy_matdiff.differentials import Differential

n, m = Symbol("n"), Symbol("m")
x, k = Symbol("x"), Symbol("k", integer=True)
DIMS = [2, 3, n, m, 1]


def symbol(name, r, c):
    return MatrixSymbol(name, r, c)


def leaf(rng, r, c):
    """A random matrix expression of shape (r, c)."""
    square = r == c
    names = "AB" if not square else "XYZ"
    base = symbol(rng.choice(names) + str(r) + str(c), r, c)
    options = [lambda: base, lambda: base,
               lambda: Transpose(symbol("B" + str(c) + str(r), c, r)),
               lambda: Differential(base),
               lambda: Transpose(Differential(symbol("A" + str(c) + str(r), c, r))),
               lambda: ZeroMatrix(r, c), lambda: OneMatrix(r, c),
               lambda: HadamardProduct(base, symbol("H" + str(r) + str(c), r, c)),
               lambda: MatAdd(base, symbol("S" + str(r) + str(c), r, c)),
               lambda: MatAdd(base, 2 * symbol("S" + str(r) + str(c), r, c),
                              evaluate=True),
               lambda: MatMul(base, symbol("Q" + str(c) + str(c), c, c))]
    if square:
        options += [lambda: base.I, lambda: Inverse(base.T), lambda: base ** 2,
                    lambda: MatPow(base, k), lambda: MatPow(base, -2),
                    lambda: Identity(r), lambda: MatPow(base.T, 3),
                    lambda: Inverse(MatMul(base, symbol("W" + str(r) + str(r), r, r))),
                    lambda: Inverse(Differential(base)),
                    lambda: symbol("W" + str(r) + str(r), r, r)]
    if isinstance(r, int) and isinstance(c, int):
        options += [lambda: ImmutableMatrix(r, c, lambda i, j: i + 2 * j + 1)]
        if square:
            options += [lambda: PermutationMatrix(Permutation(list(range(r))[::-1]))]
        if r == 4 and c == 4:
            options += [lambda: KroneckerProduct(symbol("K22", 2, 2),
                                                 symbol("L22", 2, 2))]
    return rng.choice(options)()


SCALARS = [S.One, S.Zero, S.NegativeOne, S(2), Rational(1, 2), Rational(-3, 4),
           x, n, 2 * x, Trace(MatrixSymbol("X22", 2, 2)), S(1.0), exp(x), x ** 2 + 1,
           Differential(x), 2 * x * Differential(x), Mul(2, 3, evaluate=False),
           Trace(MatrixSymbol("X22", 2, 2).T)]


def factors(rng):
    """A random argument list for MatMul: a chain of matrices (almost always
    of matching shapes), with scalars here and there."""
    dims = rng.choices(DIMS + [4], k=rng.randint(2, 5))
    if rng.random() < 0.05:                             # a shape mismatch
        dims.insert(1, 5)
    chain = []
    for r, c in zip(dims, dims[1:]):
        if rng.random() < 0.3 and chain and chain[-1].shape == (r, c) and r == c:
            chain.append(chain[-1])                      # X*X
        else:
            chain.append(leaf(rng, r, c))
    if rng.random() < 0.15 and len(chain) >= 2 and chain[0].is_square and \
            chain[1].is_square and not isinstance(chain[0], ImmutableMatrix):
        chain.insert(1, Inverse(chain[0]))               # X*X**-1*Y
    if rng.random() < 0.5:
        chain.insert(0, rng.choice(SCALARS))
    if rng.random() < 0.1:
        chain.insert(rng.randint(0, len(chain)), rng.choice(SCALARS))
    return chain


def canonical_factors(rng):
    """The arguments of a product SymPy has canonicalised (the engine's usual
    input), perhaps with a new coefficient in front."""
    for _ in range(50):
        args = factors(rng)
        try:
            P = MatMul(*args, evaluate=True)
        except Exception:
            continue
        if isinstance(P, MatMul):
            out = list(P.args)
            if rng.random() < 0.3 and out[0].is_Matrix:
                out.insert(0, rng.choice(SCALARS))
            return out
    return [MatrixSymbol("A23", 2, 3), MatrixSymbol("B32", 3, 2)]


def matrices(rng):
    """A random matrix expression: a product or a leaf."""
    if rng.random() < 0.7:
        try:
            return MatMul(*canonical_factors(rng), evaluate=True)
        except Exception:
            pass
    r = rng.choice(DIMS)
    return leaf(rng, r, rng.choice(DIMS))


def terms(rng):
    """A random argument list for MatAdd, of one shape (almost always)."""
    shape = None
    out = []
    for _ in range(rng.randint(1, 4)):
        if shape is None:
            e = matrices(rng)
            shape = e.shape
        else:
            e = None
            for _ in range(20):
                cand = matrices(rng)
                if cand.shape == shape:
                    e = cand
                    break
            if e is None:
                e = leaf(rng, *shape)
            if rng.random() < 0.2:
                e = out[0]                               # a repeated term
            elif rng.random() < 0.2:
                e = MatMul(rng.choice(SCALARS[2:]), out[-1], evaluate=True)
        out.append(e)
    if rng.random() < 0.03:
        out.append(MatrixSymbol("F57", 5, 7))            # a shape mismatch
    return out


def outcome(f, *args):
    try:
        return ("value", f(*args))
    except Exception as e:          # noqa: BLE001 -- the exception is the result
        return ("error", type(e), e.args)


def same(mine, sympys, what):
    assert mine[0] == sympys[0], (what, mine, sympys)
    if mine[0] == "error":
        assert mine[1:] == sympys[1:], what
        return
    a, b = mine[1], sympys[1]
    assert type(a) is type(b), (what, a, b)
    assert a == b, (what, a, b)
    assert srepr(a) == srepr(b), (what, a, b)


def check(rng, count):
    for _ in range(count):
        args = factors(rng) if rng.random() < 0.4 else canonical_factors(rng)
        same(outcome(matmul, *args),
             outcome(lambda *a: MatMul(*a, evaluate=True), *args), ("matmul", args))
        e = matrices(rng)
        same(outcome(transpose, e), outcome(sympy_transpose, e), ("transpose", e))
        ts = terms(rng)
        same(outcome(matadd, *ts),
             outcome(lambda *a: MatAdd(*a, evaluate=True), *ts), ("matadd", ts))


@pytest.mark.parametrize("seed", range(4))
def test_like_sympy_with_hooks(seed):
    assert hooks.installed()
    check(random.Random(seed), 80)


def test_like_sympy_without_hooks():
    with hooks.sympy_alone():
        check(random.Random(100), 80)


def test_like_sympy_with_fast_paths_off(monkeypatch):
    monkeypatch.setitem(constructors._state, "on", False)
    check(random.Random(7), 30)


def test_like_sympy_from_a_cold_cache():
    from sympy.core.cache import clear_cache
    rng = random.Random(200)
    for _ in range(40):
        clear_cache()
        check(rng, 1)


def test_fast_paths_on_the_supported_sympy_versions():
    import sympy
    if sympy.__version__ in ("1.13.3", "1.14.0", "1.15.0.dev0", "1.15.0.dev"):
        assert constructors.internals_fingerprint() in constructors.KNOWN_INTERNALS
        assert constructors.fast_paths()


def test_fast_paths_taken(monkeypatch):
    """Canonical input does not go through SymPy's canonicalisation."""
    from sympy.matrices.expressions import matadd as matadd_module
    from sympy.matrices.expressions import matmul as matmul_module
    assert constructors.fast_paths()
    calls = []
    for module in (matmul_module, matadd_module):
        original = module.canonicalize
        monkeypatch.setattr(module, "canonicalize",
                            lambda e, original=original: calls.append(e) or original(e))
    X, A = MatrixSymbol("X", n, n), MatrixSymbol("A", n, 2)
    P = matmul(-2, X.I, A)
    Q = matmul(X, A)
    S = matadd(P, Q, Differential(A))
    T = transpose(P)
    assert calls == []
    assert S == MatAdd(P, Q, Differential(A), evaluate=True)
    assert T == sympy_transpose(P)
    calls.clear()
    matmul(X, X.I, A)                    # a rule applies: SymPy's
    assert calls


def test_shape_errors_like_sympy():
    from sympy.matrices.exceptions import ShapeError
    A, B = MatrixSymbol("A", 2, 3), MatrixSymbol("B", 2, 3)
    with pytest.raises(ShapeError) as mine:
        matmul(2, A, B)
    with pytest.raises(ShapeError) as sympys:
        MatMul(2, A, B, evaluate=True)
    assert mine.value.args == sympys.value.args
    with pytest.raises(ShapeError):
        matadd(A, B.T)
    with pytest.raises(TypeError):
        matadd(A, x)


def test_unknown_sympy_internals_turn_the_fast_paths_off(monkeypatch):
    # a SymPy whose internals moved or changed: every call goes to SymPy
    def moved():
        raise AttributeError("newmul")
    monkeypatch.setattr(constructors, "_internals", moved)
    monkeypatch.setattr(constructors, "_state", {})
    assert constructors.fast_paths() is False
    monkeypatch.undo()
    # internals unlike any checked (a new release)
    monkeypatch.setattr(constructors, "_state", {})
    monkeypatch.setattr(constructors, "KNOWN_INTERNALS", set())
    assert constructors.fast_paths() is False
    X, A = MatrixSymbol("X", n, n), MatrixSymbol("A", n, 2)
    assert srepr(matmul(2, X, A)) == srepr(MatMul(2, X, A, evaluate=True))
