"""Reverse mode with named intermediates: the derivative as backpropagation.

A person differentiates ``‖W3 tanh(W2 tanh(W1 x)) - y‖²`` by naming the
forward values, ``z1 = W1 x``, ``h1 = tanh(z1)``, ..., and the backward ones,
``δ2 = 2 W3ᵀ(W3 h2 - y) ∘ (1 - h2^∘2)``, ``δ1 = W2ᵀ δ2 ∘ (1 - h1^∘2)``,
and then reads ``∂f/∂W1 = x δ1ᵀ`` (numerator layout) off the last one.  The
seed does the same ("let y = Wx + b", E.g. 2).  :func:`named_derivative`
does it in three steps:

1. **Name the forward values** (:class:`Forward`).  The argument of every
   function that is not (multi)linear -- an element-wise function, an
   inverse, a determinant, a scalar function -- gets a name, as does every
   such function value that is used inside a larger expression, and every
   part of the expression that occurs more than once.  Equal parts are
   equal SymPy objects, so a shared part is named once.
2. **Propagate adjoints backwards.**  For a name ``v = e(u, ...)`` with
   adjoint δ (df = tr(δᵀ dv), δ in the shape of v) the chain rule gives
   ``df = tr(δᵀ de)``: the contribution of v to the adjoint of u is the
   gradient of the scalar ``tr(δᵀ e(u, ...))`` by u with δ held constant.
   That gradient is an ordinary :func:`~sympy_matdiff.derivative` of a small
   expression, so every rule, trace move and textbook transform applies,
   and equal local problems (the same layer at every depth) are solved
   once: each is renamed to a template of placeholder symbols first.
3. **Read the derivative off** the terms of the variables themselves.

Each definition is used by name afterwards: the cost is proportional to the
size of the expression with its shared parts counted once, and so is the
size of the result.  :meth:`Named.doit` substitutes the definitions back and
gives the flat expression that :func:`~sympy_matdiff.derivative` returns
(equal in value; its form may differ).

>>> from sympy import MatrixSymbol, Trace, tanh
>>> from sympy_matdiff import named_derivative
>>> W1, W2 = MatrixSymbol('W1', 3, 4), MatrixSymbol('W2', 2, 3)
>>> x, y = MatrixSymbol('x', 4, 1), MatrixSymbol('y', 2, 1)
>>> r = W2*(W1*x).applyfunc(tanh) - y
>>> print(named_derivative(Trace(r.T*r), W1))
z1 = W1*x
h1 = tanh(z1)
delta1 = (2*W2.T*(W2*h1 - y))∘(1 - h1^∘2)
df/dW1 = x*delta1.T
"""
from sympy import (Add, Basic, Dummy, Expr, Function, HadamardPower,
                   HadamardProduct, Identity, KroneckerProduct, MatAdd, MatMul,
                   MatrixSymbol, Mul, OneMatrix, Pow, Symbol, Trace, Transpose,
                   Tuple, ZeroMatrix, transpose)
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.printing.pretty.stringpict import prettyForm, stringPict

from .canonical import fold_transposes
from .differentials import _check_variable, d, prepare
from .domains import as_matrix_expression, finish, repair
from .errors import IdentificationError
from .expressions import Elementwise
from .functions import _VectorFunction
from .identification import derivative, is_scalar_like, numerator_derivative
from .layouts import check_layout, from_numerator
from .printing import latex, sstr
from .textbook import bottom_up, collect, textbook_form

# Nodes whose value is linear in each argument (a product is bilinear): the
# chain rule needs no name for their arguments.
MULTILINEAR = (Add, MatAdd, Mul, MatMul, HadamardProduct, KroneckerProduct,
               Transpose, Trace, DiagMatrix, MatrixElement)


def _is_term(a):
    """An argument that is an expression (not a Lambda, a shape or a name)."""
    return isinstance(a, Expr) and not a.is_Number


def _is_atomic(e):
    return isinstance(e, (Symbol, MatrixSymbol)) or (
        isinstance(e, Transpose) and isinstance(e.arg, MatrixSymbol))


def _is_function_value(e):
    return isinstance(e, (Elementwise, Function, _VectorFunction))


def _is_entrywise(e):
    """A function applied entry by entry (or to a scalar): the chain rule
    through it is a Hadamard (or scalar) factor, and naming its value loses
    no simplification."""
    return isinstance(e, (Elementwise, HadamardPower)) or (
        isinstance(e, (Function, Pow)) and not getattr(e, "is_Matrix", False))


