"""Structured variables: symmetric, positive-definite and diagonal matrices.

Declare one with :func:`structured` (the one way):
``S = structured('S', 3, 3, structure="symmetric")``.  It is a
``MatrixSymbol`` whose transpose is itself, so every result simplifies with
S^T = S (and S^-T = S^-1).  "positive_definite" is symmetric and
invertible (``valid_where`` adds no invertibility condition for it, and
``log det S`` is defined everywhere); "diagonal" has D^T = D as well.

Differentiating with respect to a structured variable, two conventions
exist, and they differ (users and papers mix them up):

* :func:`entries_derivative` -- the derivative with respect to the
  *independent entries*: entry (i, j) is df/dS_ij where S_ij = S_ji is one
  parameter.  For symmetric S (Matrix Cookbook, sec. 2.8.2):
  ``G + G^T - G o I``; for diagonal D: ``G o I``.
* :func:`symmetric_gradient` -- the gradient on the space of symmetric
  matrices with the Frobenius inner product, ``(G + G^T)/2``:
  df = tr(sym_grad^T dS) for every symmetric dS.  For diagonal D it is
  ``G o I`` too.

Here G is the unstructured derivative (numerator layout, df = tr(G dS)) of
the expression as written with S^T = S; G itself depends on how the
expression is written off the symmetric matrices (tr(A S) and tr(A S^T)
are equal for symmetric S, with G = A and A^T), both conventions do not.
:func:`~sympy_matdiff.derivative` returns G; the Hessians
:func:`entries_hessian` and :func:`symmetric_hessian` follow the same two
conventions (M H M with M = I + K - diag(vec I), and P H P with
P = (I + K)/2, H the unstructured Hessian in vec order).

>>> from sympy import MatrixSymbol, det, log
>>> from sympy_matdiff import derivative
>>> S = structured('S', 3, 3, structure="symmetric")
>>> S.T, (S**-1).T
(S, S**(-1))
>>> x, mu = MatrixSymbol('x', 3, 1), MatrixSymbol('mu', 3, 1)
>>> derivative((x - mu).T*S**-1*(x - mu), mu)
-2*(-mu + x).T*S**(-1)
>>> entries_derivative(log(det(S)), S)
-(HadamardProduct(I, S**(-1))) + 2*S**(-1)
>>> symmetric_gradient(log(det(S)), S)
S**(-1)
"""
from sympy import HadamardProduct, Identity, MatMul, MatrixSymbol, S

from .constructors import transpose
from .errors import MatrixCalculusError

STRUCTURES = ("symmetric", "positive_definite", "diagonal")


class StructureError(MatrixCalculusError, ValueError):
    """A structure that does not exist, or a variable without one."""


class StructuredMatrixSymbol(MatrixSymbol):
    """A square ``MatrixSymbol`` with a structure (base class)."""

    structure = None

    def __new__(cls, name, n, m=None):
        m = n if m is None else m
        obj = MatrixSymbol.__new__(cls, name, n, m)
        if obj.is_square is False:
            raise StructureError(
                f"a {cls.structure} matrix is square; {name} has shape "
                f"({n}, {m}).")
        return obj

    def _eval_transpose(self):
        return self

    def structured_value(self, M):
        """The nearest value with this structure to the explicit matrix M."""
        return (M + M.T) / 2


class SymmetricMatrixSymbol(StructuredMatrixSymbol):
    """A symmetric matrix variable: S^T = S."""

    structure = "symmetric"


class PositiveDefiniteMatrixSymbol(SymmetricMatrixSymbol):
    """A symmetric positive-definite matrix variable (invertible)."""

    structure = "positive_definite"

    def structured_value(self, M):
        # M M^T + n I: positive definite and well conditioned
        return M * M.T + M.rows * Identity(M.rows).as_explicit()


class DiagonalMatrixSymbol(StructuredMatrixSymbol):
    """A diagonal matrix variable: off-diagonal entries are 0."""

    structure = "diagonal"

    def structured_value(self, M):
        return M.multiply_elementwise(Identity(M.rows).as_explicit())


_CLASSES = {"symmetric": SymmetricMatrixSymbol,
            "positive_definite": PositiveDefiniteMatrixSymbol,
            "diagonal": DiagonalMatrixSymbol}


def structured(name, rows, cols=None, structure="symmetric"):
    """A square matrix variable with a structure: the one way to declare one.

    ``structure`` is "symmetric", "positive_definite" or "diagonal".

    >>> S = structured('S', 2, 2, structure="symmetric")
    >>> S.structure, S.T == S
    ('symmetric', True)
    >>> structured('S', 2, 2, structure="skew")   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sympy_matdiff.structure.StructureError: unknown structure 'skew'; ...
    """
    if structure not in _CLASSES:
        raise StructureError(
            f"unknown structure {structure!r}; use one of "
            f"{', '.join(STRUCTURES)}.")
    return _CLASSES[structure](name, rows, cols)


