"""lib.network against real Keras / PyTorch numbers, plus unit and property tests.

``tests/data/network_reference.json`` is made by ``tools/make_network_reference.py``: every
preset (and the standard twin of each separable one, and two extra stacks) built by hand
with the real frameworks, and lib.network's generated code exec()d with them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import plotly.graph_objects as go
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lib.conv import KINDS, ConvError, analyze
from lib.network import (CONV_CODES, DEFAULT_NET, MAX_LAYERS, PRESETS, TABLE_COLUMNS,
                         LayerSpec, NetworkError, NetworkSpec, apply_table_edits, avg_pool,
                         build_network, compare_with_standard, conv, dense, flatten,
                         from_table, gap, has_separable, keras_auto_name, keras_code,
                         keras_summary, max_pool, parse_net, preset_of, pytorch_code,
                         serialise_layer, serialise_net, standard_twin, summary_text,
                         to_table, unreadable_message)

REF_PATH = Path(__file__).resolve().parent / "data" / "network_reference.json"
REF = json.loads(REF_PATH.read_text())
NETWORKS = REF["networks"]


def _build(spec: NetworkSpec):
    return build_network(spec.input_shape, spec.layers)


# ---------------------------------------------------------------------------
# Against the real frameworks
# ---------------------------------------------------------------------------

def test_reference_covers_every_preset_and_twin():
    for key, p in PRESETS.items():
        assert key in NETWORKS, f"re-run tools/make_network_reference.py: {key} missing"
        assert NETWORKS[key]["net"] == serialise_net(p.spec), f"{key} changed since the reference"
        if has_separable(p.spec.layers):
            twin = NetworkSpec(p.spec.input_shape, standard_twin(p.spec.layers))
            assert NETWORKS[f"{key}_standard"]["net"] == serialise_net(twin)
    assert REF["meta"]["keras_backend"] == "torch"


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_every_layer_matches_keras_and_pytorch(name):
    ref = NETWORKS[name]
    result = _build(parse_net(ref["net"]))
    keras, torch = ref["keras"]["per_layer"], ref["pytorch"]["per_layer"]
    assert len(result.rows) == len(keras) == len(torch)
    for row, k, t in zip(result.rows, keras, torch):
        where = f"{name} layer {row.index} {row.piece}"
        assert row.params == k["params"] == t["params"], where
        assert list(row.output_shape) == k["output_shape"] == t["output_shape"], where
        assert row.macs == t["macs"] == k["macs"], where
        got = [[x.name, x.type, list(x.output_shape), x.params] for x in row.keras_layers]
        assert got == k["layers"], where


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_totals_and_summary_text_match_keras(name):
    ref = NETWORKS[name]
    result = _build(parse_net(ref["net"]))
    assert result.total_params == ref["keras"]["params"] == ref["pytorch"]["params"]
    assert result.total_macs == ref["pytorch"]["macs"]
    assert [None, *result.output_shape] == ref["keras"]["output_shape"]
    assert keras_summary(result, REF["meta"]["summary_line_length"]) == ref["keras"]["summary"]


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_generated_code_runs_and_gives_the_same_numbers(name):
    ref = NETWORKS[name]
    result = _build(parse_net(ref["net"]))
    k, t = ref["generated"]["keras"], ref["generated"]["pytorch"]
    assert k["params"] == t["params"] == result.total_params
    assert k["macs"] == t["macs"] == result.total_macs
    assert k["output_shape"] == [None, *result.output_shape]
    out = result.output_shape
    assert t["output_shape"] == ([1, out[-1], *out[:-1]] if len(out) == 3 else [1, *out])
    assert k["layers"] == [[x.name, x.type, list(x.output_shape), x.params]
                           for x in result.keras_layers]
    assert k["summary"] == keras_summary(result) and k["stdout_has_summary"]
    assert f"params: {result.total_params}" in t["stdout"]


@pytest.mark.parametrize("key, params", [("classic", 490), ("shared", 170),
                                         ("vgg_block", 92_074)])
def test_the_teaching_presets(key, params):
    assert _build(PRESETS[key].spec).total_params == params


def test_mobilenet_matches_the_paper_and_the_comparison():
    cmp = compare_with_standard(_build(PRESETS["mobilenet_v1"].spec))
    assert cmp is not None
    sep = NETWORKS["mobilenet_v1"]["pytorch"]
    std = NETWORKS["mobilenet_v1_standard"]["pytorch"]
    assert (cmp.separable.total_params, cmp.separable.total_macs) == (sep["params"], sep["macs"])
    assert (cmp.standard.total_params, cmp.standard.total_macs) == (std["params"], std["macs"])
    # Howard et al. 2017, Table 4: 4.2 M / 569 M mult-adds vs 29.3 M / 4866 M.
    assert round(cmp.separable.total_params / 1e6, 1) == 4.2
    assert round(cmp.separable.total_macs / 1e6) == 569
    assert round(cmp.standard.total_params / 1e6, 1) == 29.3
    assert abs(cmp.standard.total_macs / 1e6 - 4866) < 2
    assert cmp.params_ratio == pytest.approx(std["params"] / sep["params"])
    assert [r.output_shape for r in cmp.standard.rows] == [r.output_shape
                                                           for r in cmp.separable.rows]


def test_single_conv_summary_agrees_with_lib_snippets():
    from lib.snippets import keras_summary as single_summary
    for kind, kw in [("standard", {}), ("separable_pytorch", {}), ("shared_channels", {}),
                     ("standard", {"padding": 2}), ("transposed", {"stride": 2})]:
        layer = conv(10, 4, kind, **kw)
        net = build_network((32, 32, 3), [layer])
        r = analyze(kind, 10, 4, 3, 32, 32, **kw)
        assert keras_summary(net) == single_summary(r), kind
        assert net.total_params == r.params and net.total_macs == r.macs


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------

def test_vgg_rows_names_shares_and_receptive_field():
    r = _build(PRESETS["vgg_block"].spec)
    assert [x.name for x in r.rows] == ["conv2d", "conv2d_1", "max_pooling2d", "flatten",
                                        "dense"]
    assert [x.receptive_field for x in r.rows[:4]] == [(3, 3), (5, 5), (6, 6), (6, 6)]
    assert r.rows[4].receptive_field is None and r.rows[4].receptive_field_text == "whole input"
    assert r.rows[2].macs == 0 and "0 MACs" in r.rows[2].note
    assert r.rows[4].macs == 16 * 16 * 32 * 10
    assert sum(x.params_share for x in r.rows) == pytest.approx(1)
    assert sum(x.macs_share for x in r.rows) == pytest.approx(1)
    assert r.non_trainable_params == 0 and r.weight_bytes == 4 * r.total_params


def test_receptive_field_grows_with_the_jump():
    # 3x3 s2 (rf 3, jump 2), then 3x3 (rf 3 + 2*2 = 7), then pool 2 (7 + 1*2 = 9, jump 4)
    r = build_network((32, 32, 1), [conv(4, 3, stride=2), conv(4, 3), max_pool(2),
                                    conv(4, 3, dilation=2)])
    assert [x.receptive_field for x in r.rows] == [(3, 3), (7, 7), (9, 9), (25, 25)]
    assert r.rows[-1].jump == (4, 4)


def test_transposed_conv_stops_tracking_the_receptive_field():
    r = build_network((8, 8, 2), [conv(4, 3, "transposed", stride=2, padding="same"),
                                  conv(4, 3)])
    assert r.rows[0].receptive_field is None and "transposed" in r.rows[1].receptive_field_text


def test_names_count_per_keras_class_like_a_fresh_session():
    r = build_network((16, 16, 3), [conv(4, 3, padding=1), conv(4, 3, "separable_pytorch"),
                                    avg_pool(2), conv(4, 3, "shared_channels"), gap(),
                                    dense(3), dense(2)])
    assert [k.name for k in r.keras_layers] == [
        "zero_padding2d", "conv2d", "depthwise_conv2d", "conv2d_1", "average_pooling2d",
        "lambda", "conv2d_2", "global_average_pooling2d", "dense", "dense_1"]
    assert r.rows[0].name == "zero_padding2d + conv2d"
    assert sum(k.params for k in r.keras_layers) == r.total_params


@pytest.mark.parametrize("cls, name", [("MaxPooling2D", "max_pooling2d"),
                                       ("Conv2DTranspose", "conv2d_transpose"),
                                       ("GlobalAveragePooling2D", "global_average_pooling2d"),
                                       ("SeparableConv2D", "separable_conv2d"),
                                       ("ZeroPadding2D", "zero_padding2d")])
def test_keras_auto_names(cls, name):
    assert keras_auto_name(cls) == name


def test_pool_same_and_valid_shapes():
    r = build_network((7, 9, 2), [max_pool(2, padding="same"), avg_pool(3, 1, "same"),
                                  max_pool((2, 3))])
    assert [x.output_shape for x in r.rows] == [(4, 5, 2), (4, 5, 2), (2, 1, 2)]


# ---------------------------------------------------------------------------
# Errors name the layer and the rule
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("layers, needle", [
    ([conv(4, 3), conv(4, 31)], "layer 2 (Standard Conv2D 31×31, 4 filters) on input "
                                "30×30×4: kernel 31 is larger than padded input"),
    ([conv(4, 3), dense(10)], "layer 2 (dense, 10 units) on input 30×30×4: dense needs a flat"),
    ([flatten(), conv(4, 3)], "layer 2 (Standard Conv2D 3×3, 4 filters) on input 3072: a conv "
                              "needs an image"),
    ([max_pool(40)], "layer 1 (max pooling 40×40) on input 32×32×3: pool size 40 is larger"),
    ([gap(), gap()], "layer 2 (global average pooling) on input 3: global pooling needs"),
    ([conv(5, 3, "grouped", groups=2)], "groups=2 must divide c=3"),
    ([conv(4, 3, "separable_pytorch", stride=2, padding="same")], "PyTorch"),
    ([max_pool(2, padding="causal")], "pooling takes 'valid' or 'same'"),
    ([conv(0, 3)], "k=0 must be at least 1"),
    ([gap(), dense(0)], "units=0 must be at least 1"),
])
def test_errors_name_the_layer_and_the_rule(layers, needle):
    with pytest.raises(NetworkError) as info:
        build_network((32, 32, 3), layers)
    assert needle in str(info.value)
    assert isinstance(info.value, ConvError)


def test_error_keeps_the_layers_that_worked():
    with pytest.raises(NetworkError) as info:
        build_network((32, 32, 3), [conv(8, 3), max_pool(2), conv(4, 20)])
    assert info.value.index == 3 and [r.index for r in info.value.rows] == [1, 2]


@pytest.mark.parametrize("shape", [(32, 32), (0, 32, 3), (32, 32, 3, 1), "32x32x3",
                                   (32.5, 32, 3), (9000, 32, 3)])
def test_bad_input_shapes(shape):
    with pytest.raises(NetworkError):
        build_network(shape, [conv(4, 3)])


def test_too_many_layers():
    with pytest.raises(NetworkError, match="above the limit"):
        build_network((8, 8, 1), [conv(1, 1, "pointwise")] * (MAX_LAYERS + 1))


def test_bad_layer_specs():
    with pytest.raises(NetworkError, match="op='pool'"):
        LayerSpec("pool")
    with pytest.raises(NetworkError, match="kind='fancy'"):
        conv(4, 3, "fancy")
    assert dense(10) == LayerSpec("dense", filters=10, kernel=3, stride=2)  # unused fields reset
    assert conv(None, 3, "depthwise") == conv(99, 3, "depthwise")


# ---------------------------------------------------------------------------
# Summary text and code
# ---------------------------------------------------------------------------

def test_summary_text_and_code_mention_every_layer():
    r = _build(PRESETS["vgg_block"].spec)
    text = summary_text(r)
    assert "Total params: 92,074 (359.66 KB)" in text and "10,403,840 MACs" in text
    assert DEFAULT_NET in text
    k, t = keras_code(r), pytorch_code(r)
    assert "layers.MaxPooling2D(pool_size=2)" in k and "layers.Dense(10)" in k
    assert "nn.Linear(8192, 10)" in t and "nn.MaxPool2d(2)" in t
    compile(k, "<keras>", "exec")
    compile(t, "<torch>", "exec")


def test_uneven_same_pooling_in_pytorch_repeats_the_edge_like_keras():
    r = build_network((9, 9, 4), [max_pool(2, 1, "same"), avg_pool(3, 2, "same")])
    t = pytorch_code(r)
    assert "nn.ReplicationPad2d((0, 1, 0, 1))" in t
    assert "nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)" in t


# ---------------------------------------------------------------------------
# The stack as text
# ---------------------------------------------------------------------------

def test_parse_the_documented_example():
    spec = parse_net("in32x32x3,c3x3-32-same,c3x3-32-same,mp2,flat,d10")
    assert spec == PRESETS["vgg_block"].spec
    assert serialise_net(spec) == DEFAULT_NET


@pytest.mark.parametrize("text, layer", [
    ("c3-8", conv(8, 3)),
    ("C5X3-8-S2-SAME-NB", conv(8, (5, 3), stride=2, padding="same", bias=False)),
    ("pw-64", conv(64, 1, "pointwise")),
    ("dw3x3-m2-s2", conv(None, 3, "depthwise", depth_multiplier=2, stride=2)),
    ("gc3x3-64-g4", conv(64, 3, "grouped", groups=4)),
    ("sept3x3-64-d2", conv(64, 3, "separable_pytorch", dilation=2)),
    ("t4x4-8-s2-p1-op1", conv(8, 4, "transposed", stride=2, padding=1, output_padding=1)),
    ("ss3x3-8-p1x0", conv(8, 3, "spatially_separable", padding=(1, 0))),
    ("mp3-s2-same", max_pool(3, 2, "same")),
    ("ap2x3", avg_pool((2, 3))),
    ("gap", gap()), ("flat", flatten()), ("d10-nb", dense(10, bias=False)),
])
def test_parse_pieces(text, layer):
    spec = parse_net(f" {text} ")
    assert spec.input_shape == (32, 32, 3) and spec.layers == (layer,)


def test_every_conv_kind_has_a_code():
    assert sorted(CONV_CODES.values()) == sorted(KINDS)


@pytest.mark.parametrize("text, needle", [
    ("c3x3-zz", "piece 1 `c3x3-zz`: c needs a filter count"),
    ("c3x3-32,xyz", "piece 2 `xyz`: `xyz` is not a layer"),
    ("c3x3-32-q7", "option `q7` is not one of"),
    ("c3x3-32-s2-s1", "stride is given twice"),
    ("c-32", "c needs a kernel size"),
    ("dw3x3-32", "a depthwise conv has no filter count"),
    ("mp", "mp needs a size"),
    ("mp2-nb", "pooling takes a stride (s2) and same/valid"),
    ("gap3", "gap takes no size or options"),
    ("d10-same", "dense takes only 'nb'"),
    ("c3x3-32,in32x32x3", "the input shape must come first"),
    ("in32x32", "the input is 'in' then H x W x c"),
    ("c3x3x3-8", "kernel `3x3x3` must be a number or height x width"),
    ("c99999999x3-8", "more than 7 digits"),
    ("c３x3-8", "is not a layer"),
    ("d10," * 70, "above the limit 64"),
    ("c" * 3000, "above the limit 2000"),
])
def test_malformed_pieces_are_named(text, needle):
    with pytest.raises(NetworkError) as info:
        parse_net(text)
    assert needle in str(info.value)


def test_non_text_and_empty_pieces():
    with pytest.raises(NetworkError, match="must be text"):
        parse_net(None)
    assert parse_net("in8x8x1,,c3x3-2,") == NetworkSpec((8, 8, 1), (conv(2, 3),))
    assert parse_net("") == NetworkSpec((32, 32, 3), ())


def test_unreadable_message_names_the_value_and_the_fallback():
    text = "c3x3-zz"
    try:
        parse_net(text)
    except NetworkError as err:
        msg = unreadable_message(text, err, PRESETS["vgg_block"].spec)
    assert msg.startswith("net=`c3x3-zz` can't be read: piece 1") and "Small VGG" in msg


# ---------------------------------------------------------------------------
# Hypothesis
# ---------------------------------------------------------------------------

pairs = st.tuples(st.integers(1, 12), st.integers(1, 12))
pairs0 = st.tuples(st.integers(0, 5), st.integers(0, 5))


@st.composite
def any_layer(draw) -> LayerSpec:
    op = draw(st.sampled_from(["conv", "conv", "max_pool", "avg_pool", "gap", "flatten",
                               "dense"]))
    if op == "conv":
        return conv(draw(st.integers(1, 9999)), draw(pairs), draw(st.sampled_from(KINDS)),
                    stride=draw(pairs), padding=draw(st.one_of(
                        st.sampled_from(["valid", "same"]), pairs0)),
                    dilation=draw(pairs), groups=draw(st.integers(1, 64)),
                    depth_multiplier=draw(st.integers(1, 8)),
                    output_padding=draw(pairs0), bias=draw(st.booleans()))
    if op in ("max_pool", "avg_pool"):
        return LayerSpec(op, kernel=draw(pairs), stride=draw(st.none() | pairs),
                         padding=draw(st.sampled_from(["valid", "same"])))
    if op == "dense":
        return dense(draw(st.integers(1, 99999)), draw(st.booleans()))
    return LayerSpec(op)


any_net = st.builds(NetworkSpec, st.tuples(st.integers(1, 999), st.integers(1, 999),
                                           st.integers(1, 999)),
                    st.lists(any_layer(), max_size=12).map(tuple))


@given(any_net)
@settings(max_examples=300)
def test_round_trip_parse_serialise(spec):
    assert parse_net(serialise_net(spec)) == spec


@given(st.lists(any_layer(), max_size=8))
@settings(max_examples=150)
def test_table_round_trip(layers):
    assert from_table(to_table(layers)) == tuple(layers)


_TOKENS = ["c", "pw", "gc", "dw", "sep", "sept", "sh", "t", "ss", "mp", "ap", "gap", "flat",
           "d", "in", "x", "-", ",", "3", "32", "0", "s2", "same", "valid", "p1", "d2", "g2",
           "m2", "op1", "nb", "99999999", " ", "\x00", "é", "<b>", "%2C"]


@given(st.one_of(st.text(max_size=80),
                 st.lists(st.sampled_from(_TOKENS), max_size=30).map("".join)))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_garbage_raises_only_network_error(text):
    try:
        spec = parse_net(text)
    except NetworkError:
        return
    try:
        result = build_network(spec.input_shape, spec.layers)
    except NetworkError:
        return
    keras_summary(result)
    keras_code(result)
    pytorch_code(result)


@given(st.lists(st.fixed_dictionaries({c: st.one_of(
    st.none(), st.integers(-3, 40), st.floats(allow_nan=True), st.booleans(),
    st.text(max_size=6), st.sampled_from(["3x3", "same", "valid", "2", "Dense",
                                          "Max pooling", "Standard Conv2D"]))
    for c in TABLE_COLUMNS}), max_size=5))
@settings(max_examples=200)
def test_table_garbage_raises_only_network_error(rows):
    try:
        from_table(rows)
    except NetworkError:
        pass


# Stacks that always build: 'same' convs (any kernel fits), PyTorch-only kinds at stride 1.
_SAFE_KINDS = ["standard", "pointwise", "depthwise", "separable_keras", "shared_channels",
               "spatially_separable", "transposed", "grouped"]


@st.composite
def conv_stack(draw, min_size=1):
    layers = []
    for _ in range(draw(st.integers(min_size, 6))):
        kind = draw(st.sampled_from(_SAFE_KINDS))
        layers.append(conv(draw(st.integers(1, 16)), draw(st.integers(1, 5)), kind,
                           stride=draw(st.integers(1, 2)), padding="same",
                           dilation=1, depth_multiplier=draw(st.integers(1, 2)),
                           groups=1, bias=draw(st.booleans())))
    return layers


@given(conv_stack(), st.integers(1, 64), st.integers(1, 64), st.integers(1, 64),
       st.integers(1, 64), st.integers(1, 8))
@settings(max_examples=150, deadline=None)
def test_conv_params_do_not_depend_on_H_and_W(layers, H, W, H2, W2, c):
    a = build_network((H, W, c), layers)
    b = build_network((H2, W2, c), layers)
    assert [r.params for r in a.rows] == [r.params for r in b.rows]
    assert a.total_params == b.total_params


@given(conv_stack(), st.lists(st.sampled_from(["mp", "ap", "gap", "flat", "d"]), max_size=3),
       st.integers(4, 48), st.integers(4, 48), st.integers(1, 6))
@settings(max_examples=150, deadline=None)
def test_totals_are_row_sums_and_shapes_chain(layers, tail, H, W, c):
    for t in tail:
        if t in ("mp", "ap"):
            layers.append((max_pool if t == "mp" else avg_pool)(2, padding="same"))
        elif t in ("gap", "flat"):
            layers.append(gap() if t == "gap" else flatten())
        else:
            layers.append(dense(7))
    try:
        r = build_network((H, W, c), layers)
    except NetworkError as err:  # e.g. a pool after flatten: must be said, not crash
        assert "needs" in str(err)
        return
    assert r.total_params == sum(x.params for x in r.rows)
    assert r.total_macs == sum(x.macs for x in r.rows)
    assert sum(k.params for k in r.keras_layers) == r.total_params
    shape = (H, W, c)
    for row in r.rows:
        assert row.input_shape == shape
        shape = row.output_shape
    assert r.output_shape == shape
    for row in r.rows:
        if row.conv is not None:
            assert row.conv.input_shape == row.input_shape
            assert row.conv.output_shape == row.output_shape
        if row.spec.op in ("max_pool", "avg_pool", "gap", "flatten"):
            assert row.params == row.macs == 0
        if row.spec.op == "dense":
            assert row.macs == row.input_shape[0] * row.spec.filters
    assume(r.total_params > 0)
    assert sum(x.params_share for x in r.rows) == pytest.approx(1)


# ---------------------------------------------------------------------------
# Table edits, presets, comparison, figures
# ---------------------------------------------------------------------------

def test_apply_table_edits_like_the_data_editor():
    rows = to_table([conv(8, 3), max_pool(2), dense(10)])
    edits = {"edited_rows": {"0": {"filters / units": 16.0}}, "deleted_rows": [1],
             "added_rows": [{"layer": "Dense", "filters / units": 5}]}
    got = from_table(apply_table_edits(rows, edits))
    assert got == (conv(16, 3), dense(10), dense(5))
    assert rows[0]["filters / units"] == 8  # the input is not changed


@pytest.mark.parametrize("row, needle", [
    ({"layer": None}, "row 1: choose a layer type"),
    ({"layer": "Conv9D"}, "`Conv9D` is not one"),
    ({"layer": "Standard Conv2D", "kernel / pool": "3"}, "column filters / units"),
    ({"layer": "Standard Conv2D", "filters / units": 4}, "kernel / pool is empty"),
    ({"layer": "Standard Conv2D", "filters / units": 4.5, "kernel / pool": "3"},
     "filters / units 4.5 is not a whole number"),
    ({"layer": "Max pooling", "kernel / pool": "2", "padding": "1"}, "must be valid or same"),
    ({"layer": "Dense"}, "row 1 (Dense), column filters / units"),
])
def test_table_errors_name_row_and_column(row, needle):
    with pytest.raises(NetworkError) as info:
        from_table([row])
    assert needle in str(info.value)


def test_presets_are_recognised_and_build():
    for key, p in PRESETS.items():
        assert preset_of(p.spec) == key
        _build(p.spec)
    assert preset_of(NetworkSpec((32, 32, 3), ())) is None


def test_standard_twin_only_replaces_separable_convs():
    layers = [conv(8, 3, "separable_keras", depth_multiplier=2, stride=2), conv(8, 3,
              "depthwise"), max_pool(2)]
    twin = standard_twin(layers)
    assert twin[0] == conv(8, 3, stride=2) and twin[1:] == tuple(layers[1:])
    assert compare_with_standard(_build(PRESETS["vgg_block"].spec)) is None


def test_figures_are_pure_and_labelled():
    from lib.figures.network import comparison_figure, layer_bars_figure
    r = _build(PRESETS["mobilenet_blocks"].spec)
    for metric in ("params", "macs"):
        fig = layer_bars_figure(r, metric)
        assert isinstance(fig, go.Figure)
        assert list(fig.data[0].y) == [getattr(x, metric) for x in r.rows]
        assert fig.layout.xaxis.title.text == "layer" and fig.layout.yaxis.title.text
        cmp = comparison_figure(compare_with_standard(r), metric)
        assert len(cmp.data) == 2 and cmp.data[0].marker.color != cmp.data[1].marker.color
    with pytest.raises(ValueError):
        layer_bars_figure(r, "flops")
    assert math.isclose(layer_bars_figure(r).layout.meta["values"][0], r.rows[0].params)


def test_serialise_layer_is_compact():
    assert serialise_layer(conv(32, 3, stride=2, padding="same", bias=False)) == \
        "c3x3-32-s2-same-nb"
    assert serialise_layer(max_pool(2)) == "mp2"
    assert serialise_layer(conv(64, 1, "pointwise")) == "pw-64"


@pytest.mark.parametrize("text", ["[login](http://a.bc/x)", "![](//127.0.0.1:9/a.png)",
                                  "c3x3-8,`x`", "<script>alert(1)</script>"])
def test_quoted_text_is_a_code_span_never_markdown(text):
    with pytest.raises(NetworkError) as info:
        parse_net(text)
    msg = unreadable_message(text, info.value, PRESETS["vgg_block"].spec)
    spans = msg.split("`")
    assert len(spans) % 2 == 1  # balanced: every quote opens and closes a code span
    outside = "".join(spans[0::2])
    assert "](" not in outside and "<" not in outside and "http" not in outside
