"""A layer in words: its formulas as LaTeX, a plain-language explanation, and what each
framework says about it (which one has the layer, which one refuses these settings).

Every number in the text is read from the stages :func:`lib.conv.analyze` built; nothing
here computes a shape or a count.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import NamedTuple

from lib.geometry import Axis, Stage
from lib.spec import ConvError, ConvSpec, transposed_output_padding
from lib.text import compare_counts, fmt_axes, fmt_shape, plural, tex_int

@dataclass(frozen=True)
class Formula:
    """A formula as LaTeX: with symbols, with the numbers substituted, and its value."""

    lhs: str
    symbolic: str
    substituted: str
    value: int

    @property
    def latex(self) -> str:
        """Aligned lines (symbols, numbers, value), a long sum broken after its terms:
        each line fits a phone's 390 px screen."""
        value = tex_int(self.value)  # the same thousands separators as the text
        rows = []
        for i, side in enumerate((self.symbolic, self.substituted)):
            first, *rest = sum_lines(side)
            rows.append((f"{self.lhs} " if i == 0 else "") + f"&= {first}")
            rows += [f"&\\quad + {term}" for term in rest]
        return aligned(*rows, f"&= {value}")


#: Visible characters per formula line after the left-hand side (KaTeX at 16 px, binary
#: operators spaced: about 12 px each; a 390 px phone has 358 px for a formula).
LINE_CHARS = 20


def visible_length(tex: str) -> int:
    """Roughly how many characters a LaTeX snippet shows (a command is one glyph)."""
    return len(re.sub(r"[{}\s_^]", "", re.sub(r"\\[A-Za-z]+", "#", tex)))


def sum_lines(expr: str, limit: int = LINE_CHARS) -> list[str]:
    """``expr`` cut at its top-level `` + `` into lines of at most ``limit`` visible
    characters (a term longer than that keeps a line of its own)."""
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(expr):
        depth += ch in "({["
        depth -= ch in ")}]"
        if depth == 0 and expr.startswith(" + ", i):
            terms.append(expr[start:i])
            start = i + 3
    terms.append(expr[start:])
    lines, counts = [terms[0]], [1]
    for term in terms[1:]:
        width = visible_length(lines[-1]) + 1 + visible_length(term)
        # "+ 1" stays with what it adds to (even after a long floor that has a line alone)
        short = visible_length(term) <= 3 and (width <= limit + 3 or counts[-1] == 1)
        if width <= limit or short:
            lines[-1] += " + " + term
            counts[-1] += 1
        else:
            lines.append(term)
            counts.append(1)
    return lines


def aligned(*rows: str) -> str:
    """LaTeX lines aligned at their ``&`` (one formula, one step per line)."""
    return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"


# ---------------------------------------------------------------------------
# Formulas (one template per kind gives both the symbols and the numbers)
# ---------------------------------------------------------------------------

_PARAM_TEMPLATES: dict[str, str] = {
    "standard": "{k} \\cdot ({kp} \\cdot {c} + {b})",
    "pointwise": "{k} \\cdot ({c} + {b})",
    "grouped": "{k} \\cdot ({kp} \\cdot {c} / {g} + {b})",
    "depthwise": "{c} \\cdot {m} \\cdot ({kp} + {b})",
    "separable_keras": "{c} \\cdot {kp} \\cdot {m} + {c} \\cdot {m} \\cdot {k} + {b} \\cdot {k}",
    "separable_pytorch": "{c} \\cdot {m} \\cdot ({kp} + {b}) + {k} \\cdot ({c} \\cdot {m} + {b})",
    "shared_channels": "{k} \\cdot ({kp} + {b})",
    "transposed": "{c} \\cdot {k} / {g} \\cdot {kp} + {b} \\cdot {k}",
}


def _sym(base: str, axis: str, rank: int) -> str:
    """Per-axis symbol: w_h, s_w, ... (plain w, s, ... in 1D)."""
    return base if rank == 1 else f"{base}_{axis.lower()}"


