"""Identification: reading the derivative off the differential.

The seed's identities 1 (eq. 1-6) define the derivative in numerator layout
by the form of the differential:

* ``dy = G dt`` for a scalar variable t: ``dy/dt = G`` (any shape of y);
* ``dy = tr(G dX)`` for a scalar y: ``dy/dX = G`` (q x p for X p x q; for a
  vector x, ``dy = G dx`` with G 1 x n);
* ``d vec F = J vec dX`` for a matrix F: ``dF/dX = J``, (mn) x (pq).

The trace form G comes from :func:`sympy_matdiff.canonical.trace_form`; the
vec form J from the rules of :func:`vec_jacobian`.  Results are collected
and factored (:func:`collect`) so that they read as a textbook prints them.

>>> from sympy import MatrixSymbol, Trace, det, log
>>> from sympy_matdiff import derivative
>>> A, X, B = (MatrixSymbol('A', 2, 3), MatrixSymbol('X', 3, 4),
...            MatrixSymbol('B', 4, 2))
>>> derivative(Trace(A*X*B), X)
B*A
>>> x, S = MatrixSymbol('x', 3, 1), MatrixSymbol('S', 3, 3)
>>> derivative(x.T*S*x, x)
x.T*(S + S.T)
>>> derivative(log(det(S)), S)
S**(-1)
>>> derivative(S**-1, S)
-(KroneckerProduct(S.T**(-1), S**(-1)))
"""
from sympy import (Add, Dummy, FunctionMatrix, HadamardProduct, Identity,
                   ImmutableMatrix, KroneckerDelta, KroneckerProduct, Lambda,
                   MatMul, Mul, OneMatrix, Pow, S, Symbol, Trace,
                   Transpose, ZeroMatrix)
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.matexpr import MatrixElement

from . import domains
from .canonical import (expand_terms, fold_transposes, has_differential,
                        trace_form)
from .constructors import matmul, transpose
from .differentials import (Differential, ScalarDifferential, _check_variable,
                            d, d_prepared, prepare, zero_like)
from .errors import IdentificationError, guard_depth
from .layouts import check_layout, from_numerator
from .textbook import collect, textbook_form
from .vec import CommutationMatrix, Unvec, Vec, diag_of_vec


def is_scalar_like(e):
    """A scalar, or a 1x1 matrix (which counts as a scalar)."""
    return not getattr(e, "is_Matrix", False) or e.shape == (1, 1)


# --- vec rules -------------------------------------------------------------

def _as_scalar(M):
    return S.One if M == Identity(1) else Trace(M)


def kron(A, B):
    """``A ⊗ B``, written as a product where it is one.

    A 1x1 factor is a scalar; a column times a row is an outer product
    (``a ⊗ b^T = b^T ⊗ a = a b^T``).
    """
    if A.shape == (1, 1):
        return _matmul(_as_scalar(A), B)
    if B.shape == (1, 1):
        return _matmul(_as_scalar(B), A)
    if A.cols == 1 and B.rows == 1:
        return _matmul(A, B)
    if A.rows == 1 and B.cols == 1:
        return _matmul(B, A)
    if isinstance(A, Identity) and isinstance(B, Identity):
        return Identity(A.rows * B.rows)
    return KroneckerProduct(A, B)


def commute_kroneckers(e):
    """Move commutation matrices to the left of Kronecker products.

    ``(A ⊗ B) K(n, q) = K(m, p) (B ⊗ A)`` for A m x n, B p x q (Magnus and
    Neudecker, Theorem 3.9), so that equal matrices are written alike.
    """
    def move(mm):
        args = list(mm.args)
        for i in range(len(args) - 1):
            a, k = args[i], args[i + 1]
            if isinstance(a, KroneckerProduct) and len(a.args) == 2 and \
                    isinstance(k, CommutationMatrix):
                A, B = a.args
                if tuple(k.args) == (A.cols, B.cols):
                    args[i:i + 2] = [CommutationMatrix(A.rows, B.rows),
                                     KroneckerProduct(B, A)]
                    return matmul(*args)
        return mm
    return e.replace(lambda x: isinstance(x, MatMul), move)


def _matmul(*factors):
    factors = [f for f in factors if f is not None]
    if not factors:
        return None
    return factors[0] if len(factors) == 1 else matmul(*factors)


def _entry_of(e, D):
    """Is ``e`` the differential ``dX_ij`` of an entry of ``X`` (D = dX)?"""
    return isinstance(e, ScalarDifferential) and isinstance(
        e.arg, MatrixElement) and e.arg.parent == D.arg


