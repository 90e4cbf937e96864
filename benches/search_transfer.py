#!/usr/bin/env python3
"""What a search costs the browser: the index files a query loads, gzip-compressed.

    benches/search_transfer.py OUTPUT_DIR QUERY [QUERY...]

OUTPUT_DIR is a built archive (hindsight build). For each query this follows the client's
rules (search.js): the manifest, the facet table, the shards holding each word (the last
word as a prefix), and the metadata chunks of the 10 best results; a cold query also loads
search.js; a warm one only what it has not loaded before.
"""
import gzip
import json
import os
import re
import sys


def gz(path):
    with open(path, "rb") as f:
        return len(gzip.compress(f.read(), 6))


def payload(path, call):
    text = open(path, encoding="utf-8").read()
    return json.loads(text[len(call) + 1:text.rindex(")")].split(",", 1)[1] if call != "manifest" and call != "facets" else text[len("hindsightIndex." + call) + 1:text.rindex(")")])


def main():
    out, queries = sys.argv[1], sys.argv[2:]
    idx = os.path.join(out, "search", "index")
    text = open(os.path.join(idx, "manifest.js"), encoding="utf-8").read()
    manifest = json.loads(text[len("hindsightIndex.manifest("):text.rindex(")")])
    shards = manifest["shards"]
    loaded = set()

    def shard_of(word):
        found = 0
        for i, first in enumerate(shards):
            if first <= word:
                found = i
        return found

    def load_shard(n):
        text = open(os.path.join(idx, f"s{n}.js"), encoding="utf-8").read()
        return json.loads(text[text.index(",") + 1:text.rindex(")")])

    def decode(s):
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        vals, at, out, doc = [alphabet.index(c) for c in s], 0, {}, 0
        def nxt():
            nonlocal at
            v, scale = 0, 1
            while True:
                c = vals[at]; at += 1
                v += (c & 31) * scale; scale *= 32
                if not c & 32:
                    return v
        while at < len(vals):
            doc += nxt(); out[doc] = nxt()
        return out

    first = True
    for q in queries:
        words = [w for w in re.split(r"[^\w]+", q.lower()) if w]
        files = [os.path.join(out, "static", "search.js"), os.path.join(idx, "manifest.js"), os.path.join(idx, "facets.js")]
        result = None
        for i, w in enumerate(words):
            prefix = i == len(words) - 1 and not q.endswith(" ")
            a = b = shard_of(w)
            while prefix and b + 1 < len(shards) and shards[b + 1].startswith(w):
                b += 1
            merged = {}
            for n in range(a, b + 1):
                files.append(os.path.join(idx, f"s{n}.js"))
                for word, postings in load_shard(n).items():
                    if (word.startswith(w) if prefix else word == w):
                        for d, s in decode(postings).items():
                            merged[d] = max(merged.get(d, 0), s)
            result = merged if result is None else {d: s + merged[d] for d, s in result.items() if d in merged}
        ranked = sorted((result or {}).items(), key=lambda x: (-x[1], x[0]))[:10]
        for c in sorted({d // manifest["chunk"] for d, _ in ranked}):
            files.append(os.path.join(idx, f"m{c}.js"))
        new = [f for f in dict.fromkeys(files) if f not in loaded]
        size = sum(gz(f) for f in new)
        loaded.update(new)
        kind = "cold" if first else "warm"
        first = False
        print(f"{kind:>4} {q!r:28} {len(result or {}):>6} results  {len(new):>3} files  {size / 1024:7.1f} KB gzip")


if __name__ == "__main__":
    main()
