"""Expression classes that SymPy lacks and matrix calculus needs.

* :class:`Adjugate` -- ``adj(X)``, the transposed cofactor matrix;
* :func:`scalar_function` -- a generic scalar function ``l`` of a vector or
  matrix argument (the seed's loss ``l(y)`` of E.g. 5), and
  :class:`FunctionGradient`, its derivative ``dl/dy`` in numerator layout;
* :func:`prime` -- the derivative ``sigma'`` of an undefined scalar function
  ``sigma``, printed as ``σ′`` in pretty and LaTeX output;
* :func:`scalar_partial` -- a partial derivative of a scalar node, computed by
  SymPy and written with :func:`prime` for undefined functions.

All are immutable SymPy ``Basic`` objects whose whole state is in ``args``.
"""
from sympy import (Basic, Derivative, Dummy, Expr, Function, ImmutableMatrix,
                   Lambda, MatrixBase, Subs, Symbol, sympify)
from sympy.core.function import AppliedUndef, FunctionClass, UndefinedFunction
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol, Transpose
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.conventions import split_super_sub
from sympy.printing.pretty.pretty_symbology import pretty_symbol
from sympy.printing.pretty.stringpict import prettyForm

from .errors import NotSquareError, ScalarDerivativeError


def require_square(M, what):
    """Raise :class:`NotSquareError` unless ``M`` is provably square."""
    if M.is_square is not True:
        raise NotSquareError(
            f"{what} needs a square matrix, but {M} has shape {M.shape}"
            + (" (not provably square: give it equal dimensions)"
               if M.is_square is None else "")
            + ".")


class NamedOperator(MatrixExpr):
    """A matrix operator of one argument, written ``name(X)``.

    Subclasses set ``name`` (and ``latex_name``) and ``_explicit(M)``, the
    operator on an explicit matrix, which ``doit`` applies.
    """

    name = latex_name = None

    @property
    def arg(self):
        return self.args[0]

    def doit(self, **hints):
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        if isinstance(arg, MatrixBase):  # an explicit matrix
            return ImmutableMatrix(self._explicit(arg))
        return self.func(arg)

    def _sympystr(self, printer):
        return f"{self.name}({printer._print(self.arg)})"

    def _latex(self, printer):
        return r"%s\left(%s\right)" % (self.latex_name, printer._print(self.arg))

    def _pretty(self, printer):
        arg = prettyForm(*printer._print(self.arg).parens())
        return prettyForm(*arg.left(self.name))


class Adjugate(NamedOperator):
    """The adjugate ``adj(X)``: the transpose of the cofactor matrix.

    For invertible X, ``adj(X) = det(X) * X**-1``.

    >>> from sympy import Matrix, MatrixSymbol
    >>> from sympy_matdiff import adj
    >>> X = MatrixSymbol('X', 3, 3)
    >>> adj(X), adj(X).shape
    (adj(X), (3, 3))
    >>> adj(Matrix([[1, 2], [3, 4]])).doit()
    Matrix([
    [ 4, -2],
    [-3,  1]])
    """

    name, latex_name = "adj", r"\operatorname{adj}"

    def __new__(cls, arg):
        arg = sympify(arg)
        if not arg.is_Matrix:
            raise TypeError(f"adj() takes a matrix, not {arg}.")
        if arg.is_square is False:
            require_square(arg, "adj()")
        return Basic.__new__(cls, arg)

    @property
    def shape(self):
        return self.arg.shape

    @staticmethod
    def _explicit(M):
        return M.adjugate()

    def as_explicit(self):
        return ImmutableMatrix(self.arg.as_explicit().adjugate())

    def _entry(self, i, j, **kwargs):
        return self.as_explicit()[i, j]

    def _eval_transpose(self):
        return Adjugate(self.arg.T)

    def _numpycode(self, printer):
        # adj(X) = det(X) X^-1, exact for invertible X, which is where the
        # differential rule (18) holds as well.
        a = printer._print(self.arg)
        det = printer._module_format(printer._module + ".linalg.det")
        inv = printer._module_format(printer._module + ".linalg.inv")
        return f"({det}({a})*{inv}({a}))"


adj = Adjugate


class ScalarFunction(Expr):
    """Base class of the generic scalar functions made by :func:`scalar_function`."""

    is_commutative = True

    def __new__(cls, arg):
        return Expr.__new__(cls, sympify(arg))

    @property
    def arg(self):
        return self.args[0]

    def _sympystr(self, printer):
        return f"{type(self).__name__}({printer._print(self.arg)})"

    def _latex(self, printer):
        return r"%s\left(%s\right)" % (_latex_name(type(self).__name__),
                                       printer._print(self.arg))

    def _pretty(self, printer):
        arg = prettyForm(*printer._print(self.arg).parens())
        return prettyForm(*arg.left(pretty_symbol(type(self).__name__)))


