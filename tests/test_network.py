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

from lib.conv import KINDS, ConvError, analyze, kind_label
from lib.network import (CONV_CODES, DEFAULT_NET, MAX_LAYERS, PRESETS, TABLE_COLUMNS,
                         LayerSpec, NetworkError, NetworkSpec, apply_table_edits, avg_pool,
                         build_network, compare_with_standard, conv, dense, flatten,
                         from_table, gap, has_separable, keras_code,
                         keras_summary, max_pool, parse_net, preset_of, pytorch_code,
                         serialise_layer, serialise_net, standard_twin, summary_text,
                         table_types, TABLE_TYPES, to_rank, to_table,
                         unreadable_message, with_input)
from lib.summary import keras_auto_name

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
    assert t["output_shape"] == ([1, out[-1], *out[:-1]] if len(out) > 1 else [1, *out])
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
    ([flatten(), conv(4, 3)], "layer 2 (Standard Conv2D 3×3, 4 filters) on input 3,072: a conv "
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
    ("in32", "the input is 'in' then W x c (1D), H x W x c (2D) or D x H x W x c (3D)"),
    ("in1x2x3x4x5", "the input is 'in' then W x c (1D)"),
    ("in64x16,c3x3-8", "kernel `3x3` must be one number (a 1D layer has one axis)"),
    ("in8x8x8x1,c3x5-8", "kernel `3x5` must be a number or depth x height x width"),
    ("in8x8x8x1,mp2-s1x2", "stride `1x2` must be a number or depth x height x width"),
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

def sizes(rank: int = 2, low: int = 1, high: int = 12):
    """One value per spatial axis: (h, w) in 2D, (w,) in 1D, (d, h, w) in 3D."""
    return st.tuples(*[st.integers(low, high)] * rank)


pairs = sizes(2)
pairs0 = sizes(2, 0, 5)


@st.composite
def any_layer(draw, rank: int = 2) -> LayerSpec:
    op = draw(st.sampled_from(["conv", "conv", "max_pool", "avg_pool", "gap", "flatten",
                               "dense"]))
    paddings = ["valid", "same", "causal"] if rank == 1 else ["valid", "same"]
    if op == "conv":
        return conv(draw(st.integers(1, 9999)), draw(sizes(rank)),
                    draw(st.sampled_from(KINDS)),
                    stride=draw(sizes(rank)), padding=draw(st.one_of(
                        st.sampled_from(paddings), sizes(rank, 0, 5))),
                    dilation=draw(sizes(rank)), groups=draw(st.integers(1, 64)),
                    depth_multiplier=draw(st.integers(1, 8)),
                    output_padding=draw(sizes(rank, 0, 5)), bias=draw(st.booleans()),
                    rank=rank)
    if op in ("max_pool", "avg_pool"):
        return LayerSpec(op, kernel=draw(sizes(rank)), stride=draw(st.none() | sizes(rank)),
                         padding=draw(st.sampled_from(["valid", "same"])), rank=rank)
    if op == "dense":
        return dense(draw(st.integers(1, 99999)), draw(st.booleans()))
    return LayerSpec(op)


@st.composite
def any_net(draw, ranks=(1, 2, 3)) -> NetworkSpec:
    """A stack of any rank (its conv and pooling layers have the input's rank)."""
    rank = draw(st.sampled_from(ranks))
    shape = draw(st.tuples(*[st.integers(1, 999)] * (rank + 1)))
    return NetworkSpec(shape, tuple(draw(st.lists(any_layer(rank), max_size=12))))


@given(any_net())
@settings(max_examples=300, deadline=None)
def test_round_trip_parse_serialise(spec):
    assert parse_net(serialise_net(spec)) == spec


@given(st.lists(any_layer(), max_size=8))
@settings(max_examples=150)
def test_table_round_trip(layers):
    assert from_table(to_table(layers)) == tuple(layers)


@given(st.sampled_from([1, 3]).flatmap(lambda r: st.tuples(
    st.just(r), st.lists(any_layer(r), max_size=8))))
@settings(max_examples=150)
def test_table_round_trip_in_1d_and_3d(rank_layers):
    rank, layers = rank_layers
    assert from_table(to_table(layers), rank) == tuple(layers)


_TOKENS = ["c", "pw", "gc", "dw", "sep", "sept", "sh", "t", "ss", "mp", "ap", "gap", "flat",
           "d", "in", "x", "-", ",", "3", "32", "0", "s2", "same", "valid", "p1", "d2", "g2",
           "m2", "op1", "nb", "99999999", " ", "\x00", "é", "<b>", "%2C", "causal",
           "in16x4,", "in4x8x8x2,", "1x3x3", "s1x2x2"]


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


# ---------------------------------------------------------------------------
# 1D (sequences) and 3D (volumes)
# ---------------------------------------------------------------------------

def test_wavenet_preset_every_layer_528_params_and_the_receptive_field_doubles():
    r = _build(PRESETS["wavenet"].spec)
    ref = NETWORKS["wavenet"]
    assert r.input_shape == (64, 16) and r.rank == 1
    assert [x.name for x in r.rows] == ["conv1d", "conv1d_1", "conv1d_2", "conv1d_3"]
    for row, k, t in zip(r.rows, ref["keras"]["per_layer"], ref["pytorch"]["per_layer"]):
        assert row.params == k["params"] == t["params"] == 528  # 2·16·16 + 16
        assert row.macs == t["macs"] == 32_768  # 64 steps · 16 · 16 · 2
        assert row.output_shape == (64, 16)  # causal keeps the length
    assert [x.receptive_field for x in r.rows] == [(2,), (4,), (8,), (16,)]
    assert [x.receptive_field_text for x in r.rows] == ["2", "4", "8", "16"]
    assert [x.spec.dilation for x in r.rows] == [(1,), (2,), (4,), (8,)]
    assert r.total_params == ref["keras"]["params"] == 4 * 528


def test_wavenet_code_is_causal_in_both_frameworks():
    r = _build(PRESETS["wavenet"].spec)
    k, t = keras_code(r), pytorch_code(r)
    assert 'layers.Conv1D(16, 2, padding="causal", dilation_rate=8)' in k
    assert "keras.Input(shape=(64, 16))" in k
    assert "nn.ZeroPad1d((8, 0))" in t and "nn.Conv1d(16, 16, 2, dilation=8)" in t
    assert "x = torch.zeros(1, 16, 64)" in t
    assert "# (1, 16, 64)" in t  # PyTorch's channels-first output


def test_c3d_preset_first_layer():
    r = _build(PRESETS["c3d"].spec)
    first = r.rows[0]
    ref = NETWORKS["c3d"]["keras"]["per_layer"][0]
    assert first.params == ref["params"] == 5_248  # 64 · (3·3·3·3 + 1)
    assert first.output_shape == (16, 112, 112, 64) == tuple(ref["output_shape"])
    assert first.macs == NETWORKS["c3d"]["pytorch"]["per_layer"][0]["macs"] == 1_040_449_536
    assert [x.name for x in r.rows] == ["conv3d", "max_pooling3d", "global_average_pooling3d",
                                        "dense"]
    assert r.rows[1].output_shape == (16, 56, 56, 64)  # pool1 1×2×2 keeps the frames
    assert r.rows[1].receptive_field == (3, 4, 4)
    assert r.output_shape == (101,)


@pytest.mark.parametrize("text, spec", [
    ("in64x16,c2-16-causal-d4", NetworkSpec((64, 16), (
        conv(16, 2, padding="causal", dilation=4, rank=1),))),
    ("in100x8,mp3-s2-same,dw5-m2,gap,d4", NetworkSpec((100, 8), (
        max_pool(3, 2, "same", rank=1), conv(None, 5, "depthwise", depth_multiplier=2,
                                             rank=1), gap(), dense(4)))),
    ("in16x112x112x3,c3x3x3-64-same,mp1x2x2", NetworkSpec((16, 112, 112, 3), (
        conv(64, 3, padding="same", rank=3), max_pool((1, 2, 2))))),
    ("IN8x32x32x3, C1X3X3-16-S1X2X2-P0X1X1 ,AP2", NetworkSpec((8, 32, 32, 3), (
        conv(16, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1)), avg_pool(2, rank=3)))),
])
def test_parse_1d_and_3d(text, spec):
    got = parse_net(text)
    assert got == spec and got.rank == spec.rank
    assert parse_net(serialise_net(got)) == got


