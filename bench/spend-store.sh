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
. "$repo/bench/lib.sh"
DIR="$BENCH_DIR"
ledger="$DIR/spend-$ROWS.csv"
[ -s "$ledger" ] || { say "no ledger at $ledger: run bench/spend.sh first"; exit 1; }
need_gnu_time
build_lumbung
out="$DIR/results-store-$ROWS"
mkdir -p "$out"
rm -f "$out"/*

timed() { # name run command...
    local name="$1" run="$2"; shift 2
    timed_in "$out" "$name.$run" "$@"
}

for run in $(seq 1 "$RUNS"); do
    db="$DIR/bench-store.db"
    spend_db "$bin" "$db" "$ledger"
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
import json, statistics, sys
from gnu_time import measure
out, runs, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def parse(path):
    m = measure(path)
    return m["wall"], m["rss"]
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
