"""Results written as a textbook writes them: named transforms, chosen by cost.

As in SymPy's ``sympy/simplify/fu.py``, simplification is a set of small
rewrites, each one identity (its :class:`~sympy_matdiff.facts.Fact`), tried
in turn and kept when it lowers an explicit :func:`cost`; a derivation shows
each kept rewrite as a step.  Some rewrites only pay off after others
(distributing ``aᵀ(diag(s) - s sᵀ)`` lets ``aᵀ diag(s) = (a ∘ s)ᵀ`` cancel),
so a transform marked ``lookahead`` is judged after the plain ones have run
on its result.

>>> from sympy import MatrixSymbol, OneMatrix, HadamardProduct as H
>>> from sympy_matdiff.functions import sigmoid
>>> from sympy_matdiff.textbook import textbook_form
>>> X, w, y = (MatrixSymbol('X', 5, 3), MatrixSymbol('w', 3, 1),
...            MatrixSymbol('y', 5, 1))
>>> one, s = OneMatrix(5, 1), sigmoid(X*w)
>>> textbook_form(-(H(y, one - s) - H(one - y, s)).T*X)
(sigmoid(X*w) - y).T*X
>>> steps = []
>>> _ = textbook_form(-(H(y, one - s) - H(one - y, s)).T*X, steps)
>>> [t.name for t, _ in steps]
['entrywise algebra', 'expand Hadamard products']
"""
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from sympy import (Basic, DiagMatrix, Dummy, Function, HadamardPower,
                   HadamardProduct, Identity, KroneckerProduct, Lambda, MatAdd,
                   MatMul, Mul, OneMatrix, S, Trace, Transpose, expand, factor,
                   factor_terms, preorder_traversal, default_sort_key)
from sympy.core.cache import cacheit
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from . import facts
from .canonical import _split_matrix_coeff, fold_transposes
from .constructors import matadd, matmul, transpose
from .cost import cheaper, cost
from .entrywise import (Algebra, NoMatrixForm, has_entrywise_content,
                        is_entrywise)
from .facts import Fact
from .functions import recognise
from .rules import kronecker_product


def _is_matrix(e):
    return bool(getattr(e, "is_Matrix", False))


# --- the transforms ----------------------------------------------------------

@dataclass(frozen=True)
class Transform:
    """A named rewrite: the fact it uses and the function that applies it
    everywhere in an expression."""

    name: str
    fact: Fact
    apply: Callable
    lookahead: bool = False

    @property
    def citation(self):
        return self.fact.text


TRANSFORMS = []


def transform(name, fact, lookahead=False):
    def declare(apply):
        TRANSFORMS.append(Transform(name, fact, apply, lookahead))
        return TRANSFORMS[-1]
    return declare


# bottom_up's results within one textbook_form call, by (part, rewrite): the
# settling loop applies each transform to mostly unchanged trees again and
# again (a stack, for textbook_form calls inside transforms)
_memos = []


def bottom_up(e, rewrite):
    """``rewrite`` applied to every node of ``e``, children first."""
    if not isinstance(e, Basic) or e.is_Atom or isinstance(e, Lambda):
        return e
    memo = _memos[-1] if _memos else {}
    key = (e, rewrite)
    if key not in memo:
        args = [bottom_up(a, rewrite) for a in e.args]
        memo[key] = rewrite(rebuild(e, args) if args != list(e.args) else e)
    return memo[key]


def rebuild(e, args):
    if isinstance(e, MatMul):
        return matmul(*args)
    if isinstance(e, MatAdd):
        return matadd(*args)
    if isinstance(e, KroneckerProduct):
        return kronecker_product(*args)
    return e.func(*args)


ENTRYWISE = Fact("f(Z)∘g(Z) = (fg)(Z), 1∘A = A, f(Z^T) = f(Z)^T",
                 r"f(\mathbf{Z})\circ g(\mathbf{Z})=(fg)(\mathbf{Z}),\ "
                 r"f(\mathbf{Z}^\top)=f(\mathbf{Z})^\top")
