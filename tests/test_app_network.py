"""AppTest: the network builder renders, switches presets, honours links and bad text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.network import DEFAULT_NET, PRESETS, build_network, parse_net, serialise_net
from lib.text import fmt_count, fmt_int, fmt_shape

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
REF = json.loads((ROOT / "tests" / "data" / "network_reference.json").read_text())["networks"]


def _open(query: dict[str, str] | None = None) -> AppTest:
    """The page opened from a link (AppTest runs it directly, as the browser does)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.switch_page("pages/network.py").run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _assert_shows(at: AppTest, net: str) -> None:
    spec = parse_net(net)
    r = build_network(spec.input_shape, spec.layers)
    m = _metrics(at)
    assert m["Total params"] == fmt_int(r.total_params)
    assert m["MACs"] == fmt_count(r.total_macs)
    assert m["Output shape"] == fmt_shape(r.output_shape)
    assert m["Layers"] == str(len(r.rows))


def test_default_view_is_the_vgg_block_with_keras_numbers():
    at = _open()
    assert not at.exception and not at.error and not at.warning
    ref = REF["vgg_block"]
    assert _metrics(at)["Total params"] == fmt_int(ref["keras"]["params"])
    assert _metrics(at)["MACs"] == fmt_count(ref["pytorch"]["macs"])
    assert at.text_input(key="net").value == DEFAULT_NET
    assert at.code[0].value == ref["keras"]["summary"].rstrip("\n")  # model.summary() tab
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["Download the summary (.txt)", "Download Keras code (.py)",
                      "Download PyTorch code (.py)"]


@pytest.mark.parametrize("key", list(PRESETS))
def test_preset_switch_shows_the_framework_totals(key):
    at = _open()
    at.selectbox(key="net_preset").set_value(key).run()
    assert not at.exception and not at.error
    ref = REF[key]
    m = _metrics(at)
    assert m["Total params"] == fmt_int(ref["keras"]["params"]) == fmt_int(ref["pytorch"]["params"])
    assert m["MACs"] == fmt_count(ref["pytorch"]["macs"])
    assert at.text_input(key="net").value == ref["net"]
    assert at.query_params.get("net", DEFAULT_NET) == ref["net"]  # no net= opens the default
    twin = REF.get(f"{key}_standard")
    if twin:  # the standard vs depthwise separable comparison
        assert m["Standard: params"] == fmt_int(twin["keras"]["params"])
        assert m["Standard: MACs"] == fmt_count(twin["pytorch"]["macs"])
        assert m["Separable: params"] == fmt_int(ref["keras"]["params"])
    else:
        assert "Standard: params" not in m


def test_a_link_opens_the_stack_it_describes():
    net = "in28x28x1,c3x3-8,mp2,flat,d10"
    at = _open({"net": net})
    assert not at.exception and not at.warning and not at.error
    _assert_shows(at, net)
    assert at.text_input(key="net").value == net
    assert at.selectbox(key="net_preset").value == "custom"
    assert at.number_input(key="net_H").value == 28 and at.number_input(key="net_c").value == 1


def test_a_link_to_a_preset_selects_it():
    at = _open({"net": serialise_net(PRESETS["shared"].spec)})
    assert at.selectbox(key="net_preset").value == "shared"
    assert _metrics(at)["Total params"] == "170"


def test_garbage_link_shows_a_warning_naming_it_and_the_page_works():
    at = _open({"net": "c3x3-zz,<b>x</b>"})
    assert not at.exception
    text = at.warning[0].value
    assert "- net=`c3x3-zz,<b>x</b>` can't be read" in text and "piece 1 `c3x3-zz`" in text
    _assert_shows(at, DEFAULT_NET)  # the rest of the page shows the default stack
    at.selectbox(key="net_preset").set_value("classic").run()
    assert not at.exception and not at.warning
    assert _metrics(at)["Total params"] == "490"


def test_impossible_stack_names_the_layer_and_the_controls_keep_working():
    at = _open({"net": "in8x8x3,c3x3-4,c9x9-4,gap"})
    assert not at.exception
    assert ("layer 2 (Standard Conv2D 9×9, 4 filters) on input 6×6×4: kernel 9 is larger "
            "than padded input 6") in at.error[0].value
    at.text_input(key="net").input("in8x8x3,c3x3-4,c3x3-4,gap").run()
    assert not at.exception and not at.error
    _assert_shows(at, "in8x8x3,c3x3-4,c3x3-4,gap")


