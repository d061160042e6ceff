"""``backend="torch"``: the NumPy emitter's statements in ``torch``.

:class:`TorchEmitter` is :class:`~sympy_matdiff.numpycode.NumPyEmitter`
(the same shared subexpressions, solves, ``slogdet`` and structured
``einsum``) with what PyTorch writes differently:

* constants (``eye``, ``zeros``, ``ones``, ``full``, the commutation
  matrix, explicit matrices) are made in the dtype and on the device of
  the first argument, and the arguments are made tensors of one floating
  dtype on one device (:func:`.torchkernels.as_tensors`): a float32 CUDA
  tensor stays a float32 CUDA tensor;
* vec and unvec (NumPy's ``order='F'``) by :func:`.torchkernels.reshape_f`;
  a Kronecker product by ``einsum`` (``torch.kron`` fails on a transposed
  operand); an ``einsum`` of three or more operands in a contraction order
  found once per shapes (:func:`.torchkernels.cached_einsum`);
* the named functions by torch's stable kernels: ``torch.sigmoid``,
  ``torch.nn.functional.softplus`` (its linear branch moved from 20 to 40,
  where it is exact in float64), ``torch.nn.functional.logsigmoid``,
  ``torch.relu``, ``torch.logsumexp``, ``torch.softmax``;
* numbers such as ``log(2)`` as Python floats (torch's functions take
  tensors), ``Heaviside`` and ``Max``/``Min`` of a number and a tensor,
  ``Piecewise`` as nested ``torch.where``.

Nothing branches on a value, so the function runs under
``torch.func.grad``, ``vmap``, ``jvp`` and ``hessian``.

>>> from sympy import MatrixSymbol, det, log
>>> from sympy_matdiff.codegen import codegen
>>> S = MatrixSymbol('S', 3, 3)
>>> for line in codegen(log(det(S)), S, backend="torch").splitlines()[-5:]:
...     print(line)
    (S,) = as_tensors(S)
    if S.shape != (3, 3):
        raise ValueError('S: expected shape (3, 3) = %s, got %s' % ((3, 3), S.shape))
    _t0 = inv_slogdet(S)
    return (torch.where(_t0[1] > 0, _t0[2], torch.nan)), _t0[0]
"""
from sympy import (Expr, Identity, KroneckerProduct, MatrixBase, OneMatrix, S,
                   ZeroMatrix)
from sympy.printing.numpy import _numpy_known_constants, _numpy_known_functions

from .errors import CodegenError
from .functions import logsumexp, softmax
from .numpycode import NumPyEmitter, _BodyPrinter
from .vec import CommutationMatrix, Unvec, Vec

# NumPy's names are torch's (exp, log1p, arctan2, ...), but for euler_gamma
_TORCH_FUNCTIONS = {k: "torch." + v.split(".", 1)[1]
                    for k, v in _numpy_known_functions.items()}
_TORCH_CONSTANTS = {k: "torch." + v.split(".", 1)[1]
                    for k, v in _numpy_known_constants.items() if k != "EulerGamma"}


