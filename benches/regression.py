#!/usr/bin/env python3
"""CI's performance guard: builds a 1,000-postmortem archive with this commit's hindsight
and with its parent's, alternating, and fails only when this commit is more than twice as
slow (median of the runs). Both are measured in the same run on the same machine, so a
slow or noisy machine slows both alike; no absolute time is ever compared.

    benches/regression.py [--base REV] [--runs N] [--limit RATIO]

The archive is the example in content/ copied until it holds 1,000 postmortems (each copy
under its own file name and id), so it needs nothing outside the repository. The parent
is built from a `git worktree` in `target/regression-base/`.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COPIES_OF = 1000


def sh(*cmd, cwd=ROOT, **kw):
    return subprocess.run(cmd, cwd=cwd, check=True, **kw)


def build(source, target, into):
    """Builds hindsight from `source` (a checkout) in `target` and copies the binary to
    `into`. Each checkout has its own target directory: two checkouts of one package in
    one directory share the binary's name, and cargo may hand back the other's."""
    sh("cargo", "build", "--release", "--locked", "--quiet", "--target-dir", target, cwd=source)
    shutil.copy(os.path.join(target, "release", "hindsight"), into)


def archive(dest):
    """The example archive grown to `COPIES_OF` postmortems."""
    shutil.copytree(os.path.join(ROOT, "content"), os.path.join(dest, "content"))
    shutil.copy(os.path.join(ROOT, "site.toml"), dest)
    folder = os.path.join(dest, "content", "postmortems")
    originals = [os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs if f.endswith(".md")]
    n, copy = len(originals), 0
    while n < COPIES_OF:
        for path in originals:
            if n >= COPIES_OF:
                break
            copy += 1
            with open(path, encoding="utf-8") as f:
                text = f.read()
            # An explicit id must stay unique too.
            text = re.sub(r"(?m)^id: *\"?([^\"\n]+)\"?$", lambda m: f"id: {m.group(1)}-copy-{copy}", text, count=1)
            stem, ext = os.path.splitext(path)
            with open(f"{stem}-copy-{copy}{ext}", "w", encoding="utf-8") as f:
                f.write(text)
            n += 1
    return dest


def timed(binary, site, out):
    # A cold build each time: no output, no build cache, no spare site kept beside it.
    spare = os.path.join(os.path.dirname(out), ".hindsight-spare-" + os.path.basename(out))
    for folder in [out, spare, os.path.join(site, ".hindsight-cache")]:
        shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    sh(binary, "--root", site, "build", "--drafts", "-o", out, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", default="HEAD~1", help="the commit to compare with (default: the parent)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--limit", type=float, default=2.0, help="fail when this much slower")
    args = p.parse_args()
    base = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{args.base}^{{commit}}"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()
    if not base:
        # Only a repository's first commit (or a clone without history) has no parent.
        print(f"regression: {args.base} is not in this clone's history; fetch it (e.g. fetch-depth: 2) to compare")
        sys.exit(1)
    # On tmpfs where there is one: the build, not the disk, is what is compared.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="hindsight-regression-", dir=shm) as tmp:
        worktree = os.path.join(tmp, "base")
        sh("git", "worktree", "add", "--detach", "--quiet", worktree, base)
        try:
            build(worktree, os.path.join(ROOT, "target", "regression-base"), os.path.join(tmp, "hindsight-base"))
        finally:
            sh("git", "worktree", "remove", "--force", worktree)
        build(ROOT, os.path.join(ROOT, "target"), os.path.join(tmp, "hindsight-head"))
        site = archive(os.path.join(tmp, "site"))
        times = {"base": [], "head": []}
        for _ in range(args.runs):
            for name in times:
                times[name].append(timed(os.path.join(tmp, f"hindsight-{name}"), site, os.path.join(tmp, "out")))
    base_median, head_median = (statistics.median(times[k]) for k in ("base", "head"))
    ratio = head_median / base_median
    print(f"regression: {COPIES_OF} postmortems, median of {args.runs}: {base[:10]} {base_median:.3f} s, "
          f"this commit {head_median:.3f} s ({ratio:.2f}x; the limit is {args.limit:.1f}x)")
    if ratio > args.limit:
        print("regression: this commit builds more than twice as slowly as the one before it; "
              "`benches/build.py` and `build --timings` show where the time goes")
        sys.exit(1)


if __name__ == "__main__":
    main()
