"""Layout conventions: numerator, denominator and mixed.

The plugin computes every derivative in numerator layout (the seed's
convention: ``dy = tr(G dX)`` gives ``dy/dX = G``) and converts on request:

| expr | wrt | numerator | denominator | mixed |
|---|---|---|---|---|
| scalar | scalar | scalar | scalar | scalar |
| scalar | x (n x 1) | 1 x n | n x 1 | n x 1 |
| scalar | X (p x q) | q x p | p x q | p x q |
| y (m x 1) | x (n x 1) | m x n | n x m | m x n |
| F (m x n) | scalar | m x n | n x m | m x n |
| F (m x n) | X (p x q) | mn x pq | pq x mn | mn x pq |

Mixed layout is the gradient convention of SymPy and the Matrix Cookbook:
the derivative of a scalar has the shape of the variable.

:func:`to_layout` also converts from and to ``"sympy"``, the layout of what
``sympy.diff`` answers (see docs/sympy.md): a scalar by X has X's shape, F by
X is an array of shape (p, q, m, n), unit axes dropped when at most two are
left.

>>> from sympy import MatrixSymbol
>>> from sympy_matdiff.layouts import from_numerator
>>> x = MatrixSymbol('x', 3, 1)
>>> from_numerator(2*x.T, x.T*x, x, "denominator")
2*x
"""
from sympy import (Derivative, Expr, Identity, ImmutableDenseNDimArray,
                   ImmutableMatrix, KroneckerProduct, MatAdd, MatMul, MatrixBase, Mul,
                   S, ZeroMatrix,
                   Transpose, sympify)
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.tensor.array.expressions import (
    ArrayAdd, ArrayDiagonal, ArrayTensorProduct, PermuteDims, ZeroArray)

try:        # the base of SymPy's array expressions (private: may move)
    from sympy.tensor.array.expressions.array_expressions import _ArrayExpr
except ImportError:                                     # pragma: no cover
    _ArrayExpr = Expr

from .constructors import transpose
from .errors import MatrixCalculusError
from .vec import CommutationMatrix, Unvec, Vec

LAYOUTS = ("numerator", "denominator", "mixed")


class LayoutError(MatrixCalculusError, ValueError):
    """An unknown layout name."""


def check_layout(layout):
    if layout not in LAYOUTS:
        raise LayoutError(
            f"unknown layout {layout!r}: use one of {', '.join(LAYOUTS)}.")


def _scalar_like(e):
    return not getattr(e, "is_Matrix", False) or e.shape == (1, 1)


def from_numerator(G, expr, wrt, layout):
    """The numerator-layout derivative ``G`` of ``expr`` in ``layout``."""
    check_layout(layout)
    if layout == "numerator" or not getattr(G, "is_Matrix", False):
        return G
    if layout == "denominator":
        return transpose(G)
    # mixed: only the derivatives of scalars by vectors/matrices turn round
    if _scalar_like(expr) and getattr(wrt, "is_Matrix", False):
        return transpose(G)
    return G


def to_numerator(G, expr, wrt, layout):
    """The inverse of :func:`from_numerator` (each conversion is a transpose)."""
    return from_numerator(G, expr, wrt, layout)


# --- SymPy's layout ----------------------------------------------------------
#
# ``sympy.diff(F, X)`` answers, for F (m x n) and X (p x q), an array T of
# shape (p, q, m, n) with ``T[i, j, k, l] = dF_kl/dX_ij``; when at most two
# axes are longer than 1, SymPy drops the unit axes and answers a matrix (one
# axis left: a column).  A scalar (not a matrix) by X has X's shape.

SOURCES = LAYOUTS + ("sympy",)