def structure_of(X):
    """The structure of a variable, or None."""
    return getattr(X, "structure", None) if isinstance(
        X, StructuredMatrixSymbol) else None


def _require(X):
    if structure_of(X) is None:
        raise StructureError(
            f"{X} has no structure; declare it with structured(name, n, n, "
            "structure='symmetric') (or use derivative() for a general matrix).")


def _is_symmetric(G):
    return transpose(G) == G


def _diagonal_part(G):
    n = G.shape[0]
    if isinstance(G, Identity):
        return G
    return HadamardProduct(Identity(n), G)


def _sum(*terms):
    from .identification import collect
    out = collect([t for t in terms])
    return out if out is not None else S.Zero * terms[0]


def _scalar(expr, what):
    from .differentials import prepare
    from .identification import is_scalar_like
    if not is_scalar_like(prepare(expr)):
        raise StructureError(f"{what} takes a scalar function; {expr} has "
                             f"shape {expr.shape}.")


def entries_derivative(expr, X):
    """df/dX with respect to the independent entries of a structured X.

    Symmetric (and positive-definite) X: entry (i, j) is df/dX_ij with
    X_ij = X_ji one parameter: G + G^T - G o I (Matrix Cookbook 2.8.2).
    Diagonal X: G o I (the diagonal entries are the parameters).
    A symmetric matrix, the same in every layout.

    >>> from sympy import MatrixSymbol, Trace
    >>> S, A = structured('S', 3, 3), MatrixSymbol('A', 3, 3)
    >>> entries_derivative(Trace(A*S), S)
    -(HadamardProduct(I, A)) + A + A.T
    """
    from .identification import derivative
    _require(X)
    _scalar(expr, "entries_derivative")
    G = derivative(expr, X)
    if structure_of(X) == "diagonal":
        return _diagonal_part(G)
    if _is_symmetric(G):
        return _sum(MatMul(2, G), MatMul(-1, _diagonal_part(G)))
    return _sum(G, transpose(G), MatMul(-1, _diagonal_part(G)))


def symmetric_gradient(expr, X):
    """The gradient of f on the symmetric (or diagonal) matrices: (G + G^T)/2.

    The X-shaped matrix with df = tr(grad^T dX) for every dX of X's
    structure; for diagonal X, G o I.

    >>> from sympy import MatrixSymbol, Trace
    >>> S, A = structured('S', 3, 3), MatrixSymbol('A', 3, 3)
    >>> symmetric_gradient(Trace(A*S), S)
    (1/2)*A + (1/2)*A.T
    """
    from .identification import derivative
    _require(X)
    _scalar(expr, "symmetric_gradient")
    G = derivative(expr, X)
    if structure_of(X) == "diagonal":
        return _diagonal_part(G)
    if _is_symmetric(G):
        return G
    return _sum(MatMul(S.Half, G), MatMul(S.Half, transpose(G)))


def _vec_maps(X):
    from .vec import CommutationMatrix, diag_of_vec
    n = X.shape[0]
    I = Identity(n * n)
    K = CommutationMatrix(n, n)
    D = diag_of_vec(Identity(n))        # diag(vec I): keeps the diagonal
    return I, K, D


def entries_hessian(expr, X):
    """The Hessian with respect to the independent entries, in vec order.

    H_e[(i,j), (k,l)] = d^2 f / dX_ij dX_kl with X_ij = X_ji one parameter:
    M H M with M = I + K - diag(vec I) (symmetric X), M = diag(vec I)
    (diagonal X); n^2 x n^2 like :func:`~sympy_matdiff.hessian`, each
    parameter appearing at both of its places.
    """
    from .identification import hessian
    _require(X)
    H = hessian(expr, X)
    I, K, D = _vec_maps(X)
    M = D if structure_of(X) == "diagonal" else I + K - D
    return MatMul(M, H, M)


def symmetric_hessian(expr, X):
    """The Hessian on the symmetric (or diagonal) matrices, in vec order.

    vec(U)^T H_s vec(V) = d^2 f[U, V] for U, V of X's structure, and H_s
    maps onto them: P H P with P = (I + K)/2 (symmetric X), P = diag(vec I)
    (diagonal X).
    """
    from .identification import hessian
    _require(X)
    H = hessian(expr, X)
    I, K, D = _vec_maps(X)
    P = D if structure_of(X) == "diagonal" else MatMul(S.Half, I + K)
    return MatMul(P, H, P)


def implied_invertible(X):
    """Is X invertible by its declaration (positive definite)?"""
    return structure_of(X) == "positive_definite"


__all__ = ["structured", "StructuredMatrixSymbol", "SymmetricMatrixSymbol",
           "PositiveDefiniteMatrixSymbol", "DiagonalMatrixSymbol",
           "entries_derivative", "symmetric_gradient", "entries_hessian",
           "symmetric_hessian", "structure_of", "StructureError", "STRUCTURES"]
