"""Matrix products, sums and transposes built as SymPy builds them, faster.

``matmul(*args)`` is ``MatMul(*args, evaluate=True)``, ``matadd(*args)`` is
``MatAdd(*args, evaluate=True)`` and ``transpose(e)`` is ``sympy.transpose(e)``:
the same type, the same arguments in the same order (same ``srepr``), the same
exceptions.  SymPy canonicalises each new product by a loop over eleven rules
(``sympy.matrices.expressions.matmul.rules``) and each sum by six
(``matadd.rules``), and transposes a product by building the reversed product
and calling ``doit()`` on it, deep.  Most products the engine builds are
already canonical: here they are checked against each rule's own condition
and built directly (``Basic.__new__``, as the rules do).  Where a rule only
rebuilds the product (flattening, dropping identities, gathering the scalars
in front), the loop is followed step by step; where one would distribute,
zero, merge neighbours or explicit matrices, and for anything not
recognised, the call goes to SymPy.

>>> from sympy import MatMul, MatrixSymbol, Symbol, srepr, transpose as sympy_transpose
>>> from sympy_matdiff.constructors import matadd, matmul, transpose
>>> n = Symbol('n')
>>> A, X = MatrixSymbol('A', n, 2), MatrixSymbol('X', n, n)
>>> P = matmul(-2, X.I, A)
>>> P, srepr(P) == srepr(MatMul(-2, X.I, A, evaluate=True))
(-2*X**(-1)*A, True)
>>> matmul(X, X.I, A)                      # a rule applies: SymPy's answer
A
>>> transpose(P), transpose(P) == sympy_transpose(P)
(-2*A.T*X.T**(-1), True)
>>> matadd(P, X*A, -X*A)
-2*X**(-1)*A

The fast paths depend on SymPy internals (the rules, ``MatMul.__new__``,
``MatAdd.__new__``, ``MatrixExpr``'s transpose and inverse, ...).  They are
taken only when the source of those functions (docstrings, comment lines and
blank lines left out) is that of a SymPy they were checked against
(:data:`KNOWN_INTERNALS`, one fingerprint per SymPy release, computed by
:func:`internals_fingerprint`); on any other SymPy every call goes to SymPy,
with the same results, only slower (:func:`fast_paths` says which).
"""
import hashlib
import inspect
import linecache

from sympy import (Basic, Expr, Inverse, MatAdd, MatMul, MatPow, MatrixBase, Mul,
                   MatrixSymbol, OneMatrix, S, Symbol, Transpose, ZeroMatrix)
from sympy import transpose as _sympy_transpose
from sympy.core.basic import Atom
from sympy.core.cache import cacheit
from sympy.core.numbers import Float, Integer, Rational
from sympy.core.operations import AssocOp
from sympy.core.parameters import global_parameters
from sympy.core.sorting import default_sort_key
from sympy.matrices.exceptions import NonInvertibleMatrixError
from sympy.matrices.expressions import matadd as _matadd
from sympy.matrices.expressions import matmul as _matmul
from sympy.matrices.expressions import transpose as _transpose_module
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.matrices.expressions.permutation import PermutationMatrix
from sympy.matrices.expressions.special import GenericIdentity, GenericZeroMatrix

__all__ = ["matmul", "matadd", "transpose", "fast_paths", "internals_fingerprint"]


# --- which SymPy -------------------------------------------------------------

