"""Keyboard only: a student without a mouse reaches and works every kind of control.

Only ``page.keyboard`` is used to move and act (Tab, arrows, Enter, Space, typing into the
kind menu); the page is read, never clicked. At every control the test checks that focus
is *visible*: the focused element or one of its five nearest ancestors draws an outline, a
box-shadow or a border colour that goes away when the focus leaves (so an always-present
shadow does not count).
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from lib.conv import analyze
from lib.quiz import check_answer, make_question
from lib.text import fmt_int
from tests.e2e.helpers import EXCEPTION, open_app, wait_for_app_idle

#: What has the focus: its widget (the nearest element with a Streamlit test id) and label.
FOCUSED_JS = """() => {
    const a = document.activeElement;
    if (!a || a === document.body) return null;
    const box = a.closest('[data-testid="stSlider"], [data-testid="stSelectbox"], '
        + '[data-testid="stRadio"], [data-testid="stButton"], [data-testid="stNumberInput"], '
        + '[data-testid="stCheckbox"], [data-testid="stExpander"], [data-testid="stTabs"]');
    const label = box && box.querySelector('[data-testid="stWidgetLabel"]');
    return {widget: box ? box.dataset.testid : null,
            label: label ? label.textContent.trim() : (a.getAttribute('aria-label') || ''),
            text: (a.innerText || a.value || '').trim().slice(0, 120),
            role: a.getAttribute('role') || a.type || a.tagName.toLowerCase()};
}"""

#: Outline / box-shadow / border of the focused element and its 5 nearest ancestors, focused and
#: then blurred (the focus ring is the difference); Shift+Tab, Tab brings the focus back.
RING_JS = """async () => {
    const chain = [];
    for (let el = document.activeElement, i = 0; el && i < 6; i++, el = el.parentElement) {
        chain.push(el);
    }
    const look = () => chain.flatMap((el) => {
        const s = getComputedStyle(el);
        return [s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
                ? `outline ${s.outlineWidth} ${s.outlineColor}` : '',
                s.boxShadow === 'none' ? '' : `shadow ${s.boxShadow}`,
                s.borderTopStyle !== 'none' && parseFloat(s.borderTopWidth) > 0
                ? `border ${s.borderTopWidth} ${s.borderTopColor}` : ''];
    });
    const focused = look();
    chain[0].blur();
    // Widgets that style focus from React state repaint after the blur event: wait 2 frames.
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    const blurred = look();
    return focused.filter((v, i) => v && v !== blurred[i]);
}"""


def tab_to(page: Page, want, limit: int = 90) -> dict:
    """Press Tab until the focused control satisfies ``want(info)``; returns its info."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED_JS)
        if info and want(info):
            return info
        seen.append(info and (info["widget"], info["label"][:30], info["role"]))
    raise AssertionError(f"Tab never reached the control; focus went through {seen}")


def assert_focus_visible(page: Page, what: str) -> None:
    ring = page.evaluate(RING_JS)
    assert ring, f"{what}: no visible focus indicator (outline / box-shadow) when focused"


def metric(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").filter(has_text=re.compile(f"^{label}"))
    ).get_by_test_id("stMetricValue")


def figure_text(page: Page):
    return page.get_by_test_id("stCaptionContainer").filter(has_text=re.compile("^Figure: "))


def test_explorer_by_keyboard_alone(page: Page):
    # Start on the volume figure: the filters figure is a WebGL scene that software
    # rendering makes slow on a busy CI machine, and this test is about the keyboard.
    open_app(page, "/?fig=volume")
    expect(metric(page, "Parameters")).to_have_text("490")
    page.locator("body").focus()

    # The kind menu: Tab to it, type to filter, Enter to choose.
    tab_to(page, lambda f: f["widget"] == "stSelectbox" and "kind" in f["label"].lower())
    assert_focus_visible(page, "kind menu")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # back on the menu after the focus check
    page.keyboard.type("Depthwise separable (Keras")
    page.keyboard.press("Enter")
    expect(metric(page, "Parameters")).to_have_text("88")
    wait_for_app_idle(page)

    # A slider: Tab to k, ArrowRight twice.
    tab_to(page, lambda f: f["widget"] == "stSlider" and f["label"].startswith("k —"))
    assert_focus_visible(page, "k slider")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # back on the slider after the focus check
    # Two quick presses: the second arrives while the first one's rerun is still running
    # (the slider and its exact box once raced here and lost a press, see _box_changed).
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    r = analyze("separable_keras", k=12, w=4, c=3, H=32, W=32)
    expect(metric(page, "Parameters")).to_have_text(fmt_int(r.params))
    wait_for_app_idle(page)

    # The figure choice (radio group): arrows move the choice; Space on the focused one.
    info = tab_to(page, lambda f: f["widget"] == "stRadio" and f["role"] == "radio"
                  and "Filters" in page.evaluate(
                      "() => document.activeElement.closest('[data-testid=stRadio]').innerText"))
    assert_focus_visible(page, f"figure choice ({info['label']})")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(figure_text(page)).to_contain_text("Input 32×32×3")  # the volume's text
    page.keyboard.press("ArrowRight")  # Volume -> Sliding window
    expect(figure_text(page)).to_contain_text("Sliding window")
    wait_for_app_idle(page)

    # The output position: Tab to the column slider, move it, the text follows.
    tab_to(page, lambda f: f["widget"] == "stSlider" and f["label"] == "Output column")
    assert_focus_visible(page, "output column slider")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")
    expect(figure_text(page)).to_contain_text("output row 0, column 1")
    expect(page).to_have_url(re.compile(r"oc=1"))

    # The play control is a plotly button inside the figure's SVG: it is reached with the
    # position sliders instead (the figure's own slider and buttons are pointer-only).
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_quiz_by_keyboard_alone(page: Page):
    seed, level = 7, "easy"
    open_app(page, f"/quiz?seed={seed}&level={level}")
    question = make_question(seed, level, 0)
    right = next(i for i in range(len(question.choices))
                 if check_answer(question, i).correct)
    page.locator("body").focus()
    tab_to(page, lambda f: f["widget"] == "stButton"
           and f["text"] == question.choices[right].strip())
    assert_focus_visible(page, "quiz answer")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("stAlertContentSuccess")).to_be_visible()
    expect(page.get_by_test_id("stMain").get_by_test_id("stMetricValue").first
           ).to_have_text("1 / 1")
    wait_for_app_idle(page)
    # "Next question" with Space.
    tab_to(page, lambda f: f["widget"] == "stButton" and "Next question" in f["text"])
    assert_focus_visible(page, "next question")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="Question 2")).to_be_visible()
    expect(page.locator(EXCEPTION)).to_have_count(0)
