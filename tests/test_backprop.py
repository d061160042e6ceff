"""Named intermediates (reverse mode): ``named_derivative`` and ``Named``.

Every result is checked against finite differences (through ``.doit()``)
and against ``derivative()``; networks have layers of different widths so
that a transposed weight cannot pass.
"""
import random

import mpmath
import pytest
from sympy import (Basic, Float, HadamardPower, HadamardProduct,
                   ImmutableMatrix, MatrixSymbol, OneMatrix,
                   Q, Symbol, Trace, ZeroMatrix, det, latex, log, pretty,
                   tanh)

from corpus import CASES
from sympy_matdiff import (IdentificationError, Named, adj, derivative,
                           named_derivative, sigmoid, softmax, softplus)
from sympy_matdiff.differentials import prepare
from sympy_matdiff.domains import valid_where
from sympy_matdiff.numeric import check, same_value

n = Symbol('n', integer=True, positive=True)


def network(widths, act=tanh):
    """‖W_L act(… act(W_1 x)) − y‖², W_k of shape widths[k] x widths[k-1]."""
    x = MatrixSymbol('x', widths[0], 1)
    y = MatrixSymbol('y', widths[-1], 1)
    Ws = [MatrixSymbol(f'W{k}', widths[k], widths[k - 1])
          for k in range(1, len(widths))]
    h = x
    for k, W in enumerate(Ws):
        h = W * h
        if k < len(Ws) - 1:
            h = h.applyfunc(act)
    r = h - y
    return Trace(r.T * r), Ws, x


def agrees(f, wrt, g, layout="numerator"):
    flat = g.doit()
    flats = flat if isinstance(flat, tuple) else (flat,)
    wrts = wrt if isinstance(wrt, tuple) else (wrt,)
    for X, G in zip(wrts, flats):
        report = check(f, X, result=G, layout=layout)
        assert report.ok, (X, G, report)
        assert same_value(G, derivative(f, X, layout)), (X, G)


@pytest.mark.parametrize("widths", [(3, 2), (4, 3, 2), (4, 5, 3, 2),
                                    (3, 4, 5, 2, 3)])
def test_network_by_first_layer(widths):
    f, Ws, x = network(widths)
    g = named_derivative(f, Ws[0])
    agrees(f, Ws[0], g)
    L = len(Ws)
    assert len(g.definitions) == 3 * (L - 1)   # z_k, h_k, delta_k per layer


def test_network_every_layer_shares_the_names():
    f, Ws, x = network((4, 5, 3, 2), act=sigmoid)
    g = named_derivative(f, tuple(Ws))
    agrees(f, tuple(Ws), g)
    assert len(g.result) == 3
    text = str(g)
    assert "h1 = sigmoid(z1)" in text and "df/dW2 = h1*delta2.T" in text


def test_network_backprop_form():
    f, Ws, x = network((n, n, n, n))
    g = named_derivative(f, Ws[0])
    names = [str(k) for k, _ in g.definitions]
    assert names == ['z1', 'h1', 'z2', 'h2', 'delta2', 'delta1']
    d = {str(k): v for k, v in g.definitions}
    z1, h1, z2, delta2 = (MatrixSymbol(s, n, 1) for s in ('z1', 'h1', 'z2',
                                                          'delta2'))
    W1, W2 = Ws[0], Ws[1]
    assert d['z1'] == W1 * x and d['h1'] == prepare(z1.applyfunc(tanh))
    assert d['z2'] == W2 * h1
    # δ_k = (W_{k+1}ᵀ δ_{k+1}) ∘ σ′(z_k), σ′ written with the name h_k
    assert d['delta1'] == HadamardProduct(
        W2.T * delta2, OneMatrix(n, 1) - HadamardPower(h1, 2))
    assert g.result == x * MatrixSymbol('delta1', n, 1).T


def test_result_size_is_linear_in_depth():
    sizes = []
    for L in (2, 4, 8):
        f, Ws, x = network((n,) * (L + 1))
        g = named_derivative(f, Ws[0])
        sizes.append(sum(e.count_ops() for _, e in g.definitions)
                     + g.result.count_ops())
    assert sizes[2] - sizes[1] == 2 * (sizes[1] - sizes[0])


def test_shared_part_is_named_once():
    A, v = MatrixSymbol('A', 3, 3), MatrixSymbol('v', 3, 1)
    q = v.T * A * v
    f = q + q**2
    g = named_derivative(f, v)
    assert [k for k, e in g.definitions if e == q] == [MatrixSymbol('v1', 1, 1)]
    agrees(f, v, g)