_scalar_functions = {}


def scalar_function(name):
    """A generic real scalar function of a vector or matrix argument.

    Calling it twice with one name gives the same function.

    >>> from sympy import MatrixSymbol
    >>> from sympy_matdiff import d, scalar_function
    >>> l = scalar_function('l')
    >>> y = MatrixSymbol('y', 3, 1)
    >>> d(l(y))
    dl/dy*dy
    """
    if name not in _scalar_functions:
        _scalar_functions[name] = type(name, (ScalarFunction,), {})
    return _scalar_functions[name]


class FunctionGradient(MatrixExpr):
    """``dl/dy``: the numerator-layout derivative of ``l(y)`` at its argument.

    For ``y`` of shape m x n it has shape n x m, so that
    ``d l(y) = tr(dl/dy * dy)``.

    >>> from sympy import MatrixSymbol
    >>> from sympy_matdiff import scalar_function
    >>> from sympy_matdiff.expressions import FunctionGradient
    >>> l = scalar_function('l')
    >>> FunctionGradient(l(MatrixSymbol('y', 3, 1))).shape
    (1, 3)
    """

    def __new__(cls, fexpr):
        if not isinstance(fexpr, ScalarFunction):
            raise TypeError("FunctionGradient takes an applied scalar_function.")
        return Basic.__new__(cls, fexpr)

    @property
    def function(self):
        return self.args[0]

    @property
    def shape(self):
        m, n = self.function.arg.shape
        return (n, m)

    def _names(self):
        arg = self.function.arg
        var = arg.name if isinstance(arg, (Symbol, MatrixSymbol)) else (
            "y" if arg.shape[1] == 1 else "Y")
        return type(self.function).__name__, var, arg

    def _sympystr(self, printer):
        f, y, arg = self._names()
        at = "" if y == getattr(arg, "name", None) else f"({printer._print(arg)})"
        return f"d{f}/d{y}{at}"

    def _latex(self, printer):
        f, y, arg = self._names()
        frac = r"\frac{\mathrm{d}%s}{\mathrm{d}%s}" % (_latex_name(f), _latex_name(y))
        if y == getattr(arg, "name", None):
            return frac
        return r"\left.%s\right|_{%s=%s}" % (frac, _latex_name(y), printer._print(arg))

    def _pretty(self, printer):
        return prettyForm(self._sympystr(printer))


# The variable of every element-wise function.  Real, as the entries of our
# matrices are: SymPy's functions of a variable it cannot prove real ask for
# its real and imaginary parts, whose size doubles with each nested level
# (tanh nested 10 deep took 25 s to build and differentiate; now milliseconds).
_ARG = Dummy("d", real=True)


def readable_lambda(function):
    """``(v, body)``: a one-variable Lambda's variable as a plain symbol
    (``u``, or ``v``, ``w``, ``s`` if the body has a ``u``), for printing
    ``(u -> 1/u).(X)`` rather than SymPy's ``Lambda(_d, 1/_d).(X)``.

    >>> from sympy import Lambda, Symbol, exp
    >>> from sympy_matdiff.expressions import readable_lambda
    >>> z, u = Symbol('z'), Symbol('u')
    >>> readable_lambda(Lambda(z, exp(-z)/(1 + exp(-z))))
    (u, exp(-u)/(1 + exp(-u)))
    >>> readable_lambda(Lambda(z, u*z))
    (v, u*v)
    """
    var = function.variables[0]
    taken = {str(a) for a in function.expr.free_symbols - {var}}
    name = next(c for c in ("u", "v", "w", "s", "u_") if c not in taken)
    # real like the variable it stands for (printed the same): a body of
    # nested functions rebuilt on a variable not known real costs time
    # exponential in the depth (see _ARG)
    new = Symbol(name, real=True) if var.is_real else Symbol(name)
    return new, function.expr.xreplace({var: new})


