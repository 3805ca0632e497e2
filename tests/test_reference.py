"""lib.conv against what real PyTorch 2.13 and Keras 3 layers report.

``tests/data/framework_reference.json`` was produced by ``tools/make_reference.py``, which
builds the real layers, runs one forward pass under ``torch.utils.flop_counter`` and records
params, output shapes, MACs and weight shapes, or the framework's error. These tests need
neither torch nor keras.

Per case:
* every framework that accepted the layer must agree with ``analyze`` on params, output shape,
  MACs and the weight shapes (in that framework's own layout);
* when no framework accepts it, ``analyze`` raises ConvError;
* when one accepts and the other refuses, ``analyze`` follows the one that accepts and says in
  ``notes`` which framework refuses it (a student copying the code must not be surprised).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from lib.conv import KINDS, analyze
from tests.framework_checks import check_case

DATA = json.loads((Path(__file__).parent / "data" / "framework_reference.json").read_text())
CASES = DATA["cases"]


def _args(case: dict) -> dict:
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in case["args"].items()}
    return {"kind": case["kind"], **args}


def test_reference_covers_every_kind_with_at_least_300_cases():
    assert len(CASES) >= 300
    per_kind = Counter(c["kind"] for c in CASES)
    assert set(per_kind) == set(KINDS)
    assert min(per_kind.values()) >= 30
    for kind in KINDS:  # both valid and invalid configurations for every kind
        outcomes = {fw["ok"] for c in CASES if c["kind"] == kind for fw in c["frameworks"].values()}
        assert outcomes == {True, False}, kind


def test_seed_cases_match_the_frameworks():
    by_id = {c["id"]: c for c in CASES}
    expected = {"seed_standard": 490, "seed_shared_channels": 170,
                "seed_separable_keras": 88, "seed_separable_pytorch": 91}
    for case_id, params in expected.items():
        for fw in by_id[case_id]["frameworks"].values():
            assert fw["params"] == params
        assert analyze(**_args(by_id[case_id])).params == params
    assert by_id["seed_standard"]["frameworks"]["keras"]["output_shape"] == [29, 29, 10]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_analyze_matches_the_real_frameworks(case):
    check_case(case, _args(case))
