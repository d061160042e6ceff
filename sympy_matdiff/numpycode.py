"""NumPy statements for matrix expressions, each shared subexpression once.

:class:`NumPyEmitter` walks several expressions together (a value and its
derivatives) and writes NumPy code for them, in three passes:

* **normal form**: transposes are pushed down to the symbols
  (``(W x + b)^T`` becomes ``x^T W^T + b^T``), so that equal subexpressions
  are equal trees; each matrix node is keyed by the one of itself and its
  transpose with fewer transposes, so ``x^T W^T`` is ``(W x)`` transposed;
* **counting**: every subtree is counted once per place it is used;
* **emission**: a subtree used more than once is computed once, into a
  temporary, and named wherever it recurs.

An element-wise function shares the functions inside it: with ``tanh(W x)``
in the value, the derivative's ``1 - tanh(u)**2`` applied to ``W x`` is
written ``1 - t**2`` with the value's ``t``.  Products are ordered by
their cost (symbolic dimensions are guessed large), ``X^-1 B`` is
``solve(X, B)``, ``B X^-1`` is ``solve(X^T, B^T)^T``, ``log det X`` uses
``slogdet``, ``diag(v) B`` scales rows, ``1^T B`` sums columns,
``tr(A B)`` is a dot of the raveled ``A`` and ``B^T``, ``(A + B) x`` is
``A x + B x``; NumPy products are ``A.dot(B)`` (less call overhead than
``@``), and a matrix sum with a product term is accumulated in the
product's new array; a part of a product that recurs elsewhere is
computed once.  A bare ``X^-1`` (or one used in three or
more products) is computed once with ``inv``; if the determinant of the
same matrix is needed too, one call of :func:`.kernels.inv_slogdet` gives
both.

>>> from sympy import MatrixSymbol
>>> from sympy_matdiff.numpycode import NumPyEmitter
>>> A, x, b = (MatrixSymbol('A', 3, 3), MatrixSymbol('x', 3, 1),
...            MatrixSymbol('b', 3, 1))
>>> r = A*x - b
>>> em = NumPyEmitter({A: 'A', x: 'x', b: 'b'})
>>> em.count(r.T*r, r.T*A)
>>> print(em.emit(r.T*r)); print(em.emit(r.T*A)); print(em.lines)
_t0.T.dot(_t0)
(A.T.dot(_t0)).T
['_t0 = (A.dot(x) - b)']
"""
import itertools
import keyword
import re
from collections import Counter

from sympy import (Abs, Basic, Determinant, Expr, Function, HadamardPower,
                   HadamardProduct, Identity, ImmutableMatrix, Inverse,
                   KroneckerProduct, Lambda, MatAdd, MatMul, MatPow, Mul,
                   MatrixBase, MatrixSymbol, OneMatrix, Rational, Symbol, Trace,
                   Transpose, ZeroMatrix, default_sort_key, log, preorder_traversal,
                   sympify)
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr
from sympy.printing.numpy import JaxPrinter, NumPyPrinter

from .errors import CodegenError
from .functions import VECTOR_FUNCTIONS
from .expressions import (_ARG, Adjugate, Elementwise, FunctionGradient,
                          PrimeFunction, ScalarFunction)
from .vec import CommutationMatrix, Unvec, Vec

# symbolic dimensions are guessed this large when products are ordered
GUESS = 1000
# float64 in NumPy; JAX's default float (float64 with jax_enable_x64)
_FLOAT = {"numpy": "float", "jax.numpy": "jax.numpy.result_type(float)"}


def identifier(name):
    """A Python identifier for a symbol's name (``W'`` -> ``W_``, ``lambda`` ->
    ``lambda_``)."""
    s = re.sub(r"\W", "_", str(name))
    if not s or s[0].isdigit():
        s = "_" + s
    from .kernels import _NEEDS, RESERVED   # here: kernels imports numpy
    if keyword.iskeyword(s) or s in (*RESERVED, *_NEEDS) or \
            re.fullmatch(r"_t\d+", s):
        s += "_"
    return s


def function_parameter(f):
    """The parameter name that stands for a generic function: ``sigma``,
    ``sigma_prime``, ``sigma_prime2``; ``l`` and ``l_grad``."""
    if isinstance(f, FunctionGradient):
        return identifier(type(f.function).__name__) + "_grad"
    if isinstance(f, ScalarFunction):
        return identifier(type(f).__name__)
    if isinstance(f, PrimeFunction):
        suffix = "_prime" + (str(f.order) if f.order > 1 else "")
        return identifier(f.base_name) + suffix
    return identifier(type(f).__name__)


def _is_matrix(e):
    return getattr(e, "is_Matrix", False)


def _ntrans(e):
    return sum(isinstance(n, Transpose) for n in preorder_traversal(e))


def _atomic(code):
    return re.fullmatch(r"[A-Za-z_][\w]*(\.T)?|\d+(\.\d*)?", code) is not None


