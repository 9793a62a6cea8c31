#!/usr/bin/env bash
# The spend benchmark: the same figures from the same CSV ledger, by DuckDB,
# Polars and Lumbung (`lumbung spend report --from-file`), each run as a whole process
# under /usr/bin/time -v. Prints a markdown table of medians and ratios.
#
# Usage: bench/spend.sh            (10M rows, 3 runs each)
# Environment:
#   ROWS=10000000                  ledger size
#   RUNS=3                         runs per tool (interleaved)
#   LUMBUNG_BENCH_DIR=~/.cache/lumbung-bench   where the ledger is generated (once)
#   SHARED_BENCH=<repo>/../shared/bench        the generator and the peer scripts
#   IDLE_WAIT=120                  seconds to wait at most for a quiet machine before each run
#   TOOLS="duckdb polars lumbung"  which tools to run
#   VERIFY=1                       also check every figure (not only the totals) against DuckDB, untimed
#   CARGO_TARGET_DIR               as cargo uses it
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROWS="${ROWS:-10000000}"
TOOLS="${TOOLS:-duckdb polars lumbung}"
VERIFY="${VERIFY:-1}"
. "$repo/bench/lib.sh"
DIR="$BENCH_DIR"

# (a) what the benchmark needs
need_gnu_time
need_python numpy polars duckdb
[ -f "$SHARED_BENCH/gen_spend.py" ] || { say "no generator at $SHARED_BENCH (set SHARED_BENCH)"; exit 1; }

# (b) the ledger, generated once
ledger="$(spend_ledger "$DIR" "$ROWS")"

# (c) Lumbung, release: the real CLI over a database that holds the areas,
# the postcode map and the local area and region (the facts come from the file)
build_lumbung
db="$DIR/bench-from-file.db"
spend_db "$bin" "$db" "$ledger"
lumbung=("$bin" --db "$db" spend report --from-file "$ledger" --format json)

# (d) the runs, interleaved so that load from elsewhere spreads evenly
out="$DIR/results-$ROWS"
mkdir -p "$out"
rm -f "$out"/*.time "$out"/*.out "$out"/*.load
for run in $(seq 1 "$RUNS"); do
    for tool in $TOOLS; do
        case "$tool" in
            duckdb) cmd=(python3 "$SHARED_BENCH/peer_duckdb.py" "$ledger") ;;
            polars) cmd=(python3 "$SHARED_BENCH/peer_polars.py" "$ledger") ;;
            lumbung) cmd=("${lumbung[@]}") ;;
            *) say "unknown tool $tool"; exit 1 ;;
        esac
        wait_idle
        say "run $run: $tool"
        timed_in "$out" "$tool.$run" "${cmd[@]}"
    done
done

# The whole figure set, once and untimed: Lumbung's full report against DuckDB's queries.
verified=0
if [ "$VERIFY" = 1 ]; then
    say "checking every figure against DuckDB"
    "${lumbung[@]}" > "$out/lumbung-full.json"
    python3 "$repo/bench/verify_spend.py" "$ledger" "$out/lumbung-full.json" || verified=1
fi

# (e) + (f): check the figures, print the table
python3 - "$out" "$ROWS" "$RUNS" "$TOOLS" "$verified" <<'EOF'
import json, os, statistics, sys
from gnu_time import measure
out, rows, runs, tools = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
ok = sys.argv[5] == "0"

res = {}
for tool in tools:
    res[tool] = [dict(measure(f"{out}/{tool}.{r}.time"),
                      load=float(open(f"{out}/{tool}.{r}.load").read()),
                      out=json.loads(open(f"{out}/{tool}.{r}.out").read()))
                 for r in range(1, runs + 1)]

def pence(s):
    neg = s.startswith("-"); s = s.lstrip("-"); i, _, f = s.partition(".")
    v = int(i) * 100 + int((f + "00")[:2]); return -v if neg else v
if "lumbung" in res:
    lb = res["lumbung"][0]["out"]
    if "duckdb" in res:
        dk = res["duckdb"][0]["out"]
        for k in ("total", "local", "regional"):
            same = dk[k] == lb[k]
            ok &= same
            print(f"check {k}: DuckDB {dk[k]}  Lumbung {lb[k]}  {'equal' if same else 'DIFFERENT'}", file=sys.stderr)
        for k, lk in (("rows_by_anchor_year", "by_anchor_year"), ("sectors", "by_sector")):
            same = dk[k] == len(lb[lk])
            ok &= same
            print(f"check {k}: DuckDB {dk[k]}  Lumbung {len(lb[lk])}  {'equal' if same else 'DIFFERENT'}", file=sys.stderr)
    if "polars" in res:
        pl = res["polars"][0]["out"]
        same = pl["total_pence"] == pence(lb["total"])
        ok &= same
        print(f"check total: Polars {pl['total_pence']} pence  Lumbung {lb['total']}  {'equal' if same else 'DIFFERENT'}", file=sys.stderr)
    for r in res["lumbung"][1:]:
        ok &= r["out"] == lb

med = {t: {k: statistics.median(r[k] for r in rs) for k in ("wall", "rss", "cpu")} for t, rs in res.items()}
print(f"| tool | median wall (s) | runs (s) | rows/s | CPU (s) | peak RSS (MB) | vs DuckDB | vs Polars |")
print(f"|---|---:|---|---:|---:|---:|---:|---:|")
names = {"duckdb": "DuckDB (from CSV)", "polars": "Polars (streaming)", "lumbung": "Lumbung from file"}
for t in tools:
    m = med[t]
    runs_s = ", ".join(f"{r['wall']:.2f}" for r in res[t])
    ratio = lambda p: f"{med[p]['wall'] / m['wall']:.2f}×" if p in med else "–"
    print(f"| {names.get(t, t)} | {m['wall']:.2f} | {runs_s} | {rows / m['wall'] / 1e6:.2f} M | {m['cpu']:.2f} | {m['rss']:.0f} | {ratio('duckdb')} | {ratio('polars')} |")
loads = [r["load"] for rs in res.values() for r in rs]
print(f"\n{rows:,} rows, {runs} runs each (interleaved); 1-min load average before the runs: {min(loads):.2f}–{max(loads):.2f}.")
print("Ratios are the peer's median wall time over the tool's (above 1 = faster than the peer).")
print("Figures equal: " + ("yes" if ok else "NO"))
sys.exit(0 if ok else 1)
EOF