def test_rank_comes_from_tuples_or_is_given():
    assert conv(8, (3, 3, 3)).rank == 3 and conv(8, 3).rank == 2
    assert conv(8, 3, rank=1).kernel == (3,) and conv(8, 3, rank=3).stride == (1, 1, 1)
    assert max_pool(2, rank=1).kernel == (2,) and max_pool((1, 2, 2)).rank == 3
    assert gap().rank is None and dense(3).rank is None
    with pytest.raises(NetworkError, match="rank=4 must be 1, 2 or 3"):
        conv(8, 3, rank=4)


@pytest.mark.parametrize("shape, layers, needle", [
    ((64, 16), [conv(8, 3)], "this is a 2D layer but its input 64×16 is 1D (W × c)"),
    ((8, 8, 8, 2), [max_pool(2)], "this is a 2D layer but its input 8×8×8×2 is 3D"),
    ((32, 32, 3), [conv(8, 3, padding="causal")], "padding='causal' is for 1D convs only"),
    ((64, 4), [conv(8, 3, "spatially_separable", rank=1)], "needs 2 or 3 spatial axes"),
    ((8, 8, 8, 2), [conv(8, 3, "separable_keras", rank=3)], "Keras has no SeparableConv3D"),
    ((64, 4), [flatten(), conv(8, 3, rank=1)], "a conv needs a W × c input, but its input "
                                               "is flat 256"),
    ((64, 4), [max_pool(99, rank=1)], "pool size 99 is larger than the input 64 along W"),
])
def test_1d_3d_errors_name_the_layer_and_the_rule(shape, layers, needle):
    with pytest.raises(NetworkError) as info:
        build_network(shape, layers)
    assert needle in str(info.value) and str(info.value).startswith("layer ")


