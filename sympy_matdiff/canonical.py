"""The canonical form of a differential.

A differential is linear in the differential atoms ``dX``.  Its canonical
form is a sum of terms ``c * m``: ``c`` a scalar free of differentials
("constants pulled out"), ``m`` a monomial with one differential.  Terms equal
by the trace and transpose identities are merged, and each merged term is
written in its cheapest form, as in ``sympy/simplify/fu.py``: the candidates
are the monomial itself and, for a 1x1 monomial, its transpose
(``x^T y = y^T x``); the cost prefers an untransposed differential, then fewer
transposes, then a shorter expression.

The merge key of a scalar term is its *trace form*: the G with
``term = tr(G dX)``.  That is also the derivative in numerator layout, which
is why :func:`trace_form` is public.

>>> from sympy import MatrixSymbol, Trace
>>> from sympy_matdiff import Differential
>>> from sympy_matdiff.canonical import canonical, trace_form
>>> x = MatrixSymbol('x', 3, 1)
>>> dx = Differential(x)
>>> canonical(dx.T*x + x.T*dx, x.T*x)
2*x.T*dx
>>> trace_form(Trace(dx.T*x))
(dx, x.T)
"""
from itertools import product as cartesian

from sympy import (Add, Basic, HadamardPower, HadamardProduct, Identity,
                   KroneckerProduct, MatAdd, MatMul, MatPow, MatrixSymbol, Mul,
                   OneMatrix, Pow, S, Trace, Transpose, ZeroMatrix,
                   default_sort_key, preorder_traversal)
from sympy.core.cache import cacheit
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.matexpr import MatrixElement

from . import facts
from .constructors import matadd, matmul, transpose
from .cost import Printed
from .differentials import (DIFFERENTIALS, Differential, ScalarDifferential,
                            zero_like)


@cacheit
def has_differential(e):
    """Does ``e`` hold a differential?  From the (cached) answers for its
    parts: expand_terms and the trace moves ask it of every part, and a
    fresh ``has()`` walk for each was quadratic in the depth."""
    if isinstance(e, DIFFERENTIALS):
        return True
    if not isinstance(e, Basic):
        return getattr(e, "has", None) is not None and e.has(*DIFFERENTIALS)
    return any(has_differential(a) for a in e.args)


def _is_matrix(e):
    return bool(getattr(e, "is_Matrix", False))


def _split_matrix_coeff(m):
    """``(c, rest)`` with m = c*rest and c a scalar free of differentials."""
    if isinstance(m, MatMul):
        scalars = [a for a in m.args if not a.is_Matrix and not has_differential(a)]
        if scalars:
            rest = [a for a in m.args if a.is_Matrix or has_differential(a)]
            return Mul(*scalars), _mat(rest)
    return S.One, m


def _mat(factors):
    return factors[0] if len(factors) == 1 else matmul(*factors)


def _build(node, pieces):
    if isinstance(node, MatMul):
        return matmul(*pieces)
    if isinstance(node, Mul):
        return Mul(*pieces)
    if isinstance(node, HadamardProduct):
        # SymPy's own order, so results == SymPy-built sums; but no merging
        # into HadamardPower, which would hide a differential's linearity
        flat = [a for p in pieces for a in
                (p.args if isinstance(p, HadamardProduct) else [p])]
        return HadamardProduct(*sorted(flat, key=default_sort_key))
    if isinstance(node, KroneckerProduct):
        # s (A ⊗ B) rather than (s A) ⊗ B, even where s holds a differential:
        # SymPy's KroneckerProduct.doit fails on a factor s*A*B
        from .rules import kronecker_product
        return kronecker_product(*pieces)
    return node.func(*pieces)


def expand_terms(e):
    """``e`` as a list of ``(coefficient, monomial)``.

    Products, traces, transposes and entries are distributed over the sums
    that contain differentials; constant parts are left alone.  A constant
    term has monomial ``None``.
    """
    if not has_differential(e):
        return [(e, None)]
    if isinstance(e, DIFFERENTIALS):
        return [(S.One, e)]
    if isinstance(e, (MatAdd, Add)):
        return [t for a in e.args for t in expand_terms(a)]
    if isinstance(e, HadamardPower) and e.exp.is_Integer and e.exp > 0:
        # SymPy writes dX∘dX as a power; the product shows each factor
        return expand_terms(HadamardProduct(*[e.base] * int(e.exp)))
    if isinstance(e, (MatMul, Mul, HadamardProduct, KroneckerProduct)):
        out = []
        for combo in cartesian(*(expand_terms(a) for a in e.args)):
            coeff, pieces = S.One, []
            for c, m in combo:
                if m is None and not _is_matrix(c):
                    coeff *= c
                    continue
                if m is None:
                    c, m = _split_matrix_coeff(c)
                coeff *= c
                pieces.append(m)
            m = _build(e, pieces)
            c, m = _split_matrix_coeff(m)
            out.append((coeff * c, m))
        return out
    if isinstance(e, Transpose):
        return [(c, transpose(m)) for c, m in expand_terms(e.arg)]
    if isinstance(e, Trace):
        return [(c, _trace(m)) for c, m in expand_terms(e.arg)]
    if isinstance(e, MatrixElement):
        return [(c, MatrixElement(m, *e.indices)) for c, m in
                expand_terms(e.parent)]
    return [(S.One, e)]