class Named(Basic):
    """An expression written with named intermediates.

    ``Named(result, ((name1, definition1), (name2, definition2), ...), wrt)``
    reads "``result``, where name1 = definition1, name2 = ...", each
    definition using only the names before it.  The whole state is in
    ``args``; :meth:`doit` substitutes the definitions and returns the flat
    expression (a tuple for a tuple of variables).

    >>> from sympy import MatrixSymbol, Trace
    >>> from sympy_matdiff import named_derivative
    >>> X, A = MatrixSymbol('X', 3, 3), MatrixSymbol('A', 3, 3)
    >>> g = named_derivative(Trace(A*X**-1)**2, X)
    >>> print(g)
    V1 = X**(-1)
    v1 = Trace(A*V1)
    delta_V1 = (2*v1)*A.T
    df/dX = -V1*delta_V1.T*V1
    >>> g.doit()
    (-2*Trace(A*X**(-1)))*X**(-1)*A*X**(-1)
    """

    def __new__(cls, result, definitions, wrt):
        definitions = Tuple(*[Tuple(n, e) for n, e in definitions])
        if isinstance(result, (tuple, list)):
            result = Tuple(*result)
        if isinstance(wrt, (tuple, list)):
            wrt = Tuple(*wrt)
        return Basic.__new__(cls, result, definitions, wrt)

    @property
    def result(self):
        """The derivative in terms of the names (a tuple for several variables)."""
        r = self.args[0]
        return tuple(r) if isinstance(r, Tuple) else r

    @property
    def definitions(self):
        """``((name, definition), ...)`` in the order they are computed."""
        return tuple((n, e) for n, e in self.args[1])

    @property
    def wrt(self):
        w = self.args[2]
        return tuple(w) if isinstance(w, Tuple) else w

    def doit(self, **hints):
        r = self.args[0]
        for name, e in reversed(self.args[1]):
            r = r.xreplace({name: e})
        r = _rebuild(r)
        return tuple(r) if isinstance(r, Tuple) else r

    # -- printing: one line per definition, then the result -----------------

    def _rows(self):
        """``(name, definition)`` rows, then ``(variable, derivative)`` ones."""
        wrts = self.wrt if isinstance(self.wrt, tuple) else (self.wrt,)
        results = self.result if isinstance(self.result, tuple) else (self.result,)
        return ([(False, n, e) for n, e in self.definitions]
                + [(True, w, r) for w, r in zip(wrts, results)])

    def _sympystr(self, printer):
        return "\n".join(
            (f"df/d{printer._print(n)}" if is_result else printer._print(n))
            + f" = {sstr(e)}" for is_result, n, e in self._rows())

    def _latex(self, printer):
        # each expression by our printer (1 - h^{∘2}, grouped negations)
        return r"\begin{aligned}" + r" \\ ".join(
            (r"\frac{\partial f}{\partial " + latex(n) + "}"
             if is_result else latex(n)) + " &= " + latex(e)
            for is_result, n, e in self._rows()) + r"\end{aligned}"

    def _pretty(self, printer):
        lines = []
        for is_result, n, e in self._rows():
            lhs = printer._print(n)
            if is_result:
                lhs = prettyForm(*lhs.left("∂f/∂"))
            lines.append(prettyForm(*lhs.right(" = ", printer._print(e))))
        width = max(line.width() for line in lines)
        return prettyForm(*stringPict.stack(*[      # left-aligned
            prettyForm(*line.right(" " * (width - line.width())))
            for line in lines]))

    def _repr_latex_(self):
        return "$\\displaystyle " + self._latex(None) + "$"

    def __repr__(self):
        return str(self)


def orient(expr):
    """``expr`` with each element-wise function applied to the orientation
    of its argument that has fewer transposes: f(Aᵀ) = f(A)ᵀ.

    SymPy pushes a transpose into an element-wise function, so the two
    factors of ``rᵀr`` hold ``tanh(xᵀW1ᵀ)`` and ``tanh(W1 x)``: one value,
    which this makes one object again.
    """
    memo = {}

    def visit(e):
        if e in memo or not e.args or isinstance(e, MatrixSymbol):
            return memo.get(e, e)
        args = [visit(a) if _is_term(a) else a for a in e.args]
        new = e.func(*args) if args != list(e.args) else e
        if isinstance(new, (Elementwise, HadamardPower)):
            a = new.args[1] if isinstance(new, Elementwise) else new.base
            flipped = transpose(a)
            if flipped.count(Transpose) < a.count(Transpose):
                new = Transpose(new.func(new.args[0], flipped)
                                if isinstance(new, Elementwise)
                                else HadamardPower(flipped, new.exp))
        memo[e] = new
        return new
    return visit(expr)


