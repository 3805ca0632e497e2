"""Streamlit glue shared by the pages (not a page itself): the URL and the controls.

A teacher's link must reopen exactly the view it was copied from. The pages therefore keep
the address bar in step with the controls themselves rather than with Streamlit's
``bind="query-params"``: a bound selectbox or radio writes its *display label* into the URL
(``kind=Depthwise+separable+(Keras)``) and silently drops any value that is not one of those
labels (``kind=separable_keras``), so links showed false warnings and lost the kind.

The cycle of every page run:

1. :func:`seed_from_url` (before the widgets): when the address bar holds something other
   than what this page last wrote there (a link just opened, the back button, a page
   switch), parse it with ``lib.state`` into valid values and put them into
   ``st.session_state`` under the control keys; the widgets then show them.
2. The widgets (no ``bind``), keyed by the URL names; choices are ids, shown through labels.
3. :func:`sync_url` (after the widgets, also at the end of every fragment run): write the
   full current state as short ids into the address bar (``lib.state.to_query``), so
   copying it at any moment reproduces the view, deep-linked values included.
4. :func:`report_url_changes`: name every link value that was changed, and what to.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from lib.alt_text import PREFIX
from lib.state import PADDING_MODES, Control, to_query, unknown_keys

_WARN = "_url_warnings:{page}"
#: The query string this page last wrote: a different one in the address bar is a link.
_WRITTEN = "_url_written:{page}"
#: The last value of every control on any page: Streamlit forgets a widget's value when
#: another page ran in between, and this brings it back (so numbers carry across pages).
_KEPT = "_kept_values"
#: Set by every control's callback: this run answers a click or a key, not a link. A run
#: cut short by a newer one (``runner.fastReruns``) can leave the address bar one step
#: behind; the student's move must still win over that stale address.
_ACTED = "_url_user_acted"

Parser = Callable[[Mapping[str, object], Sequence[Control]], tuple[dict[str, object], list[str]]]


#: Icons from the Material Symbols font that Streamlit ships, not emoji. An emoji needs a
#: colour-emoji font on the student's machine (Debian's Chromium has none, so every icon of the
#: app was an empty box there), and Streamlit checks an emoji icon against its list of ~4,000
#: emoji, an import of 43-65 ms on a server's first page (issue 14's cold start). One icon per
#: meaning, so every page says "idea" or "error" with the same picture.
ICON = {
    "idea": ":material/lightbulb:",
    "error": ":material/block:",
    "warning": ":material/warning:",
    "right": ":material/check_circle:",
    "wrong": ":material/cancel:",
    "next": ":material/arrow_forward:",
    "new": ":material/casino:",
    "download": ":material/download:",
    "bug": ":material/bug_report:",
    "edit": ":material/edit:",
    "picture": ":material/image:",
    "explorer": ":material/search:",
    "settings": ":material/settings:",
}


def sidebar_hint(what: str) -> None:
    """A line at the top of the main column saying where the controls are: on a phone the
    sidebar starts folded away, and a student should not have to hunt for it."""
    st.caption(f"{ICON['settings']} {what}: in the sidebar. On a phone, tap **»** at the top "
               "left to open it.")


def ensure_app_navigation() -> None:
    """Make sure this page runs inside app.py's st.navigation, even for a deep link.

    Until app.py has called st.navigation once in this server process, Streamlit treats a
    ``pages/`` folder the old (v1) way: the very first visitor after a restart who opens a
    shared link such as ``/compare?k=20`` gets the page file run on its own — no page config,
    and a sidebar listing every file in ``pages/``. Switching the process to st.navigation
    and rerunning sends that same URL through app.py instead.
    """
    from streamlit.runtime.pages_manager import PagesManager  # internal, hence guarded

    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()
    page_style()


#: A Markdown table wider than its column (the explorer's stage table on a phone).
TABLE_SCROLLER = '[data-testid="stMarkdownContainer"]:has(> table)'
#: Every page's style. Phones: formulas at 1em (not KaTeX's 1.21em), so each aligned line of a formula fits a
#: 390 px screen; on every screen a Markdown table wider than its column scrolls sideways
#: inside it instead of being cut. A fixed style: nothing from the user or the URL is in it.
PAGE_STYLE = ("<style>@media (max-width: 640px) "
              "{ .katex-display > .katex { font-size: 1em; } } "
              f"{TABLE_SCROLLER} {{ overflow-x: auto; }} "
              f"{TABLE_SCROLLER} td code {{ white-space: nowrap; }}</style>")


def page_style() -> None:
    """Every page's fixed style: formulas on phones, wide tables (called by every page, see
    above)."""
    st.html(PAGE_STYLE)


_startup_frozen = False


def freeze_startup_objects() -> None:
    """Once per server process, after its first page run: take every object alive now out
    of the garbage collector's walks (``gc.freeze``).

    Python's full collection walks every object it tracks. On this server that was ~120,000
    objects, nearly all of them imported code (Streamlit, plotly and its validators, lib)
    that lives as long as the process: a full collection took ~66 ms holding the GIL, so
    every session waited (one in 54 browser moves; one every ~15 AppTest reruns). Frozen,
    they are no longer walked and one took 6 ms (issue 14).

    Only once: a frozen object in a reference cycle is never freed, so what comes later
    (cached figures, sessions) must stay collectable for the server's memory to stay flat.
    """
    global _startup_frozen
    if not _startup_frozen:
        _startup_frozen = True
        gc.freeze()  # (no gc.collect() first: a full walk now would delay the first page)


def url_query() -> dict[str, list[str]]:
    """The address bar's query as ``{key: [values]}`` (repeated keys keep every value)."""
    return {key: st.query_params.get_all(key) for key in st.query_params.keys()}


