"""The command line: ``matdiff "tr(A*X*B)" --wrt X`` (or ``python -m sympy_matdiff``).

:func:`main` reads an expression in the language of
:mod:`sympy_matdiff.parser`, differentiates it and prints the result; see
``docs/cli.md``.  It returns the exit status: 0 on success, 2 for an
expression or option it cannot use (one line on stderr, with a caret under
the offending position), 1 when ``--check`` finds a wrong result or on an
internal error, 3 when the work takes longer than ``--timeout`` seconds.

>>> from sympy_matdiff.cli import main
>>> main(["tr(A*X*B)", "--wrt", "X"])        # doctest: +ELLIPSIS
# numerator layout: the transpose of the gradient (...)
B*A
0
>>> main(["x'*x", "--layout", "mixed"])
# mixed layout: the gradient, shaped like the variable
2*x
0
"""
import argparse
import json
import signal
import sys
import threading

from sympy import HadamardPower, Lambda, MatrixSymbol, Symbol
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.special import OneMatrix, ZeroMatrix
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from .errors import ExpressionError, MatrixCalculusError
from .expressions import lambda_derivative, readable_lambda
from .printing import MatdiffLatexPrinter
from .parser import (ELEMENTWISE, ELEMENTWISE_DEFAULT, KINDS, SCALAR_DEFAULT,
                     parse)
from .syntax import MAX_LENGTH

PROG = "matdiff"
TIMEOUT = 60.0     # seconds, unless --timeout says otherwise
# --code BACKEND: the package its generated code imports, and the extra
# that installs it
CODE_PACKAGES = {"numpy": ("numpy", "NumPy", ""), "jax": ("jax", "JAX", "[jax]"),
                 "torch": ("torch", "PyTorch", "[torch]")}

DESCRIPTION = """\
Differentiate a matrix expression with sympy_matdiff (by differentials).
Without arguments, show the seed's worked examples."""

EPILOG = f"""\
the expression language (docs/cli.md has all of it):
  + - *            sums and products; * of a scalar scales, a 1x1 product
                   such as x'*y counts as a scalar
  /                division by a scalar
  ^ or **          powers: of a scalar, or integer powers of a square matrix
                   (X^-1 is the inverse)
  X' or X.T        transpose
  .*  ./  .^       element-wise product, division and power (x.^-1, 1./x)
  tr det logdet inv adj kron(A, B) sum(X) diag(x) diag(X)
  norm1 norm2      sum of |entries|; Euclidean (vector), Frobenius (matrix)
  log exp sqrt sin cos tan arcsin arccos arctan sinh cosh tanh abs sign
  sigmoid softplus relu         (element-wise on matrices; abs, sign, relu
                   have derivatives valid almost everywhere, noted)
  softmax(x) logsumexp(x)       of a vector
  I, eye(n), eye(3), ones, ones(n), ones(m, n)      identity, ones
  vector(c), matrix(c)          c in every entry, size inferred
  undefined functions: {', '.join(ELEMENTWISE_DEFAULT)} act entry by entry,
                   {', '.join(SCALAR_DEFAULT)} map their whole argument to a scalar
                   (change with --elementwise and --function)

kinds of symbols, unless --matrix/--vector/--scalar say otherwise:
  a name starting with an uppercase letter is a matrix (A, X, W1), a Greek
  letter name (alpha ... omega) is a scalar, any other name is a column
  vector (x, b, y2); --kinds letters: matrixcalculus.org's a-g scalars, h-z
  vectors, A-Z matrices.  Sizes are inferred from the products and sums:
  unknown dimensions are named n, m, p, ...; --shapes fixes numbers.

output: the first line names the layout.  In numerator layout (the seed's,
the default) a scalar's derivative by a matrix is the transpose of the
gradient: tr(A*X*B) gives B*A; --layout mixed gives matrixcalculus.org's
A'*B'.

exit status: 0 success, 1 --check failed (or an internal error), 2 an
expression or option that cannot be used (syntax, shapes, unknown names, no
rule for a construct), 3 the work took longer than --timeout seconds.

examples:
  {PROG} "tr(A*X*B)" --wrt X
  {PROG} "norm2(W*x - b)^2" --wrt W,b --layout mixed
  {PROG} "sum(log(exp(-y.*(X*w)) + vector(1)))" --wrt w --kinds letters
  {PROG} "logdet(X)" --steps --latex
  {PROG} "l(W2*sigma(W1*x))" --wrt W1 --check
"""


