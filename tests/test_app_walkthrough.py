"""AppTest: the "How many weights?" walkthrough tells the classic story and every knob works."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.conv import analyze
from lib.state import WALKTHROUGH_CONTROLS
from lib.walkthrough import STEPS, build_step

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/walkthrough.py"


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.switch_page(PAGE).run()


def _metrics(at: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def _text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def _latex(at: AppTest) -> str:
    return " ".join(x.value for x in at.latex)


def _link_warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "this link" in w.value]


def _n(x: int) -> str:
    return f"{x:,}"


def test_default_page_tells_the_classic_story_with_the_seed_numbers():
    at = _open()
    assert not at.exception and not at.error and not at.warning
    assert at.title[0].value == "How many weights does a Conv2D train?"
    assert [s.value for s in at.subheader][:len(STEPS)] == [s.title for s in STEPS]
    m = _metrics(at)
    std = analyze("standard", k=10, w=4, c=3, H=32, W=32)
    assert std.params == 490 and std.output_shape == (29, 29, 10)
    assert ("Parameters per filter", "49") in m
    assert ("Output", "29×29×10") in m
    assert ("Parameters", "490") in m
    assert ("Shared across channels", "170") in m
    assert ("Keras SeparableConv2D", "88") in m
    assert ("PyTorch (two nn.Conv2d)", "91") in m
    text = _text(at)
    for seed in ("**49**", "**29**", "**29×29×10**", "**490**", "**170**", "**88**", "**91**"):
        assert seed in text
    assert "32 − 4 + 1 = **29** positions, not 32 − 4 = 28" in text
    latex = _latex(at)
    for formula in ("(4 \\cdot 4 \\cdot 3 + 1) \\\\ &= 49", "= 490", "= 170", "= 88", "= 91",
                    "\\right\\rfloor + 1 \\\\ &= 29"):
        assert formula in latex
    assert std.params_latex in latex and std.output_latex[0] in latex


def test_step_4_shows_both_sizes():
    at = _open()
    base = analyze("standard", k=10, w=4, c=3, H=32, W=32)
    big = analyze("standard", k=10, w=4, c=3, H=64, W=64)
    m = _metrics(at)
    assert ("Params at 32×32", _n(base.params)) in m and ("Params at 64×64", _n(big.params)) in m
    assert ("MACs at 32×32", _n(base.macs)) in m and ("MACs at 64×64", _n(big.macs)) in m
    assert base.macs != big.macs and base.params == big.params


def test_every_control_is_url_bound():
    at = _open()
    keys = {s.key for s in at.slider} | {r.key for r in at.radio}
    assert keys == {c.key for c in WALKTHROUGH_CONTROLS}
    assert all(len(k) <= 4 for k in keys)


# (key, value, expected (label, value) pairs computed with analyze)
def _cases():
    std = lambda **kw: analyze("standard", **{**dict(k=10, w=4, c=3, H=32, W=32), **kw})  # noqa: E731
    return [
        ("w1", 3, [("Parameters per filter", _n(std(k=1, w=3).params)),
                   ("Filter shape", "3×3×3")]),
        ("c1", 16, [("Parameters per filter", _n(std(k=1, c=16).params)),
                    ("Filter shape", "4×4×16")]),
        ("H2", 100, [("Output", "×".join(map(str, std(H=100, W=100).output_shape)))]),
        ("w2", 7, [("Output", "×".join(map(str, std(w=7).output_shape)))]),
        ("k3", 64, [("Parameters", _n(std(k=64).params))]),
        ("w3", 5, [("Parameters", _n(std(w=5).params))]),
        ("c3", 128, [("Parameters", _n(std(c=128).params))]),
        ("H4", 224, [("MACs at 224×64", _n(std(H=224, W=64).macs)),
                     ("Params at 224×64", _n(std(H=224, W=64).params))]),
        ("W4", 17, [("MACs at 64×17", _n(std(H=64, W=17).macs))]),
        ("c5", 64, [("Shared across channels",
                     _n(analyze("shared_channels", 10, 4, 64, 32, 32).params)),
                    ("Standard Conv2D", _n(std(c=64).params))]),
        ("k6", 32, [("Keras SeparableConv2D",
                     _n(analyze("separable_keras", 32, 4, 3, 32, 32).params)),
                    ("PyTorch (two nn.Conv2d)",
                     _n(analyze("separable_pytorch", 32, 4, 3, 32, 32).params))]),
        ("c6", 8, [("Keras SeparableConv2D",
                    _n(analyze("separable_keras", 10, 4, 8, 32, 32).params)),
                   ("PyTorch (two nn.Conv2d)",
                    _n(analyze("separable_pytorch", 10, 4, 8, 32, 32).params))]),
    ]


@pytest.mark.parametrize("key, value, expected", _cases(), ids=[c[0] for c in _cases()])
def test_each_step_control_changes_its_numbers(key, value, expected):
    at = _open()
    at.slider(key=key).set_value(value).run()
    assert not at.exception and not at.error
    m = _metrics(at)
    for pair in expected:
        assert pair in m


def test_same_padding_keeps_the_size():
    at = _open()
    at.radio(key="pad2").set_value("same").run()
    assert not at.exception
    r = analyze("standard", k=10, w=4, c=3, H=32, W=32, padding="same")
    assert ("Output", "×".join(map(str, r.output_shape))) in _metrics(at)
    assert r.output_latex[0] in _latex(at)
    assert "'same' padding" in _text(at)


def test_a_link_opens_the_view_it_describes():
    at = _open({"w1": "5", "c1": "8", "H2": "20", "w2": "3", "pad2": "same", "k3": "64",
                "w3": "3", "c3": "32", "H4": "128", "W4": "96", "c5": "16", "k6": "128",
                "c6": "64"})
    assert not at.exception and not at.warning and not at.error
    m = _metrics(at)
    assert ("Filter shape", "5×5×8") in m
    assert ("Parameters per filter", _n(analyze("standard", 1, 5, 8, 32, 32).params)) in m
    out = analyze("standard", 10, 3, 3, 20, 20, padding="same").output_shape
    assert ("Output", "×".join(map(str, out))) in m
    assert ("Parameters", _n(analyze("standard", 64, 3, 32, 32, 32).params)) in m
    assert ("MACs at 128×96", _n(analyze("standard", 10, 4, 3, 128, 96).macs)) in m
    assert ("Standard Conv2D", _n(analyze("standard", 10, 4, 16, 32, 32).params)) in m
    assert ("Keras SeparableConv2D",
            _n(analyze("separable_keras", 128, 4, 64, 32, 32).params)) in m
    assert at.slider(key="c6").value == 64 and at.radio(key="pad2").value == "same"


def test_invalid_combination_shows_the_error_in_its_step_only():
    at = _open({"H2": "3"})  # a 4×4 filter does not fit in a 3×3 image
    assert not at.exception and not at.warning
    assert len(at.error) == 1
    err = at.error[0].value
    assert "larger than padded input" in err and "H2=3" in err and "w2=4" in err
    assert ("Parameters", "490") in _metrics(at)  # the other steps still render
    at.slider(key="H2").set_value(32).run()
    assert not at.exception and not at.error
    assert ("Output", "29×29×10") in _metrics(at)


def test_step_4_image_smaller_than_the_filter():
    at = _open({"H4": "2"})
    assert not at.exception
    assert len(at.error) == 1 and "H4=2" in at.error[0].value
    at.radio(key="pad2").set_value("same").run()  # other steps' controls keep working
    assert not at.exception and len(at.error) == 1


@pytest.mark.parametrize("key, raw", [
    ("w1", "abc"), ("c1", "-5"), ("H2", "99999999"), ("w2", "2.7"), ("k3", "inf"),
    ("pad2", "<script>alert(1)</script>"), ("H4", "0"), ("H4", "1e400"), ("c5", "NaN"),
    ("k6", " "), ("c6", "<img src=x>"),
])
def test_garbage_in_a_link_is_named_and_never_crashes(key, raw):
    at = _open({key: raw})
    assert not at.exception
    warnings = _link_warnings(at)
    assert len(warnings) == 1 and f"- {key}=" in warnings[0]
    assert ("Parameters", "490") in _metrics(at)


def test_keys_this_page_does_not_have_are_named_and_ignored():
    """The walkthrough's keys are per step (``k3``): the explorer's ``k`` or a made-up key
    is ignored, and the warning lists the keys this page has."""
    at = _open({"kind": "bogus", "k": "<script>", "zzz": "1"})
    assert not at.exception
    (warning,) = _link_warnings(at)
    for key in ("kind", "k", "zzz"):
        assert f"- `{key}` is not a setting of this page, so it was ignored" in warning
    assert "`k3`" in warning and "<script" not in warning
    assert ("Parameters", "490") in _metrics(at)


def test_figures_or_their_placeholders():
    at = _open()
    assert not at.exception
    have = importlib.util.find_spec("lib.figures") is not None
    mod = importlib.import_module("lib.figures") if have else None
    expected = sum(1 for s in STEPS if s.figure and mod is not None
                   and getattr(mod, s.figure, None) is not None)
    assert len(at.get("plotly_chart")) == expected
    placeholders = sum(1 for c in at.caption if c.value == "A figure appears here.")
    assert placeholders == sum(1 for s in STEPS if s.figure) - expected


def test_a_knob_rebuilds_only_its_own_steps_figure(monkeypatch):
    """Issue 14: every move rebuilt (and re-serialised) both step figures, two thirds of a
    walkthrough rerun. They are cached by their own step's knobs (pages/_cached.step_figure):
    step 3's k builds nothing, step 1's w builds step 1's figure only, and the chart shown
    is the builder's figure for the new value."""
    import json

    import plotly.io as pio

    from lib import figures
    from pages import _cached

    _cached.clear()
    built: list[str] = []
    real = {name: getattr(figures, name)
            for name in ("filter_tensor_figure", "sliding_window_figure")}
    for name, build in real.items():
        monkeypatch.setattr(figures, name,
                            lambda r, _b=build, _n=name: built.append(_n) or _b(r))
    at = _open()
    assert sorted(built) == ["filter_tensor_figure", "sliding_window_figure"]
    at.slider(key="k3").set_value(at.slider(key="k3").value + 1).run()
    assert not at.exception
    assert sorted(built) == ["filter_tensor_figure", "sliding_window_figure"]
    at.slider(key="w1").set_value(5).run()
    assert sorted(built) == ["filter_tensor_figure", "filter_tensor_figure",
                             "sliding_window_figure"]
    shown = json.loads(at.get("plotly_chart")[0].proto.spec)
    fresh = real["filter_tensor_figure"](build_step(1, {**_defaults(), "w1": 5}).result)
    assert shown == json.loads(pio.to_json(fresh, validate=False))
    _cached.clear()


