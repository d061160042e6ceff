"""A corpus of matrix-calculus cases, as data: expression, variable, answer.

Each :class:`Case` names an expression, the symbol to differentiate it by and,
where the textbook answer is certain, that answer in NUMERATOR layout (the
plugin's default): a scalar by a vector x (n x 1) gives 1 x n, a scalar by a
matrix X (p x q) gives q x p, a vector y (m x 1) by x gives m x n, a matrix by
a scalar keeps its shape, a matrix F (m x n) by X gives d vec F / d vec(X)^T,
(mn) x (pq).  A Hessian of a scalar by x is n x n, by X (pq) x (pq) in vec
order.  Textbooks (the Matrix Cookbook, Wikipedia's tables in denominator
layout) mostly give the transpose; ``expected`` is converted.  ``expected``
is given only where a canonical form can be asked to reproduce it; textbook
results that need an identity such as sigma' = sigma (1 - sigma) or
adj(X) = det(X) X^-1 to match are kept apart in ``EQUIVALENT_FORMS``.  Every
``expected`` and every equivalent form was checked against central finite
differences.

Shapes are rectangular and mutually different wherever the mathematics allows
(A 2x3, X 3x4, B 4x2, vectors of lengths 3, 4, 5), so that a transposed or
swapped factor cannot pass unnoticed; square matrices appear only where
inverses, determinants, powers or traces of squares need them.  The numeric
checks draw square matrices as (entries in [-1, 1]) + (size + 1) I, where every
inverse, determinant and logarithm below is well defined.

The sources are listed in ``corpus_notes.md``.

>>> len(CASES) >= 110
True
>>> sorted({c.kind for c in CASES})
['derivative', 'hessian']
"""
from dataclasses import dataclass

from sympy import (Function, HadamardPower, HadamardProduct, Identity,
                   KroneckerProduct, Lambda, MatAdd, MatMul, MatrixSymbol,
                   OneMatrix, Rational, Symbol, Trace, Transpose, ZeroMatrix,
                   cos, det, exp, log, sin, sqrt, tanh)
from sympy.matrices.expressions.diagonal import DiagMatrix

from sympy_matdiff import adj, scalar_function
from sympy_matdiff.functions import sigmoid as named_sigmoid
from sympy_matdiff.functions import softmax as named_softmax


@dataclass(frozen=True)
class Case:
    name: str          # short unique id, e.g. "cookbook-2.4.1-tr-AX"
    source: str        # e.g. "Matrix Cookbook (2012) eq. (100)", "seed E.g. 2"
    expr: object       # a SymPy expression (MatrixExpr or scalar Expr)
    wrt: object        # a MatrixSymbol or Symbol to differentiate with respect to
    kind: str = "derivative"   # "derivative" or "hessian"
    expected: object = None    # optional: the exact result in NUMERATOR layout


# Textbook results that are right (checked against finite differences like
# every ``expected``) but that no canonical form can be asked to reproduce:
# they need sigma' = sigma (1 - sigma), adj(X) = det(X) X^-1, the symmetry of
# X^T C X, ||v|| = sqrt(tr(v^T v)) or the like.  Keyed by case name; use them
# as ``check(case.expr, case.wrt, result=form)``, not for exact comparison.
EQUIVALENT_FORMS = {}


def case(name, source, expr, wrt, expected=None, equivalent=None):
    """A first-derivative case."""
    if equivalent is not None:
        EQUIVALENT_FORMS[name] = equivalent
    return Case(name, source, expr, wrt, "derivative", expected)


def hess(name, source, expr, wrt, expected=None, equivalent=None):
    """A Hessian case (``expr`` a scalar)."""
    if equivalent is not None:
        EQUIVALENT_FORMS[name] = equivalent
    return Case(name, source, expr, wrt, "hessian", expected)


def sq(v):
    """``v^T v``, the squared two-norm of a vector, as a 1x1 matrix."""
    return v.T * v


def frob2(M):
    """``||M||_F^2 = tr(M^T M)``."""
    return Trace(M.T * M)


def norm(v):
    """``||v||_2`` as a scalar (for writing expected results)."""
    return sqrt(Trace(v.T * v))


def cookbook(eq):
    return f"Matrix Cookbook (2012) eq. ({eq})"


# ---------------------------------------------------------------------------
# Symbols
# ---------------------------------------------------------------------------

# symbolic dimensions and scalars
n = Symbol("n", integer=True, positive=True)
m = Symbol("m", integer=True, positive=True)
t = Symbol("t")
lam = Symbol("lambda")
u = Symbol("u")

# element-wise and generic functions
sigmoid = Lambda(u, 1 / (1 + exp(-u)))
softplus = Lambda(u, log(1 + exp(u)))
sigma = Function("sigma")
l = scalar_function("l")

# vectors
x = MatrixSymbol("x", 3, 1)
a = MatrixSymbol("a", 3, 1)
b = MatrixSymbol("b", 3, 1)
c = MatrixSymbol("c", 4, 1)
e = MatrixSymbol("e", 4, 1)
d5 = MatrixSymbol("d", 5, 1)
z = MatrixSymbol("z", 4, 1)
mu = MatrixSymbol("mu", 3, 1)

# rectangular matrices
A = MatrixSymbol("A", 2, 3)
E = MatrixSymbol("E", 2, 3)
X = MatrixSymbol("X", 3, 4)
Y = MatrixSymbol("Y", 3, 4)
B = MatrixSymbol("B", 4, 2)
C = MatrixSymbol("C", 4, 3)
M = MatrixSymbol("M", 4, 3)
D = MatrixSymbol("D", 5, 3)
G = MatrixSymbol("G", 4, 5)
Z = MatrixSymbol("Z", 4, 3)        # a tall variable: Z^T Z is invertible