def _internals():
    """The SymPy functions whose behaviour the fast paths reproduce."""
    import sympy.strategies.core as core
    from sympy.functions.elementary.complexes import transpose as function_transpose
    from sympy.matrices.expressions import _shape, inverse, matpow
    mm, ma, tr = _matmul, _matadd, _transpose_module
    return [
        mm.MatMul.__new__, mm.MatMul.as_coeff_matrices, mm.MatMul.as_coeff_mmul,
        mm.MatMul._evaluate, mm.MatMul._eval_transpose, mm.MatMul.doit, mm.newmul,
        mm.any_zeros, mm.merge_explicit, mm.remove_ids, mm.factor_in_front,
        mm.combine_powers, mm.combine_permutations, mm.combine_one_matrices,
        mm.distribute_monom,
        ma.MatAdd.__new__, ma.MatAdd._evaluate, ma.MatAdd.doit,
        ma.MatAdd._eval_transpose,
        ma.merge_explicit, ma.combine,
        _shape.validate_matmul_integer, _shape.validate_matadd_integer,
        mm.rm_id, mm.unpack, mm.typed, mm.flatten, mm.exhaust, mm.do_one, mm.new,
        ma.rm_id, ma.unpack, ma.flatten, ma.sort, ma.condition, ma.exhaust,
        ma.do_one, ma.glom, core.switch,
        MatrixExpr.inverse, MatrixExpr._eval_inverse, MatrixExpr._eval_transpose,
        MatrixExpr._eval_power, MatrixExpr.as_coeff_mmul, MatrixExpr.__rmul__,
        MatrixExpr.is_square.fget, MatrixExpr.__new__, Basic.__eq__, Basic.doit,
        Atom.doit, AssocOp.doit, Expr.__mul__, Expr.__radd__,
        tr.Transpose.doit, tr.Transpose._eval_transpose, tr.transpose,
        inverse.Inverse.__new__, inverse.Inverse.doit, inverse.Inverse._eval_transpose,
        matpow.MatPow.__new__, matpow.MatPow.doit, matpow.MatPow._eval_transpose,
        function_transpose.eval,
    ]


_QUOTES = ('"""', "'''", 'r"""', "r'''")


def _indent(line):
    return len(line) - len(line.lstrip())


def _block(lines, first):
    """The source lines of the function whose first line (decorator or
    ``def``) is line ``first``: without its docstring, comment lines and
    blank lines, so that a fix of a docstring's spelling does not count."""
    i = first - 1
    indent = _indent(lines[i])
    while not lines[i].lstrip().startswith(("def ", "async def ")):
        i += 1                                      # decorators
    while not lines[i].split("#")[0].rstrip().endswith(":"):
        i += 1                                      # a signature on several lines
    kept = [line[indent:].rstrip() for line in lines[first - 1:i + 1]]
    i += 1
    if i < len(lines) and lines[i].lstrip().startswith(_QUOTES):
        opening = lines[i].lstrip()
        quote = opening[1:4] if opening.startswith("r") else opening[:3]
        rest = opening[opening.index(quote) + 3:]
        while quote not in rest:
            i += 1
            rest = lines[i]
        i += 1
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > indent):
        line = lines[i][indent:].rstrip()
        if line and not line.lstrip().startswith("#"):
            kept.append(line)             # with its indentation, which is syntax
        i += 1
    return kept


def _statements(lines, names):
    """The module-level statements binding ``names`` (``rules = (...)``)."""
    kept, inside = [], False
    for line in lines:
        if line.strip() and not line[0].isspace() and not line.startswith(")"):
            inside = any(line.startswith(n + " =") for n in names)
        if inside and line.strip():
            kept.append(line.rstrip())
    return kept


def internals_fingerprint():
    """A digest of the source of the SymPy internals the fast paths rely on
    (docstrings and comment lines left out), with the statements that compose
    the canonicalisation rules; None if a name they use is bound elsewhere."""
    from sympy.matrices.expressions import _shape
    if not (_matmul.validate is _shape.validate_matmul_integer and
            _matadd.validate is _shape.validate_matadd_integer and
            _matmul.transpose is _transpose_module.transpose and
            _matmul.MatMul is MatMul and _matadd.MatAdd is MatAdd):
        return None
    h = hashlib.sha256()
    for f in _internals():
        code = inspect.unwrap(getattr(f, "__func__", f)).__code__
        lines = linecache.getlines(code.co_filename)
        if not lines:
            raise OSError(f"no source for {code.co_filename}")
        h.update("\n".join(_block(lines, code.co_firstlineno)).encode())
    for module in (_matmul, _matadd):
        lines = linecache.getlines(module.__file__)
        h.update("\n".join(_statements(
            lines, ("rules", "canonicalize", "factor_of", "matrix_of"))).encode())
    return h.hexdigest()[:16]


# the SymPy releases whose internals were read against these fast paths and
# tested (tests/test_constructors.py, under each nox session of noxfile.py)
KNOWN_INTERNALS = {
    "5e4ca003412cc754",     # SymPy 1.13.3
    "bd4ea23e2f439bb5",     # SymPy 1.14.0
    "2c522963717f01f1",     # SymPy 1.15.0.dev0 (../shared/wheels)
}