def _wrapped(code):
    """Whether ``code`` is one parenthesized expression, ``(...)``."""
    if not (code.startswith("(") and code.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(code):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and i < len(code) - 1:
            return False
    return True


class _BodyPrinter(NumPyPrinter):
    """NumPy printer for the scalar parts, with our names for symbols."""

    def __init__(self, names):
        super().__init__({"fully_qualified_modules": True})
        self.names = names

    def _print_Symbol(self, e):
        if e in self.names:
            return self.names[e]
        return super()._print_Symbol(e)

    _print_Dummy = _print_Symbol

    def _print_AppliedUndef(self, e):
        args = ", ".join(self._print(a) for a in e.args)
        return f"{function_parameter(e)}({args})"

    # --- what SymPy's printer writes for scalars only, or per version ------

    def _print_Max(self, e):
        return self._extremum("maximum", e)

    def _print_Min(self, e):
        return self._extremum("minimum", e)

    def _extremum(self, name, e):
        # SymPy 1.14 writes functools.reduce(numpy.maximum, [...]), 1.13
        # numpy.amax(numpy.asarray([1, X]), axis=0), which fails when a
        # number and an array are mixed: nested maximum broadcasts
        f = self._module_format(f"{self._module}.{name}")
        codes = [self._print(a) for a in e.args]
        code = codes[0]
        for c in codes[1:]:
            code = f"{f}({code}, {c})"
        return code

    def _print_Heaviside(self, e):
        # one ufunc; SymPy's H(0) = 1/2 unless given
        h0 = e.args[1] if len(e.args) > 1 else Rational(1, 2)
        return "{}({}, {})".format(self._module_format(
            f"{self._module}.heaviside"), self._print(e.args[0]),
            self._print(h0))

    # SymPy's printer writes erf, erfc, gamma and loggamma with math's
    # functions, which take one number, and has nothing for erfinv and
    # polygamma.  A backend's array functions for them (JAX's, torch's):
    _ARRAY_FUNCTIONS = {}
    # else, in NumPy (which has none; SciPy is not a dependency), math's
    # function on each element
    _MATH = {"erf": "erf", "erfc": "erfc", "gamma": "gamma", "loggamma": "lgamma"}

    def _array_function(self, e):
        name = type(e).__name__
        target = self._ARRAY_FUNCTIONS.get(name)
        if target and name == "polygamma" and not e.args[0].is_Integer:
            raise ValueError(f"{name} of the symbolic order {e.args[0]} "
                             "(its array function takes an integer)")
        if target:
            return "{}({})".format(self._module_format(target), ", ".join(
                self._print(a) for a in e.args))
        if name in self._MATH and self._module == "numpy":
            return "{}({}, otypes=[float])({})".format(
                self._module_format("numpy.vectorize"),
                self._module_format(f"math.{self._MATH[name]}"),
                self._print(e.args[0]))
        # the emitter's CodegenError names the function (math.factorial
        # takes one integer)
        raise ValueError(f"no array function for {name}")

    _print_erf = _print_erfc = _print_gamma = _print_loggamma = \
        _print_erfinv = _print_polygamma = _print_factorial = _array_function


def _structured(f):
    """Whether a factor is a Kronecker product or a commutation matrix (or a
    sum or product with one), which a dense product would materialise."""
    if isinstance(f, (KroneckerProduct, CommutationMatrix)):
        return True
    if isinstance(f, (MatAdd, MatMul)):
        return any(_structured(a) for a in f.args if _is_matrix(a))
    return False


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class _NoNetwork(Exception):
    """The factors' index sizes do not split into each other."""


class _Network:
    """A product of matrices as a tensor network: each matrix index is a
    list of labels (slowest first, as NumPy's C order reshapes), identities
    and commutation matrices join labels, a Kronecker product concatenates
    its factors' labels, ``diag(vec M)`` puts ``M`` on both its indices;
    the dense factors are the ``einsum`` operands."""

    def __init__(self, em):
        self.em = em
        self.sizes, self.parent, self.parts = [], {}, {}
        self.operands, self.scalars = [], []

    def new(self, size):
        self.sizes.append(sympify(size))
        return len(self.sizes) - 1

    def find(self, x):
        while x in self.parent:
            x = self.parent[x]
        return x

    def atoms(self, labels):
        out = []
        for x in labels:
            x = self.find(x)
            out += self.atoms(self.parts[x]) if x in self.parts else [x]
        return out

    def _split(self, x, first):
        """Label x (a root) as two: ``first`` slow, the rest fast."""
        rest = self.sizes[x] / first
        num, den = rest.as_numer_denom()
        if den != 1:
            return None
        self.parts[x] = [self.new(first), self.new(num)]
        return self.parts[x]

    def join(self, a, b):
        a, b = self.atoms(a), self.atoms(b)
        while a or b:
            if a and self.sizes[a[0]] == 1:
                a.pop(0)
                continue
            if b and self.sizes[b[0]] == 1:
                b.pop(0)
                continue
            if not (a and b):
                raise _NoNetwork
            x, y = a[0], b[0]
            sx, sy = self.sizes[x], self.sizes[y]
            if x != y and sx == sy:
                self.parent[x] = y
            elif x != y:
                px, py = self._split(x, sy), self._split(y, sx)
                if px:
                    self.parent[px[0]] = y
                    a[0:1] = px
                elif py:
                    self.parent[py[0]] = x
                    b[0:1] = py
                else:
                    raise _NoNetwork
                a.pop(0)
                b.pop(0)
                continue
            a.pop(0)
            b.pop(0)

    def dense(self, M, code=None):
        r, c = self.new(M.rows), self.new(M.cols)
        self.operands.append((code or self.em.emit(M), [r, c]))
        return [r], [c]

    def factor(self, M):
        if isinstance(M, Identity):
            x = self.new(M.rows)
            return [x], [x]
        if isinstance(M, CommutationMatrix):     # K(m, n) vec A = vec A^T
            x, y = (self.new(a) for a in M.args)
            return [x, y], [y, x]
        if isinstance(M, KroneckerProduct):
            rows, cols = [], []
            for a in M.args:
                r, c = self.factor(a)
                rows, cols = rows + r, cols + c
            return rows, cols
        if isinstance(M, DiagMatrix):
            v = M.args[0]
            v = v.arg if isinstance(v, Transpose) else v
            if isinstance(v, Vec):                # diag(vec A): A on both
                i, j = self.new(v.arg.rows), self.new(v.arg.cols)
                self.operands.append((self.em.emit(v.arg), [i, j]))
                return [j, i], [j, i]
            x = self.new(v.rows * v.cols)
            self.operands.append((f"{self.em.np}.ravel({self.em.emit(v)})", [x]))
            return [x], [x]
        if isinstance(M, Vec):
            i, j = self.new(M.arg.rows), self.new(M.arg.cols)
            self.operands.append((self.em.emit(M.arg), [i, j]))
            return [j, i], [self.new(1)]
        if isinstance(M, MatMul) and _structured(M):
            self.scalars += [a for a in M.args if not _is_matrix(a)]
            return self.chain([a for a in M.args if _is_matrix(a)])
        return self.dense(M)

    def chain(self, mats):
        rows, cols = self.factor(mats[0])
        for f in mats[1:]:
            r, c = self.factor(f)
            self.join(cols, r)
            cols = c
        return rows, cols

    def code(self, rows, cols, R, C):
        em, np = self.em, self.em.np
        out = [x for x in self.atoms(rows) + self.atoms(cols)
               if self.sizes[x] != 1]
        ops = [(code, self.atoms(labels), len(labels))
               for code, labels in self.operands]
        if not ops:
            raise _NoNetwork
        if np != "numpy":     # a diagonal of the result: times an identity
            seen = set()      # (cached_einsum takes a repeated output label)
            for i, x in enumerate(out):
                if x in seen:
                    y = self.new(self.sizes[x])
                    ops.append((em.eye(em.dim(self.sizes[x])), [x, y], 2))
                    out[i] = y
                seen.add(out[i])
        else:                 # an identity's index joined to nothing but the result
            inside = {x for _, labels, _ in ops for x in labels}
            for x in dict.fromkeys(out):
                if x not in inside:
                    ops.append((f"{np}.ones({em.dim(self.sizes[x])})", [x], 1))
        letters = {}
        for x in [x for _, labels, _ in ops for x in labels] + out:
            letters.setdefault(x, _LETTERS[len(letters) % 52])
        if len(letters) > 52:
            raise _NoNetwork
        args = []
        for code, labels, ndim in ops:
            if len(labels) != ndim:
                dims = ", ".join(em.dim(self.sizes[x]) for x in labels)
                code = f"{code}.reshape({dims})" if _atomic(code) else \
                    f"({code}).reshape({dims})"
            args.append(code)
        if self.scalars:      # on the smallest operand, not on the result
            small = min(range(len(ops)), key=lambda i: self._count(ops[i][1]))
            args[small] = em._scaled(self.scalars, args[small])
        # named, so that what does not depend on an HVP's v is outside it
        args = [em.assign(a) for a in args]
        spec = ",".join("".join(letters[x] for x in labels)
                        for _, labels, _ in ops) + "->" + "".join(
            letters[x] for x in out)
        code = f"{em.einsum(spec, args)}.reshape({R}, {C})"
        if np == "numpy" and len(args) > 1:   # a new array, never a view of
            em._products.add(code)            # an operand (see _sum_in_place)
        return code

    def _count(self, labels):
        count = 1
        for x in labels:
            count *= self.em.size(self.sizes[x])
        return count


class _JaxBodyPrinter(_BodyPrinter, JaxPrinter):
    """The same for ``jax.numpy`` (SymPy's JaxPrinter for the functions).
    The named functions' ``_numpycode`` prints their stable kernels with the
    printer's module, ``jax.numpy`` here."""

    def __init__(self, names):
        super().__init__(names)
        self.printmethod = "_numpycode"

    _ARRAY_FUNCTIONS = {n: "jax.scipy.special." + f for n, f in (
        ("erf", "erf"), ("erfc", "erfc"), ("gamma", "gamma"),
        ("loggamma", "gammaln"), ("erfinv", "erfinv"), ("polygamma", "polygamma"))}


class NumPyEmitter:
    """Writes NumPy code for matrix and scalar expressions, with shared
    subexpressions computed once into ``self.lines``.

    ``names`` maps each ``MatrixSymbol``, ``Symbol`` and dimension symbol to
    the identifier that holds it.  Call :meth:`count` on every expression
    first, then :meth:`emit` on each; :meth:`emit` returns a Python
    expression and appends the assignments it needs to ``lines``.
    """

    def __init__(self, names, module="numpy"):
        self.names = dict(names)
        self.np = module
        self.lines = []
        self.counts = Counter()
        self.subcounts = Counter()   # uses as a part of a longer product
        self.bare_inverses = set()
        self.memo = {}
        self._push = {}
        self._key = {}
        self._tmp = itertools.count()
        self.printer = (_JaxBodyPrinter if module == "jax.numpy" else
                        _BodyPrinter)(self.names)
        self.functions = set()     # parameters for generic functions
        self.kernels = set()       # functions of :mod:`.kernels` used
        self._factored = {}
        self._assigned = {}
        self._products = set()     # code of products, each a new array
        self._real_names = set()   # temporaries that hold real arrays

    # --- normal form ---------------------------------------------------------

    def push(self, e, t=False):
        """``e`` (``e^T`` if t) with transposes pushed down to the symbols."""
        k = (e, t)
        if k not in self._push:
            self._push[k] = self._push_node(e, t)
        return self._push[k]

    def _push_node(self, e, t):
        if not _is_matrix(e):
            return self.scalar(e)
        if isinstance(e, Transpose):
            return self.push(e.arg, not t)
        P = (lambda a: self.push(a, t))
        rows, cols = (e.cols, e.rows) if t else (e.rows, e.cols)
        if isinstance(e, MatrixSymbol):
            return Transpose(e) if t else e
        if isinstance(e, MatrixBase):
            m = ImmutableMatrix(e).applyfunc(self.scalar)
            return m.T if t else m
        if isinstance(e, Identity):
            return e
        if isinstance(e, ZeroMatrix):
            return ZeroMatrix(rows, cols)
        if isinstance(e, OneMatrix):
            return OneMatrix(rows, cols)
        if isinstance(e, MatMul):
            scalars = [self.scalar(a) for a in e.args if not _is_matrix(a)]
            mats = [a for a in e.args if _is_matrix(a)]
            mats = [P(a) for a in (reversed(mats) if t else mats)]
            vector = 1 in (e.rows, e.cols) and len(mats) > 1
            for i, f in enumerate(mats):
                if isinstance(f, MatAdd) and (
                        any(a.has(Inverse) for a in f.args) or
                        vector and 1 not in (f.rows, f.cols)):
                    # (X^-1 + Y) B = X^-1 B + Y B: solves instead of an
                    # inverse; (A + B) x = A x + B x: no matrix sum is formed
                    return self.push(MatAdd(*[
                        MatMul(*scalars, *mats[:i], a, *mats[i + 1:])
                        for a in f.args]))
            return MatMul(*scalars, *mats).doit(deep=False)
        if isinstance(e, MatAdd):
            return MatAdd(*[P(a) for a in e.args]).doit(deep=False)
        if isinstance(e, HadamardProduct):
            return HadamardProduct(*[P(a) for a in e.args]).doit(deep=False)
        if isinstance(e, HadamardPower):
            return HadamardPower(P(e.base), self.scalar(e.exp))
        if isinstance(e, ElementwiseApplyFunction):
            f = e.function
            if not isinstance(f, Lambda):
                f = Lambda(_ARG, f(_ARG))
            if f.variables == (f.expr,):   # re(u) of a real u: SymPy's
                return P(e.expr)      # IdentityFunction, its variable not _ARG
            return Elementwise(f, P(e.expr))
        if isinstance(e, Inverse):
            return Inverse(P(e.arg))
        if isinstance(e, MatPow):
            k = e.exp
            if e.base.shape == (1, 1):    # a scalar power
                return MatPow(P(e.base), self.scalar(k))
            if not (k.is_Integer):
                raise CodegenError(
                    f"code generation: the matrix power {e} has a non-integer "
                    "exponent; only integer powers are supported.")
            if k == 0:
                return Identity(e.rows)
            if k < 0:
                return Inverse(P(e.base) if k == -1 else MatPow(P(e.base), -k))
            return MatPow(P(e.base), k)
        if isinstance(e, KroneckerProduct):
            return KroneckerProduct(*[P(a) for a in e.args])
        if isinstance(e, Adjugate):
            return Adjugate(P(e.arg))
        if isinstance(e, CommutationMatrix):
            m, n = e.args
            return CommutationMatrix(n, m) if t else e
        if isinstance(e, DiagMatrix):     # diag(v) is symmetric
            return DiagMatrix(self.key(e.args[0])[0])
        if isinstance(e, Vec):
            node = Vec(self.push(e.arg))
        elif isinstance(e, Unvec):
            node = Unvec(self.push(e.args[0]), *e.args[1:])
        elif isinstance(e, FunctionGradient):
            node = FunctionGradient(self.scalar(e.function))
        elif isinstance(e, VECTOR_FUNCTIONS):
            node = type(e)(self.push(e.arg))
        else:
            raise CodegenError(
                f"code generation: no NumPy translation for "
                f"{type(e).__name__} (in {e}).")
        return Transpose(node) if t else node

    def scalar(self, e):
        """The normal form of a scalar expression."""
        k = (e, None)
        if k in self._push:
            return self._push[k]
        if isinstance(e, (Trace, Determinant)):    # tr and det ignore transposes
            out = type(e)(self.key(e.arg)[0])
        elif isinstance(e, MatrixElement):
            out = e.func(self.push(e.parent), *e.args[1:])
        elif isinstance(e, (ScalarFunction,) + VECTOR_FUNCTIONS):
            out = type(e)(self.push(e.arg))
        elif _is_matrix(e):
            raise CodegenError(f"code generation: matrix {e} where a scalar "
                               "is expected.")
        elif not e.args or isinstance(e, Lambda):
            out = e
        else:
            out = e.func(*[self.scalar(a) if not _is_matrix(a) else self.push(a)
                           for a in e.args])
        self._push[k] = out
        return out

    def key(self, e):
        """``(node, flipped)``: the normal form of e, or of e^T if flipped."""
        if not _is_matrix(e):
            return self.scalar(e), False
        if e not in self._key:
            a, b = self.push(e), self.push(e, True)
            if a == b:
                self._key[e] = (a, False)
            else:
                ka = (_ntrans(a), default_sort_key(a))
                kb = (_ntrans(b), default_sort_key(b))
                self._key[e] = (a, False) if ka <= kb else (b, True)
        return self._key[e]

    # --- counting ------------------------------------------------------------

    def count(self, *exprs):
        """Count the uses of every subexpression of ``exprs``."""
        for e in exprs:
            self._visit(e, False)

    def _visit(self, e, in_product):
        k, _ = self.key(e)
        self.counts[k] += 1
        if isinstance(k, Inverse) and not in_product:
            self.bare_inverses.add(k)
        if self.counts[k] > 1:
            return
        mats = [a for a in k.args if _is_matrix(a)] if isinstance(k, MatMul) else []
        if len(mats) > 1 and len(mats) < len(k.args):   # c A B: c and (A B)
            for c in [a for a in k.args if not _is_matrix(a)] + [
                    MatMul(*mats).doit(deep=False)]:
                self._visit(c, False)
            return
        pieces = self._solve_pieces(mats)
        if pieces is not None and len(pieces) > 1:
            for c in [a for a in k.args if not _is_matrix(a)] + pieces:
                self._visit(c, True)
            return
        if len(mats) >= 3 and self._plain(mats):
            # sub-products, so that one shared with another product is
            # computed once
            for i, j in self._spans(len(mats)):
                self.subcounts[self._product_key(mats[i:j])] += 1
        for c in self._children(k):
            self._visit(c, len(mats) > 1 and c in mats)

    @staticmethod
    def _spans(n):
        return [(i, i + length) for length in range(n - 1, 1, -1)
                for i in range(n - length + 1)]

    def _product_key(self, mats):
        return self.key(MatMul(*mats).doit(deep=False))[0]

    @staticmethod
    def _plain(mats):
        return not any(isinstance(f, (Inverse, DiagMatrix, OneMatrix)) for f in mats)

    def uses(self, k):
        return self.counts[k] + self.subcounts[k]

    def _children(self, k):
        if isinstance(k, (MatrixSymbol, Identity, ZeroMatrix, OneMatrix,
                          CommutationMatrix, Symbol)) or not k.args:
            return []
        if isinstance(k, ElementwiseApplyFunction):
            return [k.expr] + self._inner_functions(k)
        if isinstance(k, Adjugate):
            return [Determinant(k.arg), Inverse(k.arg)]
        if isinstance(k, (Vec, Unvec)):
            return [k.args[0]]
        if isinstance(k, FunctionGradient):
            return [k.function.arg]
        if isinstance(k, MatrixBase):
            return [a for a in k if a.free_symbols]
        return [a for a in k.args if isinstance(a, Basic) and
                not isinstance(a, Lambda) and (a.free_symbols or a.has(MatrixExpr))]

    def _inner_functions(self, k):
        """The element-wise applications of the functions inside k's body."""
        body = k.function.expr
        inner = {s for s in preorder_traversal(body) if isinstance(s, Function)
                 and s != body and _ARG in s.free_symbols}
        return [Elementwise(Lambda(_ARG, s), k.expr)
                for s in sorted(inner, key=default_sort_key)]

    # --- emission ------------------------------------------------------------

    def fresh(self):
        return f"_t{next(self._tmp)}"

    def assign(self, code):
        """A name for ``code``: itself if atomic, else a temporary, one per
        code (straight-line code rebinds no name, so equal code is an equal
        value)."""
        if _atomic(code):
            return code
        if code not in self._assigned:
            self._assigned[code] = self.fresh()
            self.lines.append(f"{self._assigned[code]} = {code}")
            if self.np == "numpy" and self._real(code):
                self._real_names.add(self._assigned[code])
        return self._assigned[code]

    def emit(self, e):
        """Python code for ``e`` (after :meth:`count`)."""
        k, flip = self.key(e)
        if k not in self.memo:
            code = self._render(k)
            if self.uses(k) > 1:
                code = self.assign(code)
            self.memo[k] = code
        code = self.memo[k]
        if flip and not isinstance(k, (DiagMatrix, Identity)):
            return f"{code}.T" if _atomic(code) and not code.endswith(".T") \
                else f"({code}).T"
        return code

    def dim(self, n):
        return self.printer.doprint(n)

    # --- the calls a backend writes differently (torchcode overrides them) --

    def eye(self, n):
        return f"{self.np}.eye({n})"

    def full_like(self, array, value):
        """An array of ``value`` in the shape of ``array``."""
        return f"{self.np}.full({array}.shape, {value})"

    def einsum(self, spec, args):
        if self.np == "numpy":  # the contraction order found once per shapes
            self.kernels.add("cached_einsum")
            return f"cached_einsum('{spec}', {', '.join(args)})"
        # JAX chooses it when tracing
        return f"{self.np}.einsum('{spec}', {', '.join(args)}, optimize=True)"

    def reshape_f(self, code, shape):
        """``code`` reshaped to ``shape`` in column-major (vec) order."""
        return f"{self.np}.reshape({code}, {shape}, order='F')"

    def asarray(self, code, like=None):
        """An argument as a float array (of the dtype of ``like`` where the
        backend keeps the arguments' dtype)."""
        return f"{self.np}.asarray({code}, dtype={_FLOAT[self.np]})"

    def arguments(self, matrices, scalars):
        """Statements before the arguments are read (none in NumPy: each
        matrix argument is made a float array where it is read, by
        :meth:`argument`; a scalar argument is used as it is)."""
        return []

    def argument(self, name):
        """The statement that makes the matrix argument ``name`` a float
        array (None where :meth:`arguments` did it)."""
        return f"{name} = {self.asarray(name)}"

    def size(self, n):
        """A guess of a dimension's size, for ordering products."""
        n = sympify(n)
        return int(n.subs({s: GUESS for s in n.free_symbols}))

    def use_inv(self, k):
        return k in self.bare_inverses or self.counts[k] >= 3

    def factored(self, M):
        """The name of ``inv_slogdet(M)``, if the code needs both an explicit
        inverse and the determinant of M (else None): one call gives both,
        by one factorization where the kernel can."""
        k = self.key(Inverse(M))[0]
        if not (isinstance(k, Inverse) and self.use_inv(k) and
                self.counts[self.scalar(Determinant(M))]):
            return None
        if k not in self._factored:
            self.kernels.add("inv_slogdet")
            self._factored[k] = self.assign(f"inv_slogdet({self.emit(k.arg)})")
        return self._factored[k]

    def _render(self, k):
        np = self.np
        if isinstance(k, (Symbol, MatrixSymbol)):
            if k not in self.names:
                raise CodegenError(f"code generation: no value for {k}.")
            return self.names[k]
        if not _is_matrix(k):
            code = self._render_scalar(k)
            return code if _atomic(code) or _wrapped(code) else f"({code})"

        if isinstance(k, Transpose):
            return f"{self.emit(k.arg)}.T"
        if isinstance(k, VECTOR_FUNCTIONS):     # softmax: its stable kernel
            return k.numpy_of(np, self.emit(k.arg))
        if isinstance(k, MatrixBase):
            rows = ", ".join("[" + ", ".join(self.emit(v) for v in k.row(i)) + "]"
                             for i in range(k.rows))
            return f"{np}.array([{rows}], dtype=float)"
        if isinstance(k, Identity):
            return f"{np}.eye({self.dim(k.rows)})"
        if isinstance(k, ZeroMatrix):
            return f"{np}.zeros(({self.dim(k.rows)}, {self.dim(k.cols)}))"
        if isinstance(k, OneMatrix):
            return f"{np}.ones(({self.dim(k.rows)}, {self.dim(k.cols)}))"
        if isinstance(k, MatMul):
            scalars = [a for a in k.args if not _is_matrix(a)]
            mats = [a for a in k.args if _is_matrix(a)]
            if scalars and any(_structured(m) for m in mats) and \
                    self.uses(self.key(MatMul(*mats).doit(deep=False))[0]) <= 1:
                code = self._network(mats, scalars)    # c on a small factor
                if code is not None:
                    return code
            if scalars and len(mats) > 1:
                product = MatMul(*mats).doit(deep=False)
                scaled = self._scaled_factor(scalars, product)
                return scaled or self._scaled(scalars, self.emit(product), k.shape)
            return self._scaled(scalars, self._chain(mats), k.shape)
        if isinstance(k, MatAdd):
            return self._sum(k.args)
        if isinstance(k, HadamardProduct):
            return "(" + " * ".join(self.emit(a) for a in k.args) + ")"
        if isinstance(k, HadamardPower):
            return f"({self.emit(k.base)} ** {self.emit(k.exp)})"
        if isinstance(k, ElementwiseApplyFunction):
            return self._elementwise(k)
        if isinstance(k, Inverse):
            shared = self.factored(k.arg)
            return f"{shared}[0]" if shared else f"{np}.linalg.inv({self.emit(k.arg)})"
        if isinstance(k, MatPow) and k.base.shape == (1, 1):
            return f"({self.emit(k.base)} ** {self.emit(k.exp)})"
        if isinstance(k, MatPow):
            return f"{np}.linalg.matrix_power({self.emit(k.base)}, {int(k.exp)})"
        if isinstance(k, KroneckerProduct):
            if np == "numpy" and any(isinstance(a, Identity) for a in k.args):
                code = self._network([k])     # no identity is formed
                if code is not None:
                    return code
            code = self.emit(k.args[0])
            for a in k.args[1:]:
                code = f"{np}.kron({code}, {self.emit(a)})"
            return code
        if isinstance(k, Adjugate):
            return (f"({self.emit(Determinant(k.arg))} * "
                    f"{self.emit(Inverse(k.arg))})")
        if isinstance(k, CommutationMatrix):
            m, n = (self.dim(a) for a in k.args)
            r = f"{np}.arange({m} * {n})"
            return f"{np}.eye({m} * {n})[{r} // {n} + {m} * ({r} % {n})]"
        if isinstance(k, DiagMatrix):
            return f"{np}.diagflat({self.emit(k.args[0])})"
        if isinstance(k, Vec):
            return f"{np}.reshape({self.emit(k.arg)}, (-1, 1), order='F')"
        if isinstance(k, Unvec):
            v, p, q = k.args
            return f"{np}.reshape({self.emit(v)}, ({self.dim(p)}, {self.dim(q)}), " \
                "order='F')"
        if isinstance(k, FunctionGradient):
            y = self.assign(self.emit(k.function.arg))
            g = function_parameter(k)
            self.functions.add(g)
            return f"{np}.reshape({g}({y}), {y}.shape).T"
        raise CodegenError(f"code generation: no NumPy translation for "
                           f"{type(k).__name__} (in {k}).")

    def _scaled_factor(self, scalars, product):
        """``c A B`` with c applied to the smallest factor (``(2 u) x^T``
        rather than ``2 (u x^T)``), where the product is not shared."""
        if not isinstance(product, MatMul) or self.uses(self.key(product)[0]) > 1:
            return None
        mats = list(product.args)
        if not self._plain(mats) or any(
                self.uses(self._product_key(mats[i:j])) > 1
                for i, j in self._spans(len(mats))):
            return None
        shapes = [self._shape(m) for m in mats]
        small = min(range(len(mats)), key=lambda i: shapes[i][0] * shapes[i][1])
        rows, cols = self._shape(product)
        if shapes[small][0] * shapes[small][1] >= rows * cols:
            return None
        codes = [self.emit(m) for m in mats]
        codes[small] = self._scaled(scalars, codes[small])
        return self._ordered(codes, shapes)

    def _sum(self, terms):
        plus, minus = [], []
        ones = [isinstance(self.key(a)[0], OneMatrix) or isinstance(a, MatMul) and
                a.args[0] == -1 and isinstance(self.key(MatMul(*a.args[1:]).doit(
                    deep=False))[0], OneMatrix) for a in terms]

        def code(a):     # 1 - B, broadcast: the other terms are full arrays
            return "1" if not all(ones) and isinstance(self.key(a)[0], OneMatrix) \
                else self.emit(a)
        for a in terms:
            if isinstance(a, MatMul) and a.args[0] == -1:   # write - B, not + (-B)
                minus.append(code(MatMul(*a.args[1:]).doit(deep=False)))
            else:
                plus.append(code(a))
        fresh = [c for c in plus + minus if c in self._products]
        if fresh and self._large(terms[0].shape) and \
                all(self._real(c) for c in plus + minus):
            return self._sum_in_place(plus, minus, fresh[0])
        if not plus:
            return "(-" + " - ".join(minus) + ")"
        return "(" + " + ".join(plus) + "".join(f" - {c}" for c in minus) + ")"

    _NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)(?!\w)(?!\s*=[^=])")

    def _real(self, code):
        """Whether ``code`` is sure to give a real array (so that a real
        array may take it in place): it names only the matrix arguments (2-D
        float arrays), dimensions, NumPy, the kernels and temporaries of
        such code; no complex literal (log det of a negative determinant),
        no scalar argument or generic function (either may be complex)."""
        if "j" in re.sub(r"'[^']*'|[A-Za-z_]\w*", "", code):    # 0j, 1.5j
            return False
        ok = {"numpy", *self.kernels, *self._real_names}
        ok |= {v for k, v in self.names.items() if isinstance(k, MatrixSymbol)
               or not _is_matrix(k) and k.is_integer}      # dimensions
        return all(m.group(1) in ok for m in self._NAME.finditer(
            re.sub(r"'[^']*'", "''", code)))

    @staticmethod
    def _large(shape):
        """Whether a result of this shape may be large: a matrix, not a
        vector (for which a statement more costs more than it saves)."""
        return shape is not None and 1 not in shape

    def _sum_in_place(self, plus, minus, fresh):
        """A sum with a product among its terms, accumulated into the
        product's own new array: a large sum then allocates no second array
        of its size (each new array of megabytes costs its page faults,
        more than the additions)."""
        np, acc = self.np, self.fresh()
        self.lines.append(f"{acc} = {fresh}")
        self._real_names.add(acc)
        if fresh in minus:
            minus = minus[:minus.index(fresh)] + minus[minus.index(fresh) + 1:]
            if plus:
                p = plus.pop(0)
                self.lines.append(f"{acc} = {np}.subtract({p}, {acc}, out={acc})")
            else:
                self.lines.append(f"{acc} = {np}.negative({acc}, out={acc})")
        else:
            plus = plus[:plus.index(fresh)] + plus[plus.index(fresh) + 1:]
        for c in plus:
            self.lines.append(f"{acc} = {np}.add({acc}, {c}, out={acc})")
        for c in minus:
            self.lines.append(f"{acc} = {np}.subtract({acc}, {c}, out={acc})")
        return acc

    def _scaled(self, scalars, code, shape=None):
        if not scalars:
            return code
        if self._large(shape) and code in self._products and all(
                getattr(s, "is_Number", False) and s.is_real for s in scalars):
            # c (A B): in the product's new array, as in _sum_in_place
            acc = self.fresh()
            c = self.emit(Mul(*scalars))
            self.lines += [f"{acc} = {code}",
                           f"{acc} = {self.np}.multiply({acc}, {c}, out={acc})"]
            self._real_names.add(acc)
            return acc
        if scalars == [-1]:
            return f"(-{code})"
        factors = [self.emit(s) for s in scalars]
        return "(" + " * ".join(factors + [code]) + ")"

    # --- products ------------------------------------------------------------

    def _chain(self, mats):
        """Code for the product of the matrix factors ``mats``."""
        np = self.np
        if len(mats) == 1:
            return self.emit(mats[0])
        first, last = mats[0], mats[-1]
        if isinstance(first, OneMatrix) and first.rows == 1:
            return f"{np}.sum({self._chain(mats[1:])}, axis=0, keepdims=True)"
        if isinstance(last, OneMatrix) and last.cols == 1:
            return f"{np}.sum({self._chain(mats[:-1])}, axis=1, keepdims=True)"
        if any(_structured(f) for f in mats):
            code = self._network(mats)
            if code is not None:
                return code
        pieces = self._solve_pieces(mats)
        if pieces is not None:
            if len(pieces) > 1:
                return self._ordered([self.emit(p) for p in pieces],
                                     [(self.size(p.rows), self.size(p.cols))
                                      for p in pieces])
            i = next(i for i, f in enumerate(mats) if isinstance(f, Inverse))
            if not self.use_inv(self.key(mats[i])[0]):
                return self._solve(mats[:i], mats[i].arg, mats[i + 1:])
        for i, f in enumerate(mats):
            if isinstance(f, DiagMatrix):
                v = self.emit(f.args[0])
                col = v if f.args[0].cols == 1 else f"{v}.T"
                if i + 1 < len(mats):
                    scaled = f"({col} * {self._chain(mats[i + 1:])})"
                    return scaled if i == 0 else \
                        self._mm(self._chain(mats[:i]), scaled)
                return f"({self._chain(mats[:i])} * {col}.T)"
        shapes = [self._shape(m) for m in mats]
        alone = self._order(shapes)[0]
        for i, j in self._spans(len(mats)):
            k = self._product_key(mats[i:j])
            if self.uses(k) < 2:
                continue
            # the shared part, unless it makes this product dearer
            part = 0 if k in self.memo else self._order(shapes[i:j])[0]
            outer = shapes[:i] + [(shapes[i][0], shapes[j - 1][1])] + shapes[j:]
            if part + self._order(outer)[0] <= alone:
                mats = mats[:i] + [MatMul(*mats[i:j]).doit(deep=False)] + mats[j:]
                break
        return self._ordered([self.emit(m) for m in mats],
                             [self._shape(m) for m in mats])

    def _mm(self, a, b):
        """The matrix product of the codes ``a`` and ``b``: NumPy's ``dot``
        method (a third of ``@``'s call overhead on small matrices, and
        the same BLAS call on large ones), ``@`` in other modules."""
        if self.np != "numpy":
            return f"({a} @ {b})"
        code = f"{a if _atomic(a) or _wrapped(a) else f'({a})'}.dot({b})"
        self._products.add(code)     # a new array (see _sum_in_place)
        return code

    def _shape(self, m):
        return (self.size(m.rows), self.size(m.cols))

    def _network(self, mats, scalars=()):
        """A product with Kronecker, commutation or diagonal factors as one
        ``einsum`` over the dense factors (None if the shapes do not split):
        ``(A ⊗ B) vec V = vec(B V A^T)``, ``K vec A = vec A^T`` and identities
        only rename indices, so nothing of size (pq)^2 is formed but the
        result.  A sum among the factors is distributed first."""
        for i, f in enumerate(mats):
            if isinstance(f, MatAdd) and any(_structured(a) for a in f.args):
                return self._sum([MatMul(*scalars, *mats[:i], a, *mats[i + 1:]
                                         ).doit(deep=False) for a in f.args])
        net = _Network(self)
        net.scalars = list(scalars)
        try:
            rows, cols = net.chain(mats)
            return net.code(rows, cols, self.dim(mats[0].rows),
                            self.dim(mats[-1].cols))
        except _NoNetwork:
            return None

    def _solve_pieces(self, mats):
        """A chain with an inverse, as its factors and the one product
        ``X^-1 R`` (or ``L X^-1``) that a solve computes; None without one."""
        i = next((i for i, f in enumerate(mats) if isinstance(f, Inverse)), None)
        if i is None or len(mats) < 2:
            return None
        left, right = mats[:i], mats[i + 1:]
        if right and (not left or self.size(right[-1].cols) <=
                      self.size(left[0].rows)):
            if not left:
                return [MatMul(*mats)]
            return left + [MatMul(mats[i], *right)]
        if not right:
            return [MatMul(*mats)]
        return [MatMul(*left, mats[i])] + right

    def _solve(self, left, X, right):
        np = self.np
        x = self.emit(X)
        rows = self.size(left[0].rows) if left else None
        cols = self.size(right[-1].cols) if right else None
        if right and (not left or cols <= rows):
            s = f"{np}.linalg.solve({x}, {self._chain(right)})"
            return s if not left else self._mm(self._chain(left), s)
        s = f"{np}.linalg.solve(({x}).T, ({self._chain(left)}).T).T"
        return s if not right else self._mm(s, self._chain(right))

    def _ordered(self, codes, shapes):
        """The product of ``codes`` with the cheapest parenthesization."""
        split = self._order(shapes)[1]

        def build(i, j):
            if i == j:
                return codes[i]
            s = split[i][j]
            if shapes[s][1] == 1 and self.np != "numpy":   # an outer product:
                return f"{self.np}.einsum('ij,jk->ik', {build(i, s)}, " \
                    f"{build(s + 1, j)})"               # einsum, not matmul
            return self._mm(build(i, s), build(s + 1, j))
        return build(0, len(codes) - 1)

    @staticmethod
    def _order(shapes):
        """The least cost (multiplications) of a product, and its splits."""
        n = len(shapes)
        dims = [shapes[0][0]] + [s[1] for s in shapes]
        cost = [[0] * n for _ in range(n)]
        split = [[0] * n for _ in range(n)]
        for length in range(2, n + 1):
            for i in range(n - length + 1):
                j = i + length - 1
                cost[i][j] = float("inf")
                for s in range(i, j):
                    c = cost[i][s] + cost[s + 1][j] + \
                        dims[i] * dims[s + 1] * dims[j + 1]
                    if c < cost[i][j]:
                        cost[i][j], split[i][j] = c, s
        return cost[0][n - 1], split

    # --- element-wise functions ---------------------------------------------

    def _elementwise(self, k):
        body = k.function.expr
        arg = self.assign(self.emit(k.expr))
        names = {_ARG: arg}
        for inner in self._inner_functions(k):
            ik = self.key(inner)[0]
            if ik in self.memo or self.counts[ik] > 1:
                code = self.emit(inner)
                s = inner.function.expr
                ph = Symbol(f"_ph{len(names)}_")
                body = body.xreplace({s: ph})
                names[ph] = code
        self._note_functions(body)
        if _ARG not in body.free_symbols and not (set(names) - {_ARG}) & \
                body.free_symbols:
            return self.full_like(arg, self._print(body, names))
        return f"({self._print(body, names)})"

    def _note_functions(self, body):
        for f in body.atoms(AppliedUndef):
            self.functions.add(function_parameter(f))

    def _print(self, e, names):
        self.printer.names = {**self.names, **names}
        try:
            return self.printer.doprint(e)
        except CodegenError:
            raise
        except Exception as err:    # the printer's own "not supported"
            raise CodegenError(self._unsupported(e, err)) from err
        finally:
            self.printer.names = self.names

    def _unsupported(self, e, err):
        """The message for a scalar ``e`` the printer cannot write: the
        functions it names, in the element-wise variable ``u``."""
        shown = e.xreplace({_ARG: Symbol("u"), **{
            s: Symbol(c) for s, c in self.printer.names.items()
            if isinstance(s, Symbol) and s.name.startswith("_ph")}}) \
            if isinstance(e, Basic) else e
        module = {"jax.numpy": "JAX", "torch": "torch"}.get(self.np, "NumPy")
        names = sorted({type(f).__name__ for f in preorder_traversal(e)
                        if isinstance(f, Function) and
                        re.search(rf"\b{type(f).__name__}\b", str(err))})
        if not names:
            return f"code generation: cannot write {shown} in {module} ({err})."
        what = ", ".join(names)
        if "DiracDelta" in names:
            return ("code generation: the expression has DiracDelta (in "
                    f"{shown}), the derivative of a jump: of sign or Heaviside, "
                    "or in the second derivative of relu, Max, Min or Abs; zero "
                    "off the jump and undefined on it, it has no "
                    f"{module} translation. Generate the value or first "
                    "derivative only, or use a smooth function (softplus for "
                    "relu).")
        return (f"code generation: no {module} translation of {what} (in "
                f"{shown}); {module} has no array function for it. Write it "
                "with functions that have one, or as a generic function "
                "(Function('g')), whose values and derivatives the generated "
                "function then takes as keyword arguments.")

    # --- scalars -------------------------------------------------------------

    def _render_scalar(self, k):
        np = self.np
        if isinstance(k, VECTOR_FUNCTIONS):     # logsumexp: its stable kernel
            return k.numpy_of(np, self.emit(k.arg))
        if isinstance(k, Trace):
            return self._trace(k.arg)
        if isinstance(k, Determinant):
            shared = self.factored(k.arg)
            if shared:
                return f"{shared}[1] * {np}.exp({shared}[2])"
            return f"{np}.linalg.det({self.emit(k.arg)})"
        if isinstance(k, ScalarFunction):
            name = function_parameter(k)
            self.functions.add(name)
            return f"{name}({self.emit(k.arg)})"
        if isinstance(k, log) and isinstance(k.args[0], (Determinant, Abs)):
            inner = k.args[0]
            absolute = isinstance(inner, Abs)
            if absolute:
                inner = inner.args[0]
            if isinstance(inner, Determinant):
                shared = self.factored(inner.arg)
                if shared:
                    sign, logdet = f"{shared}[1]", f"{shared}[2]"
                else:
                    sl = self.assign(f"{np}.linalg.slogdet({self.emit(inner.arg)})")
                    sign, logdet = f"{sl}[0]", f"{sl}[1]"
                if absolute:
                    return logdet
                if np != "numpy":    # traced code: no value-dependent dtype
                    return f"{np}.where({sign} > 0, {logdet}, {np}.nan)"
                # the principal logarithm, as SymPy's log(det X): log|det X| + i pi
                # for a negative determinant
                return f"({logdet} if {sign} > 0 else {logdet} + {np}.log({sign} + 0j))"
        if not k.args:
            return self._print(k, {})
        if isinstance(k, MatrixElement):
            i, j = (self.dim(a) for a in k.args[1:])
            return f"{self.emit(k.parent)}[{i}, {j}]"
        bad = [a for a in k.args if _is_matrix(a) and a.shape != (1, 1)]
        if bad:
            raise CodegenError(f"code generation: no NumPy translation for "
                               f"{type(k).__name__} of the matrix {bad[0]} "
                               f"(in {k}).")
        if isinstance(k, AppliedUndef):
            self.functions.add(function_parameter(k))
        names, args = {}, []
        for a in k.args:
            if isinstance(a, Basic) and not a.is_Atom and (
                    a.free_symbols or a.has(MatrixExpr)):
                ph = Symbol(f"_ph{len(names)}_")
                code = self.emit(a)
                if _is_matrix(a):     # a 1x1 matrix used as a scalar
                    code = f"{code}[0, 0]"
                names[ph] = code if _atomic(code) else f"({code})"
                args.append(ph)
            else:
                args.append(a)
        return self._print(k.func(*args, evaluate=False) if isinstance(k, Expr)
                           else k.func(*args), names)

    def _trace(self, M):
        np = self.np
        if M.shape == (1, 1):
            return f"{self.emit(M)}[0, 0]"
        if isinstance(M, MatMul) and self.uses(self.key(M)[0]) <= 1:
            scalars = [a for a in M.args if not _is_matrix(a)]
            mats = [a for a in M.args if _is_matrix(a)]

            def special(f):
                return isinstance(f, (DiagMatrix, OneMatrix)) or isinstance(
                    f, Inverse) and not self.use_inv(self.key(f)[0])
            if len(mats) >= 2 and not any(special(f) for f in mats):
                # tr(L R) = sum(L * R^T): no product is formed
                best = min(range(1, len(mats)), key=lambda i: (
                    self.size(mats[0].rows) * self.size(mats[i - 1].cols)))
                L, R = self._chain(mats[:best]), self._chain(mats[best:])
                return self._scaled(scalars, self._sum_product(L, R))
        return f"{np}.trace({self.emit(M)})"

    def _sum_product(self, L, R):
        """tr(L R) = sum(L * R^T), for NumPy by a dot of the raveled factors
        (no product array; a view of R^T = X where R is X^T)."""
        np = self.np
        Rt = R[:-2] if R.endswith(".T") and _atomic(R) else \
            R[1:-3] if R.startswith("(") and R.endswith(".T)") and \
            _atomic(R[1:-1]) else f"({R}).T"
        if np != "numpy":
            return f"{np}.sum({L} * {Rt})"
        left = L if _atomic(L) or _wrapped(L) else f"({L})"
        right = Rt if _atomic(Rt) or _wrapped(Rt) else f"({Rt})"
        return f"{np}.dot({left}.ravel(), {right}.ravel())"


__all__ = ["NumPyEmitter", "CodegenError", "identifier", "function_parameter"]
