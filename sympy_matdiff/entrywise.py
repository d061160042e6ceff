"""The entrywise algebra: matrices of one shape under ``+``, ``∘`` and
element-wise functions compute entry by entry.

Sums, scalar multiples, Hadamard products and powers, element-wise functions
and the matrix of ones ``1`` act on each entry alone, so an expression built
from them is one *scalar* expression of its other parts (its *leaves*),
applied to every entry: ``y ∘ (1 - σ(Xw)) - (1 - y) ∘ σ(Xw)`` is
``y (1 - σ(z)) - (1 - y) σ(z)`` with leaves y and z = Xw, which SymPy's
scalar algebra simplifies to ``y - σ(z)``.  This module translates between
the two (:meth:`Algebra.to_scalar`, :meth:`Algebra.to_matrix`); the transforms of
:mod:`sympy_matdiff.textbook` choose which scalar form to write back.

The facts used, each an identity of entrywise operations:
``f(Z) ∘ g(Z) = (f g)(Z)``, ``1 ∘ A = A``, ``f(Zᵀ) = f(Z)ᵀ``,
``(A ∘ B)ᵀ = Aᵀ ∘ Bᵀ`` and ``(f + g)(Z) = f(Z) + g(Z)``.

>>> from sympy import MatrixSymbol, OneMatrix, HadamardProduct as H
>>> from sympy_matdiff.functions import sigmoid
>>> from sympy_matdiff.entrywise import Algebra
>>> X, w, y = (MatrixSymbol('X', 5, 3), MatrixSymbol('w', 3, 1),
...            MatrixSymbol('y', 5, 1))
>>> one, s = OneMatrix(5, 1), sigmoid(X*w)
>>> alg = Algebra()
>>> scalar = alg.to_scalar(H(y, one - s) - H(one - y, s))
>>> scalar.expand()
_y - sigmoid(_Z1)
>>> alg.to_matrix(scalar.expand(), (5, 1), cost=lambda e: len(str(e)))
-sigmoid(X*w) + y
"""
from sympy import (Add, Dummy, Function, HadamardPower, HadamardProduct,
                   Lambda, MatAdd, MatMul, Mul, OneMatrix, Pow, S, Transpose,
                   ZeroMatrix, default_sort_key)
from sympy.core.function import FunctionClass
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .constructors import transpose
from .expressions import _ARG, Elementwise


LEAF_INDEX = 7_000_000_000


class NoMatrixForm(Exception):
    """A scalar expression with no entrywise matrix form (two leaves in one
    function of several arguments, say)."""


def _is_matrix(e):
    return bool(getattr(e, "is_Matrix", False))


def is_entrywise(e):
    """Is ``e`` an entrywise operation (not a leaf) of the algebra?"""
    if isinstance(e, (HadamardProduct, OneMatrix, ZeroMatrix, MatAdd)):
        return True
    if isinstance(e, HadamardPower):
        return not _is_matrix(e.exp)
    if isinstance(e, ElementwiseApplyFunction):
        f = e.function
        return not isinstance(f, Lambda) or len(f.variables) == 1
    if isinstance(e, MatMul):    # a scalar multiple of one matrix
        return sum(1 for a in e.args if _is_matrix(a)) == 1
    if isinstance(e, Transpose):
        return is_entrywise(e.arg)
    return False


def has_entrywise_content(e):
    """Does the entrywise part of ``e`` (below its leaves) hold a Hadamard
    product or power, an element-wise function or a ones matrix?"""
    if isinstance(e, (HadamardProduct, HadamardPower, ElementwiseApplyFunction,
                      OneMatrix)):
        return is_entrywise(e)
    return is_entrywise(e) and any(
        has_entrywise_content(a) for a in e.args if _is_matrix(a))


