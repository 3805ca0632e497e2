"""Fixtures for the end-to-end tests: a real ``streamlit run app.py`` + Debian Chromium.

Every test under tests/e2e gets the ``e2e`` marker, so ``pytest -m "not e2e"``
runs only the fast tests. A missing Chromium makes these tests fail (error), never skip.
On failure, a full-page screenshot is written to ``test-results/<test-name>.png``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tools.serve import REPO_ROOT, WAIT_MS, launch_args
from tools.serve import streamlit_server as serve

APP = REPO_ROOT / "app.py"
E2E_DIR = Path(__file__).resolve().parent
SCREENSHOT_DIR = "test-results"
# The whole suite shares two cores: give each page change time to arrive before failing.
expect.set_options(timeout=WAIT_MS)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def streamlit_server(tmp_path_factory):
    with serve(APP, log_dir=tmp_path_factory.mktemp("streamlit-log")) as server:
        yield server.url  # stopped by exactly its PID


@pytest.fixture
def context(context):
    """pytest-playwright's context, with page actions and waits bounded by WAIT_MS."""
    context.set_default_timeout(WAIT_MS)
    return context


@pytest.fixture(scope="session")
def base_url(streamlit_server):  # overrides pytest-base-url, so page.goto("/") works
    return streamlit_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    try:
        args = launch_args()
    except FileNotFoundError as exc:
        pytest.fail(str(exc), pytrace=False)
    return {**browser_type_launch_args, **args}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and report.when in ("setup", "call"):
        page = getattr(item, "funcargs", {}).get("page")
        if page is not None and not page.is_closed():
            name = re.sub(r"[^A-Za-z0-9_.\-\[\]]+", "_", item.name)
            out = Path(item.config.rootpath) / SCREENSHOT_DIR / f"{name}.png"
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=str(out), full_page=True, timeout=10_000)
                report.sections.append(("failure screenshot", str(out)))
            except Exception as exc:  # never mask the real failure
                report.sections.append(("failure screenshot", f"could not save: {exc!r}"))
    return report
