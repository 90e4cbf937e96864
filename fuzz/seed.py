#!/usr/bin/env python3
"""Seeds each fuzz target's corpus from the archive's own files (tests/fixtures and the
example content), shaped as the target reads its input, plus every input a target once
failed on (fuzz/regressions/<target>/, kept so each run replays them). Run by
scripts/fuzz; safe to run again (files are named by their content's hash)."""
import hashlib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "fuzz" / "corpus"


def sources():
    for base in ("tests/fixtures", "content"):
        for path in sorted((ROOT / base).rglob("*.md")):
            if "external" in path.parts:
                continue  # curated entries: another schema, not what the targets read
            yield path.read_text(encoding="utf-8", errors="replace")


def foreign():
    """Files as teams keep them, which `import` reads: every postmortem file above, and the
    import fixtures' other extensions."""
    yield from sources()
    for path in sorted((ROOT / "tests/fixtures/import").rglob("*")):
        if path.is_file() and path.suffix in (".markdown", ".qmd"):
            yield path.read_text(encoding="utf-8", errors="replace")


def body(text):
    parts = re.split(r"^(?:---|\+\+\+)\s*$", text, maxsplit=2, flags=re.M)
    return parts[2] if len(parts) == 3 else text


# Values that are dates, levels or ids: a span there makes the file invalid, not public.
EXACT = {"date", "severity", "status", "started_at", "detected_at", "mitigated_at", "resolved_at",
         "start_time", "due", "priority", "visibility", "id", "related", "type", "url", "kind", "near_miss"}


def secrets(text):
    """The file with an internal span (`@@`, see fuzz_targets/redaction.rs) in each free
    text value of the front matter and at the end of each body line, so the public build
    meets one everywhere."""
    out, fences = [], 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        key = re.match(r"^(\s*(?:- )?([A-Za-z_]+)\s*[:=]\s*)(\S.*)$", line)
        item = re.match(r"^(\s*- )(\S.*)$", line)
        if stripped in ("---", "+++"):
            fences += 1
        elif fences == 1 and key and key.group(2) == "related":
            continue  # the ids it names are not in the fuzz archive: an error, not a build
        elif fences == 1 and key and key.group(2) not in EXACT:
            value = key.group(3)
            # after an opening quote or bracket, else after the first letter (YAML keeps @ for later)
            lead = 2 if value[0] == "[" else 1
            line = line[: key.start(3)] + value[:lead] + "@@" + value[lead:] + "\n"
        elif fences == 1 and item and not key:
            value = item.group(2)
            lead = 1 + (value[:1] in "\"'")
            line = item.group(1) + value[:lead] + "@@" + value[lead:] + "\n"
        elif fences >= 2 and stripped and not stripped.startswith("```"):
            line = line.rstrip("\n") + " @@\n"
        out.append(line)
    return "".join(out)


# Queries of every kind the language has (src/search/query.rs).
QUERIES = ["kafka", "dns OR kafka", '"leader election"', "-config failover", "service:Kafka", "failo*",
           "tag:Config-Change p99.9", "servce:dns", "https://x.example 10:30", 'author:"Jane Doe"',
           'teams:"night owls" -gateway', "failovr", "certificat", "year:2024 OR status:draft AND -x*"]

SHAPES = {
    "front_matter": lambda t: t,
    "import": lambda t: t,
    "query": lambda t: t,
    "lint": lambda t: t,
    "timeline": body,
    "outline": body,
    "redaction": secrets,
}

for target, shape in SHAPES.items():
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    texts = {"import": foreign, "query": lambda: QUERIES}.get(target, sources)()
    inputs = [shape(text).encode("utf-8") for text in texts]
    regressions = ROOT / "fuzz" / "regressions" / target
    if regressions.is_dir():
        inputs += [path.read_bytes() for path in sorted(regressions.iterdir())]
    for data in inputs:
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)
    print(f"{target}: {len(list(folder.iterdir()))} inputs")