class Algebra:
    """One translation: leaves become real dummies named after them."""

    def __init__(self, leaf=lambda M: M):
        self.leaf_rewrite = leaf     # applied to each leaf before naming it
        self.leaves = {}             # dummy -> matrix
        self.dummies = {}            # matrix -> dummy
        self._cache = {}

    # --- matrix to scalar ---------------------------------------------------

    def to_scalar(self, e, flip=False):
        """The scalar expression of the entrywise ``e`` (of ``e.T`` if flip)."""
        if isinstance(e, OneMatrix):
            return S.One
        if isinstance(e, ZeroMatrix):
            return S.Zero
        if isinstance(e, Transpose) and is_entrywise(e.arg):
            return self.to_scalar(e.arg, not flip)   # (A∘B)^T = A^T∘B^T
        if isinstance(e, MatAdd):
            return Add(*[self.to_scalar(a, flip) for a in e.args])
        if isinstance(e, HadamardProduct):
            return Mul(*[self.to_scalar(a, flip) for a in e.args])
        if isinstance(e, HadamardPower) and not _is_matrix(e.exp):
            return self.to_scalar(e.base, flip) ** e.exp
        if isinstance(e, MatMul) and is_entrywise(e):
            return Mul(*[self.to_scalar(a, flip) if _is_matrix(a) else a
                         for a in e.args])
        if isinstance(e, ElementwiseApplyFunction) and is_entrywise(e):
            f = e.function
            inner = self.to_scalar(e.expr, flip)    # f(Z)^T = f(Z^T)
            if isinstance(f, Lambda):
                return f.expr.xreplace({f.variables[0]: inner})
            return f(inner)
        return self.leaf(transpose(e) if flip else e)

    def leaf(self, M):
        M = self.leaf_rewrite(M)
        if M not in self.dummies:
            name = getattr(M, "name", None) or "Z%d" % len(self.dummies)
            # a fixed index: SymPy orders terms by it, and the forms chosen
            # must not depend on how many dummies the session has made
            s = Dummy(name, real=True, dummy_index=LEAF_INDEX + len(self.dummies))
            self.dummies[M], self.leaves[s] = s, M
        return self.dummies[M]

    # --- scalar to matrix ---------------------------------------------------

    def to_matrix(self, s, shape, cost):
        """The cheapest entrywise matrix expression of the scalar ``s``.

        Every product becomes a Hadamard product of its factors, every
        function of a leaf an element-wise function, and each part is written
        as it stands or as the transpose of its flipped form (``f(Zᵀ) =
        f(Z)ᵀ``), whichever ``cost`` (a function of an expression) prefers.
        """
        self._cost, self._cache = cost, {}
        return self._best(s, tuple(shape), False)

    def _best(self, s, shape, flip):
        key = (s, flip)
        if key not in self._cache:
            options = [self._build(s, shape, flip)]
            if s.free_symbols & set(self.leaves) and s not in self.leaves:
                options.append(_transposed(self._build(s, shape[::-1], not flip)))
            self._cache[key] = min(options, key=self._cost)
        return self._cache[key]

    def _build(self, s, shape, flip):
        leaves = s.free_symbols & set(self.leaves)
        if not leaves:                        # a constant in every entry
            if s == 0:
                return ZeroMatrix(*shape)
            return OneMatrix(*shape) if s == 1 else MatMul(s, OneMatrix(*shape))
        if s in self.leaves:
            M = self.leaves[s]
            return transpose(M) if flip else M
        if isinstance(s, Add):
            terms = [self._best(t, shape, flip) for t in s.args]
            return MatAdd(*sorted(terms, key=default_sort_key))
        if isinstance(s, Mul):
            coeff = Mul(*[a for a in s.args if not a.free_symbols & leaves])
            # factors in the order their leaves were met: y∘cos(x) stays so
            order = list(self.leaves)
            parts = sorted(((min(order.index(v) for v in a.free_symbols & leaves),
                             default_sort_key(a), a) for a in s.args
                            if a.free_symbols & leaves), key=lambda p: p[:2])
            factors = [self._best(a, shape, flip) for _, _, a in parts]
            M = factors[0] if len(factors) == 1 else HadamardProduct(*factors)
            return M if coeff == 1 else MatMul(coeff, M)
        if isinstance(s, Pow) and not s.exp.free_symbols & leaves:
            return HadamardPower(self._best(s.base, shape, flip), s.exp)
        if isinstance(s, Function) and isinstance(s.func, FunctionClass) and \
                len(s.args) == 1:
            return Elementwise(s.func, self._best(s.args[0], shape, flip))
        if len(leaves) == 1:       # a function of one leaf, as a Lambda
            v, = leaves
            M = self.leaves[v]
            return Elementwise(Lambda(_ARG, s.xreplace({v: _ARG})),
                               transpose(M) if flip else M)
        raise NoMatrixForm(s)


def _transposed(M):
    # c M^T rather than (c M)^T; but no transpose pushed into M, whose
    # transposed form the caller has just rejected
    if isinstance(M, MatMul) and not _is_matrix(M.args[0]):
        return MatMul(*M.args[:-1], Transpose(M.args[-1])) if len(
            [a for a in M.args if _is_matrix(a)]) == 1 else Transpose(M)
    return Transpose(M)


def applied(f, Z, cost):
    """The one-variable function ``f`` applied to each entry of ``Z``, in its
    cheapest entrywise form: ``(u -> σ(u)(1 - σ(u)))(Z)`` is
    ``σ(Z) ∘ (1 - σ(Z))``, ``(u -> 1 - tanh(u)²)(Z)`` is ``1 - tanh(Z)∘²``.

    >>> from sympy import Lambda, MatrixSymbol, Symbol
    >>> from sympy_matdiff.cost import cost
    >>> from sympy_matdiff.entrywise import applied
    >>> from sympy_matdiff.functions import sigmoid
    >>> u, Z = Symbol('u'), MatrixSymbol('Z', 3, 1)
    >>> applied(Lambda(u, sigmoid(u)*(1 - sigmoid(u))), Z, cost)
    HadamardProduct(-sigmoid(Z) + 1, sigmoid(Z))
    """
    plain = Elementwise(f, Z)
    alg = Algebra()
    try:
        s = f.expr.xreplace({f.variables[0]: alg.leaf(Z)})
        return min([plain, alg.to_matrix(s, Z.shape, cost)], key=cost)
    except NoMatrixForm:
        return plain


__all__ = ["Algebra", "applied", "is_entrywise", "has_entrywise_content",
           "NoMatrixForm"]
