#!/usr/bin/env bash
# The procurement benchmark: public contracts in OCDS 1.1, one release a
# line (bench/ocds-gen.py: ~1 KB a release, ~2.2 releases a process, ~50
# buyers, ~20,000 suppliers across the UK). Lumbung imports them
# (`procurement import-ocds`, into a fresh copy of a database holding the
# areas, the postcode map and the local area and region) and reports on
# them (`procurement report --format json`); beside it, in the same run,
# DuckDB reads the same file into a table (`read_json`, the peer of the
# import) and computes the same figures from it in SQL
# (bench/ocds_peer_duckdb.py). Each is run as a whole process under
# /usr/bin/time -v, runs interleaved; the figures must be equal (every one,
# in all and per buyer), else the script says which and fails. Prints a
# markdown table of medians, peak memory and ratios.
#
# Usage: bench/ocds.sh                  (1,000,000 releases, 3 runs each)
#        RELEASES=20000 RUNS=1 bench/ocds.sh      (a quick check)
# Environment:
#   RELEASES=1000000             how many releases (generated once into $LUMBUNG_BENCH_DIR/ocds-$RELEASES/)
#   SEED=1                       the generator's seed (used when generating)
#   RUNS=3                       runs per tool and phase (interleaved); medians
#   LUMBUNG_BENCH_DIR=~/.cache/lumbung-bench   where data and databases go
#   AREAS_DIR=<repo>/../shared/data/uk-lancashire   areas.csv and postcodes.csv (the UK's postcode
#                                districts, Lancashire's districts in the tree)
#   LOCAL=E07000123 REGION=E10000017   the local area (Preston) and region (Lancashire)
#   IDLE_WAIT=120                seconds to wait at most for a quiet machine before each run
#   KEEP=0                       1: keep the last run's databases (import.db, peer.duckdb)
#   CARGO_TARGET_DIR             as cargo uses it
#
# Disk, for 1,000,000 releases: the file ~1.1 GB; Lumbung's database after
# the import ~3 GB (its WAL as much again while importing); DuckDB's
# database well under 1 GB. One of each at a time.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RELEASES="${RELEASES:-1000000}"
SEED="${SEED:-1}"
AREAS_DIR="${AREAS_DIR:-$repo/../shared/data/uk-lancashire}"
LOCAL="${LOCAL:-E07000123}"
REGION="${REGION:-E10000017}"
KEEP="${KEEP:-0}"
. "$repo/bench/lib.sh"
DIR="$BENCH_DIR/ocds-$RELEASES"

# (a) what the benchmark needs
need_gnu_time
need_python duckdb
for f in areas.csv postcodes.csv; do
    [ -f "$AREAS_DIR/$f" ] || { say "no $AREAS_DIR/$f (set AREAS_DIR)"; exit 1; }
done

# (b) the releases, generated once
mkdir -p "$DIR"
if [ ! -s "$DIR/summary.json" ]; then
    say "generating $RELEASES releases into $DIR"
    python3 "$repo/bench/ocds-gen.py" "$DIR" --releases "$RELEASES" --seed "$SEED" >&2
fi
releases="$DIR/releases.jsonl"

# (c) Lumbung, release; a database with the areas, the postcode map and the
# local area and region (copied fresh for each import); and the same
# placement for DuckDB: each prefix of the map, local, regional or outside
# by the same area tree
build_lumbung
base="$DIR/base.db"
rm -f "$base" "$base-wal" "$base-shm"
"$bin" --db "$base" areas import "$AREAS_DIR/areas.csv" > /dev/null
"$bin" --db "$base" areas map-postcodes "$AREAS_DIR/postcodes.csv" > /dev/null
"$bin" --db "$base" spend settings --local "$LOCAL" --region "$REGION" > /dev/null
places="$DIR/places.csv"
python3 - "$AREAS_DIR/areas.csv" "$AREAS_DIR/postcodes.csv" "$LOCAL" "$REGION" > "$places" <<'EOF'
import csv, sys
areas, postcodes, local, region = sys.argv[1:5]
parent = {r["code"].strip(): r["parent_code"].strip() for r in csv.DictReader(open(areas, encoding="utf-8-sig"))}
def within(code, root):
    seen = set()
    while code and code not in seen:
        if code == root:
            return True
        seen.add(code)
        code = parent.get(code, "")
    return False
