"""AppTest: the "On a real image" page runs the sample through every kind, shows the shapes
lib.conv computes, survives bad settings and bad uploads, and keeps working after them.

AppTest cannot drive st.file_uploader, so uploads are tested in the browser
(tests/e2e/test_real_image.py); here the page's decode path is the same lib.image call.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.conv import KINDS, analyze
from lib.forward import PRESETS
from lib.text import fmt_shape
from tests.app_runs import APP
from tests.app_runs import open_page as open_app_page

PAGE = "pages/real_image.py"
SAMPLE_SHAPE = (128, 128, 3)


def open_page(query: dict[str, str] | None = None) -> AppTest:
    return open_app_page(PAGE, query)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def output_captions(at: AppTest) -> list[str]:
    return [i.caption for img in at.image for i in img.proto.imgs
            if i.caption.startswith("map ")]


def test_the_sample_opens_with_edge_filters():
    at = open_page()
    assert not at.exception and not at.error and not at.warning
    m = metrics(at)
    assert m["Input (H×W×c)"] == "128×128×3" and m["Output (H×W×C)"] == "128×128×8"
    assert len(output_captions(at)) == 8
    assert dict(at.query_params) == {"ikind": "standard", "ipre": "edge", "ik": "8", "iw": "3"}
    assert any("turned by o × 90°" in c.value for c in at.caption)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_shows_the_explorers_shapes(kind):
    query = {"ikind": kind, "ik": "6", "iw": "5", "is": "2", "ipad": "valid", "idm": "2"}
    if kind in ("grouped", "transposed"):
        query["ig"] = "3"
    if kind == "transposed":
        query.update(ipad="explicit", ip="1")
    at = open_page(query)
    assert not at.exception and not at.error, [e.value for e in at.error]
    r = analyze(kind, 6, 5, 3, 128, 128, stride=2,
                padding=1 if kind == "transposed" else "valid",
                groups=3 if kind in ("grouped", "transposed") else 1, depth_multiplier=2)
    m = metrics(at)
    assert m["Input (H×W×c)"] == fmt_shape(r.input_shape)
    assert m["Output (H×W×C)"] == fmt_shape(r.output_shape)
    if len(r.stages) > 1:
        stages = "Stages: " + " → ".join(f"{s.name} {fmt_shape(s.out_shape)}" for s in r.stages)
        assert stages in [md.value for md in at.markdown]
    shown = output_captions(at)
    assert len(shown) == r.output_shape[-1]  # the first 8 + the rest behind "+M more"
    if r.output_shape[-1] > 8:
        assert any(e.label == f"+{r.output_shape[-1] - 8} more" for e in at.expander)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_runs(preset):
    at = open_page({"ipre": preset, "ikind": "spatially_separable"})
    assert not at.exception and not at.error
    notes = " ".join(c.value for c in at.caption)
    if preset in ("sharpen", "emboss"):
        assert "is not separable" in notes
    if preset == "random":
        assert not at.number_input(key="iseed").disabled
    else:
        assert at.number_input(key="iseed").disabled


def test_many_filters_show_eight_and_more():
    at = open_page({"ik": "20"})
    assert any(e.label == "+12 more" for e in at.expander)
    assert len(output_captions(at)) == 20


def test_bad_settings_give_a_clear_message_and_the_controls_keep_working():
    at = open_page({"ikind": "grouped", "ig": "2"})
    assert not at.exception
    (error,) = at.error
    assert "groups=2 must divide c=3" in error.value and "128×128×3 picture" in error.value
    assert at.image  # the input picture is still shown
    at.slider(key="ig").set_value(1).run()
    assert not at.exception and not at.error
    assert metrics(at)["Output (H×W×C)"] == "128×128×8"


def test_too_big_a_layer_is_refused_and_the_page_recovers():
    at = open_page({"iw": "11", "is": "8", "ikind": "transposed", "ik": "32"})
    assert not at.exception
    (error,) = at.error
    assert "output 1,024×1,024×32" in error.value  # Keras 'same': H·s
    assert "this page computes at most 8,000,000" in error.value
    assert "Lower k" in error.value
    at.slider(key="is").set_value(1).run()
    assert not at.exception and not at.error


def test_the_widest_dilated_kernel_still_fits_the_sample():
    at = open_page({"iw": "11", "id": "8", "ipad": "valid"})  # spans 81 of 128 pixels
    assert not at.exception and not at.error
    assert metrics(at)["Output (H×W×C)"] == "48×48×8"


def test_upload_mode_without_a_file_uses_the_sample_and_says_so():
    at = open_page({"img": "upload"})
    assert not at.exception and not at.error
    assert any("Choose a PNG or JPEG" in i.value for i in at.info)
    assert metrics(at)["Input (H×W×c)"] == "128×128×3"


def test_groups_cannot_exceed_the_pictures_channels():
    at = open_page({"ikind": "grouped", "ig": "3", "ik": "9"})
    assert at.slider(key="ig").max == 3
    assert metrics(at)["Output (H×W×C)"] == "128×128×9"


def test_the_explorer_link_opens_the_same_layer():
    at = open_page({"ikind": "separable_keras", "ik": "12", "iw": "5", "is": "2",
                    "idm": "2"})
    (link,) = at.get("page_link")
    assert link.proto.page.endswith("explorer.py") or link.proto.page_script_hash
    query = dict(p.split("=", 1) for p in link.proto.query_string.split("&"))
    explorer = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        explorer.query_params[key] = value
    explorer.run()
    assert not explorer.exception and not explorer.warning
    shown = {m.label: m.value for m in explorer.metric}
    assert shown["Input (H×W×c)"] == "128×128×3"
    assert shown["Output (H×W×C)"] == metrics(at)["Output (H×W×C)"] == "64×64×12"


def test_garbage_in_the_link_is_named():
    at = open_page({"ikind": "<b>x</b>", "ik": "999", "ipre": "laplace"})
    assert not at.exception
    (warning,) = at.warning
    for name in ("ikind=", "ik=", "ipre="):
        assert name in warning.value
