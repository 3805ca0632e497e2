"""README's Python blocks run as written and print what their comments say.

Every ```python block of README.md is run as a script (``python3 -c``) from the repo
root. Its ``print(...)  # claim`` lines are the claims: the n-th printed line must be the
n-th claim, or the claim must start with it and go on after a space, colon or comma
(``# (29, 29, 10): channels-last``). A bare expression is refused: as a script it prints
nothing, whatever its comment says (a bare call is fine when it claims nothing).
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number in README, code) of every ```python block."""
    out = []
    for m in re.finditer(r"^```python[ \t]*\n(.*?)^```[ \t]*$", text, re.S | re.M):
        out.append((text.count("\n", 0, m.start()) + 2, m.group(1)))
    return out


def claims(code: str) -> list[str]:
    """The comment of every print() call, in source order; a bare expression is an error."""
    comments = {tok.start[0]: tok.string.lstrip("#").strip()
                for tok in tokenize.generate_tokens(io.StringIO(code).readline)
                if tok.type == tokenize.COMMENT}
    out = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Expr):
            continue
        call = node.value
        claim = comments.get(node.end_lineno) or comments.get(node.lineno)
        if not (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "print"):
            if isinstance(call, ast.Call) and not claim:
                continue  # a call for its effect (or the exception it raises)
            raise AssertionError(f"line {node.lineno}: a bare expression prints nothing "
                                 f"when run as a script: {ast.unparse(node)!r}")
        if not claim:
            raise AssertionError(f"line {node.lineno}: print() without a '# expected' comment")
        out.append((node.lineno, claim))
    return [c for _, c in sorted(out)]


def matches(printed: str, claim: str) -> bool:
    if printed == claim:
        return True
    return claim.startswith(printed) and printed != "" and claim[len(printed)] in " :,"


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def test_readme_has_python_blocks():
    assert BLOCKS, "README.md has no ```python block"


@pytest.mark.parametrize("line,code", BLOCKS, ids=[f"README.md:{n}" for n, _ in BLOCKS])
def test_readme_python_block_prints_what_it_claims(line, code):
    expected = claims(code)
    assert expected, f"README.md:{line}: the block prints nothing it claims"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, f"README.md:{line} failed:\n{run.stderr}"
    printed = run.stdout.splitlines()
    assert len(printed) == len(expected), (printed, expected)
    for got, claim in zip(printed, expected):
        assert matches(got, claim), f"README.md:{line}: printed {got!r}, comment says {claim!r}"


@pytest.mark.parametrize("code,problem", [
    ("x = 1\nx  # 1\n", "bare expression"),
    ("print(2)\n", "without a '# expected' comment"),
    ("len([1])  # 1\n", "bare expression"),
])
def test_claims_refuses_blocks_that_cannot_show_their_claims(code, problem):
    with pytest.raises(AssertionError, match=problem):
        claims(code)


def test_matches():
    assert matches("(29, 29, 10)", "(29, 29, 10): channels-last, like a Keras summary")
    assert matches("490", "490")
    assert not matches("49", "490")
    assert not matches("491", "490")
    assert not matches("", "490")
