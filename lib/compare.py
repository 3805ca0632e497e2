"""Every conv kind on the same layer settings, side by side.

``compare_kinds(k, w, c, H, W, ...)`` runs :func:`lib.conv.analyze` once per kind and
returns one :class:`CompareRow` per kind: the result, or the ``ConvError`` message when a
kind cannot be built with these settings (the row stays, with the reason). Ratios are to
the standard conv on the same settings. Any rank, as :func:`lib.conv.analyze`: ``W`` alone
is a 1D sequence (``H=None``), ``D=`` adds a third axis; a kind that does not exist at that
rank (spatially separable in 1D, Keras's SeparableConv in 3D) keeps its row with the error.

``separable_theory`` is the classic "why is a depthwise separable conv cheaper" ratio:
exactly ``(c·K·m + c·m·k + b·k) / (k·(K·c + b))`` for a depthwise separable conv with one
bias vector (Keras's SeparableConv1D/2D) against a standard conv, where ``K`` is the
product of the kernel sizes (kh·kw in 2D, kd·kh·kw in 3D). It tends to ``m/k + m/K``
(``1/k + 1/(kh·kw)`` at m = 1 in 2D) as the number of input channels c grows.

Nothing here imports streamlit: the compare page only renders what this module builds.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from lib.conv import (AXES, KINDS, ConvError, ConvResult, IntPair, analyze, kind_label,
                      spatial_rank)
from lib.explain import aligned
from lib.state import COMPARE_CONTROLS, Control, conv_kwargs, parse_explorer_query
from lib.text import compare_counts, fmt_int, fmt_shape, tex_int

#: Kinds that take a ``groups`` argument.
GROUPED_KINDS = frozenset({"grouped", "transposed"})

#: Largest group count the automatic choice picks.
AUTO_GROUPS_CAP = 4

#: What each kind buys and what it costs (shown under the table, one line per kind).
TRADEOFFS: dict[str, str] = {
    "standard": (
        "The baseline: every filter has its own spatial pattern for every input channel. "
        "The most expressive of all: every other kind is a restricted (or transposed) "
        "version of it."),
    "pointwise": (
        "Mixes channels only: each output pixel sees a single input pixel, so it learns no "
        "spatial pattern (no edges, no textures). Used to change the number of channels "
        "(bottlenecks) and as the second half of a separable conv."),
    "grouped": (
        "Each filter sees only the c/g channels of its group, which divides the weights and "
        "MACs by g, but the groups never exchange information unless a 1×1 conv or a "
        "channel shuffle follows. ResNeXt uses many groups (cardinality); AlexNet split its "
        "layers into two groups to fit on two GPUs."),
    "depthwise": (
        "One spatial filter per input channel (× depth multiplier): channels never mix, so "
        "it is normally followed by a 1×1 conv. k is not used: C_out = c × m."),
    "separable_keras": (
        "Depthwise separable: a depthwise conv learns spatial patterns, a 1×1 conv learns how "
        "to mix channels. Separating spatial and cross-channel learning is the idea behind "
        "Xception and MobileNet; for many input channels its count tends to 1/k + 1/(w·w) "
        "of a standard conv's."),
    "separable_pytorch": (
        "The same factorisation built from two nn.Conv2d layers. Each layer has its own bias "
        "(with bias on), where Keras's SeparableConv2D has one bias vector."),
    "shared_channels": (
        "Its parameter count does not depend on c, but it assumes the "
        "channels carry similar patterns: the channels are summed first, so the layer cannot "
        "tell them apart. A poor fit for RGB, where a red edge and a blue edge differ."),
    "transposed": (
        "Upsamples (at stride > 1): each input cell scatters a kernel into the output "
        "(decoders, segmentation, GAN generators). Its weight tensor is a standard conv's "
        "(same c, k and w, at groups = 1) transposed; uneven overlaps can cause checkerboard "
        "artefacts."),
    "spatially_separable": (
        "A kh×1 conv then a 1×kw conv: it can only represent rank-1 "
        "kernels (outer products of a column and a row, like the Sobel filter), not an "
        "arbitrary w×w pattern."),
}


def auto_groups(c: object, k: object, cap: int = AUTO_GROUPS_CAP) -> int:
    """The largest divisor of gcd(c, k) that is at most ``cap`` (1 for invalid input).

    >>> auto_groups(3, 10), auto_groups(64, 128), auto_groups(6, 9), auto_groups(10, 25)
    (1, 4, 3, 1)
    """
    if (isinstance(c, bool) or isinstance(k, bool) or not isinstance(c, int)
            or not isinstance(k, int) or c < 1 or k < 1):
        return 1
    g = math.gcd(c, k)
    return max(d for d in range(1, min(g, cap) + 1) if g % d == 0)


def groups_for(kind: str, c: object, k: object, padding: object, groups: int | None) -> int:
    """The ``groups`` the compare table passes to ``kind``.

    ``groups=None`` means automatic: :func:`auto_groups` for a grouped conv and for a
    PyTorch transposed conv (int padding); a Keras transposed conv ('valid'/'same') has no
    groups, so 1. An explicit ``groups`` goes to both grouped kinds as given (the row shows
    the error if it does not fit). Other kinds always get 1.
    """
    if kind not in GROUPED_KINDS:
        return 1
    if groups is not None:
        return groups
    if kind == "transposed" and isinstance(padding, str):
        return 1
    return auto_groups(c, k)


@dataclass(frozen=True)
class CompareRow:
    """One kind on the shared settings: the result, or why it cannot be built."""

    kind: str
    label: str
    result: ConvResult | None
    error: str | None
    groups: int | None  # the groups passed, for grouped kinds only
    params_ratio: Fraction | None  # params / standard params
    macs_ratio: Fraction | None  # MACs / standard MACs
    tradeoff: str
    rank: int = 2  # spatial axes of the settings: 1, 2 or 3

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def params(self) -> int | None:
        return None if self.result is None else self.result.params

    @property
    def macs(self) -> int | None:
        return None if self.result is None else self.result.macs

    @property
    def output_shape(self) -> tuple[int, ...] | None:
        return None if self.result is None else self.result.output_shape


def rank_of(kwargs: Mapping[str, object]) -> int:
    """Spatial axes the settings describe: 3 with D, 2 with H (and W), 1 with W alone."""
    return spatial_rank(kwargs.get("H"), kwargs.get("D"))


def compare_kinds(k: int, w: IntPair, c: int, H: int | None, W: int, stride: IntPair = 1,
                  padding: str | IntPair = "valid", dilation: IntPair = 1,
                  groups: int | None = None, bias: bool = True, depth_multiplier: int = 1,
                  output_padding: IntPair = 0,
                  kinds: Sequence[str] = KINDS, *, D: int | None = None) -> list[CompareRow]:
    """One row per kind (in ``kinds`` order) on the same settings; never raises ConvError.

    ``groups=None`` picks the groups automatically (see :func:`groups_for`). ``H=None`` is
    a 1D sequence of length W; ``D`` makes it 3D (D, H, W).
    """
    common = dict(k=k, w=w, c=c, H=H, W=W, stride=stride, padding=padding,
                  dilation=dilation, bias=bias, depth_multiplier=depth_multiplier,
                  output_padding=output_padding, D=D)
    rank = rank_of(common)
    results: dict[str, tuple[ConvResult | None, str | None, int]] = {}
    for kind in dict.fromkeys(("standard", *kinds)):
        g = groups_for(kind, c, k, padding, groups)
        try:
            results[kind] = (analyze(kind, groups=g, **common), None, g)  # type: ignore[arg-type]
        except ConvError as err:
            results[kind] = (None, str(err), g)
    std = results["standard"][0]
    rows = []
    for kind in kinds:
        result, error, g = results[kind]
        both = result is not None and std is not None
        rows.append(CompareRow(
            kind=kind, label=kind_label(kind, rank), result=result, error=error,
            groups=g if kind in GROUPED_KINDS else None,
            params_ratio=Fraction(result.params, std.params) if both else None,
            macs_ratio=Fraction(result.macs, std.macs) if both and std.macs else None,
            tradeoff=TRADEOFFS[kind], rank=rank))
    return rows


def results_by_kind(rows: Sequence[CompareRow]) -> dict[str, ConvResult]:
    """The kinds that could be built, as {kind: ConvResult} (what the params figure takes)."""
    return {row.kind: row.result for row in rows if row.result is not None}


def versus(row: CompareRow, rows: Sequence[CompareRow]) -> str:
    """The row's numbers against the standard conv's (and, for PyTorch's separable pair,
    against Keras's), in words computed from the table: 'more' only when the count shown
    is larger. Empty when the row (or the standard conv) could not be built."""
    by_kind = {r.kind: r for r in rows}
    std = by_kind.get("standard")
    if row.result is None:
        return ""
    p, m = row.result.params, row.result.macs
    if row.kind == "standard" or std is None or std.result is None:
        others = [r for r in rows if r.ok and r.kind != row.kind]
        fewer = sum(r.params < p for r in others)
        more = sum(r.params > p for r in others)
        return (f"Here: {fmt_int(p)} parameters and {fmt_int(m)} MACs; of the other kinds "
                f"shown, {fewer} {'has' if fewer == 1 else 'have'} fewer parameters and "
                f"{more} {'has' if more == 1 else 'have'} more.")
    sp, sm = std.result.params, std.result.macs
    text = (f"Here: {fmt_int(p)} parameters, "
            f"{compare_counts(p, sp, other=f'the {std.label} ({fmt_int(sp)})')}; "
            f"{fmt_int(m)} MACs, {compare_counts(m, sm, 'MACs', f'its {fmt_int(sm)}')}.")
    keras = by_kind.get("separable_keras")
    if row.kind == "separable_pytorch" and keras is not None and keras.result is not None:
        kp = keras.result.params
        text += (f" Against {keras.label}: "
                 f"{compare_counts(p, kp, other=f'its {fmt_int(kp)}')}.")
    return text


def tradeoff_text(row: CompareRow, rows: Sequence[CompareRow]) -> str:
    """What the kind buys and costs (fixed words), then its numbers here (computed)."""
    numbers = versus(row, rows)
    return f"{row.tradeoff} {numbers}" if numbers else row.tradeoff


def compare_kwargs(values: Mapping[str, object]) -> dict[str, object]:
    """Compare-page control values (URL keys) -> keyword arguments for :func:`compare_kinds`.

    The keys are the explorer's (dims, k, w, rect/kd/kh/kw, c, D, H, W, s, pad, p, d, g, dm,
    op, bias), read by :func:`lib.state.conv_kwargs` (the one mapping to ``analyze``'s
    arguments: 1D passes ``H=None``, 3D adds ``D``); ``ga`` (automatic groups, default on)
    makes ``groups=None``.
    """
    kwargs = conv_kwargs({**values, "kind": "standard"})
    del kwargs["kind"]
    if kwargs.get("D") is None:
        kwargs.pop("D", None)
    kwargs["groups"] = None if values.get("ga", True) else values.get("g", 1)
    return kwargs


def parse_compare_query(query: Mapping[str, object],
                        controls: Sequence[Control] = COMPARE_CONTROLS
                        ) -> tuple[dict[str, object], list[str]]:
    """The explorer's parser, plus: a link that sets ``g`` but not ``ga`` means those groups.

    An explorer link carries ``g`` only when the user chose groups there, so the compare
    page then uses them instead of picking its own.
    """
    values, warnings = parse_explorer_query(query, controls)
    if "g" in query and "ga" not in query and "ga" in values:
        values["ga"] = False
    return values, warnings


def settings_caption(kwargs: Mapping[str, object]) -> str:
    """The line above the table: ``Input 32×32×3, k = 10 filters of 4×4. Ratios …``."""
    rank = rank_of(kwargs)
    sizes = [kwargs[a] for a in AXES[rank]]
    return (f"Input {fmt_shape((*sizes, kwargs['c']))}, k = {kwargs['k']} filters of "
            f"{fmt_shape(kernel_dims(kwargs['w'], rank))}. Ratios are to the standard "
            f"Conv{rank}D on the same settings.")


def groups_caption(kwargs: Mapping[str, object]) -> str:
    """One line saying which groups the grouped rows use and why."""
    c, k, pad, g = kwargs["c"], kwargs["k"], kwargs["padding"], kwargs.get("groups")
    if g is not None:
        return f"Grouped and transposed rows use groups = {g} (set by hand)."
    auto = auto_groups(c, k)
    text = (f"Automatic groups = {auto}: the largest divisor of gcd(c, k) = "
            f"gcd({c}, {k}) = {math.gcd(c, k)} that is at most {AUTO_GROUPS_CAP}.")
    if auto == 1:
        text += " With groups = 1 the grouped conv is a standard conv."
    if isinstance(pad, str):
        text += (" The transposed row uses groups = 1: with 'valid'/'same' padding it is Keras "
                 f"Conv{rank_of(kwargs)}DTranspose, which has no groups.")
    return text


# ---------------------------------------------------------------------------
# Table and CSV
# ---------------------------------------------------------------------------

def output_column(rank: int = 2) -> str:
    """The output-shape column at this rank: ``Output (H×W×C)``, ``Output (W×C)``."""
    return f"Output ({'×'.join(AXES[rank])}×C)"


def table_columns(rank: int = 2) -> tuple[str, ...]:
    return ("Kind", "Params", "Params vs standard", "MACs", "MACs vs standard",
            output_column(rank), "Groups", "Status")


#: The table's columns in 2D.
TABLE_COLUMNS = table_columns(2)


def fmt_ratio(ratio: Fraction | None) -> str:
    """3/20 -> '0.150×'; None -> '—'."""
    return "—" if ratio is None else f"{float(ratio):.3f}×"


def compare_table(rows: Sequence[CompareRow]) -> list[dict[str, object]]:
    """The table the page shows: counts as ints (sortable), ratios and shapes as text.

    A kind that cannot be built keeps its row: no numbers, and the reason in "Status".
    """
    table = []
    for row in rows:
        r = row.result
        table.append({
            "Kind": row.label,
            "Params": None if r is None else r.params,
            "Params vs standard": fmt_ratio(row.params_ratio),
            "MACs": None if r is None else r.macs,
            "MACs vs standard": fmt_ratio(row.macs_ratio),
            output_column(row.rank): "—" if r is None else fmt_shape(r.output_shape),
            "Groups": "—" if row.groups is None else str(row.groups),
            "Status": "ok" if r is not None else f"can't build: {row.error}",
        })
    return table


def csv_columns(rank: int = 2) -> tuple[str, ...]:
    """CSV header at this rank: one ``<axis>_out`` per spatial axis, then ``C_out``."""
    return ("kind", "label", "params", "weights", "biases", "macs", "flops",
            *(f"{a}_out" for a in AXES[rank]), "C_out", "params_vs_standard",
            "macs_vs_standard", "groups", "error")


#: The CSV header in 2D.
CSV_COLUMNS = csv_columns(2)


def _cell(value: object) -> object:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def compare_csv(rows: Sequence[CompareRow]) -> str:
    """The comparison as CSV text (header + one line per kind; empty cells where a kind fails)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    rank = rows[0].rank if rows else 2
    writer.writerow(csv_columns(rank))
    for row in rows:
        r = row.result
        shape = r.output_shape if r is not None else ("",) * (rank + 1)
        writer.writerow([_cell(x) for x in (
            row.kind, row.label,
            "" if r is None else r.params,
            "" if r is None else r.weight_params,
            "" if r is None else r.bias_params,
            "" if r is None else r.macs,
            "" if r is None else r.flops,
            *shape,
            "" if row.params_ratio is None else f"{float(row.params_ratio):.6f}",
            "" if row.macs_ratio is None else f"{float(row.macs_ratio):.6f}",
            "" if row.groups is None else row.groups,
            row.error or "")])
    return buf.getvalue()


