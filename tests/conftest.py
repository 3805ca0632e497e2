"""Shared test set-up: Hypothesis profiles and helpers used by several test files.

Hypothesis profiles (``HYPOTHESIS_PROFILE=<name>``; loaded here, before any test module
builds its ``@settings``, so every test inherits the fields it does not set itself):

* ``ci`` (the default, also locally): the same examples on every run (``derandomize``, no
  example database), no deadline (2 shared cores), failures printed with a reproduce blob,
  and **no shrink phase**. Shrinking is unbounded by the per-test timeout: pytest-timeout
  raises ``Failed`` inside the test, Hypothesis catches that as one more failing example
  and keeps shrinking (for up to 5 minutes). A failure is reported as found.
* ``explore``: random examples, every phase (shrinking included) and each test's
  ``max_examples`` multiplied by ``HYPOTHESIS_EXPLORE_FACTOR`` (default 10); only the
  Hypothesis tests run. Opt-in, see README "Run the tests"; give it a long ``--timeout``.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, Phase, settings

# The shared checks are plain modules, not test files: have pytest rewrite their asserts
# too, so a failing check shows its values as it did in the test file it came from.
pytest.register_assert_rewrite("tests.figure_checks", "tests.framework_checks", "tests.app_runs")

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
EXPLORE_FACTOR = int(os.environ.get("HYPOTHESIS_EXPLORE_FACTOR", "10"))

settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target),
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "explore", derandomize=False, deadline=None, print_blob=True, phases=tuple(Phase),
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(PROFILE)


#: Started first, in this order: the long browser walks begin at once on the first
#: pytest-xdist worker (tools/test.sh) instead of being the last thing a worker does.
START_FIRST = ("tests/e2e/test_share_links.py", "tests/e2e/", "tests/test_figures_sweep.py",
               "tests/test_fuzz_pages.py")


def _start_rank(item: pytest.Item) -> int:
    return next((i for i, prefix in enumerate(START_FIRST) if item.nodeid.startswith(prefix)),
                len(START_FIRST))


def pytest_collection_modifyitems(config, items):
    """The long tests first (see ``START_FIRST``). explore: run only the Hypothesis tests
    (nothing else is random) and scale each one's own ``max_examples`` (a decorator's value
    wins over the profile's, so the profile alone cannot raise it)."""
    items.sort(key=_start_rank)  # stable: each group keeps its own order
    if PROFILE != "explore":
        return
    keep, drop, done = [], [], set()
    for item in items:
        test = getattr(item, "obj", None)
        if not getattr(test, "is_hypothesis_test", False):
            drop.append(item)
            continue
        keep.append(item)
        if id(test) not in done:
            done.add(id(test))
            current = test._hypothesis_internal_use_settings
            test._hypothesis_internal_use_settings = settings(
                current, max_examples=current.max_examples * EXPLORE_FACTOR)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_report_header(config):
    extra = f", max_examples x{EXPLORE_FACTOR}" if PROFILE == "explore" else ""
    return f"hypothesis profile: {PROFILE}{extra}"


def pytest_terminal_summary(terminalreporter):
    """explore: how many examples ran (summed from Hypothesis's per-test statistics)."""
    if PROFILE != "explore":
        return
    tests = passing = failing = 0
    for reports in terminalreporter.stats.values():
        for report in reports:
            stats = report.__dict__.get("_hypothesis_stats")
            if not stats:
                continue
            tests += 1
            generate = re.search(r"during generate phase.*?(\d+) passing examples, "
                                 r"(\d+) failing", stats, re.S)
            if generate:
                passing += int(generate.group(1))
                failing += int(generate.group(2))
    terminalreporter.write_line(
        f"hypothesis explore: {tests} property tests, {passing:,} passing and {failing:,} "
        f"failing examples generated (max_examples x{EXPLORE_FACTOR})")


# ---------------------------------------------------------------------------
# Sliding-window geometry, from lib.conv's Axis alone
# ---------------------------------------------------------------------------

class Window(NamedTuple):
    """One axis of the sliding-window figure, in grid coordinates of the drawn input.

    ``first``/``last``: the range the windows slide over (the first starts at ``first``;
    the last ends at ``last`` in a stride-1 view, at or before it when strided). ``lo``/``hi``:
    what is drawn: the padded input, or for a transposed conv the zero-inserted input
    (``s - 1`` zeros between cells) with ``d·(k-1) - crop`` zeros around it; a crop larger
    than ``d·(k-1)`` makes that negative and the cropped input cells are still drawn.
    ``span``: the cells the (zero-inserted) input occupies, ``0 … span - 1``.
    """

    lo: int
    hi: int
    first: int
    last: int
    span: int
    step: int

    def start(self, o: int) -> int:
        return self.first + o * self.step


def window(stage, i: int) -> Window:
    a = stage.axes[i]
    if stage.op == "transposed":
        span = (a.size_in - 1) * a.stride + 1
        first = -(a.extent - 1 - a.before)
        last = span - 1 + (a.extent - 1 - a.after)
        return Window(min(first, 0), max(last, span - 1), first, last, span, 1)
    first, last = -a.before, a.size_in - 1 + a.after
    return Window(first, last, first, last, a.size_in, a.stride)