class JacobianArray(_ArrayExpr):
    """``dF/dX`` in SymPy's layout, held as its numerator-layout matrix.

    ``JacobianArray(J, p, q, m, n)`` is the (p, q, m, n) array T with
    ``T[i, j, k, l] = J[k + m*l, i + p*j]``, J being ``d vec F / d vec(X)^T``
    for F (m x n) and X (p x q).  The plugged ``sympy.diff`` answers it where
    SymPy's own array expressions cannot write the result;
    ``to_layout(T, F, X, target="numerator")`` gives J back.

    Differentiated again (``diff(F, X, Y)``), T by Y (r x s) is
    ``JacobianArray(J2, r, s, p, q, m, n)`` with J2 = d vec J / d vec(Y)^T:
    each further pair of axes is one more level of numerator-layout Jacobian,
    ``T2[a, b, i, j, k, l] = J2[(k + m*l) + m*n*(i + p*j), a + r*b]``.

    Entries, a fast ``as_explicit()``, ``doit()``, str, pretty and LaTeX
    printing and NumPy code (``lambdify``) are those of J, reshaped.

    >>> from sympy import KroneckerProduct, MatrixSymbol
    >>> from sympy_matdiff.layouts import JacobianArray
    >>> A, B = MatrixSymbol('A', 2, 3), MatrixSymbol('B', 4, 2)
    >>> T = JacobianArray(KroneckerProduct(B.T, A), 3, 4, 2, 2)
    >>> T.shape, T[1, 2, 0, 1] == A[0, 1]*B[2, 1]
    ((3, 4, 2, 2), True)
    """

    def __new__(cls, J, *shape):
        if len(shape) < 4 or len(shape) % 2:
            raise LayoutError(
                f"a JacobianArray has pairs of axes, at least two: {shape}")
        return Expr.__new__(cls, sympify(J), *map(sympify, shape))

    @property
    def numerator(self):
        return self.args[0]

    @property
    def shape(self):
        return tuple(self.args[1:])

    def _row_col(self, item):
        """The entry of J that holds ``T[item]``."""
        shape = self.shape
        # row: the inner pairs as a vec, innermost pair fastest
        row, stride = 0, 1
        for a in range(len(shape) - 2, 1, -2):
            row += stride * (item[a] + shape[a] * item[a + 1])
            stride *= shape[a] * shape[a + 1]
        return row, item[0] + shape[0] * item[1]

    def _get(self, item):
        return self.numerator[self._row_col(item)]

    def _entry(self, *item, **kwargs):
        return self._get(item)

    def fortran_reshape(self):
        """(dims, perm): ``transpose(reshape(J, dims, order='F'), perm)``
        is T, pairs in reverse order first."""
        shape = self.shape
        r = len(shape) // 2
        pairs = [shape[2 * k: 2 * k + 2] for k in range(r)]
        dims = tuple(int(s) for k in reversed(range(r)) for s in pairs[k])
        perm = tuple(2 * (r - 1 - k) + e for k in range(r) for e in (0, 1))
        return dims, perm

    def as_explicit(self):
        J = explicit(self.numerator)
        dims, perm = self.fortran_reshape()
        flat = J.T.reshape(1, J.rows * J.cols).tolist()[0]   # column-major
        # B[c0, c1, ...] = flat[c0 + d0*(c1 + d1*(...))] (Fortran order);
        # T[t] = B[t permuted back]
        import itertools
        strides, acc = [], 1
        for d in dims:
            strides.append(acc)
            acc *= d
        shape = tuple(int(s) for s in self.shape)
        inv = [0] * len(perm)
        for b_axis, t_axis in enumerate(perm):
            inv[b_axis] = t_axis      # B's axis b is T's axis perm[b]
        entries = []
        for t in itertools.product(*(range(s) for s in shape)):
            entries.append(flat[sum(strides[b] * t[inv[b]]
                                    for b in range(len(dims)))])
        return ImmutableDenseNDimArray(entries, shape)

    def doit(self, **hints):
        J = self.numerator.doit(**hints) if hints.get("deep", True) \
            else self.numerator
        return self.func(J, *self.shape)

    def _sympystr(self, printer):
        return (f"JacobianArray({printer._print(self.numerator)}, "
                f"{', '.join(printer._print(s) for s in self.shape)})")

    def _latex(self, printer):
        dims = r" \times ".join(printer._print(s) for s in self.shape)
        return (r"\operatorname{JacobianArray}_{" + dims + r"}\left("
                + printer._print(self.numerator) + r"\right)")

    def _pretty(self, printer):
        from sympy.printing.pretty.stringpict import prettyForm
        inner = printer._print(self.numerator)
        head = prettyForm(f"JacobianArray[{'x'.join(str(s) for s in self.shape)}]")
        return prettyForm(*head.right(prettyForm(*inner.parens())))