class Forward:
    """The forward pass: ``expr`` rewritten with names for its parts."""

    def __init__(self, expr, variables):
        self.variables = set(variables)
        self.taken = {s.name for s in expr.atoms(Symbol, MatrixSymbol)}
        self.definitions = []       # [(name, definition)], in order
        self.kind = {}              # name -> "argument" | "value" | "part"
        self._name_of = {}          # definition -> name
        self._counters = {}
        self._depends = {}
        self._uses = {}
        self._count(expr)
        self._memo = {}
        self.root = self._rewrite(expr, top=True)

    def depends(self, e):
        if e not in self._depends:
            self._depends[e] = e in self.variables or any(
                self.depends(a) for a in e.args if _is_term(a))
        return self._depends[e]

    def _count(self, e):
        self._uses[e] = self._uses.get(e, 0) + 1
        if self._uses[e] == 1 and not _is_atomic(e):
            for a in e.args:
                if _is_term(a):
                    self._count(a)

    def _fresh(self, prefix, shape_like):
        while True:
            k = self._counters[prefix] = self._counters.get(prefix, 0) + 1
            if f"{prefix}{k}" not in self.taken:
                break
        name = f"{prefix}{k}"
        self.taken.add(name)
        if getattr(shape_like, "is_Matrix", False):
            return MatrixSymbol(name, *shape_like.shape)
        return Symbol(name, **_scalar_assumptions(shape_like))

    def name(self, e, kind):
        if e in self._name_of:
            return self._name_of[e]
        prefix = {"argument": "z", "value": "h"}.get(kind) or (
            "V" if getattr(e, "is_Matrix", False) and not (
                e.shape[1] == 1 or e.shape[0] == 1) else "v")
        s = self._fresh(prefix, e)
        self._name_of[e] = s
        self.definitions.append((s, e))
        self.kind[s] = kind
        return s

    def _rewrite(self, e, top=False, inside=None):
        """``e`` with names for its parts; ``inside`` is the function
        (not multilinear) whose argument ``e`` is, if any.

        A function inside a function keeps the two together unless both are
        entry-wise: the engine simplifies log(softmax(z)) and log(det(X))
        as wholes, while tanh(tanh(z)) is two Hadamard factors.
        """
        if not self.depends(e) or _is_atomic(e):
            return e
        composite = inside is not None and not (
            _is_entrywise(inside) and _is_entrywise(e))
        key = (e, composite)
        if key in self._memo:
            return self._memo[key]
        nonlinear = not isinstance(e, MULTILINEAR)
        args = []
        for a in e.args:
            if not _is_term(a) or not self.depends(a):
                args.append(a)
                continue
            new = self._rewrite(a, inside=e if nonlinear else None)
            if nonlinear and isinstance(a, MULTILINEAR) and not _is_atomic(new):
                new = self.name(new, "argument" if _is_function_value(e)
                                else "part")
            args.append(new)
        new = e.func(*args) if args != list(e.args) else e
        if not top and not composite and not _is_atomic(new) and (
                nonlinear or self._uses.get(e, 0) > 1):
            new = self.name(new, "value" if _is_function_value(e) else "part")
        self._memo[key] = new
        return new


def _scalar_assumptions(e):
    return {"real": True} if getattr(e, "is_real", None) else {}


class _Templates:
    """Local derivatives, each computed once up to a renaming of symbols."""

    def __init__(self):
        self._done = {}

    def gradient(self, phi, u, layout="mixed"):
        """``d phi/d u`` for the scalar ``phi``, in ``layout``."""
        rename, back = {}, {}
        for s in _symbols_in_order(phi, u):
            t = (MatrixSymbol(f"_bp{len(rename)}", *s.shape)
                 if isinstance(s, MatrixSymbol) else
                 Symbol(f"_bp{len(rename)}", **s.assumptions0))
            rename[s], back[t] = t, s
        key = (phi.xreplace(rename), rename.get(u, u), layout)
        if key not in self._done:
            tphi, tu, _ = key
            tphi = as_matrix_expression(prepare(tphi))
            G = numerator_derivative(tphi, tu, repair(d(tphi, tu)))
            self._done[key] = finish(from_numerator(G, tphi, tu, layout))
        return self._done[key].xreplace(back)


