"""The exceptions of sympy_matdiff.

Every failure the package reports is a :class:`MatrixCalculusError`, so that
callers can catch the whole family at once, and each subclass also derives
from the built-in exception that fits it (``TypeError``, ``ValueError``,
``NotImplementedError``) so that generic handlers keep working.

>>> from sympy import MatrixSymbol
>>> from sympy_matdiff import d, MatrixCalculusError
>>> X = MatrixSymbol('X', 3, 3)
>>> try:
...     d(X, X.T)
... except MatrixCalculusError as e:
...     print(type(e).__name__)
NotASymbolError
"""
from sympy.matrices.exceptions import NonSquareMatrixError


class MatrixCalculusError(Exception):
    """Base class of every error raised by sympy_matdiff."""


class NoRuleError(MatrixCalculusError, NotImplementedError):
    """An expression class for which no differential rule is declared."""


class NotASymbolError(MatrixCalculusError, TypeError):
    """A variable of differentiation that is not a symbol."""


class NotSquareError(MatrixCalculusError, NonSquareMatrixError):
    """det, inverse or adjugate of a matrix not known to be square."""


class ScalarDerivativeError(MatrixCalculusError, NotImplementedError):
    """A scalar function that SymPy cannot differentiate."""


class IdentificationError(MatrixCalculusError, ValueError):
    """A differential that cannot be read as a derivative."""
