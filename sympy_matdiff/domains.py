"""Where results hold: invertibility conditions and forms valid everywhere.

A derivative is right only where it is defined.  ``det(X) X^-1`` is the
derivative of ``det(X)`` where X is invertible, but ``det`` has a derivative
at every X: ``adj(X)`` (Jacobi's formula, eq. (18), d|X| = tr(adj(X) dX)).
This module holds

* :func:`valid_where` -- the condition under which a result holds, beyond
  the conditions under which the differentiated expression itself is
  defined, as a SymPy boolean of ``Q.invertible(M)`` (``True``: wherever the
  input is defined);
* :func:`whole_domain` -- ``|M| M^-1`` rewritten as ``adj(M)`` wherever a
  term allows it, which extends a result to singular M;
  :func:`structurally_singular` matrices (``U V^T`` with U, V n x r, r < n),
  at which the invertible form is defined nowhere, get it automatically;
* :func:`adjugate_polynomial` -- adj(X) for a concrete size n as a
  polynomial in X (Cayley-Hamilton, with the coefficients by Newton's
  identities: ``adj(X) = tr(X) I - X`` for n = 2), valid for every X; the
  adjugate rule differentiates it;
* :func:`as_matrix_expression` and :func:`fold_indicators` -- a ``Piecewise``
  whose values are matrices as a sum of matrices times 0/1 indicators, and
  back.

>>> from sympy import MatrixSymbol, Symbol, Trace, det
>>> from sympy_matdiff import adj, derivative
>>> from sympy_matdiff.domains import valid_where, whole_domain
>>> X = MatrixSymbol('X', 3, 3)
>>> G = derivative(det(X), X)
>>> G, valid_where(det(X), G), whole_domain(G)
(Determinant(X)*X**(-1), Q.invertible(X), adj(X))
>>> U, V = MatrixSymbol('U', 3, 2), MatrixSymbol('V', 3, 2)
>>> derivative(Trace(adj(U*V.T)), U)      # V^T (tr(C) I - C), C = U V^T
Trace(U*V.T)*V.T - V.T*U*V.T
>>> n = Symbol('n', integer=True, positive=True)
>>> Y = MatrixSymbol('Y', n, n)
>>> valid_where(Trace(adj(Y)), derivative(Trace(adj(Y)), Y))
Q.invertible(Y)
"""
from sympy import (Add, And, Basic, Determinant, Identity, Inverse, MatAdd,
                   MatMul, MatPow, Mul, Piecewise, Pow, Q, S, Trace, Transpose,
                   ZeroMatrix, log, preorder_traversal)
from sympy.logic.boolalg import BooleanTrue

# adj(X) of a concrete size n is written as its Cayley-Hamilton polynomial up
# to this n (the coefficients have as many terms as n - 1 has partitions);
# beyond, the invertible form |X| X^-1 is used and the result says so.
POLYNOMIAL_ADJUGATE_MAX = 8


# --- adj(X) as a polynomial in X -------------------------------------------

def _power(M, k):
    if k == 0:
        return Identity(M.shape[0])
    return M if k == 1 else MatPow(M, k)


def adjugate_polynomial(M):
    """adj(M) for a concrete size n, as a polynomial in M valid for every M.

    Cayley-Hamilton: sum_k (-1)^k e_k M^(n-k) = 0, with e_k the elementary
    symmetric functions of the eigenvalues (e_n = det M); so
    M adj(M) = det(M) I gives adj(M) = sum_{k<n} (-1)^(n-1+k) e_k M^(n-1-k),
    a polynomial identity.  Newton's identities give e_k from the traces
    p_i = tr(M^i): k e_k = sum_{i=1}^k (-1)^(i-1) e_(k-i) p_i.

    >>> from sympy import MatrixSymbol
    >>> adjugate_polynomial(MatrixSymbol('X', 2, 2))
    Trace(X)*I - X
    >>> adjugate_polynomial(MatrixSymbol('X', 3, 3))
    (-Trace(X**2)/2 + Trace(X)**2/2)*I + (-Trace(X))*X + X**2
    """
    n = int(M.shape[0])
    p = [None] + [Trace(_power(M, i)) for i in range(1, n)]
    e = [S.One]
    for k in range(1, n):
        e.append(Add(*[(-1)**(i - 1) * e[k - i] * p[i]
                       for i in range(1, k + 1)]) / k)
    terms = [MatMul((-1)**(n - 1 + k) * e[k], _power(M, n - 1 - k))
             for k in range(n)]
    return MatAdd(*terms).doit(deep=False) if len(terms) > 1 else terms[0]