# square matrices
S = MatrixSymbol("S", 3, 3)        # the square variable
P = MatrixSymbol("P", 3, 3)
Q = MatrixSymbol("Q", 3, 3)
F = MatrixSymbol("F", 4, 4)
H = MatrixSymbol("H", 4, 4)
T = MatrixSymbol("T", 2, 2)
Sigma = MatrixSymbol("Sigma", 3, 3)

# the seed's examples (shapes as in sympy_matdiff/examples.py)
W23 = MatrixSymbol("W", 2, 3)
b2 = MatrixSymbol("b", 2, 1)
X33 = MatrixSymbol("X", 3, 3)
W1 = MatrixSymbol("W1", 4, 3)
W2 = MatrixSymbol("W2", 2, 4)

# machine learning: 5 samples, 3 features, 4 classes, 2 outputs
X5 = MatrixSymbol("X", 5, 3)       # data
A5 = MatrixSymbol("A", 5, 3)       # least-squares design matrix
b5 = MatrixSymbol("b", 5, 1)
w = MatrixSymbol("w", 3, 1)
y5 = MatrixSymbol("y", 5, 1)
Wt5 = MatrixSymbol("W", 5, 5)      # least-squares weights
W = MatrixSymbol("W", 4, 3)        # softmax weights, 4 classes
yk = MatrixSymbol("y", 4, 1)       # softmax labels
y2 = MatrixSymbol("y", 2, 1)       # network targets
b1 = MatrixSymbol("b1", 4, 1)      # network biases
b2n = MatrixSymbol("b2", 2, 1)
W2b = MatrixSymbol("W2", 5, 4)     # three-layer network
W3b = MatrixSymbol("W3", 2, 5)
R = MatrixSymbol("R", 5, 4)        # matrix factorisation R ~ U V^T
U = MatrixSymbol("U", 5, 2)
V = MatrixSymbol("V", 4, 2)
Wm = MatrixSymbol("W", 3, 2)       # multi-output regression
Ym = MatrixSymbol("Y", 5, 2)

# Kronecker vectors
p6 = MatrixSymbol("p", 6, 1)
q12 = MatrixSymbol("q", 12, 1)

# symbolic dimensions
xn = MatrixSymbol("x", n, 1)
Xn = MatrixSymbol("X", n, n)
Sn = MatrixSymbol("S", n, n)
An = MatrixSymbol("A", 2, n)
Xnm = MatrixSymbol("X", n, m)
Bmn = MatrixSymbol("B", m, n)
Bm3 = MatrixSymbol("B", m, 3)
Amn = MatrixSymbol("A", m, n)
bm = MatrixSymbol("b", m, 1)
ym = MatrixSymbol("y", m, 1)
wn = MatrixSymbol("w", n, 1)
Xmn = MatrixSymbol("X", m, n)
Wmn = MatrixSymbol("W", m, n)

# ---------------------------------------------------------------------------
# Sub-expressions used by several cases
# ---------------------------------------------------------------------------

Ut = P + t * Q                                  # a square matrix function of t
Fs = F + F.T                                    # symmetric 4x4
Hs = H + H.T                                    # symmetric 4x4
K_sym = Z.T * Fs * Z                            # 3x3, symmetric, invertible
K_gen = Z.T * F * Z                             # 3x3, invertible

# logistic regression: s = sigmoid(X w)
s5 = (X5 * w).applyfunc(sigmoid)
s5n = named_sigmoid(X5 * w)     # what prepare() recognises s5 as
ones5 = OneMatrix(5, 1)
logistic = (-y5.T * s5.applyfunc(log)
            - (ones5 - y5).T * (ones5 - s5).applyfunc(log))
logistic_softplus = OneMatrix(1, 5) * (X5 * w).applyfunc(softplus) - y5.T * X5 * w

# softmax cross-entropy with logits z = W x
zW = W * x
expz = zW.applyfunc(exp)
softmax_p = expz * (OneMatrix(1, 4) * expz)**-1
softmax_pn = named_softmax(zW)
cross_entropy = log(OneMatrix(1, 4) * expz) - Trace(yk.T * zW)
softmax_z = z.applyfunc(exp) * (OneMatrix(1, 4) * z.applyfunc(exp))**-1

# Gaussian negative log-likelihood (up to constants and a factor 1/2)
gauss_nll = log(det(Sigma)) + Trace((x - mu).T * Sigma**-1 * (x - mu))

# least squares
residual = A5 * x - b5
lsq = sq(residual)

# two-layer networks
net2_seed = l(W2 * (W1 * x).applyfunc(sigma))
net2_bias = l(W2 * (W1 * x + b1).applyfunc(tanh) + b2n)
h_sig = (W1 * x).applyfunc(sigmoid)
h_sign = named_sigmoid(W1 * x)
net2_sq = sq(W2 * h_sig - y2)

# three-layer networks
net3 = l(W3b * (W2b * (W1 * x).applyfunc(tanh)).applyfunc(sigma))
net3_sq = sq(W3b * (W2b * (W1 * x).applyfunc(tanh)).applyfunc(sigmoid) - y2)

# the two-norm of x - a
dist = sqrt(sq(x - a))

# ---------------------------------------------------------------------------
# The seed, "Matrix calculus via differentials", E.g. 1-6
# ---------------------------------------------------------------------------

SEED = [
    case("seed-eg1-xTx", "seed E.g. 1", x.T * x, x, 2 * x.T),
    case("seed-eg2-norm-Wx-b", "seed E.g. 2", sq(W23 * x + b2), W23,
         2 * x * (W23 * x + b2).T),
    case("seed-eg3-logdet", "seed E.g. 3", log(det(X33)), X33, X33**-1),
    case("seed-eg4-tr-AXB", "seed E.g. 4", Trace(A * X * B), X, B * A),
    case("seed-eg5-net-W2", "seed E.g. 5", net2_seed, W2),
    case("seed-eg5-net-W1", "seed E.g. 5", net2_seed, W1),
    case("seed-eg6-inverse", "seed E.g. 6", X33**-1, X33,
         -KroneckerProduct((X33**-1).T, X33**-1)),
]