def params_formula(s: ConvSpec, params: int) -> Formula:
    """The parameter count as a formula: symbols, the numbers substituted, the value."""
    kernel_syms = [_sym("w", a, s.rank) for a in s.axes]
    symbols = {"k": "k", "c": "c", "g": "g", "m": "m", "b": "b",
               "kp": " \\cdot ".join(kernel_syms)}
    numbers = {"k": tex_int(s.k), "c": tex_int(s.c), "g": tex_int(s.groups),
               "m": tex_int(s.depth_multiplier), "b": str(int(s.bias)),
               "kp": " \\cdot ".join(tex_int(x) for x in s.kernel)}
    if s.kind == "spatially_separable":
        terms = ["{k} \\cdot ({w0} \\cdot {c} + {b})"] + [
            f"{{k}} \\cdot ({{w{i}}} \\cdot {{k}} + {{b}})" for i in range(1, s.rank)]
        template = " + ".join(terms)
        symbols.update({f"w{i}": sym for i, sym in enumerate(kernel_syms)})
        numbers.update({f"w{i}": tex_int(x) for i, x in enumerate(s.kernel)})
    else:
        template = _PARAM_TEMPLATES[s.kind]
    return Formula("\\text{params}", template.format(**symbols), template.format(**numbers),
                   params)


_OUTPUT_TEMPLATES: dict[str, str] = {
    "same": "\\left\\lceil {n} / {s} \\right\\rceil",
    "causal": "\\left\\lfloor ({n} - 1) / {s} \\right\\rfloor + 1",
    "conv": ("\\left\\lfloor ({n} + 2 \\cdot {p} - {d} \\cdot ({k} - 1) - 1) / {s} "
             "\\right\\rfloor + 1"),
    "transposed": "({n} - 1) \\cdot {s} - 2 \\cdot {p} + {d} \\cdot ({k} - 1) + {o} + 1",
    "keras_valid": "{n} \\cdot {s} + \\max({d} \\cdot ({k} - 1) + 1 - {s}, 0)",
    "keras_same": "{n} \\cdot {s}",
    "keras_output_padding": "({n} - 1) \\cdot {s} + {d} \\cdot ({k} - 1) + 1 - 2 \\cdot {p} + {o}",
}