def _has(e, D):
    """Does ``e`` contain ``D = dX`` or the differential of an entry of X?"""
    return e.has(D) or any(_entry_of(s, D) for s in e.atoms(ScalarDifferential))


def _unit_row(n, k):
    """The 1 x n row ``e_k^T``."""
    if getattr(n, "is_Integer", False) or isinstance(n, int):
        return ImmutableMatrix(1, int(n), lambda r, c: 1 if c == k else 0)
    return FunctionMatrix(1, n, Lambda((_r, _c), KroneckerDelta(_c, k)))


_r, _c = Dummy("r"), Dummy("c")


def vec_jacobian(m, D):
    """J with ``vec(m) = J vec(D)``, for ``m`` linear in the differential D.

    For a scalar ``m`` the result is the 1 x pq row ``vec(G^T)^T``.
    """
    p, q = D.shape
    if m == D:
        return Identity(p * q)
    if _entry_of(m, D):     # d(X_ij) = e_k^T vec(dX), k = i + p j
        return _unit_row(p * q, m.arg.i + p * m.arg.j)
    if isinstance(m, Transpose):
        r, c = m.arg.shape
        return _matmul(CommutationMatrix(r, c), vec_jacobian(m.arg, D))
    if isinstance(m, (MatMul, Mul)):
        scalars = [a for a in m.args if not getattr(a, "is_Matrix", False)]
        mats = [a for a in m.args if getattr(a, "is_Matrix", False)]
        coeff = Mul(*[a for a in scalars if not _has(a, D)])
        inside = [a for a in scalars if _has(a, D)]
        ks = [i for i, a in enumerate(mats) if _has(a, D)]
        if len(inside) + len(ks) != 1:
            raise IdentificationError(
                f"vec identification: {m} is not linear in {D}.")
        if inside:      # s(dX) M: vec(s M) = vec(M) s
            found = trace_form(inside[0])   # s = tr(G dX) = vec(G^T)^T vec(dX)
            J = Vec(transpose(found[1])).T if found and found[0] == D else \
                vec_jacobian(inside[0], D)
            if not mats:
                return _scale(coeff, J)
            return _scale(coeff, _matmul(Vec(_matmul(*mats)), J))
        k = ks[0]
        N = mats[k]
        left = _matmul(*mats[:k]) or Identity(N.rows)
        right = _matmul(*mats[k + 1:]) or Identity(N.cols)
        return _scale(coeff, _matmul(kron(transpose(right), left),
                                     vec_jacobian(N, D)))
    if isinstance(m, HadamardProduct):
        ks = [i for i, a in enumerate(m.args) if _has(a, D)]
        others = [a for i, a in enumerate(m.args) if i != ks[0]]
        A = others[0] if len(others) == 1 else HadamardProduct(*others)
        return _matmul(diag_of_vec(A), vec_jacobian(m.args[ks[0]], D))
    if isinstance(m, KroneckerProduct):
        return _kronecker_jacobian(m, D)
    if isinstance(m, Trace):    # tr(N) = vec(I)^T vec(N)
        r = m.arg.rows
        return _matmul(Vec(Identity(r)).T, vec_jacobian(m.arg, D))
    if isinstance(m, DiagMatrix):
        # vec(diag v) = P E v: P = diag(vec I_n) keeps the n diagonal places
        # of an n x n matrix, E = 1_n ⊗ I_n repeats v n times
        n = m.rows
        return _matmul(diag_of_vec(Identity(n)),
                       KroneckerProduct(OneMatrix(n, 1), Identity(n)),
                       vec_jacobian(m.args[0], D))
    raise IdentificationError(
        f"vec identification: no rule for {type(m).__name__} in {m}.")


def _scale(c, J):
    return J if c == 1 else matmul(c, J)


def _kronecker_jacobian(m, D):
    # vec(A ⊗ B) = (I_n ⊗ K(q, m) ⊗ I_p)(vec A ⊗ vec B), A m x n, B p x q
    args = list(m.args)
    A = args[0] if len(args) == 2 else KroneckerProduct(*args[:-1])
    B = args[-1]
    (ma, na), (pb, qb) = A.shape, B.shape
    P = kron(kron(Identity(na), CommutationMatrix(qb, ma)), Identity(pb))
    if _has(B, D) and not _has(A, D):
        inner = kron(Vec(A), Identity(pb * qb))
        return _matmul(P, inner, vec_jacobian(B, D))
    if _has(A, D) and not _has(B, D):
        inner = kron(Identity(ma * na), Vec(B))
        return _matmul(P, inner, vec_jacobian(A, D))
    raise IdentificationError(f"vec identification: {m} is not linear in {D}.")