_state = {}


def fast_paths():
    """True when the fast paths are on (this SymPy's internals are known)."""
    if "on" not in _state:
        try:
            _state["on"] = internals_fingerprint() in KNOWN_INTERNALS
        except Exception:       # no source to read, a function gone: SymPy's
            _state["on"] = False
    return _state["on"]


# --- facts about classes, read from the classes themselves -------------------

_PLAIN = {}


def _plain(cls, name):
    """Does ``cls`` inherit ``MatrixExpr``'s method ``name`` unchanged?"""
    key = (cls, name)
    if key not in _PLAIN:
        _PLAIN[key] = getattr(cls, name, None) is getattr(MatrixExpr, name)
    return _PLAIN[key]


def _differentials():
    # imported when first needed: differentials sits above this module
    if "Differential" not in _state:
        from .differentials import Differential, ScalarDifferential
        _state["Differential"] = Differential
        _state["ScalarDifferential"] = ScalarDifferential
    return _state["Differential"], _state["ScalarDifferential"]


def _scalar_stable(c):
    """Is ``c.doit() == c`` certain (c a scalar)?"""
    doit = type(c).doit
    if doit is Atom.doit:
        return True
    if doit is Basic.doit or doit is AssocOp.doit:
        # c.func(*[a.doit() for a in c.args]) (evaluate=True for Add, Mul):
        # c again when every argument is its own doit and c is evaluated
        return all(_stable(a) if getattr(a, "is_Matrix", False) else
                   isinstance(a, Basic) and _scalar_stable(a) for a in c.args) and \
            c.func(*c.args) == c
    if type(c) is _differentials()[1]:
        # ScalarDifferential.doit of a symbol: ScalarDifferential(symbol)
        return type(c.args[0]).doit is Atom.doit and isinstance(c.args[0], Symbol)
    return False


def _scales_by_rmul(c, M):
    """Is ``c*M`` ``M.__rmul__(c)``, ``MatMul(c, M).doit()``?"""
    return (isinstance(c, (Rational, Float)) or type(c).__mul__ is Expr.__mul__) \
        and getattr(c, "_op_priority", 0) < M._op_priority


def _stable_dimension(k):
    return isinstance(k, Integer) or type(k) is Symbol


def _stable(m):
    """Is ``m.doit() == m`` certain (m a matrix expression)?"""
    t = type(m)
    if t is MatrixSymbol:
        # Basic.doit rebuilds it from its name and its (atomic) dimensions
        return t.doit is Basic.doit and _stable_dimension(m.args[1]) and \
            _stable_dimension(m.args[2])
    if t is Transpose:
        # Transpose.doit: arg.doit()._eval_transpose(), MatrixExpr's: Transpose(arg)
        a = m.args[0]
        return _plain(type(a), "_eval_transpose") and _stable(a)
    if t is Inverse:
        # Inverse.doit: arg.doit().inverse(), MatrixExpr's: Inverse(arg)
        a = m.args[0]
        return _plain(type(a), "inverse") and _plain(type(a), "_eval_inverse") and \
            a.is_square is not False and _stable(a)
    if t is MatPow:
        # MatPow.doit: base._eval_power(exp) unless exp is 1, 0 or -1
        base, exp = m.args
        simple = type(exp) is Symbol or (
            isinstance(exp, Integer) and exp not in (S.One, S.Zero, S.NegativeOne))
        return simple and not isinstance(base, (MatPow, MatrixBase)) \
            and _plain(type(base), "_eval_power") and base.is_square is not False \
            and _stable(base)
    if t is MatMul:
        # MatMul.doit: canonicalize(MatMul(*[a.doit() for a in args]))
        args = m.args
        return len(args) > 1 and \
            all(_stable(a) if a.is_Matrix else _scalar_stable(a) for a in args) and \
            _canonical_product(args) and \
            _validated(args if args[0].is_Matrix else args[1:])
    if t is MatAdd:
        # MatAdd.doit: canonicalize(MatAdd(*[a.doit() for a in args]))
        args = m.args
        return len(args) > 1 and all(_stable(a) for a in args) and \
            _validated_sum(args) and _canonical_sum_terms(args) and \
            list(args) == sorted(args, key=default_sort_key)
    if t is _differentials()[0]:
        # Differential.doit of a symbol: Differential(symbol)
        return type(m.args[0]) is MatrixSymbol and _stable(m.args[0])
    return False


