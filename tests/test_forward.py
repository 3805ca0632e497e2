"""lib.forward: a layer run on a picture has exactly the explorer's output shape (every kind,
a sweep of settings) and the same numbers as independent slow references: lib.numeric's
sliding-window loops (checked against real PyTorch/Keras in tests/test_numeric.py) and a
plain numpy loop written here. The classic kernels do what their names say.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib import numeric
from lib.conv import KINDS, ConvError, analyze
from lib.forward import (MAX_VALUES, PICTURE_SIDE, PRESETS, ForwardError, layer_weights,
                         picture, preset_kernel, run_layer, separable_factors, turned)
from lib.image import load_image

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "assets" / "sample.png"


def small_image(h: int = 9, w: int = 11, c: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 1, (h, w, c)).astype(np.float32)


def sweep() -> list[dict[str, object]]:
    """Every kind × kernel 1-3 × stride 1-2 × valid/same/explicit 1 × dilation 1-2, plus each
    kind's own knob (groups 1 and 3, depth multiplier 1 and 2, output padding 0 and 1)."""
    cases = []
    for kind, w, s, pad, d in itertools.product(KINDS, (1, 2, 3), (1, 2),
                                                ("valid", "same", 1), (1, 2)):
        extra: list[dict[str, object]] = [{}]
        if kind in ("grouped", "transposed"):
            extra = [{"groups": 1}, {"groups": 3}]
        if kind in ("depthwise", "separable_keras", "separable_pytorch"):
            extra = [{"depth_multiplier": 1}, {"depth_multiplier": 2}]
        if kind == "transposed" and s == 2 and isinstance(pad, int):
            extra += [{"groups": 1, "output_padding": 1}]
        for more in extra:
            cases.append(dict(kind=kind, k=6, w=w, stride=s, padding=pad, dilation=d, **more))
    return cases


SWEEP = sweep()


def case_id(case: dict[str, object]) -> str:
    return "-".join(f"{k}={v}" for k, v in case.items())


@pytest.mark.parametrize("case", SWEEP, ids=case_id)
def test_output_shape_is_the_explorers_and_values_match_the_references(case):
    x = small_image()
    H, W, c = x.shape
    try:
        expected = analyze(c=c, H=H, W=W, **case)
    except ConvError as err:  # the page shows the same message the explorer shows
        with pytest.raises(ConvError) as info:
            run_layer(x, "random", 1, **case)
        assert str(info.value) == str(err)
        return
    f = run_layer(x, "random", 1, **case)
    assert f.output.shape == expected.output_shape
    assert tuple(s.maps.shape for s in f.stages) == tuple(s.out_shape for s in expected.stages)
    np.testing.assert_allclose(f.output, reference(x, f, case), rtol=1e-4, atol=1e-4)


def reference(x: np.ndarray, f, case: dict[str, object]) -> np.ndarray:
    """The same layer with lib.numeric's slow loops and the weights run_layer used."""
    kind = case["kind"]
    s, pad, d = case["stride"], case["padding"], case["dilation"]
    kernels = [st.kernel for st in f.stages]
    x64 = np.asarray(x, dtype=float)
    if kind in ("standard", "grouped"):
        return numeric.conv2d(x64, kernels[0], None, s, pad, d, case.get("groups", 1))
    if kind == "pointwise":  # 1×1, never dilated
        return numeric.conv2d(x64, kernels[0], None, s, pad, 1)
    if kind == "depthwise":
        return numeric.depthwise2d(x64, kernels[0], None, s, pad, d)
    if kind in ("separable_keras", "separable_pytorch"):
        mid = numeric.depthwise2d(x64, kernels[0], None, s, pad, d)
        return numeric.pointwise2d(mid, kernels[1])
    if kind == "shared_channels":
        return numeric.conv2d(x64.sum(axis=2, keepdims=True), kernels[1], None, s, pad, d)
    if kind == "transposed":
        return numeric.transposed2d(x64, kernels[0], None, s, pad, d, case.get("groups", 1),
                                    case.get("output_padding", 0))
    assert kind == "spatially_separable"  # (kh×1) over rows, then (1×kw) over columns
    first = numeric.conv2d(x64, kernels[0], None, (s, 1), (pad, 0) if isinstance(pad, int)
                           else pad, (d, 1))
    return numeric.conv2d(first, kernels[1], None, (1, s), (0, pad) if isinstance(pad, int)
                          else pad, (1, d))