def _trace(m):
    """tr(m), with tr(A ⊗ B) = tr(A) tr(B) for square A, B."""
    # for A 1x2, B 2x1 the product A ⊗ B is square but tr(A), tr(B) are not
    if isinstance(m, KroneckerProduct) and all(a.is_square for a in m.args):
        return Mul(*[Trace(a) for a in m.args])
    return Trace(m)


def _is_zero(m):
    if isinstance(m, ZeroMatrix) or m == 0:
        return True
    return isinstance(m, (HadamardProduct, KroneckerProduct, MatMul)) and any(
        isinstance(a, ZeroMatrix) for a in m.args)


# --- trace forms -----------------------------------------------------------

def trace_form(m, record=None):
    """``(dX, G)`` with the scalar monomial ``m = tr(G dX)``, or ``None``.

    ``m`` is a trace, a 1x1 matrix, or a scalar product, linear in one
    differential.  In a second-order term (two differentials) the last one
    is taken out and the other stays in G.  Cyclic permutation, ``tr(A^T) = tr(A)`` and
    ``tr(P (A o N)) = tr((P o A^T) N)`` bring the differential to the right.
    ``record`` (see :func:`_trace_of`) receives the moves.
    """
    if record is None:
        return _trace_form_of(m)
    return _trace_form(m, record)


@cacheit    # canonical() asks it of each term (the merge key), identification again
def _trace_form_of(m):
    return _trace_form(m, None)


def _trace_form(m, record):
    if isinstance(m, ScalarDifferential):
        return m, S.One
    if isinstance(m, Trace):
        return _trace_of(m.arg, None, record)
    if _is_matrix(m) and m.shape == (1, 1):
        return _trace_of(m, None, record)
    if isinstance(m, Pow) and m.exp.is_Integer and m.exp > 1:
        found = trace_form(m.base)      # s^k = s^(k-1) s (second order)
        if found:
            return found[0], _scale(m.base**(m.exp - 1), found[1])
    if isinstance(m, Mul):
        inner = [a for a in m.args if has_differential(a)]
        if inner:   # the last one; any other stays in G (second order)
            found = trace_form(inner[-1])
            if found:
                rest = Mul(*[a for a in m.args if a is not inner[-1]])
                return found[0], _scale(rest, found[1])
    return None


def _scale(c, G):
    return matmul(c, G) if _is_matrix(G) else c * G


def _times(*factors):
    factors = [f for f in factors if f is not None]
    return _mat(factors) if factors else None


