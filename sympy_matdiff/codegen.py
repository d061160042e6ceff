"""Code generation: a NumPy function that returns a value and its derivative.

``codegen(expr, wrt)`` writes the source of a Python function that takes the
inputs of ``expr`` as arrays and returns ``(value, derivative)`` (with
``hessian=True``, ``(value, derivative, hessian)``); ``codegen_function``
compiles it.  The derivative is :func:`~sympy_matdiff.derivative` in the
requested layout, so the shapes are those of the layout table.  Work is
shared as reverse mode shares it: the value's subexpressions are computed
once and reused by the derivative, and inverses become linear solves where
the formula allows (:mod:`sympy_matdiff.numpycode` writes the statements).

>>> import numpy
>>> from sympy import MatrixSymbol
>>> from sympy_matdiff import codegen, codegen_function
>>> A, x, b = (MatrixSymbol('A', 4, 3), MatrixSymbol('x', 3, 1),
...            MatrixSymbol('b', 4, 1))
>>> r = A*x - b
>>> print(codegen(r.T*r, x, layout="mixed"))          # doctest: +ELLIPSIS
import numpy
<BLANKLINE>
<BLANKLINE>
def f(A, b, x):
    ...
    _t0 = (A.dot(x) - b)
    return _t0.T.dot(_t0)[0, 0], (2 * A.T.dot(_t0))
<BLANKLINE>
>>> f = codegen_function(r.T*r, x, layout="mixed")
>>> value, grad = f(numpy.eye(4, 3), numpy.ones(4), numpy.zeros(3))
>>> float(value), grad.ravel().tolist()
(4.0, [-2.0, -2.0, -2.0])
"""
import keyword
import linecache
import re
from itertools import count

from sympy import Add, Basic, MatrixSymbol, S, Symbol, default_sort_key, log

from .backprop import forward, named_derivative
from .differentials import _check_variable, prepare, variables_of
from .entrywise import Algebra, NoMatrixForm
from .functions import log_sigmoid, sigmoid
from .identification import derivative as _derivative
from .identification import hessian as _hessian
from .identification import is_scalar_like
from .layouts import check_layout
from .errors import CodegenError
from .numpycode import NumPyEmitter, identifier
from .textbook import _roots_first, cost
from .vec import Vec

BACKENDS = ("numpy", "jax", "torch")
# the array module's name in generated code, and the modules it imports
_MODULE = {"numpy": "numpy", "jax": "jax.numpy", "torch": "torch"}
_IMPORTS = {"numpy": {"numpy"}, "jax": {"jax", "jax.numpy", "jax.scipy.linalg"},
            "torch": {"torch"}}
_compiled = count()


def _inputs(exprs, wrt, args, local=()):
    found = set()
    for e in exprs:
        found |= variables_of(e) if hasattr(e, "free_symbols") else set()
    found = (found | set(wrt)) - set(local)
    found -= _dims(found, exprs)    # a dimension is read from the shapes
    if args is None:
        return sorted(found, key=lambda s: (str(s), default_sort_key(s)))
    args = list(args)
    missing = found - set(args)
    if missing:
        raise CodegenError(
            "code generation: args leaves out "
            + ", ".join(sorted(map(str, missing))) + ".")
    return args


def _dims(inputs, exprs):
    dims = set()
    for e in list(inputs) + list(exprs):
        for m in getattr(e, "atoms", lambda *a: set())(MatrixSymbol) | (
                {e} if isinstance(e, MatrixSymbol) else set()):
            dims |= m.shape[0].free_symbols | m.shape[1].free_symbols
    return dims


def _shape_text(shape):
    return " x ".join(str(s) for s in shape)


def _describe(G, expr, X, layout):
    shape = _shape_text(G.shape) if getattr(G, "is_Matrix", False) and \
        G.shape != (1, 1) else "scalar"
    return f"d/d{X}, {shape} ({layout} layout)"