@pytest.mark.parametrize("shape", [(0, 3), (64, 0), (8, 8, 8, 0), (9000, 3), (4, 4, 4, 4, 4)])
def test_bad_1d_3d_input_shapes(shape):
    with pytest.raises(NetworkError, match="input"):
        build_network(shape, [])


def test_depthwise_3d_is_conv3d_with_groups_and_causal_depthwise_pads_on_the_left():
    r = build_network((8, 8, 8, 4), [conv(None, 3, "depthwise", depth_multiplier=2,
                                          padding="same", rank=3)])
    assert r.rows[0].params == 4 * 2 * (27 + 1) and r.rows[0].name == "conv3d"
    assert "layers.Conv3D(8, 3, padding=\"same\", groups=4)" in keras_code(r)
    assert "Keras has no DepthwiseConv3D" in keras_code(r)
    r = build_network((50, 4), [conv(None, 3, "depthwise", padding="causal", dilation=2,
                                     rank=1)])
    assert r.rows[0].name == "zero_padding1d + depthwise_conv1d"
    assert "layers.ZeroPadding1D(padding=(4, 0))" in keras_code(r)
    assert r.rows[0].output_shape == (50, 4)


def test_to_rank_and_with_input_convert_every_layer():
    spec = PRESETS["wavenet"].spec
    flat2d = with_input(spec, 32, 64, 16)
    assert flat2d.rank == 2 and flat2d.layers[0] == conv(16, 2, padding="same")
    assert flat2d.layers[3].dilation == (8, 8)
    _build(flat2d)  # builds: causal became 'same'
    assert to_rank(conv(8, (3, 5), stride=(1, 2)), 3) == conv(8, (3, 3, 5), stride=(1, 1, 2))
    assert to_rank(conv(8, (3, 5), padding=(1, 2)), 1) == conv(8, 5, padding=2, rank=1)
    assert to_rank(gap(), 1) == gap()
    back = with_input(with_input(PRESETS["vgg_block"].spec, 8, 32, 32, 3), 32, 32, 3)
    assert back == PRESETS["vgg_block"].spec


