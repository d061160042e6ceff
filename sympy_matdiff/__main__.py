"""``python -m sympy_matdiff``: the seed's examples, derived by the plugin."""
import sys

from .differentials import d, prepare
from .examples import SEED_EXAMPLES


def show_examples(out=sys.stdout):
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
    show_examples()
    return 0


if __name__ == "__main__":
    sys.exit(main())
