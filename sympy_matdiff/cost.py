"""The cost of reading an expression, which the textbook transforms lower.

An expression costs, in this order: the element-wise functions written as a
body ``(u -> ...)`` rather than by name, then its :func:`size`, then its
transposes (fewer, and of larger parts), then its printed length.

>>> from sympy import Lambda, MatrixSymbol, Symbol
>>> from sympy_matdiff.cost import cost, lambdas
>>> from sympy_matdiff.expressions import Elementwise
>>> from sympy_matdiff.functions import sigmoid
>>> Z, u = MatrixSymbol('Z', 3, 1), Symbol('u')
>>> lambdas(Elementwise(Lambda(u, u**2 + 1), Z)), lambdas(sigmoid(Z))
(1, 0)
>>> cost(sigmoid(Z)) < cost(Elementwise(Lambda(u, 1/(1 + u)), Z))
True
"""
from functools import lru_cache

from sympy import (Basic, HadamardPower, Identity, Lambda, MatrixSymbol,
                   OneMatrix, Transpose, ZeroMatrix, preorder_traversal)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction


def lambdas(e):
    """Element-wise functions written as a body ``(u -> ...)``, not a name."""
    return sum(1 for n in preorder_traversal(e)
               if isinstance(n, ElementwiseApplyFunction) and _body(n) is not None)


def _body(n):
    f = n.function
    if isinstance(f, Lambda) and len(f.variables) == 1:
        b = f.expr
        if b.args == f.variables and hasattr(b, "func"):
            return None       # g(u) for a named g
    return f


def size(e):
    """Nodes a reader takes in: a symbol or ``1``, ``I``, ``0`` counts once
    (not its dimensions), and a Hadamard power once more than the product it
    abbreviates, so that a factored ``σ∘(1 - σ)`` is preferred to the expanded
    ``σ - σ∘²``."""
    if isinstance(e, (MatrixSymbol, OneMatrix, ZeroMatrix, Identity)) or \
            not isinstance(e, Basic) or not e.args:
        return 1
    own = 2 if isinstance(e, HadamardPower) else 1
    return own + sum(size(a) for a in e.args)


class Printed:
    """The printed form, as (length, text), computed only when compared:
    SymPy's printing of products is slow, and most ties break before it.

    >>> from sympy import MatrixSymbol
    >>> from sympy_matdiff.cost import Printed
    >>> A, B = MatrixSymbol('A', 2, 2), MatrixSymbol('B', 2, 2)
    >>> Printed(A*B) < Printed(A*B + B), Printed(A) == Printed(A)
    (True, True)
    """

    __slots__ = ("expr", "_key")

    def __init__(self, expr):
        self.expr, self._key = expr, None

    def key(self):
        if self._key is None:
            text = str(self.expr)
            self._key = (len(text), text)
        return self._key

    # equal expressions print alike: no printing to compare a form with itself
    def __lt__(self, other):
        return self.expr != other.expr and self.key() < other.key()

    def __eq__(self, other):
        return self.expr == other.expr or self.key() == other.key()


@lru_cache(maxsize=4096)
def cost(e):
    """Bodies written out first, then :func:`size`, then transposes (fewer,
    and of larger parts: ``(W x + b)ᵀ`` before ``xᵀWᵀ + bᵀ``), then the
    printed length: what a reader has to take in."""
    transposes = e.atoms(Transpose)
    under = sum(size(t) for t in transposes)
    return (lambdas(e), size(e), len(transposes), -under, Printed(e))


def cheaper(a, b):
    """Is ``a`` cheaper to read than ``b``, not merely first in the order of
    the printed text?  A rewrite that only reorders factors is not kept, so
    that ``y∘cos(x)`` stays as the user wrote it."""
    ca, cb = cost(a), cost(b)
    if ca[:4] != cb[:4]:
        return ca[:4] < cb[:4]
    return ca[4].key()[0] < cb[4].key()[0]


__all__ = ["cost", "cheaper", "size", "lambdas"]