_U = Symbol("u")
_NAMES = {}
_PRIMED = frozenset("exp sqrt sin cos tanh sigmoid softplus relu".split())


def elementwise_name(expr):
    """``"relu'"`` for relu' applied entry by entry (its Lambda), else None.

    The language's element-wise functions are Lambdas (relu is
    ``u -> Max(0, u)``), which SymPy prints as ``Lambda(_d, Max(0, _d)).(X)``;
    the command line prints them, and their derivatives, by name.

    >>> from sympy_matdiff.cli import elementwise_name
    >>> from sympy_matdiff.parser import parse
    >>> elementwise_name(parse("sigmoid(X)").expr)
    'sigmoid'
    """
    if not isinstance(expr, ElementwiseApplyFunction) or \
            len(expr.function.variables) != 1:
        return None
    if not _NAMES:
        functions = dict(ELEMENTWISE)
        for order in range(3):      # the functions first, then f', then f''
            for name, f in functions.items():
                _NAMES.setdefault(f.expr.xreplace({f.variables[0]: _U}),
                                  name + "'" * order)
            # derivatives by name only where they have no simple form of
            # their own: abs' is sign, arctan' is 1/(1 + u^2)
            functions = {n: lambda_derivative(f) for n, f in functions.items()
                         if n in _PRIMED}
    f = expr.function
    return _NAMES.get(f.expr.xreplace({f.variables[0]: _U}))


def _anonymous(expr):
    """``(v, body)`` of an element-wise function that has no name in the
    language (``exp(-u)/(1 + exp(-u))`` from the derivative of
    ``log(sigmoid(u))``), to print as ``(u -> body).(X)``; else None."""
    f = getattr(expr, "function", None)
    if not isinstance(expr, ElementwiseApplyFunction) or \
            not isinstance(f, Lambda) or len(f.variables) != 1 or \
            f.expr.args == f.variables:     # sigma(X), sigma'(X): by name
        return None
    return readable_lambda(f)


class _Printer(StrPrinter):
    """SymPy's str printer in the command line's own notation: ``.*``,
    ``.^``, ``tr``, ``det``, ``diag``, ``kron``, matrices of ones and zeros
    that show their size, and the language's element-wise functions by
    name."""

    def _print(self, expr, **kwargs):
        name = elementwise_name(expr)
        if name:
            return f"{name}({self._print(expr.expr)})"
        anonymous = _anonymous(expr)
        if anonymous:
            v, body = anonymous
            if body.is_Pow and body.base == v and body.exp.is_Number:
                # log'(X) is X.^-1 (bracketed: its type says Atom)
                return "(%s)" % self._print(HadamardPower(expr.expr, body.exp))
            return f"({v} -> {self._print(body)}).({self._print(expr.expr)})"
        return super()._print(expr, **kwargs)

    def _print_OneMatrix(self, expr):
        return "ones(%s, %s)" % (self._print(expr.rows), self._print(expr.cols))

    def _print_ZeroMatrix(self, expr):
        return "zeros(%s, %s)" % (self._print(expr.rows), self._print(expr.cols))

    def _print_Transpose(self, expr):
        if isinstance(expr.arg, (OneMatrix, ZeroMatrix)):    # ones(m, n).T
            return self._print(type(expr.arg)(expr.arg.cols, expr.arg.rows))
        # (x.^-1).T: x.^-1.T would read as x.^(-1.T)
        return "%s.T" % self.parenthesize(expr.arg, PRECEDENCE["Pow"],
                                          strict=False)

    def _print_HadamardProduct(self, expr):
        # '.*' binds like '*', left to right: wrap products and sums
        return " .* ".join(self.parenthesize(a, PRECEDENCE["Mul"], strict=False)
                           for a in expr.args)

    def _print_HadamardPower(self, expr):
        base = self.parenthesize(expr.base, PRECEDENCE["Pow"], strict=False)
        p = expr.exp
        exp = self._print(p) if p.is_Integer or p.is_Symbol else \
            "(%s)" % self._print(p)
        return f"{base}.^{exp}"

    def _print_Trace(self, expr):
        return "tr(%s)" % self._print(expr.arg)

    def _print_Determinant(self, expr):
        return "det(%s)" % self._print(expr.arg)

    def _print_DiagMatrix(self, expr):
        return "diag(%s)" % self._print(expr.args[0])

    def _print_KroneckerProduct(self, expr):
        return "kron(%s)" % ", ".join(self._print(a) for a in expr.args)