def test_logistic_and_softmax_read_as_textbooks():
    X, w, y = (MatrixSymbol('X', 5, 3), MatrixSymbol('w', 3, 1),
               MatrixSymbol('y', 5, 1))
    loss = OneMatrix(1, 5) * softplus(-HadamardProduct(y, X * w))
    g = named_derivative(loss, w, layout="mixed")
    assert dict(g.definitions)[MatrixSymbol('delta1', 5, 1)] == \
        sigmoid(MatrixSymbol('z1', 5, 1))
    agrees(loss, w, g, layout="mixed")
    W, x, t = MatrixSymbol('W', 4, 3), MatrixSymbol('x', 3, 1), MatrixSymbol('t', 4, 1)
    ce = -t.T * softmax(W * x).applyfunc(log)
    g = named_derivative(ce, W)
    assert "delta1 = sum(t)*softmax(z1) - t" in str(g)
    agrees(ce, W, g)


@pytest.mark.parametrize("layout", ["numerator", "denominator", "mixed"])
def test_layouts_and_variable_kinds(layout):
    X, A = MatrixSymbol('X', 3, 3), MatrixSymbol('A', 3, 3)
    f = log(det(X)) + Trace(A * X**-1)
    agrees(f, X, named_derivative(f, X, layout=layout), layout)
    s = Symbol('s')
    f = Trace((s * A + X).inv()) + s**2 * Trace(A)
    agrees(f, s, named_derivative(f, s, layout=layout), layout)
    B, x = MatrixSymbol('B', 4, 3), MatrixSymbol('x', 3, 1)
    f = Trace((B * x).applyfunc(tanh).T * (B * x).applyfunc(tanh))
    agrees(f, x, named_derivative(f, x, layout=layout), layout)


def test_domain_is_that_of_the_flat_result():
    X = MatrixSymbol('X', 3, 3)
    f = det(X)**2
    g = named_derivative(f, X)
    assert valid_where(f, g.doit()) == Q.invertible(X) == \
        valid_where(f, derivative(f, X))
    agrees(f, X, g)


def test_rank_deficient_weights():
    """A rank-one first layer (the network is defined there): every layer's
    gradient still matches finite differences."""
    f, Ws, x = network((4, 3, 2))
    g = named_derivative(f, tuple(Ws))
    rng = random.Random(3)
    u = [Float(rng.uniform(-1, 1), 50) for _ in range(3)]
    v = [Float(rng.uniform(-1, 1), 50) for _ in range(4)]
    rank_one = ImmutableMatrix(3, 4, lambda i, j: u[i] * v[j])
    for W, G in zip(Ws, g.doit()):
        report = check(f, W, result=G, at={Ws[0]: rank_one})
        assert report.ok, report


def test_nested_scalar_functions_are_linear():
    x = Symbol('x')
    f = x
    for _ in range(20):
        f = tanh(f, evaluate=False)     # SymPy's tanh.eval is exponential here
    g = named_derivative(f, x)
    assert len(g.definitions) == 19
    # evaluate the names in order at x = 0.3 and compare with mpmath's diff
    mpmath.mp.dps = 30
    values = {x: mpmath.mpf('0.3')}
    for name, e in g.definitions:
        values[name] = mpmath.tanh(values[e.args[0]])
    got = g.result.subs({k: v for k, v in values.items()}).evalf(30)

    def nest(t):
        for _ in range(20):
            t = mpmath.tanh(t)
        return t
    want = mpmath.diff(nest, mpmath.mpf('0.3'))
    assert abs(got - want) < 1e-20 * abs(want)


def test_named_is_a_sympy_object():
    f, Ws, x = network((3, 4, 2))
    g = named_derivative(f, Ws[0])
    assert isinstance(g, Basic) and g.func(*g.args) == g and hash(g)
    assert g.wrt == Ws[0]
    W1b = MatrixSymbol('V', 4, 3)
    moved = g.xreplace({Ws[0]: W1b})
    assert dict(moved.definitions)[MatrixSymbol('z1', 4, 1)] == W1b * x
    assert r"\begin{aligned}" in latex(g) and r"\delta_{1}" in latex(g)
    assert r"\frac{\partial f}{\partial W_{1}}" in latex(g)
    assert "∂f/∂W₁" in pretty(g) and g._repr_latex_().startswith("$")
    assert repr(g) == str(g)


def test_errors_name_the_construct():
    W, x = MatrixSymbol('W', 2, 3), MatrixSymbol('x', 3, 1)
    with pytest.raises(IdentificationError, match="scalar function"):
        named_derivative(W * x, W)
    g = named_derivative(Trace(x.T * x), W)        # W does not occur: 0
    assert g.result == ZeroMatrix(3, 2) and g.definitions == ()
    X = MatrixSymbol('X', 1, 1)
    assert named_derivative(adj(X)[0, 0] * 2, X).doit() == ZeroMatrix(1, 1)


