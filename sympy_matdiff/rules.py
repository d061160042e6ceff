"""The differential identities, declared once.

Each :class:`Rule` is a record of one identity of the seed
(``shared/seed/matrix-calculus-via-differentials.md``): its equation number,
a short name, the identity in LaTeX as the seed writes it, a justification,
the expression classes it handles, and the function that applies it.  A rule
applies *one step*: it writes ``d(expr)`` in terms of ``ctx.d(part)`` for the
parts of ``expr``.  :func:`sympy_matdiff.d` evaluates ``ctx.d`` recursively;
a derivation leaves it unevaluated to show the step.  The rule table in
``docs/rules.md`` is generated from these records
(``python -m sympy_matdiff.rule_table``).

>>> from sympy import MatrixSymbol
>>> from sympy_matdiff.differentials import Context
>>> from sympy_matdiff.rules import rule_for
>>> A, X = MatrixSymbol('A', 2, 3), MatrixSymbol('X', 3, 3)
>>> r = rule_for(A*X, Context([X]))
>>> r.eq, r.name
('12', 'linear in one factor')
"""
from dataclasses import dataclass
from typing import Callable

from sympy import (Add, Basic, Determinant, Function, HadamardPower,
                   HadamardProduct, Identity, ImmutableMatrix, Integer,
                   Inverse, KroneckerProduct, MatAdd, MatMul, MatPow,
                   MatrixBase, MatrixSymbol, Max, Min, Mul, Piecewise, Pow, S,
                   Sum, Symbol, Trace, Transpose)
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix

from .constructors import matadd, matmul
from .cost import cost
from .differentials import Differential, zero_like
from .entrywise import applied
from .errors import NoRuleError
from .expressions import (Adjugate, Elementwise, FunctionGradient,
                          ScalarFunction, lambda_derivative,
                          require_square, scalar_partial)
from .functions import logsumexp, softmax


@dataclass(frozen=True)
class Rule:
    """One differential identity: what it says, why, and how to apply it."""

    eq: str              # the seed's equation number(s), "" for none
    name: str
    identity: str        # LaTeX, as the seed writes it
    why: str             # justification, shown in derivations and docs
    on: tuple            # expression classes it handles
    when: Callable       # (expr, ctx) -> bool, beyond the class
    apply: Callable      # (expr, ctx) -> d(expr) in terms of ctx.d(parts)

    def applies(self, expr, ctx):
        return isinstance(expr, self.on) and self.when(expr, ctx)

    @property
    def citation(self):
        return f"eq. ({self.eq})" if self.eq else self.name


RULES = []


def rule(eq, name, identity, why, on, when=None):
    """Declare a rule: decorate the function that applies it."""
    def declare(apply):
        RULES.append(Rule(eq, name, identity, why, tuple(on),
                          when or (lambda expr, ctx: True), apply))
        return RULES[-1]
    return declare


def rule_for(expr, ctx):
    """The first declared rule that applies to ``expr``."""
    for r in RULES:
        if r.applies(expr, ctx):
            return r
    raise NoRuleError(
        f"no differential rule for {type(expr).__name__} (in {expr}). "
        "Rewrite it with the supported constructs (see docs/rules.md), or "
        "declare a rule for it in sympy_matdiff.rules.")


# --- building blocks -------------------------------------------------------

def as_scalar(e):
    """A 1x1 matrix as a scalar, by x = tr(x)."""
    return Trace(e) if getattr(e, "is_Matrix", False) else e


def product(*factors):
    """The product of scalars and matrices, without evaluating its parts."""
    if any(getattr(f, "is_Matrix", False) for f in factors):
        return matmul(*factors)
    return Mul(*factors)


def total(terms, like):
    """The sum of ``terms``, a differential of ``like`` (scalar or matrix)."""
    terms = list(terms)
    if not terms:
        return zero_like(like)
    kinds = {bool(getattr(t, "is_Matrix", False)) for t in terms}
    if kinds == {True}:
        return matadd(*terms)
    return Add(*[as_scalar(t) for t in terms])


