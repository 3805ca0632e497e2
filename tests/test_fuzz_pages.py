"""Fuzz every page with hand-edited links: nothing a student types into the URL may break a
page, go unexplained, be rendered as HTML (or as live markdown), or make a page slow.

Pages are discovered from ``app.py``'s ``st.Page(...)`` entries at test time, the control
keys from every ``*_CONTROLS`` tuple of ``Control`` in ``lib.state`` and the other ``lib``
modules, and other query keys from ``st.query_params`` string literals in the page files, so
new pages and controls are fuzzed automatically. Each example opens a fresh ``AppTest`` session directly on the page with the
generated query string, exactly like a student opening the edited link.

Bounded: ``max_examples=40`` per page up to 5 pages, fewer beyond (~200 examples in all).
"""

from __future__ import annotations

import ast
from decimal import Decimal, InvalidOperation
import importlib
import pkgutil
import re
import time
import tomllib
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import lib
import lib.state as state
from lib.conv import KINDS
from lib.state import Control
from pages._shared import PAGE_STYLE, SCROLLERS_JS
from tests.app_runs import discover_pages
from tests.url_cases import SPECIAL_VALUES

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
CONFIG = ROOT / ".streamlit" / "config.toml"

#: Hypothesis examples per page: 40, fewer once there are many pages (whole file < ~60 s).
MAX_EXAMPLES = 40
#: A page at the largest slider values must render within this (seconds, one script run).
RUN_BUDGET_S = 10.0


# ---------------------------------------------------------------------------
# Discovery: pages from app.py, controls from lib.state
# ---------------------------------------------------------------------------


def control_tuples() -> dict[str, tuple[Control, ...]]:
    """Every ``*_CONTROLS`` tuple of Control objects in lib.state and the other lib modules."""
    modules = [state] + [importlib.import_module(m.name) for m in
                         pkgutil.walk_packages(lib.__path__, "lib.") if m.name != "lib.state"]
    found: dict[str, tuple[Control, ...]] = {}
    for module in modules:
        for name, value in vars(module).items():
            if name.endswith("_CONTROLS") and isinstance(value, tuple) and value \
                    and all(isinstance(c, Control) for c in value):
                found.setdefault(name, value)
    return found