def _elementary(n):
    """e_0..e_(n-1) as polynomials in the power sums p_1..p_(n-1) (Dummies)."""
    from sympy import Dummy, expand
    p = [None] + [Dummy(f"p{i}") for i in range(1, n)]
    e = [S.One]
    for k in range(1, n):
        e.append(expand(Add(*[(-1)**(i - 1) * e[k - i] * p[i]
                              for i in range(1, k + 1)]) / k))
    return p, e


def adjugate_differential(M, dM, d_power):
    """d adj(M) for a concrete size n from the Cayley-Hamilton polynomial.

    adj(M) = sum_k (-1)^(n-1+k) e_k M^(n-1-k), so d adj(M) is the sum of
    (-1)^(n-1+k) (de_k M^(n-1-k) + e_k d(M^(n-1-k))), with
    de_k = sum_i (de_k/dp_i) i tr(M^(i-1) dM) (p_i = tr(M^i), by eq. (17)
    and the cyclic property).  ``d_power(j)`` is d(M^j); valid for every M.

    >>> from sympy import MatrixSymbol
    >>> from sympy_matdiff import d, adj
    >>> d(adj(MatrixSymbol('X', 2, 2)))
    Trace(dX)*I - dX
    """
    n = int(M.shape[0])
    p, e = _elementary(n)
    traces = {p[i]: Trace(_power(M, i)) for i in range(1, n)}
    dtraces = {p[i]: i * Trace(MatMul(_power(M, i - 1), dM).doit(deep=False))
               for i in range(1, n)}
    terms = []
    for k in range(n):
        sign, j = (-1)**(n - 1 + k), n - 1 - k
        de = Add(*[e[k].diff(q) * dtraces[q] for q in p[1:]]).xreplace(traces)
        if de != 0:
            terms.append(MatMul(sign * de, _power(M, j)).doit(deep=False))
        if j > 0:
            terms.append(MatMul(sign * e[k].xreplace(traces),
                                d_power(j)).doit(deep=False))
    return MatAdd(*terms).doit(deep=False) if len(terms) > 1 else terms[0]


def polynomial_adjugate_applies(M):
    """Is M of a concrete size for which :func:`adjugate_polynomial` is used?"""
    n = M.shape[0]
    return getattr(n, "is_Integer", False) and int(n) <= POLYNOMIAL_ADJUGATE_MAX


# --- conditions ------------------------------------------------------------

def _factors(M):
    """The square matrices whose invertibility is that of M."""
    if isinstance(M, Transpose):
        return _factors(M.arg)
    if isinstance(M, (Inverse,)):
        return _factors(M.arg)
    if isinstance(M, MatPow) and M.exp.is_Integer and M.exp != 0:
        return _factors(M.base)
    if isinstance(M, MatMul):
        mats = [a for a in M.args if a.is_Matrix]
        scalars = [a for a in M.args if not a.is_Matrix]
        if all(a.is_square for a in mats) and all(
                s.is_nonzero for s in scalars):
            return frozenset().union(*(_factors(a) for a in mats))
    if isinstance(M, Identity):
        return frozenset()
    return frozenset([M])


def _det_base(e):
    return e.arg if isinstance(e, Determinant) else None


def inverted(expr):
    """The matrices that ``expr`` inverts: it is defined only where they are
    invertible (``X^-1``, ``X^-k``, ``1/det(X)``, ``log(det(X))``).

    >>> from sympy import MatrixSymbol, det, log
    >>> X, Y = MatrixSymbol('X', 3, 3), MatrixSymbol('Y', 3, 3)
    >>> sorted(inverted(log(det(X*Y))), key=str)
    [X, Y]
    """
    out = set()
    if not isinstance(expr, Basic):
        return frozenset()
    from sympy import Sum
    from .powers import MatrixSum
    # the index of a sum over r runs over its limits: X**(k - 1 - r) for
    # r = 0..k-1 has a nonnegative exponent
    ranges = [s.limits if isinstance(s, MatrixSum) else s.limits[0]
              for s in expr.atoms(Sum, MatrixSum)]
    for e in preorder_traversal(expr):
        if isinstance(e, Inverse):
            out |= _factors(e.arg)
        elif isinstance(e, MatPow) and not _nonnegative(e.exp, ranges):
            # X**m, m an integer of unknown sign: defined for every m only
            # where X is invertible
            out |= _factors(e.base)
        elif isinstance(e, Pow) and e.exp.is_negative and _det_base(e.base):
            out |= _factors(e.base.arg)
        elif isinstance(e, log):    # log det(XY) is log(det(X) det(Y))
            for f in Mul.make_args(e.args[0]):
                f = f.base if isinstance(f, Pow) else f
                if _det_base(f) is not None:
                    out |= _factors(f.arg)
    return frozenset(out)