def power(M, k):
    """``M**k`` for an integer k, written as SymPy prints it."""
    if k == 0:
        return Identity(M.shape[0])
    if k == 1:
        return M
    if k == -1:
        return Inverse(M)
    return MatPow(M, k)


def _varying(expr, ctx):
    return [i for i, a in enumerate(expr.args) if ctx.varies(a)]


def _one_varying(expr, ctx):
    return len(_varying(expr, ctx)) == 1


def _product_rule(expr, ctx):
    """Sum over the varying factors, each replaced by its differential."""
    args = list(expr.args)
    terms = []
    for i in _varying(expr, ctx):
        di = ctx.d(args[i])
        if not args[i].is_Matrix and expr.is_Matrix:
            di = as_scalar(di)
        terms.append(product(*args[:i], di, *args[i + 1:]))
    return total(terms, expr)


def _is_zero(e):
    """A zero differential: a part can vary and yet not change (adj of 1x1)."""
    return e == 0 or bool(getattr(e, "is_ZeroMatrix", False))


def _nary_rule(cls):
    def apply(expr, ctx):
        args = list(expr.args)
        # SymPy leaves A ∘ 0 and A ⊗ 0 unevaluated: drop those terms
        return total([cls(*args[:i], di, *args[i + 1:])
                      for i in _varying(expr, ctx)
                      for di in [ctx.d(args[i])] if not _is_zero(di)], expr)
    return apply


# --- the identities --------------------------------------------------------
# Order matters: the first rule that applies is used.

@rule("7", "constant", r"d\mathbf{A}=\mathbf{0}",
      "A constant does not change, so its differential is zero.",
      on=[Basic], when=lambda e, ctx: not ctx.varies(e))
def constant(expr, ctx):
    return zero_like(expr)


@rule("", "variable", r"d(\mathbf{X})=d\mathbf{X}",
      "The differential of a variable is its own differential dX, "
      "the direction in which it changes.",
      on=[Symbol, MatrixSymbol])
def variable(expr, ctx):
    return Differential(expr)


EQ_12 = (r"d({\mathbf{A}\mathbf{X}}\mathbf{B}+\mathbf{C})"
         r"=\mathbf{A}(d\mathbf{X})\mathbf{B}")


def _affine(e, ctx):
    """One varying term, a product with one varying matrix factor."""
    terms = [a for a in e.args if ctx.varies(a)]
    if len(terms) != 1:
        return False
    t = terms[0]
    return isinstance(t, MatMul) and _one_varying(t, ctx) and t.args[
        _varying(t, ctx)[0]].is_Matrix


@rule("12", "affine in one factor", EQ_12,
      "The constant terms drop out and the constant factors stay in place "
      "around the differential of the one varying factor.",
      on=[MatAdd], when=_affine)
def affine_factor(expr, ctx):
    term, = [a for a in expr.args if ctx.varies(a)]
    return _product_rule(term, ctx)


@rule("9", "sum", r"d(\mathbf{X}+\mathbf{Y})=d\mathbf{X}+d\mathbf{Y}",
      "The differential is linear: it distributes over sums.",
      on=[MatAdd, Add])
def sum_rule(expr, ctx):
    return total([ctx.d(a) for a in expr.args if ctx.varies(a)], expr)


@rule("8", "scalar multiple", r"d(a\mathbf{X})=a~d\mathbf{X}",
      "A constant scalar factor comes out of the differential.",
      on=[MatMul, Mul],
      when=lambda e, ctx: _one_varying(e, ctx) and all(
          not a.is_Matrix for a in e.args if not ctx.varies(a)))
def scalar_multiple(expr, ctx):
    return _product_rule(expr, ctx)


@rule("12", "linear in one factor", EQ_12,
      "Constant factors stay in place around the differential of the one "
      "varying factor.",
      on=[MatMul], when=_one_varying)
def linear_factor(expr, ctx):
    return _product_rule(expr, ctx)


@rule("10", "product",
      r"d({\mathbf{X}\mathbf{Y}})=(d\mathbf{X})\mathbf{Y}+\mathbf{X}(d\mathbf{Y})",
      "Product rule; the order of matrix factors is kept.",
      on=[MatMul, Mul], when=lambda e, ctx: len(_varying(e, ctx)) == 2)
