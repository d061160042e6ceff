"""Structured emission: Kronecker products with identities, commutation
matrices and diag(vec M) become one einsum, never a dense (pq)^2 factor;
checked against finite differences of the generated gradient at
rectangular shapes, and against the hand-written closed forms."""
import functools

import numpy
import pytest
from sympy import (KroneckerProduct, MatrixSymbol, Symbol, Trace, det,
                   Identity, log, tanh)

from sympy_matdiff.codegen import codegen_function
from sympy_matdiff.vec import CommutationMatrix, Vec
from test_codegen import _numeric_jacobian

n, m, b = (Symbol(s, integer=True, positive=True) for s in "nmb")
X = MatrixSymbol('X', n, n)
W1, W2 = MatrixSymbol('W1', m, n), MatrixSymbol('W2', m, m)
Xb, Y = MatrixSymbol('X', n, b), MatrixSymbol('Y', m, b)
RNG = numpy.random.default_rng(16)


@functools.lru_cache(maxsize=None)
def compiled(expr, wrt, **options):
    return codegen_function(expr, wrt, **options)


def network():
    R = W2 * (W1 * Xb).applyfunc(tanh) - Y
    return Trace(R * R.T)


def _dense(source):
    return "kron(" in source or "eye(n * n)" in source or "eye(m * n)" in \
        source or "diagflat(" in source


def _fd_hessian(grad, x0, h=1e-6):
    """Vec-order Hessian by central differences of a mixed-layout gradient:
    the numerator-layout Jacobian of the gradient."""
    return _numeric_jacobian(lambda a: grad(a["x"]), {"x": x0}, "x", h)


def _spd(k):
    M = RNG.standard_normal((k, k))
    return M @ M.T + k * numpy.eye(k)