# ---------------------------------------------------------------------------
# Matrix Cookbook (Petersen & Pedersen, Nov 15 2012), section 2
# ---------------------------------------------------------------------------

# 2.1 Basic rules (33)-(45), mostly as derivatives by a scalar t
COOKBOOK_BASIC = [
    case("cookbook-2.1-36-tr-of-square", cookbook(36), Trace(Ut**2), t,
         2 * Trace(Ut * Q)),
    case("cookbook-2.1-37-product", cookbook(37), (A + t * E) * (X + t**2 * Y), t,
         E * (X + t**2 * Y) + 2 * t * (A + t * E) * Y),
    case("cookbook-2.1-38-hadamard", cookbook(38),
         HadamardProduct(X + t * Y, exp(t) * X), t,
         HadamardProduct(Y, exp(t) * X) + HadamardProduct(X + t * Y, exp(t) * X)),
    case("cookbook-2.1-39-kronecker", cookbook(39),
         KroneckerProduct(t * A, X + t * Y), t,
         KroneckerProduct(A, X + t * Y) + KroneckerProduct(t * A, Y)),
    case("cookbook-2.1-40-inverse", cookbook(40), Ut**-1, t,
         -Ut**-1 * Q * Ut**-1),
    case("cookbook-2.1-41-det-adj", cookbook(41), det(S * P), S,
         equivalent=P * adj(S * P)),
    case("cookbook-2.1-42-det", cookbook("42") + ", (46)", det(Ut), t,
         det(Ut) * Trace(Ut**-1 * Q)),
    case("cookbook-2.1-43-logdet", cookbook(43), log(det(Ut)), t,
         Trace(Ut**-1 * Q)),
    case("cookbook-2.1-44-transpose", cookbook(44), (t * X + t**2 * Y).T, t,
         (X + 2 * t * Y).T),
]

# 2.1.2 Derivatives of a determinant (49)-(58)
COOKBOOK_DET = [
    case("cookbook-2.1.2-49-det", cookbook(49), det(S), S, det(S) * S**-1),
    case("cookbook-2.1.2-51-det-AXB", cookbook(51), det(P * S * Q), S,
         det(P * S * Q) * S**-1),
    case("cookbook-2.1.2-52-det-XtAX-square", cookbook(52), det(S.T * P * S), S,
         2 * det(S.T * P * S) * S**-1),
    case("cookbook-2.1.2-53-det-XtAX-symmetric", cookbook(53), det(K_sym), Z,
         2 * det(K_sym) * K_sym**-1 * Z.T * Fs),
    case("cookbook-2.1.2-54-det-XtAX-general", cookbook(54), det(K_gen), Z,
         det(K_gen) * (K_gen**-1 * Z.T * F + (Z.T * F.T * Z)**-1 * Z.T * F.T)),
    case("cookbook-2.1.2-55-logdet-XtX", cookbook(55), log(det(Z.T * Z)), Z,
         2 * (Z.T * Z)**-1 * Z.T),
    case("cookbook-2.1.2-58-det-Xk", cookbook(58), det(S**3), S,
         3 * det(S**3) * S**-1),
]

# 2.2 Derivatives of an inverse (59)-(64)
COOKBOOK_INV = [
    case("cookbook-2.2-59-inverse-of-t", cookbook(59), (P + t**2 * Q)**-1, t,
         -(P + t**2 * Q)**-1 * (2 * t * Q) * (P + t**2 * Q)**-1),
    case("cookbook-2.2-60-inverse-entries", cookbook(60), (S + P)**-1, S,
         -KroneckerProduct(((S + P)**-1).T, (S + P)**-1)),
    case("cookbook-2.2-61-aT-Xinv-b", cookbook(61), a.T * S**-1 * b, S,
         -S**-1 * b * a.T * S**-1),
    case("cookbook-2.2-62-det-Xinv", cookbook(62), det(S**-1), S,
         -det(S**-1) * S**-1),
    case("cookbook-2.2-63-tr-A-Xinv-B", cookbook(63), Trace(P * S**-1 * Q), S,
         -S**-1 * Q * P * S**-1),
    case("cookbook-2.2-64-tr-inv-X-plus-A", cookbook(64), Trace((S + P)**-1), S,
         -(S + P)**-2),
]