def _nonnegative(x, ranges):
    if x.is_nonnegative:
        return True
    for r, lo, hi in ranges:
        if x.has(r) and x.diff(r).diff(r) == 0:     # linear in r: its ends
            if x.subs(r, lo).is_nonnegative and x.subs(r, hi).is_nonnegative:
                return True
    return False


def valid_where(expr, result):
    """Where ``result``, a derivative (or differential) of ``expr``, holds.

    A SymPy boolean: ``True`` when the result is defined wherever ``expr``
    is, otherwise the ``Q.invertible(M)`` conditions the result adds (a
    formula such as d|X| = |X| tr(X^-1 dX) holds for invertible X only).

    >>> from sympy import MatrixSymbol, det, log
    >>> from sympy_matdiff import derivative
    >>> X = MatrixSymbol('X', 3, 3)
    >>> valid_where(log(det(X)), derivative(log(det(X)), X))
    True
    >>> valid_where(det(X)**2, derivative(det(X)**2, X))
    Q.invertible(X)
    """
    from .differentials import prepare
    from .structure import implied_invertible
    need = {M for M in inverted(result) - inverted(prepare(expr))
            if not implied_invertible(M)}
    if not need:
        return S.true
    return And(*[Q.invertible(M) for M in sorted(need, key=str)])


def holds_everywhere(condition):
    return isinstance(condition, BooleanTrue) or condition is True


def note(condition):
    """The condition in words, for the command line and derivations.

    >>> from sympy import MatrixSymbol, Q
    >>> note(Q.invertible(MatrixSymbol('X', 2, 2)))
    'holds where X is invertible'
    """
    if holds_everywhere(condition):
        return ""
    preds = condition.args if not hasattr(condition, "function") else [condition]
    names = [str(p.arguments[0]) for p in preds]
    verb = "is" if len(names) == 1 else "are"
    return f"holds where {' and '.join(names)} {verb} invertible"


# --- forms valid on the whole domain -----------------------------------------

def _rank_bound(M):
    """An upper bound of rank(M) from its shape and structure."""
    r, c = M.shape
    bound = r if (c - r).is_nonnegative else c if (r - c).is_nonnegative else None
    if isinstance(M, MatMul):
        dims = [a.shape[0] for a in M.args if a.is_Matrix] + [
            a.shape[1] for a in M.args if a.is_Matrix]
        inner = [b for b in (_rank_bound(a) for a in M.args if a.is_Matrix)
                 if b is not None]
        for b in inner + dims:
            if bound is None or (bound - b).is_positive:
                bound = b
    elif isinstance(M, Transpose):
        return _rank_bound(M.arg)
    elif isinstance(M, MatAdd):
        parts = [_rank_bound(a) for a in M.args]
        if None not in parts:
            total = Add(*parts)
            if bound is None or (bound - total).is_positive:
                bound = total
    return bound


def structurally_singular(M):
    """Is the square M singular wherever it is defined, by its shape alone?

    >>> from sympy import MatrixSymbol
    >>> U, V = MatrixSymbol('U', 3, 2), MatrixSymbol('V', 3, 2)
    >>> structurally_singular(U*V.T), structurally_singular(U.T*V)
    (True, False)
    """
    b = _rank_bound(M)
    return b is not None and bool((M.shape[0] - b).is_positive)


def _inverse_of(e):
    """M for e = M^-1 (or (M^T)^-1 = (M^-1)^T, read as M^T)."""
    if isinstance(e, Inverse):
        return e.arg
    return None


def _path_to_inverse(e, M):
    """Does ``e`` hold M^-1 once, reachable through products, traces and
    transposes only (so that a scalar factor may move next to it)?"""
    inv = [n for n in preorder_traversal(e) if isinstance(n, Inverse)
           and _same(n.arg, M)]
    if len(inv) != 1:
        return False

    def reach(n):
        if isinstance(n, Inverse) and _same(n.arg, M):
            return True
        if isinstance(n, (MatMul, Mul, Trace, Transpose)):
            return any(reach(a) for a in n.args)
        return False
    return reach(e)


