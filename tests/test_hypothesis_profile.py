"""Every property test runs the same examples on every run (the ``ci`` profile, conftest.py).

A test's own ``@settings(...)`` inherits every field it does not set from the profile loaded
when it was built; this checks that no test sets one back (random, shrinking, a deadline).
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from hypothesis import Phase, settings

from tests.conftest import PROFILE

TESTS = Path(__file__).resolve().parent


def _property_tests():
    for path in sorted(TESTS.glob("test_*.py")):
        module = importlib.import_module(f"tests.{path.stem}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and getattr(fn, "is_hypothesis_test", False):
                yield f"{path.name}::{name}", fn._hypothesis_internal_use_settings


def test_the_ci_profile_is_loaded_by_default():
    assert PROFILE == "ci" == settings.get_current_profile_name()
    current = settings()
    assert current.derandomize and current.database is None and current.deadline is None
    assert Phase.shrink not in current.phases and Phase.generate in current.phases


def test_every_property_test_is_derandomised_and_never_shrinks():
    found = dict(_property_tests())
    assert len(found) >= 20, sorted(found)  # the suite's property tests were all found
    for name, s in found.items():
        assert s.derandomize, f"{name} draws random examples in CI"
        assert s.database is None, f"{name} replays examples from a local database"
        assert Phase.shrink not in s.phases, f"{name} can shrink into the per-test timeout"
        assert s.deadline is None, f"{name} has a deadline (flaky on 2 shared cores)"