# --- products ----------------------------------------------------------------

def _inverse_of(A_base, B_base):
    """Is ``A_base == B_base.inverse()`` (as combine_powers asks)?  None when
    it cannot be told without SymPy."""
    if _plain(type(B_base), "inverse") and _plain(type(B_base), "_eval_inverse") \
            and B_base.is_square is not False:
        # B_base.inverse() is Inverse(B_base): equal only to an Inverse
        if type(A_base) is not Inverse and type(A_base).__eq__ is Basic.__eq__:
            return False
    try:
        inverse = B_base.inverse()
    except NonInvertibleMatrixError:
        return False
    except Exception:
        return None
    return A_base == inverse


def _canonical_product(args):
    """Does SymPy's canonicalize leave ``MatMul(*args)`` as it is?

    ``args``: Basic objects, at least two.  Each test below is the condition
    under which one of ``sympy.matrices.expressions.matmul.rules`` changes a
    product, in the order of the rules."""
    first = args[0]
    if first.is_Matrix:
        mats = args
    else:
        # one scalar, in front, not 1 (rm_id, factor_in_front and the
        # newmul of combine_* rebuild any other arrangement)
        mats = args[1:]
        if first == 1 or first.is_zero or first.is_commutative is False:
            return False
    for m in mats:
        if not m.is_Matrix:
            return False
    # distribute_monom: a Rational times a sum, alone
    if len(args) == 2 and ((args[0].is_MatAdd and args[1].is_Rational) or
                           (args[1].is_MatAdd and args[0].is_Rational)):
        return False
    for m in mats:
        # any_zeros, remove_ids, merge_explicit, flatten
        if m.is_zero or m.is_ZeroMatrix or m.is_Identity is True or \
                isinstance(m, MatrixBase) or m.__class__ == MatMul:
            return False
        if type(m).__eq__ is not Basic.__eq__ and m == 1:      # rm_id
            return False
    return not _neighbours_combine(mats)


def _neighbours_combine(mats):
    """Would combine_one_matrices, combine_powers or combine_permutations
    combine two neighbours of the matrices ``mats``?  (True when unsure.)"""
    for i in range(1, len(mats)):
        A, B = mats[i - 1], mats[i]
        if isinstance(A, OneMatrix) and isinstance(B, OneMatrix):
            return True
        if isinstance(A, PermutationMatrix) and isinstance(B, PermutationMatrix):
            return True
        if isinstance(B, Inverse) and isinstance(B.arg, MatMul):
            l = len(B.arg.args)
            if list(B.arg.args) == list(mats[max(0, i - l):i]):
                return True
        if isinstance(A, Inverse) and isinstance(A.arg, MatMul):
            l = len(A.arg.args)
            if list(A.arg.args) == list(mats[i:i + l]):
                return True
        if A.is_square == False or B.is_square == False:  # noqa: E712 (SymPy's test)
            continue
        A_base = A.args[0] if isinstance(A, MatPow) else A
        B_base = B.args[0] if isinstance(B, MatPow) else B
        if A_base == B_base:
            return True
        if not isinstance(B_base, MatrixBase):
            inverse = _inverse_of(A_base, B_base)
            if inverse is not False:
                return True
    return False


def _validated(mats):
    """SymPy's shape check of a product; False where it raises."""
    try:
        _matmul.validate(*mats)
    except Exception:
        return False
    return True


def _newmul(factor, mats):
    # matmul.newmul: MatMul(factor, *mats), without a factor equal to 1
    return Basic.__new__(MatMul, *mats) if factor == 1 else \
        Basic.__new__(MatMul, factor, *mats)