class _TorchBodyPrinter(_BodyPrinter):
    """The scalar parts in ``torch``: the NumPy printer's functions under
    torch's names, and the named functions' torch kernels."""

    _module = "torch"
    _kf = _TORCH_FUNCTIONS
    _kc = _TORCH_CONSTANTS
    # (torch has lgamma, log|gamma|, but not gamma)
    _ARRAY_FUNCTIONS = {"erf": "torch.erf", "erfc": "torch.erfc",
                        "loggamma": "torch.lgamma", "erfinv": "torch.erfinv",
                        "polygamma": "torch.special.polygamma"}

    def __init__(self, names):
        super().__init__(names)
        # not "_numpycode": the named functions' NumPy kernels (logaddexp
        # of a Python 0) do not run in torch; _print_sigmoid etc. below do
        self.printmethod = "_torchcode"

    def _print(self, expr, **kwargs):
        # torch.log(2) fails: a number that is not a literal is a float
        if isinstance(expr, Expr) and not getattr(expr, "is_Matrix", False) \
                and expr.is_number and not expr.is_Rational and \
                not expr.is_Float and expr.is_finite and expr.is_extended_real:
            return repr(float(expr))
        return super()._print(expr, **kwargs)

    def _unary(self, name, e, extra=""):
        return f"{self._module_format(name)}({self._print(e.args[0])}{extra})"

    def _print_sigmoid(self, e):
        return self._unary("torch.sigmoid", e)

    def _print_softplus(self, e):
        # exact in float64: log1p(exp(-40)) is below half an ulp of 40
        return self._unary("torch.nn.functional.softplus", e, ", threshold=40")

    def _print_log_sigmoid(self, e):
        return self._unary("torch.nn.functional.logsigmoid", e)

    def _print_relu(self, e):
        return self._unary("torch.relu", e)

    def _print_Heaviside(self, e):
        u = self._print(e.args[0])
        h0 = e.args[1] if len(e.args) > 1 else S.Half
        if h0 == S.Half:    # SymPy's H(0) = 1/2
            return f"(({self._module_format('torch.sign')}({u}) + 1) / 2)"
        where = self._module_format("torch.where")
        ones = self._module_format("torch.ones_like")
        # a tensor in the innermost branch: two Python numbers would give
        # torch's default dtype
        return (f"{where}({u} > 0, 1.0, {where}({u} < 0, 0.0, "
                f"{self._print(h0)} * {ones}({u})))")

    def _print_Max(self, e):
        return self._extremum("torch.maximum", e)

    def _print_Min(self, e):
        return self._extremum("torch.minimum", e)

    def _extremum(self, name, e):
        # torch.maximum takes two tensors: a number becomes one like the
        # other argument (SymPy's printers write NumPy's reduce, or amax)
        like = next(self._print(a) for a in e.args if not a.is_number)
        full = self._module_format("torch.full_like")
        codes = [f"{full}({like}, {self._print(a)})" if a.is_number else
                 self._print(a) for a in e.args]
        code = codes[0]
        for c in codes[1:]:
            code = f"{self._module_format(name)}({code}, {c})"
        return code

    def _print_Piecewise(self, e):
        where = self._module_format("torch.where")
        code = None
        for piece in reversed(e.args):
            value = self._print(piece.expr)
            if code is None:
                if piece.cond != S.true:
                    raise CodegenError("code generation: a Piecewise without "
                                       f"an otherwise branch ({e}) has no torch "
                                       "translation.")
                code = value
            else:
                code = f"{where}({self._print(piece.cond)}, {value}, {code})"
        return code

    def _print_And(self, e):
        return self._logical("torch.logical_and", e)

    def _print_Or(self, e):
        return self._logical("torch.logical_or", e)

    def _logical(self, name, e):
        codes = [self._print(a) for a in e.args]
        code = codes[0]
        for c in codes[1:]:
            code = f"{self._module_format(name)}({code}, {c})"
        return code

    def _print_hypot(self, e):      # torch.hypot takes two tensors
        return self._extremum("torch.hypot", e)

    def _print_atan2(self, e):
        return self._extremum("torch.atan2", e)

    def _print_Mod(self, e):      # numpy.mod is Python's %, torch.remainder
        return "{}({})".format(self._module_format("torch.remainder"),
                               ", ".join(self._print(a) for a in e.args))