def codegen(expr, wrt, backend="numpy", layout="numerator", hessian=False,
            name="f", args=None, hvp=False, named=False):
    """The source of a Python function computing ``expr`` and its derivative.

    The function takes the symbols of ``expr`` (and ``wrt``) as positional
    arguments, sorted by name unless ``args`` gives the order, and returns
    ``(value, derivative)``; ``derivative`` is a tuple when ``wrt`` is.
    With ``hessian=True`` (one variable) it returns
    ``(value, derivative, hessian)``; with ``wrt=None`` the value alone.
    With ``hvp=True`` (one matrix variable) a last result is added: a
    function ``hvp(v)`` giving the Hessian times ``v`` without forming the
    Hessian (``v`` in the shape of the variable, or its vec as 1-D; the
    result has the shape of ``v``).

    * Matrices are 2-D arrays; a column (row) vector may be given 1-D.
      Symbolic dimensions are read from the arguments' shapes, and every
      argument's shape is checked.
    * Results have the shapes of :func:`~sympy_matdiff.derivative` in
      ``layout`` (numerator by default; ``layout="mixed"`` gives the gradient
      of a scalar in the shape of the variable).  A 1x1 result is returned
      as a scalar.
    * Generic functions are keyword-only arguments of the generated function:
      ``sigma`` (element-wise, applied to arrays) and its derivatives
      ``sigma_prime``, ``sigma_prime2``, ...; a ``scalar_function`` ``l`` as
      ``l`` (of the 2-D argument) and ``l_grad`` (its gradient, in the shape
      of the argument).

    * ``named=True`` computes the derivative by its named intermediates
      (:func:`~sympy_matdiff.named_derivative`, a scalar ``expr``): each
      forward and backward value is a local variable computed once, the
      value included, as backpropagation does.

    * ``backend="jax"`` writes the same function in ``jax.numpy`` (it can
      be traced by ``jax.jit``, ``jax.grad`` and ``jax.vmap``; the optional
      extra ``[jax]``); ``backend="torch"`` in ``torch``, on the device
      and in the floating dtype of the arguments (it runs under
      ``torch.func.grad``, ``vmap`` and ``jvp``; the optional extra ``[torch]``).

    Raises :class:`~sympy_matdiff.numpycode.CodegenError` (a
    ``MatrixCalculusError``) for a construct it cannot translate.

    >>> from sympy import MatrixSymbol, det, log
    >>> from sympy_matdiff import codegen
    >>> S = MatrixSymbol('S', 3, 3)
    >>> print(codegen(log(det(S)), S).splitlines()[-2])
        _t0 = inv_slogdet(S)
    """
    if backend not in BACKENDS:
        raise CodegenError(f"code generation: unknown backend {backend!r}; "
                           f"use one of {', '.join(BACKENDS)}.")
    check_layout(layout)
    if not name.isidentifier() or keyword.iskeyword(name):
        raise CodegenError(f"code generation: the name {name!r} is not a "
                           "Python identifier.")
    expr = prepare(expr)
    many = isinstance(wrt, (tuple, list))
    wrts = () if wrt is None else tuple(wrt) if many else (wrt,)
    wrts = tuple(_check_variable(w) for w in wrts)
    for flag, on in (("hessian", hessian), ("hvp", hvp)):
        if on and (many or wrt is None):
            raise CodegenError(f"code generation: {flag}=True takes a single "
                               "variable, not " + ("none" if wrt is None else
                                                   f"the tuple {tuple(wrt)}") + ".")
    if hvp and not isinstance(wrts[0], MatrixSymbol):
        raise CodegenError("code generation: hvp=True takes a matrix (or "
                           f"vector) variable, not the scalar {wrts[0]}; use "
                           "hessian=True.")
    definitions = []
    if named and wrts:
        fw = forward(expr, wrts)
        g = named_derivative(expr, wrts, layout)
        known = {n for n, _ in fw.definitions}
        definitions = fw.definitions + [
            (n, e) for n, e in g.definitions if n not in known]
        expr_value, derivs = fw.root, list(g.result)
    else:
        derivs = [_derivative(expr, w, layout) for w in wrts]
        expr_value = expr
    hess = [_hessian(expr, wrts[0])] if hessian or hvp else []
    outputs = [expr_value] + derivs + (hess if hessian else [])
    local = [n for n, _ in definitions]
    inputs = _inputs(outputs + [e for _, e in definitions], wrts, args, local)
    dims = _dims(inputs, outputs)
    names = {}
    for s in inputs:
        if s in dims:
            raise CodegenError(f"code generation: {s} is both a dimension and "
                               "an argument.")
        names[s] = identifier(s.name)
    for s in dims:
        names[s] = identifier(s.name)
    clash = [v for v in set(names.values()) if list(names.values()).count(v) > 1]
    if clash:
        raise CodegenError(f"code generation: two symbols would both be named "
                           f"{clash[0]!r} in Python; rename one.")
    np = _MODULE[backend]
    if backend == "torch":      # here: it imports numpycode's printers
        from .torchcode import TorchEmitter as Emitter
    else:
        Emitter = NumPyEmitter
    em = Emitter(names, np)
    head, bound = _read_inputs(inputs, dims, names, em)
    unbound = dims - bound
    if unbound:
        raise CodegenError(
            "code generation: the dimension(s) " + ", ".join(
                sorted(map(str, unbound))) + " cannot be read from the shape "
            "of any argument; give them numeric values.")
    stable = [stable_form(e) for e in outputs]
    hv = []
    if hvp:
        V = MatrixSymbol("_v", *wrts[0].shape)
        em.names[V] = "_v"
        hv = [stable_form(hess[0]) * Vec(V)]
    stable_defs = [(n, stable_form(e)) for n, e in definitions]
    em.count(*stable, *hv, *[e for _, e in stable_defs])
    taken = set(names.values())
    for n, e in stable_defs:     # each named value once, in order
        ident = identifier(n.name)
        while ident in taken:
            ident += "_"
        taken.add(ident)
        em.lines.append(f"{ident} = {em.emit(e)}")
        em.names[n] = ident
    codes = [em.emit(e) for e in stable]
    hvp_lines = _hvp_closure(em, hv[0], names[wrts[0]], wrts[0]) if hvp else []
    codes = [f"{c}[0, 0]" if getattr(e, "is_Matrix", False) and e.shape == (1, 1)
             else c for c, e in zip(codes, outputs)]
    funcs = sorted(em.functions)
    if set(funcs) & set(names.values()):
        raise CodegenError("code generation: a function and a symbol share the "
                           f"name(s) {sorted(set(funcs) & set(names.values()))}.")
    params = [names[s] for s in inputs] + (["*"] + funcs if funcs else [])
    value = codes[0]
    if not wrts:
        ret = value
    else:
        d = codes[1:1 + len(derivs)]
        d = "(" + ", ".join(d) + ("," if len(d) == 1 else "") + ")" if many else d[0]
        ret = ", ".join([value, d] + codes[1 + len(derivs):]
                        + (["hvp"] if hvp else []))
    doc = _docstring(expr, inputs, wrts, derivs, hess if hessian else [],
                     layout, funcs, many, hvp)
    body = head + em.lines + hvp_lines + [f"return {ret}"]
    # modules the scalar printer called on (math for erf); import jax does
    # not import jax.scipy.special
    modules = {m if m.startswith("jax.") else m.split(".")[0]
               for m in em.printer.module_imports} | _IMPORTS[backend]
    from . import kernels       # here: it imports numpy (start-up time)
    helpers = kernels.source(sorted(em.kernels), backend) + "\n\n" \
        if em.kernels else ""
    return ("".join(f"import {m}\n" for m in sorted(modules)) + "\n\n"
            + helpers +
            f"def {name}({', '.join(params)}):\n"
            + _indent(doc) + "\n"
            + "".join(f"    {line}\n" for line in body))