def test_labels_follow_the_rank():
    assert kind_label("standard", 1) == "Standard Conv1D"
    assert kind_label("pointwise", 3) == "Pointwise (1×1×1)"
    assert "Standard Conv3D" in table_types(3) and "Standard Conv2D" in TABLE_TYPES
    r = _build(PRESETS["c3d"].spec)
    assert r.rows[0].description == "Standard Conv3D 3×3×3, 64 filters, same"
    assert to_table(r.spec.layers)[0]["layer"] == "Standard Conv3D"
    assert to_table(r.spec.layers)[1]["kernel / pool"] == "1x2x2"


_RANK_KINDS = {1: ["standard", "pointwise", "depthwise", "separable_keras",
                   "separable_pytorch", "shared_channels", "transposed", "grouped"],
               3: ["standard", "pointwise", "depthwise", "separable_pytorch",
                   "shared_channels", "spatially_separable", "transposed", "grouped"]}


@st.composite
def nd_conv_stack(draw):
    """A 1D or 3D stack of convs of every kind that exists at that rank, some pools."""
    rank = draw(st.sampled_from([1, 3]))
    layers = []
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.integers(0, 4)) == 0:
            layers.append((max_pool if draw(st.booleans()) else avg_pool)(
                draw(sizes(rank, 1, 3)), draw(st.none() | sizes(rank, 1, 2)),
                draw(st.sampled_from(["valid", "same"])), rank=rank))
            continue
        kind = draw(st.sampled_from(_RANK_KINDS[rank]))
        pads = ["same", "valid"] + (["causal"] if rank == 1 else [])
        layers.append(conv(draw(st.integers(1, 8)), draw(sizes(rank, 1, 3)), kind,
                           stride=draw(sizes(rank, 1, 2)),
                           padding=draw(st.sampled_from(pads) | sizes(rank, 0, 2)),
                           dilation=draw(sizes(rank, 1, 2)),
                           groups=draw(st.sampled_from([1, 2])),
                           depth_multiplier=draw(st.integers(1, 2)),
                           output_padding=draw(sizes(rank, 0, 1)), bias=draw(st.booleans()),
                           rank=rank))
    shape = draw(st.tuples(*[st.integers(3, 24)] * rank, st.sampled_from([2, 4])))
    return shape, layers


@pytest.mark.parametrize("layer", [
    conv(8, 3, "transposed", stride=2, dilation=2, padding=1, rank=1),  # Keras refuses s+d
    conv(4, 3, "transposed", stride=1, padding=0, output_padding=1, dilation=2, rank=1),
    conv(4, (1, 3, 3), "transposed", stride=(1, 2, 2), padding=(0, 1, 1), groups=2, rank=3),
])
def test_1d_3d_transposed_corners_get_keras_layers_that_add_up(layer):
    """Corners Keras can't write in one layer (stride with dilation, output padding past the
    stride, groups) still get real layers holding exactly the row's parameters."""
    r = build_network((10, 12, 12, 4) if layer.rank == 3 else (64, 4), [layer])
    assert sum(k.params for k in r.keras_layers) == r.total_params == r.rows[0].conv.params
    assert r.keras_layers[-1].output_shape == (None, *r.output_shape)
    compile(keras_code(r), "<keras>", "exec")
    compile(pytorch_code(r), "<torch>", "exec")


@given(nd_conv_stack())
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_1d_3d_keras_and_pytorch_layers_add_up_to_every_row(stack):
    """The real layers written for each conv (Keras summary rows, PyTorch modules) hold
    exactly the row's parameters and end on its output shape; the code compiles."""
    from lib.snippets import keras_plan as _keras_plan, torch_plan as _torch_plan
    shape, layers = stack
    try:
        r = build_network(shape, layers)
    except NetworkError as err:
        assert str(err).startswith("layer ")
        return
    for row in r.rows:
        assert sum(k.params for k in row.keras_layers) == row.params
        assert row.keras_layers[-1].output_shape == (None, *row.output_shape)
        if row.conv is None:
            continue
        for plan in (_keras_plan(row.conv), _torch_plan(row.conv)):
            assert sum(layer.params for layer in plan.layers) == row.params
            assert plan.layers[-1].out == row.output_shape
    compile(keras_code(r), "<keras>", "exec")
    compile(pytorch_code(r), "<torch>", "exec")