# 2.4 Derivatives of matrices, vectors and scalar forms (69)-(97)
COOKBOOK_FORMS = [
    case("cookbook-2.4.1-69-xTa", cookbook(69), x.T * a, x, a.T),
    case("cookbook-2.4.1-69-aTx", cookbook(69), a.T * x, x, a.T),
    case("cookbook-2.4.1-70-aTXb", cookbook(70), a.T * X * c, X, c * a.T),
    case("cookbook-2.4.1-71-aTXTb", cookbook(71), c.T * X.T * a, X, c * a.T),
    case("cookbook-2.4.1-72-aTXa", cookbook(72), a.T * S * a, S, a * a.T),
    case("cookbook-2.4.1-72-aTXTa", cookbook(72), a.T * S.T * a, S, a * a.T),
    case("cookbook-2.4.2-77-bTXTXc", cookbook(77), c.T * X.T * X * e, X,
         (e * c.T + c * e.T) * X.T),
    case("cookbook-2.4.2-78-affine-bilinear", cookbook(78),
         (C * x + c).T * G * (D * x + d5), x,
         (D * x + d5).T * G.T * C + (C * x + c).T * G * D),
    case("cookbook-2.4.2-81-xTBx", cookbook(81), x.T * P * x, x,
         x.T * (P + P.T)),
    case("cookbook-2.4.2-82-bTXTDXc", cookbook(82), c.T * X.T * P * X * e, X,
         e * c.T * X.T * P + c * e.T * X.T * P.T),
    case("cookbook-2.4.2-83-quadratic-Xb-c", cookbook(83),
         (X * c + a).T * P * (X * c + a), X, c * (X * c + a).T * (P + P.T)),
    case("cookbook-2.4.2-84-weighted-wrt-s", cookbook(84),
         (c - C * x).T * Fs * (c - C * x), x, -2 * (c - C * x).T * Fs * C),
    case("cookbook-2.4.2-85-weighted-wrt-x", cookbook(85),
         (x - a).T * (P + P.T) * (x - a), x, 2 * (x - a).T * (P + P.T)),
    case("cookbook-2.4.2-88-weighted-wrt-A", cookbook(88),
         (c - C * x).T * Fs * (c - C * x), C, -2 * x * (c - C * x).T * Fs),
    case("cookbook-2.4.3-91-aT-Xn-b", cookbook(91), a.T * S**3 * b, S,
         S**2 * b * a.T + S * b * a.T * S + b * a.T * S**2),
    case("cookbook-2.4.3-94-ratio", cookbook(94),
         (x.T * C.T * C * x) * (x.T * D.T * D * x)**-1, x),
    case("cookbook-2.4.4-96-gradient", cookbook(96), x.T * P * x + a.T * x, x,
         x.T * (P + P.T) + a.T),
    hess("cookbook-2.4.4-97-hessian", cookbook(97), x.T * P * x + a.T * x, x,
         P + P.T),
]

# 2.5 Derivatives of traces (99)-(128)
COOKBOOK_TRACE = [
    case("cookbook-2.5.1-99-tr-X", cookbook(99), Trace(S), S, Identity(3)),
    case("cookbook-2.5.1-100-tr-XA", cookbook(100), Trace(X * C), X, C),
    case("cookbook-2.5.1-101-tr-AXB", cookbook(101), Trace(B.T * Z * A.T), Z,
         A.T * B.T),
    case("cookbook-2.5.1-102-tr-AXTB", cookbook(102), Trace(B.T * X.T * A.T), X,
         B * A),
    case("cookbook-2.5.1-103-tr-XTA", cookbook(103), Trace(X.T * Y), X, Y.T),
    case("cookbook-2.5.1-104-tr-AXT", cookbook(104), Trace(Y * X.T), X, Y.T),
    case("cookbook-2.5.1-105-tr-kron-AX", cookbook(105),
         Trace(KroneckerProduct(T, S)), S, Trace(T) * Identity(3)),
    case("cookbook-2.5.2-106-tr-X2", cookbook(106), Trace(S**2), S, 2 * S),
    case("cookbook-2.5.2-107-tr-X2B", cookbook(107), Trace(S**2 * P), S,
         S * P + P * S),
    case("cookbook-2.5.2-108-tr-XTBX", cookbook(108), Trace(X.T * P * X), X,
         X.T * (P + P.T)),
    case("cookbook-2.5.2-109-tr-BXXT", cookbook(109), Trace(P * X * X.T), X,
         X.T * (P + P.T)),
    case("cookbook-2.5.2-110-tr-XXTB", cookbook(110), Trace(X * X.T * P), X,
         X.T * (P + P.T)),
    case("cookbook-2.5.2-111-tr-XBXT", cookbook(111), Trace(X * F * X.T), X,
         (F + F.T) * X.T),
    case("cookbook-2.5.2-112-tr-BXTX", cookbook(112), Trace(F * X.T * X), X,
         (F + F.T) * X.T),
    case("cookbook-2.5.2-113-tr-XTXB", cookbook(113), Trace(X.T * X * F), X,
         (F + F.T) * X.T),
    case("cookbook-2.5.2-114-tr-AXBX", cookbook(114), Trace(C * X * M * X), X,
         M * X * C + C * X * M),
    case("cookbook-2.5.2-115-tr-XTX", cookbook(115), Trace(X.T * X), X, 2 * X.T),
    case("cookbook-2.5.2-115-tr-XXT", cookbook(115), Trace(X * X.T), X, 2 * X.T),
    case("cookbook-2.5.2-116-tr-BTXTCXB", cookbook(116),
         Trace(B.T * X.T * P * X * B), X, B * B.T * X.T * (P + P.T)),
    case("cookbook-2.5.2-117-tr-XTBXC", cookbook(117), Trace(X.T * P * X * F), X,
         F.T * X.T * P.T + F * X.T * P),
    case("cookbook-2.5.2-118-tr-AXBXTC", cookbook(118),
         Trace(A * X * F * X.T * E.T), X,
         F * X.T * E.T * A + F.T * X.T * A.T * E),
    case("cookbook-2.5.2-119-tr-affine-square", cookbook(119),
         Trace((A * X * B + T) * (A * X * B + T).T), X,
         2 * B * (A * X * B + T).T * A),
    case("cookbook-2.5.2-120-tr-kron-XX", cookbook(120),
         Trace(KroneckerProduct(S, S)), S, 2 * Trace(S) * Identity(3)),
    case("cookbook-2.5.3-121-tr-Xk", cookbook(121), Trace(S**4), S, 4 * S**3),
    case("cookbook-2.5.3-122-tr-AXk", cookbook(122), Trace(P * S**3), S,
         P * S**2 + S * P * S + S**2 * P),
    case("cookbook-2.5.4-124-tr-A-Xinv-B", cookbook(124), Trace(A * S**-1 * E.T),
         S, -S**-1 * E.T * A * S**-1),
    case("cookbook-2.5.4-125-tr-inv-XTCX-A", cookbook(125),
         Trace(K_sym**-1 * P), Z,
         equivalent=-K_sym**-1 * (P + P.T) * K_sym**-1 * Z.T * Fs),
    case("cookbook-2.5.4-126-tr-inv-XTCX-XTBX", cookbook(126),
         Trace(K_sym**-1 * (Z.T * Hs * Z)), Z,
         equivalent=-2 * K_sym**-1 * Z.T * Hs * Z * K_sym**-1 * Z.T * Fs
         + 2 * K_sym**-1 * Z.T * Hs),
]

