"""lib.conv in 1D and 3D against what real PyTorch 2.13 and Keras 3 layers report.

``tests/data/framework_reference_nd.json`` was produced by
``tools/make_reference.py --rank nd`` (nn.Conv1d/3d, nn.ConvTranspose1d/3d, Keras Conv1D/3D,
DepthwiseConv1D, SeparableConv1D, Conv1DTranspose/3DTranspose, padding='causal'), with the
same per-case rules as the 2D file checked in ``test_reference.py``:

* every framework that accepted the layer agrees with ``analyze`` on params, output shape,
  MACs, the weight shapes (in that framework's own layout) and the bias count;
* when no framework accepts it, ``analyze`` raises ConvError;
* when one accepts and the other refuses, ``analyze`` follows the one that accepts and says in
  ``notes`` which framework refuses it.

These tests need neither torch nor keras.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from lib.conv import KINDS, analyze
from tests.framework_checks import check_case

DATA = json.loads((Path(__file__).parent / "data" / "framework_reference_nd.json").read_text())
CASES = DATA["cases"]
ARG_KEYS = ["k", "w", "c", "D", "H", "W", "stride", "padding", "dilation", "groups", "bias",
            "depth_multiplier", "output_padding"]
#: Kinds with a real layer per rank (1D spatially_separable and 3D separable_keras have none).
KINDS_BY_RANK = {1: set(KINDS) - {"spatially_separable"}, 3: set(KINDS) - {"separable_keras"}}


def _rank(case: dict) -> int:
    return 3 if case["args"]["D"] is not None else 1


def _args(case: dict) -> dict:
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in case["args"].items()}
    return {"kind": case["kind"], **args}


def test_reference_covers_every_kind_of_each_rank():
    for rank, n_min in ((1, 250), (3, 200)):
        cases = [c for c in CASES if _rank(c) == rank]
        assert len(cases) >= n_min, rank
        per_kind = Counter(c["kind"] for c in cases)
        assert set(per_kind) == KINDS_BY_RANK[rank], rank
        assert min(per_kind.values()) >= 20, (rank, per_kind)
        for kind in per_kind:  # valid and invalid configurations for every kind
            outcomes = {fw["ok"] for c in cases if c["kind"] == kind
                        for fw in c["frameworks"].values()}
            assert outcomes == {True, False}, (rank, kind)
    assert sum(c["args"]["padding"] == "causal" for c in CASES) >= 50


def test_args_carry_every_key_with_the_rank_in_d_h():
    for case in CASES:
        assert list(case["args"]) == ARG_KEYS, case["id"]
        a = case["args"]
        assert (a["D"] is None and a["H"] is None) or (a["D"] is not None
                                                       and a["H"] is not None), case["id"]


def test_wavenet_stack_and_video_seeds_match_the_frameworks():
    by_id = {c["id"]: c for c in CASES}
    for d in (1, 2, 4, 8):  # kernel 2, causal: 16*16*2 + 16 params, length kept at 64
        case = by_id[f"seed1d_causal_d{d}"]
        r = analyze(**_args(case))
        for fw in case["frameworks"].values():
            assert fw["ok"] and fw["params"] == 528 and fw["output_shape"] == [64, 16]
        assert (r.params, r.output_shape) == (528, (64, 16))
    video = by_id["seed3d_video"]
    for fw in video["frameworks"].values():
        assert fw["params"] == 5248 and fw["output_shape"] == [16, 112, 112, 64]
    r = analyze(**_args(video))
    assert (r.params, r.output_shape, r.macs) == (5248, (16, 112, 112, 64),
                                                  video["frameworks"]["pytorch"]["macs"])


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_analyze_matches_the_real_frameworks(case):
    check_case(case, _args(case))
