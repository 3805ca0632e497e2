"""AppTest: numbers read the same on every page (issue 13).

Every page is run at several settings, the large ones included (k, c = 512, H, W = 1,024,
w = 11), and all the text a student reads is collected: markdown, captions, headings,
metrics (label, value, help, delta), alerts, button labels, LaTeX and the table cells.
In it:

* a whole number of 4 or more digits always has thousands separators (no "3822" beside
  "3,835"); in LaTeX the separator is ``{,}``;
* an SI value (``32.6 T``) has a mantissa below 1,000 (never "32,613.8 G"); byte sizes
  (1024-based KB, MB, GB) stay below 1,024;
* a table column of counts is shown with separators (``format="localized"``) or as text
  that has them.

Code blocks (Keras/PyTorch source and summaries as the frameworks print them) are not
scanned: they must be valid code and match the frameworks byte for byte.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.network import PRESETS, serialise_net
from tests.app_runs import open_expanders, run_page

APP = str(Path(__file__).resolve().parent.parent / "app.py")

#: 4+ digits in a row that are not part of a longer number, a decimal fraction, a name
#: (conv2d_1024), an exponent (1e-09) or a separated group ("1,024" is fine).
BARE = re.compile(r"(?<![\d.,_A-Za-z{}\-])(\d{4,})(?![\d_A-Za-z])(?!\.\d)")
#: An SI count: "32.6 T", "1,000.0 K" (not followed by B: bytes are 1024-based).
SI = re.compile(r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?)\s?([KMGTPE])(?![A-Za-z])")
BYTES = re.compile(r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?)\s?([KMGTP]B)\b")
#: Identifiers shown as they are typed or linked (not counts): the quiz number, seeds.
#: Index notation (y[500, 1000, 0], b[0]) is an address, not a count: commas separate axes.
CODE_SPAN = re.compile(r"`[^`\n]*`")
IDENTIFIERS = re.compile(r"Quiz \d+|quiz number \d+|seed \d+|seed=\d+|#\d+|\b[a-z]\[[\d, ]+\]")
WIDE = {"k": "512", "c": "512", "H": "1024", "W": "1024", "w": "11"}

CASES: list[tuple[str, dict[str, str]]] = [
    ("pages/explorer.py", {}),
    ("pages/explorer.py", WIDE),
    ("pages/explorer.py", {**WIDE, "kind": "separable_pytorch", "fig": "params"}),
    ("pages/explorer.py", {**WIDE, "kind": "transposed", "s": "8", "fig": "scaling"}),
    ("pages/explorer.py", {**WIDE, "kind": "grouped", "g": "512", "pad": "same",
                           "fig": "window", "or": "500", "oc": "1000"}),
    ("pages/explorer.py", {"dims": "3D", "D": "64", "H": "1024", "W": "1024", "k": "512",
                           "c": "64", "kind": "spatially_separable", "w": "11"}),
    ("pages/explorer.py", {"dims": "1D", "W": "1024", "k": "512", "c": "512",
                           "kind": "depthwise", "dm": "8", "fig": "window", "oc": "1020"}),
    ("pages/compare.py", {}),
    ("pages/compare.py", WIDE),
    ("pages/compare.py", {**WIDE, "dims": "3D", "D": "64"}),
    ("pages/compare.py", {"k": "1", "w": "1", "c": "1", "H": "1024", "W": "1"}),
    ("pages/walkthrough.py", {}),
    ("pages/walkthrough.py", {"w1": "11", "c1": "64", "H2": "256", "w2": "11",
                              "pad2": "same", "k3": "512", "w3": "11", "c3": "512",
                              "H4": "1024", "W4": "1024", "c5": "512", "k6": "512",
                              "c6": "512"}),
    ("pages/quiz.py", {}),
    ("pages/quiz.py", {"level": "hard", "seed": "987654"}),
    ("pages/prove_it.py", {}),
    *[("pages/network.py", {"net": serialise_net(p.spec)}) for p in PRESETS.values()],
]


def _answer(at: AppTest) -> AppTest:
    """The quiz with its first question answered (wrongly when possible): the feedback,
    the formulas and the marks are read too."""
    buttons = [b for b in at.button if b.key and b.key.startswith("choice_")]
    buttons[0].click().run()
    assert not at.exception
    return at


def _cells(frame) -> list[str]:
    return [str(v) for v in frame.to_numpy().ravel().tolist()] + [str(c) for c in frame.columns]


def texts(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) for everything a student reads on the page, code blocks aside."""
    out: list[tuple[str, str]] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "success",
                 "warning", "error", "latex"):
        out += [(kind, e.value) for e in getattr(at, kind)]
    for m in at.metric:
        out += [("metric", str(m.label)), ("metric", str(m.value))]
        if m.proto.help:
            out.append(("metric help", m.proto.help))
        if m.proto.body:
            out.append(("metric delta", m.proto.body))
    for b in at.button:
        out.append(("button", b.label))
    for link in at.get("page_link"):
        out.append(("page_link", link.proto.label))
    return out


