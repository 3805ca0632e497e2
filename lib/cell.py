"""One output cell, computed number by number: what "click a cell" writes out.

A student who clicks output cell (i, j) should see the arithmetic behind it, with real
numbers: every input value under the window times the weight on it, summed per input
channel, plus the bias. The example is small and deterministic: inputs are whole numbers
0 … 4 (like pixel levels), weights and biases whole numbers −2 … 2, each one a hash of
``(seed, tensor, index)``. So the sums are exact, readable, and the same every time — and
only the values a cell needs are ever made, so a 1024×1024×512 input costs nothing.

Geometry comes from the stages of :func:`lib.conv.analyze` (``Axis.before``, stride,
dilation, kernel), so the window here is the window the sliding-window figure draws:

* conv (standard, pointwise, grouped, each stage of a separable or spatially separable
  conv): tap ``t`` of output ``o`` reads input ``o·s − before + t·d`` (outside the input:
  a padding zero); filter ``f`` of group ``g`` reads only that group's channels;
* depthwise: output channel ``ci·m + t`` reads input channel ``ci`` only;
* transposed: the stride-1 view of the figure — the zero-inserted input, window starting
  at ``o − (d·(k−1) − before)``, kernel flipped: tap ``t`` uses weight ``k − 1 − t`` and
  lands on input cell ``z / s`` when ``z`` is a multiple of ``s`` (else an inserted zero);
* channel sum (shared across channels): the summed channel is ``Σ_c x[…, c]``.

Two-stage kinds (separable, spatially separable, shared) are written out for the last
stage; the values of the earlier stage it reads are computed the same way and a few of
them are written out too. ``tests/test_cell.py`` checks every value against a full numpy
convolution of the same example (``lib.numeric`` in 2D, an N-D reference in 1D and 3D).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from lib.conv import ConvError, ConvResult, Stage

#: Value ranges of the example: inputs like pixel levels, small signed weights.
INPUT_RANGE = (0, 4)
WEIGHT_RANGE = (-2, 2)
BIAS_RANGE = (-2, 2)
#: Multiplications one cell may cost before the page asks for a smaller layer.
MAX_CELL_MACS = 20_000
#: Earlier-stage cells written out in full (the rest are only used).
MAX_EARLIER_SHOWN = 3

_INPUT_TAG = 0


def _tag(stage: int, what: str) -> int:
    return 1 + 2 * stage + (what == "b")


def hashed_values(seed: int, tag: int, index: tuple[np.ndarray, ...] | tuple[int, ...],
                  low: int, high: int) -> np.ndarray:
    """Whole numbers in ``low … high`` that look random but are a pure function of
    ``(seed, tag, index)``: any single value can be made without the rest of the tensor.

    ``index`` holds one integer (array) per tensor axis; arrays broadcast together.
    """
    mask = np.uint64(0xFFFFFFFF)
    h = np.full(np.broadcast(*[np.asarray(i) for i in index]).shape if index else (),
                (seed * 2_654_435_761 + tag * 40_503 + 12_345) & 0xFFFFFFFF, dtype=np.uint64)
    for i in index:
        h = ((h ^ np.asarray(i, dtype=np.uint64)) * np.uint64(2_246_822_519)) & mask
        h = h ^ (h >> np.uint64(13))
    h = (h * np.uint64(3_266_489_917)) & mask
    h = h ^ (h >> np.uint64(16))
    return (h % np.uint64(high - low + 1)).astype(np.int64) + low


def hashed_value(seed: int, tag: int, index: tuple[int, ...], low: int, high: int) -> int:
    """:func:`hashed_values` for one index, in plain Python (50× faster than numpy for a
    single value; the page makes one value per product)."""
    mask = 0xFFFFFFFF
    h = (seed * 2_654_435_761 + tag * 40_503 + 12_345) & mask
    for i in index:
        h = ((h ^ i) * 2_246_822_519) & mask
        h ^= h >> 13
    h = (h * 3_266_489_917) & mask
    h ^= h >> 16
    return h % (high - low + 1) + low


def weight_shape(st: Stage) -> tuple[int, ...]:
    """The example's kernel layout for a stage (Keras-like, channels-last):
    conv ``(*kernel, c/groups, k)``, depthwise ``(*kernel, c, m)``, transposed
    ``(*kernel, c, k/groups)``; a channel sum has no weights (``()``)."""
    if st.op == "channel_sum":
        return ()
    if st.op == "depthwise":
        return (*st.kernel, st.in_channels, st.out_channels // st.in_channels)
    if st.op == "transposed":
        return (*st.kernel, st.in_channels, st.out_channels // st.groups)
    return (*st.kernel, st.in_channels // st.groups, st.out_channels)


def example_input(r: ConvResult, seed: int = 0) -> np.ndarray:
    """The whole example input ``(*spatial, c)`` (for tests and small layers)."""
    shape = r.input_shape
    return hashed_values(seed, _INPUT_TAG, tuple(np.indices(shape)), *INPUT_RANGE)


def example_weights(r: ConvResult, stage: int, seed: int = 0
                    ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(kernel, bias) of one stage of the example, whole (``None`` where it has none)."""
    st = r.stages[stage]
    shape = weight_shape(st)
    kernel = (hashed_values(seed, _tag(stage, "w"), tuple(np.indices(shape)), *WEIGHT_RANGE)
              if shape else None)
    bias = (hashed_values(seed, _tag(stage, "b"), (np.arange(st.out_channels),), *BIAS_RANGE)
            if st.bias_params else None)
    return kernel, bias


