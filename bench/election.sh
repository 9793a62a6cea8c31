#!/usr/bin/env bash
# The election benchmark: `lumbung election recount` (release build) over a
# generated ballot box of BALLOTS ballots with written name variants, a GROUPS
# file and a RESIDENTS file, each run a whole process under /usr/bin/time -v.
# Prints the median wall time and peak RSS, and checks that every run printed
# the same result.
#
# Usage: bench/election.sh          (1,000,000 ballots, 3 runs)
# Environment:
#   BALLOTS=999999                  ballots in the box (with the header, the readers' bound of 1,000,000 rows)
#   RUNS=3                          runs
#   SEATS=9                         seats to fill
#   LUMBUNG_BENCH_DIR=~/.cache/lumbung-bench   where the files are generated (once)
#   IDLE_WAIT=60                    seconds to wait at most for a quiet machine before each run
#   CARGO_TARGET_DIR                as cargo uses it
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BALLOTS="${BALLOTS:-999999}"
SEATS="${SEATS:-9}"
IDLE_WAIT="${IDLE_WAIT:-60}"
. "$repo/bench/lib.sh"
DIR="$BENCH_DIR"

need_gnu_time
prefix="$(election_files "$DIR" "$BALLOTS")"
eligible=$((BALLOTS * 2))
build_lumbung
cmd=("$bin" election recount "$prefix.ballots.csv" --eligible "$eligible" --seats "$SEATS"
     --groups "$prefix.groups.csv" --residents "$prefix.residents.csv" --format json)

out="$DIR/results-election-$BALLOTS"
mkdir -p "$out"
rm -f "$out"/*.time "$out"/*.out "$out"/*.load
# Warm the page cache so that every run reads the files from memory.
cat "$prefix".*.csv > /dev/null
for run in $(seq 1 "$RUNS"); do
    wait_idle
    say "run $run"
    timed_in "$out" "$run" "${cmd[@]}"
done

python3 - "$out" "$BALLOTS" "$RUNS" "$prefix.ballots.csv" <<'EOF'
import json, os, statistics, sys
from gnu_time import measure
out, ballots, runs, file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

rs = [dict(measure(f"{out}/{r}.time"), load=float(open(f"{out}/{r}.load").read()),
           out=open(f"{out}/{r}.out").read()) for r in range(1, runs + 1)]
same = all(r["out"] == rs[0]["out"] for r in rs)
res = json.loads(rs[0]["out"])
med = {k: statistics.median(r[k] for r in rs) for k in ("wall", "rss", "cpu")}
size = os.path.getsize(file) / 1e6
print("| ballots | file (MB) | median wall (s) | runs (s) | ballots/s | CPU (s) | peak RSS (MB) |")
print("|---:|---:|---:|---|---:|---:|---:|")
runs_s = ", ".join(f"{r['wall']:.2f}" for r in rs)
print(f"| {ballots:,} | {size:.0f} | {med['wall']:.2f} | {runs_s} | {ballots / med['wall'] / 1e6:.2f} M | {med['cpu']:.2f} | {med['rss']:.0f} |")
loads = [r["load"] for r in rs]
print(f"\n{runs} runs; 1-min load average before the runs: {min(loads):.2f}–{max(loads):.2f}.")
print(f"Result: {res['ballots']:,} ballots, {res['valid']:,} valid, {res['invalid']:,} invalid, "
      f"{len(res['votes']):,} persons, {len(res['groups']):,} grouping entries, turnout {res['turnout']}, "
      f"elected {', '.join(res['elected'])}" + (f"; tied {', '.join(res['ties'])}" if res['ties'] else "") + ".")
print("Same result in every run: " + ("yes" if same else "NO"))
sys.exit(0 if same else 1)
EOF