# 2.6 Derivatives of vector norms (129)-(130)
COOKBOOK_NORM = [
    case("cookbook-2.6-129-norm", cookbook(129), dist, x,
         equivalent=(x - a).T / norm(x - a)),
    case("cookbook-2.6-130-unit-vector", cookbook(130),
         (x - a) * sq(x - a)**Rational(-1, 2), x,
         equivalent=Identity(3) / norm(x - a) - (x - a) * (x - a).T / norm(x - a)**3),
    hess("cookbook-2.6-130-norm-hessian", cookbook(130), dist, x,
         equivalent=Identity(3) / norm(x - a) - (x - a) * (x - a).T / norm(x - a)**3),
]

# ---------------------------------------------------------------------------
# Wikipedia, "Matrix calculus", identity tables (numerator-layout column)
# ---------------------------------------------------------------------------

WIKI_SV = "Wikipedia: scalar-by-vector table"
WIKI_VV = "Wikipedia: vector-by-vector table"
WIKI_MS = "Wikipedia: matrix-by-scalar table"
WIKI_SS = "Wikipedia: scalar-by-scalar table (matrix arguments)"
WIKI_SM = "Wikipedia: scalar-by-matrix table"

WIKIPEDIA = [
    # scalar by vector
    case("wiki-sv-constant", WIKI_SV, a.T * a, x, ZeroMatrix(1, 3)),
    case("wiki-sv-a-times-u", WIKI_SV, t * (a.T * x), x, t * a.T),
    case("wiki-sv-product-uv", WIKI_SV, (a.T * x) * (c.T * C * x), x,
         c.T * C * x * a.T + a.T * x * c.T * C),
    case("wiki-sv-g-of-u", WIKI_SV, exp(a.T * x), x, exp(Trace(a.T * x)) * a.T),
    case("wiki-sv-f-of-g-of-u", WIKI_SV, log(1 + exp(a.T * x)), x,
         named_sigmoid(Trace(a.T * x)) * a.T),
    case("wiki-sv-u-dot-v", WIKI_SV, (C * x).applyfunc(tanh).T * (M * x), x),
    case("wiki-sv-bTAx", WIKI_SV, c.T * C * x, x, c.T * C),
    case("wiki-sv-xTAx-symmetric", WIKI_SV, x.T * (P + P.T) * x, x,
         2 * x.T * (P + P.T)),
    case("wiki-sv-aTxxTb", WIKI_SV, a.T * x * x.T * b, x,
         x.T * (a * b.T + b * a.T)),
    case("wiki-sv-a-dot-u", WIKI_SV, c.T * (C * x).applyfunc(sigmoid), x),
    case("wiki-sv-log-norm2", WIKI_SV, log(x.T * x), x,
         2 * x.T / Trace(x.T * x)),
    # vector by vector
    case("wiki-vv-identity", WIKI_VV, x, x, Identity(3)),
    case("wiki-vv-Ax", WIKI_VV, C * x, x, C),
    case("wiki-vv-xTA", WIKI_VV, x.T * Y, x, Y.T),
    case("wiki-vv-a-times-u", WIKI_VV, t * (C * x), x, t * C),
    case("wiki-vv-v-times-u", WIKI_VV, C * x * (a.T * x), x,
         Trace(x.T * a) * C + C * x * a.T),
    case("wiki-vv-A-times-u", WIKI_VV, C * x.applyfunc(sin), x,
         C * DiagMatrix(x.applyfunc(cos))),
    case("wiki-vv-u-plus-v", WIKI_VV, P * x + x.applyfunc(exp), x,
         P + DiagMatrix(x.applyfunc(exp))),
    case("wiki-vv-g-of-u", WIKI_VV, (C * x).applyfunc(tanh), x),
    case("wiki-vv-f-of-g-of-u", WIKI_VV, G.T * (C * x).applyfunc(tanh), x),
    # matrix by scalar
    case("wiki-ms-linear", WIKI_MS, t * A + t**2 * E, t, A + 2 * t * E),
    case("wiki-ms-exp", WIKI_MS, exp(t) * X, t, exp(t) * X),
    case("wiki-ms-inverse", WIKI_MS, (P + sin(t) * Q)**-1, t,
         -(P + sin(t) * Q)**-1 * cos(t) * Q * (P + sin(t) * Q)**-1),
    case("wiki-ms-AUB", WIKI_MS, A * (X + t * Y) * B, t, A * Y * B),
    case("wiki-ms-square", WIKI_MS, Ut**2, t, Q * Ut + Ut * Q),
    case("wiki-ms-elementwise", WIKI_MS, (t * X).applyfunc(sin), t,
         HadamardProduct(X, (t * X).applyfunc(cos))),
    case("wiki-ss-trace-quadratic", WIKI_SS,
         Trace((X + t * Y) * (X + t * Y).T), t, 2 * Trace((X + t * Y) * Y.T)),
    # scalar by matrix
    case("wiki-sm-tr-Xinv-A", WIKI_SM, Trace(S**-1 * P), S,
         -S**-1 * P * S**-1),
    case("wiki-sm-logdet-aX", WIKI_SM, log(det(2 * S)), S, S**-1),
    case("wiki-sm-det-Xk", WIKI_SM, det(S**2), S, 2 * det(S**2) * S**-1),
    case("wiki-sm-tr-Xn", WIKI_SM, Trace(S**3), S, 3 * S**2),
    case("wiki-sm-aTXTb", WIKI_SM, b.T * S.T * a, S, b * a.T),
]

