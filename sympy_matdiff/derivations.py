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

from sympy import (Add, Basic, Dummy, HadamardProduct, Inverse, Lambda, MatAdd, MatMul,
                   MatrixSymbol, Mul, Pow, S, Symbol, Trace, Transpose, ZeroMatrix,
                   count_ops, preorder_traversal, transpose)
from sympy.core.parameters import evaluate
from sympy.core.numbers import Integer
from sympy.core.symbol import Str
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.matrices.expressions import MatrixExpr
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.pretty.stringpict import prettyForm

from . import facts
from .canonical import (_terms, assemble, canonical_steps, fold_transposes,
                        has_differential, trace_form)
from .differentials import (DIFFERENTIALS, Context, Differential,
                            ScalarDifferential, _check_variable, d, prepare,
                            zero_like)
from .errors import MatrixCalculusError, guard_depth
from .examples import SEED_EXAMPLES
from .expressions import ScalarFunction, readable_lambda
from .facts import IDENTITIES_1
from .identification import (derivative, is_scalar_like, numerator_derivative,
                             vec_jacobian)
from .layouts import check_layout
from .printing import latex, sstr
from .rules import rule_for
from .vec import Unvec, Vec


class DerivativeOf(MatrixExpr):
    """``d f/d Y``: the numerator-layout derivative of a scalar ``f`` by ``Y``,
    unevaluated; ``doit()`` computes it.

    A derivation writes ``d f = (df/dy) dy`` (eq. (2)) before it uses a
    known result for ``df/dy``, as the seed's E.g. 2 does.

    >>> from sympy import MatrixSymbol
    >>> from sympy_matdiff.derivations import DerivativeOf
    >>> y = MatrixSymbol('y', 3, 1)
    >>> D = DerivativeOf(y.T*y, y)
    >>> D, D.shape, D.doit()
    (d(y.T*y)/dy, (1, 3), 2*y.T)
    """

    def __new__(cls, f, wrt):
        return Basic.__new__(cls, f, wrt)

    @property
    def shape(self):
        p, q = self.args[1].shape
        return (q, p)

    def doit(self, **hints):
        return derivative(self.args[0], self.args[1])

    def _sympystr(self, printer):
        return f"d({printer._print(self.args[0])})/d{printer._print(self.args[1])}"

    def _latex(self, printer):
        return r"\frac{\mathrm{d}(%s)}{\mathrm{d}%s}" % (
            printer._print(self.args[0]), printer._print(self.args[1]))

    def _pretty(self, printer):
        return prettyForm(self._sympystr(printer))


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
    at: tuple = ()      # (name, value) pairs: y = W*x + b, dy = d(W*x + b)

    @property
    def citation(self):
        return ", ".join(w.citation for w in self.why)

    @property
    def meaning(self):
        """The line with its named parts substituted: what is checked."""
        return self.expr.xreplace(dict(self.at)) if self.at else self.expr


class PendingDifferential(Differential):
    """``d(part)`` waiting for its own step: ``doit()`` leaves it alone.

    SymPy calls ``doit()`` on the terms of a sum it evaluates; a plain
    :class:`~sympy_matdiff.differentials.Differential` would then become
    the *total* differential of the part, not the one with respect to the
    derivation's variable.
    """

    def __new__(cls, arg):
        if not getattr(arg, "is_Matrix", False):
            return PendingScalarDifferential(arg)
        return Basic.__new__(cls, arg)

    def doit(self, **hints):
        return self


class PendingScalarDifferential(ScalarDifferential):
    """The scalar :class:`PendingDifferential`."""

    def doit(self, **hints):
        return self


def pending(expr):
    """``d(expr)``, left for a later step."""
    return PendingDifferential(expr)


class StepContext(Context):
    """A context that leaves the parts' differentials for their own steps."""

    def d(self, expr):
        if not self.varies(expr):
            return zero_like(expr)
        return Differential(expr) if expr in self.variables else pending(expr)


