"""Our LaTeX printer: SymPy's, with the grouping of negated products fixed.

SymPy prints ``-A*(B ⊗ C)`` as ``- A B \\otimes C``, which reads as
``-(A B) ⊗ C``: for a product with a minus sign it parenthesizes the
factors at the precedence of a sum.  Derivations, the command line's
``--latex`` and Jupyter displays of derivations print with :func:`latex`.

>>> from sympy import KroneckerProduct, MatrixSymbol
>>> from sympy_matdiff.printing import latex
>>> A, B, C = MatrixSymbol('A', 4, 4), MatrixSymbol('B', 2, 2), MatrixSymbol('C', 2, 2)
>>> latex(-A*KroneckerProduct(B, C))
'- A \\\\left(B \\\\otimes C\\\\right)'
"""
from sympy import MatAdd, MatMul
from sympy.printing.latex import LatexPrinter


class MatdiffLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer; negated matrix products keep their grouping."""

    def _print_MatMul(self, expr):
        if expr.could_extract_minus_sign():
            args = list(expr.args)
            rest = args[1:] if args[0] == -1 else [-args[0]] + args[1:]
            positive = MatMul(*rest) if len(rest) > 1 else rest[0]
            s = self._print(positive)
            if isinstance(positive, MatAdd):
                s = r"\left(%s\right)" % s
            return "- " + s
        return super()._print_MatMul(expr)


def latex(expr, **settings):
    """``expr`` in LaTeX, as :func:`sympy.latex` with our fixes."""
    return MatdiffLatexPrinter(settings).doprint(expr)


__all__ = ["latex", "MatdiffLatexPrinter"]
