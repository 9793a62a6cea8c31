#!/usr/bin/env bash
# Before and after: two commits of Lumbung built in release and run
# alternately on the same data, so that a change's cost is measured against
# the same machine's noise. Every benchmark of BENCHMARKS.md at a size that
# fits a session: the spend report from a file and from the store, the
# store's import, the fund's import, report and postings (UPK after UPK and
# across the city), and the election recount. Each step also checks that
# both commits print the same output.
#
# Usage: bench/ab.sh BEFORE AFTER        (git revisions, e.g. ab1976e HEAD)
# Environment:
#   RUNS=3                        runs per step and commit (alternating); medians
#   ROWS=3000000                  spend ledger rows
#   UPKS=100 LOANS=100000 REPAYMENTS=2000000 POSTINGS=100000   fund sizes
#   BALLOTS=999999                election ballots (readers take at most 1,000,000 rows with the header)
#   STEPS="spend fund election"   which groups to run
#   LUMBUNG_BENCH_DIR=~/.cache/lumbung-bench   data goes to its ab/
#   SHARED_BENCH=../shared/bench  where gen_spend.py lives
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -eq 2 ] || { echo "usage: bench/ab.sh BEFORE AFTER" >&2; exit 2; }
ROWS="${ROWS:-3000000}"
UPKS="${UPKS:-100}" LOANS="${LOANS:-100000}" REPAYMENTS="${REPAYMENTS:-2000000}" POSTINGS="${POSTINGS:-100000}"
BALLOTS="${BALLOTS:-999999}"
STEPS="${STEPS:-spend fund election}"
TODAY="$(date +%F)"
. "$repo/bench/lib.sh"
DIR="$BENCH_DIR/ab"

need_gnu_time
mkdir -p "$DIR/bin" "$DIR/out"
rm -f "$DIR/out/"*

# (a) the two binaries, each built from a clean checkout of its commit
build() { # LABEL REV
    local label=$1 rev=$2 src="$DIR/src-$1"
    rm -rf "$src"; mkdir -p "$src"
    git -C "$repo" archive "$rev" | tar -x -C "$src"
    say "building $label ($rev, $(git -C "$repo" rev-parse --short "$rev"))"
    (cd "$src" && CARGO_TARGET_DIR="$HOME/.cache/lumbung-ab" cargo build --release -q --bin lumbung) >&2
    cp "$HOME/.cache/lumbung-ab/release/lumbung" "$DIR/bin/$label"
    rm -rf "$src"
}
build before "$1"
build after "$2"

timed() { timed_in "$DIR/out" "$@"; }

# (b) spend: a generated ledger with its areas and postcode map
if has spend; then
    ledger="$(spend_ledger "$DIR" "$ROWS")"
    for v in before after; do
        spend_db "$DIR/bin/$v" "$DIR/spend-$v.db" "$ledger"
    done
    for run in $(seq 1 "$RUNS"); do
        for v in before after; do
            say "run $run $v: spend"
            timed "spend-file.$v.$run" "$DIR/bin/$v" --db "$DIR/spend-$v.db" spend report --from-file "$ledger" --format json
            if [ "$run" = 1 ]; then
                timed "spend-import.$v.$run" "$DIR/bin/$v" --db "$DIR/spend-$v.db" spend import "$ledger"
            fi
            timed "spend-store.$v.$run" "$DIR/bin/$v" --db "$DIR/spend-$v.db" spend report --format json
        done
    done
fi

# (c) the fund: books generated once, imported by each commit into its own
# database; reports alternate; postings on a fresh copy per run
if has fund; then
    books="$DIR/fund-$LOANS"
    if [ ! -s "$books/summary.json" ]; then
        say "generating $LOANS loans"
        python3 "$repo/bench/fund-gen.py" "$books" --upks "$UPKS" --loans "$LOANS" \
            --repayments "$REPAYMENTS" --postings "$POSTINGS" >&2
    fi
    for v in before after; do
        db="$DIR/fund-$v.db"; rm -f "$db" "$db-wal" "$db-shm"
        say "$v: fund import"
        timed "fund-import.$v.1" "$DIR/bin/$v" --db "$db" fund import "$books/loans.csv" "$books/repayments.csv"
        "$DIR/bin/$v" --db "$db" fund verify > /dev/null
    done
    for run in $(seq 1 "$RUNS"); do
        for v in before after; do
            say "run $run $v: fund report and postings"
            timed "fund-report.$v.$run" "$DIR/bin/$v" --db "$DIR/fund-$v.db" fund report --as-of "$TODAY" --format json
            for kind in posting posting-city; do
                copy="$DIR/fund-copy.db"; rm -f "$copy" "$copy-wal" "$copy-shm"
                cp "$DIR/fund-$v.db" "$copy"
                timed "fund-$kind.$v.$run" "$DIR/bin/$v" --db "$copy" fund repay --file "$books/$kind.csv" --batch 1000
                rm -f "$copy" "$copy-wal" "$copy-shm"
            done
        done
    done
fi

# (d) the election recount
if has election; then
    prefix="$(election_files "$DIR" "$BALLOTS")"
    for run in $(seq 1 "$RUNS"); do
        for v in before after; do
            say "run $run $v: election recount"
            timed "recount.$v.$run" "$DIR/bin/$v" election recount "$prefix.ballots.csv" \
                --eligible $((BALLOTS * 2)) --seats 13 --groups "$prefix.groups.csv" \
                --residents "$prefix.residents.csv" --format json
        done
    done
fi

# (e) the table: medians, ratios, and whether the outputs are the same
python3 - "$DIR/out" "$RUNS" <<'EOF'
import glob, os, statistics, sys
from gnu_time import measure
out, runs = sys.argv[1], int(sys.argv[2])
def wall(path):
    return measure(path)["wall"]
def rss(path):
    return measure(path)["rss"]
steps = sorted({os.path.basename(p).split(".")[0] for p in glob.glob(f"{out}/*.time")},
               key=lambda s: ["spend-file", "spend-import", "spend-store", "fund-import", "fund-report",
                              "fund-posting", "fund-posting-city", "recount"].index(s))
print(f"{os.cpu_count()} CPUs; medians of the runs of each commit, run alternately\n")
print("| step | before (s) | after (s) | after ÷ before | peak RSS before / after (MB) | same output |")
print("|---|---:|---:|---:|---:|---|")
for s in steps:
    w = {v: [wall(p) for p in sorted(glob.glob(f"{out}/{s}.{v}.*.time"))] for v in ("before", "after")}
    m = {v: max(rss(p) for p in glob.glob(f"{out}/{s}.{v}.*.time")) for v in ("before", "after")}
    outs = {v: {open(p, "rb").read() for p in glob.glob(f"{out}/{s}.{v}.*.out")} for v in ("before", "after")}
    same = "yes" if outs["before"] == outs["after"] and len(outs["after"]) == 1 else "NO"
    b, a = statistics.median(w["before"]), statistics.median(w["after"])
    print(f"| {s} | {b:.2f} | {a:.2f} | {a / b:.2f}× | {m['before']:.0f} / {m['after']:.0f} | {same} |")
EOF