def csv_file_name(kwargs: Mapping[str, object]) -> str:
    """A download name that says which settings the table is for."""
    rank = rank_of(kwargs)
    kernel = "x".join(str(v) for v in kernel_dims(kwargs["w"], rank))
    sizes = "x".join(str(kwargs[a]) for a in AXES[rank])
    return f"convscope_compare_k{kwargs['k']}_w{kernel}_c{kwargs['c']}_{sizes}.csv"


# ---------------------------------------------------------------------------
# Theory: separable vs standard
# ---------------------------------------------------------------------------

def _taps(kernel: Sequence[int]) -> int:
    return math.prod(int(v) for v in kernel)


def separable_ratio_exact(k: int, kernel: Sequence[int], c: int, m: int = 1,
                          bias: bool = True) -> Fraction:
    """Params of a depthwise separable conv with one bias vector (Keras SeparableConv1D/2D)
    over params of a standard conv, exactly; ``kernel`` has one size per spatial axis.

    (c·K·m + c·m·k + b·k) / (k·(K·c + b)), K = the product of the kernel sizes, b = 1 with
    bias.
    """
    b, K = int(bias), _taps(kernel)
    return Fraction(c * K * m + c * m * k + b * k, k * (K * c + b))


def separable_ratio_limit(k: int, kernel: Sequence[int], m: int = 1) -> Fraction:
    """The large-c limit of :func:`separable_ratio_exact`: m/k + m/K.

    It is also the exact MACs ratio (biases cost no MACs and both layers produce the same
    output positions).
    """
    return Fraction(m, k) + Fraction(m, _taps(kernel))


