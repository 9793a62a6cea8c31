#!/usr/bin/env bash
# The revolving fund at city scale: 1,000 UPKs, 1,000,000 loans and
# ~20,000,000 repayments loaded through the bulk import; then the portfolio
# report as of today, interactive posting of 1,000,000 repayments in
# durable batches, and the journal's check. Beside them, measured in the
# same run: DuckDB computing the same report figures from the CSV books
# (bench/fund_peer_duckdb.py) and SQLite's raw rate of inserting the same
# postings in the same transactions (bench/fund_peer_sqlite.py).
#
# Usage: bench/fund.sh
# Environment:
#   RUNS=3                       report runs per tool (interleaved); medians
#   UPKS=1000 LOANS=1000000 REPAYMENTS=20000000 POSTINGS=1000000   sizes
#   LUMBUNG_BENCH_DIR=~/.cache/lumbung-bench   data and databases go to its fund-$LOANS/
#   REIMPORT=1                   import again even when the database exists
#   STEPS="import report posting verify"       which steps to run
#   IDLE_WAIT=120                seconds to wait at most for a quiet machine before each run
#   CARGO_TARGET_DIR             as cargo uses it
#
# Disk: the imported database takes ~12 GB (and as much again of WAL
# while importing); the posting step works on a copy of it (another ~12 GB,
# removed after).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UPKS="${UPKS:-1000}"
LOANS="${LOANS:-1000000}"
REPAYMENTS="${REPAYMENTS:-20000000}"
POSTINGS="${POSTINGS:-1000000}"
REIMPORT="${REIMPORT:-0}"
STEPS="${STEPS:-import report posting verify}"
TODAY="$(date +%F)"
PAST="$(date -d "$TODAY -6 months" +%F)"   # the report as of a past date
. "$repo/bench/lib.sh"
DIR="$BENCH_DIR/fund-$LOANS"

# (a) what the benchmark needs
need_gnu_time
need_python duckdb

# (b) the books, generated once (the posting file's repayments are dated
# the day it was generated)
mkdir -p "$DIR"
if [ ! -s "$DIR/summary.json" ]; then
    say "generating $LOANS loans and ~$REPAYMENTS repayments into $DIR"
    python3 "$repo/bench/fund-gen.py" "$DIR" --upks "$UPKS" --loans "$LOANS" \
        --repayments "$REPAYMENTS" --postings "$POSTINGS" >&2
fi

# (c) Lumbung, release
build_lumbung
db="$DIR/fund.db"
out="$DIR/results"
mkdir -p "$out"
find "$out" -name '*.load' ! -name 'import.load' -delete

timed() { timed_in "$out" "$@"; }

# (d) the bulk import, once (into a fresh database)
if has import && { [ ! -s "$db.imported" ] || [ "$REIMPORT" = 1 ]; }; then
    rm -f "$db" "$db-wal" "$db-shm" "$db.imported"
    wait_idle
    say "importing (once): lumbung fund import loans.csv repayments.csv"
    timed import "$bin" --db "$db" fund import "$DIR/loans.csv" "$DIR/repayments.csv"
    cp "$out/import.time" "$db.imported"
    say "checking the import against the generator's summary"
    python3 - "$db" "$DIR/summary.json" <<'EOF'