def product_rule(expr, ctx):
    return _product_rule(expr, ctx)


@rule("11", "product of n factors",
      r"d({\mathbf{X_1}\mathbf{X_2}\cdots\mathbf{X_n}})=(d\mathbf{X_1})"
      r"\mathbf{X_2}\cdots\mathbf{X_n}+\mathbf{X_1}(d\mathbf{X_2})\cdots"
      r"\mathbf{X_n}+\cdots+\mathbf{X_1}\mathbf{X_2}\cdots (d\mathbf{X_n})",
      "Product rule for n factors: one term per varying factor.",
      on=[MatMul, Mul])
def product_n_rule(expr, ctx):
    return _product_rule(expr, ctx)


@rule("13", "Kronecker product",
      r"d({\mathbf{X}\otimes\mathbf{Y}})=(d\mathbf{X})\otimes\mathbf{Y}"
      r"+\mathbf{X}\otimes(d\mathbf{Y})",
      "The Kronecker product is bilinear, so the product rule holds.",
      on=[KroneckerProduct])
def kronecker(expr, ctx):
    return _nary_rule(kronecker_product)(expr, ctx)


def kronecker_product(*factors):
    """``A ⊗ B ⊗ ...`` with the factors' scalar coefficients in front.

    ``(cA) ⊗ B = c (A ⊗ B)``.  SymPy's ``KroneckerProduct.doit`` (which
    ``MatMul(..., evaluate=True)`` calls) rebuilds a factor ``c*A*B`` as the
    scalar ``Mul`` ``A*B`` and fails, so no factor may keep a coefficient,
    nor get one from its own ``doit()``.
    """
    coeff, mats = S.One, []
    for f in factors:
        # evaluated first, as SymPy will: doit() of Inverse(X/2) is 2*X**-1;
        # functions it composes get a new Dummy each time, Elementwise one
        f = f.doit().replace(lambda e: type(e) is ElementwiseApplyFunction,
                             lambda e: Elementwise(*e.args))
        if not getattr(f, "is_Matrix", False):  # a 1x1 factor became a scalar
            coeff *= f
            continue
        if isinstance(f, MatMul) and any(not a.is_Matrix for a in f.args):
            coeff *= Mul(*[a for a in f.args if not a.is_Matrix])
            rest = [a for a in f.args if a.is_Matrix]
            f = rest[0] if len(rest) == 1 else MatMul(*rest)
        mats.append(f)
    if not mats:
        return coeff * Identity(1)
    K = KroneckerProduct(*mats) if len(mats) > 1 else mats[0]
    return K if coeff == 1 else product(coeff, K)


@rule("14", "Hadamard product",
      r"d({\mathbf{X}\circ\mathbf{Y}})=(d\mathbf{X})\circ\mathbf{Y}"
      r"+\mathbf{X}\circ(d\mathbf{Y})",
      "The Hadamard product is bilinear, so the product rule holds.",
      on=[HadamardProduct])
def hadamard(expr, ctx):
    return _nary_rule(HadamardProduct)(expr, ctx)


@rule("15", "transpose", r"d(\mathbf{X}^\top )=(d\mathbf{X})^\top",
      "Transposition is linear.", on=[Transpose])
def transpose_rule(expr, ctx):
    return Transpose(ctx.d(expr.arg))


@rule("16", "inverse",
      r"d(\mathbf{X}^{-1})=-\mathbf{X}^{-1}(d\mathbf{X})\mathbf{X}^{-1}",
      "From d(X^{-1} X) = d(I) = 0 and the product rule (E.g. 6).",
      on=[Inverse])
def inverse(expr, ctx):
    require_square(expr.arg, "inverse")
    return product(S.NegativeOne, expr, ctx.d(expr.arg), expr)


@rule("1", "power of a 1x1 matrix",
      r"dy=\frac{dy}{dx}dx",
      "A 1x1 matrix is a scalar: d(m^p) = p m^{p-1} dm.",
      on=[MatPow], when=lambda e, ctx: e.base.shape == (1, 1)
      and not ctx.varies(e.exp))