# ---------------------------------------------------------------------------
# The computation of one cell
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """One product of the sum: an input value (or a zero) times a weight."""

    source: str       # "x[1, 2, 0]", "0 (padding)", "0 (inserted)", "a[0, 3, 2]"
    value: int
    weight: str       # "w[0, 1, 0, 0]"
    weight_value: int

    @property
    def product(self) -> int:
        return self.value * self.weight_value

    @property
    def is_zero_cell(self) -> bool:
        return self.source.startswith("0")


@dataclass(frozen=True)
class ChannelPart:
    """The window over one input channel, multiplied by that channel's weights."""

    channel: int
    terms: tuple[Term, ...]
    total: int


@dataclass(frozen=True)
class StageCell:
    """One output value of one stage: Σ parts + bias."""

    stage: int
    stage_name: str
    op: str
    symbol: str                # what the stage's output is called: "y", "a", "s"
    position: tuple[int, ...]
    channel: int
    parts: tuple[ChannelPart, ...]
    bias_name: str | None
    bias: int
    value: int

    @property
    def name(self) -> str:
        return f"{self.symbol}[{', '.join(map(str, (*self.position, self.channel)))}]"


@dataclass(frozen=True)
class CellComputation:
    """The cell the student clicked, on the example, and the earlier-stage cells it reads.

    ``window``: per spatial axis, where the last stage's taps land in the grid the
    sliding-window figure draws (padded input; zero-inserted input for transposed).
    """

    kind: str
    rank: int
    position: tuple[int, ...]
    channel: int
    seed: int
    cell: StageCell
    earlier: tuple[StageCell, ...]
    earlier_count: int
    window: tuple[tuple[int, ...], ...]

    @property
    def value(self) -> int:
        return self.cell.value


class CellTooLarge(ConvError):
    """Writing out this cell would take too many multiplications for a page."""


def _symbols(r: ConvResult) -> list[tuple[str, str, str]]:
    """(output symbol, weight symbol, bias symbol) per stage."""
    n = len(r.stages)
    weighted = [i for i, st in enumerate(r.stages) if st.op != "channel_sum"]
    out = []
    for i, st in enumerate(r.stages):
        sym = "y" if i == n - 1 else ("s" if st.op == "channel_sum" else "ab"[min(i, 1)])
        suffix = str(weighted.index(i) + 1) if len(weighted) > 1 and i in weighted else ""
        out.append((sym, "w" + suffix, "b" + suffix))
    return out


def _fmt_index(values) -> str:
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


