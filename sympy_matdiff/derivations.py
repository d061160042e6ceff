"""Step-by-step derivations, written the way the seed writes its examples.

A derivation applies the rule declarations of :mod:`sympy_matdiff.rules`
one step at a time (the same records that drive :func:`~sympy_matdiff.d`,
with the parts' differentials left unevaluated until their own step), then
the canonical form (:func:`~sympy_matdiff.canonical.canonical_steps`) and the
moves of the identification (:func:`~sympy_matdiff.canonical.trace_form`),
each a line justified by a rule or a named fact (:mod:`sympy_matdiff.facts`),
and ends with the seed's identity that defines the derivative.

>>> from sympy import MatrixSymbol
>>> from sympy_matdiff import derivation
>>> x = MatrixSymbol('x', 3, 1)
>>> print(derivation(x.T*x, x))
d(x.T*x) = d(x.T)*x + x.T*dx    [eq. (10)]
         = dx.T*x + x.T*dx    [eq. (15)]
         = x.T*dx + x.T*dx    [x^T y = y^T x]
         = 2*x.T*dx    [collecting like terms]
from eq. (2): d(x.T*x)/dx = 2*x.T
"""
from dataclasses import dataclass, field

from sympy import (Inverse, MatAdd, MatMul, MatrixSymbol, S, Symbol, Trace, ZeroMatrix,
                   latex)

from . import facts
from .canonical import _terms, assemble, canonical_steps, trace_form
from .differentials import (DIFFERENTIALS, Context, Differential,
                            _check_variable, prepare, zero_like)
from .expressions import ScalarFunction
from .facts import IDENTITIES_1
from .identification import derivative, is_scalar_like, numerator_derivative
from .layouts import check_layout
from .rules import rule_for
from .vec import Vec


@dataclass(frozen=True)
class Step:
    """One line: the expression after the step and what justifies it.

    ``why`` holds :class:`~sympy_matdiff.rules.Rule` records and
    :class:`~sympy_matdiff.facts.Fact` s; ``lhs`` is set where the left side
    changes (``d vec F`` for a matrix-valued F).
    """

    expr: object
    why: tuple
    lhs: object = None

    @property
    def citation(self):
        return ", ".join(w.citation for w in self.why)


class StepContext(Context):
    """A context that leaves the parts' differentials for their own steps."""

    def d(self, expr):
        return Differential(expr) if self.varies(expr) else zero_like(expr)


def _pending(e, variables):
    """Unevaluated differentials of compound parts, outermost first."""
    if isinstance(e, DIFFERENTIALS):
        return [] if e.arg in variables else [e]
    return [p for a in e.args for p in _pending(a, variables)]


def differential_steps(expr, variables):
    """The rules applied one at a time, as ``[Step]``.

    Each step applies the rule of the first pending differential, to every
    pending differential that the same rule handles.
    """
    ctx = StepContext(variables)
    current, steps = Differential(expr), []
    while True:
        pending = _pending(current, ctx.variables)
        if not pending:
            return steps
        rule = rule_for(pending[0].arg, ctx)
        current = current.xreplace({p: rule.apply(p.arg, ctx) for p in pending
                                    if rule_for(p.arg, ctx) is rule})
        steps.append(Step(current, (rule,)))


def identification_steps(expr, X, D):
    """Steps that bring the canonical ``D`` to the form of identities 1.

    Returns the steps and the identity (eq. 1-6) the derivative is read from.
    """
    if not X.is_Matrix:
        return [], IDENTITIES_1["1" if is_scalar_like(expr) else "6"]
    dX = Differential(X)
    if not is_scalar_like(expr):
        J = numerator_derivative(expr, X, D)
        return [Step(J * Vec(dX), (facts.VEC,), lhs=Vec(Differential(expr)))], \
            IDENTITIES_1["5"]
    vector = X.shape[1] == 1
    terms = list(_terms(D))
    steps = []
    moves = [_moves(m) for _, m in terms]
    if not vector or any(moves):
        # x = tr(x), then each term's trace moves, one term at a time
        wrapped = [(c, Trace(m) if m.is_Matrix else m) for c, m in terms]
        if wrapped != terms:
            steps.append(Step(assemble(wrapped, S.Zero), (facts.SCALAR_IS_TRACE,)))
        done = []
        for i, (c, m) in enumerate(wrapped):
            for fact, e in _moves(m):
                steps.append(Step(assemble(done + [(c, e)] + wrapped[i + 1:],
                                           S.Zero), (fact,)))
            dX_, G = trace_form(m)
            done.append((c, Trace(G * dX_)))
    if len(terms) > 1:
        G = numerator_derivative(expr, X, D)
        steps.append(Step(G * dX if vector else Trace(G * dX), (facts.COLLECT,)))
    return steps, IDENTITIES_1["2" if vector else "3"]


