"""AppTest: the "Prove it" page shows each proof with a tiny max difference, honours links."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.conv import analyze
from lib.numeric import PROOFS
from lib.text import fmt_shape

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/prove_it.py"


def _open(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.switch_page(PAGE).run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: str(m.value) for m in at.metric}


def _assert_proved(at: AppTest) -> None:
    assert not at.exception
    m = _metrics(at)
    assert float(m["max |difference|"]) < 1e-5
    assert m["Output shape"] == m["lib.conv.analyze says"]
    assert at.success and "Same numbers" in at.success[0].value
    assert not at.error


def test_default_render():
    at = _open()
    _assert_proved(at)
    assert not at.warning
    assert at.title[0].value == "Prove it"
    assert at.session_state["proof"] == "separable"
    assert len(at.get("plotly_chart")) >= 3
    # the default separable layer, as lib.conv sees it
    r = analyze("separable_keras", k=2, w=3, c=3, H=5, W=5)
    assert _metrics(at)["Output shape"] == fmt_shape(r.output_shape)


@pytest.mark.parametrize("proof", list(PROOFS))
def test_each_proof_from_a_link(proof):
    at = _open({"proof": proof, "pseed": "7", "ps": "2", "ppad": "same"})
    _assert_proved(at)
    assert at.subheader[0].value == PROOFS[proof]


@pytest.mark.parametrize("proof", list(PROOFS))
def test_each_proof_from_the_sidebar(proof):
    at = _open()
    at.radio(key="proof").set_value(proof).run()
    _assert_proved(at)


def test_transposed_with_explicit_padding_groups_and_output_padding():
    at = _open({"proof": "transposed", "pc": "4", "pk": "2", "pg": "2", "ps": "2",
                "ppad": "explicit", "pp": "1", "pop": "1", "pd": "2"})
    _assert_proved(at)
    r = analyze("transposed", k=2, w=3, c=4, H=5, W=5, stride=2, padding=1, dilation=2,
                groups=2, output_padding=1)
    assert _metrics(at)["Output shape"] == fmt_shape(r.output_shape)


def test_im2col_shows_the_two_matrices():
    at = _open({"proof": "im2col", "pH": "4", "pW": "5", "pc": "2", "pk": "3", "pw": "2"})
    _assert_proved(at)
    shapes = [df.value.shape for df in at.dataframe]
    assert (3 * 4, 1 + 2 * 2 * 2) in shapes   # patch matrix (H_out·W_out, kh·kw·c) + names
    assert (2 * 2 * 2, 1 + 3) in shapes       # weight matrix (kh·kw·c, k) + names


def test_sliders_change_the_numbers():
    at = _open({"proof": "shared"})
    at.slider(key="pH").set_value(7).run()
    at.slider(key="pw").set_value(2).run()
    _assert_proved(at)
    assert _metrics(at)["Output shape"] == fmt_shape(
        analyze("shared_channels", k=2, w=2, c=3, H=7, W=5).output_shape)


@pytest.mark.parametrize("query, names", [
    ({"proof": "magic"}, ["proof="]),
    ({"pH": "lots", "pseed": "-5"}, ["pH=", "pseed="]),
    ({"pw": "99", "pbias": "perhaps", "ppad": "<script>alert(1)</script>"},
     ["pw=", "pbias=", "ppad="]),
])
def test_garbage_in_the_link_is_named_and_the_page_still_works(query, names):
    at = _open(query)
    assert not at.exception
    assert len(at.warning) == 1
    for name in names:
        assert name in at.warning[0].value
    assert "max |difference|" in _metrics(at) or "can't be built" in at.error[0].value


def test_an_impossible_layer_is_explained_and_the_controls_keep_working():
    at = _open({"proof": "im2col", "pH": "2", "pW": "2", "pw": "4"})
    assert not at.exception
    assert "larger than padded input" in at.error[0].value
    at.slider(key="pw").set_value(2).run()
    _assert_proved(at)