import json, sqlite3, sys
s = json.load(open(sys.argv[2]))
c = sqlite3.connect(sys.argv[1])
n, total = c.execute("SELECT count(*), sum(amount) FROM fund_repayments").fetchone()
loans, principal = c.execute("SELECT count(*), sum(principal) FROM fund_loans").fetchone()
ok = (n, total, loans, principal) == (s["repayments"], s["repaid"], s["loans"], s["principal"])
print(f"import: {loans} loans ({principal}), {n} repayments ({total}): {'as generated' if ok else 'DIFFERENT'}", file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
fi
[ -s "$db.imported" ] || { say "no imported database at $db (run with STEPS including import)"; exit 1; }

# (e) the report as of today: Lumbung from its database, DuckDB from the
# CSV books (the same figures, checked), DuckDB's sums per UPK (reading the
# data and no more); runs interleaved
if has report; then
    for run in $(seq 1 "$RUNS"); do
        wait_idle; say "run $run: lumbung fund report"
        timed "report-lumbung.$run" "$bin" --db "$db" fund report --as-of "$TODAY" --format json
        wait_idle; say "run $run: lumbung fund report as of $PAST, and with the 12-month trend"
        timed "report-lumbung-past.$run" "$bin" --db "$db" fund report --as-of "$PAST" --format json
        timed "report-lumbung-trend.$run" "$bin" --db "$db" fund report --as-of "$TODAY" --trend 12 --format json
        wait_idle; say "run $run: duckdb, the same figures"
        timed "report-duckdb.$run" python3 "$repo/bench/fund_peer_duckdb.py" "$DIR/loans.csv" "$DIR/repayments.csv" "$TODAY"
        wait_idle; say "run $run: duckdb, sums per UPK"
        timed "report-duckdb-sums.$run" python3 "$repo/bench/fund_peer_duckdb.py" "$DIR/loans.csv" "$DIR/repayments.csv" "$TODAY" --sums
    done
fi

# (f) posting 1,000,000 repayments in batches of 1,000 on a copy of the
# imported database (so that the step can be run again): first as the UPKs'
# cashiers post them (UPK after UPK), then the same repayments in random
# order across the city (other keys; the worst case: every batch touches
# ~600 UPKs' pages); beside them SQLite's raw inserts of the same rows in
# the same transactions
if has posting; then
    posting_db="$DIR/posting.db"
    rm -f "$posting_db" "$posting_db-wal" "$posting_db-shm"
    need=$(( $(stat -c %s "$db") / 1024 + 4 * 1024 * 1024 ))
    free=$(df -k --output=avail "$DIR" | tail -1)
    if [ "$free" -lt "$need" ]; then say "not enough disk for a copy of $db ($free KB free)"; exit 1; fi
    say "copying the database for the posting runs"
    cp "$db" "$posting_db"
    [ -f "$db-wal" ] && cp "$db-wal" "$posting_db-wal"
    wait_idle; say "posting: lumbung fund repay --file posting.csv --batch 1000 (UPK after UPK)"
    timed posting-lumbung "$bin" --db "$posting_db" fund repay --file "$DIR/posting.csv" --batch 1000
    wait_idle; say "posting: lumbung fund repay --file posting-city.csv --batch 1000 (across the city)"
    timed posting-city-lumbung "$bin" --db "$posting_db" fund repay --file "$DIR/posting-city.csv" --batch 1000
    wait_idle; say "posting: SQLite raw inserts, same batches"
    timed posting-sqlite python3 "$repo/bench/fund_peer_sqlite.py" "$DIR/posting.csv" "$DIR/peer-posting.db" 1000
    rm -f "$DIR/peer-posting.db" "$DIR/peer-posting.db-wal" "$DIR/peer-posting.db-shm"
    if has verify; then
        for run in $(seq 1 "$RUNS"); do
            wait_idle; say "run $run: lumbung fund verify (after the postings)"
            timed "verify.$run" "$bin" --db "$posting_db" fund verify
        done
    fi
    rm -f "$posting_db" "$posting_db-wal" "$posting_db-shm"
elif has verify; then
    for run in $(seq 1 "$RUNS"); do
        wait_idle; say "run $run: lumbung fund verify"
        timed "verify.$run" "$bin" --db "$db" fund verify
    done
fi

# (g) the table
python3 - "$out" "$RUNS" "$STEPS" "$DIR/summary.json" "$POSTINGS" <<'EOF'
import json, os, statistics, sys
from gnu_time import measure
out, runs, steps, summary, postings = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), json.load(open(sys.argv[4])), int(sys.argv[5])

def run(name):
    return dict(measure(f"{out}/{name}.time"), load=float(open(f"{out}/{name}.load").read()),
                out=open(f"{out}/{name}.out").read())

ok = True
print(f"{summary['upks']:,} UPKs, {summary['loans']:,} loans, {summary['repayments']:,} repayments (books as of {summary['today']}); {os.cpu_count()} CPUs")
print()
print("| step | tool | median wall (s) | runs (s) | rate | CPU (s) | peak RSS (MB) | peer ÷ Lumbung |")
print("|---|---|---:|---|---:|---:|---:|---:|")
if os.path.exists(f"{out}/import.time"):
    r = run("import")
    print(f"| import (once) | Lumbung `fund import` | {r['wall']:.1f} | – | {summary['repayments'] / r['wall'] / 1e3:.0f} k repayments/s | {r['cpu']:.1f} | {r['rss']:.0f} | – |")
