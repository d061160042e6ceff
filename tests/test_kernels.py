"""The NumPy kernels that generated code copies (sympy_matdiff/kernels.py).

inv_slogdet must give what numpy.linalg.inv and slogdet give, for every
kind of matrix: symmetric positive definite (the fast path), symmetric
indefinite and non-symmetric (NumPy's path), singular (an error, as inv
raises), odd sizes that split unevenly, ill-conditioned ones.
"""
import numpy
import pytest
from sympy import MatrixSymbol, Symbol, Trace, det, log

from sympy_matdiff import codegen, codegen_function
from sympy_matdiff.kernels import inv_slogdet, source, spd_inv_logdet

RNG = numpy.random.default_rng(7)


def _spd(n, cond=None):
    Q, _ = numpy.linalg.qr(RNG.standard_normal((n, n)))
    eig = numpy.geomspace(1, cond, n) if cond else RNG.uniform(0.5, 2, n)
    S = (Q * eig) @ Q.T
    return (S + S.T) / 2


def _agrees(X, leaf):
    inv, sign, logdet = inv_slogdet(X, leaf=leaf)
    ref_sign, ref_logdet = numpy.linalg.slogdet(X)
    ref_inv = numpy.linalg.inv(X)
    scale = numpy.abs(ref_inv).max() * numpy.linalg.cond(X)
    assert sign == ref_sign
    assert abs(logdet - ref_logdet) <= 1e-12 * max(1, abs(ref_logdet)) * X.shape[0]
    assert numpy.abs(inv - ref_inv).max() <= 1e-13 * scale * X.shape[0]


@pytest.mark.parametrize("n", [1, 2, 5, 17, 48, 49, 101, 250])
@pytest.mark.parametrize("leaf", [1, 4, 48])
def test_symmetric_positive_definite(n, leaf):
    _agrees(_spd(n), leaf)


@pytest.mark.parametrize("n", [7, 60, 130])
def test_symmetric_indefinite_and_non_symmetric_fall_back(n):
    S = _spd(n)
    _agrees(S - 1.25 * numpy.eye(n), 4)      # symmetric, some eigenvalues < 0
    _agrees(S + numpy.triu(RNG.standard_normal((n, n)), 1), 4)
    _agrees(-S, 4)                           # negative definite: sign (-1)^n


def test_ill_conditioned_spd_is_as_accurate_as_numpy():
    S = _spd(120, cond=1e10)
    inv, _, logdet = inv_slogdet(S, leaf=8)
    ref = numpy.linalg.inv(S)
    # residuals of the same order as NumPy's own
    mine = numpy.abs(inv @ S - numpy.eye(120)).max()
    theirs = numpy.abs(ref @ S - numpy.eye(120)).max()
    assert mine <= 100 * max(theirs, 1e-12)
    assert numpy.isclose(logdet, numpy.linalg.slogdet(S)[1], rtol=1e-10)


def test_singular_raises_as_inv_does():
    S = _spd(80)
    S[:, -1] = 0
    S[-1, :] = 0             # symmetric, positive semi-definite, singular
    with pytest.raises(numpy.linalg.LinAlgError):
        inv_slogdet(S, leaf=4)
    with pytest.raises(numpy.linalg.LinAlgError):
        inv_slogdet(numpy.zeros((3, 3)))


def test_spd_path_certifies_positive_definiteness():
    with pytest.raises(numpy.linalg.LinAlgError):
        spd_inv_logdet(_spd(64) - 1.5 * numpy.eye(64), leaf=8)


def test_generated_code_is_self_contained():
    n = Symbol("n", integer=True, positive=True)
    S = MatrixSymbol("S", n, n)
    src = codegen(log(det(S)), S, layout="mixed")
    assert src.count("def inv_slogdet(") == 1 and src.count("def spd_inv_logdet(") == 1
    namespace = {}
    exec(compile(src, "<generated>", "exec"), namespace)   # nothing but numpy
    X = _spd(70)
    value, grad = namespace["f"](X)
    assert numpy.isclose(value, numpy.linalg.slogdet(X)[1])
    assert numpy.allclose(grad, numpy.linalg.inv(X).T)
    assert source(["spd_inv_logdet"]).count("def ") == 1