# ---------------------------------------------------------------------------
# lib.walkthrough on its own
# ---------------------------------------------------------------------------

def _defaults() -> dict[str, object]:
    return {c.key: c.default for c in WALKTHROUGH_CONTROLS}


def test_every_step_builds_at_the_defaults():
    for spec in STEPS:
        step = build_step(spec.number, _defaults())
        assert step.error is None and step.paragraphs and step.latex and step.metrics
        assert step.result is not None


def test_step_6_explains_the_difference():
    step = build_step(6, {**_defaults(), "c6": 7})
    keras = analyze("separable_keras", 10, 4, 7, 32, 32)
    torch = analyze("separable_pytorch", 10, 4, 7, 32, 32)
    text = " ".join(step.paragraphs)
    assert f"{torch.params - keras.params} parameters apart" in text
    assert "one bias vector" not in text or "single bias vector" in text
    assert "Xception" in text and "MobileNet" in text


def test_step_5_has_the_tradeoff():
    text = " ".join(build_step(5, _defaults()).paragraphs)
    assert "RGB" in text and "170" in text and "490" in text


def test_step_errors_name_the_step_keys():
    step = build_step(2, {**_defaults(), "H2": 2, "w2": 5})
    assert step.error and "H2=2" in step.error and "w2=5" in step.error and "pad2=valid" in step.error