EXPAND = Fact("A∘(B + C) = A∘B + A∘C", r"\mathbf{A}\circ(\mathbf{B}+\mathbf{C})"
              r"=\mathbf{A}\circ\mathbf{B}+\mathbf{A}\circ\mathbf{C}")
DIAG_SUM = Fact("diag(a) + c diag(b) = diag(a + c b)",
                r"\operatorname{diag}(\mathbf{a})+c\operatorname{diag}(\mathbf{b})"
                r"=\operatorname{diag}(\mathbf{a}+c\mathbf{b})")
DIAG_PRODUCT = Fact("diag(a) b = a∘b, b^T diag(a) = (a∘b)^T",
                    r"\operatorname{diag}(\mathbf{a})\mathbf{b}=\mathbf{a}\circ"
                    r"\mathbf{b}")
INNER = Fact("x^T y = 1^T(x∘y)", r"\mathbf{x}^\top\mathbf{y}="
             r"\mathbf{1}^\top(\mathbf{x}\circ\mathbf{y})")


def _cheapest_entrywise(node, scalar_forms):
    """The entrywise part ``node`` written in its cheapest form among
    ``scalar_forms(s)`` of its scalar expression s."""
    if not _is_matrix(node) or not has_entrywise_content(node):
        return node
    alg = Algebra(leaf=fold_transposes)
    try:
        s = recognise(alg.to_scalar(node))
        options = [alg.to_matrix(f, node.shape, cost) for f in scalar_forms(s)]
    except NoMatrixForm:
        return node
    best = min(options, key=cost)
    return best if cheaper(best, node) else node


def _roots_first(e, rewrite):
    # like bottom_up, but an entrywise part is rewritten whole, at its top
    if not isinstance(e, Basic) or e.is_Atom or isinstance(e, Lambda):
        return e
    if _is_matrix(e) and has_entrywise_content(e):
        return _rewritten_root(e, rewrite)
    args = [_roots_first(a, rewrite) for a in e.args]
    return rebuild(e, args) if args != list(e.args) else e


@cacheit
def _rewritten_root(e, rewrite):
    # the settling loop applies each transform to mostly unchanged trees
    # again and again: each entrywise part is rewritten once per rewrite (a
    # function of the part alone; the leaves' dummies have fixed indices)
    return rewrite(_leaves_first(e, rewrite))


def _leaves_first(e, rewrite):
    """``e`` with the leaves of its entrywise part rewritten."""
    if not _is_matrix(e) or not is_entrywise(e):
        return _roots_first(e, rewrite)
    if isinstance(e, ElementwiseApplyFunction):
        return e.func(e.function, _leaves_first(e.expr, rewrite))
    args = [_leaves_first(a, rewrite) if _is_matrix(a) else a for a in e.args]
    return rebuild(e, args) if args != list(e.args) else e


HOLD_INDEX = 8_000_000_000     # fixed, as the leaves' (entrywise.LEAF_INDEX)


def _protected(s, change):
    """``change(s)`` with function applications held fixed (not expanded)."""
    apps = sorted(s.atoms(Function), key=default_sort_key)
    hold = {a: Dummy("f%d" % i, dummy_index=HOLD_INDEX + i)
            for i, a in enumerate(apps)}
    back = {d: a for a, d in hold.items()}
    return change(s.xreplace(hold)).xreplace(back)


def _signed(s):
    """-(a - b) c as (b - a) c: the sign taken into a sum factor."""
    coeff, rest = s.as_coeff_Mul()
    if coeff < 0 and isinstance(rest, Mul):
        for a in rest.args:
            if a.is_Add:
                others = [b for b in rest.args if b is not a]
                return -coeff * Mul(*others) * (-a)
    return s


def _fused(node):
    return _cheapest_entrywise(node, lambda s: [s])


@transform("entrywise algebra", ENTRYWISE)
def fuse(e):
    return _roots_first(e, _fused)


# More terms than this in an expansion and the expanded forms are not tried:
# expanding a product of k sums (σ'∘ nested k deep) has 2^k terms, and so
# would the cost of factoring them back.
EXPANSION_LIMIT = 16


