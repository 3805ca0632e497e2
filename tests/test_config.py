"""The hosted app's Streamlit configuration: the safety-relevant keys are pinned, and every
key in ``.streamlit/config.toml`` is a real option that Streamlit actually applies."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".streamlit" / "config.toml"


@cache
def config() -> dict:
    with CONFIG.open("rb") as f:
        return tomllib.load(f)


def opt(dotted: str, default=None):
    section, _, key = dotted.rpartition(".")
    node = config()
    for part in section.split("."):
        node = node.get(part, {})
    return node.get(key, default)


def flat(node: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in node.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_server_is_headless_and_cross_site_protected():
    assert opt("server.headless") is True
    assert opt("server.enableXsrfProtection") is True
    assert opt("server.enableCORS", True) is True  # False would allow any origin
    assert opt("server.corsAllowedOrigins", []) == []
    assert opt("server.xsrfCookieSameSite", "lax") in ("lax", "strict")


def test_resource_limits():
    assert 0 < opt("server.maxUploadSize") <= 1, "one upload: a picture of at most 1 MB"
    assert 0 < opt("server.maxMessageSize") <= 50, "cap websocket messages (default 200 MB)"
    assert opt("runner.fastReruns", True) is True, "a new value must interrupt a stale run"


def test_students_never_see_tracebacks_or_developer_tools():
    assert opt("client.showErrorDetails") == "none"
    assert opt("client.toolbarMode") in ("minimal", "viewer")
    assert opt("client.showErrorLinks", "auto") in ("auto", False)


def test_nothing_extra_is_exposed_or_phoned_home():
    assert opt("server.enableStaticServing", False) is False
    assert opt("server.enableAgentApi", False) is False
    assert opt("server.runOnSave", False) is False
    assert opt("global.developmentMode", False) is False
    assert opt("browser.gatherUsageStats") is False
    assert "cookieSecret" not in config().get("server", {}), "secrets do not belong in git"
    assert "secrets" not in config() and "auth" not in config()


def test_theme_is_set():
    assert opt("theme.base") == "light"
    for key in ("primaryColor", "backgroundColor", "secondaryBackgroundColor", "textColor"):
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", opt(f"theme.{key}")), key


def _effective_options() -> dict[str, tuple[object, str]]:
    """Streamlit's own view, run in the repo: {option: (value, where it was set)}.

    Like ``streamlit config show`` but including hidden options (runner.postScriptGC).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    code = ("import json; from streamlit import config; "
            "print(json.dumps({k: [o.value, o.where_defined] "
            "for k, o in config.get_config_options().items()}, default=str))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    return {k: (v, where) for k, (v, where) in json.loads(out.splitlines()[-1]).items()}


def test_every_key_is_a_real_option_that_streamlit_applies():
    options = _effective_options()
    ours = flat(config())
    assert ours
    unknown = sorted(set(ours) - set(options))
    assert not unknown, f"not Streamlit options: {unknown}"
    for key, value in ours.items():
        applied, where = options[key]
        assert Path(where).resolve() == CONFIG.resolve(), (key, where)
        assert applied == value, (key, applied, value)


def test_no_forced_gc_after_every_run():
    """runner.postScriptGC=true costs a full gc.collect() per rerun (see config.toml)."""
    assert opt("runner.postScriptGC") is False


@pytest.mark.parametrize("name", ["Dockerfile", ".dockerignore", "deploy/nginx.conf"])
def test_hosting_files_exist(name):
    assert (ROOT / name).is_file()


def test_dockerfile_runs_as_non_root_with_a_healthcheck():
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")  # join continued lines
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert re.search(r"^USER (?!root\b)\S+", text, re.M)
    assert "pip install" in text and "requirements.txt" in text
    assert re.search(r"^EXPOSE 8501", text, re.M)
    assert re.search(r"^HEALTHCHECK .*/_stcore/health", text, re.M)
    assert re.search(r'^CMD \["streamlit", "run", "app.py"', text, re.M)


def test_nginx_config_is_sticky_and_proxies_websockets():
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"^\s*(ip_hash|hash \$\w+|sticky)", text, re.M)
    assert "proxy_http_version 1.1" in text
    assert re.search(r"proxy_set_header\s+Upgrade\s+\$http_upgrade", text)
    assert re.search(r"proxy_set_header\s+Connection\s+\$connection_upgrade", text)
    assert re.search(r"proxy_read_timeout\s+(\d+)([sm]|h|d)?;", text)
