"""Every conv kind on the same layer settings, side by side.

``compare_kinds(k, w, c, H, W, ...)`` runs :func:`lib.conv.analyze` once per kind and
returns one :class:`CompareRow` per kind: the result, or the ``ConvError`` message when a
kind cannot be built with these settings (the row stays, with the reason). Ratios are to
the standard Conv2D on the same settings.

``separable_theory`` is the classic "why is a depthwise separable conv cheaper" ratio:
exactly ``(c·kh·kw·m + c·m·k + b·k) / (k·(kh·kw·c + b))`` for Keras's SeparableConv2D
against a Conv2D, which tends to ``m/k + m/(kh·kw)`` (``1/k + 1/(kh·kw)`` at m = 1) as the
number of input channels c grows.

Nothing here imports streamlit: the compare page only renders what this module builds.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from lib.conv import KIND_INFO, KINDS, ConvError, ConvResult, IntPair, analyze
from lib.state import COMPARE_CONTROLS, Control, parse_explorer_query

#: Kinds that take a ``groups`` argument.
GROUPED_KINDS = frozenset({"grouped", "transposed"})

#: Largest group count the automatic choice picks.
AUTO_GROUPS_CAP = 4

#: What each kind buys and what it costs (shown under the table, one line per kind).
TRADEOFFS: dict[str, str] = {
    "standard": (
        "The baseline: every filter has its own spatial pattern for every input channel. "
        "The most expressive of all, and the most parameters and MACs."),
    "pointwise": (
        "Mixes channels only: each output pixel sees a single input pixel, so it learns no "
        "spatial pattern (no edges, no textures). Cheap; used to change the number of "
        "channels (bottlenecks) and as the second half of a separable conv."),
    "grouped": (
        "Each filter sees only the c/g channels of its group, which divides parameters and "
        "MACs by g, but the groups never exchange information unless a 1×1 conv or a "
        "channel shuffle follows. ResNeXt uses many groups (cardinality); AlexNet split its "
        "layers into two groups to fit on two GPUs."),
    "depthwise": (
        "One spatial filter per input channel (× depth multiplier): channels never mix, so "
        "it is normally followed by a 1×1 conv. k is not used: C_out = c × m."),
    "separable_keras": (
        "Depthwise separable: a depthwise conv learns spatial patterns, a 1×1 conv learns how "
        "to mix channels. Separating spatial and cross-channel learning is the idea behind "
        "Xception and MobileNet; it costs roughly 1/k + 1/(w·w) of a standard conv."),
    "separable_pytorch": (
        "The same factorisation built from two nn.Conv2d layers. Each layer has its own bias, "
        "so it has c × m more parameters than Keras's SeparableConv2D (one bias vector)."),
    "shared_channels": (
        "Far fewer parameters, and their number does not depend on c, but it assumes the "
        "channels carry similar patterns: the channels are summed first, so the layer cannot "
        "tell them apart. A poor fit for RGB, where a red edge and a blue edge differ."),
    "transposed": (
        "Upsamples: each input cell scatters a kernel into a larger output (decoders, "
        "segmentation, GAN generators). Same parameters as a standard conv with the same c, "
        "k and w (the weight tensor is transposed); uneven overlaps can cause checkerboard "
        "artefacts."),
    "spatially_separable": (
        "A kh×1 conv then a 1×kw conv: fewer parameters, but it can only represent rank-1 "
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
    def output_shape(self) -> tuple[int, int, int] | None:
        return None if self.result is None else self.result.output_shape


def compare_kinds(k: int, w: IntPair, c: int, H: int, W: int, stride: IntPair = 1,
                  padding: str | IntPair = "valid", dilation: IntPair = 1,
                  groups: int | None = None, bias: bool = True, depth_multiplier: int = 1,
                  output_padding: IntPair = 0,
                  kinds: Sequence[str] = KINDS) -> list[CompareRow]:
    """One row per kind (in ``kinds`` order) on the same settings; never raises ConvError.

    ``groups=None`` picks the groups automatically (see :func:`groups_for`).
    """
    common = dict(k=k, w=w, c=c, H=H, W=W, stride=stride, padding=padding,
                  dilation=dilation, bias=bias, depth_multiplier=depth_multiplier,
                  output_padding=output_padding)
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
            kind=kind, label=KIND_INFO[kind].label, result=result, error=error,
            groups=g if kind in GROUPED_KINDS else None,
            params_ratio=Fraction(result.params, std.params) if both else None,
            macs_ratio=Fraction(result.macs, std.macs) if both and std.macs else None,
            tradeoff=TRADEOFFS[kind]))
    return rows


def results_by_kind(rows: Sequence[CompareRow]) -> dict[str, ConvResult]:
    """The kinds that could be built, as {kind: ConvResult} (what the params figure takes)."""
    return {row.kind: row.result for row in rows if row.result is not None}


def compare_kwargs(values: Mapping[str, object]) -> dict[str, object]:
    """Compare-page control values (URL keys) -> keyword arguments for :func:`compare_kinds`.

    The keys are the explorer's (k, w, rect/kh/kw, c, H, W, s, pad, p, d, g, dm, op, bias);
    ``ga`` (automatic groups, default on) makes ``groups=None``.
    """
    kernel = (values["kh"], values["kw"]) if values.get("rect") else values["w"]
    pad = values.get("pad", "valid")
    return {
        "k": values["k"], "w": kernel, "c": values["c"], "H": values["H"], "W": values["W"],
        "stride": values.get("s", 1),
        "padding": values.get("p", 0) if pad == "explicit" else pad,
        "dilation": values.get("d", 1),
        "groups": None if values.get("ga", True) else values.get("g", 1),
        "bias": values.get("bias", True), "depth_multiplier": values.get("dm", 1),
        "output_padding": values.get("op", 0),
    }


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
                 "Conv2DTranspose, which has no groups.")
    return text


# ---------------------------------------------------------------------------
# Table and CSV
# ---------------------------------------------------------------------------

TABLE_COLUMNS = ("Kind", "Params", "Params vs standard", "MACs", "MACs vs standard",
                 "Output (H×W×C)", "Groups", "Status")


def fmt_ratio(ratio: Fraction | None) -> str:
    """3/20 -> '0.150×'; None -> '—'."""
    return "—" if ratio is None else f"{float(ratio):.3f}×"


def _shape(shape: Sequence[int]) -> str:
    return "×".join(str(x) for x in shape)


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
            "Output (H×W×C)": "—" if r is None else _shape(r.output_shape),
            "Groups": "—" if row.groups is None else str(row.groups),
            "Status": "ok" if r is not None else f"can't build: {row.error}",
        })
    return table


CSV_COLUMNS = ("kind", "label", "params", "weights", "biases", "macs", "flops", "H_out",
               "W_out", "C_out", "params_vs_standard", "macs_vs_standard", "groups", "error")


def _cell(value: object) -> object:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def compare_csv(rows: Sequence[CompareRow]) -> str:
    """The comparison as CSV text (header + one line per kind; empty cells where a kind fails)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        r = row.result
        shape = r.output_shape if r is not None else ("", "", "")
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
    w = kwargs["w"]
    kernel = f"{w[0]}x{w[1]}" if isinstance(w, (tuple, list)) else f"{w}x{w}"
    return (f"convscope_compare_k{kwargs['k']}_w{kernel}_c{kwargs['c']}_"
            f"{kwargs['H']}x{kwargs['W']}.csv")


