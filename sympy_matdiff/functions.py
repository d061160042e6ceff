"""Named functions of machine learning, with derivatives in their own terms.

Each is a SymPy ``Function`` (or, for the vector functions, a SymPy
expression of a vector) that prints as a textbook writes it, rewrites to
``exp``/``log`` (``f.rewrite(exp)``), evaluates stably in NumPy (through
``lambdify`` and :func:`~sympy_matdiff.codegen`) and states its derivative
in terms of itself, so that results read ``sigmoid(X*w) - y``:

=====================  ========================  ===============================
function               definition                derivative
=====================  ========================  ===============================
``sigmoid(u)``, σ      1/(1 + exp(-u))           σ(u)(1 - σ(u))
``softplus(u)``        log(1 + exp(u))           σ(u)
``log_sigmoid(u)``     log σ(u) = -softplus(-u)  1 - σ(u)
``relu(u)``            max(0, u)                 Heaviside(u), almost everywhere
``logsumexp(z)``       log(1ᵀ exp(z)), z n x 1   d lse = softmax(z)ᵀ dz
``softmax(z)``         exp(z)/(1ᵀ exp(z))        d s = (diag(s) - s sᵀ) dz
=====================  ========================  ===============================

A scalar function applied to a matrix applies entry by entry:
``sigmoid(X*w)`` is SymPy's ``(X*w).applyfunc(sigmoid)``.  SymPy's own
``tanh``, ``exp`` and ``log`` need no class here (tanh' = 1 - tanh² is
SymPy's).  :func:`recognise` rewrites the definitions, written out as
``Lambda`` bodies or expressions, into these names.

>>> from sympy import MatrixSymbol, Symbol, exp
>>> from sympy_matdiff import derivative
>>> from sympy_matdiff.functions import sigmoid, softmax, logsumexp
>>> u = Symbol('u')
>>> sigmoid(u).diff(u), sigmoid(u).rewrite(exp)
((1 - sigmoid(u))*sigmoid(u), 1/(1 + exp(-u)))
>>> z = MatrixSymbol('z', 3, 1)
>>> derivative(logsumexp(z), z)
softmax(z).T
"""
from sympy import (Add, Basic, Expr, Function, Heaviside, Lambda, MatrixBase,
                   Max, Mul, OneMatrix, Pow, S, Trace, exp, log, sympify)
from sympy.matrices.expressions import Inverse, MatMul, MatPow, MatrixExpr
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.pretty.stringpict import prettyForm

from .expressions import Elementwise


class NamedFunction(Function):
    """A named real function of one scalar; on a matrix, entry by entry."""

    #: the LaTeX name, and the NumPy code ``numpy_body.format(np=..., u=...)``
    latex_name = pretty_name = None
    numpy_body = None

    def _pretty(self, printer):
        return printer._print_Function(self, func_name=self.pretty_name or
                                       type(self).__name__)

    def __new__(cls, arg, **options):
        arg = sympify(arg)
        if getattr(arg, "is_Matrix", False):
            return Elementwise(cls, arg)
        return super().__new__(cls, arg, **options)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real

    def _latex(self, printer, exp=None):
        s = r"%s\left(%s\right)" % (self.latex_name, printer._print(self.args[0]))
        return s if exp is None else r"%s^{%s}" % (s, exp)

    def _numpycode(self, printer):
        np = printer._module_format(printer._module)
        return "(" + self.numpy_body.format(np=np, u=printer._print(self.args[0])) + ")"

    # lambdify(modules="numpy") and our code generation both print with
    # NumPyPrinter subclasses; SciPy's and CuPy's printers inherit from it
    _scipycode = _cupycode = _numpycode


class sigmoid(NamedFunction):
    """The logistic function σ(u) = 1/(1 + exp(-u)).

    σ' = σ(1 - σ), σ(-u) = 1 - σ(u).  NumPy evaluates it as
    ``exp(-logaddexp(0, -u))``: finite and right for every real u.

    >>> from sympy import Symbol, exp, latex
    >>> from sympy_matdiff.functions import sigmoid
    >>> u = Symbol('u')
    >>> sigmoid(0), latex(sigmoid(u))
    (1/2, '\\\\sigma\\\\left(u\\\\right)')
    """

    latex_name, pretty_name = r"\sigma", "σ"
    numpy_body = "{np}.exp(-{np}.logaddexp(0, -({u})))"

    @classmethod
    def eval(cls, u):
        if u.is_zero:
            return S.Half
        if u is S.Infinity:
            return S.One
        if u is S.NegativeInfinity:
            return S.Zero

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, u, **kwargs):
        return 1 / (1 + exp(-u))

    def _eval_is_positive(self):
        return True if self.args[0].is_extended_real else None

    def _eval_evalf(self, prec):
        return (1 / (1 + exp(-self.args[0])))._eval_evalf(prec)