def expansion_bound(s):
    """An upper bound on the number of terms of ``expand(s)`` with function
    applications held fixed (as :func:`_protected` holds them).

    >>> from sympy import Symbol, tanh
    >>> from sympy_matdiff.textbook import expansion_bound
    >>> a, b, c = Symbol('a'), Symbol('b'), Symbol('c')
    >>> expansion_bound((1 - a)*(1 - b)*(1 - tanh(a + b + c)))
    8
    >>> expansion_bound((a + b)**3)
    8
    """
    if isinstance(s, Function) or not s.args:
        return 1
    if s.is_Add:
        return sum(expansion_bound(a) for a in s.args)
    if s.is_Mul:
        n = 1
        for a in s.args:
            n *= expansion_bound(a)
        return n
    if s.is_Pow and s.exp.is_Integer:
        return expansion_bound(s.base) ** abs(int(s.exp))
    return 1


def _expanded_forms(s):
    if expansion_bound(s) > EXPANSION_LIMIT:
        return [s]
    ex = _protected(s, expand)
    return [s, ex, _protected(ex, factor_terms), _signed(_protected(ex, factor))]


def _expanded(node):
    return _cheapest_entrywise(node, _expanded_forms)


@transform("expand Hadamard products", EXPAND)
def expand_hadamard(e):
    return _roots_first(e, _expanded)


def _merge_diagonals(node):
    if not isinstance(node, MatAdd):
        return node
    diags, rest = [], []
    for t in node.args:
        c, core = _split_matrix_coeff(t)
        (diags if isinstance(core, DiagMatrix) else rest).append((c, core))
    if len(diags) < 2:
        return node
    # diag of a row is diag of its transpose: sum the columns
    cols = [(c, v if v.cols == 1 else transpose(v))
            for c, v in ((c, core.args[0]) for c, core in diags)]
    inner = matadd(*[MatMul(c, v) if c != 1 else v for c, v in cols])
    return matadd(DiagMatrix(inner), *[MatMul(c, core) if c != 1 else core
                                       for c, core in rest])


@transform("diag of a sum", DIAG_SUM)
def diag_sum(e):
    return bottom_up(e, _merge_diagonals)


def _column(M):
    return _is_matrix(M) and M.shape[1] == 1


def _diag_times_vector(node):
    if not isinstance(node, MatMul):
        return node
    args = list(node.args)
    for i, a in enumerate(args):
        if not isinstance(a, DiagMatrix) or not _column(a.args[0]):
            continue
        v = a.args[0]
        if i + 1 < len(args) and _column(args[i + 1]):
            args[i:i + 2] = [HadamardProduct(v, args[i + 1])]
            return matmul(*args)
        if i > 0 and _is_matrix(args[i - 1]) and args[i - 1].shape[0] == 1:
            args[i - 1:i + 1] = [Transpose(HadamardProduct(
                transpose(args[i - 1]), v))]
            return matmul(*args)
    return node


@transform("diag times a vector", DIAG_PRODUCT)
def diag_product(e):
    return bottom_up(e, _diag_times_vector)


def _distribute_node(node):
    if not isinstance(node, MatMul):
        return node
    args = list(node.args)
    for i, a in enumerate(args):
        if isinstance(a, MatAdd) and any(
                isinstance(_split_matrix_coeff(t)[1], DiagMatrix) for t in a.args):
            return matadd(*[matmul(*args[:i], t, *args[i + 1:])
                            for t in a.args])
    return node


@transform("distribute a product over diag(a) + B", facts.DISTRIBUTE, lookahead=True)
def distribute(e):
    return bottom_up(e, _distribute_node)


def _inner_as_hadamard(node):
    if not isinstance(node, MatMul):
        return node
    scalars = [a for a in node.args if not _is_matrix(a)]
    mats = [a for a in node.args if _is_matrix(a)]
    for i in range(len(mats) - 1):
        if mats[i].shape[0] == 1 and mats[i + 1].shape[1] == 1 and (
                has_entrywise_content(mats[i]) or
                has_entrywise_content(mats[i + 1])):
            n = mats[i].shape[1]
            s = Trace(MatMul(OneMatrix(1, n), HadamardProduct(
                transpose(mats[i]), mats[i + 1])))
            rest = mats[:i] + mats[i + 2:]
            if not rest:
                return Mul(*scalars) * s * Identity(1)
            return matmul(*scalars, s, *rest)
    return node


