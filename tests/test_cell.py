"""lib.cell: one output cell's arithmetic equals a full numpy convolution of the same example.

Two references, neither of them lib.cell's per-cell gather:

* 2D: lib.numeric (checked against real PyTorch and Keras outputs in test_numeric.py);
* 1D/2D/3D: an N-D numpy conv written here, whole-array at a time (conv: one shifted slice
  per kernel tap; transposed: the scatter form, every input cell stamping its kernel, then
  cropped). It is itself checked against lib.numeric in 2D.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lib import numeric
from lib.cell import (CellTooLarge, cell_cost, cell_markdown, cell_summary, compute_cell,
                      example_input, example_weights, hashed_value, hashed_values, term_rows)
from lib.conv import KINDS, ConvError, analyze

# ---------------------------------------------------------------------------
# The N-D reference
# ---------------------------------------------------------------------------


def _conv_nd(x, kernel, bias, axes, groups):
    """out[o, f] = b[f] + Σ_taps Σ_ci xp[o·s + t·d, ci] · kernel[t, ci_local, f]."""
    rank = len(axes)
    xp = numeric.pad_or_crop(x, [(a.before, a.after) for a in axes])
    out_sp = tuple(a.size_out for a in axes)
    k = kernel.shape[-1]
    cg, kg = kernel.shape[-2], k // groups
    out = np.zeros((*out_sp, k))
    for taps in itertools.product(*[range(a.kernel) for a in axes]):
        idx = tuple(slice(t * a.dilation, t * a.dilation + (a.size_out - 1) * a.stride + 1,
                          a.stride) for t, a in zip(taps, axes))
        shifted = xp[idx]  # (*out, c)
        for g in range(groups):
            out[..., g * kg:(g + 1) * kg] += shifted[..., g * cg:(g + 1) * cg] @ kernel[
                taps][:, g * kg:(g + 1) * kg]
    assert out.shape[:rank] == out_sp
    return out + (0 if bias is None else bias)


def _transposed_nd(x, kernel, bias, axes, groups):
    """Scatter: full[i·s + t·d, f] += x[i, ci] · kernel[t, ci, f_local], then crop."""
    sp = x.shape[:-1]
    c = x.shape[-1]
    kg = kernel.shape[-1]
    cg = c // groups
    full = np.zeros((*((n - 1) * a.stride + a.extent for n, a in zip(sp, axes)), kg * groups))
    for i in itertools.product(*[range(n) for n in sp]):
        for taps in itertools.product(*[range(a.kernel) for a in axes]):
            o = tuple(ii * a.stride + t * a.dilation for ii, t, a in zip(i, taps, axes))
            for ci in range(c):
                g = ci // cg
                full[(*o, slice(g * kg, (g + 1) * kg))] += x[(*i, ci)] * kernel[(*taps, ci)]
    out = numeric.pad_or_crop(full, [(-a.before, -a.after) for a in axes])
    return out + (0 if bias is None else bias)


def reference_nd(r, seed=0):
    """Every stage of the example, whole, with the N-D reference."""
    a = example_input(r, seed).astype(float)
    for s, st in enumerate(r.stages):
        kernel, bias = example_weights(r, s, seed)
        if st.op == "channel_sum":
            a = a.sum(axis=-1, keepdims=True)
        elif st.op == "transposed":
            a = _transposed_nd(a, kernel, bias, st.axes, st.groups)
        elif st.op == "depthwise":
            grouped = kernel.reshape(*kernel.shape[:-2], 1, -1)
            a = _conv_nd(a, grouped, bias, st.axes, st.groups)
        else:
            a = _conv_nd(a, kernel, bias, st.axes, st.groups)
    return a


def reference_2d(r, seed=0):
    """The same example through lib.numeric's framework-checked 2D layers."""
    s = r.spec
    x = example_input(r, seed).astype(float)
    geo = dict(stride=s.stride, dilation=s.dilation,
               padding=s.padding if isinstance(s.padding, str) else s.padding)
    w = [example_weights(r, i, seed) for i in range(len(r.stages))]
    kind = r.kind
    if kind in ("standard", "grouped", "pointwise"):
        if kind == "pointwise":
            geo["dilation"] = 1
        return numeric.conv2d(x, w[0][0], w[0][1], groups=r.stages[0].groups, **geo)
    if kind == "depthwise":
        return numeric.depthwise2d(x, w[0][0], w[0][1], **geo)
    if kind.startswith("separable"):
        mid = numeric.depthwise2d(x, w[0][0], w[0][1], **geo)
        return numeric.pointwise2d(mid, w[1][0], w[1][1])
    if kind == "shared_channels":
        return numeric.conv2d(x.sum(axis=2, keepdims=True), w[1][0], w[1][1], **geo)
    if kind == "transposed":
        return numeric.transposed2d(x, w[0][0], w[0][1], groups=s.groups,
                                    output_padding=s.output_padding, **geo)
    assert kind == "spatially_separable"
    a = x
    for i, st in enumerate(r.stages):
        pad = s.padding if isinstance(s.padding, str) else tuple(
            p if j == i else 0 for j, p in enumerate(s.padding))
        a = numeric.conv2d(a, w[i][0], w[i][1], stride=st.stride, dilation=st.dilation,
                           padding=pad)
    return a