# ---------------------------------------------------------------------------
# Machine learning
# ---------------------------------------------------------------------------

ML = [
    # least squares and ridge regression
    case("ml-lsq-wrt-x", "ML: least squares", lsq, x, 2 * residual.T * A5),
    case("ml-lsq-wrt-A", "ML: least squares", lsq, A5, 2 * x * residual.T),
    hess("ml-lsq-hessian-x", "ML: least squares", lsq, x, 2 * A5.T * A5),
    hess("ml-lsq-hessian-A", "ML: least squares", lsq, A5,
         2 * KroneckerProduct(x * x.T, Identity(5))),
    case("ml-ridge-wrt-x", "ML: ridge regression", lsq + lam * x.T * x, x,
         2 * residual.T * A5 + 2 * lam * x.T),
    hess("ml-ridge-hessian-x", "ML: ridge regression", lsq + lam * x.T * x, x,
         2 * A5.T * A5 + 2 * lam * Identity(3)),
    case("ml-weighted-lsq-wrt-x", "ML: weighted least squares",
         residual.T * Wt5 * residual, x, residual.T * (Wt5 + Wt5.T) * A5),
    case("ml-multi-output-regression-W", "ML: multi-output linear regression",
         frob2(X5 * Wm - Ym), Wm, 2 * (X5 * Wm - Ym).T * X5),
    hess("ml-multi-output-regression-hessian-W",
         "ML: multi-output linear regression", frob2(X5 * Wm - Ym), Wm,
         2 * KroneckerProduct(Identity(2), X5.T * X5)),
    # logistic and Poisson regression
    case("ml-logreg-wrt-w", "ML: logistic regression", logistic, w,
         MatMul(Transpose(s5n - y5), X5)),
    hess("ml-logreg-hessian-w", "ML: logistic regression", logistic, w,
         X5.T * DiagMatrix(HadamardProduct(ones5 - s5n, s5n)) * X5),
    case("ml-logreg-wrt-X", "ML: logistic regression", logistic, X5,
         MatMul(w, Transpose(s5n - y5))),
    case("ml-logreg-softplus-wrt-w", "ML: logistic regression (softplus form)",
         logistic_softplus, w, MatMul(Transpose(s5n - y5), X5)),
    case("ml-logreg-l2-wrt-w", "ML: L2-regularised logistic regression",
         logistic + lam * w.T * w, w,
         Transpose(MatAdd(2 * lam * w, MatMul(X5.T, s5n - y5)))),
    case("ml-poisson-wrt-w", "ML: Poisson regression",
         OneMatrix(1, 5) * (X5 * w).applyfunc(exp) - y5.T * X5 * w, w,
         ((X5 * w).applyfunc(exp) - y5).T * X5),
    hess("ml-poisson-hessian-w", "ML: Poisson regression",
         OneMatrix(1, 5) * (X5 * w).applyfunc(exp) - y5.T * X5 * w, w,
         X5.T * DiagMatrix((X5 * w).applyfunc(exp)) * X5),
    # softmax cross-entropy
    case("ml-softmax-ce-wrt-W", "ML: softmax cross-entropy", cross_entropy, W,
         MatMul(x, Transpose(softmax_pn - yk))),
    case("ml-softmax-ce-wrt-x", "ML: softmax cross-entropy", cross_entropy, x,
         MatMul(Transpose(softmax_pn - yk), W)),
    hess("ml-softmax-ce-hessian-x", "ML: softmax cross-entropy", cross_entropy,
         x, W.T * (DiagMatrix(softmax_pn) - softmax_pn * softmax_pn.T) * W),
    case("ml-softmax-jacobian", "ML: softmax",
         softmax_z, z,
         DiagMatrix(named_softmax(z)) - named_softmax(z) * named_softmax(z).T),
    case("ml-log-sum-exp", "ML: log-sum-exp",
         log(OneMatrix(1, 3) * x.applyfunc(exp)), x, named_softmax(x).T),
    # Gaussian negative log-likelihood
    case("ml-gaussian-nll-wrt-mu", "ML: Gaussian negative log-likelihood",
         gauss_nll, mu, -(x - mu).T * (Sigma**-1 + (Sigma**-1).T)),
    case("ml-gaussian-nll-wrt-x", "ML: Gaussian negative log-likelihood",
         gauss_nll, x, (x - mu).T * (Sigma**-1 + (Sigma**-1).T)),
    case("ml-gaussian-nll-wrt-Sigma", "ML: Gaussian negative log-likelihood",
         gauss_nll, Sigma,
         Sigma**-1 - Sigma**-1 * (x - mu) * (x - mu).T * Sigma**-1),
    hess("ml-gaussian-nll-hessian-mu", "ML: Gaussian negative log-likelihood",
         gauss_nll, mu, Sigma**-1 + (Sigma**-1).T),
    # matrix factorisation
    case("ml-mf-wrt-U", "ML: matrix factorisation", frob2(R - U * V.T), U,
         -2 * V.T * (R - U * V.T).T),
    case("ml-mf-wrt-V", "ML: matrix factorisation", frob2(R - U * V.T), V,
         -2 * U.T * (R - U * V.T)),
    hess("ml-mf-hessian-U", "ML: matrix factorisation", frob2(R - U * V.T), U,
         2 * KroneckerProduct(V.T * V, Identity(5))),
    case("ml-mf-regularised-wrt-U", "ML: regularised matrix factorisation",
         frob2(R - U * V.T) + lam * (frob2(U) + frob2(V)), U,
         -2 * V.T * (R - U * V.T).T + 2 * lam * U.T),
    # Rayleigh quotient
    case("ml-rayleigh-quotient", "ML: Rayleigh quotient (PCA)",
         (x.T * P * x) * (x.T * x)**-1, x,
         equivalent=(x.T * (P + P.T) - 2 * Trace(x.T * P * x) / Trace(x.T * x) * x.T)
         / Trace(x.T * x)),
    # two-layer networks
    case("ml-net2-bias-wrt-W1", "ML: two-layer network (tanh, biases)",
         net2_bias, W1),
    case("ml-net2-bias-wrt-b1", "ML: two-layer network (tanh, biases)",
         net2_bias, b1),
    case("ml-net2-bias-wrt-W2", "ML: two-layer network (tanh, biases)",
         net2_bias, W2),
    case("ml-net2-bias-wrt-b2", "ML: two-layer network (tanh, biases)",
         net2_bias, b2n),
    case("ml-net2-squared-wrt-W2", "ML: two-layer network (sigmoid, squared loss)",
         net2_sq, W2, 2 * named_sigmoid(W1 * x) * (W2 * named_sigmoid(W1 * x) - y2).T),
    case("ml-net2-squared-wrt-W1", "ML: two-layer network (sigmoid, squared loss)",
         net2_sq, W1,
         MatMul(2, x, Transpose(HadamardProduct(
             W2.T * (W2 * h_sign - y2), OneMatrix(4, 1) - h_sign, h_sign)))),
    case("ml-net2-squared-wrt-x", "ML: two-layer network (sigmoid, squared loss)",
         net2_sq, x),
    hess("ml-net2-squared-hessian-W2",
         "ML: two-layer network (sigmoid, squared loss)", net2_sq, W2,
         2 * KroneckerProduct(h_sig * h_sig.T, Identity(2))),
    # three-layer networks
    case("ml-net3-wrt-W1", "ML: three-layer network (tanh, sigma)", net3, W1),
    case("ml-net3-wrt-W2", "ML: three-layer network (tanh, sigma)", net3, W2b),
    case("ml-net3-wrt-W3", "ML: three-layer network (tanh, sigma)", net3, W3b),
    case("ml-net3-squared-wrt-W1",
         "ML: three-layer network (tanh, sigmoid, squared loss)", net3_sq, W1),
    case("ml-net3-squared-wrt-x",
         "ML: three-layer network (tanh, sigmoid, squared loss)", net3_sq, x),
]