def _pending(e, variables):
    """Unevaluated differentials of compound parts, outermost first."""
    if isinstance(e, DIFFERENTIALS):
        arg = e.arg
        done = arg in variables or (isinstance(arg, MatrixElement) and
                                    arg.parent in variables)
        return [] if done else [e]
    return [p for a in e.args for p in _pending(a, variables)]


def differential_steps(expr, variables, start=None):
    """The rules applied one at a time, as ``[Step]``.

    Each step applies the rule of the first pending differential, to every
    pending differential that the same rule handles.  ``start`` is the line
    to begin from (``d(expr)`` by default).  Where SymPy would cancel a
    factor against the rule's result (``|X|^-1 |X|``), the line before the
    cancellation is shown too, as the seed does.
    """
    ctx = StepContext(variables)
    current, steps = start if start is not None else pending(expr), []
    while True:
        waiting = _pending(current, ctx.variables)
        if not waiting:
            return steps
        rule = rule_for(waiting[0].arg, ctx)
        done = {p: rule.apply(p.arg, ctx) for p in waiting
                if rule_for(p.arg, ctx) is rule}
        with evaluate(False):
            shown = current.xreplace(done)
        current = current.xreplace(done)
        if shown != current and _cancels(shown):
            steps += [Step(shown, (rule,)), Step(current, (facts.CANCEL,))]
        else:
            steps.append(Step(current, (rule,)))


def _cancels(e):
    """Whether a product in ``e`` holds a factor and its reciprocal."""
    def factors(m):
        return [f for a in m.args for f in (factors(a) if isinstance(a, Mul)
                                            else [a])]
    return any(any(Pow(a, -1) in fs for a in fs if not a.is_Matrix)
               for fs in map(factors, e.atoms(Mul)))


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
    for i, (c, m) in enumerate(terms):
        # the seed moves a Hadamard factor before writing the trace (E.g. 5)
        for fact, e in _hadamard_moves(m):
            terms[i] = (c, e)
            steps.append(Step(assemble(terms, S.Zero), (fact,)))

    def read_off(m):
        found = trace_form(m)
        return found if found is not None and found[0] == dX else None

    plain = [read_off(m) is not None for _, m in terms]
    moves = [_moves(m) if ok else [] for (_, m), ok in zip(terms, plain)]
    if not vector or any(moves) or not all(plain):
        # x = tr(x), then each term's trace moves, one term at a time
        wrapped = [(c, Trace(m) if m.is_Matrix else m) for c, m in terms]
        if wrapped != terms:
            steps.append(Step(assemble(wrapped, S.Zero), (facts.SCALAR_IS_TRACE,)))
        done = []
        for i, (c, m) in enumerate(wrapped):
            rest = wrapped[i + 1:]
            if not plain[i]:    # no trace move applies: through vec
                J = vec_jacobian(terms[i][1], dX)
                G = transpose(Unvec(transpose(J), *X.shape))
                steps.append(Step(assemble(done + [(c, Trace(J * Vec(dX)))] + rest,
                                           S.Zero), (facts.VEC,)))
                done.append((c, Trace(G * dX)))
                steps.append(Step(assemble(done + rest, S.Zero), (facts.VEC_TRACE,)))
                continue
            for fact, e in _moves(m):
                steps.append(Step(assemble(done + [(c, e)] + rest, S.Zero), (fact,)))
            dX_, G = read_off(m)
            done.append((c, Trace(G * dX_)))
    if len(terms) > 1:
        record = []     # the derivative as read off, before its textbook form
        G = numerator_derivative(expr, X, D, record)
        G = record[0][1] if record else G
        steps.append(Step(G * dX if vector else Trace(G * dX), (facts.COLLECT,)))
    return steps, IDENTITIES_1["2" if vector else "3"]


def _factors(m):
    return [f for a in m.args for f in (_factors(a) if isinstance(a, MatMul)
                                        else [a])]