def _tidy(e, record=None):
    """``e`` in textbook form; ``record`` receives ``(None, e)`` first, then
    the transforms' steps."""
    e = fold_transposes(e) if getattr(e, "is_Matrix", False) else e
    if record is not None:
        record.append((None, e))
    return textbook_form(e, record)


# --- derivatives -------------------------------------------------------------

def _terms(D):
    for c, m in expand_terms(D):
        if m is None:
            raise IdentificationError(
                f"the differential {D} has a term free of differentials.")
        yield c, m


def numerator_derivative(expr, X, D, record=None):
    """The derivative in numerator layout, from the differential D = d(expr)."""
    if D == 0 or getattr(D, "is_ZeroMatrix", False):
        return _zero(expr, X)     # X does not occur
    if isinstance(X, Symbol):     # dy = G dt
        dt = ScalarDifferential(X)
        Gs = []
        for c, m in _terms(D):
            G = m.xreplace({dt: S.One}).replace(   # drop the 1 left in products
                lambda e: isinstance(e, MatMul),
                lambda e: matmul(*e.args))
            if has_differential(G):
                raise IdentificationError(f"{D} is not linear in d{X}.")
            Gs.append(c * G if not getattr(G, "is_Matrix", False)
                      else matmul(c, G))
        if not Gs:
            return _zero(expr, X)
        if getattr(Gs[0], "is_Matrix", False):
            return _tidy(collect([g.doit(deep=False) for g in Gs])
                         or _zero(expr, X), record)
        return _tidy(Add(*Gs), record)
    dX = Differential(X)
    if D == 0 or getattr(D, "is_ZeroMatrix", False):
        return _zero(expr, X)
    if is_scalar_like(expr):
        Gs = []
        for c, m in _terms(D):
            found = trace_form(m)
            if found is not None and found[0] == dX:
                G = found[1]
            else:   # through vec: m = vec(G^T)^T vec(dX)
                J = vec_jacobian(m, dX)
                G = transpose(Unvec(transpose(J), *X.shape))
            Gs.append(G if c == 1 else matmul(c, G))
        return _tidy(collect(Gs) or _zero(expr, X), record)    # terms may cancel
    Js = [_scale(c, vec_jacobian(m, dX)) for c, m in _terms(D)]
    return _tidy(collect(Js) or _zero(expr, X), record)


def _zero(expr, X):
    if not X.is_Matrix:
        return zero_like(expr)
    p, q = X.shape
    if is_scalar_like(expr):
        return ZeroMatrix(q, p)
    m, n = expr.shape
    return ZeroMatrix(m * n, p * q)


@guard_depth
def derivative(expr, wrt, layout="numerator"):
    """The derivative of ``expr`` with respect to ``wrt``.

    In numerator layout (the default): scalar by scalar is a scalar; scalar
    by x (n x 1) is 1 x n; scalar by X (p x q) is q x p; y (m x 1) by x is
    m x n; F (m x n) by a scalar is m x n; F by X is the (mn) x (pq) matrix
    d vec F / d vec(X)^T.  ``layout="denominator"`` transposes each;
    ``layout="mixed"`` gives scalar-by-vector and scalar-by-matrix results
    in the shape of the variable.  With a tuple ``wrt``, a tuple of partials.

    >>> from sympy import MatrixSymbol, Symbol
    >>> from sympy_matdiff import derivative
    >>> x = MatrixSymbol('x', 3, 1)
    >>> derivative(x.T*x, x), derivative(x.T*x, x, layout="mixed")
    (2*x.T, 2*x)
    >>> A, t = MatrixSymbol('A', 2, 3), Symbol('t')
    >>> derivative(A*x, x), derivative(t**2*A, t)
    (A, (2*t)*A)
    """
    check_layout(layout)
    if isinstance(wrt, (tuple, list)):
        return tuple(derivative(expr, w, layout) for w in wrt)
    X = _check_variable(wrt)
    prepared = prepare(expr)
    expr = domains.as_matrix_expression(prepared)
    # prepared once; a Piecewise rewritten as a sum is prepared again by d()
    D = d_prepared(expr, X) if expr is prepared else d(expr, X)
    G = numerator_derivative(expr, X, domains.repair(D))
    return domains.finish(from_numerator(G, expr, X, layout))