# ---------------------------------------------------------------------------
# Kronecker products
# ---------------------------------------------------------------------------

KRON = "Kronecker product (Magnus & Neudecker)"

KRONECKER = [
    case("kron-AX-wrt-X", KRON, KroneckerProduct(A, X), X),
    case("kron-XB-wrt-X", KRON, KroneckerProduct(X, B), X),
    case("kron-bilinear", KRON, p6.T * KroneckerProduct(A, X) * q12, X),
    case("kron-tr-X-PX", KRON, Trace(KroneckerProduct(S, P * S)), S,
         Trace(P * S) * Identity(3) + Trace(S) * P),
    case("kron-vector-x-a", KRON, KroneckerProduct(x, a), x,
         KroneckerProduct(Identity(3), a)),
    case("kron-det", KRON, det(KroneckerProduct(T, S)), S,
         2 * det(KroneckerProduct(T, S)) * S**-1),
    case("kron-logdet", KRON, log(det(KroneckerProduct(T, S))), S, 2 * S**-1),
]

# ---------------------------------------------------------------------------
# Hadamard products and element-wise functions
# ---------------------------------------------------------------------------

HAD = "Hadamard product"
ELT = "element-wise function"

HADAMARD = [
    case("hadamard-aT-XoY-c", HAD, a.T * HadamardProduct(X, Y) * c, X,
         HadamardProduct(c * a.T, Y.T)),
    case("hadamard-tr-XoY-C", HAD, Trace(HadamardProduct(X, Y) * C), X,
         HadamardProduct(C, Y.T)),
    case("hadamard-sum-of-squares-x", HAD, OneMatrix(1, 3) * HadamardPower(x, 2),
         x, 2 * x.T),
    case("hadamard-frobenius-X", HAD,
         OneMatrix(1, 3) * HadamardPower(X, 2) * OneMatrix(4, 1), X, 2 * X.T),
    case("hadamard-xoa", HAD, HadamardProduct(x, a), x, DiagMatrix(a)),
    case("hadamard-xox", HAD, HadamardProduct(x, x), x, 2 * DiagMatrix(x)),
    case("hadamard-cube", HAD, HadamardPower(x, 3), x,
         3 * DiagMatrix(HadamardPower(x, 2))),
    case("hadamard-Cx-o-Mx", HAD, HadamardProduct(C * x, M * x), x,
         DiagMatrix(M * x) * C + DiagMatrix(C * x) * M),
    case("hadamard-XoY-wrt-X", HAD, HadamardProduct(X, Y), X),
    case("hadamard-power-X", HAD, HadamardPower(X, 2), X),
    case("elementwise-sum-log1p-x2", ELT,
         OneMatrix(1, 3) * (HadamardPower(x, 2) + OneMatrix(3, 1)).applyfunc(log),
         x),
    case("elementwise-tr-sin", ELT, Trace(S.applyfunc(sin)), S,
         HadamardProduct(Identity(3), S.applyfunc(cos))),
    case("elementwise-sum-exp", ELT,
         OneMatrix(1, 3) * X.applyfunc(exp) * OneMatrix(4, 1), X,
         X.applyfunc(exp).T),
    case("elementwise-tr-P-tanh", ELT, Trace(P * S.applyfunc(tanh)), S),
    case("elementwise-sigma-X", ELT, X.applyfunc(sigma), X),
    case("elementwise-sigmoid-Wx", ELT, (W * x).applyfunc(sigmoid), x),
    case("elementwise-tanh-Wx-c", ELT, (W * x + c).applyfunc(tanh), x),
    case("elementwise-exp-x", ELT, x.applyfunc(exp), x,
         DiagMatrix(x.applyfunc(exp))),
]