def _hadamard_moves(m):
    """``p^T (a∘n) = (p∘a)^T n`` for the column Hadamard factor of a 1x1 ``m``.

    Returns ``[(fact, m')]``: the move, then ``(A∘B)^T = A^T∘B^T``; nothing
    when ``m`` is not a row times a column Hadamard product holding the
    differential.
    """
    if not (isinstance(m, MatMul) and m.shape == (1, 1)):
        return []
    args = _factors(m)
    scalars = [a for a in args if not a.is_Matrix]
    mats = [a for a in args if a.is_Matrix]
    for i, H in enumerate(mats):
        if not (isinstance(H, HadamardProduct) and H.shape[1] == 1 and i > 0):
            continue
        inner = [a for a in H.args if has_differential(a)]
        if len(inner) != 1 or any(has_differential(a) for a in mats[:i]):
            continue
        P = MatMul(*mats[:i]) if i > 1 else mats[0]
        A = [a for a in H.args if a is not inner[0]]
        A = HadamardProduct(*A) if len(A) > 1 else A[0]
        N = _factors(inner[0]) if isinstance(inner[0], MatMul) else inner
        rest = N + mats[i + 1:]
        Pt = P.arg if isinstance(P, Transpose) else Transpose(P)
        moved = MatMul(*scalars, Transpose(HadamardProduct(Pt, A)),
                       *rest)
        spread = MatMul(*scalars, HadamardProduct(P, transpose(A)), *rest)
        return [(facts.HADAMARD_VECTOR, moved), (facts.HADAMARD_TRANSPOSE, spread)]
    return []


def _moves(m):
    record = []
    trace_form(m, record)
    return record


def _named_part(expr, X):
    """``(f, Y, y)``: a part ``y`` that ``expr = f(y)`` uses more than once.

    ``expr`` must depend on X only through ``y`` (SymPy writes ``y^T`` as
    the transpose of each term, which counts as a use); the largest such
    part is taken.  ``None`` when there is none.
    """
    if not is_scalar_like(expr) or isinstance(expr, ScalarFunction):
        return None
    parts = {p for p in preorder_traversal(expr) if isinstance(p, (MatAdd, MatMul))
             and p.shape[0] != 1 and X in p.free_symbols}
    taken = {str(a) for a in expr.free_symbols}
    for y in sorted(parts, key=lambda p: (-count_ops(p), len(p.atoms(Transpose)),
                                          str(p))):
        name = "y" if y.shape[1] == 1 else "Y"
        name = next(n for n in [name] + [f"{name}{k}" for k in range(1, 99)]
                    if n not in taken)
        Y = MatrixSymbol(name, *y.shape)
        f = expr.xreplace({y: Y, transpose(y): Transpose(Y)})
        # only a product of y's alone, whose derivative is a known result
        if f.free_symbols == {Y} and _polynomial(f) and _occurrences(f, Y) > 1:
            return f, Y, y
    return None


def _occurrences(e, part):
    """How often ``part`` stands in ``e`` (structurally, not by matching)."""
    return sum(1 for n in preorder_traversal(e) if n == part)


def _polynomial(f):
    """Built from its symbols by products, sums, transposes and traces only."""
    return all(isinstance(n, (MatMul, MatAdd, Mul, Add, Transpose, Trace,
                              MatrixSymbol, Symbol)) or n.is_Number
               or (isinstance(n, Pow) and n.exp.is_Integer and n.exp > 0)
               for n in preorder_traversal(f) if not isinstance(n, (Str, Integer)))


def _known_result(f, Y, G):
    """The fact ``df/dY = G``, named after the seed's example if it is one."""
    for ex in SEED_EXAMPLES:
        if ex.wrt.is_Matrix and ex.wrt.shape[1] == Y.shape[1] == 1 and \
                ex.expr.xreplace({ex.wrt: Y}) == f:
            return facts.Fact(
                f"from {ex.name}, d({ex.expr})/d{ex.wrt} = "
                f"{G.xreplace({Y: ex.wrt})}",
                # "the seed's E.g. 1": a bare "e.g. 1" reads as "for example"
                r"\text{the seed's %s, } \frac{d(%s)}{d%s}=%s" % (
                    ex.name, latex(ex.expr), latex(ex.wrt),
                    latex(G.xreplace({Y: ex.wrt}))))
    return facts.Fact(f"d({f})/d{Y} = {G}",
                      r"\frac{d(%s)}{d%s}=%s" % (latex(f), latex(Y), latex(G)))