# ---------------------------------------------------------------------------
# The sweep: every kind × 1D/2D/3D × small sizes, strides, paddings, dilations
# ---------------------------------------------------------------------------

def _configs(rank):
    sizes = {1: [(7,)], 2: [(4, 5), (6, 6)], 3: [(3, 4, 5)]}[rank]
    for kind in KINDS:
        for sp, w, s, pad, d in itertools.product(
                sizes, (2, 3), (1, 2), ("valid", "same", 1), (1, 2)):
            if rank == 3 and (w, d) == (3, 2):
                continue  # a dilated 3-kernel is larger than a 3-deep input
            kw = dict(k=4, w=w, c=2 if kind != "grouped" else 4, stride=s, padding=pad,
                      dilation=d, groups=2 if kind in ("grouped", "transposed") else 1,
                      depth_multiplier=2 if kind in ("depthwise", "separable_keras") else 1,
                      output_padding=1 if kind == "transposed" and s == 2 and pad == 1 else 0)
            if kind == "transposed" and isinstance(pad, str):
                kw["groups"] = 1
            dims = dict(zip(("D", "H", "W")[3 - rank:], sp))
            try:
                r = analyze(kind, **kw, **dims)
            except ConvError:
                continue
            yield pytest.param(r, id=f"{kind}-{rank}d-{sp}-w{w}-s{s}-{pad}-d{d}")