def _output_formula(axis: str, rank: int, a: Axis, op: str,
                    output_padding: int | None) -> Formula:
    """H_out (or W_out, D_out) as a formula; ``op`` is the stage's op ("conv", "transposed")."""
    if op != "transposed":
        key = a.mode if a.mode in ("same", "causal") else "conv"
        p = a.before
    elif a.mode == "explicit":
        key, p = "transposed", a.before
    elif output_padding is None:
        key, p = a.mode, 0
    else:
        key, p = "keras_output_padding", (a.extent // 2 if a.mode == "keras_same" else 0)
    symbols = {"n": axis, **{b: _sym(b if b != "k" else "w", axis, rank)
                             for b in ("s", "d", "k", "p", "o")}}
    numbers = {"n": tex_int(a.size_in), "s": tex_int(a.stride), "d": tex_int(a.dilation),
               "k": tex_int(a.kernel), "p": tex_int(p),
               "o": None if output_padding is None else tex_int(output_padding)}
    t = _OUTPUT_TEMPLATES[key]
    return Formula(f"{axis}_{{out}}", t.format(**symbols), t.format(**numbers), a.size_out)


def output_formulas(s: ConvSpec, stages: tuple[Stage, ...]) -> tuple[Formula, ...]:
    """One formula per axis, from the stage that changes that axis."""
    spatial = [st for st in stages if st.op != "channel_sum"]
    out = []
    for i, axis in enumerate(s.axes):
        st = spatial[i] if s.kind == "spatially_separable" else spatial[0]
        out.append(_output_formula(axis, s.rank, st.axes[i], st.op,
                                   transposed_output_padding(s)[i]))
    return tuple(out)


# ---------------------------------------------------------------------------
# Plain-language explanation
# ---------------------------------------------------------------------------

class _Words(NamedTuple):
    """What the per-kind sentences are written with."""

    s: ConvSpec
    stages: tuple[Stage, ...]
    params: int
    kd: str  # the kernel, "4×4"
    kn: str  # one kernel in a sentence: "4×4", "3-tap"
    taps: int
    b: int  # 1 with bias, 0 without
    bias_txt: str
    standard_params: int | None  # the standard conv with the same k, kernel and c


def _filters_sentences(w: _Words) -> list[str]:
    """standard, grouped, pointwise: k filters, each a block over the channels it sees."""
    s, k, c = w.s, w.s.k, w.s.c
    g = s.groups if s.kind == "grouped" else 1
    fd = fmt_shape((1,) * s.rank) if s.kind == "pointwise" else w.kd
    ft = 1 if s.kind == "pointwise" else w.taps
    per = ft * (c // g) + w.b
    filters = "filter" if k == 1 else "filters"
    lines = [f"Each of the {k:,} {filters} is a {fd}×{c // g:,} block: it has its own {fd} "
             f"weights for each of the {c // g:,} input channel{'s' if c // g != 1 else ''} "
             f"it sees ({plural(ft * (c // g), 'weight')}){w.bias_txt} = {per:,} parameters. "
             f"{k:,} {filters} × {per:,} = {w.params:,}."]
    if s.kind == "standard" and c > 1:
        lines.append(
            f"It is not {k:,}×{w.kd} = {k * w.taps:,}: that would be one {w.kd} kernel "
            f"shared by all {c:,} channels (the 'shared across channels' kind). "
            f"And {c:,}×{k:,}×{w.kd} = {c * k * w.taps:,} counts only the weights"
            + (f": add one bias per filter, {k:,}." if s.bias else "."))
    if g > 1:
        lines.append(f"With groups={g:,}, each filter sees only the "
                     f"{plural(c // g, 'channel')} of its group, which divides the weights "
                     f"by {g:,}.")
    return lines


def _depthwise_sentences(w: _Words) -> list[str]:
    c, m = w.s.c, w.s.depth_multiplier
    return [f"Each of the {c:,} input channels gets its own "
            f"{m} filter{'s' if m != 1 else ''} of {w.kn}; "
            f"channels never mix. Output channels = c × depth multiplier = {c * m:,}. "
            f"Parameters: {c * m:,} × ({w.kd} + {w.b}) = {w.params:,}; k is not used."]


def _separable_sentences(w: _Words) -> list[str]:
    s = w.s
    dw, pw = w.stages
    lines = [f"Two steps. Depthwise: one {w.kn} filter per input channel "
             f"(× depth multiplier {s.depth_multiplier}) = {plural(dw.weight_params, 'weight')}; "
             f"it learns spatial patterns only. Pointwise: {s.k:,} "
             f"filter{'s' if s.k != 1 else ''} of "
             f"{fmt_shape((1,) * s.rank)}×{dw.out_channels:,} = "
             f"{plural(pw.weight_params, 'weight')}; "
             "it mixes channels only."]
    if s.kind == "separable_keras":
        lines.append(f"Keras SeparableConv{s.rank}D has one bias vector, of size k = {s.k:,} "
                     f"({plural(pw.bias_params, 'bias')}): total {w.params:,}.")
    elif s.bias:
        keras = w.params - dw.bias_params  # Keras's SeparableConv has no depthwise bias
        lines.append(f"In PyTorch these are two nn.Conv{s.rank}d layers and each has its "
                     f"own bias: {dw.bias_params:,} + {pw.bias_params:,} biases, so "
                     f"{w.params:,}: "
                     + compare_counts(w.params, keras, other=f"Keras's SeparableConv{s.rank}D "
                                      f"({keras:,}) for the same shape") + ".")
    else:
        lines.append(f"In PyTorch these are two nn.Conv{s.rank}d layers, both without bias "
                     f"here: {w.params:,}, the same count as Keras's "
                     f"SeparableConv{s.rank}D for the same shape.")
    return lines


def _shared_sentences(w: _Words) -> list[str]:
    k, c = w.s.k, w.s.c
    standard = w.standard_params
    than = compare_counts(w.params, standard, other=f"a standard conv ({standard:,})")
    summed = ("The one input channel is used as it is" if c == 1 else
              f"The {c:,} input channels are summed into one")
    return [f"{summed}, so each of the {k:,} "
            f"filter{'s' if k != 1 else ''} has a single {w.kn} kernel{w.bias_txt}: "
            f"{k:,} × ({w.kd} + {w.b}) = {w.params:,}: {than}, but the layer cannot tell "
            "the channels apart (red and blue edges look the same)."]


def _transposed_sentences(w: _Words) -> list[str]:
    s = w.s
    return [f"Each input cell multiplies a {w.kn} kernel per output channel and adds "
            f"it into the output at stride {fmt_axes(s.stride)}: this upsamples. Weights: "
            f"{s.c:,} × {s.k // s.groups:,} × {w.kd.replace('×', ' × ')}"
            f"{' plus ' + plural(s.k, 'bias') if s.bias else ''} = {w.params:,}."]


def _one_axis_sentences(w: _Words) -> list[str]:
    parts = " followed by ".join(f"a {fmt_shape(st.kernel)} conv ({st.params:,} params)"
                                 for st in w.stages)
    return [f"{parts[0].upper()}{parts[1:]} covers a {w.kd} window with {w.params:,} "
            f"parameters; it can only learn kernels that are an outer product."]


#: Why each kind has its parameter count, in sentences.
_WHY_PARAMS = {
    "standard": _filters_sentences, "pointwise": _filters_sentences,
    "grouped": _filters_sentences, "depthwise": _depthwise_sentences,
    "separable_keras": _separable_sentences, "separable_pytorch": _separable_sentences,
    "shared_channels": _shared_sentences, "transposed": _transposed_sentences,
    "spatially_separable": _one_axis_sentences,
}


def explanation(s: ConvSpec, stages: tuple[Stage, ...], out: tuple[int, ...],
                params: int, standard_params: int | None = None) -> tuple[str, ...]:
    """Why the layer has these parameters and this output shape, in a few sentences.
    ``standard_params``: the standard conv's count, for the shared-channels comparison."""
    kd = fmt_shape(s.kernel)
    words = _Words(s, stages, params, kd, kd if s.rank > 1 else f"{kd}-tap",
                   math.prod(s.kernel), 1 if s.bias else 0,
                   " plus 1 bias" if s.bias else " (no bias)", standard_params)
    lines = _WHY_PARAMS[s.kind](words)
    lines.append(_explain_output(s, stages, out))
    lines.append(f"The parameter count does not depend on {' or '.join(s.axes)} "
                 f"({fmt_shape(s.spatial)}): the same filter slides over every position. "
                 "The MACs do: one set per output position.")
    return tuple(lines)


def _explain_output(s: ConvSpec, stages: tuple[Stage, ...], out: tuple[int, ...]) -> str:
    first = stages[-1] if s.kind == "shared_channels" else stages[0]
    a, name, shape = first.axes[0], s.axes[0], fmt_shape(out)
    if first.op == "transposed":
        return (f"Output {shape}: a transposed conv goes the other way, "
                f"{name}_out = {a.size_out:,} from {name} = {a.size_in:,} at stride "
                f"{a.stride}.")
    if a.mode == "same":
        return (f"Output {shape}: 'same' padding adds {a.before + a.after} zeros along "
                f"{name} so that {name}_out = ceil({name} / stride) = "
                f"ceil({a.size_in:,}/{a.stride}) = {a.size_out:,}.")
    if a.mode == "causal":
        return (f"Output {shape}: 'causal' padding adds {a.before} zeros on the left only, so "
                f"output step t sees inputs t, t−{a.dilation}, … and never the future; "
                f"{name}_out = {a.size_out:,}.")
    ext = a.extent
    n = a.size_in + 2 * a.before
    if a.stride == 1 and a.before == 0:
        return (f"Output {shape}: a {ext}-wide window fits in "
                f"{a.size_in:,} − {ext:,} + 1 = {a.size_out:,} positions along {name} (count "
                f"the start positions 0 … {a.size_out - 1:,}), not {a.size_in:,} − {ext:,} = "
                f"{a.size_in - ext:,}.")
    return (f"Output {shape}: along {name} the window of extent {ext:,} starts at "
            f"0, {a.stride}, {2 * a.stride}, … inside the {n:,} padded cells: "
            f"floor(({n:,} − {ext:,}) / {a.stride}) + 1 = {a.size_out:,} positions.")


# ---------------------------------------------------------------------------
# Framework notes
# ---------------------------------------------------------------------------

def frameworks_for(s: ConvSpec) -> tuple[str, ...]:
    """The real frameworks that have this kind at this rank.

    Transposed with string padding is Keras's, with numbers PyTorch's; Keras has no
    DepthwiseConv3D or SeparableConv3D.
    """
    if s.kind == "separable_keras":
        fws: tuple[str, ...] = ("Keras",)
    elif s.kind == "separable_pytorch":
        fws = ("PyTorch",)
    elif s.kind == "transposed":
        fws = ("Keras",) if isinstance(s.padding, str) else ("PyTorch",)
    else:
        fws = ("PyTorch", "Keras")
    if s.rank == 3 and s.kind in ("depthwise", "separable_keras"):
        fws = tuple(f for f in fws if f != "Keras")
    return fws


def framework_refusals(s: ConvSpec) -> dict[str, str]:
    """Which framework refuses this configuration, and why (as each one's error says).

    * PyTorch's nn.ConvNd raises for padding='same' with any stride > 1.
    * Keras ConvND and ConvNDTranspose raise for stride > 1 together with dilation > 1 in
      one layer (DepthwiseConv and SeparableConv accept it). A spatially separable stack
      only hits it when one stage has both along its own axis.
    """
    out: dict[str, str] = {}
    strided = max(s.stride) > 1
    if s.kind != "transposed" and s.padding == "same" and strided:
        out["PyTorch"] = (f"padding='same' with stride={fmt_axes(s.stride)}: PyTorch's "
                          f"nn.Conv{s.rank}d refuses 'same' for strided convolutions")
    if s.kind == "spatially_separable":
        keras_bad = any(s.stride[i] > 1 and s.dilation[i] > 1 for i in range(s.rank))
    else:
        keras_bad = (s.kind in ("standard", "grouped", "shared_channels", "transposed")
                     and strided and max(s.dilation) > 1)
    if s.padding == "causal" and s.kind in ("depthwise", "separable_keras"):
        layer = "DepthwiseConv1D" if s.kind == "depthwise" else "SeparableConv1D"
        out["Keras"] = (f"padding='causal': Keras {layer} takes only 'valid' or 'same' "
                        "(Conv1D has 'causal')")
    if keras_bad:
        layer = f"Conv{s.rank}DTranspose" if s.kind == "transposed" else f"Conv{s.rank}D"
        out["Keras"] = (f"stride={fmt_axes(s.stride)} with dilation={fmt_axes(s.dilation)}: Keras "
                        f"{layer} refuses strides > 1 together with dilation_rate > 1")
    return {fw: why for fw, why in out.items() if fw in frameworks_for(s)}


def check_frameworks(s: ConvSpec) -> tuple[str, ...]:
    """Raise when every framework of the kind refuses; otherwise notes for the ones that do."""
    if s.padding == "causal" and s.kind == "transposed":
        raise ConvError("padding='causal' is for convs; a transposed conv takes 'valid', "
                        "'same' or numbers")
    available = frameworks_for(s)
    if not available:
        layer = {"separable_keras": "SeparableConv3D", "depthwise": "DepthwiseConv3D"}[s.kind]
        raise ConvError(f"kind={s.kind!r} in 3D: Keras has no {layer}"
                        + ("; use separable_pytorch" if s.kind == "separable_keras" else ""))
    refusals = framework_refusals(s)
    accepting = [fw for fw in available if fw not in refusals]
    if not accepting:
        raise ConvError("; and ".join(refusals.values()))
    return tuple(f"{why}; {accepting[0]} accepts it, and the numbers here are "
                 f"{accepting[0]}'s." for why in refusals.values())


def framework_notes(s: ConvSpec, refusals: tuple[str, ...]) -> tuple[str, ...]:
    notes = list(refusals)
    fws = frameworks_for(s)
    if s.kind == "pointwise" and max(s.kernel) > 1:
        notes.append(f"w={fmt_axes(s.kernel)} is ignored: a pointwise conv is always "
                     f"{fmt_shape((1,) * s.rank)}.")
    if s.padding == "same" and max(s.stride) > 1 and "PyTorch" in fws and not refusals:
        notes.append("This is Keras's padding='same' (out = ceil(in / stride)).")
    if s.padding == "causal" and "PyTorch" in fws:
        notes.append("PyTorch has no padding='causal': the same layer is "
                     "F.pad(x, (d·(w−1), 0)) followed by the conv with padding=0.")
    if not isinstance(s.padding, str) and any(s.padding) and "Keras" in fws \
            and s.kind != "transposed":
        notes.append(f"Keras layers take only 'valid' or 'same': an explicit padding is a "
                     f"ZeroPadding{s.rank}D layer in front (no parameters).")
    if s.rank == 3 and s.kind == "depthwise":
        notes.append("Keras has no DepthwiseConv3D: this is PyTorch's nn.Conv3d(groups=c).")
    if s.kind == "transposed":
        if isinstance(s.padding, str):
            notes.append(f"With 'valid'/'same' this is Keras Conv{s.rank}DTranspose "
                         "(output_padding=0 stands for Keras's default None); PyTorch's "
                         f"ConvTranspose{s.rank}d takes only numbers as padding.")
        else:
            notes.append(f"With an explicit padding this is PyTorch nn.ConvTranspose{s.rank}d; "
                         f"Keras Conv{s.rank}DTranspose takes only 'valid' or 'same'.")
    return tuple(notes)
