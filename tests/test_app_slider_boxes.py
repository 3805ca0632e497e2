"""AppTest: every wide slider on every page has an exact number box, bound to the URL.

k and c run to 512 and H, W to 1,024 on a 240 px track: one pixel is several values, so a
mouse or a tap cannot hit k = 23. ``pages._shared.bound_slider`` puts a number box beside
every slider whose range is wider than ``BOX_ABOVE``. Here every page is opened with the
links that make all its sliders appear (the sliding-window figure for the output
position, an explicit padding, a grouped conv, 3D…); every slider with a wide range must
have its box, and typing a value into the box must move the slider and the address bar.
"""

from __future__ import annotations

import pytest

from pages._shared import BOX_ABOVE
from tests.app_runs import run_page as _open

#: Each page with links that, together, draw every one of its sliders.
OPENINGS: list[tuple[str, dict[str, str]]] = [
    ("pages/explorer.py", {}),
    ("pages/explorer.py", {"kind": "grouped", "c": "64", "k": "64", "fig": "window",
                           "H": "100", "W": "100"}),
    ("pages/explorer.py", {"kind": "transposed", "dims": "3D", "rect": "1", "pad": "explicit",
                           "fig": "window"}),
    ("pages/explorer.py", {"dims": "1D", "fig": "window", "W": "300"}),
    ("pages/compare.py", {"ga": "0", "c": "64", "k": "64", "pad": "explicit"}),
    ("pages/compare.py", {"dims": "3D", "rect": "1"}),
    ("pages/walkthrough.py", {}),
    ("pages/quiz.py", {}),
    ("pages/prove_it.py", {}),
    ("pages/prove_it.py", {"proof": "transposed", "ppad": "explicit"}),
    ("pages/network.py", {}),
]


def _wide(at: AppTest) -> list:
    return [s for s in at.slider if s.max - s.min > BOX_ABOVE]


def _target(slider) -> int:
    """A value a track can hardly hit: not the ends, not the current value."""
    low, high = int(slider.min), int(slider.max)
    value = low + 13 if low + 13 < high else low + 1
    return value if value != slider.value else value + 1


@pytest.mark.parametrize("page, query", OPENINGS,
                         ids=[f"{p.split('/')[-1][:-3]}-{i}" for i, (p, _) in enumerate(OPENINGS)])
def test_every_wide_slider_has_an_exact_box_bound_to_the_url(page, query):
    at = _open(page, query)
    boxes = {n.key: n for n in at.number_input if n.key}
    for slider in _wide(at):
        assert f"{slider.key}__box" in boxes, f"{page}: slider {slider.label!r} has no box"
    # Each box sets its slider exactly, and the address bar follows (one fresh page per
    # slider: a value may change which other sliders are drawn).
    for key in [s.key for s in _wide(at) if not s.disabled]:
        fresh = _open(page, query)
        slider = fresh.slider(key=key)
        value = _target(slider)
        fresh.number_input(key=f"{key}__box").set_value(value).run()
        assert not fresh.exception
        assert fresh.slider(key=key).value == value, (page, key)
        assert fresh.query_params.get(key) == str(value), (page, key, dict(fresh.query_params))
        assert fresh.number_input(key=f"{key}__box").value == value


def test_the_pages_have_wide_sliders_to_check():
    """The matrix reaches the wide controls (k, c, H, W, groups, the output position and
    the walkthrough's knobs): a page losing its sliders would not pass silently."""
    seen = set()
    for page, query in OPENINGS:
        seen |= {(page, s.key) for s in _wide(_open(page, query))}
    keys = {key for _, key in seen}
    assert {"k", "c", "H", "W", "g", "or", "oc", "H2", "k3", "c3", "H4", "W4", "c5", "k6",
            "c6", "c1"} <= keys, sorted(keys)