def _trace_of(M, P, record=None, outer=S.One):
    """G with tr(P M) = tr(G dX), P = None meaning the identity.

    ``record``, a list, receives ``(fact, outer * tr(P' M'))`` for each
    move, so that a derivation can show it; ``outer`` is the scalar
    factor pulled out so far.
    """
    def note(fact, P2, M2):
        if record is not None:
            record.append((fact, _scale(outer, Trace(_times(P2, M2)))))
    if isinstance(M, DIFFERENTIALS):
        if isinstance(M, ScalarDifferential):
            return None
        return M, P if P is not None else Identity(M.shape[1])
    if isinstance(M, Transpose):
        P2 = None if P is None else transpose(P)
        note(facts.TRACE_TRANSPOSE, P2, M.arg)
        return _trace_of(M.arg, P2, record, outer)
    if isinstance(M, MatPow) and has_differential(M.base):
        M = MatMul(*[M.base] * int(M.exp))      # SymPy's dX**2 is dX*dX
    if isinstance(M, MatMul):
        scalars = [a for a in M.args if not a.is_Matrix]
        mats = [f for a in M.args if a.is_Matrix for f in (
            [a.base] * int(a.exp) if isinstance(a, MatPow) and
            has_differential(a.base) else [a])]
        coeff = Mul(*scalars)
        ks = [i for i, a in enumerate(mats) if has_differential(a)]
        if not ks:  # tr(P s(dX) R) = s(dX) tr(P R)
            inside = [a for a in scalars if has_differential(a)]
            found = trace_form(inside[-1]) if inside else None
            if not found:
                return None
            rest = Mul(*[a for a in scalars if a is not inside[-1]])
            return found[0], _scale(rest * Trace(_times(P, *mats)), found[1])
        # the last factor with a differential; any other stays in G
        k = ks[-1]
        P2 = _times(*mats[k + 1:], P, *mats[:k])
        if coeff != 1:
            outer = outer * coeff
            note(facts.TRACE_SCALAR, _times(P, *mats[:k]), _times(*mats[k:]))
        if mats[k + 1:]:
            note(facts.CYCLIC, P2, mats[k])
        found = _trace_of(mats[k], P2, record, outer)
        if found is None:
            return None
        return found[0], _scale(coeff, found[1]) if coeff != 1 else found[1]
    if isinstance(M, DiagMatrix):     # tr(P diag(v)) = sum_i P_ii v_i
        v = M.args[0]
        g = _diagonal_row(P, M.rows)
        P2 = g if v.cols == 1 else transpose(g)
        note(facts.TRACE_DIAG, P2, v)
        return _trace_of(v, P2, record, outer)
    if isinstance(M, HadamardProduct):
        ks = [i for i, a in enumerate(M.args) if has_differential(a)]
        others = [a for i, a in enumerate(M.args) if i != ks[-1]]
        A = others[0] if len(others) == 1 else HadamardProduct(*others)
        Q = Identity(M.shape[1]) if P is None else P
        # 1 ∘ A = A: a row of ones (1^T (A ∘ dx)) leaves A^T alone
        P2 = transpose(A) if isinstance(Q, OneMatrix) else \
            HadamardProduct(Q, transpose(A))
        note(facts.TRACE_HADAMARD, P2, M.args[ks[-1]])
        return _trace_of(M.args[ks[-1]], P2, record, outer)
    return None


def _diagonal_row(P, n):
    """The 1 x n row of the diagonal entries of P (None: the identity).

    An outer product ``a b^T`` (a product that splits into a column and a
    row) has the diagonal ``(a ∘ b)^T``, ``diag(w)`` has ``w^T``; otherwise
    ``1^T (P ∘ I)``.
    """
    if P is None:
        return OneMatrix(1, n)
    if isinstance(P, DiagMatrix):
        w = P.args[0]
        return transpose(w) if w.cols == 1 else w
    factors = list(P.args) if isinstance(P, MatMul) else [P]
    scalars = [f for f in factors if not _is_matrix(f)]
    mats = [f for f in factors if _is_matrix(f)]
    for j in range(1, len(mats)):
        if mats[j - 1].cols == 1:       # P = c (column)(row)
            a, b = _mat(mats[:j]), _mat(mats[j:])
            return _scale(Mul(*scalars), transpose(HadamardProduct(a, transpose(b))))
    return MatMul(OneMatrix(1, n), HadamardProduct(P, Identity(n)))


# --- choosing the written form ---------------------------------------------

def cost(m):
    """Untransposed differentials first, then fewer transposes, then length
    (and the text): printed only to break a tie, as SymPy's printing of a
    product is slow (it negates the product to see its sign)."""
    transposes = transposes_in(m)
    return (sum(1 for t in transposes if isinstance(t.arg, DIFFERENTIALS)),
            len(transposes), Printed(m))


@cacheit     # a function of e alone, asked of the same parts again and again
def fold_transposes(e):
    """Write a sum of transposes as the transpose of a sum where that is shorter.

    SymPy evaluates ``(W*x + b).T`` to ``b.T + x.T*W.T``; the seed writes the
    former.
    """
    def fold(s):
        if len(transposes_in(s)) < 2:
            return s
        flipped = matadd(*[transpose(t) for t in s.args])
        if len(transposes_in(flipped)) + 1 < len(transposes_in(s)):
            return Transpose(flipped)
        return s
    # a fold saves at least two transposes: with fewer in e, none applies
    if len(transposes_in(e)) < 2:
        return e
    return e.replace(lambda s: isinstance(s, MatAdd) and not has_differential(s),
                     fold)


@cacheit
def transposes_in(e):
    """``e.atoms(Transpose)``, from the (cached) sets of its parts: asked of
    every sum of a large Hessian and of its parts, the walks were quadratic."""
    if not isinstance(e, Basic) or not e.args:
        return frozenset()
    found = frozenset().union(*[transposes_in(a) for a in e.args])
    return found | {e} if isinstance(e, Transpose) else found