print("prefix,place")
for r in csv.DictReader(open(postcodes, encoding="utf-8-sig")):
    prefix, area = "".join(r["prefix"].split()).upper(), r["area_code"].strip()
    print(f"{prefix},{'local' if within(area, local) else 'regional' if within(area, region) else 'outside'}")
EOF

# (d) the runs, interleaved so that load from elsewhere spreads evenly:
# Lumbung's import into a fresh copy of the database, DuckDB's read into a
# fresh database file, then each one's report from its own database
out="$DIR/results"
mkdir -p "$out"
rm -f "$out"/*.time "$out"/*.out "$out"/*.load "$out"/*.size
db="$DIR/import.db"
peer_db="$DIR/peer.duckdb"
peer=(python3 "$repo/bench/ocds_peer_duckdb.py" "$releases" "$places" --db "$peer_db")
timed() { timed_in "$out" "$@"; }
for run in $(seq 1 "$RUNS"); do
    rm -f "$db" "$db-wal" "$db-shm"
    cp "$base" "$db"
    [ -f "$base-wal" ] && cp "$base-wal" "$db-wal"
    wait_idle; say "run $run: lumbung procurement import-ocds"
    timed "import-lumbung.$run" "$bin" --db "$db" procurement import-ocds "$releases"
    du -k "$db" | cut -f1 > "$out/import-lumbung.$run.size"
    wait_idle; say "run $run: duckdb read_json"
    timed "read-duckdb.$run" "${peer[@]}" --phase read
    du -k "$peer_db" | cut -f1 > "$out/read-duckdb.$run.size"
    wait_idle; say "run $run: lumbung procurement report"
    timed "report-lumbung.$run" "$bin" --db "$db" procurement report --format json
    wait_idle; say "run $run: duckdb, the same figures"
    timed "report-duckdb.$run" "${peer[@]}" --phase report
done
if [ "$KEEP" != 1 ]; then
    rm -f "$db" "$db-wal" "$db-shm" "$peer_db" "$peer_db.wal"
fi

# (e) + (f): check the figures, print the table
python3 - "$out" "$RUNS" "$DIR/summary.json" <<'EOF'
import json, os, statistics, sys
from gnu_time import measure
out, runs, summary = sys.argv[1], int(sys.argv[2]), json.load(open(sys.argv[3]))

def run(name):
    r = dict(measure(f"{out}/{name}.time"), load=float(open(f"{out}/{name}.load").read()),
             out=open(f"{out}/{name}.out").read())
    if os.path.exists(f"{out}/{name}.size"):
        r["size"] = int(open(f"{out}/{name}.size").read()) / 1024
    return r

phases = {p: [run(f"{p}.{i}") for i in range(1, runs + 1)]
          for p in ("import-lumbung", "read-duckdb", "report-lumbung", "report-duckdb")}

# The figures: every run of each tool the same; Lumbung's equal DuckDB's.
ok = True
def diff(a, b, path=""):
    """The paths where a and b differ, with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            yield from diff(a.get(k), b.get(k), f"{path}/{k}")
    elif isinstance(a, list) and isinstance(b, list) and all(isinstance(x, dict) and "buyer" in x for x in a + b):
        da, db = {x["buyer"]: x for x in a}, {x["buyer"]: x for x in b}
        for k in sorted(set(da) | set(db)):
            yield from diff(da.get(k), db.get(k), f"{path}[{k}]")
        if [x["buyer"] for x in a] != [x["buyer"] for x in b] and set(da) == set(db):
            yield (f"{path} (order)", [x["buyer"] for x in a], [x["buyer"] for x in b])
    elif a != b:
        yield (path, a, b)

stored = [r["out"].split(" stored")[0].split()[-1] for r in phases["import-lumbung"]]
if any(s != str(summary["releases"]) for s in stored):
    ok = False
    print(f"import: Lumbung stored {stored} releases, the file has {summary['releases']}", file=sys.stderr)
reads = [json.loads(r["out"])["rows"] for r in phases["read-duckdb"]]
if any(n != summary["releases"] for n in reads):
    ok = False
    print(f"read: DuckDB read {reads} rows, the file has {summary['releases']}", file=sys.stderr)
lb = [json.loads(r["out"]) for r in phases["report-lumbung"]]
dk = [json.loads(r["out"])["figures"] for r in phases["report-duckdb"]]
for name, rs in (("Lumbung", lb), ("DuckDB", dk)):
    if any(r != rs[0] for r in rs[1:]):
        ok = False
        print(f"{name}'s figures differ between runs", file=sys.stderr)
differences = list(diff(lb[0], dk[0]))
for path, l, d in differences[:40]:
    print(f"DIFFERENT {path}: Lumbung {json.dumps(l)}  DuckDB {json.dumps(d)}", file=sys.stderr)
if len(differences) > 40:
    print(f"... and {len(differences) - 40} more differences", file=sys.stderr)
ok &= not differences

names = {
    "import-lumbung": ("import", "Lumbung `procurement import-ocds` (into a fresh database)"),
    "read-duckdb": ("import", "DuckDB `read_json` into a table (a fresh database file)"),
    "report-lumbung": ("report", "Lumbung `procurement report --format json`"),
    "report-duckdb": ("report", "DuckDB, the same figures in SQL from its table"),
}
med = {p: statistics.median(r["wall"] for r in rs) for p, rs in phases.items()}
peer_of = {"import-lumbung": "read-duckdb", "read-duckdb": "read-duckdb",
           "report-lumbung": "report-duckdb", "report-duckdb": "report-duckdb"}
n = summary["releases"]
print(f"{n:,} releases ({summary['bytes'] / 1e6:,.0f} MB, {summary['processes']:,} processes, "
      f"{summary['awards']:,} awards, {summary['suppliers_awarded']:,} suppliers awarded); {os.cpu_count()} CPUs")
print()
print("| phase | tool | median wall (s) | runs (s) | releases/s | CPU (s) | peak RSS (MB) | database (MB) | DuckDB ÷ Lumbung |")
print("|---|---|---:|---|---:|---:|---:|---:|---:|")
for p, rs in phases.items():
    phase, label = names[p]
    walls = ", ".join(f"{r['wall']:.2f}" for r in rs)
    cpu = statistics.median(r["cpu"] for r in rs)
    rss = max(r["rss"] for r in rs)
    size = f"{statistics.median(r['size'] for r in rs):,.0f}" if "size" in rs[0] else "–"
    ratio = f"{med[peer_of[p]] / med[p]:.2f}×" if p.endswith("lumbung") else "1.00×"
    print(f"| {phase} | {label} | {med[p]:.2f} | {walls} | {n / med[p]:,.0f} | {cpu:.2f} | {rss:,.0f} | {size} | {ratio} |")
inner = {p: statistics.median(json.loads(r["out"])[k] for r in phases[p])
         for p, k in (("read-duckdb", "read"), ("report-duckdb", "report"))}
print(f"\nDuckDB inside its process (without starting Python and loading duckdb): read {inner['read-duckdb']:.2f} s, "
      f"report {inner['report-duckdb']:.2f} s.")
print("Ratios are DuckDB's median wall time over Lumbung's (above 1 = Lumbung faster).")
loads = [r["load"] for rs in phases.values() for r in rs]
print(f"{runs} runs each (interleaved); 1-minute load average before the runs: {min(loads):.2f}–{max(loads):.2f}.")
f = lb[0]
print(f"Figures equal (processes {f['processes']:,}, open tenders {f['open_tenders']:,}, active awards {f['awards']:,}, "
      f"suppliers {f['suppliers']:,}, awarded {', '.join(f'{c} {v}' for c, v in f['awarded_value'].items())}; "
      f"{len(f['by_buyer'])} buyers): " + ("yes" if ok else "NO"))
sys.exit(0 if ok else 1)
EOF
