"""The matrix of link cases shared by the AppTest and the browser link tests.

One :class:`LinkCase` per URL-bound control of every page: which widget shows it, a value
other than its default, and the link that makes the control usable first (``kd`` needs a
3D input with separate kernel sizes, ``op`` a transposed conv, ``or`` the sliding-window
figure). The lists are built from the pages' ``*_CONTROLS`` tuples, so a new control is in
the matrix without anyone adding it here; :data:`PREREQUISITES` only says what it needs,
:data:`ALSO_WITH` where else it shows (``or`` on the volume figure too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from lib.conv import KINDS
from lib.forward import REAL_IMAGE_CONTROLS
from lib.numeric import PROVE_IT_CONTROLS
from lib.quiz import QUIZ_CONTROLS
from lib.state import (COMPARE_CONTROLS, DIMS, EXPLORER_CONTROLS, EXPLORER_VIEW_CONTROLS,
                       WALKTHROUGH_CONTROLS, Control)

#: page file -> (browser path, title shown once the page has run, its URL controls)
PAGES: dict[str, tuple[str, str, tuple[Control, ...]]] = {
    "pages/explorer.py": ("/", "Conv explorer", EXPLORER_CONTROLS + EXPLORER_VIEW_CONTROLS),
    "pages/compare.py": ("/compare", "Compare conv kinds", COMPARE_CONTROLS),
    "pages/walkthrough.py": ("/walkthrough", "How many weights", WALKTHROUGH_CONTROLS),
    "pages/quiz.py": ("/quiz", "Quiz", QUIZ_CONTROLS),
    "pages/prove_it.py": ("/prove_it", "Prove it", PROVE_IT_CONTROLS),
    "pages/real_image.py": ("/real_image", "On a real image", REAL_IMAGE_CONTROLS),
}

#: What a control needs before a student can change it (a link that sets it up).
PREREQUISITES: dict[str, dict[str, dict[str, str]]] = {
    "pages/explorer.py": {
        "kd": {"dims": "3D", "rect": "1"}, "kh": {"rect": "1"}, "kw": {"rect": "1"},
        "D": {"dims": "3D"}, "p": {"pad": "explicit"}, "g": {"kind": "grouped", "c": "4"},
        "dm": {"kind": "depthwise"}, "op": {"kind": "transposed", "s": "2"},
        "or": {"fig": "window"}, "oc": {"fig": "window"}, "vary": {"fig": "scaling"},
    },
    "pages/compare.py": {
        "kd": {"dims": "3D", "rect": "1"}, "kh": {"rect": "1"}, "kw": {"rect": "1"},
        "D": {"dims": "3D"}, "p": {"pad": "explicit"}, "g": {"ga": "0", "c": "4"},
        "op": {"s": "2"},
    },
    "pages/prove_it.py": {
        "pp": {"ppad": "explicit"}, "pm": {"proof": "separable"},
        "pg": {"proof": "transposed", "pc": "2", "pk": "2"},
        "pop": {"proof": "transposed", "ps": "2"},
    },
    "pages/real_image.py": {
        "iseed": {"ipre": "random"}, "ip": {"ipad": "explicit"},
        "ig": {"ikind": "grouped", "ik": "6"}, "idm": {"ikind": "depthwise"},
        "iop": {"ikind": "transposed", "is": "2"},
    },
}

#: Other set-ups that show a control too: each is one more case in the matrix.
ALSO_WITH: dict[str, dict[str, list[dict[str, str]]]] = {
    "pages/explorer.py": {"or": [{"fig": "volume"}], "oc": [{"fig": "volume"}]},
}

#: Controls drawn as a selectbox (every other choice is a radio).
SELECTBOXES = {"kind", "ikind", "ipre"}
#: Integer controls drawn as a number box only (no slider).
NUMBER_BOXES = {"seed", "pseed", "iseed"}


@dataclass(frozen=True)
class LinkCase:
    page: str
    control: Control
    value: object
    before: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        also = "".join(f"-{k}{v}" for k, v in self.before.items()
                       if self.before != PREREQUISITES.get(self.page, {}).get(self.control.key,
                                                                                {}))
        return f"{self.page.split('/')[-1][:-3]}-{self.control.key}{also}"

    @property
    def path(self) -> str:
        return PAGES[self.page][0]

    @property
    def widget(self) -> str:
        c = self.control
        if c.choices:
            return "selectbox" if c.key in SELECTBOXES else "radio"
        if c.is_bool:
            return "toggle"
        return "number" if c.key in NUMBER_BOXES else "slider"

    @property
    def url_value(self) -> str:
        """How the value reads in the address bar."""
        if self.control.is_bool:
            return "1" if self.value else "0"
        return str(self.value)


def other_value(control: Control, before: dict[str, str]) -> object:
    """A value other than the default (and than what ``before`` sets), one step away
    where that makes sense so the widget can reach it with one key press."""
    if control.choices:
        options = [c for c in control.choices if c != control.default]
        if control.key == "pad" and before.get("dims") != "1D":
            options.remove("causal")
        if control.key == "vary":
            options = ["kernel"]  # every rank has it
        return options[0]
    if control.is_bool:
        return not control.default
    current = int(before.get(control.key, control.default))
    return current + 1 if current < control.high else current - 1


def link_cases() -> list[LinkCase]:
    cases = []
    for page, (_, _, controls) in PAGES.items():
        for control in controls:
            setups = [PREREQUISITES.get(page, {}).get(control.key, {})]
            setups += ALSO_WITH.get(page, {}).get(control.key, [])
            cases += [LinkCase(page, control, other_value(control, before), before)
                      for before in setups]
    return cases


def query_string(query: dict[str, str]) -> str:
    return f"?{urlencode(query)}" if query else ""


#: The browser walks each page through every control once, in an order where earlier steps
#: make later ones possible (``op`` needs a transposed conv, ``or`` the sliding window,
#: ``kd`` a 3D input with separate kernel sizes) and every state is a layer that builds.
#: After each step the copied address opens in a fresh browser (tests/e2e/test_share_links.py).
CHAINS: dict[str, list[tuple[str, object]]] = {
    "pages/explorer.py": [
        ("k", 12), ("w", 3), ("c", 4), ("H", 33), ("W", 31), ("bias", False), ("s", 2),
        ("d", 2), ("pad", "explicit"), ("p", 2), ("kind", "grouped"), ("g", 2),
        ("kind", "depthwise"), ("dm", 2), ("kind", "transposed"), ("op", 1),
        ("fig", "filters3d"), ("fig", "window"), ("or", 1), ("oc", 2), ("fig", "scaling"), ("vary", "kernel"),
        ("code", "pytorch"),
        ("rect", True), ("kh", 2), ("kw", 5), ("dims", "3D"), ("kd", 2), ("D", 17),
    ],
    "pages/compare.py": [
        ("k", 12), ("w", 3), ("c", 4), ("H", 33), ("W", 31), ("bias", False), ("s", 2),
        ("d", 2), ("pad", "explicit"), ("p", 2), ("op", 1), ("ga", False), ("g", 2),
        ("dm", 2), ("log", True), ("rect", True), ("kh", 2), ("kw", 5), ("dims", "3D"),
        ("kd", 2), ("D", 17),
    ],
    "pages/walkthrough.py": [
        ("w1", 3), ("c1", 4), ("H2", 33), ("w2", 3), ("pad2", "same"), ("k3", 11),
        ("w3", 3), ("c3", 4), ("H4", 65), ("W4", 63), ("c5", 4), ("k6", 11), ("c6", 4),
    ],
    "pages/quiz.py": [("level", "medium"), ("seed", 2)],
    "pages/prove_it.py": [
        ("pm", 2), ("pH", 4), ("pW", 6), ("pc", 2), ("pk", 4), ("pw", 2), ("ps", 2),
        ("ppad", "explicit"), ("pp", 2), ("pd", 2), ("pbias", False), ("pseed", 1),
        ("proof", "transposed"), ("pg", 2), ("pop", 1),
    ],
    "pages/real_image.py": [
        ("ik", 9), ("iw", 5), ("is", 2), ("id", 2), ("ipad", "explicit"), ("ip", 2),
        ("ipre", "random"), ("iseed", 1), ("ikind", "grouped"), ("ig", 3),
        ("ikind", "depthwise"), ("idm", 2), ("ikind", "transposed"), ("iop", 1),
        ("img", "upload"),
    ],
}


def chain_cases(page: str) -> list[LinkCase]:
    """The page's walk as LinkCases (``before`` is empty: the walk sets everything up)."""
    controls = {c.key: c for c in PAGES[page][2]}
    return [LinkCase(page, controls[key], value) for key, value in CHAINS[page]]


#: The explorer's kind x input-type matrix: every pair, valid or not (a kind that does not
#: exist in a rank shows its reason, and the link must still keep both).
KIND_DIMS: list[tuple[str, str]] = [(kind, dims) for dims in DIMS for kind in KINDS]

#: Special values a hand-edited link may carry, for every key of every page (issue 17).
SPECIAL_VALUES: list[str] = [
    "inf", "-inf", "nan", "Infinity", "1e400", "-1e400", "1e308", "0x10", "1_000", "",
    " ", "-0", "٣", "²", "1" * 40, "-" + "1" * 40, "3.5", "true", "None", "[]",
]