def scalar_matpow(expr, ctx):
    p, M = expr.exp, expr.base
    # a non-integer power of a 1x1 matrix is a power of the scalar tr(M)
    factor = power(M, p - 1) if (p - 1).is_Integer else Trace(M)**(p - 1)
    return product(p, factor, ctx.d(M))


@rule("11, 16", "integer matrix power",
      r"d(\mathbf{X}^k)=\sum_{i=0}^{k-1}\mathbf{X}^i(d\mathbf{X})"
      r"\mathbf{X}^{k-1-i}",
      "X^k is a product of k factors X (eq. 11); a negative power is a "
      "power of X^{-1} (eq. 16).", on=[MatPow])
def matpow(expr, ctx):
    M, k = expr.base, expr.exp
    if not ctx.varies(k) and k.is_integer and not k.is_Integer:
        return symbolic_matpow(expr, ctx)
    if ctx.varies(k) and k.is_integer:
        raise NoRuleError(
            f"{expr}: integer powers have a differential rule for a constant "
            f"exponent only, and {k} is taken as varying (an integer cannot "
            f"vary); differentiate with respect to the matrix, d(expr, {M}) or "
            f"derivative(expr, {M}).")
    if ctx.varies(k) or not (k.is_Integer or isinstance(k, Integer)):
        raise NoRuleError(
            f"{expr}: only integer powers of a square matrix (and any constant "
            "power of a 1x1 matrix) have a differential rule; write the power "
            "as a product or use a 1x1 expression. A symbolic power needs "
            "Symbol(..., integer=True).")
    require_square(M, "a matrix power")
    dM, k = ctx.d(M), int(k)
    if k > 0:
        terms = [product(power(M, i), dM, power(M, k - 1 - i)) for i in range(k)]
    else:
        terms = [product(S.NegativeOne, power(M, -i), dM, power(M, -(-k + 1 - i)))
                 for i in range(1, -k + 1)]
    return total(terms, expr)


def symbolic_matpow(expr, ctx):
    """d(X^k) for a symbolic integer k of known sign: a finite Sum."""
    from .powers import MatrixSum, summation_index
    M, k = expr.base, expr.exp
    require_square(M, "a matrix power")
    dM = ctx.d(M)
    if _is_zero(dM):
        return zero_like(expr)
    r = summation_index()
    if k.is_nonnegative:
        return MatrixSum(product(MatPow(M, r), dM, MatPow(M, k - 1 - r)),
                         r, 0, k - 1)
    if k.is_nonpositive:        # X^k = (X^-1)^(-k), eq. (16)
        return MatrixSum(product(S.NegativeOne, MatPow(M, -r - 1), dM,
                                 MatPow(M, k + r)), r, 0, -k - 1)
    raise NoRuleError(
        f"{expr}: the differential of a power with a symbolic exponent is a "
        f"finite sum whose range depends on the sign of {k}; declare it "
        f"Symbol('{k}', integer=True, positive=True) (or negative=True).")


def _symbolic_power(e, ctx):
    return isinstance(e.arg, MatPow) and e.arg.exp.is_integer and not \
        e.arg.exp.is_Integer and not ctx.varies(e.arg.exp)


@rule("", "trace of a symbolic power",
      r"d(\mathrm{tr}(\mathbf{X}^k))=k\,\mathrm{tr}(\mathbf{X}^{k-1}"
      r"d\mathbf{X})",
      "tr(X^r dX X^{k-1-r}) = tr(X^{k-1} dX) for each of the k terms of "
      "d(X^k) (eq. (11), (17) and the cyclic property); for k < 0 the same "
      "from X^k = (X^{-1})^{-k}, eq. (16). Holds for every integer k.",
      on=[Trace], when=_symbolic_power)
def trace_of_power(expr, ctx):
    M, k = expr.arg.base, expr.arg.exp
    require_square(M, "a matrix power")
    dM = ctx.d(M)
    if _is_zero(dM):
        return S.Zero
    return product(k, Trace(product(MatPow(M, k - 1), dM)))