class Elementwise(ElementwiseApplyFunction):
    """SymPy's element-wise function ``X.applyfunc(f)``, printed as ``f(X)``.

    The same object as SymPy's ``ElementwiseApplyFunction``; only the printing
    differs: a function applied to its bare argument prints as the seed writes
    it, ``sigma(W1*x)`` rather than ``Lambda(_d, sigma(_d)).(W1*x)``.

    >>> from sympy import Function, MatrixSymbol, latex
    >>> from sympy_matdiff.expressions import Elementwise
    >>> X = MatrixSymbol('X', 3, 2)
    >>> s = Elementwise(Function('sigma'), X)
    >>> s, s.shape
    (sigma(X), (3, 2))
    >>> print(latex(s))
    \\sigma\\left(X\\right)
    """

    def __new__(cls, function, expr):
        # SymPy wraps a function class in Lambda(_d, f(_d)) with a new Dummy
        # each time, so that X.applyfunc(f) != X.applyfunc(f); one shared
        # variable makes equal applications equal.
        if isinstance(function, FunctionClass):
            function = Lambda(_ARG, function(_ARG))
        elif isinstance(function, Lambda) and len(function.variables) == 1:
            function = Lambda(_ARG, function.expr.xreplace(
                {function.variables[0]: _ARG}))
        expr = sympify(expr)
        if isinstance(function, Lambda) and len(function.variables) == 1 \
                and getattr(expr, "is_Matrix", False):
            # SymPy probes a 1x1 argument by calling the function on the
            # matrix itself, which fails for 1/(1 + exp(-u)) (u + 1 of a
            # matrix); a one-variable Lambda is a scalar function anyway
            return MatrixExpr.__new__(cls, function, expr)
        return super().__new__(cls, function, expr)

    def doit(self, **hints):
        # SymPy's doit composes f(g(X)) into one function and builds it with
        # its own class, which probes a 1x1 argument by calling tanh on the
        # matrix and fails; compose into a Lambda here instead
        expr = self.expr.doit(**hints) if hints.get("deep", True) else self.expr
        f = self.function
        # (SymPy 1.14's own IdentityFunction, re(t) of a real t, says it is
        # not is_identity)
        if isinstance(f, Lambda) and (f.is_identity or f.variables == (f.expr,)):
            return expr
        if isinstance(expr, MatrixBase):
            return expr.applyfunc(f)
        if isinstance(expr, ElementwiseApplyFunction):
            return Elementwise(Lambda(_ARG, f(expr.function(_ARG))),
                               expr.expr).doit(**hints)
        return self.func(f, expr)

    def _eval_transpose(self):
        # σ(X)^T, as the seed writes it, rather than σ(X^T)
        return Transpose(self)

    def _plain_function(self):
        f = self.function
        body = f.expr
        if isinstance(body, (Function, AppliedUndef)) and body.args == f.variables:
            return body.func
        return None

    def _name(self, printer):
        g = self._plain_function()
        if isinstance(g, type) and issubclass(g, PrimeFunction):
            return printer._print(g(Symbol("u"))).rsplit("(", 1)[0]
        return None if g is None else getattr(g, "__name__", str(g))

    def _sympystr(self, printer):
        if self._plain_function() is None:
            if not isinstance(self.function, Lambda) or \
                    len(self.function.variables) != 1:
                return printer._print_ElementwiseApplyFunction(self)
            v, body = readable_lambda(self.function)
            return f"({v} -> {printer._print(body)}).({printer._print(self.expr)})"
        return f"{self._name(printer)}({printer._print(self.expr)})"

    def _latex(self, printer, exp=None):
        g = self._plain_function()
        if g is None and isinstance(self.function, Lambda) and \
                len(self.function.variables) == 1:
            v, body = readable_lambda(self.function)
            s = r"\left(%s \mapsto %s\right)_{\circ}\left(%s\right)" % (
                printer._print(v), printer._print(body), printer._print(self.expr))
        elif g is None:
            s = printer._print_ElementwiseApplyFunction(self)
        elif issubclass(g, PrimeFunction):
            s = printer._print(g(self.expr))
        else:
            # \log, \exp upright, as SymPy prints its own functions
            name = getattr(g, "latex_name", None) or (
                printer._hprint_Function(g.__name__) if hasattr(
                    printer, "_hprint_Function") else _latex_name(g.__name__))
            s = r"%s\left(%s\right)" % (name, printer._print(self.expr))
        return s if exp is None else r"\left(%s\right)^{%s}" % (s, exp)

    def _pretty(self, printer):
        g = self._plain_function()
        if g is None:
            return printer._print_ElementwiseApplyFunction(self)
        if issubclass(g, PrimeFunction):
            name = pretty_symbol(g.base_name) + g._marks(g, "′")
        else:
            name = getattr(g, "pretty_name", None) or pretty_symbol(g.__name__)
        return prettyForm(*prettyForm(*printer._print(self.expr).parens()).left(name))