def _symbols_in_order(phi, u):
    """The symbols of ``phi`` that are not dimensions, ``u`` first."""
    seen, order = {u}, [u]
    dims = set()
    for m in phi.atoms(MatrixSymbol):
        for k in m.shape:
            dims |= getattr(k, "free_symbols", set())
    for node in _preorder(phi):
        if isinstance(node, (MatrixSymbol, Symbol)) and node not in seen \
                and node not in dims and not isinstance(node, Dummy):
            seen.add(node)
            order.append(node)
    return order


def _preorder(e):
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, MatrixSymbol):
            stack.extend(reversed(node.args))


def _sum(terms):
    terms = [t for t in terms if not (t == 0 or getattr(t, "is_ZeroMatrix", False))]
    if not terms:
        return None
    if getattr(terms[0], "is_Matrix", False):
        return collect(terms)
    return Add(*terms)


def _pairing(delta, e):
    """The scalar tr(δᵀ e) (δ e for scalars) whose gradient is an adjoint."""
    if getattr(e, "is_Matrix", False):
        return Trace(MatMul(transpose(delta), e))
    return delta * e


def forward(expr, variables):
    """The forward pass of the scalar ``expr``: a :class:`Forward`, whose
    ``root`` is ``expr`` in terms of the names of ``definitions``."""
    expr = as_matrix_expression(prepare(expr))
    if not is_scalar_like(expr):
        raise IdentificationError(
            f"named_derivative: {expr} has shape {expr.shape}; named "
            "intermediates (reverse mode) need a scalar function. Use "
            "derivative() for the Jacobian of a matrix function.")
    fw = Forward(orient(expr), variables)
    fw.expr = expr
    return fw


def named_derivative(expr, wrt, layout="numerator", record=None):
    """The derivative of the scalar ``expr`` with named intermediates.

    Returns a :class:`Named`: the definitions of the forward values
    (``z1 = W1*x``, ``h1 = tanh(z1)``, ...) and of the backward ones
    (``delta1``: the gradient of ``expr`` by ``z1``, in its shape), then the
    derivative by each variable of ``wrt`` (a tuple gives one for each, sharing
    the names) in ``layout``.  ``.doit()`` gives the flat derivative.

    Each local derivative is an ordinary :func:`~sympy_matdiff.derivative`,
    so the rules and forms are the same; the cost is linear in the number of
    layers of a network.  Where the flat derivative holds only for invertible
    matrices, so does this one (:func:`~sympy_matdiff.domains.valid_where`
    of ``.doit()`` says where).  A list ``record`` receives the local
    problems ``("gradient", u, phi, g)`` (g = dphi/du in u's shape) and the
    adjoints written out without a name, ``("inline", δ, value)``
    (:func:`~sympy_matdiff.derivation` shows them).

    >>> from sympy import HadamardProduct, MatrixSymbol, OneMatrix
    >>> from sympy_matdiff import named_derivative, softplus
    >>> X, w, y = (MatrixSymbol('X', 5, 3), MatrixSymbol('w', 3, 1),
    ...            MatrixSymbol('y', 5, 1))
    >>> loss = OneMatrix(1, 5)*softplus(-HadamardProduct(y, X*w))
    >>> print(named_derivative(loss, w, layout="mixed"))
    z1 = -((X*w)∘y)
    delta1 = sigmoid(z1)
    df/dw = -X.T*(delta1∘y)
    """
    check_layout(layout)
    many = isinstance(wrt, (tuple, list))
    wrts = tuple(_check_variable(w) for w in (wrt if many else (wrt,)))
    fw = forward(expr, wrts)
    expr = fw.expr
    local = _Templates()
    targets = [n for n, _ in fw.definitions] + list(wrts)
    adjoint = {v: [] for v in targets}

    def spread(phi, definition):
        """Add the gradients of ``phi`` to the adjoints of what it uses."""
        used = definition.atoms(Symbol, MatrixSymbol)
        for u in targets:
            if u in used:
                adjoint[u].append(local.gradient(phi, u))
                if record is not None:
                    record.append(("gradient", u, phi, adjoint[u][-1]))

    spread(fw.root, fw.root)
    backward, inline = [], {}
    names = {n for n, _ in fw.definitions}
    for v, e in reversed(fw.definitions):
        delta = _sum(adjoint.pop(v))
        if delta is None:
            continue
        delta = _with_names(_substitute(delta, inline, names), fw)
        D = _adjoint_symbol(fw, v)
        names.add(D)
        if _is_small(delta) or fw.kind[v] == "value" or is_scalar_like(v) and \
                len([u for u in targets if e.has(u)]) == 1:
            inline[D] = delta        # used once, by the argument's adjoint
            if record is not None:
                record.append(("inline", D, delta))
        else:
            backward.append((D, delta))
        spread(_pairing(D, e), e)
    results = []
    for X in wrts:
        G = _sum([(transpose(g) if getattr(g, "is_Matrix", False) else g)
                  for g in adjoint[X]])
        if G is None:           # X does not occur, or only in a constant
            results.append(derivative(expr, X, layout))
            continue
        G = _rebuild(G.xreplace(inline))
        G = textbook_form(fold_transposes(G) if G.is_Matrix else G)
        results.append(from_numerator(_with_names(G, fw), expr, X, layout))
    return Named(results if many else results[0],
                 _used(fw.definitions + backward, results), wrts if many else wrts[0])