def _same(A, M):
    return A == M or A == Transpose(M) or Transpose(A) == M


def _adj_for(inv_arg):
    from .expressions import Adjugate
    return Adjugate(inv_arg)


def _rewrite_product(node, only):
    """det(M)^p * (... M^-1 ...) -> det(M)^(p-1) * (... adj(M) ...)."""
    args = [f for a in node.args for f in (
        Mul.make_args(a) if not getattr(a, "is_Matrix", False) else [a])]
    for i, a in enumerate(args):
        base, p = (a.base, a.exp) if isinstance(a, Pow) else (a, S.One)
        M = _det_base(base)
        if M is None or not (p.is_positive and p.is_integer) or not only(M):
            continue
        others = args[:i] + args[i + 1:]
        holders = [j for j, o in enumerate(others)
                   if any(isinstance(n, Inverse) and _same(n.arg, M)
                          for n in preorder_traversal(o))]
        if len(holders) != 1 or not _path_to_inverse(others[holders[0]], M):
            continue
        j = holders[0]
        held = others[j].replace(
            lambda n: isinstance(n, Inverse) and _same(n.arg, M),
            lambda n: _adj_for(n.arg))
        others[j] = held
        rest = [base**(p - 1)] if p != 1 else []
        new = rest + others
        if isinstance(node, MatMul):
            return MatMul(*new).doit(deep=False)
        return Mul(*new)
    return node


def whole_domain(expr, only=None):
    """``expr`` with |M| M^-1 written as adj(M) where a product allows it.

    The two are equal for invertible M, and adj(M) is defined for every M:
    a result that held for invertible M only holds then for every M (if no
    other inverse remains; :func:`valid_where` tells).  ``only`` (a
    predicate on M) limits the rewrite; by default every M.

    >>> from sympy import MatrixSymbol, Trace, det
    >>> from sympy_matdiff import d
    >>> X = MatrixSymbol('X', 3, 3)
    >>> d(det(X))
    Determinant(X)*Trace(X**(-1)*dX)
    >>> whole_domain(d(det(X)))
    Trace(adj(X)*dX)
    """
    only = only or (lambda M: True)
    if not isinstance(expr, Basic):
        return expr
    return expr.replace(lambda n: isinstance(n, (Mul, MatMul)),
                        lambda n: _rewrite_product(n, only))


def _trace_of_identity(e):
    if not isinstance(e, Trace):
        return False
    M = e.arg
    mats = [a for a in M.args if a.is_Matrix] if isinstance(M, MatMul) else [M]
    return len(mats) == 1 and isinstance(mats[0], Identity)


def repair(D):
    """The whole-domain form where the invertible one is defined nowhere.

    Applied by :func:`~sympy_matdiff.derivative` and
    :func:`~sympy_matdiff.hessian` to the differential: |M| M^-1 becomes
    adj(M) for :func:`structurally_singular` M.
    """
    from .powers import read_sums
    if not isinstance(D, Basic):
        return D
    D = read_sums(D)        # sums over r from symbolic powers X**k
    if D.has(Identity):     # tr(c I) from the adjugate polynomial: c n
        D = D.replace(_trace_of_identity, lambda e: e.arg.as_coeff_mmul()[0]
                      * e.arg.shape[0])
    if not D.has(Determinant):
        return D
    return whole_domain(D, only=structurally_singular)


# --- Piecewise of matrices -----------------------------------------------------

def finish(G):
    """A result as SymPy writes it: Piecewise of matrices, Sum over r."""
    from .powers import as_sums
    return as_sums(fold_indicators(G))


def is_matrix_piecewise(e):
    return isinstance(e, Piecewise) and any(
        getattr(v, "is_Matrix", False) for v, _ in e.args)


def indicator(before, c):
    """1 where condition c is the first true one (after ``before``), else 0."""
    return Piecewise(*[(S.Zero, b) for b in before], (S.One, c), (S.Zero, True))