class softplus(NamedFunction):
    """softplus(u) = log(1 + exp(u)), a smooth relu; softplus' = σ.

    >>> from sympy import Symbol, exp
    >>> from sympy_matdiff.functions import softplus
    >>> u = Symbol('u')
    >>> softplus(u).diff(u), softplus(u).rewrite(exp)
    (sigmoid(u), log(exp(u) + 1))
    """

    latex_name = r"\operatorname{softplus}"
    numpy_body = "{np}.logaddexp(0, {u})"

    @classmethod
    def eval(cls, u):
        if u.is_zero:
            return log(2)

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, u, **kwargs):
        return log(1 + exp(u))

    _eval_rewrite_as_log = _eval_rewrite_as_exp

    def _eval_is_positive(self):
        return True if self.args[0].is_extended_real else None

    def _eval_evalf(self, prec):
        return log(1 + exp(self.args[0]))._eval_evalf(prec)


class log_sigmoid(NamedFunction):
    """log σ(u) = -softplus(-u); its derivative is 1 - σ(u).

    >>> from sympy import Symbol, exp
    >>> from sympy_matdiff.functions import log_sigmoid
    >>> u = Symbol('u')
    >>> log_sigmoid(u).diff(u), log_sigmoid(u).rewrite(exp)
    (1 - sigmoid(u), -log(1 + exp(-u)))
    """

    latex_name = r"\log\sigma"
    numpy_body = "-{np}.logaddexp(0, -({u}))"

    @classmethod
    def eval(cls, u):
        if u.is_zero:
            return -log(2)

    def fdiff(self, argindex=1):
        return 1 - sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, u, **kwargs):
        return -log(1 + exp(-u))

    _eval_rewrite_as_log = _eval_rewrite_as_exp

    def _eval_is_negative(self):
        return True if self.args[0].is_extended_real else None

    def _eval_evalf(self, prec):
        return (-log(1 + exp(-self.args[0])))._eval_evalf(prec)


class relu(NamedFunction):
    """relu(u) = max(0, u).

    Its derivative is the step function Heaviside(u), valid almost
    everywhere: relu has no derivative at u = 0, and derivatives of
    expressions with relu hold wherever no argument of relu is 0.

    >>> from sympy import Max, Symbol
    >>> from sympy_matdiff.functions import relu
    >>> u = Symbol('u')
    >>> relu(u).diff(u), relu(-2), relu(u).rewrite(Max)
    (Heaviside(u), 0, Max(0, u))
    """

    latex_name = r"\operatorname{relu}"
    numpy_body = "{np}.maximum(0, {u})"

    @classmethod
    def eval(cls, u):
        if u.is_extended_nonnegative:
            return u
        if u.is_extended_nonpositive:
            return S.Zero

    def fdiff(self, argindex=1):
        return Heaviside(self.args[0])

    def _eval_rewrite_as_Max(self, u, **kwargs):
        return Max(0, u)

    _eval_rewrite_as_Heaviside = _eval_rewrite_as_Max

    def _eval_evalf(self, prec):
        return Max(0, self.args[0])._eval_evalf(prec)


SCALAR_FUNCTIONS = (sigmoid, softplus, log_sigmoid, relu)


# --- vector functions --------------------------------------------------------

def _column(z, name):
    z = sympify(z)
    if not getattr(z, "is_Matrix", False) or z.shape[1] != 1:
        raise TypeError(
            f"{name}() takes a column vector (n x 1), not {z}"
            + (f" of shape {z.shape}" if getattr(z, "is_Matrix", False) else "")
            + "; for a matrix, apply it to each column.")
    return z


def ones_sum(M):
    """``1ᵀ M`` as a scalar, the sum of the entries of the column M."""
    return Trace(MatMul(OneMatrix(1, M.rows), M))


class _VectorFunction:
    """What logsumexp and softmax share: one column argument, printed
    ``name(z)``, evaluated by ``numpy_of`` (each class's stable kernel)."""

    name = None

    @property
    def arg(self):
        return self.args[0]

    def _sympystr(self, printer):
        return f"{self.name}({printer._print(self.arg)})"

    def _latex(self, printer, exp=None):
        s = r"\operatorname{%s}\left(%s\right)" % (self.name, printer._print(self.arg))
        return s if exp is None else r"%s^{%s}" % (s, exp)

    def _pretty(self, printer):
        arg = prettyForm(*printer._print(self.arg).parens())
        return prettyForm(*arg.left(self.name))

    def _numpycode(self, printer):
        return self.numpy_of(printer._module_format(printer._module),
                             printer._print(self.arg))

    _scipycode = _cupycode = _numpycode


