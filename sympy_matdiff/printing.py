"""Our printers: SymPy's, with the grouping of negated products fixed in
LaTeX and Hadamard products written with ∘ in derivations' text.

SymPy prints ``-A*(B ⊗ C)`` as ``- A B \\otimes C``, which reads as
``-(A B) ⊗ C``: for a product with a minus sign it parenthesizes the
factors at the precedence of a sum.  Derivations, the command line's
``--latex`` and Jupyter displays of derivations print with :func:`latex`.
Derivations' text prints with :func:`sstr`: ``A∘(B + C)``, ``A^∘(-1)``,
as a textbook writes them, where SymPy's ``str`` spells
``HadamardProduct(A, B + C)``.

>>> from sympy import KroneckerProduct, MatrixSymbol
>>> from sympy_matdiff.printing import latex
>>> A, B, C = MatrixSymbol('A', 4, 4), MatrixSymbol('B', 2, 2), MatrixSymbol('C', 2, 2)
>>> latex(-A*KroneckerProduct(B, C))
'- A \\\\left(B \\\\otimes C\\\\right)'
"""
from sympy import HadamardProduct, MatAdd, MatMul
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter


class MatdiffLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer; negated matrix products keep their grouping,
    and the scalar 1ᵀM prints as ``(\\mathbf{1}^{T} M)``."""

    def _print_Trace(self, expr):
        M = _ones_sum(expr)
        if M is None:
            return super()._print_Trace(expr)
        # bracketed: (1ᵀx) y, not 1ᵀ(x y)
        return r"\left(\mathbf{1}^{T} %s\right)" % self.parenthesize(
            M, PRECEDENCE["Mul"])

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

    def _print_MatAdd(self, expr):
        # 1 - h^{∘2}, not - h^{∘2} + 1 (as MatdiffStrPrinter)
        terms = sorted(self._as_ordered_terms(expr),
                       key=lambda t: bool(t.could_extract_minus_sign()))
        tex = ""
        for i, term in enumerate(terms):
            if i and term.could_extract_minus_sign():
                tex, term = tex + " - ", -term
            elif i:
                tex += " + "
            t = self._print(term)
            tex += r"\left(%s\right)" % t if self._needs_add_brackets(term) else t
        return tex


def _ones_sum(expr):
    """M if ``expr`` is tr(1ᵀ M) for a column M (SymPy's 1x1 1ᵀ M as a
    scalar), else None."""
    from sympy import OneMatrix, Trace
    if isinstance(expr, Trace) and isinstance(expr.arg, MatMul):
        args = expr.arg.args
        if len(args) >= 2 and isinstance(args[0], OneMatrix) and args[0].rows == 1:
            rest = args[1:]
            return rest[0] if len(rest) == 1 else MatMul(*rest)
    return None


class MatdiffStrPrinter(StrPrinter):
    """SymPy's ``str``, with ``∘`` for Hadamard products and powers,
    ``diag(v)`` for ``DiagMatrix(v)`` and ``sum(M)`` for the scalar 1ᵀM that
    SymPy prints ``Trace(1*M)``."""

    def _print_Trace(self, expr):
        M = _ones_sum(expr)
        if M is not None:
            return f"sum({self._print(M)})"
        return self._print_Basic(expr)      # SymPy's own: Trace(...)

    def _print_HadamardProduct(self, expr):
        # strictly above a product: x*y∘z would hide which product is taken
        # (∘ is associative: a nested one needs no brackets)
        return "∘".join(self._print(a) if isinstance(a, HadamardProduct) else
                        self.parenthesize(a, PRECEDENCE["Mul"], strict=False)
                        for a in expr.args)

    def _print_DiagMatrix(self, expr):
        return f"diag({self._print(expr.args[0])})"

    def _print_MatAdd(self, expr):
        # a textbook writes 1 - tanh(z)^∘2, not -tanh(z)^∘2 + 1: the terms
        # without a sign first, each group in SymPy's order
        prec, signed = precedence(expr), []
        for term in self._as_ordered_terms(expr):
            t = self._print(term)
            sign = "-" if t.startswith("-") and not term.is_Add else "+"
            t = t[1:] if sign == "-" else t
            if precedence(term) < prec or term.is_Add:
                t = f"({t})"
            signed.append((sign, t))
        signed.sort(key=lambda st: st[0] == "-")        # stable
        (sign, first), rest = signed[0], signed[1:]
        return ("-" if sign == "-" else "") + first + "".join(
            f" {s} {t}" for s, t in rest)

    def _print_HadamardPower(self, expr):
        base = self.parenthesize(expr.base, PRECEDENCE["Pow"], strict=False)
        exp = self._print(expr.exp)
        return f"{base}^∘{exp}" if expr.exp.is_Integer and expr.exp > 0 \
            else f"{base}^∘({exp})"


def sstr(expr, **settings):
    """``expr`` as text, as :func:`sympy.sstr` with ``∘``."""
    return MatdiffStrPrinter(settings).doprint(expr)


def latex(expr, **settings):
    """``expr`` in LaTeX, as :func:`sympy.latex` with our fixes."""
    return MatdiffLatexPrinter(settings).doprint(expr)


__all__ = ["latex", "sstr", "MatdiffLatexPrinter", "MatdiffStrPrinter"]