def _indent(doc):
    return "\n".join("    " + line if line else "" for line in doc.splitlines())


def _hvp_closure(em, hv, var, X):
    """The lines defining ``hvp(_v)`` (Hessian times v): what does not depend
    on v is computed once, outside."""
    start = len(em.lines)
    code = em.emit(hv)
    outer, inner, deps = [], [], {"_v"}
    for line in em.lines[start:]:
        target, rhs = line.split(" = ", 1)
        if set(re.findall(r"[A-Za-z_]\w*", rhs)) & deps:
            inner.append(line)
            deps.add(target)
        else:
            outer.append(line)
    del em.lines[start:]
    p, q = (em.dim(s) for s in X.shape)
    return outer + [
        "def hvp(_v):",
        f"    \"\"\"The Hessian by {var} times _v ({X.shape[0]} x {X.shape[1]}, "
        "or its vec).\"\"\"",
        f"    _v = {em.asarray('_v', var)}",
        "    _vshape = _v.shape",
        f"    _v = {em.reshape_f('_v', f'({p}, {q})')}"] + [
        f"    {line}" for line in inner] + [
        f"    return {em.reshape_f(code, '_vshape')}"]


def _docstring(expr, inputs, wrts, derivs, hess, layout, funcs, many,
               hvp=False):
    lines = [f'"""{expr} and its derivatives (generated by sympy_matdiff).', "",
             "Arguments: " + ", ".join(
                 f"{s} ({_shape_text(s.shape)})" if isinstance(s, MatrixSymbol)
                 else f"{s} (scalar)" for s in inputs) + "."]
    if funcs:
        lines.append("Functions (keyword-only, element-wise on arrays): "
                     + ", ".join(funcs) + ".")
    value = "scalar" if is_scalar_like(expr) else _shape_text(expr.shape)
    out = [f"value ({value})"]
    ds = [_describe(G, expr, X, layout) for G, X in zip(derivs, wrts)]
    if ds:
        out.append("(" + "; ".join(ds) + ")" if many else ds[0])
    if hess:
        H = hess[0]
        shape = _shape_text(H.shape) if getattr(H, "is_Matrix", False) and \
            H.shape != (1, 1) else "scalar"
        out.append(f"Hessian ({shape}, vec order)")
    if hvp:
        out.append("hvp (v -> Hessian times v, v in the shape of "
                   f"{wrts[0]} or its vec)")
    lines.append("Returns: " + ", ".join(out) + '."""')
    return "\n".join(lines)


