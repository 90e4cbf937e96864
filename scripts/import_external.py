#!/usr/bin/env python3
"""Convert a TSV of public postmortems into content/external/*.md files.

    import_external.py TSV OUT_DIR

The TSV has a header row: title, organization, date, category, url, summary. Each row
becomes one Markdown file with icco/postmortems-compatible front matter (see SCHEMA.md);
an empty url is written as `url: ""`, which the site shows as "link unknown".
"""
import csv
import json
import os
import re
import sys


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for row in rows:
        q = lambda key: json.dumps((row.get(key) or "").strip(), ensure_ascii=False)
        category = (row.get("category") or "").strip()
        lines = [
            "---",
            f"url: {q('url')}",
            f"title: {q('title')}",
            f"company: {q('organization')}",
            f"start_time: {q('date')}",
            f"categories: {json.dumps([category] if category else [])}",
            f"summary: {q('summary')}",
            "---",
            "",
        ]
        name = slug(row["title"])
        with open(os.path.join(out, name + ".md"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
    print(f"wrote {len(rows)} files to {out}")


if __name__ == "__main__":
    main()