class _LatexPrinter(MatdiffLatexPrinter):
    """SymPy's LaTeX printer, with the size of matrices of ones and zeros
    and the language's element-wise functions by name."""

    def _print(self, expr, **kwargs):
        name = elementwise_name(expr)
        if name:
            base = name.rstrip("'")
            return r"\operatorname{%s}%s\left(%s\right)" % (
                base, name[len(base):], self._print(expr.expr))
        anonymous = _anonymous(expr)
        if anonymous:
            v, body = anonymous
            return r"\left(%s \mapsto %s\right)\left(%s\right)" % (
                self._print(v), self._print(body), self._print(expr.expr))
        return super()._print(expr, **kwargs)

    def _sized(self, symbol, expr):
        rows, cols = self._print(expr.rows), self._print(expr.cols)
        return r"\mathbf{%s}_{%s \times %s}" % (symbol, rows, cols)

    def _print_OneMatrix(self, expr):
        return self._sized(1, expr)

    def _print_ZeroMatrix(self, expr):
        return self._sized(0, expr)


def show_latex(expr):
    r"""``expr`` in LaTeX, with ``\mathbf{1}_{m \times n}`` for a matrix of ones.

    >>> from sympy.matrices.expressions.special import OneMatrix
    >>> from sympy_matdiff.cli import show_latex
    >>> print(show_latex(OneMatrix(2, 3)))
    \mathbf{1}_{2 \times 3}
    """
    return _LatexPrinter().doprint(expr)


def show(expr):
    """``expr`` as text: SymPy's ``str``, but ``ones(m, n)`` for a matrix of ones.

    >>> from sympy import MatrixSymbol
    >>> from sympy.matrices.expressions.special import OneMatrix
    >>> from sympy_matdiff.cli import show
    >>> show(OneMatrix(2, 3) + MatrixSymbol('A', 2, 3))
    'A + ones(2, 3)'
    """
    return _Printer().doprint(expr)


def _names(values):
    out = []
    for v in values or ():
        out += [n.strip() for n in v.split(",") if n.strip()]
    return out


class _Usage(Exception):
    """A bad option value: reported like a parse error, exit status 2."""


def _check_installed(backend):
    """--code BACKEND: a usage error if the code it writes could not run here."""
    import importlib.util
    module, name, extra = CODE_PACKAGES[backend]
    if importlib.util.find_spec(module) is None:
        raise _Usage(f"--code {backend}: {name} is not installed, so the "
                     f"generated code could not run; install it (pip install "
                     f"'sympy_matdiff{extra}') or choose another backend")