def test_typed_text_is_tidied_and_becomes_the_link():
    at = _open()
    at.text_input(key="net").input(" IN16x16x3, C3-8-SAME , mp2 ,gap, d4 ").run()
    assert not at.exception and not at.warning
    assert at.text_input(key="net").value == "in16x16x3,c3x3-8-same,mp2,gap,d4"
    assert at.query_params["net"] == "in16x16x3,c3x3-8-same,mp2,gap,d4"
    _assert_shows(at, "in16x16x3,c3x3-8-same,mp2,gap,d4")


def test_unreadable_typed_text_keeps_the_last_stack():
    at = _open()
    at.selectbox(key="net_preset").set_value("classic").run()
    at.text_input(key="net").input("in32x32x3,c4x4-10,d").run()
    assert not at.exception
    assert "piece 3 `d`: d needs a size" in at.warning[0].value
    assert "last stack that could be read" not in at.warning[0].value  # it is a preset
    assert _metrics(at)["Total params"] == "490"


def test_input_shape_changes_macs_not_conv_params():
    at = _open()
    at.selectbox(key="net_preset").set_value("classic").run()
    at.number_input(key="net_H").set_value(64).run()
    assert not at.exception
    _assert_shows(at, "in64x32x3,c4x4-10")
    assert _metrics(at)["Total params"] == "490"
    assert at.query_params["net"] == "in64x32x3,c4x4-10"


def test_the_stack_survives_a_page_switch():
    at = _open({"net": "in8x8x2,c3x3-3,gap,d2"})
    at.switch_page("pages/explorer.py").run()
    at.switch_page("pages/network.py").run()
    assert not at.exception
    assert at.text_input(key="net").value == "in8x8x2,c3x3-3,gap,d2"
    _assert_shows(at, "in8x8x2,c3x3-3,gap,d2")


def test_page_never_renders_html():
    source = (ROOT / "pages" / "network.py").read_text()
    assert "unsafe_allow_html" not in source
    assert "import numpy" not in source  # no math in the page


# ---------------------------------------------------------------------------
# 1D (WaveNet) and 3D (C3D) stacks
# ---------------------------------------------------------------------------

def _rows(at: AppTest) -> list[dict]:
    """The per-layer table (the first dataframe with a "Param #" column)."""
    for df in at.dataframe:
        if "Param #" in df.value.columns:
            return df.value.to_dict("records")
    raise AssertionError("no layer table")


def test_wavenet_preset_shows_528_per_layer_and_the_receptive_field_doubling():
    at = _open()
    at.selectbox(key="net_preset").set_value("wavenet").run()
    assert not at.exception and not at.error and not at.warning
    ref = REF["wavenet"]
    rows = _rows(at)
    assert [r["Param #"] for r in rows] == [528, 528, 528, 528]
    assert [r["Param #"] for r in rows] == [k["params"] for k in ref["keras"]["per_layer"]]
    assert [r["MACs"] for r in rows] == [t["macs"] for t in ref["pytorch"]["per_layer"]]
    assert [r["Receptive field"] for r in rows] == ["2", "4", "8", "16"]
    assert [r["Output Shape"] for r in rows] == ["64×16"] * 4
    assert rows[0]["Layer (type)"] == "conv1d (Conv1D)"
    m = _metrics(at)
    assert m["Total params"] == fmt_int(ref["keras"]["params"]) == "2,112"
    assert m["Receptive field"] == "16"
    assert at.query_params["net"] == ref["net"] == (
        "in64x16,c2-16-causal,c2-16-causal-d2,c2-16-causal-d4,c2-16-causal-d8")
    assert at.radio(key="net_dims").value == "1D"
    assert at.number_input(key="net_W").value == 64 and at.number_input(key="net_c").value == 16
    assert "net_H" not in [w.key for w in at.number_input]  # no height in 1D
    assert at.code[0].value == ref["keras"]["summary"].rstrip("\n")


