"""The documentation renders and keeps to the code: every markdown table is a table, every
link to a file of the project leads to one, and the endpoint table is openapi.yaml's."""

import re
from pathlib import Path

import pytest

from harness import api_table

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DELIMITER = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def outside_code(text):
    """(line number, line) of the lines outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            yield number, line


def cells(row):
    """The cells of a table row, split as GitHub does: at every pipe not escaped by a
    backslash, code spans included."""
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return re.split(r"(?<!\\)\|", inner)


def table_problems(text):
    """Where a run of lines starting with | is no table (no delimiter row under its first
    line, as after a blank line inside a table) or a row has another number of cells."""
    problems, block = [], []
    for number, line in [*outside_code(text), (None, "")]:
        if line.lstrip().startswith("|"):
            block.append((number, line))
            continue
        if block:
            (first, header), rest = block[0], block[1:]
            if not rest or not DELIMITER.match(rest[0][1]):
                problems.append(f"line {first}: a row with no header and delimiter row above it")
            else:
                for at, row in rest:
                    if len(cells(row)) != len(cells(header)):
                        problems.append(f"line {at}: {len(cells(row))} cells, the header has {len(cells(header))}")
            block = []
    return problems


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.name)
def test_every_table_renders(path):
    assert table_problems(path.read_text(encoding="utf-8")) == []


def test_a_blank_line_inside_a_table_is_found():
    broken = "| a | b |\n|---|---|\n| 1 | 2 |\n\n| 3 | 4 |\n"
    assert table_problems(broken) == ["line 5: a row with no header and delimiter row above it"]
    assert table_problems("| a | b |\n|---|---|\n| 1 | 2 | 3 |\n") == ["line 3: 3 cells, the header has 2"]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.name)
def test_every_link_to_a_file_leads_to_one(path):
    text = "\n".join(line for _, line in outside_code(path.read_text(encoding="utf-8")))
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    missing = [link for link in links if "://" not in link and not (path.parent / link).exists()]
    assert missing == []


def test_the_endpoint_table_is_made_from_openapi():
    """python -m harness.api_table writes it; a hand edit or a new operation fails here."""
    text = api_table.DOCUMENT.read_text(encoding="utf-8")
    assert api_table.written(text) == text
    assert len(api_table.table().splitlines()) > 40


def test_the_readme_is_a_front_door():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 200