def _shapes(values):
    """``A=2x3,x=3`` -> {'A': (2, 3), 'x': (3, 1)}."""
    shapes = {}
    for item in _names(values):
        name, _, size = item.partition("=")
        parts = size.lower().split("x")
        if not name or not all(p.isdigit() and 0 < len(p) < 7 and int(p) > 0
                               for p in parts) or len(parts) > 2:
            raise _Usage(f"--shapes: cannot read {item!r}; write NAME=ROWSxCOLS "
                         "(e.g. A=2x3) or NAME=ROWS for a vector")
        dims = tuple(int(p) for p in parts)
        shapes[name.strip()] = dims if len(dims) == 2 else (dims[0], 1)
    return shapes


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, with usage errors raised as :class:`_Usage` (one line)."""

    def error(self, message):
        raise _Usage(f"{message} (see {PROG} --help)")


def _protect(argv):
    """Keep an expression such as ``-tr(X)`` from looking like an option.

    argparse reads any argument starting with '-' as an option; a leading
    space (which the tokenizer skips) makes it an argument.
    """
    out, after_dashdash = [], False
    for a in argv:
        if a == "--":
            after_dashdash = True
        elif not after_dashdash and a.startswith("-") and a not in ("-", "-h") \
                and not a.startswith("--"):
            a = " " + a
        out.append(a)
    return out


def parser():
    """The argument parser of the command line."""
    p = _ArgumentParser(
        prog=PROG, description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expression", nargs="?",
                   help="the expression, e.g. \"tr(A*X*B)\"; - reads it from "
                   "standard input")
    p.add_argument("--wrt", metavar="NAMES", action="append",
                   help="the variable(s), comma separated (default: the "
                   "expression's only symbol)")
    p.add_argument("--matrix", metavar="NAMES", action="append",
                   help="names that are matrices")
    p.add_argument("--vector", metavar="NAMES", action="append",
                   help="names that are column vectors")
    p.add_argument("--scalar", metavar="NAMES", action="append",
                   help="names that are scalars")
    p.add_argument("--kinds", choices=KINDS, default="default",
                   help="the kinds of the other names: default (uppercase: "
                   "matrix, Greek: scalar, else vector) or letters "
                   "(matrixcalculus.org's: a-g scalars, h-z vectors, A-Z "
                   "matrices)")
    p.add_argument("--shapes", metavar="SPEC", action="append",
                   help="numeric sizes, e.g. A=2x3,X=3x4,x=3")
    p.add_argument("--elementwise", metavar="NAMES", action="append",
                   help="undefined functions applied entry by entry (default: "
                   f"{','.join(ELEMENTWISE_DEFAULT)})")
    p.add_argument("--function", metavar="NAMES", action="append",
                   help="undefined scalar functions of their whole argument "
                   f"(default: {','.join(SCALAR_DEFAULT)})")
    p.add_argument("--layout", choices=("numerator", "denominator", "mixed"),
                   default="numerator", help="the layout of the derivative "
                   "(default: numerator)")
    p.add_argument("--hessian", action="store_true",
                   help="the Hessian of a scalar expression instead")
    p.add_argument("--steps", action="store_true",
                   help="show the derivation step by step")
    p.add_argument("--named", action="store_true",
                   help="the derivative with named intermediates, as "
                   "backpropagation writes it (z1 = W1*x, h1 = tanh(z1), "
                   "delta1 = ...; a scalar expression)")
    p.add_argument("--latex", action="store_true", help="print LaTeX")
    p.add_argument("--check", action="store_true",
                   help="verify numerically against finite differences "
                   "(prints the max error; exit status 1 if it fails)")
    p.add_argument("--code", choices=tuple(CODE_PACKAGES),
                   help="print, instead of the result, a Python function "
                   "returning the value and the derivative, in NumPy, JAX "
                   "(jax.numpy) or PyTorch (the package must be installed)")
    p.add_argument("--timeout", metavar="SECONDS", type=float, default=TIMEOUT,
                   help=f"give up after this many seconds, exit status 3 "
                   f"(default {TIMEOUT:g}; 0: no limit)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (expression, wrt, layout, "
                   "result in str and LaTeX, shape, ...)")
    return p


def _read(expression, stdin):
    if expression != "-":
        return expression
    text = stdin.read(MAX_LENGTH + 1)
    return text.strip()


def _shape(e):
    shape = e.shape if getattr(e, "is_Matrix", False) else ()
    return [int(s) if s.is_Integer else str(s) for s in shape]


def _fail(err, message, status=2):
    print(f"{PROG}: error: {message}", file=err)
    return status


class _TimeLimit(BaseException):
    """Raised by the alarm that ``--timeout`` sets.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception``
    on the way (the engine has a few, around SymPy's own failures) swallows
    it."""


class _time_limit:
    """Raise :class:`_TimeLimit` in the main thread after ``seconds``.

    A large input can keep the engine busy for minutes, and a command line
    must not hang.  The limit needs SIGALRM (POSIX) and the main thread;
    elsewhere, or with ``seconds <= 0``, there is none.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.active = (seconds > 0 and hasattr(signal, "SIGALRM") and
                       threading.current_thread() is threading.main_thread())

    def __enter__(self):
        if self.active:
            def ring(signum, frame):
                raise _TimeLimit
            self.previous = signal.signal(signal.SIGALRM, ring)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


def main(argv=None, out=None, err=None, stdin=None):
    """Run the command line on ``argv``; returns the exit status.

    >>> from sympy_matdiff.cli import main
    >>> main(["X^2", "--wrt", "X", "--shapes", "X=2x2"])
    # numerator layout
    kron(I, X) + kron(X.T, I)
    0
    """
    out = out or sys.stdout
    err = err or sys.stderr
    argv = _protect(sys.argv[1:] if argv is None else argv)
    try:
        args = parser().parse_args(argv)
    except _Usage as e:
        return _fail(err, str(e))
    except SystemExit as e:        # --help
        return e.code if isinstance(e.code, int) else 2
    if args.expression is None:
        return _fail(err, "no expression given (without any argument, "
                     f"{PROG} shows the seed's examples; see {PROG} --help)")
    if not args.timeout >= 0:     # also refuses nan
        return _fail(err, f"--timeout: {args.timeout} is not a number of "
                     "seconds >= 0")
    try:
        with _time_limit(args.timeout):
            status = _run(args, out, err, stdin or sys.stdin)
    except _TimeLimit:
        return _fail(err, f"gave up after {args.timeout:g} s (--timeout): the "
                     "expression is too much work for the engine as written; "
                     "simplify it, or allow more time with --timeout", 3)
    except (ExpressionError, _Usage) as e:
        text = e.display() if isinstance(e, ExpressionError) else str(e)
        return _fail(err, text)
    except MatrixCalculusError as e:
        return _fail(err, "cannot differentiate: " + " ".join(str(e).split()))
    except RecursionError:
        return _fail(err, "the expression is nested too deeply for the engine; "
                     "simplify it")
    except BrokenPipeError:    # the reader (head, less) stopped reading
        return 0
    except Exception as e:     # a bug: still one line, but status 1
        print(f"{PROG}: internal error: {type(e).__name__}: {e} (please report "
              "it with the command line)", file=err)
        return 1
    return status


def _run(args, out, err, stdin):
    from .identification import derivative, hessian
    text = _read(args.expression, stdin)
    wrt = _names(args.wrt)
    undefined = _names(args.function)
    parsed = parse(
        text, matrices=_names(args.matrix), vectors=_names(args.vector),
        scalars=_names(args.scalar), shapes=_shapes(args.shapes),
        elementwise=_names(args.elementwise) or ELEMENTWISE_DEFAULT,
        functions=undefined or SCALAR_DEFAULT, also=wrt, kinds=args.kinds)
    if not wrt:
        if len(parsed.symbols) != 1:
            raise _Usage(
                "give the variable with --wrt (the expression has "
                + (f"the symbols {', '.join(parsed.symbols)})"
                   if parsed.symbols else "no symbols)"))
        wrt = list(parsed.symbols)
    if args.hessian and args.layout != "numerator" and not args.code:
        raise _Usage("--layout does not apply to --hessian (the Hessian is "
                     "symmetric, vec(dX) on both sides); with --code it is "
                     "the layout of the derivative returned beside it")
    if args.hessian and args.steps:
        raise _Usage("--steps shows derivatives, not Hessians")
    if args.hessian and args.named:
        raise _Usage("--named shows derivatives, not Hessians")
    variables = [parsed.symbols[w] for w in wrt]
    expr = parsed.expr
    notes = list(parsed.notes)
    notes += [f"{w} does not occur in the expression" for w, v in
              zip(wrt, variables) if not expr.has(v)]
    for note in notes:
        print(f"note: {note}", file=err)
    named = None
    if args.named:
        from .backprop import named_derivative
        named = named_derivative(expr, tuple(variables), args.layout)
        results = list(named.doit())
    else:
        results = [hessian(expr, v) if args.hessian else
                   derivative(expr, v, args.layout) for v in variables]
    from .domains import note as domain_note, valid_where
    for w, r in zip(wrt, results):      # e.g. "holds where X is invertible"
        if domain_note(valid_where(expr, r)):
            notes.append(f"the result by {w} {domain_note(valid_where(expr, r))}")
            print(f"note: {notes[-1]}", file=err)
    steps = None
    if args.steps:
        from .derivations import derivation
        steps = [derivation(expr, tuple(variables), args.layout, named=True)
                 ] if named is not None else [
            derivation(expr, v, args.layout) for v in variables]
    checks = None
    if args.check:
        checks = [_check(parsed, v, r, args) for v, r in zip(variables, results)]
    code = None
    if args.code:
        try:
            from .codegen import codegen
        except ImportError:
            raise _Usage("--code: code generation (sympy_matdiff.codegen) is "
                         "not available in this installation") from None
        _check_installed(args.code)
        code = codegen(expr, variables[0] if len(variables) == 1
                       else tuple(variables), backend=args.code,
                       layout=args.layout, hessian=args.hessian,
                       named=args.named)
    if args.json:
        _print_json(args, parsed, wrt, results, steps, checks, code, notes, out)
    elif code:
        # the source alone on stdout, so that it can go to a file; its
        # docstring names the expression in the language's notation
        code = code.replace(f'"""{expr} and its', f'"""{show(expr)} and its', 1)
        print(code.rstrip("\n"), file=out)
        for w, c in zip(wrt, checks or ()):
            print(f"check{' ' + w if len(wrt) > 1 else ''}: {c}", file=err)
    elif named is not None:
        print(("% " if args.latex else "# ") + layout_line(
            expr, variables, args.layout) + ", with named intermediates",
            file=out)
        if steps:
            print(steps[0].latex() if args.latex else steps[0].text(show),
                  file=out)
        elif args.latex:
            from .printing import latex
            print(latex(named), file=out)
        else:
            for is_result, n, e in named._rows():
                print(("df/d" if is_result else "") + f"{show(n)} = {show(e)}",
                      file=out)
        for w, c in zip(wrt, checks or ()):
            print(f"check{' ' + w if len(wrt) > 1 else ''}: {c}", file=out)
    else:
        print(("% " if args.latex else "# ") + layout_line(
            expr, variables, args.layout, args.hessian), file=out)
        for i, (w, r) in enumerate(zip(wrt, results)):
            if steps:
                if len(wrt) > 1:
                    print(f"{w}:", file=out)
                print(steps[i].latex() if args.latex else steps[i].text(show),
                      file=out)
            else:
                lead = f"{w}: " if len(wrt) > 1 else ""
                print(lead + (show_latex(r) if args.latex else show(r)), file=out)
            if checks:
                print(f"check{' ' + w if len(wrt) > 1 else ''}: {checks[i]}",
                      file=out)
    return 1 if checks and not all(c.ok for c in checks) else 0


def layout_line(expr, variables, layout, hessian=False):
    """The first line of the output: what the result is, in which layout.

    A scalar's derivative by a matrix in numerator layout is the transpose
    of the gradient (``B*A`` for ``tr(A*X*B)``, where matrixcalculus.org,
    in mixed layout, shows ``A'*B'``): the line says so.

    >>> from sympy import MatrixSymbol, Trace
    >>> from sympy_matdiff.cli import layout_line
    >>> X = MatrixSymbol('X', 3, 3)
    >>> print(layout_line(Trace(X), [X], "mixed"))
    mixed layout: the gradient, shaped like the variable
    >>> layout_line(Trace(X), [X], "numerator").startswith(
    ...     "numerator layout: the transpose of the gradient")
    True
    """
    if hessian:
        return "Hessian: d2f = vec(dX)' H vec(dX) (symmetric, vec order)"
    scalar = not getattr(expr, "is_Matrix", False) or expr.shape == (1, 1)
    matrix_wrt = any(getattr(v, "is_Matrix", False) and v.shape != (1, 1)
                     for v in variables)
    if not (scalar and matrix_wrt):
        return f"{layout} layout"
    if layout == "numerator":
        return ("numerator layout: the transpose of the gradient (--layout "
                "mixed: the gradient, as matrixcalculus.org shows it)")
    return f"{layout} layout: the gradient, shaped like the variable"


def _check(parsed, X, result, args):
    """The numeric check of ``result``, the derivative or Hessian by X."""
    from .numeric import check, check_hessian
    expr = parsed.expr
    # check() sizes the dimensions of MatrixSymbols; a dimension found only
    # in I or ones (eye(n)) would be taken for a scalar variable: size it here
    used = set().union(*(s.shape[0].free_symbols | s.shape[1].free_symbols
                         for s in (expr.atoms(MatrixSymbol) | {X})
                         if s.is_Matrix))
    orphans = [d for d in parsed.dimensions if d not in used]
    if orphans:
        sizes = dict(zip(orphans, range(2, 2 + len(orphans))))
        expr, X, result = (e.subs(sizes) for e in (expr, X, result))
    if args.hessian:
        return check_hessian(expr, X, result=result)
    return check(expr, X, result=result, layout=args.layout)


def _print_json(args, parsed, wrt, results, steps, checks, code, notes, out):
    def one(i):
        r = results[i]
        item = {"str": show(r), "latex": show_latex(r)}
        shape = _shape(r)
        return item, shape
    items = [one(i) for i in range(len(results))]
    single = len(wrt) == 1

    def pick(xs):
        return xs[0] if single else xs
    data = {
        "expression": parsed.text,
        "parsed": show(parsed.expr),
        "wrt": pick(wrt),
        "layout": args.layout,
        "kind": "hessian" if args.hessian else "derivative",
        "result": pick([i for i, _ in items]),
        "shape": pick([s for _, s in items]),
        "symbols": {n: {"kind": parsed.kind(n), "shape": _shape(s)}
                    for n, s in parsed.symbols.items()},
        "notes": notes,
    }
    if steps:
        data["steps"] = pick([{"str": str(s), "latex": s.latex()} for s in steps])
    if checks:
        data["check"] = pick([{"ok": c.ok, "max_error": c.max_error,
                               "points": c.points} for c in checks])
    if code:
        data["code"] = code
    json.dump(data, out, indent=2, ensure_ascii=False)
    print(file=out)


__all__ = ["main", "parser", "show", "show_latex", "elementwise_name",
           "layout_line"]