@rule("", "determinant of a symbolic power",
      r"d(|\mathbf{X}^k|)=k\,|\mathbf{X}^k|\,\mathrm{tr}(\mathbf{X}^{-1}"
      r"d\mathbf{X})",
      "|X^k| = |X|^k, then eq. (18); holds for invertible X.",
      on=[Determinant], when=_symbolic_power)
def determinant_of_power(expr, ctx):
    M, k = expr.arg.base, expr.arg.exp
    require_square(M, "a matrix power")
    dM = ctx.d(M)
    if _is_zero(dM):
        return S.Zero
    return product(k, expr, Trace(product(Inverse(M), dM)))


@rule("17", "trace", r"d(\mathrm{tr}(\mathbf{X}))=\mathrm{tr}(d\mathbf{X})",
      "The trace is linear.", on=[Trace])
def trace(expr, ctx):
    dM = ctx.d(expr.arg)
    # a part that varies and yet does not change (X**0, adj of 1x1): 0, not
    # SymPy's unevaluated Trace(0)
    return S.Zero if _is_zero(dM) else Trace(dM)


@rule("18", "determinant",
      r"d(|\mathbf{X}|)=\mathrm{tr}(adj(\mathbf{X})d\mathbf{X})"
      r"=|\mathbf{X}|\mathrm{tr}(\mathbf{X}^{-1}d\mathbf{X})",
      "Jacobi's formula. The first form holds for every X; the second, "
      "written here, for invertible X (sympy_matdiff.domains.valid_where "
      "says where a result holds; whole_domain() writes |X| X^{-1} as "
      "adj(X)). A matrix singular by its shape (U V^T, U and V n x r, "
      "r < n) has |X| = 0 everywhere, so d|X| = 0.",
      on=[Determinant])
def determinant(expr, ctx):
    M = expr.arg
    require_square(M, "det()")
    from .domains import structurally_singular
    dM = ctx.d(M)
    if _is_zero(dM):        # det(X**0): X**0 = I does not vary
        return S.Zero
    if structurally_singular(M):    # det(U V^T) = 0 for U, V n x r, r < n
        return S.Zero
    return product(expr, Trace(product(Inverse(M), dM)))


@rule("18", "adjugate",
      r"adj(\mathbf{X})=\sum_{k=0}^{n-1}(-1)^{n-1+k}e_k(\mathbf{X})"
      r"\mathbf{X}^{n-1-k};\quad "
      r"d(adj(\mathbf{X}))=|\mathbf{X}|\mathrm{tr}(\mathbf{X}^{-1}d\mathbf{X})"
      r"\mathbf{X}^{-1}-|\mathbf{X}|\mathbf{X}^{-1}(d\mathbf{X})\mathbf{X}^{-1}",
      "For a concrete size n, adj(X) is the Cayley-Hamilton polynomial in X "
      "(e_k from the traces tr(X^i) by Newton's identities; adj(X) = tr(X) I "
      "- X for n = 2), valid for every X, differentiated term by term. For a "
      "symbolic n, adj(X) = |X| X^{-1}, which holds for invertible X only; "
      "then eq. (18), (16) and the product rule (10).", on=[Adjugate])
def adjugate(expr, ctx):
    from .domains import adjugate_differential, polynomial_adjugate_applies
    M = expr.arg
    require_square(M, "adj()")
    if polynomial_adjugate_applies(M):
        if M.shape[0] == 1:
            # adj of a 1x1 matrix is the constant 1: its differential, zero,
            # written tr(dM) I - dM, which the canonical form cancels
            dM = ctx.d(M)
            return zero_like(expr) if _is_zero(dM) else total(
                [product(Trace(dM), Identity(1)), product(S.NegativeOne, dM)],
                expr)
        return adjugate_differential(M, ctx.d(M),
                                     lambda j: ctx.d(power(M, j)))
    dM, det, inv = ctx.d(M), Determinant(M), Inverse(M)
    if _is_zero(dM):
        return zero_like(expr)
    return total([product(det, Trace(product(inv, dM)), inv),
                  product(S.NegativeOne, det, inv, dM, inv)], expr)


