"""JAX functions that code generated for ``backend="jax"`` copies into itself.

The JAX counterparts of :mod:`sympy_matdiff.kernels`: pure ``jax.numpy``,
so the generated function can be traced by ``jax.jit``, ``jax.grad`` and
``jax.vmap``.  ``inv_slogdet(X)`` gives ``X^-1`` and ``log|det X|`` from one
LU factorization (the inverse only where the formula needs it bare, as the
gradient of ``log det X`` does; products with an inverse are solves).

>>> import numpy, pytest
>>> jax = pytest.importorskip("jax")          # the optional extra [jax]
>>> from sympy_matdiff.jaxkernels import inv_slogdet
>>> S = numpy.array([[2.0, 1.0], [1.0, 3.0]])
>>> inv, sign, logdet = inv_slogdet(S)
>>> ok = bool(numpy.allclose(inv @ S, numpy.eye(2), atol=1e-5))
>>> ok, float(sign), round(float(logdet), 6)
(True, 1.0, 1.609438)
"""
try:
    import jax.numpy
    import jax.scipy.linalg
except ImportError:     # the optional extra [jax]; generated code imports it
    jax = None


def inv_slogdet(X):
    """``(X^-1, sign, log|det X|)`` from one LU factorization of ``X``."""
    lu, piv = jax.scipy.linalg.lu_factor(X)
    diag = jax.numpy.diagonal(lu)
    swaps = jax.numpy.sum(piv != jax.numpy.arange(piv.shape[0]))
    sign = jax.numpy.prod(jax.numpy.sign(diag)) * (1 - 2 * (swaps % 2))
    logdet = jax.numpy.sum(jax.numpy.log(jax.numpy.abs(diag)))
    eye = jax.numpy.eye(X.shape[0], dtype=lu.dtype)
    return jax.scipy.linalg.lu_solve((lu, piv), eye), sign, logdet


_NEEDS = {"inv_slogdet": ()}

__all__ = ["inv_slogdet"]