def chain_steps(expr, X):
    """The seed's E.g. 2 route: name a repeated part y, use a known dz/dy.

    ``d f(y) = (df/dy) dy`` by eq. (2) or (3), with ``df/dy`` derived on its
    own; then ``y`` is substituted back and ``dy`` is taken with the rules.
    Returns the first steps and the line the rules continue from, or
    ``([], None)`` when ``expr`` repeats no part.
    """
    found = _named_part(expr, X)
    if found is None:
        return [], None
    f, Y, y = found
    try:
        G = derivative(f, Y)
    except MatrixCalculusError:
        return [], None
    dY, vector = Differential(Y), Y.shape[1] == 1
    let = facts.Fact(f"let {Y} = {y}", r"\text{let }%s=%s" % (latex(Y), latex(y)),
                     "")
    by_y = MatMul(*(G.args if isinstance(G, MatMul) else [G]), dY)
    by_y = by_y if vector else Trace(by_y)
    D = DerivativeOf(f, Y)
    chain = MatMul(D, dY) if vector else Trace(MatMul(D, dY))
    back = by_y.xreplace({Y: y, dY: pending(y)})
    at = ((Y, y), (dY, pending(y)))
    return [Step(Differential(f), (let,), at=((Y, y),)),
            Step(chain, (IDENTITIES_1["2" if vector else "3"],),
                 at=((D, G.xreplace({Y: y})),) + at),
            Step(by_y, (_known_result(f, Y, G),), at=at),
            Step(back, (facts.Fact(f"substituting {Y} = {y}",
                                   r"\text{substituting }%s" % latex(Y), ""),))], back


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


WIDTH = 100     # a line longer than this gets its long parts named


def _abbreviations(exprs, named, width=WIDTH):
    """Names ``v, v2, V, s, ...`` for long parts free of differentials.

    While a line is longer than ``width``, its largest part that is free of
    differentials and of the parts named so far gets a name; named parts
    never overlap, so each ``where`` line stands on its own.  Printed
    lengths are measured once (SymPy prints products slowly) and the length
    of a line with names in is counted, not printed again.
    """
    sizes = {}

    def size(e):
        if e not in sizes:
            try:
                sizes[e] = len(sstr(e))
            except Exception:   # a part SymPy cannot print on its own
                sizes[e] = None
        return sizes[e]

    names, taken = {}, {str(s) for e in exprs for s in e.free_symbols}
    taken |= {str(v) for v in named.values()}
    # an element-wise function prints as (u -> body).(X): no part is named u
    taken |= {str(readable_lambda(f.function)[0]) for e in exprs
              for f in e.atoms(ElementwiseApplyFunction)
              if isinstance(f.function, Lambda) and len(f.function.variables) == 1}

    def fits(e):
        n = size(e) or 0
        for p, v in {**named, **names}.items():
            if size(p):
                n -= _occurrences(e, p) * (size(p) - len(str(v)))
        return n <= width

    def overlaps(p):
        return any(p.has(q) or q.has(p) for q in list(names) + list(named))
    for _ in range(12):
        parts = {p for e in exprs if not fits(e) for p in _nameable_parts(e)}
        parts = [p for p in parts if 12 <= (size(p) or 0) <= width * 3 // 4
                 and not overlaps(p)]
        if not parts:
            break
        # element-wise functions first (their printed form is the longest
        # for the least meaning), then the longest part
        part = max(parts, key=lambda p: (isinstance(p, ElementwiseApplyFunction),
                                         size(p), str(p)))
        base = "s" if not part.is_Matrix else "v" if part.shape[1] == 1 else "V"
        name = next(n for n in [base] + [f"{base}{k}" for k in range(2, 99)]
                    if n not in taken)
        taken.add(name)
        names[part] = MatrixSymbol(name, *part.shape) if part.is_Matrix \
            else Symbol(name)
    return names