def _derivative_lambda(f, ctx):
    u = f.variables[0]
    if len(f.variables) != 1 or any(ctx.varies(s) for s in f.expr.free_symbols
                                    if s != u):
        raise NoRuleError(
            f"element-wise function {f}: only functions of one variable with "
            "constant parameters are supported; make varying parameters "
            "separate matrices combined with Hadamard products.")
    return lambda_derivative(f)


@rule("19", "element-wise function",
      r"d(\sigma(\mathbf{X}))=\sigma'(\mathbf{X})\circ d\mathbf{X}",
      "Each entry changes by the scalar derivative times its own change.",
      on=[ElementwiseApplyFunction])
def elementwise(expr, ctx):
    fprime = _derivative_lambda(expr.function, ctx)
    dX = ctx.d(expr.expr)
    if _is_zero(dX):
        return zero_like(expr)
    if not fprime.expr.free_symbols & set(fprime.variables):
        return product(fprime.expr, dX)  # a constant slope
    # sigma' = sigma (1 - sigma) as sigma(Z) ∘ (1 - sigma(Z)), not a body
    return HadamardProduct(applied(fprime, expr.expr, cost), dX)


@rule("19", "Hadamard power",
      r"d(\mathbf{X}^{\circ p})=p\,\mathbf{X}^{\circ (p-1)}\circ d\mathbf{X}",
      "Eq. (19) with the element-wise function u^p.", on=[HadamardPower],
      when=lambda e, ctx: not ctx.varies(e.exp))
def hadamard_power(expr, ctx):
    X, p = expr.base, expr.exp
    dX = ctx.d(X)
    if _is_zero(dX):
        return zero_like(expr)
    if p == 1:
        return dX
    if p == 2:
        return product(p, HadamardProduct(X, dX))
    return product(p, HadamardProduct(HadamardPower(X, p - 1), dX))


@rule("2", "scalar function of a vector",
      r"dy=\frac{dy}{d\mathbf{x}}d\mathbf{x}",
      "Definition of the derivative dl/dy of a scalar function of a vector.",
      on=[ScalarFunction], when=lambda e, ctx: e.arg.is_Matrix
      and e.arg.shape[1] == 1)
def function_of_vector(expr, ctx):
    return product(FunctionGradient(expr), ctx.d(expr.arg))


@rule("3", "scalar function of a matrix",
      r"dy=\mathrm{tr}(\frac{dy}{d\mathbf{X}}d\mathbf{X})",
      "Definition of the derivative dl/dY of a scalar function of a matrix.",
      on=[ScalarFunction], when=lambda e, ctx: e.arg.is_Matrix)
def function_of_matrix(expr, ctx):
    return Trace(product(FunctionGradient(expr), ctx.d(expr.arg)))


@rule("", "log-sum-exp",
      r"d\operatorname{logsumexp}(\mathbf{z})"
      r"=\operatorname{softmax}(\mathbf{z})^\top d\mathbf{z}",
      "logsumexp(z) = log(1^T exp(z)): by eq. (1) and (19), "
      "d = exp(z)^T dz / (1^T exp(z)) = softmax(z)^T dz.", on=[logsumexp])
def log_sum_exp(expr, ctx):
    return product(Transpose(softmax(expr.arg)), ctx.d(expr.arg))


@rule("", "softmax",
      r"d\operatorname{softmax}(\mathbf{z})=(\operatorname{diag}(\mathbf{s})"
      r"-\mathbf{s}\mathbf{s}^\top)d\mathbf{z},\ \mathbf{s}"
      r"=\operatorname{softmax}(\mathbf{z})",
      "s = exp(z)/(1^T exp(z)): the product rule (10) with eq. (19) for "
      "exp(z) and eq. (1) for 1/(1^T exp(z)).", on=[softmax])
def softmax_rule(expr, ctx):
    s = expr
    return product(matadd(DiagMatrix(s), product(S.NegativeOne, s, Transpose(s))),
                   ctx.d(expr.arg))


@rule("", "piecewise function",
      r"d\begin{cases}f_1&c_1\\f_2&c_2\end{cases}"
      r"=[c_1]\,df_1+[\lnot c_1\wedge c_2]\,df_2",
      "Where branch i is taken on an open set, f equals f_i there; so the "
      "differential holds almost everywhere (not on the boundaries between "
      "branches, where f may have no derivative).", on=[Piecewise])
