"""Every small layer draws every figure: an exhaustive sweep, not a random search.

Random search (``test_any_valid_layer``) only sometimes met the transposed convs whose
padding crops past the kernel (2×2 input, stride 2, padding 1) and whose sliding-window
figure then showed no input cell at all. Small sizes are where the edge cases live, so
they are swept completely here, for every kind at every rank it exists in.

Per spatial axis, every configuration a user can set up with small numbers:

    size 1–4 × kernel 1–3 × stride 1–3 × padding valid/same/0/1/2 (+ causal in 1D)
    × dilation 1–2 × output padding 0–2 (transposed only)

(pointwise: kernel and dilation 1, it has neither) that makes a valid layer on its own.
The figures handle each spatial axis on its own (one ``lib.conv.Axis`` each), so every
configuration is put on *every* axis: 1D takes each one; 2D pairs configuration i (on H)
with configuration i + m/2 of the same padding group (on W: a rotation, so each one lands
on W exactly once too); 3D uses i, i + m/3, i + 2m/3. A combination no framework accepts
(Keras refuses stride > 1 with dilation > 1 on any axis) is replaced by each of its
configurations on all axes. k = c = 2 (grouped: 2 groups).

The conv family (standard, grouped, depthwise, both separables, shared channels) draws one
window: for every configuration, the stage each member draws has the same axes (asserted
below). So each family configuration is drawn by one member that accepts it, in turn over a
fixed shuffle: every configuration is drawn, and every member meets every size, kernel,
stride, padding and dilation. Pointwise, transposed and spatially separable convs draw
every configuration of their own.

For each layer: the sliding-window animation at the last output position (the main figure)
with the frame that wraps round to the first position, and the volume figure; the scaling
figure (W = 1…4) once per configuration of the W axis but its size; the filter and
parameter figures once per distinct set of weight tensors (they draw the weights, which no
size, stride or padding changes). One test per kind × rank (transposed and spatially
separable in parts); a failure lists every failing layer. About 3,500 layers, ~3 CPU-minutes.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
import traceback

import numpy as np
import pytest

from lib.conv import AXES, KINDS, ConvError, analyze
from lib.figures import (filter_tensor_figure, param_breakdown_figure, scaling_figure,
                         volume_figure)
from lib.figures.sliding import TAP, TAP_ZERO
from tests.conftest import window
from tests.figure_checks import (check_common, check_filters_nd, check_sliding_1d,
                                 check_sliding_2d, check_sliding_3d)

SIZES = (1, 2, 3, 4)
KERNELS = (1, 2, 3)
STRIDES = (1, 2, 3)
DILATIONS = (1, 2)
OUTPUT_PADDINGS = (0, 1, 2)
PADDINGS = ("valid", "same", 0, 1, 2)
RANKS = {1: "1D", 2: "2D", 3: "3D"}
#: Kinds whose sliding window is a standard conv's: the stage they draw has the same axes
#: (asserted for every configuration), only the labels and the other stages differ.
CONV_FAMILY = ("standard", "grouped", "depthwise", "separable_keras", "separable_pytorch",
               "shared_channels")


def _paddings(rank: int) -> tuple:
    return PADDINGS + (("causal",) if rank == 1 else ())


def _layer_kw(kind: str, rank: int, axes: list[tuple]) -> dict:
    """analyze() keywords for one (size, kernel, stride, padding, dilation, op) per axis."""
    pads = [a[3] for a in axes]
    kw = dict(k=2, c=2, groups=2 if kind == "grouped" else 1,
              padding=pads[0] if isinstance(pads[0], str) else tuple(pads))
    kw.update({name: a[0] for name, a in zip(AXES[rank], axes)})
    for i, arg in ((1, "w"), (2, "stride"), (4, "dilation"), (5, "output_padding")):
        kw[arg] = tuple(a[i] for a in axes)
    if rank == 1:
        kw = {k: v[0] if isinstance(v, tuple) else v for k, v in kw.items()}
    return kw


def _valid(kind: str, kw: dict):
    try:
        return analyze(kind, **kw)
    except ConvError:
        return None


@functools.cache
def axis_configs(kind: str, rank: int) -> tuple[tuple, ...]:
    """Every small per-axis configuration that is a valid layer when put on all axes."""
    out = []
    for n, w, s, p, d, op in itertools.product(SIZES, KERNELS, STRIDES, _paddings(rank),
                                               DILATIONS, OUTPUT_PADDINGS):
        if (kind == "pointwise" and (w > 1 or d > 1)) or (kind != "transposed" and op):
            continue
        cfg = (n, w, s, p, d, op)
        if _valid(kind, _layer_kw(kind, rank, [cfg] * rank)) is not None:
            out.append(cfg)
    return tuple(out)


def _axis_of(kw: dict, rank: int, i: int) -> tuple:
    """The (size, kernel, stride, padding, dilation, op) of axis i of a sweep layer."""
    def at(v):
        return v if rank == 1 or isinstance(v, str) else v[i]
    return (kw[AXES[rank][i]], at(kw["w"]), at(kw["stride"]), at(kw["padding"]),
            at(kw["dilation"]), at(kw["output_padding"]))


def _drawn_axes(kind: str, rank: int, cfg: tuple):
    r = analyze(kind, **_layer_kw(kind, rank, [cfg] * rank))
    return next(s for s in r.stages if s.op != "channel_sum").axes


@functools.cache
def family_share(kind: str, rank: int) -> tuple[tuple, ...]:
    """The configurations ``kind`` draws. Outside the conv family: all of its own. In the
    family, every configuration any member accepts is drawn by one member that accepts it,
    chosen in turn over a fixed shuffle (so each member gets all sizes, kernels, ...)."""
    if kind not in CONV_FAMILY:
        return axis_configs(kind, rank)
    accepts = {k: set(axis_configs(k, rank)) for k in CONV_FAMILY}
    union = sorted(set().union(*accepts.values()), key=repr)
    random.Random(rank).shuffle(union)
    share = []
    for i, cfg in enumerate(union):
        takers = [k for k in CONV_FAMILY if cfg in accepts[k]]
        if takers[i % len(takers)] == kind:
            share.append(cfg)
    return tuple(share)


def sweep(kind: str, rank: int) -> list[dict]:
    """The layers of the sweep (see the module docstring): every configuration on every axis."""
    groups: dict[object, list[tuple]] = {}
    for cfg in family_share(kind, rank):
        groups.setdefault(cfg[3] if isinstance(cfg[3], str) else "int", []).append(cfg)
    out = []
    for configs in groups.values():
        m = len(configs)
        for i in range(m):
            combo = [configs[(i + j * m // rank) % m] for j in range(rank)]
            kw = _layer_kw(kind, rank, combo)
            if _valid(kind, kw) is not None:
                out.append(kw)
            else:
                out.extend(_layer_kw(kind, rank, [cfg] * rank) for cfg in combo)
    return out


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

def _real(ln, taps: np.ndarray, transposed: bool, stride: int) -> np.ndarray:
    """Which grid coordinates hold a real input cell (not padding, not an inserted zero)."""
    inside = (taps >= 0) & (taps < ln.span)
    return inside & (taps % stride == 0) if transposed else inside


def _check_first_window(r, fig):
    """The frame that wraps round to output 0: its window starts where lib.conv says."""
    m = fig.layout.meta
    stage = r.stages[m["stage"]]
    rank = len(stage.axes)
    first = (0,) * rank if rank < 3 else (m["position"][0], 0, 0)
    name = "0" if rank == 1 else "(" + ", ".join(map(str, first)) + ")"
    frames = {f.name: f for f in fig.frames}
    if name not in frames:  # one output position (3D: in this depth slice), one frame
        assert math.prod(m["output_size"][-2:]) == 1 and len(fig.frames) == 1
        return
    frame = frames[name]
    if rank == 1:
        tap = frame.data[0]
    else:  # the kernel taps' trace (the input's labels also move when a view has them)
        taps = next(i for i, t in enumerate(fig.data) if t.name == "kernel taps")
        tap = dict(zip(frame.traces, frame.data))[taps]
    lines = [window(stage, i) for i in range(rank)]
    if rank == 1:
        a = stage.axes[0]
        assert list(tap.x) == [lines[0].start(0) + j * a.dilation for j in range(a.kernel)]
        return
    (ah, aw), (lh, lw) = stage.axes[-2:], lines[-2:]
    assert (tap.y0, tap.x0) == (lh.start(0), lw.start(0))
    z = np.asarray(tap.z)
    assert z.shape == (ah.extent, aw.extent)
    assert np.isin(z, [TAP, TAP_ZERO]).sum() == ah.kernel * aw.kernel
    if rank == 2:  # a tap is orange exactly where it meets a real input cell
        t = stage.op == "transposed"
        rows = _real(lh, lh.start(0) + ah.dilation * np.arange(ah.kernel), t, ah.stride)
        cols = _real(lw, lw.start(0) + aw.dilation * np.arange(aw.kernel), t, aw.stride)
        assert (z == TAP).sum() == rows.sum() * cols.sum()


def _check_volume(r):
    fig = volume_figure(r)
    check_common(fig)
    boxes = fig.layout.meta["boxes"]
    expected = [list(r.input_shape)] + [list(s.out_shape) for s in r.stages]
    assert [b["shape"] for b in boxes] == expected
    texts = " ".join(a.text for a in fig.layout.annotations)
    for shape in expected:
        assert "×".join(map(str, shape)) in texts
    cropped = any(max(a.before, 0) + max(a.after, 0) for s in r.stages
                  if s.op == "transposed" for a in s.axes)
    assert ("cropped away" in texts) == cropped


def _check_scaling(kind: str, kw: dict):
    axis = "W"
    base = dict(kind=kind, **kw)
    fig = scaling_figure(base, axis, list(SIZES), current=kw[axis])
    check_common(fig)
    m = fig.layout.meta
    expected = {n: _valid(kind, {**kw, axis: n}) for n in SIZES}
    assert m["values"] == [n for n, e in expected.items() if e is not None]
    assert m["params"] == [e.params for e in expected.values() if e is not None]
    assert m["macs"] == [e.macs for e in expected.values() if e is not None]


def _weights_key(r) -> tuple:
    return tuple((s.op, s.kernel, s.in_channels, s.out_channels, s.groups, s.bias_params,
                  s.weight_params) for s in r.stages)


def check_layer(kind: str, kw: dict, seen: set) -> None:
    r = analyze(kind, **kw)
    stage = next(s for s in r.stages if s.op != "channel_sum")
    last = tuple(n - 1 for n in stage.out_shape[:-1])
    check = {1: check_sliding_1d, 2: check_sliding_2d, 3: check_sliding_3d}[r.rank]
    fig = check(r, last[0] if r.rank == 1 else last, frames=True, max_frames=2)
    _check_first_window(r, fig)
    _check_volume(r)
    scaling = ("scaling", _axis_of(kw, r.rank, r.rank - 1)[1:])
    if scaling not in seen:  # W = 1…4: once per configuration of the W axis but its size
        seen.add(scaling)
        _check_scaling(kind, kw)
    weights = _weights_key(r)
    if weights not in seen:
        seen.add(weights)
        check_filters_nd(r)
        fig = param_breakdown_figure(r)
        check_common(fig)
        assert sum(fig.data[0].y) + sum(fig.data[1].y) == r.params


CASES = [(kind, rank) for rank in RANKS for kind in KINDS if axis_configs(kind, rank)]
#: Kinds with many layers run in parts (every part-th layer), so no test nears the timeout.
PARTS = {"transposed": 4, "spatially_separable": 2}
PARTED = [(kind, rank, part) for kind, rank in CASES for part in range(PARTS.get(kind, 1))]


@pytest.mark.sweep
@pytest.mark.parametrize("kind,rank,part", PARTED, ids=[
    f"{k}-{RANKS[r]}" + (f"-part{p + 1}" if PARTS.get(k, 1) > 1 else "") for k, r, p in PARTED])
def test_every_small_layer_draws_every_figure(kind, rank, part):
    layers = sweep(kind, rank)[part::PARTS.get(kind, 1)]
    seen: set = set()
    failures = []
    for kw in layers:
        try:
            check_layer(kind, kw, seen)
        except Exception as exc:  # collect them all: the failure message lists every layer
            where = traceback.extract_tb(exc.__traceback__)[-1]
            args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
            failures.append(f"analyze({kind!r}, {args}): {type(exc).__name__} "
                            f"{str(exc)[:120]} at {where.filename.rsplit('/', 1)[-1]}:"
                            f"{where.lineno} {where.line}")
    assert not failures, (f"{len(failures)} of {len(layers)} small {RANKS[rank]} {kind} layers "
                          "fail:\n" + "\n".join(failures[:40]))


def test_sweep_puts_every_configuration_on_every_axis():
    assert {k for k, _ in CASES} == set(KINDS)
    assert {r for _, r in CASES} == set(RANKS)
    for kind, rank in CASES:
        share = set(family_share(kind, rank))
        layers = sweep(kind, rank)
        for i in range(rank):
            assert {_axis_of(kw, rank, i) for kw in layers} == share, (kind, rank, i)
        assert all(_valid(kind, kw) is not None for kw in layers)
        # every member of the conv family still meets every value of every knob
        for i in range(5):  # size, kernel, stride, padding, dilation
            accepted = {c[i] for c in axis_configs(kind, rank)}
            assert {c[i] for c in share} == accepted, (kind, rank, i)
    # what the configurations span (a transposed conv has every output padding)
    configs = axis_configs("transposed", 2)
    for i, values in enumerate((SIZES, KERNELS, STRIDES, PADDINGS, DILATIONS, OUTPUT_PADDINGS)):
        assert {c[i] for c in configs} == set(values)
    assert {c[3] for c in axis_configs("standard", 1)} == set(PADDINGS) | {"causal"}


@pytest.mark.parametrize("rank", RANKS)
def test_conv_family_shares_out_every_configuration_and_draws_the_same_window(rank):
    accepts = {k: axis_configs(k, rank) for k in CONV_FAMILY}
    union = set().union(*map(set, accepts.values()))
    shares = [set(family_share(k, rank)) for k in CONV_FAMILY]
    assert sum(map(len, shares)) == len(union) == len(set().union(*shares))
    for cfg in union:
        drawn = {_drawn_axes(k, rank, cfg) for k in CONV_FAMILY if cfg in accepts[k]}
        assert len(drawn) == 1, cfg
