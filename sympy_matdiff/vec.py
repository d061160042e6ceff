"""Vectorization: ``vec``, the commutation matrix, and a diagonal from a vector.

Matrix-valued derivatives are read off ``d vec F = J vec dX`` with

* ``vec(A dX B) = (B^T ⊗ A) vec dX``,
* ``vec(dX^T) = K vec dX``, K the commutation matrix,
* ``vec(A ∘ dX) = diag(vec A) vec dX``,

so these nodes are what the results of matrix-by-matrix derivatives are
written with.  ``vec`` stacks columns.

>>> from sympy import MatrixSymbol, Matrix
>>> from sympy_matdiff.vec import Vec, CommutationMatrix
>>> A = MatrixSymbol('A', 2, 3)
>>> Vec(A).shape, CommutationMatrix(2, 3).shape
((6, 1), (6, 6))
>>> M = Matrix([[1, 2, 3], [4, 5, 6]])
>>> (CommutationMatrix(2, 3).as_explicit() * Vec(M).doit()).T
Matrix([[1, 2, 3, 4, 5, 6]])
"""
from sympy import (Basic, Identity, ImmutableMatrix, KroneckerDelta, MatrixBase,
                   OneMatrix, S, floor, sympify)
from sympy.matrices.expressions import MatrixExpr, Transpose
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.printing.pretty.stringpict import prettyForm

from .expressions import NamedOperator


class Vec(NamedOperator):
    """``vec(M)``: the columns of M stacked into one column.

    A column vector is its own vec; a row vector's vec is its transpose.

    >>> from sympy import MatrixSymbol
    >>> from sympy_matdiff.vec import Vec
    >>> Vec(MatrixSymbol('X', 3, 2)), Vec(MatrixSymbol('x', 3, 1))
    (vec(X), x)
    """

    def __new__(cls, arg):
        arg = sympify(arg)
        if arg.shape[1] == 1:
            return arg
        if arg.shape[0] == 1:
            return Transpose(arg)
        return Basic.__new__(cls, arg)

    name, latex_name = "vec", r"\operatorname{vec}"

    @property
    def shape(self):
        m, n = self.arg.shape
        return (m * n, S.One)

    @staticmethod
    def _explicit(M):
        return M.T.reshape(M.rows * M.cols, 1)

    def _entry(self, i, j, **kwargs):
        m = self.arg.shape[0]
        return self.arg[i % m, floor(i / m)]

    def _numpycode(self, printer):
        reshape = printer._module_format(printer._module + ".reshape")
        return f"{reshape}({printer._print(self.arg)}, (-1, 1), order='F')"


class CommutationMatrix(MatrixExpr):
    """``K(m, n)``: the (mn x mn) permutation with ``K vec(A) = vec(A^T)``, A m x n.

    ``K(1, n)`` and ``K(m, 1)`` are identities.

    >>> from sympy_matdiff.vec import CommutationMatrix
    >>> CommutationMatrix(2, 3), CommutationMatrix(1, 4)
    (K(2, 3), I)
    >>> CommutationMatrix(2, 3).T
    K(3, 2)
    """

    def __new__(cls, m, n):
        m, n = sympify(m), sympify(n)
        if m == 1 or n == 1:
            return Identity(m * n)
        return Basic.__new__(cls, m, n)

    @property
    def shape(self):
        m, n = self.args
        return (m * n, m * n)

    def _entry(self, r, c, **kwargs):
        m, n = self.args
        # column c = i + m*j (entry A[i, j]) goes to row j + n*i
        return KroneckerDelta(r, floor(c / m) + n * (c % m))

    def _eval_transpose(self):
        m, n = self.args
        return CommutationMatrix(n, m)

    def _eval_inverse(self):
        return self._eval_transpose()

    def doit(self, **hints):
        # like SymPy's Identity, K stays symbolic; as_explicit() expands it
        return self

    def _sympystr(self, printer):
        m, n = self.args
        return f"K({printer._print(m)}, {printer._print(n)})"

    def _latex(self, printer):
        m, n = self.args
        return r"K_{%s,%s}" % (printer._print(m), printer._print(n))

    def _pretty(self, printer):
        return prettyForm(self._sympystr(printer))

    def _numpycode(self, printer):
        m, n = (int(a) for a in self.args)
        eye = printer._module_format(printer._module + ".eye")
        rows = [r // n + m * (r % n) for r in range(m * n)]
        return f"{eye}({m * n})[{rows}]"


class Unvec(MatrixExpr):
    """``unvec(v, p, q)``: the p x q matrix whose vec is the column v.

    >>> from sympy import Matrix
    >>> from sympy_matdiff.vec import Unvec
    >>> Unvec(Matrix([1, 2, 3, 4, 5, 6]), 2, 3).as_explicit()
    Matrix([
    [1, 3, 5],
    [2, 4, 6]])
    """

    def __new__(cls, v, p, q):
        v, p, q = sympify(v), sympify(p), sympify(q)
        if isinstance(v, Vec) and v.arg.shape == (p, q):
            return v.arg
        if isinstance(v, MatrixBase) and p.is_Integer and q.is_Integer:
            return ImmutableMatrix(p, q, lambda i, j: v[i + p * j, 0])
        return Basic.__new__(cls, v, p, q)

    @property
    def shape(self):
        return (self.args[1], self.args[2])

    def _entry(self, i, j, **kwargs):
        return self.args[0][i + self.args[1] * j, 0]

    def _sympystr(self, printer):
        v, p, q = (printer._print(a) for a in self.args)
        return f"unvec({v}, {p}, {q})"

    def _latex(self, printer):
        v, p, q = (printer._print(a) for a in self.args)
        return r"\operatorname{unvec}_{%s,%s}\left(%s\right)" % (p, q, v)

    def _numpycode(self, printer):
        reshape = printer._module_format(printer._module + ".reshape")
        v, p, q = (printer._print(a) for a in self.args)
        return f"{reshape}({v}, ({p}, {q}), order='F')"


def diag_of_vec(A):
    """``diag(vec A)``, the matrix with ``vec(A ∘ N) = diag(vec A) vec N``
    (the identity for a matrix of ones)."""
    if isinstance(A, OneMatrix):
        return Identity(A.rows * A.cols)
    return DiagMatrix(Vec(A))


__all__ = ["Vec", "CommutationMatrix", "Unvec", "diag_of_vec"]
