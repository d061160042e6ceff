"""One nox session per supported SymPy (see README, "Supported SymPy versions").

    python3 -m pip install nox
    python3 -m nox -s sympy-1.14      # the default SymPy: the whole suite
    python3 -m nox -s sympy-1.13      # the oldest supported SymPy
    python3 -m nox -s sympy-master    # SymPy's development version (wheel)
    python3 -m nox -s sympy-1.13 -- --full   # the whole suite on any of them

Each session installs the project with its test extras and that SymPy into
a virtual environment of its own.  sympy-1.14 runs the whole suite, long
checks included; sympy-1.13 and sympy-master run the SymPy integration
(hooks, plain ``sympy.diff`` on the whole corpus, Hessians included, and
SymPy's own test suites with the plugin), the corpus and every doctest
(``--full``: the whole suite there too).  The development version comes
from the wheel in ../shared/wheels/ (no network needed beyond PyPI).
"""
import nox

nox.options.sessions = ["sympy-1.14"]
nox.options.reuse_existing_virtualenvs = True

MASTER_WHEEL = "../shared/wheels/sympy-1.15.0.dev0-py3-none-any.whl"

# the SymPy integration, the corpus, the constructors (their fast paths read
# SymPy internals) and the doctests
INTEGRATION = ["tests/test_hooks.py", "tests/test_sympy_diff.py",
               "tests/test_sympy_suites.py", "tests/test_corpus.py",
               "tests/test_constructors.py",
               "tests/test_codegen_functions.py",
               "sympy_matdiff", "docs", "README.md"]
EVERYTHING = ["-m", "slow or not slow"]     # the long checks too


def _run(session, sympy_spec, full):
    session.env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                        "MKL_NUM_THREADS": "1"})
    session.install("-e", ".[test]", sympy_spec)
    session.run("python", "-c", "import sympy; print('SymPy', sympy.__version__)")
    full = full or "--full" in session.posargs
    args = [a for a in session.posargs if a != "--full"]
    session.run("python", "-m", "pytest", "-q", *EVERYTHING, *args,
                *([] if full else INTEGRATION))


@nox.session(name="sympy-1.13")
def sympy_113(session):
    """The oldest supported SymPy: integration, corpus, doctests."""
    _run(session, "sympy==1.13.3", full=False)


@nox.session(name="sympy-1.14")
def sympy_114(session):
    """The default SymPy: the whole suite, long checks included."""
    _run(session, "sympy==1.14.0", full=True)


@nox.session(name="sympy-master")
def sympy_master(session):
    """SymPy's development version: integration, corpus, doctests."""
    _run(session, MASTER_WHEEL, full=False)