@transform("inner product as a Hadamard sum", INNER, lookahead=True)
def inner_product(e):
    return bottom_up(e, _inner_as_hadamard)


TRANSPOSE_PRODUCT = Fact("(AB)^T = B^T A^T", r"(\mathbf{A}\mathbf{B})^\top="
                         r"\mathbf{B}^\top\mathbf{A}^\top")


def _transposed_product(n):
    # SymPy's transpose() also splits the transposes of sums: fold them back
    if isinstance(n, Transpose) and isinstance(n.arg, MatMul):
        return fold_transposes(transpose(n.arg))
    return n


@transform("transpose of a product", TRANSPOSE_PRODUCT)
def transpose_product(e):
    return bottom_up(e, _transposed_product)


@transform("transpose of a sum", facts.FOLD_TRANSPOSE)
def fold(e):
    return fold_transposes(e)


def _collect_node(node):
    if isinstance(node, MatAdd):
        return fold_transposes(collect(list(node.args)) or node)
    return node


@transform("collecting like terms", facts.COLLECT)
def collect_terms(e):
    # folded at once: x (a^T - b^T) pays off only as x (a - b)^T
    return bottom_up(e, _collect_node)


COMMON_FACTOR = Fact("AB + AC = A(B + C)", r"\mathbf{A}\mathbf{B}+\mathbf{A}"
                     r"\mathbf{C}=\mathbf{A}(\mathbf{B}+\mathbf{C})")


def _common_factor_node(node):
    if not isinstance(node, MatAdd) or len(node.args) < 3:
        return node
    for side in (0, -1):
        by = {}
        for t in node.args:
            _, fs = _factors(t)
            if len(fs) > 1:
                by.setdefault(fs[side], []).append(t)
        for f, ts in by.items():
            if 1 < len(ts) < len(node.args):
                together = collect(ts)
                rest = [t for t in node.args if t not in ts]
                return matadd(*rest, *([together] if together is not None
                                       else []))
    return node


@transform("common factor of some terms", COMMON_FACTOR, lookahead=True)
def common_factor(e):
    """Terms of a sum that share their first (or last) factor, collected:
    ``2λw^T + a^T X + b^T X`` as ``2λw^T + (a + b)^T X``; the rest stays."""
    return bottom_up(e, _common_factor_node)


# --- the driver --------------------------------------------------------------

def _worth_trying(e):
    return any(isinstance(n, (HadamardProduct, HadamardPower, DiagMatrix,
                              ElementwiseApplyFunction))
               for n in preorder_traversal(e))


def _settle(e, record):
    """The plain transforms, each kept while it lowers the cost."""
    best = e
    changed = True
    while changed:
        changed = False
        for t in TRANSFORMS:
            if t.lookahead:
                continue
            new = t.apply(best)
            if new != best and cheaper(new, best):
                best, changed = new, True
                record.append((t, best))
    return best


def textbook_form(e, record=None):
    """``e`` in its cheapest form under :data:`TRANSFORMS`.

    ``record``, a list, receives ``(transform, expression)`` for each step.
    """
    if not isinstance(e, Basic) or not _worth_trying(e):
        return e
    _memos.append({})
    try:
        return _textbook_form(e, record)
    finally:
        _memos.pop()


def _textbook_form(e, record):
    steps = []
    best = _settle(e, steps)
    improved = True
    while improved:
        improved = False
        for t in TRANSFORMS:
            if not t.lookahead:
                continue
            new = t.apply(best)
            if new == best:
                continue
            trial = [(t, new)]
            settled = _settle(new, trial)
            if cheaper(settled, best):
                best, improved = settled, True
                steps += trial
    if record is not None:
        record.extend(steps)
    return best


# --- collecting and factoring sums -----------------------------------------