def _positions(r):
    out = r.output_shape[:-1]
    every = list(itertools.product(*[range(n) for n in out]))
    if len(every) <= 12:
        return every
    step = max(1, len(every) // 10)
    return every[::step] + [every[-1]]


def _check(r, ref):
    assert ref.shape == r.output_shape
    for pos in _positions(r):
        for ch in sorted({0, r.output_shape[-1] - 1}):
            comp = compute_cell(r, pos, channel=ch)
            assert comp.value == ref[(*pos, ch)], (pos, ch)
            # the terms written out add up to it
            cell = comp.cell
            for part in cell.parts:
                assert part.total == sum(t.value * t.weight_value for t in part.terms)
            assert cell.value == sum(p.total for p in cell.parts) + cell.bias


@pytest.mark.parametrize("rank", [1, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_cell_equals_full_numpy_conv(kind, rank):
    """1D and 3D: against the N-D reference (checked against lib.numeric in 2D below)."""
    configs = [p.values[0] for p in _configs(rank) if p.values[0].kind == kind]
    if (kind, rank) in REFUSED:
        assert not configs
        return
    assert len(configs) >= 8
    for r in configs:
        _check(r, reference_nd(r))


@pytest.mark.parametrize("kind", KINDS)
def test_cell_equals_lib_numeric_2d(kind):
    """2D: against lib.numeric (framework-checked); the N-D reference agrees with it."""
    configs = [p.values[0] for p in _configs(2) if p.values[0].kind == kind]
    assert len(configs) >= 16
    for r in configs:
        ref = reference_2d(r)
        np.testing.assert_array_equal(reference_nd(r), ref)
        _check(r, ref)


#: Kinds a rank does not have (analyze refuses them, with a reason).
REFUSED = {("spatially_separable", 1), ("separable_keras", 3)}


def test_sweep_covers_every_kind_and_rank():
    seen = {(p.values[0].kind, p.values[0].rank) for rank in (1, 2, 3)
            for p in _configs(rank)}
    for kind in KINDS:
        for rank in (1, 2, 3):
            assert ((kind, rank) in seen) != ((kind, rank) in REFUSED)
    with pytest.raises(ConvError, match="SeparableConv3D"):
        analyze("separable_keras", k=4, w=2, c=2, D=3, H=4, W=5)


# ---------------------------------------------------------------------------
# What the cell shows
# ---------------------------------------------------------------------------

def test_classic_layer_cell_has_48_products_per_filter():
    r = analyze("standard", k=10, w=4, c=3, H=32, W=32)
    comp = compute_cell(r, (28, 28))
    assert comp.position == (28, 28)
    assert [p.channel for p in comp.cell.parts] == [0, 1, 2]
    assert sum(len(p.terms) for p in comp.cell.parts) == 48
    assert comp.window == ((28, 29, 30, 31), (28, 29, 30, 31))
    lines = cell_markdown(comp)
    assert lines[0].startswith(f"**y[28, 28, 0] = ") and lines[0].split("\n")[0].endswith(
        f"= {comp.value}**".replace("-", "−"))
    assert len(term_rows(comp)) == 48
    assert cell_summary(comp).startswith("y[28, 28, 0] = ")


def test_depthwise_reads_one_channel_and_transposed_the_zero_inserted_input():
    r = analyze("depthwise", k=1, w=3, c=3, H=5, W=5, depth_multiplier=2)
    comp = compute_cell(r, (1, 1), channel=3)  # channel 3 = input channel 1, filter 1
    assert [p.channel for p in comp.cell.parts] == [1]
    t = analyze("transposed", k=2, w=3, c=1, H=3, W=3, stride=2)
    comp = compute_cell(t, (1, 1))
    zeros = {term.source for term in comp.cell.parts[0].terms if term.is_zero_cell}
    assert zeros == {"0 (inserted)", "0 (padding)"}
    assert "inserted" in cell_markdown(comp)[0]


def test_two_stage_kinds_write_out_the_first_stage():
    r = analyze("separable_keras", k=4, w=3, c=3, H=5, W=5)
    comp = compute_cell(r, (0, 0))
    assert comp.earlier and all(e.stage == 0 for e in comp.earlier)
    assert comp.earlier_count == 3
    assert "depthwise" in "\n".join(cell_markdown(comp))
    r = analyze("spatially_separable", k=2, w=3, c=2, D=4, H=4, W=4)
    comp = compute_cell(r, (1, 1, 1))
    assert {e.stage for e in comp.earlier} == {1}


def test_huge_layers_say_why_instead_of_hanging():
    r = analyze("spatially_separable", k=512, w=11, c=3, D=16, H=16, W=16)
    assert cell_cost(r) > 20_000
    assert cell_cost(analyze("standard", k=64, w=11, c=512, H=64, W=64)) > 20_000
    with pytest.raises(CellTooLarge, match="fewer channels"):
        compute_cell(r, (0, 0))
    # but a big input with a small window is cheap: only the window is made
    r = analyze("standard", k=10, w=3, c=3, H=1024, W=1024)
    assert compute_cell(r, (1021, 1021)).position == (1021, 1021)


def test_positions_are_clamped():
    r = analyze("standard", k=2, w=3, c=1, H=5, W=5)
    assert compute_cell(r, (99, -3)).position == (2, 0)


def test_example_values_are_small_whole_numbers_and_reproducible():
    r = analyze("standard", k=3, w=3, c=3, H=6, W=6)
    x = example_input(r)
    assert x.min() >= 0 and x.max() <= 4 and len(np.unique(x)) == 5
    kernel, bias = example_weights(r, 0)
    assert kernel.min() >= -2 and kernel.max() <= 2 and bias.shape == (3,)
    np.testing.assert_array_equal(x, example_input(r))
    assert not np.array_equal(x, example_input(r, seed=1))
    # one value made alone equals the same value in the whole tensor
    assert hashed_values(0, 0, (2, 3, 1), 0, 4) == x[2, 3, 1]
    for index in itertools.product(range(6), range(6), range(3)):
        assert hashed_value(0, 0, index, 0, 4) == x[index]
