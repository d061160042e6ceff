"""The pipeline's shortcuts (prepare once, rewrites only where they apply,
candidates that cannot win left out) change no result."""
import pytest
from sympy import MatrixSymbol, Trace, preorder_traversal, transpose

from corpus import CASES
from sympy_matdiff import d
from sympy_matdiff.canonical import (_beats_its_transpose, _terms, cost,
                                     fold_transposes)
from sympy_matdiff.differentials import (_of_type, d_prepared, nodes,
                                         prepare)
from sympy_matdiff.functions import RECOGNISED, recognise

SOME = [c for c in CASES if c.kind == "derivative"][::5]


@pytest.mark.parametrize("case", SOME, ids=lambda c: c.name)
def test_d_of_a_prepared_expression_is_d(case):
    e = prepare(case.expr)
    assert prepare(e) == e          # derivative() prepares once
    assert d_prepared(e, case.wrt) == d(case.expr, case.wrt)


@pytest.mark.parametrize("case", SOME, ids=lambda c: c.name)
def test_nodes_are_the_subexpressions(case):
    e = prepare(case.expr)
    assert set(nodes(e)) == set(preorder_traversal(e))
    assert _of_type(e, MatrixSymbol) == e.atoms(MatrixSymbol)
    assert list(_of_type(e, MatrixSymbol)) == list(e.atoms(MatrixSymbol))


@pytest.mark.parametrize("case", SOME, ids=lambda c: c.name)
def test_recognise_changes_only_expressions_with_a_recognised_node(case):
    # prepare() skips recognise() where no node is of a RECOGNISED class
    for s in set(preorder_traversal(case.expr)):
        if hasattr(s, "is_Matrix") and not _of_type(s, *RECOGNISED):
            assert recognise(s) == s, s


@pytest.mark.parametrize("case", SOME, ids=lambda c: c.name)
def test_a_skipped_transposed_candidate_cannot_win(case):
    for _, m in _terms(d(case.expr)):
        if not _beats_its_transpose(m):
            continue
        T = Trace(transpose(m.arg)) if isinstance(m, Trace) else transpose(m)
        for c in (T, fold_transposes(T)):
            assert cost(c)[:1] > cost(m)[:1], (m, c)