class logsumexp(_VectorFunction, Expr):
    """lse(z) = log(1ᵀ exp(z)) of a column z, with d lse = softmax(z)ᵀ dz.

    NumPy evaluates it as ``m + log(sum(exp(z - m)))``, m = max(z).

    >>> from sympy import MatrixSymbol, exp, latex
    >>> from sympy_matdiff.functions import logsumexp
    >>> z = MatrixSymbol('z', 3, 1)
    >>> logsumexp(z).rewrite(exp)
    log(Trace(1*exp(z)))
    >>> latex(logsumexp(z))
    '\\\\operatorname{logsumexp}\\\\left(z\\\\right)'
    """

    name = "logsumexp"
    is_commutative = True
    is_real = True

    def __new__(cls, z):
        return Expr.__new__(cls, _column(z, "logsumexp"))

    def doit(self, **hints):
        z = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        if isinstance(z, MatrixBase):     # explicit
            return log(Add(*[exp(e) for e in z]))
        return self.func(z)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return log(ones_sum(Elementwise(exp, z)))

    _eval_rewrite_as_log = _eval_rewrite_as_exp

    def _eval_evalf(self, prec):
        return self.doit()._eval_evalf(prec) if isinstance(
            self.arg, MatrixBase) else self

    @staticmethod
    def numpy_of(np, z):
        """NumPy code of logsumexp(z), ``np`` the module's name."""
        return (f"(lambda _z: {np}.max(_z) + {np}.log({np}.sum({np}.exp("
                f"_z - {np}.max(_z)))))({np}.asarray({z}))")


class softmax(_VectorFunction, MatrixExpr):
    """softmax(z) = exp(z)/(1ᵀ exp(z)) of a column z; d s = (diag(s) - s sᵀ) dz.

    NumPy evaluates it as ``e/sum(e)``, e = exp(z - max(z)).

    >>> from sympy import Matrix, MatrixSymbol, exp, log
    >>> from sympy_matdiff.functions import softmax
    >>> z = MatrixSymbol('z', 3, 1)
    >>> softmax(z), softmax(z).shape
    (softmax(z), (3, 1))
    >>> softmax(z).rewrite(exp)
    1/Trace(1*exp(z))*exp(z)
    >>> softmax(Matrix([0, log(3)])).doit().T
    Matrix([[1/4, 3/4]])
    """

    name = "softmax"

    def __new__(cls, z):
        return Basic.__new__(cls, _column(z, "softmax"))

    @property
    def shape(self):
        return self.arg.shape

    def doit(self, **hints):
        z = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        if isinstance(z, MatrixBase):     # explicit
            e = z.applyfunc(exp)
            return e / Add(*e)
        return self.func(z)

    def _entry(self, i, j, **kwargs):
        return self.as_explicit()[i, j]

    def as_explicit(self):
        return softmax(self.arg.as_explicit()).doit()

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return MatMul(Pow(ones_sum(Elementwise(exp, z)), -1), Elementwise(exp, z))

    @staticmethod
    def numpy_of(np, z):
        """NumPy code of softmax(z), ``np`` the module's name."""
        return (f"(lambda _e: _e / {np}.sum(_e))((lambda _z: {np}.exp("
                f"_z - {np}.max(_z)))({np}.asarray({z})))")


VECTOR_FUNCTIONS = (logsumexp, softmax)


# --- recognising the definitions ---------------------------------------------
# Each is an identity; :func:`recognise` applies them bottom-up.

def _is_exp(e):
    return isinstance(e, exp)


def _one_plus_exp(e):
    """``a`` if e = 1 + exp(a), else None."""
    if isinstance(e, Add) and len(e.args) == 2 and S.One in e.args:
        other = e.args[0] if e.args[1] is S.One else e.args[1]
        if _is_exp(other):
            return other.args[0]
    return None