def _same_query(raw: Mapping[str, Sequence[str]], written: Mapping[str, str] | None) -> bool:
    if written is None:
        return False
    return {k: list(v) for k, v in raw.items()} == {k: [v] for k, v in written.items()}


def link_opened(page: str) -> bool:
    """True when the address bar holds something this page did not write: the first run of
    the page in this session, a link, the browser's back/forward buttons, a page switch —
    and the run was not started by one of the page's own controls."""
    if st.session_state.pop(_ACTED, False):
        return False
    return not _same_query(url_query(), st.session_state.get(_WRITTEN.format(page=page)))


def write_url(page: str, query: Mapping[str, str]) -> None:
    """Put ``query`` into the address bar (one history entry, only when it changed)."""
    query = dict(query)
    if not _same_query(url_query(), query):
        st.query_params.from_dict(query)
    st.session_state[_WRITTEN.format(page=page)] = query


def seed_from_url(page: str, controls: Sequence[Control], parse: Parser) -> bool:
    """Call before the widgets: give every control its value for this run. Returns True
    when the values came from outside the page's widgets (a link, a page switch).

    A link (see :func:`link_opened`) that names any of this page's keys sets every control:
    the named ones to the link's values, the rest to their defaults, so a link always means
    the same view. An address bar without this page's keys (a page switch from the sidebar)
    keeps what the student had, carried across pages. Otherwise the widgets keep their state.
    """
    ensure_app_navigation()
    ss = st.session_state
    kept = ss.setdefault(_KEPT, {})
    opened = link_opened(page)
    if opened:
        raw = url_query()
        values, warnings = parse(raw, controls)
        warnings = [*warnings, *unknown_keys(raw, controls)]
        is_link = any(c.key in raw for c in controls)
        ss[_WARN.format(page=page)] = {
            "raw": {k: v[-1] for k, v in raw.items() if v}, "values": values,
            "messages": warnings}
        for control in controls:
            if is_link:
                ss[control.key] = values[control.key]
            elif control.key not in ss:
                ss[control.key] = kept.get(control.key, control.default)
    for control in controls:
        key = control.key
        # Re-assigning keeps a value alive when its widget is not drawn in this run.
        ss[key] = ss[key] if key in ss else kept.get(key, control.default)
    return opened