@given(nd_conv_stack(), st.data())
@settings(max_examples=100, deadline=None)
def test_1d_3d_params_do_not_depend_on_the_input_sizes(stack, data):
    shape, layers = stack
    other = (*data.draw(st.tuples(*[st.integers(3, 24)] * (len(shape) - 1))), shape[-1])
    try:
        a, b = build_network(shape, layers), build_network(other, layers)
    except NetworkError:
        return
    assert [r.params for r in a.rows] == [r.params for r in b.rows]


@given(st.sampled_from([1, 3]).flatmap(lambda r: st.tuples(
    st.just(r), sizes(r, 1, 4), sizes(r, 1, 3), sizes(r, 1, 3),
    st.sampled_from(["valid", "same"]) | sizes(r, 0, 2), sizes(r, 0, 2),
    st.sampled_from([1, 2]), sizes(r, 2, 9))))
@settings(max_examples=300, deadline=None)
def test_1d_3d_transposed_convs_get_layers_that_add_up(args):
    """Every 1D/3D transposed conv lib.conv accepts gets Keras and PyTorch layers that add
    up to its row."""
    from lib.snippets import keras_plan as _keras_plan, torch_plan as _torch_plan
    rank, kernel, stride, dilation, padding, op, groups, sizes_ = args
    layer = conv(4, kernel, "transposed", stride=stride, dilation=dilation, padding=padding,
                 output_padding=op, groups=groups, rank=rank)
    try:
        analyze("transposed", 4, kernel, 2, *([None] if rank == 1 else []),
                **dict(zip(("D", "H", "W")[3 - rank:], sizes_)), stride=stride,
                dilation=dilation, padding=padding, output_padding=op, groups=groups)
    except ConvError:
        return  # lib.conv refuses it: so does the builder (tested above)
    row = build_network((*sizes_, 2), [layer]).rows[0]
    for plan in (_keras_plan(row.conv), _torch_plan(row.conv)):
        assert sum(x.params for x in plan.layers) == row.params
        assert plan.layers[-1].out == row.output_shape


@pytest.mark.parametrize("n", range(1, MAX_LAYERS + 1))
def test_the_layer_axis_ticks_whole_layers_only(n):
    """Every stack size a student can build: the per-layer charts tick whole layer numbers
    (1 first, at most MAX_LAYER_TICKS, evenly spaced), and the axis spans exactly the bars.
    The old axis ticked every half layer for a 5-layer stack ("0 1 1 2 2 3 … 6")."""
    from lib.figures.network import MAX_LAYER_TICKS, comparison_figure, layer_bars_figure
    r = _build(NetworkSpec((8, 8, 3), tuple(conv(4, 3, "separable_keras", padding="same")
                                             for _ in range(n))))
    for fig in (layer_bars_figure(r), comparison_figure(compare_with_standard(r))):
        ax = fig.layout.xaxis
        bars = sorted({x for t in fig.data for x in t.x})
        assert bars == list(range(1, n + 1))
        lo, hi = ax.range
        assert lo < 1 and hi > n and lo > 0 and hi < n + 1  # the bars, no layer 0 or n + 1
        assert ax.tickmode == "linear" and ax.tick0 == 1 and float(ax.dtick).is_integer()
        ticks = [ax.tick0 + i * ax.dtick for i in range(n + 1) if ax.tick0 + i * ax.dtick <= hi]
        assert 1 <= len(ticks) <= MAX_LAYER_TICKS and set(ticks) <= set(bars)
        assert len(ticks) >= min(n, MAX_LAYER_TICKS // 2)  # not thinned more than needed