def literal_query_keys() -> set[str]:
    """Keys pages read straight from ``st.query_params`` (``.get("net")``, ``["net"]``)."""
    keys: set[str] = set()
    for page in PAGES:
        tree = ast.parse((ROOT / page).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            target = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("get", "get_all") and node.args:
                target, key = node.func.value, node.args[0]
            elif isinstance(node, ast.Subscript):
                target, key = node.value, node.slice
            if isinstance(target, ast.Attribute) and target.attr == "query_params" \
                    and isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.add(key.value)
    return keys


PAGES = discover_pages()
TUPLES = control_tuples()
ALL_CONTROLS: dict[str, Control] = {}
for _controls in TUPLES.values():
    for _c in _controls:
        ALL_CONTROLS.setdefault(_c.key, _c)
ALL_KEYS = sorted(ALL_CONTROLS)
FUZZ_KEYS = sorted(set(ALL_KEYS) | literal_query_keys())
MAX_EXAMPLES = max(15, min(MAX_EXAMPLES, 200 // max(1, len(PAGES))))


def open_page(page: str, query: dict[str, object] | None = None,
              timeout: float = 30) -> AppTest:
    """A fresh session opened directly on ``page`` with ``query`` as its query string."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


@cache
def page_controls(page: str) -> tuple[Control, ...]:
    """The controls a page binds: every ``*_CONTROLS`` tuple whose keys the page seeds.

    Opening a page with no query seeds session state with all of its controls (see
    ``pages/_shared.seed_from_url``); a tuple applies when all its keys are there.
    """
    at = open_page(page)
    assert not at.exception, f"{page} fails with an empty query: {at.exception}"
    seeded = set(at.session_state.keys())
    found: dict[str, Control] = {}
    for controls in TUPLES.values():
        if all(c.key in seeded for c in controls):
            for c in controls:
                found.setdefault(c.key, c)
    if not found:  # a page with its own keys: any seeded key that is a known control
        found = {k: c for k, c in ALL_CONTROLS.items() if k in seeded}
    return tuple(found.values())


def _signature(at: AppTest) -> list[str]:
    return [getattr(n, "type", type(n).__name__) for n in at]


def test_pages_are_discovered():
    assert PAGES and all((ROOT / p).is_file() for p in PAGES), PAGES
    assert "pages/explorer.py" in PAGES
    assert "EXPLORER_CONTROLS" in TUPLES and ALL_KEYS


@pytest.mark.parametrize("page", PAGES)
def test_opening_a_page_directly_is_the_same_as_navigating_to_it(page):
    """open_page() (switch_page before the first run) really lands on ``page``."""
    direct = open_page(page)
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.query_params.clear()  # as the sidebar does: the page's bare address
    at.switch_page(page).run()
    assert not direct.exception and not at.exception
    assert _signature(direct) == _signature(at)


# ---------------------------------------------------------------------------
# What a URL may contain
# ---------------------------------------------------------------------------

_TEXT = st.characters(exclude_categories=("Cs",))  # a browser cannot send lone surrogates
NASTY = [
    "", " ", "0", "-0", "+5", " 7 ", "007", "5.", ".5", "2.5", "-2.5", "1e9", "-1e9", "1e309",
    "-1e309", "nan", "NaN", "inf", "-inf", "0x10", "1_000", "٣", "²", "١٠٠", "9" * 5000,
    "-" + "9" * 5000, str(2**63), str(-2**63), "true", "FALSE", "on", "Off", "perhaps",
    "None", "null", "undefined", "[]", "{}", "%", "%00", "%3Cscript%3E", "\x00", "\n", "\t",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"><script>alert(1)</script>",
    "</div><script>alert(document.cookie)</script>", "<svg/onload=alert(1)>",
    "javascript:alert(1)", "{{7*7}}", "${7*7}", "'; DROP TABLE x; --", "../../etc/passwd",
    "💥" * 50, "x" * 10_000, "Ω≈ç√∫", "\u202e\u0041\u200b", "standard ", "STANDARD",
    "Grouped", "same", "EXPLICIT", "valid\x00", "pointwise\n",
]
EDGES = sorted({str(v) for c in ALL_CONTROLS.values() if not c.choices and not c.is_bool
                for v in (c.low - 1, c.low, c.high, c.high + 1)}, key=int)
NUMBERS = st.one_of(
    st.sampled_from(EDGES),
    st.integers(-5, 1100).map(str),
    st.integers(-10**30, 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.floats(-2000, 2000).map(lambda x: f"{x:.3f}"),
)
WORDS = st.sampled_from(list(KINDS) + list(state.PADDING_MODES) + ["yes", "no", "1", "0"])
VALUE = st.one_of(st.sampled_from(NASTY), NUMBERS, WORDS, st.text(_TEXT, max_size=30))
VALUES = st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=4))  # repeated keys
JUNK_KEYS = st.one_of(
    st.sampled_from(ALL_KEYS).map(str.upper),
    st.sampled_from(["", "page", "embed", "embed_options", "_stcore", "__proto__", "x" * 300]),
    st.text(_TEXT, max_size=12),
)
#: Mostly the real control keys (of every page), plus unknown ones.
QUERIES = st.builds(lambda real, junk: {**junk, **real},
                    st.dictionaries(st.sampled_from(FUZZ_KEYS), VALUES, max_size=8),
                    st.dictionaries(JUNK_KEYS, VALUES, max_size=3))


# ---------------------------------------------------------------------------
# Oracles
# ---------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _last(raw: object) -> str:
    return str(raw[-1]) if isinstance(raw, list) else str(raw)


def _as_int(text: str) -> int | None:
    """The whole number an ASCII number text denotes ("7", "+7", "5.", "1e3"), else None.

    Lenient on purpose: this decides only whether a warning is owed, so a page may be
    stricter (and warn) but never silently use another number than the text says."""
    text = text.strip()
    if not text.isascii():
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value() or len(text) > 40:
        return None
    return int(number)


def kept(control: Control, raw: str, final: object) -> bool:
    """Did the page keep exactly what the URL asked for (so no warning is owed)?"""
    text = raw.strip()
    if control.choices:
        return text.lower() == str(final).lower()
    if control.is_bool:
        return (text.lower() in _TRUE and final is True) or \
               (text.lower() in _FALSE and final is False)
    return _as_int(text) is not None and _as_int(text) == final


def named(key: str, warning: str) -> bool:
    """The warning has a line about ``key`` (``- key=...`` or ``- key: ...``)."""
    return re.search(rf"^- {re.escape(key)}[=:]", warning, re.M) is not None


def html_capable(node) -> bool:
    """An element whose body the browser would interpret as HTML."""
    proto = getattr(node, "proto", None)
    if proto is None:
        return False
    fields = proto.DESCRIPTOR.fields_by_name
    if "allow_html" in fields and proto.allow_html:
        return True
    return getattr(node, "type", "") in {"html", "iframe", "component_instance"}


def check_page(page: str, query: dict[str, object], at: AppTest) -> None:
    assert not at.exception, (page, query, [e.value for e in at.exception])

    # 1. Nothing is rendered as HTML; nothing HTML-ish from the URL reaches such an element.
    for node in at:
        proto = getattr(node, "proto", None)
        if proto is not None and "allow_html" in proto.DESCRIPTOR.fields_by_name:
            assert not proto.allow_html, (page, query, node)
        if html_capable(node):
            body = str(getattr(node.proto, "body", "")).lower()
            if body in (SCROLLERS_JS.lower(), PAGE_STYLE.lower()):  # constants: no URL text
                continue  # (a value "<" is a substring of any HTML, not a leak)
            assert "<script" not in body, (page, query, node)
            for raw in query.values():
                for value in (raw if isinstance(raw, list) else [raw]):
                    if "<" in value:
                        assert value.lower() not in body, (page, query, node)

    # 2. Every control whose URL value was not kept is named in the warning.
    warning = "\n".join(w.value for w in at.warning)
    for control in page_controls(page):
        if control.key not in query:
            continue
        raw = _last(query[control.key])
        final = at.session_state[control.key]
        if kept(control, raw, final):
            continue
        if control.key == "pad" and final == "explicit" and raw.strip().lstrip("-").isdigit():
            # pad=<number> means explicit padding <number> (lib.state); p must hold it
            p_raw = _last(query.get("p", raw))
            if _as_int(p_raw) == at.session_state["p"] or named("p", warning):
                continue
        assert named(control.key, warning), (
            f"{page}: {control.key}={raw!r} became {final!r} without a warning naming it; "
            f"query={query!r}; warning={warning!r}")

    # 3. Every plain key the page has no control for is named as ignored (a key is quoted
    #    whole up to 24 characters; Streamlit's own keys are not the page's to report).
    controls = page_controls(page)
    if controls:  # (the network page reads its one key, net, itself)
        known = {c.key for c in controls} | state.STREAMLIT_KEYS
        for key in query:
            if key not in known and re.fullmatch(r"[A-Za-z0-9_]{1,24}", key):
                assert f"- `{key}` is not a setting of this page" in warning, (
                    f"{page}: the unknown key {key!r} went unnamed; query={query!r}; "
                    f"warning={warning!r}")


# ---------------------------------------------------------------------------
# The fuzz test
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
@settings(max_examples=MAX_EXAMPLES, deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(query=QUERIES)
@example(query={"k": ["5", "<script>alert(1)</script>"], "kind": "<img src=x onerror=alert(1)>",
                "H": "9" * 5000, "W": "-1e309", "c": "nan", "g": "600", "pad": "2", "p": "-3"})
@example(query={"pad": "-3", "rect": "1", "kh": "12", "kw": "0", "s": "2.9", "d": "١٠٠",
                "bias": "perhaps", "op": ["1", "99"], "dm": "", "zzz": "<script>"})
@example(query={"kind": "grouped", "c": "1", "g": "5", "w": "11", "H": "1", "W": "1"})
@example(query={"kind": "STANDARD ", "pad": "EXPLICIT", "bias": "Off", "k": "+7", "w": " 3 "})
def test_fuzzed_links_never_break_a_page(page, query):
    check_page(page, query, open_page(page, query))


# ---------------------------------------------------------------------------
# A fixed list of special values, for every key of every page (deterministic)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", SPECIAL_VALUES, ids=repr)
@pytest.mark.parametrize("page", PAGES)
def test_special_numbers_in_every_key_never_break_a_page(page, value):
    """``?seed=inf`` once stopped the quiz (OverflowError in Streamlit's URL binding):
    every key of the page gets the value at once; each change is named, and the address
    the page settles on holds only values it can use as they are."""
    controls = page_controls(page)
    keys = [c.key for c in controls] or [TEXT_LINK_KEYS[page]]
    query = {key: value for key in keys}
    at = open_page(page, query)
    check_page(page, query, at)
    for control in controls:
        if control.key in at.query_params:
            shown = at.query_params[control.key]
            assert state.parse_value(control, shown) == (at.session_state[control.key], None), (
                f"{page}: the address says {control.key}={shown!r}")


# ---------------------------------------------------------------------------
# Live markdown from the URL (links, images, autolinks) inside the warning
# ---------------------------------------------------------------------------

#: Short enough to be echoed whole (lib.state cuts echoed values at 24 characters).
MARKDOWN_PAYLOADS = [
    "![](//127.0.0.1:9/a.png)",   # an <img>: every viewer's browser fetches it (tracking)
    "[login](http://a.bc/x)",     # a phishing link inside the app's own warning
    "https://a.bc/login",         # GFM autolink
    "<https://a.bc>",             # CommonMark autolink
    "www.a.bc/x",                 # GFM autolink
    "me@a.bc",                    # GFM e-mail autolink (mailto:)
]


#: Pages whose link is one free-text parameter rather than Control values.
TEXT_LINK_KEYS = {"pages/network.py": "net"}


def live_markdown(body: str) -> list[str]:
    """Markdown constructs in ``body`` that a browser would turn into links or images.

    Code spans and backslash-escaped characters are inert and ignored.
    """
    text = re.sub(r"(`+)(?:(?!\1)[\s\S])+?\1", "", body)
    text = re.sub(r"\\[!-/:-@\[-`{-~]", "\x00", text)
    patterns = [r"!?\[[^\]\n]*\]\(", r"<(?:https?|ftp|mailto):[^>\s]*>",
                r"(?i)\bhttps?://[^\s'\"]", r"(?i)\bwww\.[\w-]", r"[\w.+-]+@[\w-]+\.\w"]
    return [m.group(0) for p in patterns for m in re.finditer(p, text)]


@pytest.mark.parametrize("page", PAGES)
def test_url_text_is_never_live_markdown_in_a_warning(page):
    """A value typed into the link is shown as text, never as a link or image.

    st.warning renders Markdown: before lib.state._echo put values in a code span,
    ``k=![](//host/a.png)`` became an <img> that every viewer's browser fetched, and
    ``w=[login](http://...)`` a clickable link inside the app's own warning.
    """
    controls = page_controls(page)
    if controls:
        query = {c.key: MARKDOWN_PAYLOADS[i % len(MARKDOWN_PAYLOADS)]
                 for i, c in enumerate(controls)}
    else:  # a page whose link is free text (the network builder's ``net=`` stack)
        assert page in TEXT_LINK_KEYS, f"{page} binds no URL keys this test knows"
        query = {TEXT_LINK_KEYS[page]: ",".join(MARKDOWN_PAYLOADS)}
    at = open_page(page, query)
    assert not at.exception
    bodies = [e.value for e in list(at.warning) + list(at.error)]
    assert bodies, "a link full of garbage must produce a warning"
    found = sorted({m for body in bodies for m in live_markdown(body)})
    assert not found, f"{page}?{query}: live markdown {found} in the warning {bodies}"


def test_live_markdown_detector():
    assert live_markdown("k='[x](http://a)' is bad")
    assert live_markdown("k='![](//a/b.png)'")
    assert live_markdown("see https://a.bc") and live_markdown("www.a.bc") == ["www.a"]
    assert not live_markdown(r"k='\[x\]\(http\://a\)' is bad")
    assert not live_markdown("k=`[x](http://a)` is bad")
    assert not live_markdown("k=5 is above the maximum 512; using 512.")


# ---------------------------------------------------------------------------
# Static: no page or lib code may switch HTML rendering on
# ---------------------------------------------------------------------------

def test_no_unsafe_allow_html_anywhere():
    files = [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py")),
             *sorted((ROOT / "lib").rglob("*.py"))]
    offenders = [str(f.relative_to(ROOT)) for f in files
                 if "unsafe_allow_html" in f.read_text(encoding="utf-8")]
    assert not offenders, f"unsafe_allow_html used in {offenders}"


# ---------------------------------------------------------------------------
# Resource limits: every page at the largest slider values
# ---------------------------------------------------------------------------

def _max_message_bytes() -> int:
    with CONFIG.open("rb") as f:
        mb = tomllib.load(f).get("server", {}).get("maxMessageSize", 200)
    return int(mb * 1e6)


def largest_queries(controls: tuple[Control, ...]) -> list[tuple[str, dict[str, str]]]:
    """Per kind: every slider at its maximum, and the biggest valid layer (stride 1, same)."""
    keys = {c.key for c in controls}
    highs = {c.key: str(c.high) for c in controls if not c.choices and not c.is_bool}
    out: list[tuple[str, dict[str, str]]] = []
    kinds = KINDS if "kind" in keys else ("-",)
    for kind in kinds:
        everything = dict(highs)
        everything.update({k: v for k, v in {"kind": kind, "rect": "1", "pad": "explicit",
                                             "bias": "1"}.items() if k in keys})
        biggest = dict(highs)
        biggest.update({k: v for k, v in {"kind": kind, "rect": "0", "pad": "same", "s": "1",
                                          "d": "1", "g": "1", "op": "0"}.items() if k in keys})
        out += [(f"{kind}/all-max", everything), (f"{kind}/biggest-valid", biggest)]
    return out


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_at_the_largest_slider_values(page):
    limit = _max_message_bytes()
    slow: list[str] = []
    for name, query in largest_queries(page_controls(page)):
        t0 = time.perf_counter()
        at = open_page(page, query, timeout=RUN_BUDGET_S)  # AppTest raises past the budget
        elapsed = time.perf_counter() - t0
        assert not at.exception, (page, name, query, [e.value for e in at.exception])
        for node in at:
            proto = getattr(node, "proto", None)
            if proto is not None and hasattr(proto, "ByteSize"):
                assert proto.ByteSize() < limit, (
                    f"{page} {name}: a {getattr(node, 'type', '?')} element of "
                    f"{proto.ByteSize() / 1e6:.1f} MB exceeds server.maxMessageSize")
        if elapsed > RUN_BUDGET_S:
            slow.append(f"{name}: {elapsed:.1f} s")
    assert not slow, f"{page} slower than {RUN_BUDGET_S} s at the largest values: {slow}"