# ---------------------------------------------------------------------------
# Theory: separable vs standard
# ---------------------------------------------------------------------------

def separable_ratio_exact(k: int, kh: int, kw: int, c: int, m: int = 1,
                          bias: bool = True) -> Fraction:
    """Params of Keras SeparableConv2D / params of Conv2D, exactly.

    (c·kh·kw·m + c·m·k + b·k) / (k·(kh·kw·c + b)), b = 1 with bias.
    """
    b = int(bias)
    return Fraction(c * kh * kw * m + c * m * k + b * k, k * (kh * kw * c + b))


def separable_ratio_limit(k: int, kh: int, kw: int, m: int = 1) -> Fraction:
    """The large-c limit of :func:`separable_ratio_exact`: m/k + m/(kh·kw).

    It is also the exact MACs ratio (biases cost no MACs and both layers produce the same
    H_out × W_out).
    """
    return Fraction(m, k) + Fraction(m, kh * kw)


@dataclass(frozen=True)
class SeparableTheory:
    """The separable/standard ratio, exact and in the large-c limit, with LaTeX for both."""

    exact: Fraction
    limit: Fraction
    exact_latex: str
    limit_latex: str
    explanation: str


def _dec(x: Fraction) -> str:
    return f"{float(x):.4f}"


def separable_theory(k: int, kh: int, kw: int, c: int, m: int = 1,
                     bias: bool = True) -> SeparableTheory:
    """Both ratios for these numbers, as formulas with the numbers substituted."""
    b = int(bias)
    exact = separable_ratio_exact(k, kh, kw, c, m, bias)
    limit = separable_ratio_limit(k, kh, kw, m)
    num = c * kh * kw * m + c * m * k + b * k
    den = k * (kh * kw * c + b)
    if bias:
        sym = ("\\frac{c \\cdot w_h w_w \\cdot m + c \\cdot m \\cdot k + k}"
               "{k \\cdot (w_h w_w \\cdot c + 1)}")
        sub = (f"\\frac{{{c} \\cdot {kh * kw} \\cdot {m} + {c} \\cdot {m} \\cdot {k} + {k}}}"
               f"{{{k} \\cdot ({kh * kw} \\cdot {c} + 1)}}")
    else:
        sym = "\\frac{c \\cdot w_h w_w \\cdot m + c \\cdot m \\cdot k}{k \\cdot w_h w_w \\cdot c}"
        sub = (f"\\frac{{{c} \\cdot {kh * kw} \\cdot {m} + {c} \\cdot {m} \\cdot {k}}}"
               f"{{{k} \\cdot {kh * kw} \\cdot {c}}}")
    exact_latex = (f"\\frac{{\\text{{separable}}}}{{\\text{{standard}}}} = {sym} = {sub} = "
                   f"\\frac{{{num}}}{{{den}}} \\approx {_dec(exact)}")
    if m == 1:
        lim_sym, lim_sub = "\\frac{1}{k} + \\frac{1}{w_h w_w}", f"\\frac{{1}}{{{k}}} + \\frac{{1}}{{{kh * kw}}}"
    else:
        lim_sym = "\\frac{m}{k} + \\frac{m}{w_h w_w}"
        lim_sub = f"\\frac{{{m}}}{{{k}}} + \\frac{{{m}}}{{{kh * kw}}}"
    limit_latex = (f"\\xrightarrow{{\\;c \\to \\infty\\;}} {lim_sym} = {lim_sub} "
                   f"\\approx {_dec(limit)}")
    gap = exact - limit
    explanation = (
        "The simple formula 1/k + 1/(w_h·w_w) is the large-c limit: it ignores the biases "
        "(the + k above and the + 1 below), which matter less and less as c grows because "
        "every other term is multiplied by c. "
        f"Here, with c = {c}, the exact ratio is {_dec(exact)} and the limit {_dec(limit)} "
        f"(a gap of {float(gap):+.4f}). The MACs ratio is exactly the limit, "
        "because biases cost no multiply-accumulates.")
    if m != 1:
        explanation = explanation.replace("1/k + 1/(w_h·w_w)", "m/k + m/(w_h·w_w)")
    return SeparableTheory(exact, limit, exact_latex, limit_latex, explanation)


def kernel_hw(w: IntPair) -> tuple[int, int]:
    """w (an int or an (h, w) pair) as (kh, kw)."""
    if isinstance(w, (tuple, list)):
        return int(w[0]), int(w[1])
    return int(w), int(w)
