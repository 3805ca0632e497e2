"""Checks shared by the tests that hold lib.conv and lib.snippets against the real frameworks.

``check_case`` compares ``analyze`` with one case of ``tests/data/framework_reference*.json``
(``tests/test_reference.py``, ``tests/test_reference_nd.py``); ``parse_keras_summary`` and
``parse_torchinfo`` read the tables Keras 3 and torchinfo printed, independently of
lib.snippets (``tests/test_snippets.py``, ``tests/test_snippets_nd.py``).
"""

from __future__ import annotations

import re

import pytest

from lib.conv import ConvError, analyze

NAMES = {"pytorch": "PyTorch", "keras": "Keras"}


def check_case(case: dict, args: dict) -> None:
    """One reference case: analyze(**args) against every framework's record of it."""
    frameworks = case["frameworks"]
    accepted = {name: fw for name, fw in frameworks.items() if fw["ok"]}
    if not accepted:
        with pytest.raises(ConvError):
            analyze(**args)
        return
    r = analyze(**args)
    for name, fw in accepted.items():
        assert r.params == fw["params"], name
        assert list(r.output_shape) == fw["output_shape"], name
        assert r.macs == fw["macs"], name
        kernels = [tuple(shape) for wname, shape in fw["weights"] if not wname.endswith("bias")]
        key = "torch_weight_shape" if name == "pytorch" else "keras_weight_shape"
        ours = [getattr(s, key) for s in r.stages if s.weight_params]
        assert ours == kernels, name
        biases = sum(shape[0] for wname, shape in fw["weights"] if wname.endswith("bias"))
        assert r.bias_params == biases, name
    for name, fw in frameworks.items():
        if not fw["ok"]:
            assert any(NAMES[name] in note for note in r.notes), (name, fw["error"], r.notes)


# --- parsers for the real texts ------------------------------------------------------

def parse_keras_summary(text: str) -> dict:
    """Rows (name, type, output shape, params) and totals of a Keras 3 summary table.

    A row may span several lines (rich wraps long cells); rows are separated by ├ rules.
    """
    rows: list[list[list[str]]] = []
    current: list[list[str]] | None = None
    in_body = False
    for line in text.splitlines():
        if line.startswith("┡"):
            in_body, current = True, None
        elif not in_body:
            continue
        elif line.startswith(("├", "└")):
            current = None
        elif line.startswith("│"):
            cells = [c.strip() for c in line.strip().strip("│").split("│")]
            if current is None:
                current = [[] for _ in cells]
                rows.append(current)
            for parts, cell in zip(current, cells):
                if cell:
                    parts.append(cell)
    parsed = []
    for name_parts, shape_parts, param_parts in rows:
        m = re.fullmatch(r"(\S+) \((\w+)\)", " ".join(name_parts))
        assert m, name_parts
        shape = tuple(None if v == "None" else int(v)
                      for v in "".join(shape_parts).strip("()").split(", "))
        parsed.append((m.group(1), m.group(2), shape, int("".join(param_parts).replace(",", ""))))
    totals = {}
    for key in ("Total", "Trainable", "Non-trainable"):
        m = re.search(rf"^ {key} params: ([\d,]+) \(([\d.]+ \w+)\)$", text, re.M)
        assert m, key
        totals[key] = (int(m.group(1).replace(",", "")), m.group(2))
    title = re.search(r'^Model: "(\w+)"$', text, re.M)
    return {"title": title.group(1) if title else None, "rows": parsed, "totals": totals}


def parse_torchinfo(text: str) -> dict:
    rows = []
    for line in text.splitlines():
        m = re.fullmatch(r"(?:├─)?(\w+)(?:: (\d+)-(\d+))?\s+\[([\d, ]+)\]\s+(\S+)", line)
        if m:
            params = 0 if m.group(5) == "--" else int(m.group(5).replace(",", ""))
            rows.append((m.group(1), tuple(int(v) for v in m.group(4).split(", ")), params))

    def num(label: str) -> str:
        m = re.search(rf"^{re.escape(label)}: (.+)$", text, re.M)
        assert m, label
        return m.group(1)

    madds = re.search(r"^Total mult-adds \(Units\.(\w+)\): ([\d.,]+)$", text, re.M)
    assert madds
    return {
        "root": rows[0], "rows": rows[1:],
        "total": int(num("Total params").replace(",", "")),
        "trainable": int(num("Trainable params").replace(",", "")),
        "mult_adds": (madds.group(1), madds.group(2)),
        "input_mb": num("Input size (MB)"), "fb_mb": num("Forward/backward pass size (MB)"),
        "params_mb": num("Params size (MB)"), "total_mb": num("Estimated Total Size (MB)"),
    }