def _int_columns_without_separators(at: AppTest) -> list[str]:
    """Table columns holding whole numbers of 4+ digits that are shown as plain numbers."""
    bad = []
    for df in at.dataframe:
        frame = df.value
        config = json.loads(df.proto.columns or "{}")
        for col in frame.columns:
            series = frame[col]
            if series.dtype.kind not in "iu" and not (
                    series.dtype == object and all(isinstance(v, int) or v is None
                                                   for v in series)):
                continue
            big = [v for v in series if v is not None and abs(int(v)) >= 1000]
            if not big:
                continue
            cfg = config.get(f"col:name:{col}", config.get(str(col), {}))
            fmt = (cfg.get("type_config") or {}).get("format")
            if fmt not in ("localized", "accounting", "compact", "engineering"):
                bad.append(f"column {col!r} shows {big[0]} without separators")
    return bad


def problems(items: list[tuple[str, str]]) -> list[str]:
    found = []
    for where, text in items:
        clean = IDENTIFIERS.sub("", text)
        if where == "markdown":  # inline code is code, like the code blocks: `(4096, 1, 4)`
            clean = CODE_SPAN.sub("", clean)
        if where == "latex":
            clean = clean.replace("{,}", ",")
        for m in BARE.finditer(clean):
            found.append(f"{where}: {m.group(1)} without separators in {text[:160]!r}")
        for m in SI.finditer(clean):
            if float(m.group(1).replace(",", "")) >= 1000:
                found.append(f"{where}: {m.group(0)} should move up an SI step in {text[:120]!r}")
        for m in BYTES.finditer(clean):
            if float(m.group(1).replace(",", "")) >= 1024:
                found.append(f"{where}: {m.group(0)} should move up a unit in {text[:120]!r}")
    return found


@pytest.mark.parametrize("page, query", CASES,
                         ids=[f"{p.split('/')[-1][:-3]}-{i}" for i, (p, _) in enumerate(CASES)])
def test_every_count_on_the_page_reads_with_separators(page, query):
    at = open_expanders(run_page(page, query))
    if page == "pages/quiz.py":
        _answer(at)
    found = problems(texts(at)) + _int_columns_without_separators(at)
    assert not found, "\n".join(found)


def test_the_scan_finds_what_it_looks_for():
    """The checks can fail: bare counts, SI values that should move up, big byte sizes."""
    bad = [("markdown", "3822 beside 3,835"), ("metric", "32,613.8 G"),
           ("latex", "= 1024"), ("caption", "1,024.00 KB"), ("metric", "1000.0 K")]
    good = [("markdown", "3,822 and 0.1796 and conv2d_1024 and 1e-09"), ("metric", "32.6 T"),
            ("latex", "= 1{,}024"), ("caption", "1.91 KB and Quiz 123456"),
            ("markdown", "2×2 and 29×29×10, 1,021×1,021×10")]
    assert len(problems(bad)) == len(bad)
    assert problems(good) == []