def piecewise(expr, ctx):
    # SymPy's Piecewise is a scalar class even when its values are matrices;
    # then the differential is a matrix, each branch's times its indicator
    mats = [e for e, _ in expr.args if getattr(e, "is_Matrix", False)]
    terms, before = [], []
    for e, c in expr.args:
        if ctx.varies(e):
            taken = Piecewise(*[(S.Zero, b) for b in before], (S.One, c),
                              (S.Zero, True))
            de = ctx.d(e)
            terms.append(product(taken, de if mats else as_scalar(de)))
        before.append(c)
    if mats:
        terms = [t for t in terms if not _is_zero(t)]
        return matadd(*terms) if terms else \
            zero_like(mats[0])
    return total(terms, expr)


@rule("1", "scalar chain rule", r"dy=\frac{dy}{dx}dx",
      "A scalar function of one varying scalar: its derivative times the "
      "differential of the argument (chain rules (20)-(23)).",
      on=[Function, Pow, ScalarFunction, Max, Min], when=_one_varying)
def scalar_chain(expr, ctx):
    i = _varying(expr, ctx)[0]
    return product(scalar_partial(expr, i), ctx.d(expr.args[i]))


@rule("24", "total differential",
      r"df(x,y,z)=\frac{\partial f}{\partial x}dx+\frac{\partial f}"
      r"{\partial y}dy+\frac{\partial f}{\partial z}dz",
      "A function of several varying arguments: the sum of the partial "
      "differentials.", on=[Function, Pow, Max, Min])
def total_differential(expr, ctx):
    return total([product(scalar_partial(expr, i), ctx.d(expr.args[i]))
                  for i in _varying(expr, ctx)], expr)


@rule("27", "explicit matrix",
      r"d\mathbf{F}(x,y,z)=\frac{\partial \mathbf{F}}{\partial x}dx"
      r"+\frac{\partial \mathbf{F}}{\partial y}dy+\frac{\partial \mathbf{F}}"
      r"{\partial z}dz",
      "An explicit matrix changes entry by entry: each entry's total "
      "differential.", on=[MatrixBase])
def explicit_matrix(expr, ctx):
    return ImmutableMatrix(expr.rows, expr.cols,
                           [as_scalar(ctx.d(e)) for e in expr])


@rule("9", "matrix entry", r"d(X_{ij})=(d\mathbf{X})_{ij}",
      "Taking an entry is linear.", on=[MatrixElement])
def matrix_entry(expr, ctx):
    dM = ctx.d(expr.parent)
    if isinstance(dM, Differential):
        return dM._entry(*expr.indices)
    return MatrixElement(dM, *expr.indices)


@rule("", "diagonal matrix of a vector", r"d(\operatorname{diag}(\mathbf{x}))="
      r"\operatorname{diag}(d\mathbf{x})",
      "diag(x), the diagonal matrix with the entries of x, is linear in x, "
      "like the transpose (15).", on=[DiagMatrix])
def diagonal_matrix(expr, ctx):
    return DiagMatrix(ctx.d(expr.args[0]))


@rule("", "index summation",
      r"\sum_{i,j}x_i S_{ij} x_j=\mathrm{tr}(\mathbf{x}^\top\mathbf{S}"
      r"\mathbf{x})",
      "SymPy writes an entry of a product of symbolic size as a sum over "
      "indices; read back into matrix form (MatrixExpr.from_index_summation), "
      "the entry of a 1x1 product being its trace, it has the same value.",
      on=[Sum])
def index_summation(expr, ctx):
    from .indices import as_matrix_form
    return ctx.d(as_matrix_form(expr))


@rule("", "no second derivative of a generic function", "",
      "The derivative dl/dy of a generic function has no rule of its own.",
      on=[FunctionGradient])
def gradient_of_function(expr, ctx):
    raise NoRuleError(
        f"{expr} is the derivative of the generic function "
        f"{type(expr.function).__name__}; its differential (a second "
        "derivative) is not supported. Use a concrete function instead.")