def _nameable_parts(e):
    """Compound parts free of differentials, not inside a function body."""
    if isinstance(e, (Lambda, Symbol, MatrixSymbol)) or not isinstance(e, Basic) \
            or e.is_Number:
        return
    if not has_differential(e) and e.args and not any(
            isinstance(s, Dummy) for s in e.free_symbols):
        yield e
    for a in e.args:
        yield from _nameable_parts(a)


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
    names: dict = field(default_factory=dict)   # abbreviations of long parts
    holds: str = ""     # where the result holds, if not wherever expr is defined
    # the derivative as first read off, then each textbook transform (Steps)
    read_off: object = None
    simplified: list = field(default_factory=list)

    def _results(self):
        """``[(expression, citation or None)]``: the derivative as read off,
        each simplification, and the result."""
        if not self.simplified:
            return [(self.result, None)]
        return [(self.read_off, None)] + [(s.expr, s) for s in self.simplified]

    def _show(self, e, printer=sstr):
        names = {**self.lets, **self.names}
        return printer(e.xreplace(names) if names else e)

    def _where(self, printer=sstr):
        """``where v = ...`` for each abbreviation, in terms of the others."""
        out = []
        for k, v in self.names.items():
            others = {a: b for a, b in {**self.lets, **self.names}.items() if a != k}
            out.append(f"{printer(v)} = {printer(k.xreplace(others))}")
        return out

    def _lhs(self, step, printer=sstr):
        lhs = step.lhs if step.lhs is not None else Differential(
            fold_transposes(self.expr))
        return printer(lhs.xreplace(self.lets))

    def _let_text(self, printer=sstr):
        return ", ".join(f"{printer(v)} = {printer(k)}" for k, v in self.lets.items())

    def _name(self, printer=sstr):
        num = printer(fold_transposes(self.expr).xreplace(self.lets))
        var = printer(self.wrt)
        if printer is latex:
            return r"\frac{\mathrm{d}(%s)}{\mathrm{d}%s}" % (num, var)
        return f"d({num})/d{var}"

    def __str__(self):
        return self.text()

    __repr__ = __str__      # the readable text at a REPL, not a dataclass dump

    def text(self, printer=sstr):
        """The derivation as text, expressions written by ``printer``
        (``str``; the command line passes its own notation)."""
        lines, width = [], None
        for n, s in enumerate(self.steps):
            head = f"{self._lhs(s, printer)} = "
            if n == 0 or s.lhs is not None:
                if len(head) > WIDTH // 2:    # a long left side: its own line
                    lines.append(head[:-3] if n == 0 else "=> " + head[:-3])
                    head, width = "    = ", 6
                    lead = head
                else:
                    width = len(head)
                    lead = head if n == 0 else "=> " + head
            else:
                lead = " " * (width - 2) + "= "
            why = s.citation + (f"; let {self._let_text(printer)}"
                                if n == 0 and self.lets else "")
            lines.append(f"{lead}{self._show(s.expr, printer)}    [{why}]")
        name = self._name(printer)
        short = len(name) <= WIDTH // 2
        lines.append(f"from {self.final.citation}: {name} = " if short
                     else f"from {self.final.citation}: {name}\n    = ")
        indent = len(lines[-1].split("\n")[-1]) - 2
        for n, (e, s) in enumerate(self._results()):
            if n == 0:
                lines[-1] += self._show(e, printer)
            else:
                lines.append(" " * indent + "= " + self._show(e, printer)
                             + f"    [{s.citation}]")
        lines += [f"where {w}" for w in self._where(printer)]
        lines += [f"(this {self.holds})"] if self.holds else []
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
        out = ("\\begin{align*}\n" + "\\\\\n".join(rows) + "\n\\end{align*}\n"
               + r"finally %s, we get" % _latex_why(self.final))
        results = self._result_rows()
        if len(results) == 1:
            out += " $%s = %s$." % (self._name(latex), self._show(self.result, latex))
        else:
            out += "\n\\begin{align*}\n" + "\\\\\n".join(results) + "\n\\end{align*}\n"
        out += "".join(f"\nwhere ${w}$" for w in self._where(latex))
        return out + (f"\n(this {self.holds})" if self.holds else "")

    def _result_rows(self):
        return [r"%s & = %s & & %s" % (
            self._name(latex) if n == 0 else "", self._show(e, latex),
            ", ".join(_latex_why(w) for w in s.why) if s else "")
            for n, (e, s) in enumerate(self._results())]

    def markdown(self):
        """A table: left side, each line, its justification; then the result."""
        out = ["| | | |", "|---|---|---|"]
        for n, s in enumerate(self.steps):
            lhs = f"${self._lhs(s, latex)}$" if n == 0 or s.lhs is not None else ""
            why = s.citation + (f"; let ${self._let_text(latex)}$"
                                if n == 0 and self.lets else "")
            out.append(f"| {lhs} | $= {self._show(s.expr, latex)}$ | {why} |")
        out += ["", f"From {self.final.citation}: "
                f"${self._name(latex)} = {self._show(self._results()[0][0], latex)}$"]
        out += [f"${'=' if n else ''} {self._show(e, latex)}$ ({s.citation})"
                for n, (e, s) in enumerate(self._results()) if s]
        out += [f"where ${w}$" for w in self._where(latex)]
        out += [f"(this {self.holds})"] if self.holds else []
        return "\n".join(out) + "\n"

    def _repr_latex_(self):
        # one aligned block: the steps, the identity the result is read from
        # and its simplifications, and the abbreviations
        rows = [r"%s & = %s & & %s" % (
            self._lhs(s, latex) if n == 0 or s.lhs is not None else "",
            self._show(s.expr, latex), ", ".join(_latex_why(w) for w in s.why))
            for n, s in enumerate(self.steps)]
        rows.append(r"& & & \text{finally }%s:" % _latex_why(self.final))
        rows += self._result_rows()
        rows += [r"& & & \text{where }%s" % w for w in self._where(latex)]
        rows += [r"& & & \text{(this %s)}" % self.holds] if self.holds else []
        return "$\\displaystyle \\begin{aligned}" + "\\\\\n".join(rows) + \
            "\\end{aligned}$"


