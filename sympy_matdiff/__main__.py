"""``python -m sympy_matdiff``: the seed's examples, or the command line.

Without arguments it shows the seed's worked examples, derived by the
plugin; with an expression it is the ``matdiff`` command
(:mod:`sympy_matdiff.cli`, ``docs/cli.md``).
"""
import sys

from .differentials import d, prepare
from .examples import SEED_EXAMPLES


HEADER = """\
The worked examples E.g. 1-6 of the seed, the tutorial this project follows:
LynnHo, "Matrix Calculus via Differentials",
https://github.com/LynnHo/Matrix-Calculus-Tutorial (docs/method.md).
Each: the expression f, its differential df and the derivative (numerator
layout). `matdiff --help` shows the command line.
"""


def show_examples(out=sys.stdout):
    print(HEADER, file=out)
    for ex in SEED_EXAMPLES:
        print(f"{ex.name}: {ex.title}", file=out)
        print(f"  f  = {prepare(ex.expr)}", file=out)
        print(f"  df = {d(ex.expr, ex.wrt)}", file=out)
        try:
            from .identification import derivative
        except ImportError:     # identification not built yet
            print(file=out)
            continue
        print(f"  df/d{ex.wrt} = {derivative(ex.expr, ex.wrt)}", file=out)
        print(file=out)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        try:
            show_examples()
        except BrokenPipeError:     # the reader (head, less) stopped reading
            sys.stderr.close()      # and Python's own flush would complain
        return 0
    from .cli import main as cli_main
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
