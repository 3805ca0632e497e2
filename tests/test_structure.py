"""The module structure of lib/ and pages/ stays clean (issue 12): public seams between
modules, no import cycles, no module over 1,000 lines; and no test module imports another
one (shared checks live in helper modules such as tests/figure_checks.py).
``tools/check_structure.py`` reads the source with ``ast``; these tests run it on the
repository and on small made-up sources and trees that break each rule, so the checker
itself is shown to catch what it claims to."""

from __future__ import annotations

from pathlib import Path

from tools.check_structure import MAX_LINES, check, check_tests, imported_test_modules


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_repository_holds_every_rule():
    report = check()
    assert report.modules > 20  # it read lib/ and pages/
    assert report.private == [], "\n".join(report.private)
    assert report.cycles == [], report.cycles
    assert report.long_modules == [], report.long_modules


def test_a_private_name_imported_from_another_module_is_reported(tmp_path):
    root = _tree(tmp_path, {
        "lib/__init__.py": "",
        "lib/a.py": "def _helper():\n    return 1\n\ndef public():\n    return _helper()\n",
        "lib/b.py": "from lib.a import _helper\n",
        "lib/c.py": "import lib.a as a\n\ndef f():\n    return a._helper()\n",
        "lib/d.py": "from lib import a\nfrom lib.a import public\n\nX = a.public, a.__name__\n",
    })
    report = check(root, ("lib",))
    assert len(report.private) == 2
    assert "lib/b.py:1 imports _helper from lib.a" in report.private
    assert any(p.startswith("lib/c.py:4 uses a._helper") for p in report.private)


def test_a_private_module_is_private_to_its_package(tmp_path):
    root = _tree(tmp_path, {
        "lib/__init__.py": "",
        "lib/figures/__init__.py": "from ._common import finish\n",
        "lib/figures/_common.py": "def finish():\n    pass\n",
        "lib/figures/bars.py": "from ._common import finish\n",
        "lib/numeric.py": "from lib.figures._common import finish\n",
    })
    report = check(root, ("lib",))
    assert report.private == ["lib/numeric.py:1 imports from private module "
                              "lib.figures._common"]


def test_a_cycle_through_an_import_inside_a_function_is_reported(tmp_path):
    root = _tree(tmp_path, {
        "lib/__init__.py": "",
        "lib/figures/__init__.py": "",
        "lib/figures/sliding.py": "def draw():\n    from .sequence import seq\n    return seq()\n",
        "lib/figures/sequence.py": "from .sliding import draw\n\ndef seq():\n    return 1\n",
        "lib/figures/volume.py": "from lib.figures import sliding\n",
    })
    report = check(root, ("lib",))
    assert report.cycles == [["lib.figures.sequence", "lib.figures.sliding"]]


def test_a_long_module_is_reported(tmp_path):
    root = _tree(tmp_path, {
        "lib/__init__.py": "",
        "lib/short.py": "x = 1\n" * MAX_LINES,
        "lib/long.py": "x = 1\n" * (MAX_LINES + 1),
    })
    report = check(root, ("lib",))
    assert report.long_modules == [f"lib/long.py: {MAX_LINES + 1} lines"]
    assert report.private == [] and report.cycles == []


def test_no_test_module_imports_another_test_module():
    """What several test files share lives in helper modules (tests/conftest.py,
    tests/figure_checks.py, tests/framework_checks.py, tests/url_cases.py), so each test
    file can be read, run and changed on its own."""
    problems = check_tests()
    assert problems == [], "\n".join(problems)
    assert len(list((Path(__file__).parent).rglob("test_*.py"))) > 20  # it had files to read


def test_an_import_of_a_test_module_is_reported():
    source = ("import json\n"
              "from tests.test_figures import _check_sliding\n"
              "from tests.figure_checks import check_common\n"
              "from tests.conftest import window\n"
              "import tests.url_cases\n"
              "import tests.test_reference as ref\n"
              "from tests import test_snippets, url_cases\n"
              "from .test_figures_nd import check_sliding_1d\n"
              "from tests.e2e.helpers import goto\n"
              "\n"
              "def late():\n"
              "    from tests.e2e import test_pages\n"
              "    from tests.test_here import itself\n")
    assert imported_test_modules(source, "tests.test_here") == [
        (2, "tests.test_figures"), (6, "tests.test_reference"), (7, "tests.test_snippets"),
        (8, "tests.test_figures_nd"), (12, "tests.e2e.test_pages")]
    assert imported_test_modules(source.replace("test_", "checks_"), "tests.test_here") == []


def test_a_test_module_importing_another_is_reported_in_a_tree(tmp_path):
    root = _tree(tmp_path, {
        "tests/conftest.py": "def window():\n    pass\n",
        "tests/figure_checks.py": "from tests.conftest import window\n",
        "tests/test_a.py": "from tests.figure_checks import window\n",
        "tests/test_b.py": "from tests.test_a import window\n",
        "tests/e2e/helpers.py": "from ..test_a import window\n",
    })
    assert check_tests(root) == ["tests/e2e/helpers.py:1 imports test module tests.test_a",
                                 "tests/test_b.py:1 imports test module tests.test_a"]
