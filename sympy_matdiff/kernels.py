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


def cached_einsum(spec, *operands, _plans={}):
    """``numpy.einsum(spec, *operands)``, contracted pairwise in the order
    that ``einsum_path`` (greedy) chooses, the plan made once per spec and
    shapes (the default argument is the cache): each pair is one BLAS
    ``dot`` of two reshaped operands, a batched ``matmul``, or a
    broadcast product, where it can be, else NumPy's C ``einsum`` of the
    two.  NumPy's own ``einsum(..., optimize=path)`` re-plans on every
    call, which costs more than the contraction for small arrays.  An
    output label may be repeated (``'ab->aba'``): the result is then zero
    off that diagonal, as a product with an identity.

    >>> a = numpy.ones((2, 3))
    >>> cached_einsum('ab,cb,cd->ad', a, a, a).tolist()
    [[6.0, 6.0, 6.0], [6.0, 6.0, 6.0]]
    >>> cached_einsum('a,b->aba', numpy.ones(2), numpy.arange(2.0)).tolist()
    [[[0.0, 0.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 1.0]]]
    """
    key = (spec, *[o.shape for o in operands])
    plan = _plans.get(key)
    if plan is None:
        plan = _plans[key] = einsum_plan(spec, *operands)
    steps, final, diagonal = plan
    ops = list(operands)
    for i, j, how, pa, sa, pb, sb, shape in steps:
        x, y = ops[i], ops[j]
        del ops[max(i, j)], ops[min(i, j)]
        if how in ("dot", "mul", "matmul", "mul in a"):
            x = (x if pa is None else x.transpose(pa)).reshape(sa)
            y = (y if pb is None else y.transpose(pb)).reshape(sb)
            if how == "mul in a" and x.dtype == y.dtype and isinstance(
                    x, numpy.ndarray):     # x: ours, full size (not a dot's 0-d scalar)
                z = numpy.multiply(x, y, out=x)
            elif how in ("mul", "mul in a"):
                z = numpy.multiply(x, y, order="C")
            else:
                z = numpy.dot(x, y) if how == "dot" else numpy.matmul(x, y)
            ops.append(z if shape is None else z.reshape(shape))
        else:
            ops.append(numpy.einsum(how, x, y))
    if isinstance(final, tuple):
        out = ops[0].transpose(final)
    else:
        out = ops[0] if final is None else numpy.einsum(final, *ops)
    if diagonal is None:
        return out
    full = numpy.zeros(diagonal[0], out.dtype)
    # the diagonal as a view of full (its strides summed over each label)
    numpy.ndarray(diagonal[1], out.dtype, full, 0,
                  [st * out.itemsize for st in diagonal[2]])[...] = out
    return full