def open_if_set(expander: str, controls: Sequence[Control]) -> None:
    """Open the expander whose session-state key is ``expander`` when any of ``controls``
    is away from its default: a link, a page switch or a preset that sets a knob shows it
    (an expander built only while open would otherwise hide the knob the view depends on)."""
    ss = st.session_state
    if any(ss.get(c.key, c.default) != c.default for c in controls):
        ss[expander] = True


def current_values(controls: Sequence[Control]) -> dict[str, object]:
    """Every control's value right now (keyed like the URL)."""
    ss = st.session_state
    kept = ss.get(_KEPT, {})
    return {c.key: ss[c.key] if c.key in ss else kept.get(c.key, c.default) for c in controls}


def sync_url(page: str, controls: Sequence[Control]) -> None:
    """Call after the widgets (and at the end of each fragment): remember the values for
    other pages and write them into the address bar, so a copied link is this view."""
    values = current_values(controls)
    st.session_state.setdefault(_KEPT, {}).update(values)
    st.session_state.pop(_ACTED, None)  # (a fragment's run never reaches seed_from_url)
    write_url(page, to_query(values, controls))


def report_url_changes(page: str, controls: Sequence[Control],
                       into: st.delta_generator.DeltaGenerator | None = None) -> None:
    """Show what the link asked for that could not be used (URL text only inside code
    spans, never HTML). Call once the widgets have settled; ``into`` is a placeholder
    near the top of the page.

    Any link value that differs from the control's final value and was not already
    explained by the parser gets a message naming the value used, so nothing changes
    silently.
    """
    state = st.session_state.get(_WARN.format(page=page))
    if not state:
        return
    messages = list(state["messages"])
    explained = {m.split("=", 1)[0] for m in messages}
    final = current_values(controls)
    for control in controls:
        raw = state["raw"].get(control.key)
        if raw is None or control.key in explained:
            continue
        if state["values"][control.key] != final[control.key]:
            used = final[control.key]
            shown = control.label_of(used) if control.choices else used
            messages.append(f"{control.key}: the link's value can't be used with the other "
                            f"settings here; using {shown}.")
    show_link_warning(messages, into)


def show_link_warning(messages: Sequence[str],
                      into: st.delta_generator.DeltaGenerator | None = None) -> None:
    """One warning listing what a link asked for that the page changed or ignored (the
    messages quote URL text only inside code spans); nothing when there is none."""
    if messages:
        (into or st).warning("Some values in this link were changed or ignored:\n\n"
                             + "\n".join(f"- {m}" for m in messages), icon=ICON["warning"])


def dismiss_url_warnings(page: str) -> None:
    """Every control's callback (or part of it): once the student changes something, the
    link's warnings are history, and this run follows the control, not the address bar."""
    st.session_state.pop(_WARN.format(page=page), None)
    user_acted()


def user_acted() -> None:
    """Part of every control's callback: this run follows the control, not the URL."""
    st.session_state[_ACTED] = True


# ---------------------------------------------------------------------------
# Keyboard access to what scrolls sideways
# ---------------------------------------------------------------------------