def _read_inputs(inputs, dims, names, em):
    """Statements that turn the arguments into arrays and check their shapes."""
    lines = em.arguments([names[s] for s in inputs if isinstance(s, MatrixSymbol)],
                         [names[s] for s in inputs if not isinstance(s, MatrixSymbol)])
    bound, checks = set(), []
    for s in inputs:
        if not isinstance(s, MatrixSymbol):
            continue
        v = names[s]
        r, c = s.shape
        if em.argument(v):
            lines.append(em.argument(v))
        if (r, c) == (1, 1):
            lines.append(f"{v} = {v}.reshape(1, 1)")
        elif c == 1:
            lines.append(f"{v} = {v}[:, None] if {v}.ndim == 1 else {v}")
        elif r == 1:
            lines.append(f"{v} = {v}[None, :] if {v}.ndim == 1 else {v}")
        binds = []
        for i, d in enumerate((r, c)):
            if isinstance(d, Symbol) and d in dims and d not in bound:
                binds.append((i, d))
                bound.add(d)
        if binds:
            lines.append(f"if {v}.ndim != 2:")
            lines.append(f"    raise ValueError('{v}: expected a 2-D array of "
                         f"shape ({r}, {c}), got shape %s' % ({v}.shape,))")
        for i, d in binds:
            lines.append(f"{names[d]} = {v}.shape[{i}]")
        exprs = []
        for d in (r, c):
            exprs.append(NumPyEmitter(names).dim(d))
        checks.append((v, f"({exprs[0]}, {exprs[1]})", (r, c)))
    for v, shape, (r, c) in checks:
        lines.append(f"if {v}.shape != {shape}:")
        lines.append(f"    raise ValueError('{v}: expected shape ({r}, {c}) = %s, "
                     f"got %s' % ({shape}, {v}.shape))")
    return lines, bound


def _stabilise(s):
    """Scalar identities that avoid cancellation: 1 - σ(a) = σ(-a),
    log σ(a) = log_sigmoid(a)."""
    def one_minus(e):
        if isinstance(e, Add) and S.One in e.args:
            for t in e.args:
                if isinstance(-t, sigmoid):
                    rest = [a for a in e.args if a is not t and a is not S.One]
                    return Add(sigmoid(-(-t).args[0]), *rest)
        return e
    s = s.replace(lambda e: isinstance(e, Add), one_minus)
    return s.replace(lambda e: isinstance(e, log) and isinstance(e.args[0], sigmoid),
                     lambda e: log_sigmoid(e.args[0].args[0]))


def stable_form(e):
    """``e`` with the forms of :func:`_stabilise`, for floating point: the
    logistic Hessian's weight σ(u)(1 - σ(u)) is computed as σ(u)σ(-u), right
    to the last digit at u = 40 where 1 - σ(u) is 0.

    >>> from sympy import MatrixSymbol, OneMatrix, HadamardProduct
    >>> from sympy_matdiff.functions import sigmoid
    >>> from sympy_matdiff.codegen import stable_form
    >>> z = MatrixSymbol('z', 3, 1)
    >>> stable_form(HadamardProduct(sigmoid(z), OneMatrix(3, 1) - sigmoid(z)))
    HadamardProduct(sigmoid(-z), sigmoid(z))
    """
    def rewrite(node):
        alg = Algebra()
        try:
            s = alg.to_scalar(node)
            new = _stabilise(s)
            return node if new == s else alg.to_matrix(new, node.shape, cost)
        except NoMatrixForm:
            return node
    e = _roots_first(e, rewrite) if isinstance(e, Basic) else e
    return _stabilise(e) if isinstance(e, Basic) and not getattr(
        e, "is_Matrix", False) else e


def codegen_function(expr, wrt, backend="numpy", layout="numerator",
                     hessian=False, name="f", args=None, hvp=False, named=False):
    """The function written by :func:`codegen`, compiled.

    Its source is in the attribute ``source``.

    >>> import numpy
    >>> from sympy import MatrixSymbol, Trace
    >>> from sympy_matdiff import codegen_function
    >>> X, A = MatrixSymbol('X', 2, 3), MatrixSymbol('A', 3, 2)
    >>> f = codegen_function(Trace(A*X), X)
    >>> value, G = f(numpy.ones((3, 2)), numpy.ones((2, 3)))
    >>> float(value), G.shape
    (6.0, (3, 2))
    """
    source = codegen(expr, wrt, backend, layout, hessian, name, args, hvp,
                     named)
    filename = f"<sympy_matdiff.codegen {name} #{next(_compiled)}>"
    # registered so that tracebacks show the generated lines
    linecache.cache[filename] = (len(source), None, source.splitlines(True),
                                 filename)
    import numpy                # here, not at start-up
    namespace = {"numpy": numpy}
    exec(compile(source, filename, "exec"), namespace)
    fn = namespace[name]
    fn.source = source
    return fn


__all__ = ["codegen", "codegen_function", "CodegenError", "BACKENDS"]