def _moves(m):
    record = []
    trace_form(m, record)
    return record


def _names_for_arguments(expr):
    """``let y = ...`` for the compound arguments of generic functions."""
    lets = {}
    for f in sorted(expr.atoms(ScalarFunction), key=str):
        arg = f.arg
        if isinstance(arg, (MatrixSymbol, Symbol)) or arg in lets:
            continue
        base = "y" if arg.shape[1] == 1 else "Y"
        lets[arg] = MatrixSymbol(base if not lets else f"{base}{len(lets) + 1}",
                                 *arg.shape)
    return lets


@dataclass
class Derivation:
    """The derivation of ``d(expr)`` and of ``d(expr)/d(wrt)``, step by step."""

    expr: object
    wrt: object
    layout: str
    steps: list = field(default_factory=list)
    result: object = None
    final: object = None        # the identity (eq. 1-6) the result is read from
    lets: dict = field(default_factory=dict)

    def _show(self, e, printer=str):
        return printer(e.xreplace(self.lets) if self.lets else e)

    def _lhs(self, step, printer=str):
        lhs = step.lhs if step.lhs is not None else Differential(self.expr)
        return self._show(lhs, printer)

    def _let_text(self, printer=str):
        return ", ".join(f"{printer(v)} = {printer(k)}" for k, v in self.lets.items())

    def _name(self, printer=str):
        num, var = self._show(self.expr, printer), printer(self.wrt)
        if printer is latex:
            return r"\frac{\mathrm{d}(%s)}{\mathrm{d}%s}" % (num, var)
        return f"d({num})/d{var}"

    def __str__(self):
        lines, width = [], None
        for n, s in enumerate(self.steps):
            head = f"{self._lhs(s)} = "
            if n == 0 or s.lhs is not None:
                width = len(head)
                lead = head if n == 0 else "=> " + head
            else:
                lead = " " * (width - 2) + "= "
            why = s.citation + (f"; let {self._let_text()}" if n == 0 and self.lets
                                else "")
            lines.append(f"{lead}{self._show(s.expr)}    [{why}]")
        lines.append(f"from {self.final.citation}: {self._name()} = "
                     f"{self._show(self.result)}")
        return "\n".join(lines)

    def latex(self):
        """An ``align*`` block in the seed's two-column style, then the result."""
        rows = []
        for n, s in enumerate(self.steps):
            lhs = self._lhs(s, latex) if n == 0 or s.lhs is not None else ""
            why = ", ".join(_latex_why(w) for w in s.why)
            if n == 0 and self.lets:
                why += r"\text{, and let }" + self._let_text(latex)
            rows.append(f"{lhs} & = {self._show(s.expr, latex)} & & {why}")
        return ("\\begin{align*}\n" + "\\\\\n".join(rows) + "\n\\end{align*}\n"
                + r"finally %s, we get $%s = %s$." % (
                    _latex_why(self.final), self._name(latex),
                    self._show(self.result, latex)))

    def markdown(self):
        """A table: left side, each line, its justification; then the result."""
        out = ["| | | |", "|---|---|---|"]
        for n, s in enumerate(self.steps):
            lhs = f"${self._lhs(s, latex)}$" if n == 0 or s.lhs is not None else ""
            why = s.citation + (f"; let ${self._let_text(latex)}$"
                                if n == 0 and self.lets else "")
            out.append(f"| {lhs} | $= {self._show(s.expr, latex)}$ | {why} |")
        out += ["", f"From {self.final.citation}: "
                f"${self._name(latex)} = {self._show(self.result, latex)}$"]
        return "\n".join(out) + "\n"

    def _repr_latex_(self):
        rows = self.latex().split("\\end{align*}")[0].replace("\\begin{align*}", "")
        return ("$\\displaystyle \\begin{aligned}" + rows + "\\end{aligned}$")


def _latex_why(w):
    if getattr(w, "eq", ""):
        return r"\text{from eq. (%s)}" % w.eq
    if isinstance(w, facts.Fact):
        return r"\text{from } %s" % w.latex
    return r"\text{%s}" % w.citation