def _beats_its_transpose(m):
    """Is ``m`` cheaper than every way of writing its transpose?

    So where m has no transposed differential and ``dX`` (X a symbol) is a
    factor of its product: the transposed product has the factor ``dX^T``
    (in every folded form too; checked to stay a transpose, which a
    symmetric X could drop), and :func:`cost` puts a form without one
    first.  Spares building transposes that cannot win.
    """
    M = m.arg if isinstance(m, Trace) else m
    factors = M.args if isinstance(M, MatMul) else (M,)
    return any(isinstance(f, Differential) and isinstance(f.arg, MatrixSymbol)
               and isinstance(transpose(f), Transpose) for f in factors) and \
        cost(m)[0] == 0


def candidates(m):
    """Equal ways to write a monomial, each with the fact that gives it."""
    out = [(m, None)]
    if _beats_its_transpose(m):
        pass
    elif isinstance(m, Trace):
        out.append((Trace(transpose(m.arg)), facts.TRACE_TRANSPOSE))
    elif _is_matrix(m) and m.shape == (1, 1):
        out.append((transpose(m), facts.TRANSPOSE_SCALAR))
    folded = [(fold_transposes(c), fact or facts.FOLD_TRANSPOSE) for c, fact in out]
    return out + [(c, fact) for c, fact in folded
                  if c not in [o for o, _ in out]]


def best_form(ms):
    """The cheapest way to write any of the equal monomials ``ms``."""
    options = [cf for m in ms for cf in candidates(m)]
    if len(options) == 1:
        return options[0]
    return min(options, key=lambda cf: cost(cf[0]))


def _rotations(T):
    """tr(F1...Fn) written every way cyclicity and transposition allow."""
    fs = list(T.arg.args) if isinstance(T.arg, MatMul) else [T.arg]
    c = Mul(*[f for f in fs if not f.is_Matrix])
    fs = [f for f in fs if f.is_Matrix]
    for seq in (fs, [transpose(f) for f in reversed(fs)]):
        for i in range(len(seq)):
            yield c * Trace(_mat(seq[i:] + seq[:i]))


def trace_normal(e):
    """``e`` with each trace rotated to one canonical form, for comparing."""
    return e.replace(lambda t: isinstance(t, Trace) and not has_differential(t),
                     lambda t: min(_rotations(t), key=default_sort_key))


def _key(m):
    if not _is_matrix(m) or m.shape == (1, 1):
        found = trace_form(m)
        if found is not None:
            return ("tr", found[0], trace_normal(found[1]))
    return ("as is", m)


def _terms(expr):
    for c, m in expand_terms(expr):
        if m is None:
            m, c = c, S.One   # a term free of differentials (second order)
        if c != 0 and not _is_zero(m):
            yield c, m


def assemble(terms, like):
    """The sum of ``(coefficient, monomial)`` terms, a differential of ``like``."""
    terms = [m if c == 1 else _scale(c, m) for c, m in terms]
    if not terms:
        return zero_like(like)
    if all(_is_matrix(t) for t in terms):
        # MatAdd(evaluate=True) would re-expand folded transposes; sorting
        # as it does keeps results == to the same sum built by SymPy.
        return terms[0] if len(terms) == 1 else MatAdd(
            *sorted(terms, key=default_sort_key))
    return Add(*[Trace(t) if _is_matrix(t) else t for t in terms])


def canonical(expr, like):
    """The canonical form of the differential ``expr`` of ``like``."""
    groups = {}
    for c, m in _terms(expr):
        groups.setdefault(_key(m), []).append((c, m))
    merged = []
    for members in groups.values():
        coeff = Add(*[c for c, _ in members])
        if coeff != 0:
            merged.append((coeff, best_form([m for _, m in members])[0]))
    return assemble(merged, like)


def _distributes(expr):
    """Does expanding ``expr`` distribute a product over a sum?"""
    summands = expr.args if isinstance(expr, (Add, MatAdd)) else (expr,)
    return any(isinstance(n, (Add, MatAdd)) and has_differential(n)
               for s in summands for n in preorder_traversal(s) if n is not s)


def canonical_steps(expr, like):
    """:func:`canonical` in steps ``[(facts, expression)]``, for derivations.

    Distributing over sums, rewriting each term in its cheapest form (naming
    the fact used), then collecting like terms; steps that change nothing
    are left out.
    """
    terms = list(_terms(expr))
    rewritten = [(c,) + best_form([m]) for c, m in terms]
    used = sorted({f for _, _, f in rewritten if f}, key=lambda f: f.text)
    steps = [((facts.DISTRIBUTE,), assemble(terms, like)),
             (tuple(used), assemble([(c, m) for c, m, _ in rewritten], like)),
             ((facts.COLLECT,), canonical(expr, like))]
    if not _distributes(expr):
        steps = steps[1:]   # only brackets went: no line of its own
    out, last = [], expr
    for fact, e in steps:
        if e != last and fact:    # a change with no fact only moved brackets
            out.append((fact, e))
        last = e
    return out