def einsum_plan(spec, *operands):
    """The plan :func:`cached_einsum` follows: ``(steps, final, diagonal)``.

    Each step takes two operands (by position; the result goes last): with
    the labels both keep (batch), those only one keeps, and those summed,
    it is a ``dot`` (no batch label), a broadcast product (nothing summed)
    or a batched ``matmul``, of the operands transposed and reshaped as
    given; else the ``einsum`` spec given.  ``final`` brings what is left to
    the output (a transposition, an ``einsum`` spec, or None),
    ``diagonal`` (for a repeated output label) the full shape, and the
    shape and strides of its diagonal view."""
    inputs, out = spec.split("->")
    terms = inputs.split(",")
    size = {}
    for t, o in zip(terms, operands):
        size.update(zip(t, numpy.shape(o)))

    def dims(labels):
        return tuple(size[c] for c in labels)

    def prod(labels):
        return int(numpy.prod(dims(labels)))

    def perm(term, labels):
        p = tuple(term.index(c) for c in labels)
        return None if p == tuple(sorted(p)) else p
    unique = "".join(dict.fromkeys(out))
    diagonal = None
    if unique != out:        # C-order strides (in items) of an array of dims(out)
        step = [int(numpy.prod(dims(out[i + 1:]))) for i in range(len(out))]
        diagonal = (dims(out), dims(unique), tuple(
            sum(st for c, st in zip(out, step) if c == u) for u in unique))
    path = [tuple(range(len(terms)))]
    if len(terms) > 2:
        path = numpy.einsum_path(inputs + "->" + unique, *operands,
                                 optimize="greedy")[0][1:]
    pairs, ids = [], list(range(len(terms)))
    for group in path:       # a group of three or more: pairwise, in turn
        if len(group) < 2:
            return [], inputs + "->" + unique, diagonal
        members = [ids[p] for p in group]
        for p in sorted(group, reverse=True):
            del ids[p]
        cur = members[0]
        for m in members[1:]:
            pairs.append((cur, m))
            cur = (cur, m)
        ids.append(cur)
    steps, ops, ids = [], list(terms), list(range(len(terms)))
    for x, y in pairs:
        i, j = ids.index(x), ids.index(y)
        del ids[max(i, j)], ids[min(i, j)]
        ids.append((x, y))
        a, b = ops[i], ops[j]
        del ops[max(i, j)], ops[min(i, j)]
        rest = "".join(ops) + unique
        # kept labels in the output's order where they are in it, so that
        # the last steps need no transposing copy of a large result
        order = {c: i for i, c in enumerate(unique + rest)}
        batch = "".join(sorted((c for c in a if c in b and c in rest),
                               key=order.get))
        summed = "".join(c for c in a if c in b and c not in rest)
        keep_a = "".join(sorted((c for c in a if c in rest and c not in b),
                                key=order.get))
        keep_b = "".join(sorted((c for c in b if c in rest and c not in a),
                                key=order.get))
        if len(set(a)) < len(a) or len(set(b)) < len(b) or \
                len(batch + summed + keep_a) != len(a) or \
                len(batch + summed + keep_b) != len(b):
            # a diagonal, or a label summed within one operand
            new = "".join(dict.fromkeys(c for c in a + b if c in rest))
            steps.append((i, j, f"{a},{b}->{new}", None, None, None, None, None))
        elif not summed:        # a broadcast product, in the output's order
            new = batch + keep_a + keep_b                # if it is the last
            new = unique if not ops and sorted(new) == sorted(unique) else new
            if isinstance(y, tuple) and sorted(b) == sorted(new):
                i, j, a, b, x, y = j, i, b, a, y, x
            pa, pb = (perm(a, [c for c in new if c in a]),
                      perm(b, [c for c in new if c in b]))
            # into an intermediate (not an argument) that has the result's
            # size and order: no second array of that size
            how = "mul in a" if isinstance(x, tuple) and pa is None and \
                sorted(a) == sorted(new) else "mul"
            steps.append((i, j, how, pa, tuple(size[c] if c in a else 1 for c in new),
                          pb, tuple(size[c] if c in b else 1 for c in new), None))
        elif not batch:         # (keep_a x summed) times (summed x keep_b)
            if keep_a and keep_b and order[keep_b[0]] < order[keep_a[0]]:
                i, j, a, b, keep_a, keep_b = j, i, b, a, keep_b, keep_a
            new = keep_a + keep_b
            steps.append((i, j, "dot", perm(a, keep_a + summed),
                          (prod(keep_a), prod(summed)),
                          perm(b, summed + keep_b), (prod(summed), prod(keep_b)),
                          dims(new)))
        else:
            new = batch + keep_a + keep_b
            steps.append((i, j, "matmul", perm(a, batch + keep_a + summed),
                          (prod(batch), prod(keep_a), prod(summed)),
                          perm(b, batch + summed + keep_b),
                          (prod(batch), prod(summed), prod(keep_b)), dims(new)))
        ops.append(new)
    left = ops[0] if len(ops) == 1 else None
    if left == unique:
        final = None
    elif left is not None and sorted(left) == sorted(unique):
        final = tuple(left.index(c) for c in unique)
    else:
        final = ",".join(ops) + "->" + unique
    return steps, final, diagonal


# what each kernel calls, so that a generated module gets all it needs
_NEEDS = {"inv_slogdet": ("spd_inv_logdet",), "spd_inv_logdet": (),
          "cached_einsum": ("einsum_plan",), "einsum_plan": ()}


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


__all__ = ["inv_slogdet", "spd_inv_logdet", "cached_einsum", "einsum_plan",
           "source"]
