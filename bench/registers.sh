#!/usr/bin/env bash
# Locating suppliers from the Companies House register at full size: a
# generated "Free Company Data Product" of 5,000,000 companies (~2.2 GB,
# the real product's 55 columns and header quirks; bench/companies-gen.py)
# imported by `lumbung spend registers import --kind companies-house` into
# a database holding 20,000 suppliers without postal codes (half of them
# registered companies), which the import then locates; then the same
# file again (every company replaced, nothing changes). Beside it, in the
# same run: DuckDB loading the same file into a table with the same five
# columns and a name index (bench/registers_peer_duckdb.py).
#
# Usage: bench/registers.sh
# Environment:
#   RUNS=3                 runs per tool (interleaved); medians
#   COMPANIES=5000000 SUPPLIERS=10000   sizes
#   LUMBUNG_BENCH_DIR=~/.cache/lumbung-bench   data goes to its registers-$COMPANIES/
#   IDLE_WAIT=120          seconds to wait at most for a quiet machine before each run
#   CARGO_TARGET_DIR       as cargo uses it
# Goal (issue 13): the full product in under a minute with peak memory under 1 GB.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COMPANIES="${COMPANIES:-5000000}"
SUPPLIERS="${SUPPLIERS:-10000}"
. "$repo/bench/lib.sh"
DIR="$BENCH_DIR/registers-$COMPANIES"
need_gnu_time
need_python duckdb
mkdir -p "$DIR"
file="$DIR/BasicCompanyData-part1.csv"
if [ ! -s "$file" ]; then
    say "generating $COMPANIES companies into $file"
    python3 "$repo/bench/companies-gen.py" "$DIR" --companies "$COMPANIES" --suppliers "$SUPPLIERS" >&2
fi
build_lumbung
out="$DIR/results"
mkdir -p "$out"
rm -f "$out"/*
timed() { timed_in "$out" "$@"; }

for run in $(seq 1 "$RUNS"); do
    db="$DIR/bench.db"
    rm -f "$db" "$db-wal" "$db-shm"
    "$bin" --db "$db" areas import "$repo/demo/uk-lancashire/areas.csv" > /dev/null
    "$bin" --db "$db" areas map-postcodes "$repo/demo/uk-lancashire/postcodes.csv" > /dev/null
    "$bin" --db "$db" spend settings --local E07000123 --region E10000017 > /dev/null
    "$bin" --db "$db" spend import --anchor "Bench Council" "$DIR/payments.csv" > /dev/null
    wait_idle; say "run $run: lumbung, first import"
    timed "lumbung.$run" "$bin" --db "$db" spend registers import --kind companies-house "$file"
    wait_idle; say "run $run: lumbung, the same file again"
    timed "lumbung-again.$run" "$bin" --db "$db" spend registers import --kind companies-house "$file"
    "$bin" --db "$db" spend report --format json > "$out/report.$run.json"
    wait_idle; say "run $run: duckdb"
    timed "duckdb.$run" python3 "$repo/bench/registers_peer_duckdb.py" "$file" "$DIR/bench.duckdb"
done
rm -f "$DIR/bench.duckdb"

python3 - "$out" "$RUNS" "$COMPANIES" <<'PY'
import json, os, re, statistics, sys
from gnu_time import measure
out, runs, companies = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def run(name):
    return dict(measure(f"{out}/{name}.time"), out=open(f"{out}/{name}.out").read())
names = {"lumbung": "Lumbung `spend registers import` (and locating 20,000 suppliers)",
         "lumbung-again": "Lumbung, the same file again",
         "duckdb": "DuckDB, the file into a table with a name index"}
res = {t: [run(f"{t}.{i}") for i in range(1, runs + 1)] for t in names}
med = {t: statistics.median(r["wall"] for r in rs) for t, rs in res.items()}
print(f"{companies:,} companies, {os.path.getsize(os.path.join(os.path.dirname(out), 'BasicCompanyData-part1.csv')) / 1e9:.2f} GB; {os.cpu_count()} CPUs\n")
print("| tool | median wall (s) | runs (s) | companies/s | CPU (s) | peak RSS (MB) | ÷ Lumbung |")
print("|---|---:|---|---:|---:|---:|---:|")
for t, rs in res.items():
    walls = ", ".join(f"{r['wall']:.1f}" for r in rs)
    print(f"| {names[t]} | {med[t]:.1f} | {walls} | {companies / med[t] / 1e3:,.0f} k | "
          f"{statistics.median(r['cpu'] for r in rs):.1f} | {max(r['rss'] for r in rs):.0f} | {med[t] / med['lumbung']:.2f}× |")
first = res["lumbung"][0]["out"]
print("\n" + "\n".join(l for l in first.splitlines() if "suppliers checked" in l))
report = json.load(open(f"{out}/report.1.json"))
print(f"located: {report['located']}, located_share {report['located_share']}")
rss = max(r["rss"] for r in res["lumbung"] + res["lumbung-again"])
print(f"\ngoal (< 60 s, < 1 GB): {'met' if med['lumbung'] < 60 and med['lumbung-again'] < 60 and rss < 1024 else 'MISSED'}")
PY