def _factors(e):
    """Scalar coefficient and matrix factors of a product."""
    c, core = _split_matrix_coeff(e) if _is_matrix(e) else (S.One, e)
    if isinstance(core, MatMul):
        return c, list(core.args)
    return c, [core]


def collect(terms):
    """The sum of matrix ``terms``, like terms merged, common factors out.

    ``x.T*A + x.T*A.T`` becomes ``x.T*(A + A.T)``; ``I⊗A + I⊗B`` becomes
    ``I⊗(A + B)``.  None if the terms cancel.

    >>> from sympy import MatrixSymbol
    >>> from sympy_matdiff.textbook import collect
    >>> x, A = MatrixSymbol('x', 3, 1), MatrixSymbol('A', 3, 3)
    >>> collect([x.T*A, x.T*A.T])
    x.T*(A + A.T)
    """
    items = _merged(terms)
    if not items:
        return None
    if len(items) == 1:
        c, core = items[0]
        return core if c == 1 else matmul(c, core)
    return _scalar_out(_factor_out(items) or matadd(
        *[core if c == 1 else matmul(c, core) for c, core in items]))


def _scalar_out(e):
    """A sum whose terms share a scalar factor as that factor times a sum.

    Last, on the sum SymPy built: its products may have simplified terms
    ((S³)⁻¹S² = S⁻¹) and merged them."""
    if not isinstance(e, MatAdd):
        return e
    items = [_split_matrix_coeff(t) for t in e.args]
    g = _common_scalar(items)
    if g == 1:
        return e
    return matmul(g, matadd(*[core if c == g else matmul(c / g, core)
                              for c, core in items]))


def _merged(terms):
    """``[(coefficient, core)]`` of the matrix ``terms``, like cores merged."""
    merged = {}
    for t in terms:
        # SymPy's KroneckerProduct.doit fails on a factor with a coefficient
        t = t.replace(lambda e: isinstance(e, KroneckerProduct),
                      lambda e: kronecker_product(*e.args))
        c, core = _split_matrix_coeff(t)
        if c != 0:
            merged[core] = merged.get(core, S.Zero) + c
    return [(c, core) for core, c in merged.items() if c != 0]


def _common_scalar(items):
    """The scalar factor, numbers aside, of every coefficient: ``c A + c B =
    c (A + B)`` (Cookbook (2.1.2-54): det(XᵀAX) times a sum).  A number is
    left in place: SymPy distributes 2(A + B) back."""
    common = None
    for c, _ in items:
        rest = c.as_coeff_Mul()[1]
        factors = Counter(Mul.make_args(rest)) if rest != 1 else Counter()
        common = factors if common is None else common & factors
        if not common:
            return S.One
    return Mul(*common.elements())


def _factor_out(items):
    """Pull a factor common to every term out to the left or the right."""
    split = []
    for c, core in items:
        if isinstance(core, MatMul):
            c2, fs = _factors(core)
            split.append((c * c2, fs))
        else:
            split.append((c, [core]))
    # every coefficient negative: the sign goes outside, -A(B + C) rather
    # than A(-B - C)
    sign = -1 if all(c.is_extended_negative for c, _ in split) else 1
    for side in (0, -1):
        first = split[0][1][side]
        if all(len(fs) > 1 and fs[side] == first for _, fs in split):
            rest = [matmul(sign * c, *(fs[1:] if side == 0 else fs[:-1]))
                    for c, fs in split]
            inner = collect(rest)
            if inner is None:       # the terms cancel: no factor to take out
                return None
            return matmul(sign, first, inner) if side == 0 else \
                matmul(sign, inner, first)
    if all(isinstance(core, KroneckerProduct) and len(core.args) == 2
           for _, core in items):
        for side in (0, 1):
            first = items[0][1].args[side]
            if all(core.args[side] == first for _, core in items):
                rest = collect([matmul(c, core.args[1 - side])
                                for c, core in items])
                if rest is None:
                    return None
                return KroneckerProduct(first, rest) if side == 0 else \
                    KroneckerProduct(rest, first)
    return None


__all__ = ["textbook_form", "TRANSFORMS", "Transform", "cost", "collect"]
