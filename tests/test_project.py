"""The project's promises about itself: docs up to date, commands true."""
import pathlib
import subprocess
import sys

from sympy_matdiff.rule_table import rules_markdown

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = "python3 -m venv .venv && . .venv/bin/activate && "
TEST_COMMAND = (VENV + "python3 -m pip install -e '.[test]' && "
                "python3 -m pytest -q -n auto")
MAIN_COMMAND = VENV + "python3 -m pip install -e . && python3 -m sympy_matdiff"
LONG_COMMANDS = ["python3 -m pytest -q -m slow",
                 "python3 -m sympy_matdiff.fuzz --examples 1000",
                 "python3 -m pip install -e '.[jax]' && "
                 "python3 -m pytest -q tests/test_jaxcode.py "
                 "tests/test_codegen_functions.py",
                 "python3 -m pip install -e '.[torch]' && "
                 "python3 -m pytest -q -n auto tests/test_torchcode.py "
                 "tests/test_codegen_functions.py",
                 "python3 -m pip install -e '.[versions]' && "
                 "python3 -m nox -s sympy-1.13 sympy-master"]
DOCS_COMMAND = ("python3 -m pip install -e '.[docs]' && "
                "python3 -m sphinx -W --keep-going -b html docs docs/_build/html")


def test_rule_table_is_up_to_date():
    assert (ROOT / "docs" / "rules.md").read_text() == rules_markdown(), \
        "run: python3 -m sympy_matdiff.rule_table > docs/rules.md"


def test_tutorial_is_up_to_date():
    from sympy_matdiff.tutorial import tutorial_markdown
    assert (ROOT / "docs" / "tutorial.md").read_text() == tutorial_markdown(), \
        "run: python3 -m sympy_matdiff.tutorial > docs/tutorial.md"


def test_readme_holds_the_two_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text()
    assert TEST_COMMAND in readme and MAIN_COMMAND in readme
    assert TEST_COMMAND in (ROOT / ".ci" / "run").read_text()


def test_ci_runs_the_long_checks_and_the_docs_and_stops_on_a_failure():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci
    lines = [line.strip() for line in ci.splitlines()]
    commands = [TEST_COMMAND, *LONG_COMMANDS, DOCS_COMMAND]
    for c in commands:
        assert c in readme and c in lines, c
    # in this order: the tests, the long checks, the site
    assert [lines.index(c) for c in commands] == sorted(
        lines.index(c) for c in commands)


def test_long_checks_are_marked_and_the_marker_is_declared():
    # the default run leaves them out; `-m slow` selects them (pytest's exit
    # status 5 would fail .ci/run if the marker selected nothing)
    cfg = (ROOT / "setup.cfg").read_text()
    assert '-m "not slow"' in cfg and "--strict-markers" in cfg
    assert "\n    slow: " in cfg
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-m", "slow",
                          "--collect-only", "tests"], cwd=ROOT,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:]
    assert "test_sympy_suites_pass_with_the_plugin" in res.stdout


def test_docs_extra_declares_the_site_builders():
    text = (ROOT / "pyproject.toml").read_text()
    docs = text.split("\ndocs = [", 1)[1].split("]", 1)[0]
    for package in ("sphinx", "myst-parser", "myst-nb", "furo"):
        assert f'"{package}"' in docs
    assert (ROOT / "LICENSE").read_text().startswith("BSD 3-Clause License")
    assert 'license = {text = "BSD-3-Clause"}' in text


def test_main_job_prints_the_seed_examples():
    out = subprocess.run([sys.executable, "-m", "sympy_matdiff"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    for n in range(1, 7):
        assert f"E.g. {n}" in out
    assert "df = 2*x.T*dx" in out
    assert "df = Trace(X**(-1)*dX)" in out


def test_flake8_is_clean():
    # flake8 is a declared test dependency (pyproject.toml, extra "test")
    res = subprocess.run([sys.executable, "-m", "flake8", "sympy_matdiff", "tests"],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout


def test_import_does_not_load_numpy():
    # start-up time: numpy (about 0.1 s) is imported by what needs it
    # (codegen_function, check's evaluation), not by ``import sympy_matdiff``
    code = "import sys, sympy_matdiff; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_star_import_keeps_sympy_hessian():
    import sympy
    import sympy_matdiff
    names = {}
    exec("from sympy import *\nfrom sympy_matdiff import *", names)
    assert names["hessian"] is sympy.hessian and names["prime"] is sympy.prime
    # no exported name replaces one that 'from sympy import *' gives
    assert not [n for n in sympy_matdiff.__all__ if n in sympy.__all__ and
                getattr(sympy, n) is not getattr(sympy_matdiff, n)]
    assert all(hasattr(sympy_matdiff, n) for n in sympy_matdiff.__all__)


def test_no_pipe_inside_math_or_code_of_a_table_cell():
    # GitHub splits a table row at every '|', even inside $...$ or `...`:
    # math writes \vert (rule_table.table_cell), code avoids it
    import re
    bad = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for n, line in enumerate(page.read_text().splitlines(), 1):
            if line.startswith("|"):
                spans = re.findall(r"\$[^$]*\$|`[^`]*`", line)
                bad += [f"{page.name}:{n}: {s}" for s in spans
                        if re.search(r"(?<!\\)\|", s)]
    assert not bad, bad


def test_every_page_of_docs_is_in_the_sites_table_of_contents():
    # the site is built with warnings as errors: a page left out of the
    # toctree of docs/index.md fails it (`.ci/run`); say so here, sooner
    index = (ROOT / "docs" / "index.md").read_text()
    toctree = index.split("```{toctree}", 1)[1].split("```", 1)[0].split()
    pages = {p.stem for p in (ROOT / "docs").glob("*.md")} - {"index"}
    notebooks = {f"notebooks/{p.stem}" for p in
                 (ROOT / "docs" / "notebooks").glob("*.ipynb")}
    assert pages | notebooks <= set(toctree), (pages | notebooks) - set(toctree)