if "report" in steps:
    res = {t: [run(f"report-{t}.{i}") for i in range(1, runs + 1)] for t in ("lumbung", "duckdb", "duckdb-sums")}
    med = {t: statistics.median(r["wall"] for r in rs) for t, rs in res.items()}
    names = {"lumbung": "Lumbung `fund report` (from its database)", "duckdb": "DuckDB, the same figures from the CSVs",
             "duckdb-sums": "DuckDB, Σ principal and Σ repaid per UPK from the CSVs"}
    for t, rs in res.items():
        ratio = f"{med[t] / med['lumbung']:.2f}×"
        walls = ", ".join(f"{r['wall']:.2f}" for r in rs)
        cpu = statistics.median(r["cpu"] for r in rs)
        rss = max(r["rss"] for r in rs)
        print(f"| report as of today | {names[t]} | {med[t]:.2f} | {walls} | – | {cpu:.2f} | {rss:.0f} | {ratio} |")
    # The figures: Lumbung's equal DuckDB's, per UPK and in all; every run the same.
    lb = json.loads(res["lumbung"][0]["out"])
    dk = json.loads(res["duckdb"][0]["out"])
    keys = ("loans", "outstanding", "arrears", "loans_in_arrears", "outstanding_in_arrears")
    same = all(lb[k] == dk["total"][k] for k in keys) and len(lb["by_upk"]) == len(dk["by_upk"]) and all(
        u[k] == dk["by_upk"][u["upk"]][k] for u in lb["by_upk"] for k in keys)
    same &= all(json.loads(r["out"]) == lb for r in res["lumbung"][1:])
    ok &= same
    print(f"\nreport figures ({', '.join(keys)}) equal DuckDB's for all {len(lb['by_upk'])} UPKs and in all: {'yes' if same else 'NO'}"
          f" (outstanding {lb['outstanding']:,}, arrears {lb['arrears']:,}, PAR {lb['par']})")
    print(f"report target (< 5 s): {'met' if med['lumbung'] < 5 else 'MISSED'} ({med['lumbung']:.2f} s)")
    print(f"report target (≥ 3× DuckDB's same figures): {'met' if med['duckdb'] >= 3 * med['lumbung'] else 'MISSED'} ({med['duckdb'] / med['lumbung']:.2f}×)")
    for kind, label in (("past", "as of a past date"), ("trend", "with the 12-month trend")):
        rs = [run(f"report-lumbung-{kind}.{i}") for i in range(1, runs + 1) if os.path.exists(f"{out}/report-lumbung-{kind}.{i}.time")]
        if rs:
            m = statistics.median(r["wall"] for r in rs)
            walls = ", ".join(f"{r['wall']:.2f}" for r in rs)
            print(f"report {label}: {m:.2f} s median ({walls}), {m / med['lumbung']:.2f}× the report as of today; "
                  f"target (within 2×): {'met' if m <= 2 * med['lumbung'] else 'MISSED'}")
    trend = json.loads(res["lumbung"][0]["out"])  # the as-of-today report, for the trend's last point
    rt = [f"{out}/report-lumbung-trend.{i}.out" for i in range(1, runs + 1) if os.path.exists(f"{out}/report-lumbung-trend.{i}.out")]
    if rt:
        points = json.load(open(rt[0]))["trend"]
        last = points[-1]
        same_last = (last["outstanding"], last["arrears"], last["par"]) == (trend["outstanding"], trend["arrears"], trend["par"])
        ok &= same_last and len(points) == 12
        print(f"trend: {len(points)} points, the last equal to the report as of today: {'yes' if same_last else 'NO'}")
    print()
if "posting" in steps:
    sp = run("posting-sqlite")
    peer = json.loads(sp["out"])
    print("\n| posting 1M (batches of 1,000) | wall (s) | repayments/s | CPU (s) | peak RSS (MB) | peer ÷ Lumbung |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, label in (("posting-lumbung", "Lumbung `fund repay --file`, UPK after UPK"),
                        ("posting-city-lumbung", "Lumbung `fund repay --file`, across the city")):
        lp = run(name)
        rate = postings / lp["wall"]
        print(f"| {label} | {lp['wall']:.1f} | {rate:,.0f} | {lp['cpu']:.1f} | {lp['rss']:.0f} | {peer['per_second'] / rate:.1f}× |")
    print(f"| SQLite raw inserts (python3 sqlite3, WAL, synchronous=FULL) | {sp['wall']:.1f} | {peer['per_second']:,} | {sp['cpu']:.1f} | {sp['rss']:.0f} | 1.0× |")
    for name in ("posting-lumbung", "posting-city-lumbung"):
        lp = run(name)
        rate = postings / lp["wall"]
        print(f"\n{name}: {lp['out'].strip()}; target (≥ 10,000 durable repayments/s): {'met' if rate >= 10_000 else 'MISSED'} ({rate:,.0f}/s)", end="")
    print()
if "verify" in steps:
    vs = [run(f"verify.{i}") for i in range(1, runs + 1)]
    m = statistics.median(v["wall"] for v in vs)
    walls = ", ".join(f"{v['wall']:.1f}" for v in vs)
    print(f"verify: {m:.1f} s median ({walls}), {max(v['rss'] for v in vs):.0f} MB: {vs[0]['out'].strip()}")
    if "posting" in steps:
        print(f"verify target (≤ 10 s for the journal after the postings): {'met' if m <= 10 else 'MISSED'} ({m:.1f} s)")
loads = [float(open(f"{out}/{f}").read()) for f in os.listdir(out) if f.endswith(".load")]
print(f"1-minute load average before the runs: {min(loads):.2f}–{max(loads):.2f}")
sys.exit(0 if ok else 1)
EOF