def _scalar_cases():
    for c in CASES:
        if c.kind != "derivative":
            continue
        e = c.expr
        if getattr(e, "is_Matrix", False) and e.shape != (1, 1):
            continue
        yield pytest.param(c, id=c.name)


@pytest.mark.parametrize("case", list(_scalar_cases()))
def test_corpus_named_equals_flat(case):
    """On every scalar corpus case, the named result expands to the value of
    derivative()'s (or a clear error)."""
    try:
        g = named_derivative(case.expr, case.wrt)
    except IdentificationError as e:
        assert "named" in str(e)
        return
    assert isinstance(g, Named)
    assert same_value(g.doit(), derivative(case.expr, case.wrt)), str(g)


@pytest.mark.parametrize("widths", [(4, 5, 3, 2), (3, 2)])
def test_codegen_named_computes_each_value_once(widths):
    np = pytest.importorskip("numpy")
    from sympy_matdiff import codegen, codegen_function
    f, Ws, x = network(widths)
    source = codegen(f, tuple(Ws), named=True)
    L = len(Ws)
    assert source.count("numpy.tanh(") == L - 1      # the value reuses h_k
    for k in range(1, L):
        assert source.count(f"    z{k} = ") == 1 and source.count(f"    h{k} = ") == 1
    named, flat = (codegen_function(f, tuple(Ws), named=True),
                   codegen_function(f, tuple(Ws)))
    rng = np.random.default_rng(1)
    args = [rng.standard_normal((int(s.shape[0]), int(s.shape[1])))
            for s in sorted(f.atoms(MatrixSymbol), key=str)]
    v1, g1 = named(*args)
    v2, g2 = flat(*args)
    assert abs(v1 - v2) <= 1e-12 * abs(v2)
    for a, b in zip(g1, g2):
        assert np.allclose(a, b, rtol=1e-12, atol=0)


@pytest.mark.parametrize("case", [c for c in _scalar_cases()][::4])
def test_codegen_named_on_the_corpus(case):
    np = pytest.importorskip("numpy")
    from sympy_matdiff import CodegenError, codegen_function
    from sympy_matdiff.numeric import concrete_sizes
    c = case
    e, X = c.expr, c.wrt
    sizes = concrete_sizes(e, random.Random(0))
    e, X = e.subs(sizes), X.subs(sizes)
    try:
        flat = codegen_function(e, X)
    except CodegenError:
        return
    if "*, " in flat.source.split("):")[0]:
        return              # generic functions: keyword arguments
    try:
        named = codegen_function(e, X, named=True)
    except IdentificationError:
        return
    rng = np.random.default_rng(2)
    syms = sorted(e.free_symbols | {X}, key=str)
    args = []
    for s in syms:
        if isinstance(s, MatrixSymbol):
            r, k = int(s.shape[0]), int(s.shape[1])
            args.append(rng.uniform(-1, 1, (r, k)) + (r + 1) * np.eye(r, k)
                        * (r == k))
        else:
            args.append(rng.uniform(0.5, 1.5))
    (v1, g1), (v2, g2) = named(*args), flat(*args)
    assert np.allclose(v1, v2, rtol=1e-10, atol=1e-12)
    assert np.allclose(g1, g2, rtol=1e-10, atol=1e-12)


def test_named_derivation_shows_each_local_derivative():
    from sympy_matdiff import derivation
    f, Ws, x = network((4, 3, 2))
    steps = derivation(f, Ws[0], named=True)
    text = str(steps)
    assert text.startswith("let z1 = W1*x, h1 = tanh(z1)")
    assert text.count("the gradient of") == len(steps.local) == 3
    assert "by z1 (in its shape)" in text and "[eq. (19)]" in text
    assert text.endswith("df/dW1 = x*delta1.T")
    assert steps.result == named_derivative(f, Ws[0]).result
    for u, phi, d in steps.local:       # each local step is a checked derivative
        assert d.result == derivative(phi, u, "mixed")
    assert r"\begin{aligned}" in steps._repr_latex_() and "align*" in steps.latex()


def test_a_1x1_name_is_its_own_transpose():
    # q = vᵀAv is shared; SymPy writes its transpose vᵀAᵀv out, and the
    # local derivative gives qᵀ: both are q, and the terms collect
    from sympy import MatrixSymbol
    v, A = MatrixSymbol('v', 3, 1), MatrixSymbol('A', 3, 3)
    q = v.T * A * v
    g = named_derivative(q + q * q, v)
    (name, definition), = g.definitions
    assert definition == q and name.shape == (1, 1)
    assert str(g.result) == "(I + 2*v1)*v.T*(A + A.T)"
    assert check(q + q * q, v, result=g.doit(), points=3).ok