def derivation(expr, wrt, layout="numerator"):
    """The step-by-step derivation of ``d(expr)`` and of ``d(expr)/d(wrt)``.

    Returns a :class:`Derivation`: ``.steps`` (each a :class:`Step`, the
    expression after it and its justification), ``.result`` (what
    :func:`~sympy_matdiff.derivative` returns), ``.final`` (the identity the
    result is read from), and the renderers ``str()``, ``.latex()``,
    ``.markdown()`` and ``_repr_latex_`` for Jupyter.

    >>> from sympy import MatrixSymbol, Trace
    >>> from sympy_matdiff import derivation
    >>> A, X, B = (MatrixSymbol('A', 2, 3), MatrixSymbol('X', 3, 4),
    ...            MatrixSymbol('B', 4, 2))
    >>> print(derivation(Trace(A*X*B), X))
    d(Trace(A*X*B)) = Trace(d(A*X*B))    [eq. (17)]
                    = Trace(A*dX*B)    [eq. (12)]
                    = Trace(B*A*dX)    [tr(ABC) = tr(CAB)]
    from eq. (3): d(Trace(A*X*B))/dX = B*A
    """
    check_layout(layout)
    X = _check_variable(wrt)
    expr = prepare(expr)
    steps = differential_steps(expr, {X})
    raw = steps[-1].expr if steps else Context({X}).d(expr)   # dX, or 0
    steps += [Step(e, fs) for fs, e in canonical_steps(raw, expr)]
    D = steps[-1].expr if steps else raw
    more, final = identification_steps(expr, X, D)
    return Derivation(expr, X, layout, steps + more,
                      derivative(expr, X, layout), final,
                      _names_for_arguments(expr))


@dataclass
class Proof:
    """A chain of equations ``lhs = rhs``, each with its justification."""

    title: str
    lines: list         # (lhs, rhs, why): why a tuple of Rules and Facts

    def __str__(self):
        out = [self.title]
        for lhs, rhs, why in self.lines:
            out.append(f"  {lhs} = {rhs}    [{', '.join(w.citation for w in why)}]")
        return "\n".join(out)

    def latex(self):
        rows = [r"%s & = %s & & %s" % (latex(lhs), latex(rhs),
                                       ", ".join(_latex_why(w) for w in why))
                for lhs, rhs, why in self.lines]
        return "\\begin{align*}\n" + "\\\\\n".join(rows) + "\n\\end{align*}\n"

    def markdown(self):
        rows = [f"| ${latex(lhs)}$ | $= {latex(rhs)}$ | "
                f"{', '.join(w.citation for w in why)} |"
                for lhs, rhs, why in self.lines]
        return "\n".join([f"**{self.title}**", "", "| | | |", "|---|---|---|"]
                         + rows) + "\n"

    def _repr_latex_(self):
        return self.latex()


def inverse_rule_proof(X):
    """The seed's E.g. 6: ``d(X^-1) = -X^-1 dX X^-1`` from ``X^-1 X = I``.

    >>> from sympy import MatrixSymbol
    >>> from sympy_matdiff.derivations import inverse_rule_proof
    >>> print(inverse_rule_proof(MatrixSymbol('X', 3, 3)))
    E.g. 6: d(X^-1) from X^-1 X = I
      d(X**(-1)*X) = d(X**(-1))*X + X**(-1)*dX    [eq. (10)]
      d(X**(-1)*X) = 0    [X^-1 X = I, eq. (7)]
      d(X**(-1))*X = -X**(-1)*dX    [subtracting X^-1 dX]
      d(X**(-1)) = -X**(-1)*dX*X**(-1)    [multiplying by X^-1 on the right]
    """
    from .rules import RULES
    by_name = {r.name: r for r in RULES}
    inv = Inverse(X)
    product = MatMul(inv, X)            # unevaluated: SymPy would make it I
    dinv, dX = Differential(inv), Differential(X)
    zero = ZeroMatrix(*X.shape)
    return Proof("E.g. 6: d(X^-1) from X^-1 X = I", [
        (Differential(product), MatAdd(MatMul(dinv, X), MatMul(inv, dX)),
         (by_name["product"],)),
        (Differential(product), zero,
         (facts.Fact("X^-1 X = I", r"\mathbf{X}^{-1}\mathbf{X}=\mathbf{I}"),
          by_name["constant"])),
        (MatMul(dinv, X), MatMul(S.NegativeOne, inv, dX),
         (facts.Fact("subtracting X^-1 dX", r"\text{subtracting } "
                     r"\mathbf{X}^{-1}d\mathbf{X}"),)),
        (dinv, MatMul(S.NegativeOne, inv, dX, inv),
         (facts.Fact("multiplying by X^-1 on the right",
                     r"\text{multiplying by } \mathbf{X}^{-1}"),)),
    ])


__all__ = ["derivation", "Derivation", "Step", "differential_steps",
           "identification_steps", "StepContext", "Proof", "inverse_rule_proof"]
