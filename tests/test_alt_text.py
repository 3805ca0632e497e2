"""lib.alt_text: the sentence beside each figure says the numbers lib computed.

Every expected number below comes from ``lib.conv.analyze`` (checked against real PyTorch
and Keras in tests/test_reference*.py), from a network result, or from what the figure
itself drew (``fig.layout.meta``), never from a formula typed here; the sentences are
parsed back into numbers and compared. The play controls of the animated figures are
checked here too: nothing starts by itself and a pause button stops it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

from lib import alt_text, figures
from lib.conv import KINDS, ConvError, analyze, kind_label
from lib.network import PRESETS, build_network, compare_with_standard, parse_net
from lib.state import FIGURES
from lib.text import fmt_int, fmt_shape

CLASSIC = dict(kind="standard", k=10, w=4, c=3, H=32, W=32)
SIZES = {1: dict(W=24), 2: dict(H=20, W=24), 3: dict(D=6, H=10, W=12)}


def _numbers(text: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(r"-?\d[\d,]*", text)]


def _layer(kind: str, rank: int, **kw):
    args = dict(k=6, w=3, c=4, **SIZES[rank])
    if kind == "grouped":
        args["groups"] = 2
    if kind == "transposed":
        args["stride"] = 2
    args.update(kw)
    return analyze(kind, **args)


def _layers():
    for kind in KINDS:
        for rank in (1, 2, 3):
            try:
                yield pytest.param(_layer(kind, rank), id=f"{kind}-{rank}D")
            except ConvError:  # e.g. Keras has no SeparableConv3D: the app refuses it too
                continue


def test_the_classic_layer_reads_as_the_issue_asks():
    r = analyze(**CLASSIC)
    assert alt_text.filters_alt(r) == ("10 filters of 4×4×3: 480 weights in 10 blocks, one "
                                       "bias each. 490 parameters in all.")


@pytest.mark.parametrize("r", _layers())
def test_filters_sentence_has_each_stage_weights_and_the_total(r):
    text = alt_text.filters_alt(r)
    stages = [st for st in r.stages if st.op != "channel_sum"]
    for st, part in zip(stages, text.split(". ")):
        assert f"{fmt_int(st.weight_params)} weight" in part, (part, st)
        assert f"in {fmt_int(st.out_shape[-1])} block" in part
        if st.bias_params == 0:
            assert "no bias" in part
    assert text.endswith(f"{fmt_int(r.params)} parameters in all.")


@pytest.mark.parametrize("r", _layers())
def test_volume_and_params_sentences_have_the_shapes_and_counts(r):
    vol = alt_text.volume_alt(r)
    assert fmt_shape(r.input_shape) in vol and fmt_shape(r.output_shape) in vol
    assert kind_label(r.kind, r.rank) in vol
    params = alt_text.params_alt(r)
    for st in r.stages:
        if st.params:
            assert f"{fmt_int(st.weight_params)} weights + {fmt_int(st.bias_params)} biases" \
                in params
    assert params.endswith(f"{fmt_int(r.params)} parameters in all.")


def test_the_sentence_follows_the_layer():
    """It can fail: another k, w or c gives other numbers in the sentence."""
    base = alt_text.filters_alt(analyze(**CLASSIC))
    for key in ("k", "w", "c"):
        r = analyze(**{**CLASSIC, key: CLASSIC[key] + 1})
        text = alt_text.filters_alt(r)
        assert text != base
        assert f"{fmt_int(r.stages[0].weight_params)} weights" in text
        assert f"{fmt_int(r.params)} parameters" in text


def _window_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in re.finditer(r"(?:steps?|depths?|rows?|columns?) (-?\d+)(?: to (-?\d+))?", text):
        first = int(m.group(1))
        spans.append((first, int(m.group(2)) if m.group(2) else first))
    return spans


@pytest.mark.parametrize("r", _layers())
@pytest.mark.parametrize("position", [(0, 0), (2, 3), (999, 999)])
def test_window_sentence_matches_the_drawn_window(r, position):
    fig = figures.sliding_window_figure(r, position=position)
    meta = fig.layout.meta
    text = alt_text.window_alt(r, position)
    spans = _window_spans(text.split("made from", 1)[1])
    assert [a for a, _ in spans] == list(meta["window_start"]), text
    assert [b - a + 1 for a, b in spans] == list(meta["extent"]), text
    out = text.split("(of", 1)[0]
    assert _numbers(out)[-len(meta["position"]):] == list(meta["position"]), text


@given(k=hs.integers(1, 40), w=hs.integers(1, 7), c=hs.integers(1, 12), H=hs.integers(7, 40),
       s=hs.integers(1, 3), p=hs.integers(0, 3), d=hs.integers(1, 2),
       o=hs.tuples(hs.integers(0, 50), hs.integers(0, 50)))
def test_window_sentence_matches_the_figure_for_any_layer(k, w, c, H, s, p, d, o):
    try:
        r = analyze("standard", k=k, w=w, c=c, H=H, W=H + 1, stride=s, padding=p, dilation=d)
    except ConvError:
        return
    meta = figures.sliding_window_figure(r, position=o).layout.meta
    spans = _window_spans(alt_text.window_alt(r, o).split("made from", 1)[1])
    assert [a for a, _ in spans] == list(meta["window_start"])
    assert [b - a + 1 for a, b in spans] == list(meta["extent"])


def test_scaling_sentence_reads_the_swept_numbers():
    fig = figures.scaling_figure(dict(CLASSIC), "k", [1, 10, 100, 512], 10)
    meta = fig.layout.meta
    text = alt_text.scaling_alt(meta)
    assert f"from {fmt_int(meta['params'][0])} to {fmt_int(meta['params'][-1])}" in text
    assert f"from {fmt_int(meta['macs'][0])} to {fmt_int(meta['macs'][-1])}" in text
    r = analyze(**CLASSIC)
    assert f"{fmt_int(r.params)} parameters, {fmt_int(r.macs)} MACs" in text


def test_compare_sentence_has_every_kind():
    results = {kind: analyze(kind, **{k: v for k, v in CLASSIC.items() if k != "kind"})
               for kind in ("standard", "separable_keras", "shared_channels")}
    text = alt_text.compare_alt(results)
    for kind, r in results.items():
        assert f"{kind_label(kind, 2)} {fmt_int(r.params)}" in text
    assert "Fewest: Depthwise separable (Keras)" in text and "most: Standard Conv2D" in text


def test_network_sentences_have_every_layer_and_the_totals():
    spec = parse_net("in32x32x3,c3x3-16-same,mp2,gap,d10")
    net = build_network(spec.input_shape, spec.layers)
    for metric, total in (("params", net.total_params), ("macs", net.total_macs)):
        text = alt_text.layer_bars_alt(net, metric)
        parts = text.split(": ", 1)[1].split(". Total")[0].split("; ")
        assert [_numbers(part)[-1] for part in parts] == [getattr(row, metric)
                                                         for row in net.rows]
        assert f"Total {fmt_int(total)}" in text
    spec = PRESETS["mobilenet_blocks"].spec
    cmp = compare_with_standard(build_network(spec.input_shape, spec.layers))
    text = alt_text.comparison_alt(cmp, "params")
    assert f"{fmt_int(cmp.separable.total_params)} vs {fmt_int(cmp.standard.total_params)}" \
        in text


def test_heatmap_sentence_has_shape_panels_and_range():
    values = np.arange(-4.0, 14.0).reshape(3, 3, 2) / 4
    text = alt_text.heatmap_alt(values, "input x")
    assert text == "input x: 3×3×2 numbers as 2 heatmaps of 3×3, from -1.00 to 3.25."


@pytest.mark.parametrize("choice", FIGURES)
def test_every_explorer_figure_has_a_sentence(choice):
    r = analyze(**CLASSIC)
    meta = figures.scaling_figure(dict(CLASSIC), "k", [1, 10], 10).layout.meta
    assert alt_text.explorer_alt(choice, r, meta, (0, 0))


# ---------------------------------------------------------------------------
# Animations: never autoplay, and the play control can stop them
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("rank", [1, 2, 3])
def test_animated_window_has_pause_and_never_starts_by_itself(rank):
    fig = figures.sliding_window_frames(_layer("standard", rank), position=(1, 1))
    spec = fig.to_plotly_json()
    assert spec["frames"], "the figure is animated"
    (menu,) = spec["layout"]["updatemenus"]
    buttons = {b["label"]: b for b in menu["buttons"]}
    play = next(b for label, b in buttons.items() if "play" in label)
    pause = next(b for label, b in buttons.items() if "pause" in label)
    assert play["method"] == pause["method"] == "animate"
    # Plotly's documented pause: animate to [None] with an immediate, zero-length frame.
    assert pause["args"][0] == [None] and pause["args"][1]["mode"] == "immediate"
    assert pause["args"][1]["frame"]["duration"] == 0
    # Nothing plays until the button is pressed: no active play button, no autoplay
    # option anywhere, and the slider starts at the drawn position.
    assert menu.get("active", -1) in (-1, None) or menu.get("showactive") is False
    assert "autoplay" not in repr(spec["layout"]).lower()
    assert spec["layout"]["sliders"][0]["active"] == 0