class PrimeFunction(AppliedUndef):
    """An application of ``f'``, ``f''``, ... of an undefined function ``f``."""

    def fdiff(self, argindex=1):
        if len(self.args) != 1:
            return super().fdiff(argindex)
        return prime(Symbol(self.base_name), self.order + 1)(self.args[0])

    def _marks(self, mark):
        # also called on the class, from Elementwise's pretty printer
        return mark * self.order if self.order <= 3 else f"^({self.order})"

    def _sympystr(self, printer):
        args = ", ".join(printer._print(a) for a in self.args)
        return f"{self.base_name}{self._marks(chr(39))}({args})"

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(a) for a in self.args)
        marks = self._marks(r"\prime")
        name = _latex_name(self.base_name)
        s = r"%s^{%s}\left(%s\right)" % (name, marks, args)
        return s if exp is None else r"\left(%s\right)^{%s}" % (s, exp)

    def _pretty(self, printer):
        name = pretty_symbol(self.base_name) + self._marks("′")
        return printer._print_Function(self, func_name=name)


def prime(f, order=1):
    """The derivative ``f'`` (or ``f''``, ...) of an undefined scalar function.

    >>> from sympy import Function, Symbol, pprint
    >>> from sympy_matdiff.expressions import prime
    >>> sigma, u = Function('sigma'), Symbol('u')
    >>> prime(sigma)(u), prime(sigma)(u).diff(u)
    (sigma'(u), sigma''(u))
    >>> pprint(prime(sigma)(u), use_unicode=True)
    σ′(u)
    """
    name = getattr(f, "name", None) or getattr(f, "__name__")
    return UndefinedFunction(name + "'" * order if order <= 3 else f"{name}^({order})",
                             bases=(PrimeFunction,),
                             __dict__={"base_name": name, "order": order})


def _latex_name(name):
    from sympy.printing.latex import translate
    base, sup, sub = split_super_sub(name)
    s = translate(base)
    if sub:
        s += "_{%s}" % " ".join(translate(x) for x in sub)
    if sup:
        s += "^{%s}" % " ".join(translate(x) for x in sup)
    return s


def _with_primes(expr):
    """Write derivatives of undefined one-argument functions with :func:`prime`."""
    def rewrite(e):
        if isinstance(e, Derivative) and isinstance(e.expr, AppliedUndef) \
                and len(e.expr.args) == 1 and e.expr.args[0] in e.variables \
                and len(e.variable_count) == 1:
            f, (v, k) = e.expr, e.variable_count[0]
            if f.args[0] == v:
                if isinstance(f, PrimeFunction):
                    return prime(Symbol(f.base_name), f.order + k)(v)
                return prime(f.func, k)(v)
        if isinstance(e, Subs):
            inner = rewrite(e.expr)
            if inner is not e.expr:
                return inner.xreplace(dict(zip(e.variables, e.point)))
        return e
    return expr.replace(lambda e: isinstance(e, (Derivative, Subs)), rewrite)


def derivative_of(body, u):
    """``d body / du``, with :func:`prime` for undefined functions.

    Raises :class:`ScalarDerivativeError` where SymPy leaves a derivative
    of a known function unevaluated.
    """
    real = Dummy(str(u), real=True)  # our matrices are real
    partial = _with_primes(body.xreplace({u: real}).diff(real))
    for der in partial.atoms(Derivative):
        if not isinstance(der.expr, AppliedUndef):
            raise ScalarDerivativeError(
                f"SymPy cannot differentiate {body} (it leaves {der}); give "
                "the function an fdiff method or rewrite it with functions "
                "SymPy knows.")
    return partial.xreplace({real: u})


def scalar_partial(expr, index):
    """``∂f/∂u_index`` of a scalar node ``f(u_1, ..., u_k)``, at its arguments.

    Computed by SymPy on dummy arguments, so that arguments which are matrix
    expressions (``tr(X)``, ``det(X)``) are treated as scalars.

    >>> from sympy import Function, MatrixSymbol, Trace, log
    >>> from sympy_matdiff.expressions import scalar_partial
    >>> X = MatrixSymbol('X', 2, 2)
    >>> scalar_partial(log(Trace(X)), 0)
    1/Trace(X)
    >>> scalar_partial(Function('sigma')(Trace(X)), 0)
    sigma'(Trace(X))
    """
    dummies = [Dummy("u") for _ in expr.args]
    partial = derivative_of(expr.func(*dummies), dummies[index])
    return partial.xreplace(dict(zip(dummies, expr.args)))


def lambda_derivative(f):
    """The derivative of a one-variable ``Lambda``, as a ``Lambda``.

    >>> from sympy import Lambda, Symbol, exp
    >>> from sympy_matdiff.expressions import lambda_derivative
    >>> u = Symbol('u')
    >>> lambda_derivative(Lambda(u, exp(2*u)))
    Lambda(u, 2*exp(2*u))
    """
    u = f.variables[0]
    return Lambda(u, derivative_of(f.expr, u))


__all__ = ["Adjugate", "adj", "ScalarFunction", "scalar_function",
           "FunctionGradient", "Elementwise", "PrimeFunction", "prime",
           "scalar_partial", "lambda_derivative", "derivative_of",
           "require_square"]