def _two_linear_factors(m, D):
    """``(s1, s2)`` with the scalar ``m = s1 s2``, each linear in D, or None.

    E.g. ``tr(A dX)**2`` or ``dX_01 dX_10``: products that no trace move
    writes as ``tr(G(dX) dX)`` but vec identification reads factor by factor.
    """
    prod = m.arg if isinstance(m, Trace) else m
    if isinstance(prod, MatMul) and (prod is not m or prod.shape == (1, 1)):
        # tr(s(dX) M(dX)) = s(dX) tr(M(dX)) for a scalar factor s (a 1x1
        # product is its own trace)
        scalars = [a for a in prod.args if not a.is_Matrix]
        mats = [a for a in prod.args if a.is_Matrix]
        inner = [a for a in scalars if _has(a, D)]
        if len(inner) == 1 and any(_has(a, D) for a in mats):
            rest = Mul(*[a for a in scalars if a is not inner[0]])
            return inner[0], rest * Trace(_matmul(*mats))
    if getattr(m, "is_Matrix", False):
        return None
    if isinstance(m, Pow) and m.exp == 2 and _has(m.base, D):
        return m.base, m.base
    if isinstance(m, Mul):
        inner = [a for a in m.args if _has(a, D)]
        outer = Mul(*[a for a in m.args if not _has(a, D)])
        if len(inner) == 1:
            return _two_linear_factors(inner[0], D) and tuple(
                f * outer if i == 0 else f for i, f in
                enumerate(_two_linear_factors(inner[0], D)))
        if len(inner) == 2:
            return outer * inner[0], inner[1]
    return None


@guard_depth
def hessian(expr, wrt):
    """The Hessian of a scalar ``expr``: ``d²f = vec(dX)^T H vec(dX)``, H symmetric.

    n x n for a vector x, (pq) x (pq) for X (p x q), in vec order on both
    sides: ``H[i + p*j, k + p*l] = ∂²f / ∂X_ij ∂X_kl``.

    >>> from sympy import MatrixSymbol, Trace
    >>> from sympy_matdiff import hessian
    >>> x, A = MatrixSymbol('x', 3, 1), MatrixSymbol('A', 3, 3)
    >>> hessian(x.T*A*x, x)
    A + A.T
    >>> X = MatrixSymbol('X', 3, 2)
    >>> hessian(Trace(X.T*A*X), X)
    KroneckerProduct(I, A + A.T)
    """
    X = _check_variable(wrt)
    expr = prepare(expr)
    if not is_scalar_like(expr):
        raise IdentificationError(
            f"hessian: {expr} is not scalar-valued; take the Hessian of each "
            "entry or the derivative of the gradient instead.")
    dX = Differential(X) if X.is_Matrix else ScalarDifferential(X)
    D2 = d(domains.repair(d_prepared(expr, X)), X)
    if not X.is_Matrix:
        return _tidy(D2.xreplace({dX: S.One}))
    p, q = X.shape
    Ms = []
    for c, m in _terms(D2) if D2 != 0 and not getattr(D2, "is_ZeroMatrix", 0) \
            else []:
        # for 1x1 factors A ⊗ B = A B, which the trace moves handle
        m = m.replace(lambda e: isinstance(e, KroneckerProduct) and all(
            a.shape == (1, 1) for a in e.args), lambda e: MatMul(*e.args))
        found = trace_form(m)
        if found is None or found[0] != dX:
            pair = _two_linear_factors(m, dX)
            if pair is None:
                raise IdentificationError(
                    f"hessian: cannot write the term {m} of d²({expr}) as "
                    f"tr(G(d{X}) d{X}).")
            # s1 s2 = vec(dX)^T J1^T J2 vec(dX), each J a 1 x pq row
            J1, J2 = (vec_jacobian(f, dX) for f in pair)
            Ms.append(_scale(c, _matmul(transpose(J1), J2)))
            continue
        GT = transpose(found[1])           # q(dX) = vec(G^T)^T vec(dX)
        Ms.append(_scale(c, transpose(vec_jacobian(GT, dX))))
    M = collect(Ms) if Ms else None
    if M is None:       # no terms, or terms that cancel
        return ZeroMatrix(p * q, p * q)
    M = commute_kroneckers(M)
    MT = commute_kroneckers(transpose(M))
    if MT == M:
        return _tidy(M)
    half = S.Half
    return _tidy(collect([matmul(half, M),
                          matmul(half, MT)])
                 or ZeroMatrix(p * q, p * q))


__all__ = ["derivative", "hessian", "numerator_derivative", "vec_jacobian",
           "collect", "kron", "is_scalar_like"]