#: A formula, a code block or a Markdown table wider than its column scrolls sideways (phone,
#: projector). A keyboard user can only scroll what can take the focus: Chromium and Firefox
#: focus such a scroller by themselves, Safari does not, and WCAG 2.1.1 (axe-core's
#: ``scrollable-region-focusable``) asks for it. This constant script (no user or URL text
#: in it) gives every formula / code block / table that overflows ``tabindex=0``, a region
#: role and a name, and takes them away when it fits again (resize, rerun). Runs once per
#: page load.
SCROLLERS_JS = """<script>
(() => {
  if (window.__convscopeScrollers) return;
  window.__convscopeScrollers = true;
  const SEL = '.katex-display, [data-testid="stCode"] pre, %TABLE%';
  const mark = () => document.querySelectorAll(SEL).forEach((el) => {
    const wide = el.scrollWidth > el.clientWidth + 1;
    if (wide && !el.hasAttribute('tabindex')) {
      el.setAttribute('tabindex', '0');
      el.setAttribute('role', 'region');
      el.setAttribute('aria-label', el.matches('pre') ? 'Code, scrolls sideways'
                                     : el.matches('.katex-display') ? 'Formula, scrolls sideways'
                                     : 'Table, scrolls sideways');
      el.dataset.convscopeScroller = '1';
    } else if (!wide && el.dataset.convscopeScroller) {
      ['tabindex', 'role', 'aria-label'].forEach((a) => el.removeAttribute(a));
      delete el.dataset.convscopeScroller;
    }
  });
  // Coalesced and late (250 ms): a rerun mutates the page in bursts; reading widths once
  // after a burst costs one layout, not one per frame while plotly and KaTeX draw.
  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    setTimeout(() => { queued = false; mark(); }, 250);
  };
  new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true});
  window.addEventListener('resize', schedule);
  schedule();
})();
</script>""".replace("%TABLE%", TABLE_SCROLLER)


def metric_row() -> st.delta_generator.DeltaGenerator:
    """A row for ``st.metric``s that wraps: each metric is as wide as its value, so
    "61×1,021×1,021×512" is never cut ("29×29…" was, four to a row of st.columns on a
    1024 px projector) and the next metric moves to the next line instead.

    One horizontal container, not rows of st.columns: four metrics are 5 elements per
    rerun instead of 10 (issue 14: the browser's work per move grows with the elements).
    """
    return st.container(horizontal=True, gap="small")


def figure_text(text: str, into: st.delta_generator.DeltaGenerator | None = None) -> None:
    """A figure's text alternative (``lib.alt_text``), as plain text right under it: the
    sentence a screen reader reads where the plotly figure is drawn. Never HTML."""
    (into or st).caption(PREFIX + text)


def keyboard_scrollers() -> None:
    """Call once per run (app.py): see ``SCROLLERS_JS``."""
    st.html(SCROLLERS_JS, unsafe_allow_javascript=True)


# ---------------------------------------------------------------------------
# Controls: one function per widget type, each keyed by its URL name
# ---------------------------------------------------------------------------

#: Sliders with more values than this get a number box beside them: on a 240 px track one
#: pixel is several values (k = 1 … 512), so only the box gives any exact value by tap.
BOX_ABOVE = 16
#: The number box's width in px: "1024" fits, and the slider keeps ~3/4 of the sidebar.
BOX_WIDTH = 60
_BOX = "{key}__box"
#: The value the page last drew into a slider's number box.
_DRAWN = "{key}__drawn"


def _box_changed(page: str, key: str) -> None:
    """The number box was changed: its value becomes the slider's, unless the slider itself
    moved in this same rerun. Then the box's value is a stale one: a run cut short by the
    slider's next move (``runner.fastReruns``) can end before the box shows the value the
    page gave it, and the browser sends that old value back with the next move. Quick
    arrow presses on the slider would otherwise jump back (4 → 5 → 6 ended on 4 or 5)."""
    ss = st.session_state
    if ss.get(key) != ss.get(_DRAWN.format(key=key), ss.get(key)):
        return  # the slider moved: it wins, and the next run redraws the box from it
    ss[key] = ss[_BOX.format(key=key)]
    dismiss_url_warnings(page)


def settle_slider(control: Control, high: int | None = None) -> tuple[int, bool]:
    """Clamp the stored value of ``control``'s slider into the range it will offer, before
    the slider is drawn (Streamlit refuses a value above the maximum). Returns the slider's
    top and whether only one value is possible (then the slider is shown disabled at its
    low end, with ``low + 1`` as its top: a slider needs two values).

    A page that draws its main figure before its sidebar calls this for every slider first,
    so the figure reads the same values the sliders will show."""
    key = control.key
    top = control.high if high is None else high
    if top <= control.low:
        st.session_state[key] = control.low
        return control.low + 1, True
    if st.session_state.get(key, control.default) > top:
        st.session_state[key] = top
    return top, False


