"""The algebraic facts that derivations cite besides the seed's equations.

The differential rules live in :mod:`sympy_matdiff.rules`; these are the
identities used to bring a differential into the form from which the
derivative is read: the trace tricks, transposes, and vectorization.

>>> from sympy_matdiff.facts import CYCLIC
>>> CYCLIC.text
'tr(ABC) = tr(CAB)'
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    """A named identity: plain text and LaTeX."""

    text: str
    latex: str
    lead: str = r"\text{from } "     # how a LaTeX derivation cites it

    @property
    def citation(self):
        return self.text


SCALAR_IS_TRACE = Fact("x = tr(x) for a scalar", r"x=\mathrm{tr}(x)")
CYCLIC = Fact("tr(ABC) = tr(CAB)",
              r"\mathrm{tr}(\mathbf{ABC})=\mathrm{tr}(\mathbf{BCA})"
              r"=\mathrm{tr}(\mathbf{CAB})")
TRACE_TRANSPOSE = Fact("tr(A^T) = tr(A)",
                       r"\mathrm{tr}(\mathbf{A}^\top)=\mathrm{tr}(\mathbf{A})")
TRACE_HADAMARD = Fact("tr(P(A∘N)) = tr((P∘A^T)N)",
                      r"\mathrm{tr}(\mathbf{P}(\mathbf{A}\circ\mathbf{N}))="
                      r"\mathrm{tr}((\mathbf{P}\circ\mathbf{A}^\top)\mathbf{N})")
TRACE_DIAG = Fact("tr(P diag(v)) = (diagonal of P)^T v",
                  r"\mathrm{tr}(\mathbf{P}\operatorname{diag}(\mathbf{v}))="
                  r"\sum_i P_{ii} v_i")
TRACE_SCALAR = Fact("tr(sA) = s tr(A)",
                    r"\mathrm{tr}(s\mathbf{A})=s\,\mathrm{tr}(\mathbf{A})")
TRACE_KRONECKER = Fact("tr(A⊗B) = tr(A) tr(B)",
                       r"\mathrm{tr}(\mathbf{A}\otimes\mathbf{B})="
                       r"\mathrm{tr}(\mathbf{A})\mathrm{tr}(\mathbf{B})")
TRANSPOSE_SCALAR = Fact("x^T y = y^T x", r"\mathbf{x}^\top \mathbf{y}="
                        r"\mathbf{y}^\top \mathbf{x}")
FOLD_TRANSPOSE = Fact("A^T + B^T = (A + B)^T",
                      r"\mathbf{A}^\top+\mathbf{B}^\top=(\mathbf{A}+\mathbf{B})^\top")
CANCEL = Fact("x^-1 x = 1", r"x^{-1}x=1")
HADAMARD_VECTOR = Fact("x^T(y∘z) = (x∘y)^T z",
                       r"\mathbf{x}^\top(\mathbf{y}\circ\mathbf{z})="
                       r"(\mathbf{x}\circ\mathbf{y})^\top\mathbf{z}")
HADAMARD_TRANSPOSE = Fact("(A∘B)^T = A^T∘B^T",
                          r"(\mathbf{A}\circ\mathbf{B})^\top="
                          r"\mathbf{A}^\top\circ\mathbf{B}^\top")
DISTRIBUTE = Fact("distributivity", r"\text{distributivity}", "")
COLLECT = Fact("collecting like terms", r"\text{collecting like terms}", "")
VEC_TRACE = Fact("J vec(dX) = tr(G dX) with G^T = unvec(J^T)",
                 r"\mathbf{J}\,\mathrm{vec}(d\mathbf{X})=\mathrm{tr}(\mathbf{G}"
                 r"\,d\mathbf{X}),\ \mathbf{G}^\top=\mathrm{unvec}(\mathbf{J}^\top)")
VEC = Fact("vec(AXB) = (B^T⊗A) vec(X), vec(X^T) = K vec(X), "
           "vec(A∘X) = diag(vec A) vec(X)",
           r"\mathrm{vec}(\mathbf{AXB})=(\mathbf{B}^\top\otimes\mathbf{A})"
           r"\mathrm{vec}(\mathbf{X})")


@dataclass(frozen=True)
class Definition:
    """One of the seed's identities 1 (eq. 1-6): how a derivative is read off."""

    eq: str
    latex: str

    @property
    def citation(self):
        return f"eq. ({self.eq})"


IDENTITIES_1 = {d.eq: d for d in [
    Definition("1", r"dy=\frac{dy}{dx}dx"),
    Definition("2", r"dy=\frac{dy}{d\mathbf{x}}d\mathbf{x}"),
    Definition("3", r"dy=\mathrm{tr}(\frac{dy}{d\mathbf{X}}d\mathbf{X})"),
    Definition("4", r"d\mathbf{y}=\frac{d\mathbf{y}}{dx}dx"),
    Definition("5", r"d\mathbf{y}=\frac{d\mathbf{y}}{d\mathbf{x}}d\mathbf{x}"),
    Definition("6", r"d\mathbf{Y}=\frac{d\mathbf{Y}}{dx}dx"),
]}