def _is_small(e):
    """An adjoint not worth a name: a symbol, its transpose, 1, I, 2A."""
    if isinstance(e, (MatMul, Mul)) and len(e.args) == 2 and e.args[0].is_Number:
        e = e.args[1]
    return e.is_Number or _is_atomic(e) or isinstance(
        e, (Identity, OneMatrix, ZeroMatrix))


def _rebuild(e):
    """``e`` with its products and transposes evaluated again after a
    substitution: (Aᵀ)ᵀ = A, I B = B, 1 B = B; a 1x1 name is its own
    transpose."""
    def rewrite(node):
        if isinstance(node, Transpose) and node.arg.shape == (1, 1) and \
                isinstance(node.arg, MatrixSymbol):
            return node.arg
        if isinstance(node, (Transpose, MatMul, MatAdd)):
            return node.doit(deep=False)
        return node
    return bottom_up(e, rewrite) if isinstance(e, Basic) else e


def _used(definitions, results):
    """The definitions that the results need, in order."""
    need = set().union(*[r.atoms(Symbol, MatrixSymbol) for r in results])
    kept = []
    for n, e in reversed(definitions):
        if n in need:
            kept.append((n, e))
            need |= e.atoms(Symbol, MatrixSymbol)
    return kept[::-1]


def _substitute(e, inline, names):
    """``e`` with the adjoints that have no name of their own written out.

    Where one of them holds no name (δ = 1 makes 1∘σ(z) from δ∘σ(z); δ =
    -t makes -sum(-t)), the textbook transforms run again; an adjoint in
    terms of names (W2ᵀδ2 in a network) changes no form, and is not worth
    their cost.
    """
    new = _rebuild(e.xreplace(inline))
    if new == e:
        return e
    if any(e.has(k) and not (v.atoms(Symbol, MatrixSymbol) & names)
           for k, v in inline.items()):
        return textbook_form(fold_transposes(new) if new.is_Matrix else new)
    return new


def _with_names(e, fw):
    """``e`` with the forward definitions replaced by their names, and their
    transposes (which SymPy writes out: (vᵀAv)ᵀ = vᵀAᵀv) by the names'
    transposes; a 1x1 name is its own transpose.  Sums whose terms became
    alike are collected again."""
    names = {dfn: n for n, dfn in fw.definitions}
    for n, dfn in fw.definitions:
        if getattr(dfn, "is_Matrix", False):
            names.setdefault(transpose(dfn), n if n.shape == (1, 1) else Transpose(n))
    new = e.xreplace(names)
    if not getattr(new, "is_Matrix", False) or new == e and not any(
            t.arg.shape == (1, 1) and isinstance(t.arg, MatrixSymbol)
            for t in new.atoms(Transpose)):
        return new
    return fold_transposes(bottom_up(_rebuild(new), _collect_sum))


def _collect_sum(node):
    return (collect(list(node.args)) or node) if isinstance(node, MatAdd) else node


def _adjoint_symbol(fw, v):
    name = f"delta{v.name[1:]}" if fw.kind[v] == "argument" else f"delta_{v.name}"
    while name in fw.taken:
        name += "_"
    fw.taken.add(name)
    return (MatrixSymbol(name, *v.shape) if isinstance(v, MatrixSymbol)
            else Symbol(name, **v.assumptions0))


__all__ = ["Named", "named_derivative", "forward"]
