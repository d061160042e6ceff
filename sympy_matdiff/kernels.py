"""NumPy functions that generated code copies into itself.

Code generation (:mod:`sympy_matdiff.codegen`) writes self-contained
source, so a computation that is more than one NumPy call lives here as an
ordinary, tested function and is copied, by its source, into the generated
module that needs it (:func:`source`).

``inv_slogdet(X)`` is for a formula that needs both ``X^-1`` and ``det X``,
as the gradient of ``log det X`` does.  NumPy factors ``X`` afresh in
``inv`` and again in ``slogdet`` and does not expose the factors, and its
``inv`` costs about four times the LU that ``slogdet`` needs.  For a
symmetric positive-definite ``X`` (a covariance, a Gram matrix: the usual
log-det) both come from one recursion by Schur complements, made of
matrix products: about twice the cost of ``slogdet`` alone for large n.

>>> import numpy
>>> from sympy_matdiff.kernels import inv_slogdet
>>> M = numpy.arange(1.0, 101.0).reshape(10, 10) % 7
>>> S = M @ M.T + numpy.eye(10)
>>> inv, sign, logdet = inv_slogdet(S, leaf=4)
>>> bool(numpy.allclose(inv @ S, numpy.eye(10)))
True
>>> bool(numpy.isclose(logdet, numpy.linalg.slogdet(S)[1])), float(sign)
(True, 1.0)
"""
import inspect

import numpy


def inv_slogdet(X, leaf=48):
    """``(X^-1, sign, log|det X|)``, as ``inv`` and ``slogdet`` give them.

    (``leaf=48``: below this size NumPy's own ``inv`` and ``slogdet`` are
    faster than the recursion; measured with one BLAS thread, it wins from
    about n = 60.)

    A symmetric ``X`` larger than ``leaf`` is first tried as positive
    definite (:func:`spd_inv_logdet`); if it is not (a Cholesky factor
    fails), or ``X`` is not symmetric, NumPy's ``inv`` and ``slogdet`` are
    used, so the result never depends on the guess.  A singular ``X``
    raises ``numpy.linalg.LinAlgError``, as ``inv`` does.
    """
    if X.shape[0] > leaf and numpy.array_equal(X, X.T):
        try:
            inv, logdet = spd_inv_logdet(X, leaf)
            return inv, 1.0, logdet
        except numpy.linalg.LinAlgError:
            pass
    sign, logdet = numpy.linalg.slogdet(X)
    return numpy.linalg.inv(X), sign, logdet


def spd_inv_logdet(S, leaf=48):
    """``(S^-1, log det S)`` of a symmetric positive-definite ``S``.

    With ``S = [[A, B], [B^T, D]]`` and the Schur complement
    ``C = D - B^T A^-1 B`` (positive definite when S is),
    ``det S = det A det C`` and ``S^-1 = [[A^-1 + W C^-1 W^T, -W C^-1],
    [-C^-1 W^T, C^-1]]`` with ``W = A^-1 B``: two half-size inversions and
    four half-size products, about 4n^3/3 flops in all, against 2n^3/3 for
    the LU alone.  A block of at most ``leaf`` rows is checked by Cholesky
    (``LinAlgError`` if it is not positive definite, so a result certifies
    that S is) and inverted by NumPy.
    """
    n = S.shape[0]
    if n <= leaf:
        L = numpy.linalg.cholesky(S)
        return numpy.linalg.inv(S), 2 * numpy.log(numpy.diagonal(L)).sum()
    k = n // 2
    A, B, D = S[:k, :k], S[:k, k:], S[k:, k:]
    Ainv, logdet_a = spd_inv_logdet(A, leaf)
    W = Ainv @ B
    Cinv, logdet_c = spd_inv_logdet(D - B.T @ W, leaf)
    WC = W @ Cinv
    out = numpy.empty_like(S)
    out[:k, :k] = Ainv + WC @ W.T
    out[:k, k:] = -WC
    out[k:, :k] = -WC.T
    out[k:, k:] = Cinv
    return out, logdet_a + logdet_c


def cached_einsum(spec, *operands, _paths={}):
    """``numpy.einsum(spec, *operands)`` in the contraction order that
    ``einsum_path`` (greedy) chooses, chosen once per spec and shapes: the
    search costs more than the contraction for small arrays (the default
    argument is the cache).

    >>> a = numpy.ones((2, 3))
    >>> cached_einsum('ab,cb,cd->ad', a, a, a).tolist()
    [[6.0, 6.0, 6.0], [6.0, 6.0, 6.0]]
    """
    key = (spec,) + tuple(numpy.shape(o) for o in operands)
    if key not in _paths:
        _paths[key] = numpy.einsum_path(spec, *operands, optimize="greedy")[0]
    return numpy.einsum(spec, *operands, optimize=_paths[key])


# what each kernel calls, so that a generated module gets all it needs
_NEEDS = {"inv_slogdet": ("spd_inv_logdet",), "spd_inv_logdet": (),
          "cached_einsum": ()}


# names a generated module defines besides these: its modules, and the
# kernels of sympy_matdiff.torchkernels (listed here: that module imports torch)
RESERVED = ("numpy", "jax", "torch", "as_tensors", "reshape_f", "matrix")


def source(names, backend="numpy"):
    """The source of the kernels ``names`` and of those they call, each once
    (for ``backend="jax"`` or ``"torch"``, those of
    :mod:`sympy_matdiff.jaxkernels` or :mod:`sympy_matdiff.torchkernels`).

    >>> print(source(["inv_slogdet"]).count("def "))
    2
    """
    if backend == "jax":
        from . import jaxkernels as module
    elif backend == "torch":
        from . import torchkernels as module
    else:
        import sys
        module = sys.modules[__name__]
    todo, seen = list(names), []
    while todo:
        name = todo.pop(0)
        if name not in seen:
            seen.append(name)
            todo.extend(module._NEEDS[name])
    return "\n\n".join(inspect.getsource(getattr(module, name)) for name in seen)


__all__ = ["inv_slogdet", "spd_inv_logdet", "cached_einsum", "source"]
