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
import functools
import sys

from sympy.matrices.exceptions import NonSquareMatrixError, ShapeError


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


class NotRealError(MatrixCalculusError, ValueError):
    """A complex symbol or constant: the rules hold for real matrices only."""


class ShapeMismatchError(MatrixCalculusError, ShapeError):
    """A product, sum or Hadamard product of matrices of incompatible shapes."""


class DimensionError(MatrixCalculusError, ValueError):
    """A matrix symbol whose dimension is negative or not an integer."""


class CodegenError(MatrixCalculusError, NotImplementedError):
    """A construct that code generation does not support."""


class TooDeepError(MatrixCalculusError, RecursionError):
    """An expression nested more deeply than Python's recursion limit allows."""


class ExpressionError(MatrixCalculusError, ValueError):
    """An expression the command line cannot read: syntax, names or shapes.

    ``position`` is the index of the offending character (or None) in
    ``text``; :meth:`display` draws a caret under it.

    >>> from sympy_matdiff.errors import ExpressionError
    >>> from sympy_matdiff.parser import parse
    >>> try:
    ...     parse("A*x + y'")
    ... except ExpressionError as e:
    ...     print(e.display())
    shapes do not match at '+': A*x is n x 1 but y' is 1 x p
      A*x + y'
          ^
    """

    def __init__(self, message, position=None, text=None):
        super().__init__(message)
        self.message, self.position, self.text = message, position, text

    def display(self, width=70):
        """The message, then the text with a caret under ``position``."""
        if self.position is None or self.text is None:
            return self.message
        start = max(0, min(self.position - width // 2, len(self.text) - width))
        shown = self.text[start:start + width]
        # non-printable or non-ASCII characters would misplace the caret
        shown = "".join(c if " " <= c <= "~" else "?" for c in shown)
        lead = "..." if start > 0 else ""
        tail = "..." if start + width < len(self.text) else ""
        caret = " " * (len(lead) + self.position - start) + "^"
        return f"{self.message}\n  {lead}{shown}{tail}\n  {caret}"


def guard_depth(function):
    """Report Python's RecursionError on a deeply nested input as TooDeepError.

    The public entry points are wrapped in it, so that an expression nested
    thousands of levels deep gets an error the caller can act on (and catch
    with the rest of the family) rather than a bare RecursionError from
    inside SymPy.

    >>> @guard_depth
    ... def down(n):
    ...     return 0 if n == 0 else down(n - 1)
    >>> try:
    ...     down(10**6)
    ... except TooDeepError as e:
    ...     print(str(e).split(';')[0])
    down: the expression is nested too deeply for Python's recursion limit (1000)
    """
    @functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except RecursionError as e:
            if isinstance(e, MatrixCalculusError):
                raise
            raise TooDeepError(
                f"{function.__name__}: the expression is nested too deeply for "
                f"Python's recursion limit ({sys.getrecursionlimit()}); name "
                "inner parts with MatrixSymbols and combine the results by the "
                "chain rule (substitute, then doit()), or raise the limit with "
                "sys.setrecursionlimit in a thread with a larger "
                "threading.stack_size.") from None
    return guarded
