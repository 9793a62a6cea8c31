#!/usr/bin/env bash
# The spend report from the store on both backends, same data, same run:
# the generated ledger (bench/spend.sh's) imported into a SQLite file,
# copied to a PostgreSQL server (`lumbung copy`, timed), then
# `lumbung spend report --format json` from each, interleaved. The stored
# payments are the same columnar blobs on both (BLOB / bytea); what differs
# is how they and the dimensions come over: read in the process from the
# file, or over the protocol from the server.
#
# Usage: bench/spend-pg.sh
# Environment:
#   RUNS=3                      report runs per backend (interleaved); medians
#   ROWS=10000000               rows of the generated ledger
#   LUMBUNG_BENCH_PG=postgres://…/postgres   a server to use (see bench/lib.sh
#                               `start_pg`); unset: a throw-away cluster
#   LUMBUNG_BENCH_DIR=~/.cache/lumbung-bench   the ledger and results go there
#   IDLE_WAIT=120               seconds to wait at most for a quiet machine
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROWS="${ROWS:-10000000}"
. "$repo/bench/lib.sh"
DIR="$BENCH_DIR"
out="$DIR/results-spend-pg-$ROWS"
mkdir -p "$out"
rm -f "$out"/*

need_gnu_time
ledger="$(spend_ledger "$DIR" "$ROWS")"
build_lumbung
start_pg
trap stop_pg EXIT
psql -X -At "$LUMBUNG_BENCH_PG" -c "SHOW server_version" > "$out/server.txt"

base="$DIR/spend-pg-$ROWS.db"
say "importing $ROWS rows into SQLite"
spend_db "$bin" "$base" "$ledger"
"$bin" --db "$base" spend import "$ledger" > /dev/null
admin "DROP DATABASE IF EXISTS lumbung_spend_bench WITH (FORCE)"
admin "CREATE DATABASE lumbung_spend_bench"
target="$server/lumbung_spend_bench"
wait_idle; say "copying to PostgreSQL: lumbung copy"
timed_in "$out" copy "$bin" copy --from "$base" --to "$target"

for run in $(seq 1 "$RUNS"); do
    wait_idle; say "run $run: spend report, SQLite"
    timed_in "$out" "report-sqlite.$run" "$bin" --db "$base" spend report --format json
    wait_idle; say "run $run: spend report, PostgreSQL"
    timed_in "$out" "report-pg.$run" "$bin" --db "$target" spend report --format json
done
admin "DROP DATABASE lumbung_spend_bench WITH (FORCE)"

python3 - "$out" "$RUNS" "$ROWS" <<'EOF'
import os, sys
from gnu_time import backends_table, measure
out, runs, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print(f"{rows:,} payments; {os.cpu_count()} CPUs; PostgreSQL {open(f'{out}/server.txt').read().strip()}\n")
c = measure(f"{out}/copy.time")
print(f"`lumbung copy` of the file to PostgreSQL: {c['wall']:.1f} s, {c['rss']:.0f} MB peak\n")
same = backends_table(out, runs, "spend report from the store")
sys.exit(0 if same else 1)
EOF
