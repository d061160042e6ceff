"""The seed's worked examples, E.g. 1-6, as data.

The command line shows them, the tests check their exact forms and the
derivations reproduce them; they are declared once, here.

>>> from sympy_matdiff.examples import SEED_EXAMPLES
>>> [e.name for e in SEED_EXAMPLES][:3]
['E.g. 1', 'E.g. 2', 'E.g. 3']
"""
from dataclasses import dataclass

from sympy import Function, MatrixSymbol, Trace, det, log

from .expressions import scalar_function


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    expr: object
    wrt: object


def _examples():
    x = MatrixSymbol("x", 3, 1)
    W, b = MatrixSymbol("W", 2, 3), MatrixSymbol("b", 2, 1)
    X = MatrixSymbol("X", 3, 3)
    A, B, Y = MatrixSymbol("A", 2, 3), MatrixSymbol("B", 4, 2), MatrixSymbol("X", 3, 4)
    W1, W2 = MatrixSymbol("W1", 4, 3), MatrixSymbol("W2", 2, 4)
    sigma, l = Function("sigma"), scalar_function("l")
    net = l(W2 * (W1 * x).applyfunc(sigma))
    return [
        Example("E.g. 1", "d(x^T x)/dx", x.T * x, x),
        Example("E.g. 2", "d||Wx + b||^2/dW", (W * x + b).T * (W * x + b), W),
        Example("E.g. 3", "d ln|X| / dX", log(det(X)), X),
        Example("E.g. 4", "d tr(AXB) / dX", Trace(A * Y * B), Y),
        Example("E.g. 5", "two-layer network, wrt W2", net, W2),
        Example("E.g. 5", "two-layer network, wrt W1", net, W1),
        Example("E.g. 6", "d(X^-1)", X**-1, X),
    ]


SEED_EXAMPLES = _examples()
