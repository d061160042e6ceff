"""sympy_matdiff: matrix calculus in SymPy by differentials.

Take the differential of a matrix expression with a handful of identities
(the seed's equations (1)-(27), declared in :mod:`sympy_matdiff.rules`), then
read the derivative off it.

>>> from sympy import MatrixSymbol, Trace
>>> from sympy_matdiff import d
>>> A, X, B = (MatrixSymbol('A', 2, 3), MatrixSymbol('X', 3, 4),
...            MatrixSymbol('B', 4, 2))
>>> d(Trace(A*X*B), X)
Trace(A*dX*B)
"""
from .differentials import Differential, ScalarDifferential, d
from .errors import (CodegenError, IdentificationError, MatrixCalculusError,
                     NoRuleError, NotASymbolError, NotSquareError,
                     ScalarDerivativeError)
from .expressions import Adjugate, adj, prime, scalar_function  # noqa: F401
from .functions import (log_sigmoid, logsumexp, relu, sigmoid, softmax,
                        softplus)
from .identification import hessian  # noqa: F401 (not in __all__)
from . import identification as _identification
from .derivations import Derivation, derivation
from .backprop import Named, named_derivative
from .layouts import LayoutError, to_layout
from .numeric import check
from .codegen import codegen, codegen_function
from .rules import RULES, Rule
from . import hooks

hooks.install()


def derivative(expr, wrt, layout="numerator", named=False):
    if named:
        return named_derivative(expr, wrt, layout)
    return _identification.derivative(expr, wrt, layout)


# the engine's docstring, and the one argument this layer adds
derivative.__doc__ = _identification.derivative.__doc__.replace(
    "    >>> from sympy import MatrixSymbol, Symbol\n",
    "    With ``named=True``, the derivative with named intermediates, as\n"
    "    backpropagation writes it: :func:`named_derivative`.\n\n"
    "    >>> from sympy import MatrixSymbol, Symbol\n", 1)

__version__ = "0.1.0"

# hessian and prime are left out of __all__: 'from sympy_matdiff import *'
# after 'from sympy import *' would replace sympy.hessian(f, varlist) and
# sympy.prime(n), other functions; import them by name (docs/index.md)
__all__ = [
    "d", "derivative", "named_derivative", "Named", "check", "derivation", "Derivation",
    "codegen", "codegen_function",
    "Differential", "ScalarDifferential", "Adjugate", "adj",
    "scalar_function", "RULES", "Rule",
    "MatrixCalculusError", "NoRuleError", "NotASymbolError", "NotSquareError",
    "ScalarDerivativeError", "IdentificationError", "LayoutError", "to_layout",
    "CodegenError",
    "sigmoid", "softplus", "log_sigmoid", "relu", "softmax", "logsumexp",
]
