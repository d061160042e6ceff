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

>>> from sympy import MatrixSymbol
>>> from sympy_matdiff.layouts import from_numerator
>>> x = MatrixSymbol('x', 3, 1)
>>> from_numerator(2*x.T, x.T*x, x, "denominator")
2*x
"""
from sympy import transpose

from .errors import MatrixCalculusError

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