def _times(a, b):
    # Mul's flatten asks assumptions of each factor (is it zero? finite?),
    # which costs tens of ms for each entry like 1 - tanh(w.x)**2; the
    # product of two non-numbers is built as it stands
    if a.is_Number or b.is_Number:
        return a * b
    return Mul(a, b, evaluate=False)


def _sparse_product(A, B):
    """A B for explicit matrices, over their nonzero entries only."""
    rows_b = {}
    for (k, j), b in B.todok().items():
        rows_b.setdefault(k, []).append((j, b))
    terms = {}
    for (i, k), a in A.todok().items():
        for j, b in rows_b.get(k, ()):
            terms.setdefault((i, j), []).append(_times(a, b))
    from sympy import Add
    return ImmutableMatrix(A.rows, B.cols, lambda i, j: Add(*terms[(i, j)])
                           if (i, j) in terms else 0)


def explicit(M):
    """The explicit matrix of the matrix expression ``M``, factor by factor.

    SymPy's ``as_explicit()`` of a product builds each entry as a symbolic
    sum; multiplying the factors' explicit matrices is many times faster
    (a 4 x 16 Jacobian of tanh(W x): 0.1 s instead of 2 s or more).
    """
    from sympy import MatPow, Transpose as _T
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    if isinstance(M, MatrixBase):
        return ImmutableMatrix(M)
    if isinstance(M, MatMul):
        scalars = [a for a in M.args if not getattr(a, "is_Matrix", False)]
        mats = [explicit(a) for a in M.args if getattr(a, "is_Matrix", False)]
        out = mats[0]
        for f in mats[1:]:
            out = _sparse_product(out, f)
        c = Mul(*scalars)
        return ImmutableMatrix(out if c == 1 else out.applyfunc(lambda e: c * e))
    if isinstance(M, MatAdd):
        out = explicit(M.args[0])
        for a in M.args[1:]:
            out = out + explicit(a)
        return ImmutableMatrix(out)
    if isinstance(M, _T):
        return explicit(M.arg).T
    if isinstance(M, KroneckerProduct):
        from sympy.matrices.expressions.kronecker import matrix_kronecker_product
        return ImmutableMatrix(matrix_kronecker_product(
            *[explicit(a) for a in M.args]))
    if isinstance(M, DiagMatrix):
        v = explicit(M.args[0])
        n = v.rows * v.cols
        return ImmutableMatrix(n, n, lambda i, j: v[i] if i == j else 0)
    if isinstance(M, ElementwiseApplyFunction):
        return explicit(M.expr).applyfunc(M.function)
    if isinstance(M, MatPow) and M.exp.is_Integer and M.exp > 0:
        base = explicit(M.base)
        return ImmutableMatrix(base ** int(M.exp))
    return ImmutableMatrix(M.as_explicit())


def _transpose(M):
    # SymPy's transpose of a Kronecker product with a scaled factor fails
    # (KroneckerProduct.doit meets a Mul); the unevaluated one does not
    try:
        return transpose(M)
    except (AttributeError, TypeError):
        return Transpose(M)


def _is_one(s):
    return sympify(s) == 1


def _kept_axes(expr, wrt):
    """The axes of (p, q, m, n) longer than 1, as indices 0..3."""
    return [a for a, s in enumerate(tuple(wrt.shape) + tuple(expr.shape))
            if not _is_one(s)]


def _sympy_from_numerator(G, expr, wrt):
    if not getattr(wrt, "is_Matrix", False):
        return G                          # by a scalar: F's shape in both
    if not getattr(expr, "is_Matrix", False):
        return _transpose(G)               # a scalar by X: X's shape
    p, q = wrt.shape
    m, n = expr.shape
    kept = _kept_axes(expr, wrt)
    if len(kept) > 2:
        if getattr(G, "is_ZeroMatrix", False):
            return ZeroArray(p, q, m, n)
        T = _array_form(G, p, q, m, n)
        return T if T is not None else JacobianArray(G, p, q, m, n)
    if expr.shape == (1, 1):              # G is q x p
        return G if kept == [1] else _transpose(G)
    if all(a >= 2 for a in kept):         # X is 1x1: G = vec F
        return _unvec(G, m, n) if len(kept) == 2 else G
    return _transpose(G)                   # one axis of X, one of F