def test_logdet_hessian_is_an_outer_product():
    f = compiled(log(det(X)), X, hessian=True)
    assert not _dense(f.source) and "einsum" in f.source
    for k in (1, 3, 5):
        S = _spd(k) + RNG.standard_normal((k, k))     # not symmetric
        Si = numpy.linalg.inv(S)
        H = f(S)[2]
        want = -numpy.kron(Si.T, Si)[[(r % k) * k + r // k for r in range(k * k)]]
        assert numpy.allclose(H, want, rtol=1e-12, atol=1e-12)
        fg = compiled(log(det(X)), X, layout="mixed")
        assert numpy.allclose(H, _fd_hessian(lambda Z: fg(Z)[1], S), atol=1e-6)


@pytest.mark.parametrize("sizes", [(3, 2, 4), (2, 4, 1), (1, 3, 2)])
def test_network_hessian_without_kron(sizes):
    f = compiled(network(), W1, hessian=True)
    assert not _dense(f.source) and "einsum" in f.source
    fg = compiled(network(), W1, layout="mixed")
    mm, nn, bb = sizes
    w1, w2 = RNG.standard_normal((mm, nn)), RNG.standard_normal((mm, mm))
    x, y = RNG.standard_normal((nn, bb)), RNG.standard_normal((mm, bb))
    H = f(w1, w2, x, y)[2]
    assert H.shape == (mm * nn, mm * nn)
    want = _fd_hessian(lambda Z: fg(Z, w2, x, y)[1], w1)
    assert numpy.allclose(H, want, atol=1e-6 * max(1, abs(want).max()))


def test_structured_factors_against_dense():
    """K, I ⊗ A, A ⊗ I and diag(vec M) in products, at rectangular shapes,
    equal the product of the dense matrices."""
    from sympy_matdiff.numpycode import NumPyEmitter
    p, q, r = 2, 3, 4
    A, B = MatrixSymbol('A', r, q), MatrixSymbol('B', p * q, r * p)
    M, V = MatrixSymbol('M', p, q), MatrixSymbol('V', q, p)
    C = MatrixSymbol('C', q * r, q * r)
    vals = {s: RNG.standard_normal(s.shape) for s in (A, B, M, V, C)}

    def perm(a, c):
        return numpy.eye(a * c)[[(i % c) * a + i // c for i in range(a * c)]]
    from sympy.matrices.expressions.diagonal import DiagMatrix
    cases = [
        (CommutationMatrix(p, q) * B, perm(p, q) @ vals[B]),
        (B * CommutationMatrix(r, p), vals[B] @ perm(r, p)),
        (KroneckerProduct(Identity(p), A) * Vec(V),
         numpy.kron(numpy.eye(p), vals[A]) @ vals[V].reshape(-1, 1, order="F")),
        (B.T * DiagMatrix(Vec(M)) * KroneckerProduct(A.T, Identity(p)),
         vals[B].T @ numpy.diag(vals[M].ravel(order="F"))
         @ numpy.kron(vals[A].T, numpy.eye(p))),
        (KroneckerProduct(A, Identity(r)) * C * CommutationMatrix(r, q),
         numpy.kron(vals[A], numpy.eye(r)) @ vals[C] @ perm(r, q)),
        # alone (a Hessian such as 2 (V^T V ⊗ I)): the identity is a diagonal
        (KroneckerProduct(A, Identity(p)), numpy.kron(vals[A], numpy.eye(p))),
        (3 * KroneckerProduct(Identity(p), A), 3 * numpy.kron(numpy.eye(p), vals[A])),
        (KroneckerProduct(Identity(p), A, Identity(q)),
         numpy.kron(numpy.kron(numpy.eye(p), vals[A]), numpy.eye(q))),
        # a scalar goes on the smallest operand, not on the result
        (-2 * B.T * DiagMatrix(Vec(M)) * KroneckerProduct(A.T, Identity(p)),
         -2 * vals[B].T @ numpy.diag(vals[M].ravel(order="F"))
         @ numpy.kron(vals[A].T, numpy.eye(p))),
    ]
    for expr, want in cases:
        em = NumPyEmitter({s: s.name for s in vals})
        em.count(expr)
        code = em.emit(expr)
        assert "kron" not in code and "eye(" not in code.replace("eye(1)", "")
        from sympy_matdiff.kernels import cached_einsum
        ns = {"numpy": numpy, "cached_einsum": cached_einsum,
              **{s.name: v for s, v in vals.items()}}
        exec("\n".join(em.lines), ns)      # the operands it names
        got = eval(code, ns)
        assert numpy.allclose(got, want, rtol=1e-12, atol=1e-12), expr


def _hvp_source(source):
    return source[source.index("def hvp"):source.rindex("\n    return ")]


@pytest.mark.parametrize("k", [1, 2, 4])
def test_logdet_hvp(k):
    f = compiled(log(det(X)), X, hessian=True, hvp=True)
    src = _hvp_source(f.source)
    assert "n**2, n**2" not in src and "kron" not in src and "inv" not in src
    S = _spd(k) + RNG.standard_normal((k, k))
    value, G, H, hvp = f(S)
    for V in (RNG.standard_normal((k, k)), RNG.standard_normal(k * k)):
        want = (H @ V.reshape(-1, order="F")).reshape(V.shape, order="F")
        assert numpy.allclose(hvp(V), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sizes", [(3, 2, 4), (2, 4, 1)])
def test_network_hvp(sizes):
    f = compiled(network(), W1, hessian=True, hvp=True)
    src = _hvp_source(f.source)
    assert not _dense(src) and "m*n, m*n" not in src
    mm, nn, bb = sizes
    args = [RNG.standard_normal(s) for s in ((mm, nn), (mm, mm), (nn, bb), (mm, bb))]
    value, G, H, hvp = f(*args)
    V = RNG.standard_normal((mm, nn))
    want = (H @ V.reshape(-1, order="F")).reshape(V.shape, order="F")
    assert numpy.allclose(hvp(V), want, rtol=1e-10, atol=1e-10)


def test_hvp_takes_one_matrix_variable():
    from sympy_matdiff.codegen import CodegenError
    with pytest.raises(CodegenError, match="hvp=True"):
        codegen_function(log(det(X)), (X,), hvp=True)
    t = Symbol('t')
    with pytest.raises(CodegenError, match="scalar"):
        codegen_function(t**3, t, hvp=True)


def test_sums_with_ones_and_traces_of_products():
    """1 - B broadcasts the 1 (rectangular B), a sum of ones alone is still
    a full array, tr(L R) of rectangular factors (a dot of the raveled
    factors) is the trace, also with the transposes that cancel, and sums
    and multiples of a product, computed in the product's array, are right
    with every sign; the arguments are left as they were."""
    from sympy import OneMatrix, Rational
    from sympy_matdiff.numpycode import NumPyEmitter
    p, q = 2, 5
    B, C = MatrixSymbol('B', p, q), MatrixSymbol('C', q, p)
    D = MatrixSymbol('D', p, p)
    vals = {B: RNG.standard_normal((p, q)), C: RNG.standard_normal((q, p)),
            D: RNG.standard_normal((p, p))}
    BC, Dv = vals[B] @ vals[C], vals[D]
    cases = [
        (D - B * C, Dv - BC), (-B * C - D, -BC - Dv),
        (B * C + D + D.T, BC + Dv + Dv.T), (3 * (B * C), 3 * BC),
        (Rational(1, 2) * B * C - D, BC / 2 - Dv),
        (C.T * B.T - D, BC.T - Dv),
        (OneMatrix(p, q) - B, 1 - vals[B]),
        (B - OneMatrix(p, q), vals[B] - 1),
        (OneMatrix(p, q) - C.T, 1 - vals[C].T),
        (OneMatrix(p, q) + 2 * OneMatrix(p, q), numpy.full((p, q), 3.0)),
        (Trace(B * C), numpy.trace(vals[B] @ vals[C])),
        (Trace(C * B), numpy.trace(vals[C] @ vals[B])),
        (Trace(B * B.T), numpy.sum(vals[B] ** 2)),
        (Trace(B.T * C.T), numpy.trace(vals[B].T @ vals[C].T)),
    ]
    for expr, want in cases:
        em = NumPyEmitter({B: 'B', C: 'C', D: 'D'})
        em.count(expr)
        code = em.emit(expr)
        ns = {"numpy": numpy, **{str(k): v.copy() for k, v in vals.items()}}
        exec("\n".join(em.lines), ns)
        got = eval(code, ns)
        assert numpy.shape(got) == numpy.shape(want), expr
        assert numpy.allclose(got, want, rtol=1e-13, atol=1e-13), expr
        assert all((ns[str(k)] == v).all() for k, v in vals.items()), expr


def test_factorisation_hessian_without_kron_or_eye():
    """‖M − U Vᵀ‖² by U: the Hessian 2 (VᵀV ⊗ I_n) in vec order, written as
    a diagonal of a zero array (no kron, no eye), at rectangular shapes,
    against the closed form and finite differences of the gradient."""
    r = Symbol('r', integer=True, positive=True)
    M, U, V = MatrixSymbol('M', n, m), MatrixSymbol('U', n, r), MatrixSymbol('V', m, r)
    E = M - U * V.T
    f = compiled(Trace(E * E.T), U, layout="mixed", hessian=True, args=(M, U, V))
    assert "kron(" not in f.source and "eye(" not in f.source
    for k, j, q in ((4, 3, 2), (1, 5, 3), (3, 2, 1)):
        Mv, Uv, Vv = (RNG.standard_normal(s) for s in ((k, j), (k, q), (j, q)))
        _, _, H = f(Mv, Uv, Vv)
        assert numpy.allclose(H, numpy.kron(2 * Vv.T @ Vv, numpy.eye(k)),
                              rtol=1e-13, atol=1e-13)
        fd = _fd_hessian(lambda u: f(Mv, u, Vv)[1], Uv)
        assert numpy.allclose(H, fd, rtol=1e-6, atol=1e-6)


def test_sums_in_place_keep_complex_terms_complex():
    """A sum with a product term is computed in the product's (real) array
    only when every term is real: log det of a negative determinant (the
    principal logarithm, complex) and a scalar argument given a complex
    value still give the complex sum."""
    from sympy import Symbol as Sym
    p = 3
    A, B, Z = (MatrixSymbol(s, p, p) for s in "ABZ")
    t = Sym('t')
    vals = [RNG.standard_normal((p, p)) for _ in range(3)]
    Zv = numpy.diag([1.0, 2.0, -3.0])           # det < 0
    f = codegen_function(log(det(Z)) * A + B * Z, None, args=(A, B, Z))
    want = numpy.log(complex(numpy.linalg.det(Zv))) * vals[0] + vals[1] @ Zv
    assert numpy.allclose(f(vals[0], vals[1], Zv), want, rtol=1e-13)
    g = codegen_function(t * A + B * Z, None, args=(A, B, Z, t))
    got = g(vals[0], vals[1], Zv, 2j)
    assert numpy.allclose(got, 2j * vals[0] + vals[1] @ Zv, rtol=1e-13)
