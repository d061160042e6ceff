"""PyTorch functions that code generated for ``backend="torch"`` copies into itself.

The PyTorch counterparts of :mod:`sympy_matdiff.kernels`, in ``torch``
operations only, so that the generated function runs on the arguments'
device and under ``torch.func.grad``, ``vmap`` and ``jvp``:

* ``as_tensors(*args)``: the arguments as tensors of one floating dtype on
  one device (the generated function's first statement);
* ``inv_slogdet(X)``: ``X^-1`` and ``log|det X|`` from one LU factorization
  (the inverse only where the formula needs it bare, as the gradient of
  ``log det X`` does; products with an inverse are solves);
* ``reshape_f(x, shape)``: NumPy's ``reshape(x, shape, order='F')``, the
  vec ordering (torch reshapes in row-major order only);
* ``matrix(rows, like)``: an explicit matrix of numbers and 0-d tensors;
* ``cached_einsum(spec, *operands)``: ``torch.einsum`` in a contraction
  order found once per shapes.

>>> import pytest
>>> torch = pytest.importorskip("torch")          # the optional extra [torch]
>>> from sympy_matdiff.torchkernels import as_tensors, inv_slogdet
>>> S, = as_tensors([[2.0, 1.0], [1.0, 3.0]])
>>> inv, sign, logdet = inv_slogdet(S)
>>> bool(torch.allclose(inv @ S, torch.eye(2))), float(sign), round(float(logdet), 6)
(True, 1.0, 1.609438)
"""
try:
    import torch
except ImportError:     # the optional extra [torch]; generated code imports it
    torch = None


def as_tensors(*args):
    """The arguments as tensors of one dtype, the promotion of the floating
    dtypes of the tensors and arrays among them (a Python number or list
    takes no part, as in torch's own promotion; none: torch's default
    dtype).  A tensor stays on its device; the rest go to the device of the
    first tensor, so tensors on two devices fail as torch's operations do.

    >>> import numpy, pytest
    >>> torch = pytest.importorskip("torch")
    >>> a, b, c = as_tensors(numpy.ones(2), torch.ones(2, dtype=torch.float32), 0.1)
    >>> a.dtype, b.dtype, float(c) == 0.1
    (torch.float64, torch.float64, True)
    """
    device = next((a.device for a in args if isinstance(a, torch.Tensor)), None)
    typed = [a if isinstance(a, torch.Tensor) else torch.as_tensor(a, device=device)
             if hasattr(a, "dtype") else None for a in args]
    dtype = None
    for t in typed:
        if t is not None and (t.is_floating_point() or t.is_complex()):
            dtype = t.dtype if dtype is None else torch.promote_types(dtype, t.dtype)
    dtype = dtype or torch.get_default_dtype()
    # numbers and lists straight to the dtype: 0.1 through float32 is not 0.1
    return tuple(t.to(dtype) if t is not None else
                 torch.as_tensor(a, dtype=dtype, device=device)
                 for a, t in zip(args, typed))


def inv_slogdet(X):
    """``(X^-1, sign, log|det X|)`` from one LU factorization of ``X``
    (``torch.linalg.lu_factor``; its pivots count from 1)."""
    lu, piv = torch.linalg.lu_factor(X)
    diag = torch.diagonal(lu)
    order = torch.arange(1, piv.shape[0] + 1, dtype=piv.dtype, device=piv.device)
    swaps = torch.sum(piv != order)
    sign = torch.prod(torch.sign(diag)) * (1 - 2 * (swaps % 2))
    logdet = torch.sum(torch.log(torch.abs(diag)))
    eye = torch.eye(X.shape[0], dtype=lu.dtype, device=lu.device)
    return torch.linalg.lu_solve(lu, piv, eye), sign, logdet


def reshape_f(x, shape):
    """``numpy.reshape(x, shape, order='F')``: reversing the axes turns the
    column-major order into torch's row-major one.

    >>> import pytest
    >>> torch = pytest.importorskip("torch")
    >>> reshape_f(torch.tensor([[1, 2], [3, 4]]), (-1,)).tolist()
    [1, 3, 2, 4]
    """
    def reverse(t):
        return t.permute(*reversed(range(t.ndim)))
    return reverse(reverse(x).reshape(tuple(reversed(tuple(shape)))))


def matrix(rows, like):
    """A 2-D tensor of ``rows`` (numbers and 0-d tensors) in the dtype and
    on the device of ``like``; stacked, so gradients flow through entries."""
    return torch.stack([torch.stack([torch.as_tensor(v, dtype=like.dtype,
                                                     device=like.device)
                                     for v in row]) for row in rows])


def cached_einsum(spec, *operands, _steps={}):
    """``torch.einsum(spec, *operands)`` as pairwise contractions in the
    order opt_einsum chooses, chosen once per spec and shapes (the default
    argument is the cache): torch.einsum searches the order afresh at each
    call, 90% of the time of a six-operand product of 10 x 10 matrices.
    Without opt_einsum, torch.einsum itself.

    >>> import pytest
    >>> torch = pytest.importorskip("torch")
    >>> a = torch.ones((2, 3))
    >>> cached_einsum('ab,cb,cd->ad', a, a, a).tolist()
    [[6.0, 6.0, 6.0], [6.0, 6.0, 6.0]]
    """
    key = (spec,) + tuple(tuple(o.shape) for o in operands)
    if key not in _steps:
        try:
            import opt_einsum
        except ImportError:
            return torch.einsum(spec, *operands)
        info = opt_einsum.contract_path(spec, *key[1:], shapes=True)[1]
        _steps[key] = [(step[0], step[2]) for step in info.contraction_list]
    ops = list(operands)
    for positions, pairwise in _steps[key]:   # positions: in descending order
        ops.append(torch.einsum(pairwise, *[ops.pop(i) for i in positions]))
    return ops[0]


# what each kernel calls (their names are in kernels.RESERVED too)
_NEEDS = {"as_tensors": (), "inv_slogdet": (), "reshape_f": (), "matrix": (),
          "cached_einsum": ()}

__all__ = ["as_tensors", "inv_slogdet", "reshape_f", "matrix", "cached_einsum"]