def _numerator_from_sympy(R, expr, wrt):
    if isinstance(R, Derivative):
        raise LayoutError(
            f"{R} is an unevaluated derivative; there is nothing to convert.")
    if len(getattr(R, "shape", (1, 1))) not in (2, 4):
        raise LayoutError(
            f"{R} has shape {R.shape}: no derivative of {expr} by {wrt} "
            "has that shape in SymPy's layout.")
    if len(getattr(R, "shape", ())) == 2 and not getattr(R, "is_Matrix", False):
        R = _as_matrix(R)            # a 2-D array expression
    if not getattr(wrt, "is_Matrix", False):
        return R
    if not getattr(expr, "is_Matrix", False):
        return _transpose(R)
    p, q = wrt.shape
    m, n = expr.shape
    kept = _kept_axes(expr, wrt)
    if len(kept) > 2 or len(getattr(R, "shape", ())) == 4:
        J = _unreshape(R, p, q, m, n)
        if expr.shape == (1, 1):     # J = vec(G^T)^T
            return _transpose(_unvec(_transpose(J), p, q))
        return J
    if expr.shape == (1, 1):
        return R if kept == [1] else _transpose(R)
    if all(a >= 2 for a in kept):
        return Vec(R) if len(kept) == 2 else R
    return _transpose(R)


def _as_matrix(R):
    from sympy.tensor.array.expressions.from_array_to_matrix import \
        convert_array_to_matrix
    M = convert_array_to_matrix(R)
    if getattr(M, "is_Matrix", False):
        return M
    if not all(sympify(s).is_Integer for s in R.shape):
        raise LayoutError(f"cannot write the array expression {R} as a matrix.")
    R = R.as_explicit() if hasattr(R, "as_explicit") else R    # or explicit
    return ImmutableMatrix(R.tolist())


as_matrix = _as_matrix


def array_numerator(T):
    """The numerator-layout matrix of an array ``T`` of SymPy's layout with
    pairs of axes: a :class:`JacobianArray`'s own, or for SymPy's 4-D
    (p, q, m, n) array, J with ``J[k + m*l, i + p*j] = T[i, j, k, l]``."""
    if isinstance(T, JacobianArray):
        return T.numerator
    if len(T.shape) != 4:
        raise LayoutError(
            f"{T} has shape {T.shape}: no numerator-layout matrix of it.")
    return _unreshape(T, *T.shape)


def squeeze(T):
    """The (p, q, m, n) array ``T`` with at most two axes longer than 1 as
    the matrix SymPy's layout writes it (unit axes dropped)."""
    from sympy import MatrixSymbol
    p, q, m, n = T.shape
    F, X = MatrixSymbol("F", m, n), MatrixSymbol("X", p, q)
    return _sympy_from_numerator(_numerator_from_sympy(T, F, X), F, X)


def _unvec(v, p, q):
    """``unvec(v, p, q)``, written without Unvec where the column ``v`` is a
    sum of scaled ``vec(M)``, ``K vec(M)`` and ``a ⊗ b = vec(b a^T)`` (the
    engine differentiates those; SymPy's arrays of a 1x1 expression by a
    matrix convert to such sums)."""
    if isinstance(v, MatAdd):
        return MatAdd(*[_unvec(a, p, q) for a in v.args]).doit(deep=False)
    if isinstance(v, MatMul):
        c = Mul(*[a for a in v.args if not getattr(a, "is_Matrix", False)])
        mats = [a for a in v.args if getattr(a, "is_Matrix", False)]
        if c != 1:
            return MatMul(c, _unvec(MatMul(*mats) if len(mats) > 1 else mats[0],
                                    p, q)).doit(deep=False)
        if len(mats) == 2 and isinstance(mats[0], CommutationMatrix) and \
                _shaped(mats[0], p * q, p * q) and \
                sympify(mats[0].args[0] - q) == 0 and sympify(mats[0].args[1] - p) == 0:
            return _transpose(_unvec(mats[1], q, p))   # K(q, p) vec(B) = vec(B^T)
    if isinstance(v, KroneckerProduct) and len(v.args) == 2:
        a, b = v.args
        if _shaped(a, q, 1) and _shaped(b, p, 1):
            return MatMul(b, _transpose(a))             # a ⊗ b = vec(b a^T)
    if isinstance(v, Vec) and _shaped(v.arg, p, q):
        return v.arg
    return Unvec(v, p, q)