def as_matrix_expression(expr):
    """A ``Piecewise`` of matrices as the sum of its values times indicators.

    SymPy's ``Piecewise`` is a scalar class even when its values are
    matrices; the sum is a matrix expression of the same value.

    >>> from sympy import MatrixSymbol, Piecewise, Symbol
    >>> X, t = MatrixSymbol('X', 2, 2), Symbol('t')
    >>> as_matrix_expression(Piecewise((t*X, t > 0), (X.T, True)))
    (t*Piecewise((1, t > 0), (0, True)))*X + Piecewise((0, t > 0), (1, True))*X.T
    """
    def convert(p):
        terms, before = [], []
        for v, c in p.args:
            if getattr(v, "is_Matrix", False):
                terms.append(MatMul(indicator(before, c), v).doit(deep=False))
            elif v != 0:
                return p        # a scalar value among matrices: leave it
            before.append(c)
        return MatAdd(*terms).doit(deep=False) if len(terms) > 1 else terms[0]
    if not isinstance(expr, Basic) or not expr.has(Piecewise):
        return expr
    return expr.replace(is_matrix_piecewise, convert)


def _indicator_of(e):
    """(conditions so far, position) of an indicator Piecewise, or None."""
    if not isinstance(e, Piecewise):
        return None
    values = [v for v, _ in e.args]
    if values.count(S.One) != 1 or any(v not in (S.Zero, S.One) for v in values):
        return None
    k = values.index(S.One)
    return tuple(c for _, c in e.args[:k + 1]), k


def fold_indicators(G):
    """Sum of matrices times indicators of one condition list -> Piecewise.

    The inverse of :func:`as_matrix_expression`, applied to results: the
    derivative of a ``Piecewise`` of matrices is a ``Piecewise`` of matrices
    (as SymPy writes it).

    >>> from sympy import MatrixSymbol, Piecewise, Symbol
    >>> X, t = MatrixSymbol('X', 2, 2), Symbol('t')
    >>> fold_indicators(Piecewise((1, t > 0), (0, True))*X)
    Piecewise((X, t > 0), (0, True))
    """
    if not getattr(G, "is_Matrix", False) or not G.has(Piecewise):
        return G
    terms = G.args if isinstance(G, MatAdd) else (G,)
    branches, conds, always = {}, (), []
    for t in terms:
        c, core = (t.args[0], MatMul(*t.args[1:]).doit(deep=False)) if \
            isinstance(t, MatMul) and not t.args[0].is_Matrix else (S.One, t)
        found = [f for f in (Mul.make_args(c)) if _indicator_of(f)]
        if len(found) != 1:
            if t.has(Piecewise):
                return G
            always.append(t)
            continue
        seen, k = _indicator_of(found[0])
        longer, shorter = (seen, conds) if len(seen) > len(conds) else (conds, seen)
        if longer[:len(shorter)] != shorter:
            return G            # indicators of different condition lists
        conds = longer
        rest = Mul(*[f for f in Mul.make_args(c) if f is not found[0]])
        branches.setdefault(k, []).append(
            core if rest == 1 else MatMul(rest, core).doit(deep=False))
    if not branches:
        return G
    zero = ZeroMatrix(*G.shape)

    def value(parts):
        parts = parts + always
        return zero if not parts else (MatAdd(*parts).doit(deep=False)
                                       if len(parts) > 1 else parts[0])
    pieces = [(value(branches.get(k, [])), c) for k, c in enumerate(conds)]
    if conds[-1] != S.true:
        pieces.append((value([]), S.true))
    return Piecewise(*pieces)


__all__ = ["valid_where", "whole_domain", "repair", "adjugate_polynomial",
           "structurally_singular", "inverted", "note", "as_matrix_expression",
           "fold_indicators"]


# --- numeric: where a result is undefined ------------------------------------

SINGULAR = 1e-25     # |det M| / prod of column norms below this: singular


def undefined_at(result, point, evaluate):
    """Why ``result`` is undefined at ``point`` ("M is singular"), or "".

    Each matrix the result inverts is evaluated (``evaluate(M, point)``, at
    50 digits) and called singular when its determinant is negligible
    against the product of its column norms.
    """
    from sympy import MatrixBase, sqrt as _sqrt
    for M in sorted(inverted(result), key=str):
        try:
            V = evaluate(M, point)
        except (ZeroDivisionError, ValueError):
            return f"{M} cannot be evaluated"
        if not isinstance(V, MatrixBase):
            continue
        norms = [_sqrt(sum(V[i, j]**2 for i in range(V.rows)))
                 for j in range(V.cols)]
        scale = Mul(*norms)
        if scale == 0 or abs(V.det()) <= SINGULAR * scale:
            return f"{M} is singular"
    return ""