def test_a_symbol_named_like_a_kernel_is_renamed():
    n = Symbol("n", integer=True, positive=True)
    S, K = MatrixSymbol("S", n, n), MatrixSymbol("inv_slogdet", n, n)
    f = codegen_function(log(det(S)) + Trace(K * S), S, layout="mixed")
    assert "def f(S, inv_slogdet_)" in f.source
    X, Kv = _spd(5), RNG.standard_normal((5, 5))
    value, grad = f(X, Kv)
    assert numpy.isclose(value, numpy.linalg.slogdet(X)[1] + numpy.trace(Kv @ X))
    assert numpy.allclose(grad, numpy.linalg.inv(X).T + Kv.T)


# --- cached_einsum: its own pairwise plan -------------------------------------

@pytest.mark.parametrize("spec", [
    "ab,cb,bd,ce->acde", "ab,cb,cd,db,be->aced", "ab,cd->cabd", "ab,cd,db->ca",
    "ab,cb->ac", "ab->ba", "ab,bc->ac", "a,b->ab", "ab,ab->ab", "abc,cd,be->aed",
    "ab,bc,cd,de,ef->af", "aa,ab->b", "ab,cb,bd->acd", "ab,bb->a", "ab,cd->",
    "ab,ba->", "abc,acd->abd", "ab,ac,ad->abcd", "ab,cb,bd->acdc",
    "ab,c->acbc", "ab,bc->acac", "abc,cb->a"])
def test_cached_einsum_is_numpys_einsum(spec):
    """Every kind of pairwise step (dot, batched matmul, broadcast product,
    NumPy's einsum for diagonals and single-operand sums), groups of three
    contracted at once, and a repeated output label (zero off the
    diagonal), at sizes that differ, called twice (the cached plan)."""
    from sympy_matdiff.kernels import cached_einsum
    size = dict(zip("abcdef", [3, 4, 5, 2, 6, 7]))
    inputs, out = spec.split("->")
    ops = [RNG.standard_normal([size[c] for c in t]) for t in inputs.split(",")]
    if len(set(out)) < len(out):       # numpy.einsum has no repeated output
        eyes, full_in, full_out = [], inputs, ""
        seen = {}
        for c in out:
            if c in seen:
                d = "ABCDEF"[len(eyes)]
                eyes.append(numpy.eye(size[c]))
                full_in += f",{c}{d}"
                full_out += d
            else:
                seen[c] = True
                full_out += c
        want = numpy.einsum(full_in + "->" + full_out, *ops, *eyes)
    else:
        want = numpy.einsum(spec, *ops)
    for _ in range(2):
        got = cached_einsum(spec, *ops)
        assert got.shape == want.shape
        assert numpy.allclose(got, want, rtol=1e-13, atol=1e-13)


def test_cached_einsum_with_unit_axes_to_a_scalar():
    """Fuzz seed 695 (2 tr(Z)/13 (X ⊗ Y) x A by x): a dot of two vectors is
    a 0-d NumPy scalar, which a broadcast product cannot write into."""
    from sympy_matdiff.kernels import cached_einsum
    ops = [RNG.standard_normal(s) for s in [(1, 3), (1, 1), (3, 1), (1, 1)]]
    want = numpy.einsum('ab,cd,be,fg->', *ops)
    for _ in range(2):
        assert numpy.allclose(cached_einsum('ab,cd,be,fg->', *ops), want,
                              rtol=1e-13, atol=0)


def test_cached_einsum_keeps_a_complex_result_complex():
    """The zero array a repeated label writes into has the result's dtype
    (a complex scalar factor, log det of a negative determinant, must not
    be cast to real)."""
    from sympy_matdiff.kernels import cached_einsum
    A = RNG.standard_normal((3, 4)) * (1 + 2j)
    B = RNG.standard_normal((4, 5))
    got = cached_einsum("ab,bc->acac", A, B)
    want = numpy.einsum("ab,bc,ad,ce->acde", A, B, numpy.eye(3), numpy.eye(5))
    assert got.dtype == complex and numpy.allclose(got, want, rtol=1e-13)