def naive_conv(x: np.ndarray, kernel: np.ndarray, stride: int, pad: int, dilation: int
               ) -> np.ndarray:
    """Conv2D written out here with explicit loops (no lib code at all)."""
    xp = np.pad(x, ((pad, pad), (pad, pad), (0, 0)))
    kh, kw, c, k = kernel.shape
    h = (xp.shape[0] - dilation * (kh - 1) - 1) // stride + 1
    w = (xp.shape[1] - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((h, w, k))
    for i in range(h):
        for j in range(w):
            for o in range(k):
                total = 0.0
                for u in range(kh):
                    for v in range(kw):
                        for ci in range(c):
                            total += (xp[i * stride + u * dilation, j * stride + v * dilation, ci]
                                      * kernel[u, v, ci, o])
                out[i, j, o] = total
    return out


@given(h=st.integers(3, 8), w=st.integers(3, 8), c=st.integers(1, 3), k=st.integers(1, 3),
       kernel=st.integers(1, 3), stride=st.integers(1, 3), pad=st.integers(0, 2),
       dilation=st.integers(1, 2), preset=st.sampled_from(list(PRESETS)),
       seed=st.integers(0, 99))
def test_standard_conv_equals_a_plain_loop(h, w, c, k, kernel, stride, pad, dilation,
                                           preset, seed):
    x = small_image(h, w, c, seed)
    if dilation * (kernel - 1) + 1 > min(h, w) + 2 * pad:
        return
    f = run_layer(x, preset, seed, kind="standard", k=k, w=kernel, stride=stride,
                  padding=pad, dilation=dilation)
    expected = naive_conv(x.astype(float), f.stages[0].kernel, stride, pad, dilation)
    np.testing.assert_allclose(f.output, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("preset", [p for p in PRESETS if p != "random"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_with_every_classic_kernel_matches_the_reference(kind, preset):
    case = dict(kind=kind, k=6, w=3, stride=1, padding="same", dilation=1)
    if kind in ("grouped", "transposed"):
        case["groups"] = 3
    if kind == "transposed":
        case.update(padding=1, stride=2)  # Keras's 'same' has no groups
    if kind.startswith("separable") or kind == "depthwise":
        case["depth_multiplier"] = 2
    x = small_image()
    f = run_layer(x, preset, 0, **case)
    np.testing.assert_allclose(f.output, reference(x, f, case), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------
# The classic kernels
# ---------------------------------------------------------------------------

def test_the_3x3_kernels_are_the_textbook_ones():
    assert np.array_equal(preset_kernel("blur", 3) * 16, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert np.array_equal(preset_kernel("edge", 3) * 4, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    assert np.array_equal(preset_kernel("emboss", 3), [[-1, -1, 0], [-1, 1, 1], [0, 1, 1]])
    assert np.allclose(preset_kernel("sharpen", 3).sum(), 1)
    assert preset_kernel("sharpen", 3)[1, 1] > 1


@pytest.mark.parametrize("w", range(1, 12))
def test_kernel_sums_keep_flat_regions(w):
    """blur, sharpen and emboss keep a flat picture as it is (weights sum to 1), edge
    gives 0 on it (weights sum to 0)."""
    assert np.isclose(preset_kernel("blur", w).sum(), 1)
    assert np.isclose(preset_kernel("sharpen", w).sum(), 1)
    assert np.isclose(preset_kernel("emboss", w).sum(), 1)
    assert np.isclose(preset_kernel("edge", w).sum(), 0)


def test_unknown_preset():
    with pytest.raises(ValueError, match="preset='nope'"):
        preset_kernel("nope", 3)
    with pytest.raises(ConvError, match="preset='nope'"):
        run_layer(small_image(), "nope", kind="standard", k=1, w=3)


def test_edge_finds_a_vertical_step_and_turned_a_horizontal_one():
    x = np.zeros((12, 12, 1), np.float32)
    x[:, 6:] = 1.0  # dark left, bright right: a vertical edge between columns 5 and 6
    f = run_layer(x, "edge", kind="standard", k=2, w=3)
    vertical, horizontal = f.output[:, :, 0], f.output[:, :, 1]
    assert np.allclose(vertical[:, 4:6], 1.0) and np.allclose(np.delete(vertical, [4, 5], 1), 0)
    assert np.allclose(horizontal, 0)  # turned by 90°: sees no horizontal edge here


def test_blur_and_sharpen_keep_a_flat_picture():
    x = np.full((10, 10, 3), 0.4, np.float32)
    for preset in ("blur", "sharpen", "emboss"):
        out = run_layer(x, preset, kind="standard", k=3, w=3).output
        assert np.allclose(out, 0.4, atol=1e-6), preset


def test_standard_shared_and_separable_agree_for_blur():
    """Same kernel on every channel: all three are blur(mean of the channels)."""
    x = small_image(12, 12)
    kw = dict(k=4, w=3, padding="same")
    standard = run_layer(x, "blur", kind="standard", **kw).output
    shared = run_layer(x, "blur", kind="shared_channels", **kw).output
    separable = run_layer(x, "blur", kind="separable_keras", **kw).output
    assert np.allclose(standard, shared, atol=1e-6) and np.allclose(standard, separable, atol=1e-6)
    mean = x.mean(axis=2, keepdims=True)
    assert np.allclose(standard[:, :, :1], run_layer(mean, "blur", kind="standard", **kw).output[
        :, :, :1], atol=1e-6)


@pytest.mark.parametrize("preset", ["edge", "blur"])
def test_spatially_separable_is_exact_for_separable_kernels(preset):
    x = small_image(12, 12)
    for pad in ("valid", "same"):
        a = run_layer(x, preset, kind="standard", k=4, w=3, padding=pad).output
        b = run_layer(x, preset, kind="spatially_separable", k=4, w=3, padding=pad)
        assert np.allclose(a, b.output, atol=1e-5)
        assert not any("not separable" in n for n in b.notes)


def test_spatially_separable_says_how_much_of_sharpen_it_keeps():
    f = run_layer(small_image(12, 12), "sharpen", kind="spatially_separable", k=2, w=3)
    (note,) = [n for n in f.notes if "not separable" in n]
    _, _, kept = separable_factors(preset_kernel("sharpen", 3))
    assert f"{kept:.0%}" in note and 0 < kept < 1


def test_separable_factors_rebuild_a_rank_one_kernel():
    k = turned(preset_kernel("edge", 5), 1)
    col, row, kept = separable_factors(k)
    assert np.isclose(kept, 1) and np.allclose(np.outer(col, row), k)


def test_depthwise_never_mixes_channels():
    x = small_image(10, 10)
    zeroed = x.copy()
    zeroed[:, :, 1:] = 0  # only red left
    a = run_layer(x, "random", 3, kind="depthwise", k=1, w=3, depth_multiplier=2).output
    b = run_layer(zeroed, "random", 3, kind="depthwise", k=1, w=3, depth_multiplier=2).output
    assert np.allclose(a[:, :, :2], b[:, :, :2])          # red's two maps: unchanged
    assert np.allclose(b[:, :, 2:], 0)                    # green's and blue's: nothing


def test_grouped_filters_only_see_their_group():
    x = small_image(10, 10)
    zeroed = x.copy()
    zeroed[:, :, 0] = 0
    a = run_layer(x, "edge", kind="grouped", k=6, w=3, groups=3).output
    b = run_layer(zeroed, "edge", kind="grouped", k=6, w=3, groups=3).output
    assert not np.allclose(a[:, :, :2], b[:, :, :2])      # group 0 (red) changed
    assert np.allclose(a[:, :, 2:], b[:, :, 2:])          # groups 1, 2 did not


def test_pointwise_edge_is_zero_and_says_why():
    f = run_layer(small_image(), "edge", kind="pointwise", k=3, w=3)
    assert np.allclose(f.output, 0)
    assert any("1×1 kernel sees no neighbours" in n for n in f.notes)


def test_transposed_blur_upsamples():
    x = small_image(6, 6, 1)
    f = run_layer(x, "blur", kind="transposed", k=1, w=4, stride=2, padding=1)
    assert f.output.shape == (12, 12, 1)
    assert np.isclose(f.output.mean(), x.mean(), rtol=0.2)


def test_random_weights_are_fixed_by_the_seed():
    x = small_image()
    a = run_layer(x, "random", 5, kind="standard", k=3, w=3).output
    b = run_layer(x, "random", 5, kind="standard", k=3, w=3).output
    c = run_layer(x, "random", 6, kind="standard", k=3, w=3).output
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_layer_weights_have_the_frameworks_counts():
    """The kernels hold exactly the weights lib.conv counts (biases are 0 here)."""
    for kind in KINDS:
        r = analyze(kind, k=6, w=3, c=3, H=9, W=9, groups=3 if kind == "grouped" else 1,
                    depth_multiplier=2)
        for preset in ("random", "emboss"):
            sizes = sum(k.size for k in layer_weights(r, preset, 0) if k is not None)
            assert sizes == r.weight_params, (kind, preset)


# ---------------------------------------------------------------------------
# Refusals and the sample
# ---------------------------------------------------------------------------

def test_kernel_larger_than_the_picture_is_the_explorers_message():
    x = small_image(5, 5)
    with pytest.raises(ConvError, match="kernel 11 is larger than padded input 5 along H"):
        run_layer(x, "edge", kind="standard", k=1, w=11)


def test_too_big_a_layer_is_refused_with_what_to_lower():
    x = small_image(128, 128)
    with pytest.raises(ForwardError) as info:
        run_layer(x, "blur", kind="transposed", k=32, w=11, stride=8, padding=0)
    message = str(info.value)
    assert f"at most {MAX_VALUES:,}" in message and "output 1,027×1,027×32" in message
    assert "Lower k" in message


def test_only_pictures():
    with pytest.raises(ConvError, match="must be"):
        run_layer(np.zeros((5, 5)), "edge", kind="standard", k=1, w=3)


@pytest.mark.parametrize("kind", KINDS)
def test_the_sample_through_every_kind(kind):
    pixels = load_image(SAMPLE.read_bytes()).pixels
    f = run_layer(pixels, "edge", kind=kind, k=8, w=3, padding="same",
                  groups=1, depth_multiplier=2)
    assert f.output.shape == analyze(kind, 8, 3, 3, 128, 128, padding="same",
                                     depth_multiplier=2).output_shape
    assert np.isfinite(f.output).all()
    if kind != "pointwise":
        assert np.abs(f.output).max() > 0.1  # the edges are there


# ---------------------------------------------------------------------------
# Pictures of maps
# ---------------------------------------------------------------------------

def test_picture_of_a_positive_map_is_grey():
    p = picture(np.array([[0.0, 0.5], [1.0, 2.0]]), "map 1")
    assert p.rgb.shape == (2, 2, 3) and p.rgb.dtype == np.uint8
    assert (p.rgb[..., 0] == p.rgb[..., 1]).all() and p.rgb[1, 1, 0] == 255 and p.rgb[0, 0, 0] == 0
    assert p.caption == "map 1 (0 … 2)"


def test_picture_of_a_signed_map_is_blue_white_red():
    p = picture(np.array([[-2.0, 0.0, 1.0]]), "m")
    assert tuple(p.rgb[0, 0]) == (0, 0, 255)        # most negative: blue
    assert tuple(p.rgb[0, 1]) == (255, 255, 255)    # zero: white
    assert p.rgb[0, 2, 0] == 255 and abs(int(p.rgb[0, 2, 1]) - 128) <= 3  # half: light red
    assert p.caption == "m (-2 … 1)"


def test_a_few_extreme_cells_do_not_wash_out_the_rest():
    values = np.concatenate([np.linspace(-1, 1, 201), [100.0]])[None, :]
    p = picture(values, "m")
    assert tuple(p.rgb[0, 0]) == (0, 0, 255) and tuple(p.rgb[0, -1]) == (255, 0, 0)
    assert p.rgb[0, 150, 1] < 128   # 0.5 is clearly red, not near-white
    assert p.caption == "m (-1 … 100)"


def test_picture_of_zeros_and_of_a_large_map():
    assert picture(np.zeros((3, 3)), "z").caption == "z (all 0)"
    big = picture(np.ones((PICTURE_SIDE * 2 + 1, 10)), "b")
    assert big.rgb.shape[0] <= PICTURE_SIDE and "shown at 1/3" in big.caption
