#!/usr/bin/env bash
# The revolving fund on both backends, same data, same run: durable
# posting by 1, 4 and 16 concurrent clients (each its own `lumbung fund
# repay --file … --batch 1000` process posting the repayments of its own
# UPKs), and the portfolio report as of today, on a SQLite file and on a
# PostgreSQL server; the copy of the city from the file to the server.
#
# Usage: bench/fund-pg.sh
# Environment:
#   RUNS=3                      report runs per backend (interleaved); medians
#   UPKS=100 LOANS=100000 REPAYMENTS=2000000 POSTINGS=160000   sizes
#   CLIENTS="1 4 16"            concurrent posting clients
#   LUMBUNG_BENCH_PG=postgres://…/postgres   a server to use (its `postgres`
#                               database or any: the benchmark creates its own);
#                               unset: a throw-away cluster of Debian's
#                               PostgreSQL, durable settings (fsync on,
#                               synchronous_commit on) in a temporary directory
#   LUMBUNG_BENCH_DIR=~/.cache/lumbung-bench   data go to its fund-$LOANS/
#   IDLE_WAIT=120               seconds to wait at most for a quiet machine
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UPKS="${UPKS:-100}"
LOANS="${LOANS:-100000}"
REPAYMENTS="${REPAYMENTS:-2000000}"
POSTINGS="${POSTINGS:-160000}"
CLIENTS="${CLIENTS:-1 4 16}"
TODAY="$(date +%F)"
. "$repo/bench/lib.sh"
DIR="$BENCH_DIR/fund-$LOANS"
out="$DIR/results-pg"
mkdir -p "$DIR" "$out"
rm -f "$out"/*

need_gnu_time

# (a) PostgreSQL: the server given, or a throw-away durable cluster
start_pg
trap stop_pg EXIT
psql -X -At "$LUMBUNG_BENCH_PG" -c "SHOW server_version; SHOW fsync; SHOW synchronous_commit" | tr '\n' ' ' > "$out/server.txt"

# (b) the books and the file's database (shared with bench/fund.sh's sizes)
if [ ! -s "$DIR/summary.json" ]; then
    say "generating $LOANS loans and ~$REPAYMENTS repayments into $DIR"
    python3 "$repo/bench/fund-gen.py" "$DIR" --upks "$UPKS" --loans "$LOANS" \
        --repayments "$REPAYMENTS" --postings "$POSTINGS" >&2
fi
build_lumbung
base="$DIR/fund.db"
if [ ! -s "$base.imported" ]; then
    rm -f "$base" "$base-wal" "$base-shm"
    say "importing into SQLite: lumbung fund import"
    "$bin" --db "$base" fund import "$DIR/loans.csv" "$DIR/repayments.csv" >&2
    date > "$base.imported"
fi

# (c) the city onto the server: lumbung copy (timed), kept as a template
admin "DROP DATABASE IF EXISTS lumbung_bench_base WITH (FORCE)"
admin "CREATE DATABASE lumbung_bench_base"
wait_idle; say "copying the city to PostgreSQL: lumbung copy"
timed_in "$out" copy "$bin" copy --from "$base" --to "$server/lumbung_bench_base"

# (d) the posting file split among clients, each client the UPKs i, i+N, …
python3 - "$DIR" "$out" $CLIENTS <<'EOF'
import csv, sys
d, out, counts = sys.argv[1], sys.argv[2], [int(c) for c in sys.argv[3:]]
upk_of = {}
with open(f"{d}/loans.csv", newline="") as f:
    for row in csv.DictReader(f):
        upk_of[row["loan_id"]] = row["upk"]
upks = sorted(set(upk_of.values()))
index = {u: i for i, u in enumerate(upks)}
with open(f"{d}/posting.csv", newline="") as f:
    reader = csv.reader(f)
    header = next(reader)
    rows = list(reader)
for n in counts:
    parts = [open(f"{out}/posting-{n}-{i}.csv", "w", newline="") for i in range(n)]
    writers = [csv.writer(p) for p in parts]
    for w in writers:
        w.writerow(header)
    for row in rows:
        writers[index[upk_of[row[0]]] % n].writerow(row)
    for p in parts:
        p.close()
EOF

# (e) posting with N clients at once, each on a fresh copy of the city
# The whole machine's CPU time while they post (clients, server and all:
# /proc/stat's busy jiffies), to say what a posting costs wherever it runs.
busy_jiffies() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
post_all() { # NAME DB N: N clients at once; wall seconds into NAME.wall, CPU seconds into NAME.cpu
    local name=$1 db=$2 n=$3 i pids=()
    local start end busy
    busy=$(busy_jiffies)
    start=$(date +%s.%N)
    for i in $(seq 0 $((n - 1))); do
        LUMBUNG_BUSY_TIMEOUT_MS=600000 "$bin" --db "$db" fund repay --file "$out/posting-$n-$i.csv" --batch 1000 \
            > "$out/$name.$i.out" 2> "$out/$name.$i.err" &
        pids+=($!)
    done
    local failed=0
    for i in "${pids[@]}"; do wait "$i" || failed=1; done
    end=$(date +%s.%N)
    echo "$start $end" | awk '{print $2 - $1}' > "$out/$name.wall"
    echo "$busy $(busy_jiffies) $(getconf CLK_TCK)" | awk '{print ($2 - $1) / $3}' > "$out/$name.cpu"
    if [ "$failed" = 1 ]; then say "$name: a client failed:"; cat "$out/$name".*.err >&2; exit 1; fi
}
count_sqlite() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM fund_repayments').fetchone()[0])" "$1"; }
count_pg() { psql -X -At "$1" -c "SELECT count(*) FROM fund_repayments"; }
before=$(count_sqlite "$base")
for n in $CLIENTS; do
    run_db="$DIR/posting-pg-bench.db"
    rm -f "$run_db" "$run_db-wal" "$run_db-shm"
    cp "$base" "$run_db"; [ -f "$base-wal" ] && cp "$base-wal" "$run_db-wal"
    wait_idle; say "posting with $n client(s): SQLite"
    post_all "post-sqlite-$n" "$run_db" "$n"
    echo $(( $(count_sqlite "$run_db") - before )) > "$out/post-sqlite-$n.posted"
    if [ "$n" = "$(echo $CLIENTS | awk '{print $NF}')" ]; then
        "$bin" --db "$run_db" fund verify > "$out/verify-sqlite.out" 2>&1 || { cat "$out/verify-sqlite.out" >&2; exit 1; }
    fi
    rm -f "$run_db" "$run_db-wal" "$run_db-shm"
    admin "DROP DATABASE IF EXISTS lumbung_bench_run WITH (FORCE)"
    admin "CREATE DATABASE lumbung_bench_run TEMPLATE lumbung_bench_base"
    wait_idle; say "posting with $n client(s): PostgreSQL"
    post_all "post-pg-$n" "$server/lumbung_bench_run" "$n"
    echo $(( $(count_pg "$server/lumbung_bench_run") - before )) > "$out/post-pg-$n.posted"
    if [ "$n" = "$(echo $CLIENTS | awk '{print $NF}')" ]; then
        "$bin" --db "$server/lumbung_bench_run" fund verify > "$out/verify-pg.out" 2>&1 || { cat "$out/verify-pg.out" >&2; exit 1; }
    fi
done
admin "DROP DATABASE IF EXISTS lumbung_bench_run WITH (FORCE)"

# (f) the report as of today from each backend, interleaved
for run in $(seq 1 "$RUNS"); do
    wait_idle; say "run $run: fund report, SQLite"
    timed_in "$out" "report-sqlite.$run" "$bin" --db "$base" fund report --as-of "$TODAY" --format json
    wait_idle; say "run $run: fund report, PostgreSQL"
    timed_in "$out" "report-pg.$run" "$bin" --db "$server/lumbung_bench_base" fund report --as-of "$TODAY" --format json
done

# (g) the table
python3 - "$out" "$RUNS" "$DIR/summary.json" "$POSTINGS" $CLIENTS <<'EOF'
import json, os, sys
from gnu_time import backends_table, measure
out, runs, summary, postings = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3])), int(sys.argv[4])
clients = [int(c) for c in sys.argv[5:]]
def run(name):
    return dict(measure(f"{out}/{name}.time"), out=open(f"{out}/{name}.out").read())
print(f"{summary['upks']:,} UPKs, {summary['loans']:,} loans, {summary['repayments']:,} repayments; "
      f"{postings:,} postings; {os.cpu_count()} CPUs; PostgreSQL {open(f'{out}/server.txt').read().strip()} (version, fsync, synchronous_commit)")
print()
c = run("copy")
print(f"`lumbung copy` of the city to PostgreSQL: {c['wall']:.1f} s, {c['rss']:.0f} MB peak\n")
print("| durable posting (batches of 1,000) | clients | wall (s) | repayments/s | PostgreSQL ÷ SQLite | cores busy | CPU µs a repayment |")
print("|---|---:|---:|---:|---:|---:|---:|")
ok = True
single = None
cost = {}
for n in clients:
    rates = {}
    for backend in ("sqlite", "pg"):
        wall = float(open(f"{out}/post-{backend}-{n}.wall").read())
        cpu = float(open(f"{out}/post-{backend}-{n}.cpu").read())
        posted = int(open(f"{out}/post-{backend}-{n}.posted").read())
        ok &= posted == postings
        rates[backend] = postings / wall
        cost[(backend, n)] = cpu * 1e6 / postings
        name = "SQLite file" if backend == "sqlite" else "PostgreSQL"
        ratio = f"{rates['pg'] / rates['sqlite']:.2f}×" if backend == "pg" else "–"
        print(f"| {name} | {n} | {wall:.1f} | {rates[backend]:,.0f} | {ratio} | {cpu / wall:.2f} | {cost[(backend, n)]:,.0f} |")
    if n == 1:
        single = rates["sqlite"]
print()
print("CPU: the whole machine's busy time while the clients post (clients, server, all), per repayment posted.")
if single:
    least = min(c for (b, _), c in cost.items() if b == "pg")
    print(f"3× SQLite's single writer is {3 * single:,.0f} repayments/s; at PostgreSQL's least CPU a repayment "
          f"here ({least:,.0f} µs) that is {3 * single * least / 1e6:.1f} cores kept busy, on a machine of {os.cpu_count()}.")
print()
last = clients[-1]
pg_last = postings / float(open(f"{out}/post-pg-{last}.wall").read())
if single:
    goal = pg_last >= 3 * single
    print(f"goal (PostgreSQL with {last} clients ≥ 3× SQLite's single-writer rate): {'met' if goal else 'MISSED'} "
          f"({pg_last:,.0f}/s against {single:,.0f}/s: {pg_last / single:.2f}×)")
print(f"every posting posted once on both: {'yes' if ok else 'NO'}; journal after {last} clients: "
      f"SQLite {open(f'{out}/verify-sqlite.out').read().strip()!r}, PostgreSQL {open(f'{out}/verify-pg.out').read().strip()!r}\n")
ok &= backends_table(out, runs, "fund report as of today")
sys.exit(0 if ok else 1)
EOF
