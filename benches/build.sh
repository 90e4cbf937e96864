#!/usr/bin/env bash
# End-to-end build benchmark: hindsight on synthetic archives of 1,000 and 10,000
# postmortems (../shared/bench/gen_corpus.py), output on tmpfs, wall time and peak RSS
# per run, per-stage timings, and Hugo on the same 10k documents when it is installed
# (apt-get install hugo).
#
#     benches/build.sh [SIZES...]        default: 1000 10000
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gen="$here/../shared/bench/gen_corpus.py"
work=${BENCH_DIR:-/dev/shm/hindsight-bench}
runs=${RUNS:-3}
sizes=("${@:-1000}")
[ $# -eq 0 ] && sizes=(1000 10000)

cargo build --release --quiet --manifest-path "$here/Cargo.toml"
bin="$here/target/release/hindsight"
mkdir -p "$work"

measure() { # label, command...: prints wall seconds and peak RSS of each run
  local label=$1; shift
  for i in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || { cat "$work/err"; exit 1; }
    read -r wall rss <"$work/time"
    printf '%-34s run %d: %6.2f s  %6d MB\n' "$label" "$i" "$wall" $((rss / 1024))
  done
}

for n in "${sizes[@]}"; do
  site="$work/native-$n"
  [ -d "$site" ] || python3 "$gen" "$n" "$site" >/dev/null
  measure "hindsight build --drafts ($n)" "$bin" --root "$site" build --drafts -o "$work/out-$n"
  "$bin" --root "$site" build --drafts -o "$work/out-$n" --timings 2>&1 | sed 's/^/    /'
  if command -v hugo >/dev/null; then
    hsite="$work/hugo-$n"
    [ -d "$hsite" ] || python3 "$gen" "$n" "$hsite" --flavor hugo >/dev/null
    measure "hugo $(hugo version | grep -o 'v[0-9.]*' | head -1) ($n)" hugo --quiet -s "$hsite" -d "$work/hugo-out-$n"
  fi
done