def _unreshape(T, p, q, m, n):
    """J with ``J[k + m*l, i + p*j] = T[i, j, k, l]``."""
    if isinstance(T, JacobianArray):
        return T.numerator
    if isinstance(T, (ZeroArray, ZeroMatrix)) or T == 0:
        return ZeroMatrix(m * n, p * q)
    J = _kronecker_form(T, p, q)
    if J is not None:
        return J
    if not all(sympify(s).is_Integer for s in (p, q, m, n)):
        raise LayoutError(
            f"cannot convert the array expression {T} with symbolic sizes "
            f"({p}, {q}, {m}, {n}) to a matrix layout; substitute numbers "
            "for the sizes first.")
    A = T.as_explicit() if hasattr(T, "as_explicit") else T   # or explicit
    p, q, m, n = int(p), int(q), int(m), int(n)
    return ImmutableMatrix(m * n, p * q, lambda r, c: A[c % p, c // p,
                                                        r % m, r // m])


def _array_form(J, p, q, m, n):
    """SymPy's array expression for J, a sum of scaled Kronecker products
    (times K) and outer products of vecs, or None: the inverse of
    :func:`_kronecker_form`."""
    parts, c0 = [], S.One
    if isinstance(J, MatMul):       # c (A + B): each term of the sum, times c
        mats = [f for f in J.args if f.is_Matrix]
        if len(mats) == 1 and isinstance(mats[0], MatAdd):
            c0, J = Mul(*[f for f in J.args if not f.is_Matrix]), mats[0]
    for term in (J.args if isinstance(J, MatAdd) else (J,)):
        fs = list(term.args) if isinstance(term, MatMul) else [term]
        c = c0 * Mul(*[f for f in fs if not getattr(f, "is_Matrix", False)])
        fs = [f for f in fs if getattr(f, "is_Matrix", False)]
        part = _array_term(fs, p, q, m, n)
        if part is None:
            return None
        M1, M2, perm = part
        parts.append(PermuteDims(ArrayTensorProduct(
            M1 if c == 1 else MatMul(c, M1), M2), perm))
    return parts[0] if len(parts) == 1 else ArrayAdd(*parts)


def _unvec_of(v, rows, cols):
    if isinstance(v, Vec) and v.arg.shape == (rows, cols):
        return v.arg
    if _is_one(cols):
        return v
    if _is_one(rows):
        return _transpose(v)
    return Unvec(v, rows, cols)


def _array_term(fs, p, q, m, n):
    """(M1, M2, perm) with ``c*J`` = PermuteDims(M1 ⊗ M2, perm), or None."""
    K = CommutationMatrix(p, q)
    if len(fs) == 1 and isinstance(fs[0], Identity):
        fs = [KroneckerProduct(Identity(q), Identity(p))]
    if len(fs) == 1 and fs[0] == K:
        fs = [KroneckerProduct(Identity(p), Identity(q)), K]
    if fs and isinstance(fs[0], KroneckerProduct) and len(fs[0].args) == 2:
        C, D = fs[0].args
        # only factors whose sizes are those of the axes they carry read as
        # an array: x ⊗ I_2 (6 x 2) is a J for (p, q, m, n) = (1, 2, 2, 3),
        # but not C ⊗ D with C n x q and D m x p
        if len(fs) == 1 and _shaped(D, m, p) and _shaped(C, n, q):
            return D, C, [1, 3, 0, 2]       # D[k, i] C[l, j]
        if len(fs) == 2 and fs[1] == K and _shaped(D, m, q) and _shaped(C, n, p):
            return D, C, [3, 1, 0, 2]       # D[k, j] C[l, i]
        return None
    if len(fs) >= 2 and _is_one(fs[-1].rows):   # vec(M) vec(N)^T
        u = fs[0] if len(fs) == 2 else MatMul(*fs[:-1])
        if _is_one(u.cols):
            return (_unvec_of(_transpose(fs[-1]), p, q), _unvec_of(u, m, n),
                    [0, 1, 2, 3])
    return None


def _shaped(M, rows, cols):
    return sympify(M.rows - rows) == 0 and sympify(M.cols - cols) == 0


def _kronecker_form(T, p, q):
    """J for SymPy's usual answers, sums of permuted products of two
    matrices, or None.

    With M[a, b] the factors read along the axes they carry,
    ``M1[k, i] M2[l, j]`` is ``M2 ⊗ M1``, ``M1[i, j] M2[k, l]`` is
    ``vec(M2) vec(M1)^T`` and ``M1[k, j] M2[l, i]`` is ``(M2 ⊗ M1) K``.
    """
    if isinstance(T, ArrayAdd):
        terms = [_kronecker_form(a, p, q) for a in T.args]
        return None if None in terms else MatAdd(*terms)
    if isinstance(T, ArrayDiagonal) and T.diagonal_indices == ((0, 3), (1, 5)) \
            and isinstance(T.expr, ArrayTensorProduct) and len(T.expr.args) == 3 \
            and all(isinstance(a, Identity) for a in T.expr.args[1:]):
        # SymPy's element-wise derivative, M[k, l] δ_ik δ_jl
        return DiagMatrix(Vec(T.expr.args[0]))
    perm = [0, 1, 2, 3]
    if isinstance(T, PermuteDims):
        perm, T = T.permutation.array_form, T.expr
    if not isinstance(T, ArrayTensorProduct) or len(T.args) != 2 or \
            not all(getattr(a, "is_Matrix", False) for a in T.args):
        return None
    # output axis o (i, j, k, l) is input axis perm[o]: factor, position
    where = [divmod(perm[o], 2) for o in range(4)]

    def read(row, col):     # the factor that carries axes row, col, so read
        f, pos = where[row]
        M = T.args[f]
        return M if pos == 0 else _transpose(M)
    carried = {o for o in range(4) if where[o][0] == where[0][0]}
    if carried == {0, 2}:
        return KroneckerProduct(read(3, 1), read(2, 0))
    if carried == {0, 1}:
        return MatMul(Vec(read(2, 3)), _transpose(Vec(read(0, 1))))
    if carried == {0, 3}:
        return MatMul(KroneckerProduct(read(3, 0), read(2, 1)),
                      CommutationMatrix(p, q))
    return None


def to_layout(result, expr, wrt, source="sympy", target="numerator"):
    """``result``, the derivative of ``expr`` by ``wrt`` in ``source`` layout,
    rewritten in ``target`` layout.

    Layouts: ``"sympy"`` (what ``sympy.diff`` answers: a scalar by X has X's
    shape; F (m x n) by X (p x q) is an array of shape (p, q, m, n) with
    ``[i, j, k, l] = dF_kl/dX_ij``, unit axes dropped when at most two are
    left), ``"numerator"``, ``"denominator"`` and ``"mixed"``.

    >>> from sympy import MatrixSymbol, Trace, diff
    >>> from sympy_matdiff.layouts import to_layout
    >>> A, X = MatrixSymbol('A', 2, 3), MatrixSymbol('X', 3, 2)
    >>> diff(Trace(A*X), X)
    A.T
    >>> to_layout(diff(Trace(A*X), X), Trace(A*X), X)
    A
    >>> x = MatrixSymbol('x', 3, 1)
    >>> to_layout(diff(A*x, x), A*x, x), to_layout(A, A*x, x, "numerator", "sympy")
    (A, A.T)
    """
    for name in (source, target):
        if name not in SOURCES:
            raise LayoutError(
                f"unknown layout {name!r}: use one of {', '.join(SOURCES)}.")
    expr = sympify(expr)
    if source == "sympy":
        G = _numerator_from_sympy(result, expr, wrt)
    else:
        G = to_numerator(result, expr, wrt, source)
    if target == "sympy":
        return _sympy_from_numerator(G, expr, wrt)
    return from_numerator(G, expr, wrt, target)