def _rules_once(P):
    """``do_one(*rules)(P)`` for the product P: P itself when no rule
    changes it, else the first rule's result; None where that rule does what
    is not reproduced here (distributing, zeros, merging neighbours,
    explicit matrices)."""
    args = P.args
    mats = [a for a in args if a.is_Matrix]
    # distribute_monom
    if len(args) == 2 and ((args[0].is_MatAdd and args[1].is_Rational) or
                           (args[1].is_MatAdd and args[0].is_Rational)):
        return None
    # any_zeros
    if any(a.is_zero or (a.is_Matrix and a.is_ZeroMatrix) for a in args):
        return None
    factor = Mul(*[a for a in args if not a.is_Matrix])     # as_coeff_matrices
    if factor.is_commutative is False:
        return None
    # remove_ids: rm_id on MatMul(*mats)
    ids = [m.is_Identity is True for m in mats]
    if any(ids):
        if not all(ids):
            return _newmul(factor, [m for m, i in zip(mats, ids) if not i])
        if len(mats) > 1:
            return _newmul(factor, mats[:1])
    # combine_one_matrices, then combine_powers: newmul(factor, *mats) when
    # no neighbours combine
    if _neighbours_combine(mats):
        return None
    new = _newmul(factor, mats)
    if new != P:
        return new
    # unpack
    if len(args) == 1:
        return args[0]
    # rm_id(lambda x: x == 1)
    ones = [a == 1 if not a.is_Matrix or type(a).__eq__ is not Basic.__eq__
            else False for a in args]
    if any(ones):
        new = Basic.__new__(MatMul, *[a for a, o in zip(args, ones) if not o]) \
            if not all(ones) else Basic.__new__(MatMul, args[0])
        if new != P:
            return new
    # merge_explicit
    if any(isinstance(a, MatrixBase) for a in args):
        return None
    # factor_in_front: newmul(factor, *mats) again, unchanged here
    # flatten
    if any(a.__class__ == MatMul for a in args):
        flat = []
        for a in args:
            flat.extend(a.args if a.__class__ == MatMul else [a])
        return Basic.__new__(MatMul, *flat)
    # combine_permutations: neighbours, tested above
    return P


def _canonicalize(P):
    """matmul.canonicalize(P), exhaust(typed({MatMul: do_one(*rules)})),
    or None where a rule does what is not reproduced here."""
    for _ in range(100):
        if type(P) is not MatMul:
            return P
        new = _rules_once(P)
        if new is None:
            return None
        if not (new != P):
            return P
        P = new
    return None


def _product(args):
    """``MatMul(*args, evaluate=True)``, or None where SymPy is needed."""
    args = [Integer(a) if type(a) is int else a for a in args
            if not isinstance(a, GenericIdentity)]      # sympify(2) is Integer(2)
    if not args or not all(isinstance(a, Basic) for a in args):
        return None
    mats = [a for a in args if a.is_Matrix]
    if not mats or not _validated(mats):
        return None
    if len(args) > 1 and _canonical_product(args):
        return Basic.__new__(MatMul, *args)          # the usual case, at once
    return _canonicalize(Basic.__new__(MatMul, *args))


def _fast(build, *args):
    # any surprise (an exception included) is left to SymPy, which then
    # raises as it raises
    if not (fast_paths() and global_parameters.evaluate):
        return None
    try:
        return build(*args)
    except Exception:
        return None


def matmul(*args):
    """``MatMul(*args, evaluate=True)``, built directly when it is canonical.

    >>> from sympy import MatrixSymbol
    >>> A, B = MatrixSymbol('A', 2, 3), MatrixSymbol('B', 3, 2)
    >>> matmul(2, A, B), matmul(A, B, A, 1)
    (2*A*B, A*B*A)
    """
    out = _fast(_product, args)
    return MatMul(*args, evaluate=True) if out is None else out


# --- sums --------------------------------------------------------------------

def _key_and_count(t):
    """(matrix part, coefficient) of a term as MatAdd's glom reads them, and
    whether ``coefficient*matrix part`` gives the term back; None if unknown."""
    if t.__class__ == MatMul:
        args = t.args
        if len(args) < 2 or not _canonical_product(args):
            return None
        if args[0].is_Matrix:
            c, mats = S.One, args
        else:
            c, mats = args[0], args[1:]
            # glom rebuilds the term as c*key, MatMul(c, key).doit(): deep
            if not (_scales_by_rmul(c, mats[0]) and _scalar_stable(c) and
                    all(_stable(m) for m in mats)):
                return None
        if len(mats) == 1:
            return mats[0], c
        key = Basic.__new__(MatMul, *mats)
        # any_zeros and remove_ids in MatMul(c, key)
        if c is not S.One and (key.is_zero or key.is_Identity is True):
            return None
        return key, c
    if isinstance(t, MatMul) or not _plain(type(t), "as_coeff_mmul"):
        return None
    return t, S.One