# ---------------------------------------------------------------------------
# The adjugate
# ---------------------------------------------------------------------------

ADJ = "adjugate, adj(X) = det(X) X^-1"

ADJUGATE = [
    case("adj-trace", ADJ, Trace(adj(S)), S),
    case("adj-wrt-X", ADJ, adj(S), S),
    case("adj-bilinear", ADJ, a.T * adj(S) * b, S),
    case("adj-times-x", ADJ, adj(S) * x, x, adj(S)),
    case("adj-logdet", ADJ, log(det(adj(S))), S,
         equivalent=2 * S**-1),
    case("adj-of-t", ADJ, adj(Ut), t),
]

# ---------------------------------------------------------------------------
# Matrix by matrix: d vec F / d vec(X)^T
# ---------------------------------------------------------------------------

MBM = "matrix-by-matrix, vec rule (Magnus & Neudecker)"

MATRIX_BY_MATRIX = [
    case("mm-AXB", MBM, A * X * B, X, KroneckerProduct(B.T, A)),
    case("mm-XB", MBM, X * B, X, KroneckerProduct(B.T, Identity(3))),
    case("mm-AX", MBM, A * X, X, KroneckerProduct(Identity(4), A)),
    case("mm-tX", MBM, t * X, X, t * Identity(12)),
    case("mm-XT", MBM, X.T, X),
    case("mm-XX", MBM, S * S, S,
         KroneckerProduct(S.T, Identity(3)) + KroneckerProduct(Identity(3), S)),
    case("mm-XTX", MBM, X.T * X, X),
    case("mm-XTPX", MBM, X.T * P * X, X),
    case("mm-X3", MBM, S**3, S),
    case("mm-inverse-of-product", MBM, (S * P)**-1, S,
         -KroneckerProduct((P * (S * P)**-1).T, (S * P)**-1)),
    case("mm-sigmoid-X", MBM, X.applyfunc(sigmoid), X),
]

# ---------------------------------------------------------------------------
# Symbolic dimensions
# ---------------------------------------------------------------------------

SYM = "symbolic dimensions"

SYMBOLIC = [
    case("sym-tr-AXAT", SYM, Trace(An * Xn * An.T), Xn, An.T * An),
    case("sym-xTx", SYM, xn.T * xn, xn, 2 * xn.T),
    case("sym-logdet", SYM, log(det(Xn)), Xn, Xn**-1),
    case("sym-det", SYM, det(Xn), Xn, det(Xn) * Xn**-1),
    case("sym-tr-inverse", SYM, Trace(Xn**-1), Xn, -Xn**-2),
    case("sym-tr-XB", SYM, Trace(Xnm * Bmn), Xnm, Bmn),
    case("sym-frobenius", SYM, frob2(Xnm), Xnm, 2 * Xnm.T),
    case("sym-lsq", SYM, sq(Amn * xn - bm), xn, 2 * (Amn * xn - bm).T * Amn),
    hess("sym-hessian-xTSx", SYM, xn.T * Sn * xn, xn, Sn + Sn.T),
    case("sym-inverse", SYM, Xn**-1, Xn, -KroneckerProduct((Xn**-1).T, Xn**-1)),
    case("sym-AXB", SYM, An * Xnm * Bm3, Xnm, KroneckerProduct(Bm3.T, An)),
    case("sym-logreg", SYM,
         -ym.T * (Xmn * wn).applyfunc(sigmoid).applyfunc(log)
         - (OneMatrix(m, 1) - ym).T
         * (OneMatrix(m, 1) - (Xmn * wn).applyfunc(sigmoid)).applyfunc(log),
         wn, MatMul(Transpose(named_sigmoid(Xmn * wn) - ym), Xmn)),
    case("sym-tanh-Wx", SYM, (Wmn * xn).applyfunc(tanh), xn),
]

# ---------------------------------------------------------------------------
# More Hessians
# ---------------------------------------------------------------------------

HESS = "Hessian, d^2 f = vec(dX)^T H vec(dX)"

HESSIANS = [
    hess("hess-xTAx", HESS, x.T * P * x, x, P + P.T),
    hess("hess-aTxxTb", HESS, a.T * x * x.T * b, x, a * b.T + b * a.T),
    hess("hess-exp-aTx", HESS, exp(a.T * x), x, exp(Trace(a.T * x)) * a * a.T),
    hess("hess-tr-XTAX", HESS, Trace(X.T * P * X), X,
         KroneckerProduct(Identity(4), P + P.T)),
    hess("hess-tr-XBXT", HESS, Trace(X * F * X.T), X,
         KroneckerProduct(F + F.T, Identity(3))),
    hess("hess-tr-AXB-is-zero", HESS, Trace(A * X * B), X, ZeroMatrix(12, 12)),
    hess("hess-logdet", HESS, log(det(S)), S),
    hess("hess-tr-X2", HESS, Trace(S**2), S),
    hess("hess-det", HESS, det(S), S),
    hess("hess-tr-inverse", HESS, Trace(S**-1), S),
]

# ---------------------------------------------------------------------------

CASES = (SEED + COOKBOOK_BASIC + COOKBOOK_DET + COOKBOOK_INV + COOKBOOK_FORMS
         + COOKBOOK_TRACE + COOKBOOK_NORM + WIKIPEDIA + ML + KRONECKER + HADAMARD
         + ADJUGATE + MATRIX_BY_MATRIX + SYMBOLIC + HESSIANS)

BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "case names must be unique"