def settle_choice(control: Control, choices: Sequence[str] | None = None) -> tuple[str, ...]:
    """Replace a stored choice that is not offered (``choices`` narrows ``control``'s ids)
    by the default, or by the first one offered; returns the ids offered."""
    options = tuple(choices or control.choices)
    if st.session_state.get(control.key) not in options:
        st.session_state[control.key] = (control.default if control.default in options
                                         else options[0])
    return options


def bound_slider(page: str, control: Control, high: int | None = None, disabled: bool = False,
                 help: str | None = None) -> int:
    """A slider for ``control`` (with an exact number box beside it when the range is
    wide); ``high`` lowers its maximum (groups <= c).

    The stored value is clamped into the range first (Streamlit refuses a value above the
    maximum), and a range with a single value is shown disabled. The slider's key is the
    URL name and holds the value; the box only writes into it.
    """
    key = control.key
    top, single = settle_slider(control, high)
    disabled = disabled or single
    if top - control.low <= BOX_ABOVE:
        return st.slider(control.label, control.low, top, key=key, disabled=disabled,
                         help=help, on_change=dismiss_url_warnings, args=(page,))
    box = _BOX.format(key=key)
    st.session_state[box] = st.session_state.get(key, control.default)
    # One horizontal container, not st.columns: 3 elements per move instead of 5 (issue 14).
    row = st.container(horizontal=True, vertical_alignment="bottom", gap="small")
    value = row.slider(control.label, control.low, top, key=key, disabled=disabled,
                       help=help, on_change=dismiss_url_warnings, args=(page,))
    row.number_input(f"{control.label} (exact value)", control.low, top, step=1, key=box,
                     disabled=disabled, label_visibility="collapsed", width=BOX_WIDTH,
                     on_change=_box_changed, args=(page, key))
    st.session_state[_DRAWN.format(key=key)] = value
    return value


def bound_choice(page: str, control: Control, choices: Sequence[str] | None = None,
                 widget: str = "radio", **kwargs: object) -> str:
    """A radio (or ``widget="selectbox"``) over ``control``'s ids, showing their labels.

    ``choices`` narrows the ids offered; a stored value outside them falls back to the
    first one (e.g. 'causal' padding after switching to 2D).
    """
    options = settle_choice(control, choices)
    draw = st.selectbox if widget == "selectbox" else st.radio
    if widget == "radio":
        kwargs.setdefault("horizontal", True)
    return draw(control.label, options, key=control.key, format_func=control.label_of,
                on_change=kwargs.pop("on_change", dismiss_url_warnings),
                args=kwargs.pop("args", (page,)), **kwargs)


def bound_toggle(page: str, control: Control, label: str | None = None, **kwargs: object
                 ) -> bool:
    """An on/off switch for a boolean control."""
    return st.toggle(label or control.label, key=control.key,
                     on_change=kwargs.pop("on_change", dismiss_url_warnings),
                     args=kwargs.pop("args", (page,)), **kwargs)


def bound_number(page: str, control: Control, **kwargs: object) -> int:
    """A number box for an integer control (exact values, typed or stepped)."""
    return st.number_input(control.label, control.low, control.high, step=1, key=control.key,
                           on_change=kwargs.pop("on_change", dismiss_url_warnings),
                           args=kwargs.pop("args", (page,)), **kwargs)


def padding_modes(dims: str) -> tuple[str, ...]:
    """The padding choices offered: 'causal' for 1D inputs only."""
    return tuple(PADDING_MODES if dims == "1D" else PADDING_MODES[:3])


def padding_radio(page: str, control: Control, dims: str) -> str:
    """The padding choice; 'causal' is offered for 1D inputs only."""
    return bound_choice(page, control, padding_modes(dims),
                        help="valid: no zeros added. same (Keras): H_out = ceil(H / stride). "
                             "explicit: p zeros on every side (PyTorch's padding=p). "
                             "causal (1D): d·(w−1) zeros on the left only, so no output "
                             "sees the future (WaveNet).")