def _canonical_sum_terms(args):
    """Does SymPy's canonicalize leave ``MatAdd(*args)`` as it is, but for
    the order of its terms?  (``args``: at least two matrix expressions.)"""
    keys = set()
    for t in args:
        # rm_id (zeros), flatten, merge_explicit
        if isinstance(t, (ZeroMatrix, MatrixBase)) or t.__class__ == MatAdd:
            return False
        if type(t).__eq__ is not Basic.__eq__ and t == 0:
            return False
        # glom: terms with the same matrix part are collected
        kc = _key_and_count(t)
        if kc is None or kc[0] in keys:
            return False
        keys.add(kc[0])
    return True


def _sum(args):
    """``MatAdd(*args, evaluate=True)`` if it is ``args`` sorted (or their
    one term), else None."""
    args = [a for a in args if not isinstance(a, GenericZeroMatrix)]
    if not args or not all(isinstance(a, MatrixExpr) for a in args):
        return None
    if not _validated_sum(args):
        return None
    if len(args) == 1:
        return None if isinstance(args[0], MatAdd) else args[0]      # unpack
    if _canonical_sum_terms(args):
        return Basic.__new__(MatAdd, *sorted(args, key=default_sort_key))
    return None


def _validated_sum(args):
    try:
        _matadd.validate(*args)
    except Exception:
        return False
    return True


def matadd(*args):
    """``MatAdd(*args, evaluate=True)``, built directly when only the order
    of the terms changes.

    >>> from sympy import MatrixSymbol
    >>> A, B = MatrixSymbol('A', 2, 2), MatrixSymbol('B', 2, 2)
    >>> matadd(B, 2*A), matadd(A, B, A)
    (2*A + B, 2*A + B)
    """
    out = _fast(_sum, args)
    return MatAdd(*args, evaluate=True) if out is None else out


# --- transposes --------------------------------------------------------------

def _transposed_factor(m):
    """SymPy's ``transpose(m)`` (matrices.expressions.transpose) of a factor."""
    t = type(m)
    if t is MatrixSymbol and _plain(t, "_eval_transpose"):
        return Transpose(m)
    if t is Transpose:
        return m.args[0]
    return _transpose_module.transpose(m)


def _transposed_product(e):
    """``MatMul._eval_transpose`` of ``e``: ``MatMul(c, *[transpose(m) for m
    reversed]).doit()``, when that doit and canonicalize change nothing;
    None otherwise."""
    args = e.args
    scalars = [a for a in args if not a.is_Matrix]
    if len(scalars) > 1:
        return None
    mats = [a for a in args if a.is_Matrix]
    coeff = scalars[0] if scalars else S.One
    if not _scalar_stable(coeff):
        return None
    factors = [_transposed_factor(m) for m in reversed(mats)]
    if not all(_stable(f) for f in factors):
        return None
    if not _validated(factors):
        return None
    return _canonicalize(Basic.__new__(MatMul, coeff, *factors))


def transpose(e):
    """``sympy.transpose(e)``; of a product, built directly when the reversed
    product of the transposed factors is canonical.

    >>> from sympy import MatrixSymbol
    >>> A, B = MatrixSymbol('A', 2, 3), MatrixSymbol('B', 3, 3)
    >>> transpose(3*A*B.I), transpose(A.T)
    (3*B.T**(-1)*A.T, A)
    """
    out = _fast(_transpose, e) if isinstance(e, Basic) else None
    return _sympy_transpose(e) if out is None else out


@cacheit
def _transpose(e):
    t = type(e)
    if t is MatMul:
        return _transposed_product(e)
    if t is MatrixSymbol and _plain(t, "_eval_transpose"):
        return Transpose(e)
    if t is Transpose:
        return e.args[0]
    return None
