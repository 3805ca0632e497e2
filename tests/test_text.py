"""lib.text.markdown_table: the explorer's stage table (a real <table> once rendered)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.text import markdown_table

# GitHub-flavoured Markdown splits a table row on every "|" that is not escaped by "\".
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def cells(line: str) -> list[str]:
    parts = UNESCAPED_PIPE.split(line.strip())
    assert parts[0] == "" and parts[-1] == "", line  # a row starts and ends with a pipe
    return [p.strip().replace("\\|", "|") for p in parts[1:-1]]


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\\`"),
               min_size=1, max_size=12).filter(lambda t: t.strip())


@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.lists(TEXT, min_size=n, max_size=n),
    st.lists(st.lists(TEXT | st.just("a|b") | st.just("two\nlines"), min_size=n, max_size=n),
             max_size=4))))
def test_every_cell_stays_in_its_column(table):
    columns, rows = table
    lines = markdown_table(columns, rows, right=columns[:1]).split("\n")
    assert len(lines) == 2 + len(rows)  # header, alignment, one line per row
    assert cells(lines[0]) == [" ".join(c.split()) for c in columns]
    assert len(cells(lines[1])) == len(columns)
    for line, row in zip(lines[2:], rows):
        assert cells(line) == [" ".join(v.split()) for v in row]


def test_counts_are_right_aligned_and_the_rest_left():
    text = markdown_table(["stage", "params"], [["conv", "490"]], right=["params"])
    assert text.split("\n")[1] == "|---|---:|"


def test_a_short_row_is_refused():
    with pytest.raises(ValueError, match="1 cells for 2 columns"):
        markdown_table(["a", "b"], [["x"]])
