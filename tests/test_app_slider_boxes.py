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


@pytest.mark.parametrize("page, query", [OPENINGS[0], OPENINGS[4], OPENINGS[6]],
                         ids=["explorer", "compare", "walkthrough"])
def test_a_stale_box_value_never_undoes_a_slider_move(page, query):
    """A slider move that arrives with the box still showing an older value (a run cut
    short by the next key press never drew the box) is the student's move: the slider
    wins. Before the fix, two quick arrow presses on c ended on c = 4 or 5 instead of 6."""
    at = _open(page, query)
    for slider in [s for s in _wide(at) if not s.disabled]:
        key, start = slider.key, slider.value
        fresh = _open(page, query)
        moved = start + 1 if start + 1 <= slider.max else start - 1
        stale = start - 1 if start - 1 >= slider.min else start + 2
        fresh.slider(key=key).set_value(moved)
        fresh.number_input(key=f"{key}__box").set_value(stale)  # what the browser still had
        fresh.run()
        assert not fresh.exception
        assert fresh.slider(key=key).value == moved, (page, key, stale)
        assert fresh.number_input(key=f"{key}__box").value == moved, (page, key)
        assert fresh.query_params.get(key) == str(moved), (page, key)
