"""The endpoint table of docs/api.md, made from openapi.yaml so that it cannot drift.

    python -m harness.api_table      # write the table into docs/api.md

tests/test_docs.py fails while the table in the file differs from the one made here.
"""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "api.md"
BEGIN = "<!-- endpoints: made from openapi.yaml by python -m harness.api_table; do not edit by hand -->"
END = "<!-- end of endpoints -->"
METHODS = ("get", "post", "put", "patch", "delete")


def table():
    """The markdown table: method and path (ids as :name), the operation's summary, and
    who may call it in the class mode (its x-access)."""
    document = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    rows = ["| Method | Path | What it does | Who may call it (class mode) |", "|---|---|---|---|"]
    for path, operations in document["paths"].items():
        shown = re.sub(r"\{(\w+)\}", r":\1", path)
        for method in METHODS:
            if method in operations:
                summary = operations[method]["summary"].replace("|", "\\|")
                who = operations[method].get("x-access", "(undeclared)").replace("|", "\\|")
                rows.append(f"| {method.upper()} | `{shown}` | {summary} | {who} |")
    return "\n".join(rows)


def written(text):
    """text with the block between BEGIN and END replaced by the table."""
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    return f"{before}{BEGIN}\n{table()}\n{END}{after}"


def main():
    DOCUMENT.write_text(written(DOCUMENT.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the endpoint table into {DOCUMENT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
