"""The module structure of lib/ and pages/ stays clean (issue 12): public seams between
modules, no import cycles, no module over 1,000 lines. ``tools/check_structure.py`` reads
the source with ``ast``; these tests run it on the repository and on small made-up trees
that break each rule, so the checker itself is shown to catch what it claims to."""

from __future__ import annotations

from pathlib import Path

from tools.check_structure import MAX_LINES, check


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