class TorchEmitter(NumPyEmitter):
    """:class:`~sympy_matdiff.numpycode.NumPyEmitter` writing ``torch``.

    >>> from sympy import MatrixSymbol, Identity
    >>> X = MatrixSymbol('X', 2, 2)
    >>> em = TorchEmitter({X: 'X'}, like='X')
    >>> em.count(Identity(2))
    >>> em.emit(Identity(2))
    'torch.eye(2, dtype=X.dtype, device=X.device)'
    """

    def __init__(self, names, module="torch", like=None):
        super().__init__(names, "torch")
        self.printer = _TorchBodyPrinter(self.names)
        self.like = like    # the argument whose dtype and device constants take

    def _typed(self, args):
        """``args`` of a torch constructor, with the dtype and device."""
        if self.like is None:
            return args
        return f"{args}, dtype={self.like}.dtype, device={self.like}.device"

    # --- the calls NumPyEmitter asks of a backend ------------------------

    def eye(self, n):
        return f"torch.eye({self._typed(n)})"

    def full_like(self, array, value):
        return f"({value} * torch.ones_like({array}))"

    def einsum(self, spec, args):
        if len(args) > 2:   # the contraction order found once per shapes
            self.kernels.add("cached_einsum")
            return f"cached_einsum('{spec}', {', '.join(args)})"
        return f"torch.einsum('{spec}', {', '.join(args)})"

    def reshape_f(self, code, shape):
        self.kernels.add("reshape_f")
        return f"reshape_f({code}, {shape})"

    def asarray(self, code, like=None):
        like = like or self.like
        return f"torch.as_tensor({code}, dtype={like}.dtype, device={like}.device)"

    def arguments(self, matrices, scalars):
        args = matrices + scalars
        if not args:
            return []
        self.kernels.add("as_tensors")
        self.like = self.like or args[0]
        targets = ", ".join(args) + ("," if len(args) == 1 else "")
        return [f"({targets}) = as_tensors({', '.join(args)})"]

    def argument(self, name):
        return None     # as_tensors did it

    # --- what torch writes differently -----------------------------------

    def _render(self, k):
        if isinstance(k, Identity):
            return self.eye(self.dim(k.rows))
        if isinstance(k, (ZeroMatrix, OneMatrix)):
            name = "zeros" if isinstance(k, ZeroMatrix) else "ones"
            return f"torch.{name}({self._typed(self._shape_code(k))})"
        if isinstance(k, MatrixBase):
            like = self.like or "torch.zeros(())"
            self.kernels.add("matrix")
            rows = ", ".join("[" + ", ".join(self.emit(v) for v in k.row(i)) + "]"
                             for i in range(k.rows))
            return f"matrix([{rows}], {like})"
        if isinstance(k, CommutationMatrix):    # K vec A = vec A^T
            m, n = (self.dim(a) for a in k.args)
            device = f", device={self.like}.device" if self.like else ""
            r = f"torch.arange({m} * {n}{device})"
            return f"{self.eye(f'{m} * {n}')}[{r} // {n} + {m} * ({r} % {n})]"
        if isinstance(k, Vec):
            return self.reshape_f(self.emit(k.arg), "(-1, 1)")
        if isinstance(k, Unvec):
            v, p, q = k.args
            return self.reshape_f(self.emit(v), f"({self.dim(p)}, {self.dim(q)})")
        if isinstance(k, KroneckerProduct):
            # torch.kron views its operands and fails on a transposed one
            code, rows, cols = self.emit(k.args[0]), k.args[0].rows, k.args[0].cols
            for a in k.args[1:]:
                rows, cols = rows * a.rows, cols * a.cols
                code = (f"torch.einsum('ab,cd->acbd', {code}, {self.emit(a)})"
                        f".reshape({self.dim(rows)}, {self.dim(cols)})")
            return code
        if isinstance(k, softmax):      # of a column
            return f"torch.softmax({self.emit(k.arg)}, dim=0)"
        return super()._render(k)

    def _shape_code(self, k):
        return f"({self.dim(k.rows)}, {self.dim(k.cols)})"

    def _render_scalar(self, k):
        if isinstance(k, logsumexp):    # of a column
            return f"torch.logsumexp({self.emit(k.arg)}, dim=(0, 1))"
        return super()._render_scalar(k)


__all__ = ["TorchEmitter"]