@dataclass(frozen=True)
class SeparableTheory:
    """The separable/standard ratio, exact and in the large-c limit, with LaTeX for both."""

    exact: Fraction
    limit: Fraction
    exact_latex: str
    limit_latex: str
    explanation: str
    intro: str = ""

    @property
    def heading(self) -> str:
        """The section's title, computed from the exact ratio (never 'cheaper' when the
        separable conv has more parameters, e.g. with k = 1)."""
        if self.exact < 1:
            return "Why depthwise separable is cheaper"
        if self.exact > 1:
            return "Why depthwise separable is not cheaper here"
        return "Depthwise separable and standard: the same count here"


def _dec(x: Fraction) -> str:
    return f"{float(x):.4f}"


def _kernel_symbols(rank: int) -> list[str]:
    """w (1D), w_h w_w (2D), w_d w_h w_w (3D)."""
    return ["w"] if rank == 1 else [f"w_{a.lower()}" for a in AXES[rank]]


def separable_theory(k: int, kernel: Sequence[int], c: int, m: int = 1,
                     bias: bool = True) -> SeparableTheory:
    """Both ratios for these numbers, as formulas with the numbers substituted.

    ``kernel`` has one size per spatial axis: (kh, kw) in 2D, (w,) in 1D, (kd, kh, kw) in 3D.
    """
    rank = len(kernel)
    b = int(bias)
    K = _taps(kernel)
    exact = separable_ratio_exact(k, kernel, c, m, bias)
    limit = separable_ratio_limit(k, kernel, m)
    num = c * K * m + c * m * k + b * k
    den = k * (K * c + b)
    c_, k_, K_, m_ = tex_int(c), tex_int(k), tex_int(K), tex_int(m)
    syms = _kernel_symbols(rank)
    ks = " ".join(syms)  # w_h w_w
    if bias:
        sym = ("\\frac{c \\cdot " + ks + " \\cdot m + c \\cdot m \\cdot k + k}"
               "{k \\cdot (" + ks + " \\cdot c + 1)}")
        sub = (f"\\frac{{{c_} \\cdot {K_} \\cdot {m_} + {c_} \\cdot {m_} \\cdot {k_} + {k_}}}"
               f"{{{k_} \\cdot ({K_} \\cdot {c_} + 1)}}")
    else:
        sym = ("\\frac{c \\cdot " + ks + " \\cdot m + c \\cdot m \\cdot k}{k \\cdot "
               + ks + " \\cdot c}")
        sub = (f"\\frac{{{c_} \\cdot {K_} \\cdot {m_} + {c_} \\cdot {m_} \\cdot {k_}}}"
               f"{{{k_} \\cdot {K_} \\cdot {c_}}}")
    exact_latex = aligned(
        f"\\frac{{\\text{{separable}}}}{{\\text{{standard}}}} &= {sym}", f"&= {sub}",
        f"&= \\frac{{{tex_int(num)}}}{{{tex_int(den)}}} \\approx {_dec(exact)}")
    top = "1" if m == 1 else "m"
    lim_sym = f"\\frac{{{top}}}{{k}} + \\frac{{{top}}}{{{ks}}}"
    lim_sub = f"\\frac{{{m_}}}{{{k_}}} + \\frac{{{m_}}}{{{K_}}}"
    limit_latex = (f"\\xrightarrow{{\\;c \\to \\infty\\;}} {lim_sym} = {lim_sub} "
                   f"\\approx {_dec(limit)}")
    gap = exact - limit
    taps = "·".join(syms)
    taps = f"({taps})" if rank > 1 else taps
    explanation = (
        f"The simple formula {top}/k + {top}/{taps} is the large-c limit: it ignores the "
        "biases (the + k above and the + 1 below), which matter less and less as c grows "
        "because every other term is multiplied by c. "
        f"Here, with c = {c}, the exact ratio is {_dec(exact)} and the limit {_dec(limit)} "
        f"(a gap of {float(gap):+.4f}). The MACs ratio is exactly the limit, "
        "because biases cost no multiply-accumulates.")
    if rank < 3:
        intro = (f"Keras SeparableConv{rank}D against a standard Conv{rank}D with the same k, "
                 "w and c (parameters):")
    else:
        intro = ("A depthwise separable Conv3D with one bias vector (the way Keras builds "
                 "SeparableConv1D/2D; Keras has no SeparableConv3D, and PyTorch's depthwise + "
                 "1×1×1 pair has c·m more biases) against a standard Conv3D with the same k, "
                 "w and c (parameters):")
    return SeparableTheory(exact, limit, exact_latex, limit_latex, explanation, intro)


def kernel_hw(w: IntPair) -> tuple[int, int]:
    """w (an int or an (h, w) pair) as (kh, kw)."""
    return kernel_dims(w, 2)  # type: ignore[return-value]


def kernel_dims(w: IntPair, rank: int = 2) -> tuple[int, ...]:
    """w (an int, or one size per axis) as one size per spatial axis: 3 -> (3, 3, 3) in 3D."""
    if isinstance(w, (tuple, list)):
        return tuple(int(v) for v in w)
    return (int(w),) * rank