def _recognise_node(e):
    # 1/(1 + exp(a)) = σ(-a)
    if isinstance(e, Pow) and e.exp == -1:
        a = _one_plus_exp(e.base)
        if a is not None:
            return sigmoid(-a)
    # log(1 + exp(a)) = softplus(a); log σ(a) = log_sigmoid(a)
    if isinstance(e, log):
        a = _one_plus_exp(e.args[0])
        if a is not None:
            return softplus(a)
        if isinstance(e.args[0], sigmoid):
            return log_sigmoid(e.args[0].args[0])
        z = _ones_sum_of_exp(e.args[0])
        if z is not None:
            return logsumexp(z)
    # exp(a) σ(-a) = σ(a)  (e^a / (1 + e^a))
    if isinstance(e, Mul):
        args = list(e.args)
        for i, f in enumerate(args):
            if _is_exp(f):
                for j, g in enumerate(args):
                    if isinstance(g, sigmoid) and g.args[0] == -f.args[0]:
                        rest = [a for k, a in enumerate(args) if k not in (i, j)]
                        return Mul(sigmoid(f.args[0]), *rest)
    # exp(z)/(1ᵀ exp(z)) = softmax(z), the sum as a scalar or a 1x1 inverse
    if isinstance(e, MatMul):
        scalars = [a for a in e.args if not a.is_Matrix]
        mats = [a for a in e.args if a.is_Matrix]
        inverses = [a for a in mats if a.shape == (1, 1) and (
            isinstance(a, Inverse) or isinstance(a, MatPow) and a.exp == -1)]
        if len(mats) == 2 and len(inverses) == 1:
            other, = [a for a in mats if a is not inverses[0]]
            if isinstance(other, Elementwise) and other._plain_function() is exp \
                    and _ones_sum_of_exp(inverses[0].args[0]) == other.expr:
                return MatMul(*scalars, softmax(other.expr)) if scalars else \
                    softmax(other.expr)
        if len(mats) == 1 and isinstance(mats[0], Elementwise) and \
                mats[0].shape[1] == 1 and mats[0]._plain_function() is exp:
            z = mats[0].expr
            for i, s in enumerate(scalars):
                if isinstance(s, Pow) and s.exp == -1 and \
                        _ones_sum_of_exp(s.base) == z:
                    rest = scalars[:i] + scalars[i + 1:]
                    return MatMul(*rest, softmax(z)) if rest else softmax(z)
    return e


def _ones_sum_of_exp(s):
    """``z`` if s = 1ᵀ exp(z) (as a trace or a 1x1 product), else None."""
    if isinstance(s, Trace):
        s = s.arg
    if not (isinstance(s, MatMul) and len(s.args) == 2):
        return None
    first, second = s.args
    if isinstance(first, OneMatrix) and isinstance(second, Elementwise) and \
            second._plain_function() is exp and second.shape[1] == 1:
        return second.expr
    return None


# every definition recognise() reads has one of these (an element-wise
# function's own is rewritten too): an expression without leaves it as it is
RECOGNISED = (exp, sigmoid, ElementwiseApplyFunction)


def recognise(expr):
    """``expr`` with the definitions of the named functions written as names.

    In element-wise ``Lambda`` bodies too, so that ``(u -> 1/(1 +
    exp(-u))).(X*w)`` is ``sigmoid(X*w)``.  Only an expression with a node of
    a class in :data:`RECOGNISED` changes.

    >>> from sympy import Lambda, MatrixSymbol, OneMatrix, Symbol, exp, log
    >>> from sympy_matdiff.functions import recognise
    >>> u, t = Symbol('u'), Symbol('t')
    >>> recognise(1/(1 + exp(-t))), recognise(log(1 + exp(t)))
    (sigmoid(t), softplus(t))
    >>> recognise(exp(t)/(1 + exp(t))), recognise(log(1/(1 + exp(-t))))
    (sigmoid(t), log_sigmoid(t))
    >>> z = MatrixSymbol('z', 3, 1)
    >>> recognise(log(OneMatrix(1, 3)*z.applyfunc(exp)))
    logsumexp(z)
    """
    if not isinstance(expr, Basic):
        return expr
    return _recognise(expr)


def _recognise(e):
    if isinstance(e, Lambda):
        return Lambda(e.variables, _recognise(e.expr))
    if e.is_Atom or not e.args:
        return e
    args = [_recognise(a) for a in e.args]
    if isinstance(e, Elementwise) or type(e).__name__ == "ElementwiseApplyFunction":
        f, arg = args
        out = Elementwise(_as_function(f), arg)
    elif args != list(e.args):
        out = e.func(*args)
    else:
        out = e
    if isinstance(out, MatMul) and out.shape == (1, 1):
        z = _ones_sum_of_exp(out)       # a 1x1 1ᵀ exp(z) inside log(...)
        if z is not None:
            return out
    new = _recognise_node(out)
    return new if new is out else _recognise(new) if new != out else out


def _as_function(f):
    """A Lambda whose body is g(u) for a named g, as g itself."""
    if isinstance(f, Lambda) and len(f.variables) == 1:
        body = f.expr
        if isinstance(body, Function) and body.args == f.variables:
            return body.func
    return f


__all__ = ["sigmoid", "softplus", "log_sigmoid", "relu", "logsumexp",
           "softmax", "recognise", "NamedFunction", "SCALAR_FUNCTIONS",
           "VECTOR_FUNCTIONS"]
