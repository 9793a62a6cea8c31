#!/usr/bin/env bash
# The spend benchmark's parts 2 and 3: importing the ledger into the store,
# and the figure set from the store — Lumbung (`lumbung spend import`, then
# `lumbung spend report`) beside DuckDB importing into its own table and
# reporting from it (shared/bench/peer_duckdb_table.py). Each run is a whole
# process under /usr/bin/time -v; prints a markdown table of medians.
#
# Needs the ledger that bench/spend.sh generates (same environment
# variables: ROWS, RUNS, LUMBUNG_BENCH_DIR, SHARED_BENCH, CARGO_TARGET_DIR).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROWS="${ROWS:-10000000}"
RUNS="${RUNS:-3}"
DIR="${LUMBUNG_BENCH_DIR:-$HOME/.cache/lumbung-bench}"
SHARED_BENCH="${SHARED_BENCH:-$repo/../shared/bench}"
ledger="$DIR/spend-$ROWS.csv"
[ -s "$ledger" ] || { echo "no ledger at $ledger: run bench/spend.sh first" >&2; exit 1; }
[ -x /usr/bin/time ] || (apt-get update -qq && apt-get install -y -qq time) >&2
(cd "$repo" && cargo build --release -q --bin lumbung) >&2
bin="${CARGO_TARGET_DIR:-$repo/target}/release/lumbung"
out="$DIR/results-store-$ROWS"
mkdir -p "$out"
rm -f "$out"/*

timed() { # name run command...
    local name="$1" run="$2"; shift 2
    /usr/bin/time -v -o "$out/$name.$run.time" "$@" > "$out/$name.$run.out"
}

for run in $(seq 1 "$RUNS"); do
    db="$DIR/bench-store.db"
    rm -f "$db" "$db-wal" "$db-shm"
    "$bin" --db "$db" areas import "$ledger.areas.csv" > /dev/null
    "$bin" --db "$db" areas map-postcodes "$ledger.postcodes.csv" > /dev/null
    "$bin" --db "$db" spend settings --local E07000123 --region E10000017 > /dev/null
    echo "run $run: lumbung import" >&2
    timed lumbung-import "$run" "$bin" --db "$db" spend import "$ledger"
    echo "run $run: lumbung report" >&2
    timed lumbung-report "$run" "$bin" --db "$db" spend report --format json
    echo "run $run: duckdb import" >&2
    timed duckdb-import "$run" python3 "$SHARED_BENCH/peer_duckdb_table.py" import "$ledger" "$DIR/bench.duckdb"
    echo "run $run: duckdb report" >&2
    timed duckdb-report "$run" python3 "$SHARED_BENCH/peer_duckdb_table.py" report "$ledger" "$DIR/bench.duckdb"
done

python3 - "$out" "$RUNS" "$ROWS" <<'PY'
import json, re, statistics, sys
out, runs, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def parse(path):
    t = open(path).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.*)", t).group(1)
    parts = [float(p) for p in wall.split(":")]
    secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    return secs, rss
res = {}
for name in ["lumbung-import", "duckdb-import", "lumbung-report", "duckdb-report"]:
    w = [parse(f"{out}/{name}.{r}.time") for r in range(1, runs + 1)]
    res[name] = (statistics.median(x[0] for x in w), [x[0] for x in w], max(x[1] for x in w))
lr = json.load(open(f"{out}/lumbung-report.1.out"))
dr = json.loads(open(f"{out}/duckdb-report.1.out").read())
same = lr["total"] == dr["total"]
print(f"check total: Lumbung {lr['total']} DuckDB {dr['total']} {'equal' if same else 'DIFFERENT'}", file=sys.stderr)
print("| step | tool | median wall (s) | runs (s) | rows/s | peak RSS (MB) | DuckDB ÷ Lumbung |")
print("|---|---|---:|---|---:|---:|---:|")
for step in ["import", "report"]:
    l, d = res[f"lumbung-{step}"], res[f"duckdb-{step}"]
    for tool, r in [("Lumbung", l), ("DuckDB", d)]:
        ratio = f"{d[0] / l[0]:.2f}×" if tool == "Lumbung" else "1.00×"
        print(f"| {step} | {tool} | {r[0]:.2f} | {', '.join(f'{x:.2f}' for x in r[1])} | {rows / r[0] / 1e6:.2f} M | {r[2]:.0f} | {ratio} |")
sys.exit(0 if same else 1)
PY
