"""Sphinx configuration of the documentation site.

Build it with warnings as errors (README, "Documentation site"):

    python3 -m pip install -e '.[docs]'
    python3 -m sphinx -W --keep-going -b html docs docs/_build/html

The pages are the Markdown files of this folder (MyST), the notebooks in
notebooks/ are executed during the build (myst-nb), and api.md documents
the public names from their docstrings (autodoc).
"""
import sympy_matdiff

project = "sympy_matdiff"
author = "the sympy_matdiff developers"
copyright = "2026, " + author
release = version = sympy_matdiff.__version__

extensions = [
    "myst_nb",              # Markdown pages (myst-parser) and notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3        # links such as derivatives.md#domains
exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]

# notebooks run at every build, and an error in a cell fails the build
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True

autodoc_member_order = "bysource"

# docs/cli.md shows `matdiff` sessions as console blocks; their output
# lines (# comments, JSON, Python) are no shell, and Pygments, failing to
# lex them, shows the block unhighlighted: that is all this warning says
suppress_warnings = ["misc.highlighting_failure"]

html_theme = "furo"
html_title = "sympy_matdiff"