class _Cells:
    """Evaluates stage cells on the example, memoised, with a cost budget."""

    def __init__(self, r: ConvResult, seed: int, budget: int):
        self.r, self.seed, self.budget = r, seed, budget
        self.symbols = _symbols(r)
        self.values: dict[tuple[int, tuple[int, ...], int], int] = {}
        self.used = 0

    # -- geometry --------------------------------------------------------------------
    def taps(self, s: int, pos: tuple[int, ...]):
        """Per axis: list of (grid coordinate, weight tap index, input index or -1,
        zero kind) for every kernel tap of output ``pos`` of stage ``s``."""
        st = self.r.stages[s]
        per_axis = []
        for a, o in zip(st.axes, pos):
            cells = []
            if st.op == "transposed":
                lead = a.extent - 1 - a.before
                span = (a.size_in - 1) * a.stride + 1
                for t in range(a.kernel):
                    z = o - lead + t * a.dilation
                    if 0 <= z < span and z % a.stride == 0:
                        cells.append((z, a.kernel - 1 - t, z // a.stride, ""))
                    else:
                        cells.append((z, a.kernel - 1 - t, -1,
                                      "inserted" if 0 <= z < span else "padding"))
            else:
                for t in range(a.kernel):
                    u = o * a.stride - a.before + t * a.dilation
                    inside = 0 <= u < a.size_in
                    cells.append((u, t, u if inside else -1, "" if inside else "padding"))
            per_axis.append(cells)
        return per_axis

    def channels(self, s: int, ch: int) -> list[tuple[int, tuple[int, ...] | None]]:
        """(input channel, weight index after the taps) this output channel reads."""
        st = self.r.stages[s]
        if st.op == "channel_sum":
            return [(ci, None) for ci in range(st.in_channels)]
        if st.op == "depthwise":
            m = st.out_channels // st.in_channels
            return [(ch // m, (ch // m, ch % m))]
        g = st.groups
        kg, cg = st.out_channels // g, st.in_channels // g
        group = ch // kg
        if st.op == "transposed":
            return [(ci, (ci, ch % kg)) for ci in range(group * cg, (group + 1) * cg)]
        return [(ci, (ci - group * cg, ch)) for ci in range(group * cg, (group + 1) * cg)]

    # -- values ----------------------------------------------------------------------
    def input_value(self, s: int, pos: tuple[int, ...], ci: int) -> int:
        if s == 0:
            return hashed_value(self.seed, _INPUT_TAG, (*pos, ci), *INPUT_RANGE)
        return self.value(s - 1, pos, ci)

    def weight(self, s: int, index: tuple[int, ...]) -> int:
        return hashed_value(self.seed, _tag(s, "w"), index, *WEIGHT_RANGE)

    def bias(self, s: int, ch: int) -> int:
        if not self.r.stages[s].bias_params:
            return 0
        return hashed_value(self.seed, _tag(s, "b"), (ch,), *BIAS_RANGE)

    def value(self, s: int, pos: tuple[int, ...], ch: int) -> int:
        key = (s, pos, ch)
        if key not in self.values:
            self.values[key] = self.cell(s, pos, ch).value
        return self.values[key]

    def source_name(self, s: int, pos: tuple[int, ...], ci: int) -> str:
        sym = "x" if s == 0 else self.symbols[s - 1][0]
        return f"{sym}{_fmt_index((*pos, ci))}"

    def cell(self, s: int, pos: tuple[int, ...], ch: int) -> StageCell:
        st = self.r.stages[s]
        per_axis = self.taps(s, pos)
        sym, wsym, bsym = self.symbols[s]
        parts = []
        for ci, widx in self.channels(s, ch):
            terms = []
            for combo in itertools.product(*per_axis):
                self.used += 1
                if self.used > self.budget:
                    raise CellTooLarge(
                        f"writing out one output cell of this layer takes more than "
                        f"{self.budget:,} multiplications; choose fewer channels or "
                        "filters (c, k) or a smaller kernel to see its arithmetic")
                zero = next((z for _, _, _, z in combo if z), "")
                if zero:
                    # a padding zero wins over an inserted one: the cell is outside the input
                    kind = "padding" if any(z == "padding" for *_, z in combo) else "inserted"
                    source, val = f"0 ({kind})", 0
                else:
                    ipos = tuple(i for _, _, i, _ in combo)
                    source, val = self.source_name(s, ipos, ci), self.input_value(s, ipos, ci)
                if widx is None:
                    wname, wval = "1", 1
                else:
                    index = (*(t for _, t, _, _ in combo), *widx)
                    wname, wval = f"{wsym}{_fmt_index(index)}", self.weight(s, index)
                terms.append(Term(source, val, wname, wval))
            parts.append(ChannelPart(ci, tuple(terms), sum(t.product for t in terms)))
        b = self.bias(s, ch)
        bias_name = f"{bsym}[{ch}]" if st.bias_params else None
        value = sum(p.total for p in parts) + b
        return StageCell(s, st.name, st.op, sym, pos, ch, tuple(parts), bias_name, b, value)


def cell_cost(r: ConvResult, stage: int | None = None) -> int:
    """Multiplications needed to write out one cell of ``stage`` (default: the last),
    counting every earlier-stage value it reads (an upper bound: windows at the border
    read fewer)."""
    cost, need = 0, 1  # need: distinct cells of this stage required (per channel fan-in)
    last = len(r.stages) - 1 if stage is None else stage
    for st in reversed(r.stages[:last + 1]):
        taps = math.prod(st.kernel)
        fan_in = 1 if st.op == "depthwise" else st.in_channels // max(st.groups, 1)
        cost += need * taps * fan_in
        need = min(need * taps * fan_in, math.prod(st.in_shape))
    return cost


def figure_stage(r: ConvResult) -> int:
    """The stage whose output position the sliding-window figure (and its position
    sliders) means: the last stage when every later stage is a 1×1 stride-1 conv (a
    separable conv's pointwise step keeps the positions), else the first stage with a
    window (spatially separable: its first axis stage)."""
    first = next(i for i, st in enumerate(r.stages) if st.op != "channel_sum")
    later = r.stages[first + 1:]
    if all(all(k == 1 for k in st.kernel) and all(s == 1 for s in st.stride)
           for st in later):
        return len(r.stages) - 1
    return first


def compute_cell(r: ConvResult, position: tuple[int, ...], channel: int = 0, seed: int = 0,
                 budget: int = MAX_CELL_MACS, stage: int | None = None) -> CellComputation:
    """Output cell ``position`` (one index per spatial axis, clamped into the output),
    channel ``channel`` of stage ``stage`` (default: the last) of the layer ``r``, on the
    example with ``seed``.

    Raises :class:`CellTooLarge` (a ConvError) when it would take more than ``budget``
    multiplications.
    """
    last = len(r.stages) - 1 if stage is None else int(stage)
    cost = cell_cost(r, last)
    if cost > budget:
        raise CellTooLarge(
            f"writing out one output cell of this layer takes about {cost:,} "
            f"multiplications (more than {budget:,}); choose fewer channels or filters "
            "(c, k) or a smaller kernel to see its arithmetic")
    out = r.stages[last].out_shape
    pos = tuple(min(max(int(p), 0), n - 1) for p, n in zip(position, out[:-1]))
    if len(pos) != r.rank:
        raise ValueError(f"position {tuple(position)} needs {r.rank} index(es)")
    channel = min(max(int(channel), 0), out[-1] - 1)
    cells = _Cells(r, seed, budget)
    final = cells.cell(last, pos, channel)
    earlier_keys = [k for k in cells.values]  # filled while computing ``final``
    cells.used = 0  # writing a few of them out again is within the budget checked above
    shown = tuple(cells.cell(*key) for key in _first_read(final, earlier_keys))
    window = tuple(tuple(u for u, *_ in axis) for axis in cells.taps(last, pos))
    return CellComputation(r.kind, r.rank, pos, channel, seed, final, shown,
                           len(earlier_keys), window)


def _first_read(final: StageCell, keys: list) -> list:
    """The earlier-stage cells the final cell reads first (real cells, not zeros), at most
    MAX_EARLIER_SHOWN, from the stage just before the last."""
    before = final.stage - 1
    keys = [k for k in keys if k[0] == before]
    return keys[:MAX_EARLIER_SHOWN]


# ---------------------------------------------------------------------------
# Text: what the page writes beside the figure (Markdown, numbers only)
# ---------------------------------------------------------------------------

MAX_TERMS_SHOWN = 12
MAX_PARTS_SHOWN = 4


def _n(v: int) -> str:
    """A number inside a sum: negatives in brackets, with a real minus sign."""
    return f"({v})".replace("-", "−") if v < 0 else str(v)


def _term_text(t: Term) -> str:
    return f"{_n(t.value)}·{_n(t.weight_value)}"


def _signed(v: int) -> str:
    return str(v).replace("-", "−")


def part_line(cell: StageCell, part: ChannelPart, source: str,
              max_terms: int = MAX_TERMS_SHOWN) -> str:
    """``x channel 1: 3·(−1) + 0·2 + … = 5`` (taps on zeros are counted, not listed)."""
    real = [t for t in part.terms if not t.is_zero_cell]
    zeros = len(part.terms) - len(real)
    shown = " + ".join(_term_text(t) for t in real[:max_terms]) or "0"
    more = len(real) - max_terms
    if more > 0:
        shown += f" + … ({more} more)"
    if zeros:
        kinds = sorted({t.source[3:-1] for t in part.terms if t.is_zero_cell})
        taps = f"{zeros} tap{'s' if zeros != 1 else ''}"
        shown += f" + {taps} on {' / '.join(kinds)} zeros (0·w = 0)"
    return f"{source} channel {part.channel}: {shown} = **{_signed(part.total)}**"


def _source(comp_cell: StageCell, stages: tuple[str, ...]) -> str:
    return "input x" if comp_cell.stage == 0 else f"{stages[comp_cell.stage - 1]} output"


def cell_markdown(comp: CellComputation) -> list[str]:
    """The lines the page writes: the equation, one line per input channel, the bias and
    the total, then a few of the earlier-stage values it read."""
    c = comp.cell
    names = {e.stage: e.stage_name for e in comp.earlier}
    prev = f"{names[c.stage - 1]} output" if c.stage - 1 in names else "previous stage output"
    lines = [_cell_block(c, "input x" if c.stage == 0 else prev, heading=True)]
    if comp.earlier:
        first = comp.earlier[0]
        lines.append(f"The {first.symbol} values it reads are stage {first.stage + 1} "
                     f"({first.stage_name}) outputs, computed the same way "
                     f"({comp.earlier_count} of them; the first {len(comp.earlier)}):")
        lines.extend(_cell_block(e, "input x" if e.stage == 0 else "previous stage output",
                                 heading=False) for e in comp.earlier)
    return lines


def _cell_block(c: StageCell, source: str, heading: bool) -> str:
    if c.op == "channel_sum":
        terms = [t for p in c.parts for t in p.terms]
        names = " + ".join(t.source for t in terms[:6]) + (" + …" if len(terms) > 6 else "")
        values = " + ".join(_n(t.value) for t in terms[:12]) + (" + …" if len(terms) > 12
                                                               else "")
        return f"- {c.name} = {names} = {values} = **{_signed(c.value)}**"
    rows = [f"- {part_line(c, p, source)}" for p in c.parts[:MAX_PARTS_SHOWN]]
    hidden = c.parts[MAX_PARTS_SHOWN:]
    if hidden:
        rows.append(f"- … {len(hidden)} more channel(s): "
                    f"{' + '.join(_n(p.total) for p in hidden[:8])}"
                    f"{' + …' if len(hidden) > 8 else ''} = "
                    f"**{_signed(sum(p.total for p in hidden))}**")
    if c.bias_name:
        rows.append(f"- bias {c.bias_name} = **{_signed(c.bias)}**")
    equation = cell_equation(c)
    head = f"**{equation}**" if heading else f"{equation}:"
    return head + "\n\n" + "\n".join(rows)


def cell_equation(c: StageCell) -> str:
    """``y[1, 2, 0] = 11 + (−1) + (−5) + 0 = 5``: one total per input channel, the bias."""
    totals = [_n(p.total) for p in c.parts[:8]] + (["…"] if len(c.parts) > 8 else [])
    if c.bias_name:
        totals.append(_n(c.bias))
    return f"{c.name} = {' + '.join(totals)} = {_signed(c.value)}"


#: Products one animation frame may cost to carry its arithmetic in the subtitle.
FRAME_ARITHMETIC_MAX = 300


def frame_arithmetic_fits(r: ConvResult, stage: int) -> bool:
    """True when every animation frame can carry its cell's sum (a few hundred products
    per frame keep a slider move instant)."""
    return cell_cost(r, stage) <= FRAME_ARITHMETIC_MAX


def frame_arithmetic(r: ConvResult, position: tuple[int, ...], stage: int) -> str | None:
    """The line an animation frame shows under its title: the example's sum for the cell
    at ``position`` of ``stage``, or None when the layer is too large for every frame."""
    if not frame_arithmetic_fits(r, stage):
        return None
    comp = compute_cell(r, position, stage=stage)
    per = "per input channel" if len(comp.cell.parts) > 1 else "over the window"
    bias = " + bias" if comp.cell.bias_name else ""
    return f"Example numbers: {cell_equation(comp.cell)}  (Σ input × weight {per}{bias})"


def term_rows(comp: CellComputation, limit: int = 400) -> list[dict[str, object]]:
    """Every product of the clicked cell as table rows (at most ``limit``): which input
    value, which weight, their product."""
    rows = []
    for p in comp.cell.parts:
        for t in p.terms:
            if len(rows) >= limit:
                return rows
            rows.append({"input": t.source, "value": t.value, "weight": t.weight,
                         "weight value": t.weight_value, "product": t.product})
    return rows


def cell_summary(comp: CellComputation) -> str:
    """One line: ``y[1, 2, 0] = 7`` with the number of products (for a frame title)."""
    n = sum(len(p.terms) for p in comp.cell.parts)
    bias = " + bias" if comp.cell.bias_name else ""
    return f"{comp.cell.name} = {_signed(comp.value)} ({n} products{bias})"