def test_c3d_preset_shows_the_conv3d_numbers():
    at = _open()
    at.selectbox(key="net_preset").set_value("c3d").run()
    assert not at.exception and not at.error
    ref = REF["c3d"]
    first = _rows(at)[0]
    assert first["Param #"] == 5_248 == ref["keras"]["per_layer"][0]["params"]
    assert first["Output Shape"] == "16×112×112×64"
    assert first["MACs"] == 1_040_449_536 == ref["pytorch"]["per_layer"][0]["macs"]
    assert first["Layer (type)"] == "conv3d (Conv3D)"
    assert _metrics(at)["Total params"] == fmt_int(ref["keras"]["params"])
    assert at.radio(key="net_dims").value == "3D"
    assert [at.number_input(key=k).value for k in ("net_D", "net_H", "net_W", "net_c")] == [
        16, 112, 112, 3]


def test_a_1d_link_opens_with_the_dims_and_sizes():
    net = "in100x8,c5-16-p2,mp3-s2-same,gap,d4"
    at = _open({"net": net})
    assert not at.exception and not at.warning and not at.error
    _assert_shows(at, net)
    assert at.radio(key="net_dims").value == "1D"
    at.number_input(key="net_W").set_value(50).run()
    assert not at.exception
    _assert_shows(at, "in50x8,c5-16-p2,mp3-s2-same,gap,d4")
    assert at.query_params["net"] == "in50x8,c5-16-p2,mp3-s2-same,gap,d4"


def test_switching_dims_converts_the_stack():
    at = _open()  # the VGG block, 2D
    at.radio(key="net_dims").set_value("1D").run()
    assert not at.exception and not at.error
    net = "in32x3,c3-32-same,c3-32-same,mp2,flat,d10"
    assert at.text_input(key="net").value == net
    _assert_shows(at, net)
    at.radio(key="net_dims").set_value("3D").run()
    assert not at.exception and not at.error
    net = "in16x32x32x3,c3x3x3-32-same,c3x3x3-32-same,mp2,flat,d10"
    assert at.text_input(key="net").value == net
    _assert_shows(at, net)
    assert at.number_input(key="net_D").value == 16
    # WaveNet's causal padding has no 2D meaning: it becomes 'same'
    at.selectbox(key="net_preset").set_value("wavenet").run()
    at.radio(key="net_dims").set_value("2D").run()
    assert not at.exception and not at.error
    assert at.text_input(key="net").value.startswith("in64x64x16,c2x2-16-same,")


def test_a_1d_stack_that_cannot_be_built_names_the_layer():
    at = _open({"net": "in64x4,ss3-8"})
    assert not at.exception
    assert "layer 1" in at.error[0].value and "needs 2 or 3 spatial axes" in at.error[0].value
    at = _open({"net": "in8x8x8x1,c3x3-8"})  # a 2D kernel in a 3D stack
    assert not at.exception
    assert "kernel `3x3` must be a number or depth x height x width" in at.warning[0].value


@pytest.mark.parametrize("net", ["in64x16,c2-16-causal-zz", "in0x16,c2-4", "in1x2x3x4x5",
                                 "in64x16,c2-16-causal,<script>", "in16x4,mp2x2"])
def test_garbage_1d_3d_links_warn_and_never_crash(net):
    at = _open({"net": net})
    assert not at.exception
    texts = [w.value for w in at.warning] + [e.value for e in at.error]
    assert texts and any("can't" in t for t in texts)


def test_a_key_this_page_does_not_have_is_named_and_the_stack_still_opens():
    """``nett=`` (or the explorer's ``k=``) was ignored without a word, as on every page."""
    net = "in16x16x3,c3x3-8-same,mp2,gap,d4"
    at = _open({"net": net, "nett": "in8x8x3,c3x3-4", "k": "12"})
    assert not at.exception
    (warning,) = [w.value for w in at.warning if "this link" in w.value]
    assert ("- `nett` is not a setting of this page, so it was ignored; did you mean `net=`"
            in warning)
    assert "- `k` is not a setting of this page, so it was ignored; this page's keys are `net`." \
        in warning
    _assert_shows(at, net)
    assert dict(at.query_params) == {"net": net}
    assert not [w for w in _open({"net": net}).warning if "this link" in w.value]