def _latex_why(w):
    if getattr(w, "eq", ""):
        return r"\text{from eq. (%s)}" % w.eq
    if isinstance(w, facts.Fact):
        return w.lead + w.latex
    return r"\text{%s}" % w.citation


@guard_depth
def derivation(expr, wrt, layout="numerator", named=False):
    """The step-by-step derivation of ``d(expr)`` and of ``d(expr)/d(wrt)``.

    Returns a :class:`Derivation`: ``.steps`` (each a :class:`Step`, the
    expression after it and its justification), ``.result`` (what
    :func:`~sympy_matdiff.derivative` returns), ``.final`` (the identity the
    result is read from), and the renderers ``str()``, ``.latex()``,
    ``.markdown()`` and ``_repr_latex_`` for Jupyter.  With ``named=True``
    (a scalar ``expr``), the derivation of
    :func:`~sympy_matdiff.named_derivative`: a :class:`NamedDerivation`.

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
    if named:
        return named_derivation(expr, wrt, layout)
    X = _check_variable(wrt)
    expr = prepare(expr)
    steps, start = chain_steps(expr, X)
    steps += differential_steps(expr, {X}, start)
    raw = steps[-1].expr if steps else Context({X}).d(expr)   # dX, or 0
    steps += [Step(e, fs) for fs, e in canonical_steps(raw, expr)]
    D = steps[-1].expr if steps else raw
    from .domains import repair     # sums over r of symbolic powers X**k
    more, final = identification_steps(expr, X, repair(D))
    steps, result = steps + more, derivative(expr, X, layout)
    read_off, simplified = _simplification_steps(expr, X, layout)
    lets = _names_for_arguments(expr)
    names = _abbreviations([result] + [s.expr for s in steps] +
                           [s.expr for s in simplified], lets)
    from .domains import note, valid_where
    return Derivation(expr, X, layout, steps, result, final, lets, names,
                      note(valid_where(expr, result)), read_off, simplified)


@dataclass
class NamedDerivation:
    """The derivation of a :class:`~sympy_matdiff.backprop.Named` result:
    the forward names ("let z1 = W1 x, ..."), then each local derivative,
    itself a :class:`Derivation` in the shape of its variable (layout
    "mixed"), and the adjoint it adds to, then the result.
    """

    expr: object
    named: object                # the Named result
    lets: list                   # [(name, definition)] of the forward pass
    local: list                  # [(u, phi, Derivation)], in the order computed
    inline: list                 # [(δ, value)]: adjoints written out, no name

    @property
    def result(self):
        return self.named.result

    def text(self, printer=sstr):
        lines = ["let " + ", ".join(f"{printer(n)} = {printer(e)}"
                                    for n, e in self.lets)] if self.lets else []
        values = dict(self.inline)
        for u, phi, steps in self.local:
            lines += ["", f"the gradient of {printer(phi)} by {printer(u)} "
                      "(in its shape):"]
            lines += ["    " + line for line in steps.text(printer).splitlines()]
        lines.append("")
        for n, e in self.named.definitions:
            if n not in dict(self.lets):
                lines.append(f"{printer(n)} = {printer(e)}    [the sum of "
                             "its gradients above]")
        for n, v in values.items():
            lines.append(f"where {printer(n)} = {printer(v)}")
        for is_result, n, e in self.named._rows():
            if is_result:
                lines.append(f"df/d{printer(n)} = {printer(e)}")
        return "\n".join(lines)

    def __str__(self):
        return self.text()

    __repr__ = __str__

    def latex(self):
        return "\n\n".join(
            ["let $" + ", ".join(f"{latex(n)} = {latex(e)}" for n, e in self.lets)
             + "$"] + [s.latex() for _, _, s in self.local]
            + ["$" + latex(self.named) + "$"])

    def _repr_latex_(self):
        return "$\\displaystyle " + latex(self.named) + "$"


def named_derivation(expr, wrt, layout="numerator"):
    """:func:`derivation` with ``named=True``.

    >>> from sympy import MatrixSymbol, Trace, tanh
    >>> from sympy_matdiff import derivation
    >>> W, x = MatrixSymbol('W', 2, 3), MatrixSymbol('x', 3, 1)
    >>> h = (W*x).applyfunc(tanh)
    >>> print(derivation(Trace(h.T*h), W, named=True))  # doctest: +ELLIPSIS
    let z1 = W*x, h1 = tanh(z1)
    <BLANKLINE>
    the gradient of Trace(h1.T*h1) by h1 (in its shape):
        d(Trace(h1.T*h1)) = ...
    ...
    delta1 = ...
    df/dW = x*delta1.T
    """
    from .backprop import forward, named_derivative
    record = []
    g = named_derivative(expr, wrt, layout, record)
    wrts = set(wrt) if isinstance(wrt, (tuple, list)) else {wrt}
    fw = forward(expr, tuple(wrts))
    shown = {n for n, _ in g.definitions}
    lets = [(n, e) for n, e in fw.definitions if n in shown]
    local = [(u, phi, derivation(phi, u, "mixed"))
             for kind, u, phi, *_ in record if kind == "gradient"]
    inline = [(D, v) for kind, D, v in
              (r for r in record if r[0] == "inline")]
    return NamedDerivation(fw.expr, g, lets, local, inline)


def _simplification_steps(expr, X, layout):
    """The derivative as read off and the textbook transforms that follow
    (:mod:`sympy_matdiff.textbook`), as Steps; in numerator layout only."""
    if layout != "numerator":
        return None, []
    from . import domains     # as derivative() reads the differential
    record = []
    e = domains.as_matrix_expression(expr)
    try:
        numerator_derivative(e, X, domains.repair(d(e, X)), record)
    except MatrixCalculusError:     # the steps are shown as far as they go
        return None, []
    if len(record) < 2:
        return None, []
    return record[0][1], [Step(e, (t.fact,)) for t, e in record[1:]]


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
