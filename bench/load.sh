#!/usr/bin/env bash
# Load: CLIENTS (200) concurrent clients on the dashboards of a running
# Lumbung — the spend analysis, the fund's oversight report, the cycle's
# progress and the public pages — measured with wrk (p50/p90/p99/max over
# every request), first on a quiet server ("quiet"), then while a
# background loop keeps posting spend imports through the API ("imports").
# Goal of the issue: p99 < 50 ms on this 2-core machine, imports or not.
#
# Every measurement starts a fresh `lumbung demo` (release build; its
# database in a temporary directory), signs in its users through
# `POST /api/v1/session`, checks that every page answers 200 to its user,
# then runs `wrk -t THREADS -c CLIENTS --latency -s bench/load.lua`: each
# connection asks for the pages of its step in turn, back to back (or
# after a think time). Steps: "mix" (every page below), then one step per
# dashboard group. Every answer that is not 2xx, and every socket error or
# timeout, fails the script (after the table is printed). Before each
# measurement it waits (at most IDLE_WAIT s) for idle CPUs; during it, it
# counts the CPU time of the server, of wrk and of everything else (other
# developers' builds), so that a noisy run shows as one.
#
#   group   user            page
#   spend   analyst         /spend                        (global analyst)
#   fund    auditor         /fund                         (the whole city's fund)
#   cycle   korkot.serang   /community/cycle              (the kabupaten's coordinator)
#   public  anonymous       /fund/health, /community/progress,
#                           /community/mapping/3604240003, /election/results
#
# The import loop signs in as `analyst` and posts files of IMPORT_ROWS
# payments (cut from a ledger of shared/bench/gen_spend.py, so that no
# payment is held already) to `POST /api/v1/spend/imports`, one after the
# other, for as long as wrk runs; it counts the imports finished within
# the window. With IMPORT_UNDO=1 (the default) each import is undone
# (`POST /spend/imports/{id}/undo`) as soon as it is done and the same
# file posted again, so that the dashboards keep the demo's data (722
# payments; 5,722 between an import and its undo) and its suppliers (plus
# the file's, once): what is measured is the imports' work beside the
# dashboards, not a ledger growing by 5,000 payments and ~800 new suppliers
# a file. IMPORT_UNDO=0 keeps every import and posts a new file each time.
#
# Usage: bench/load.sh
# Environment:
#   RUNS=3                       runs of every step and scenario (interleaved); medians
#   DURATION=30                  seconds of the "mix" step
#   GROUP_DURATION=10            seconds of each group's step
#   STEPS="mix spend fund cycle public"   which steps to run
#   SCENARIOS="quiet imports"    without and with the import loop
#   CLIENTS=200 THREADS=2        wrk's connections and threads
#   THINK_MS=0                   each client's pause between its requests (0: none;
#                                otherwise uniform in 0..2×THINK_MS, mean THINK_MS)
#   IMPORT_ROWS=5000             payments per imported file
#   IMPORT_FILES=300             distinct files generated (once) for the loop
#   IMPORT_UNDO=1                undo each import once it is done (0: keep them)
#   LUMBUNG_BENCH_DIR=~/.cache/lumbung-bench   files and results go to its load/
#   IDLE_WAIT=30                 seconds to wait at most for a quiet machine before each run
#   CARGO_TARGET_DIR             as cargo uses it
#   BACKEND=sqlite               or postgres: the demo is built once on a file,
#                                copied (`lumbung copy`) to a database of the
#                                server LUMBUNG_BENCH_PG names (else a throw-away
#                                durable cluster, see bench/lib.sh), and each
#                                measurement serves a fresh copy of it with
#                                SERVERS `lumbung serve` processes behind haproxy
#                                (round robin, installed if missing; one server
#                                goes behind it too, so that 1 and 2 compare alike)
#   SERVERS=1                    app servers on PostgreSQL (1 or more)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-30}"
GROUP_DURATION="${GROUP_DURATION:-10}"
STEPS="${STEPS:-mix spend fund cycle public}"
SCENARIOS="${SCENARIOS:-quiet imports}"
CLIENTS="${CLIENTS:-200}"
THREADS="${THREADS:-2}"
THINK_MS="${THINK_MS:-0}"
IMPORT_ROWS="${IMPORT_ROWS:-5000}"
IMPORT_FILES="${IMPORT_FILES:-300}"
IMPORT_UNDO="${IMPORT_UNDO:-1}"
IDLE_WAIT="${IDLE_WAIT:-30}"
BACKEND="${BACKEND:-sqlite}"
SERVERS="${SERVERS:-1}"
PASSWORD=lumbung-demo-2026
. "$repo/bench/lib.sh"
DIR="$BENCH_DIR/load"
out="$DIR/results-think-$THINK_MS"
[ "$BACKEND" = sqlite ] || out="$DIR/results-$BACKEND-$SERVERS-think-$THINK_MS"

# The pages: group, user (- for anonymous), path.
PAGES="spend analyst /spend
fund auditor /fund
cycle korkot.serang /community/cycle
public - /fund/health
public - /community/progress
public - /community/mapping/3604240003
public - /election/results"

fail() { say "load.sh: $*"; exit 1; }

# (a) what the benchmark needs: wrk, the release binary, the import files
if ! command -v wrk > /dev/null; then
    say "installing wrk"
    (apt-get update -qq && apt-get install -y -qq wrk) >&2
fi
need_gnu_time
build_lumbung
files="$DIR/imports-$IMPORT_ROWS"
if [ ! -e "$files/complete" ] || [ ! -s "$(printf '%s/%04d.csv' "$files" "$IMPORT_FILES")" ]; then
    say "generating $IMPORT_FILES files of $IMPORT_ROWS payments into $files"
    need_python numpy polars
    rm -rf "$files"; mkdir -p "$files"
    python3 "$SHARED_BENCH/gen_spend.py" $((IMPORT_ROWS * IMPORT_FILES)) "$files/ledger.csv" --seed 11 > /dev/null
    awk -v n="$IMPORT_ROWS" -v dir="$files" '
        NR == 1 { header = $0; next }
        (NR - 2) % n == 0 { if (f) close(f); f = sprintf("%s/%04d.csv", dir, (NR - 2) / n + 1); print header > f }
        { print > f }' "$files/ledger.csv"
    rm -f "$files"/ledger.csv*
    touch "$files/complete"
fi
mkdir -p "$out"
rm -f "$out"/*

tmp="$(mktemp -d)"
demo_pid="" import_pid=""
server_pids=() proxy_pid=""
cleanup() {
    if [ -n "$import_pid" ]; then touch "$tmp/stop"; wait "$import_pid" || true; fi
    if [ -n "$demo_pid" ]; then kill "$demo_pid" 2> /dev/null || true; wait "$demo_pid" 2> /dev/null || true; fi
    stop_servers
    [ "$BACKEND" = sqlite ] || stop_pg
    rm -rf "$tmp"
}
trap cleanup EXIT

# (b) a fresh demo on a free port; sets `base`
start_demo() {
    rm -f "$tmp"/demo.db*
    : > "$tmp/demo.out"
    "$bin" demo --db "$tmp/demo.db" --addr 127.0.0.1:0 > "$tmp/demo.out" 2> "$tmp/demo.err" &
    demo_pid=$!
    local i addr
    for i in $(seq 1 300); do
        addr="$(sed -n 's#^Lumbung is serving http://\([^/]*\)/.*#\1#p' "$tmp/demo.out")"
        if [ -n "$addr" ] && curl -sf "http://$addr/health" > /dev/null; then
            base="http://$addr"
            return 0
        fi
        kill -0 "$demo_pid" 2> /dev/null || { cat "$tmp/demo.err" >&2; fail "the demo stopped"; }
        sleep 0.1
    done
    fail "the demo did not answer /health within 30 s"
}

stop_demo() {
    kill "$demo_pid"; wait "$demo_pid" || true
    demo_pid=""
}

# On PostgreSQL: a fresh copy of the demo's database, SERVERS servers of it
# and haproxy in front; sets `base` (haproxy) and `demo_pid` (the first
# server). The table's server CPU is every server's; PostgreSQL's own and
# haproxy's count among the others'.
start_servers() {
    admin "DROP DATABASE IF EXISTS lumbung_load_run WITH (FORCE)"
    admin "CREATE DATABASE lumbung_load_run TEMPLATE lumbung_load_base"
    local n addr i backends="" port
    for n in $(seq 1 "$SERVERS"); do
        "$bin" --db "$server/lumbung_load_run" serve --addr 127.0.0.1:0 > "$tmp/serve-$n.out" 2> "$tmp/serve-$n.err" &
        server_pids+=($!)
        addr=""
        for i in $(seq 1 300); do
            addr="$(sed -n 's#^Lumbung is serving http://\([^/]*\)/.*#\1#p' "$tmp/serve-$n.out")"
            [ -n "$addr" ] && curl -sf "http://$addr/health" > /dev/null && break
            addr=""
            sleep 0.1
        done
        [ -n "$addr" ] || { cat "$tmp/serve-$n.err" >&2; fail "server $n did not answer /health"; }
        backends+="    server s$n $addr maxconn 1000"$'\n'
    done
    port="$(free_port)"
    cat > "$tmp/haproxy.cfg" <<CFG
global
    maxconn 4000
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend lumbung
    bind 127.0.0.1:$port
    default_backend servers
backend servers
    balance roundrobin
$backends
CFG
    haproxy -f "$tmp/haproxy.cfg" -db > "$tmp/haproxy.log" 2>&1 &
    proxy_pid=$!
    for i in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
        sleep 0.1
    done
    base="http://127.0.0.1:$port"
    demo_pid="${server_pids[0]}"
}

stop_servers() {
    local p
    for p in ${proxy_pid:+"$proxy_pid"} ${server_pids[@]+"${server_pids[@]}"}; do
        kill "$p" 2> /dev/null || true; wait "$p" 2> /dev/null || true
    done
    server_pids=() proxy_pid="" demo_pid=""
}

# CPU ticks of every app server (on SQLite: the demo).
servers_ticks() {
    local p sum=0
    for p in ${server_pids[@]+"${server_pids[@]}"}; do sum=$((sum + $(process_ticks "$p"))); done
    [ "$BACKEND" = sqlite ] && sum="$(process_ticks "$demo_pid")"
    echo "$sum"
}

if [ "$BACKEND" != sqlite ]; then
    command -v haproxy > /dev/null || (apt-get update -qq && apt-get install -y -qq haproxy) >&2
    start_pg
    say "building the demo and copying it to PostgreSQL"
    start_demo
    stop_demo
    admin "DROP DATABASE IF EXISTS lumbung_load_base WITH (FORCE)"
    admin "CREATE DATABASE lumbung_load_base"
    "$bin" copy --from "$tmp/demo.db" --to "$server/lumbung_load_base" > "$tmp/copy.out"
fi

# A session token of USER (the same token is the session cookie's value).
sign_in() {
    curl -sf -X POST -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" "$base/api/v1/session" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])' ||
        fail "signing in as $1 failed"
}

# Writes STEP's pages as wrk's targets ("PATH<TAB>COOKIE"), signing in
# their users, and checks that each page answers 200 to its user.
targets() { # STEP FILE
    local group user path cookie status who
    declare -A token=()
    : > "$2"
    while read -r group user path; do
        [ "$1" = mix ] || [ "$1" = "$group" ] || [ "$1" = "$path" ] || continue
        cookie=""
        if [ "$user" != - ]; then
            [ -n "${token[$user]:-}" ] || token[$user]="$(sign_in "$user")"
            [ -n "${token[$user]}" ] || fail "no session for $user"
            cookie="lumbung_session=${token[$user]}"
        fi
        status="$(curl -s -o "$tmp/page.html" -w '%{http_code}' ${cookie:+-H "Cookie: $cookie"} "$base$path")"
        who="$user"; [ "$user" != - ] || who=anonymous
        [ "$status" = 200 ] || { head -c 500 "$tmp/page.html" >&2; fail "$path answers $status to $who"; }
        printf '%s\t%s\n' "$path" "$cookie" >> "$2"
    done <<< "$PAGES"
    [ -s "$2" ] || fail "no pages in step $1"
}

# (c) the import loop: the next file until told to stop; a line per import:
# its end (s since the epoch), HTTP status, seconds, answer
import_loop() { # TOKEN LOG
    local k=0 f answer id undone
    [ -n "$1" ] || fail "no session for the imports"
    while [ ! -e "$tmp/stop" ]; do
        k=$((k + 1))
        f="$(printf '%s/%04d.csv' "$files" "$([ "$IMPORT_UNDO" = 1 ] && echo 1 || echo "$k")")"
        if [ ! -s "$f" ]; then
            say "  the import loop ran out of files after $((k - 1)) (IMPORT_FILES=$IMPORT_FILES)"
            break
        fi
        answer="$(curl -s -o "$tmp/import.json" -w '%{http_code} %{time_total}' \
            -H "Authorization: Bearer $1" --data-binary @"$f" \
            "$base/api/v1/spend/imports?file_name=load-$k.csv&anchor=Load%20Bench")" || true
        printf '%s %s %s\n' "$(date +%s.%N)" "$answer" "$(head -c 400 "$tmp/import.json")" >> "$2"
        id="$(sed -n 's/.*"import_id":\([0-9]*\),"already_imported":false.*/\1/p' "$tmp/import.json")"
        if [ "$IMPORT_UNDO" = 1 ] && [ -n "$id" ]; then
            undone="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
                "$base/spend/imports/$id/undo")" || true
            [ "$undone" = 303 ] || printf '%s undo %s of import %s\n' "$(date +%s.%N)" "$undone" "$id" >> "$2"
        fi
    done
}

# CPU ticks since boot: all, idle; and of process $1 (its threads included).
cpu_ticks() { awk 'NR == 1 { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6 }' /proc/stat; }
process_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# (d) one measurement: SCENARIO STEP RUN SECONDS. Besides wrk's figures it
# keeps the CPU the machine spent in the window: in all, by the server, by
# wrk; the rest is everyone else's (the import loop's curl among them).
measure() {
    local scenario=$1 step=$2 run=$3 seconds=$4 name="$1.${2//\//_}.$3" before server_cpu
    wait_idle
    if [ "$BACKEND" = sqlite ]; then start_demo; else start_servers; fi
    targets "$step" "$tmp/targets"
    if [ "$scenario" = imports ]; then
        rm -f "$tmp/stop"; : > "$out/$name.imports"
        import_loop "$(sign_in analyst)" "$out/$name.imports" &
        import_pid=$!
    fi
    cut -d' ' -f1 /proc/loadavg > "$out/$name.load"
    say "run $run: $step, $scenario ($seconds s, $CLIENTS clients)"
    before="$(cpu_ticks)"; server_cpu="$(servers_ticks)"
    /usr/bin/time -f '%U %S' -o "$out/$name.wrkcpu" \
        wrk -t "$THREADS" -c "$CLIENTS" -d "${seconds}s" --timeout 30s --latency \
        -s "$repo/bench/load.lua" "$base" -- "$tmp/targets" "$THINK_MS" > "$out/$name.wrk"
    date +%s.%N > "$out/$name.end"
    echo "$before $(cpu_ticks) $server_cpu $(servers_ticks) $(getconf CLK_TCK)" > "$out/$name.cpu"
    if [ -n "$import_pid" ]; then
        touch "$tmp/stop"; wait "$import_pid"; import_pid=""
    fi
    if [ "$BACKEND" = sqlite ]; then stop_demo; else stop_servers; fi
    tail -1 "$out/$name.wrk" > "$out/$name.json"
}

{
    printf 'commit %s%s\n' "$(git -C "$repo" rev-parse --short HEAD)" \
        "$([ -z "$(git -C "$repo" status --porcelain)" ] || echo ' (with uncommitted changes)')"
    printf 'nproc %s\n' "$(nproc)"
    printf 'backend %s\n' "$BACKEND$([ "$BACKEND" = sqlite ] || echo ", $SERVERS server(s) behind haproxy")"
    printf 'wrk %s\n' "$(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
    printf 'date %s\n' "$(date -u +%FT%TZ)"
} > "$out/machine"
for run in $(seq 1 "$RUNS"); do
    for step in $STEPS; do
        seconds="$GROUP_DURATION"; [ "$step" = mix ] && seconds="$DURATION"
        for scenario in $SCENARIOS; do
            measure "$scenario" "$step" "$run" "$seconds"
        done
    done
done

# (e) the table: medians over the runs; every answer not 2xx fails
python3 - "$out" "$CLIENTS" "$THINK_MS" "$IMPORT_ROWS" "$IMPORT_UNDO" <<'EOF'
import glob, json, os, statistics, sys
out, clients, think, rows, undo = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
facts = dict(line.rstrip("\n").split(" ", 1) for line in open(f"{out}/machine"))
loads = [float(open(p).read()) for p in glob.glob(f"{out}/*.load")]
print(f"commit {facts['commit']}, {facts['backend']}, nproc {facts['nproc']}, wrk {facts['wrk']}, {facts['date']}; "
      f"{clients} clients, think time {think} ms; imports of {rows} payments"
      f"{', each undone once done' if undo == '1' else ', kept'}; "
      f"1-minute load average before the runs {min(loads):.2f}–{max(loads):.2f} (it includes the "
      f"previous run's own load)\n")
print("CPU: the share of both cores' time in the window spent by the server, and by every process "
      "but the server and wrk (others' builds, the import loop's curl)\n")
print("| step | scenario | runs | 2xx answers/s | p50 (ms) | p90 (ms) | p99 (ms) | p99 of the runs (ms) "
      "| max (ms) | not 2xx | imports done | CPU: server / others | p99 < 50 ms |")
print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|")
order = ["mix", "spend", "fund", "cycle", "public"]
names = sorted({tuple(os.path.basename(p).split(".")[:2]) for p in glob.glob(f"{out}/*.json")},
               key=lambda n: (order.index(n[1]) if n[1] in order else 99, n[0] != "quiet"))
failed = []
for scenario, step in names:
    runs = []
    for p in sorted(glob.glob(f"{out}/{scenario}.{step}.*.json")):
        r = json.load(open(p))
        r["rps"] = (r["requests"] - r["non_2xx"]) / r["seconds"]
        imports = p[:-len(".json")] + ".imports"
        if os.path.exists(imports):
            end = float(open(p[:-len(".json")] + ".end").read())
            lines = [l.rstrip("\n").split(" ", 3) for l in open(imports)]
            done = [l for l in lines if float(l[0]) <= end and l[1] == "200"
                    and '"already_imported":false' in l[3]]
            r["imports"] = len(done)
            r["import_s"] = statistics.median(float(l[2]) for l in done) if done else float("nan")
            failed += [f"{p}: import answered {l[1]}: {l[2]} {l[3][:200]}" for l in lines if l[1] != "200"]
        t0, i0, t1, i1, s0, s1, hz = map(float, open(p[:-len(".json")] + ".cpu").read().split())
        wrk = sum(map(float, open(p[:-len(".json")] + ".wrkcpu").read().split()[-2:])) * hz
        r["server"] = (s1 - s0) / (t1 - t0)
        r["others"] = max(0.0, ((t1 - t0) - (i1 - i0) - (s1 - s0) - wrk) / (t1 - t0))
        errors = sum(r["errors"].values())
        if r["non_2xx"] or errors:
            failed.append(f"{os.path.basename(p)}: {r['non_2xx']} not 2xx {r['statuses']}, "
                          f"socket errors {r['errors']}")
        runs.append(r)
    med = lambda k: statistics.median(r[k] for r in runs)
    ms = lambda k: med(k) / 1000
    imports = f"{med('imports'):.0f} ({med('import_s'):.2f} s each)" if "imports" in runs[0] else "–"
    each = ", ".join(f"{r['p99_us'] / 1000:.0f}" for r in runs)
    print(f"| {step} | {scenario} | {len(runs)} | {med('rps'):,.0f} | {ms('p50_us'):.1f} | {ms('p90_us'):.1f} "
          f"| {ms('p99_us'):.1f} | {each} | {ms('max_us'):.0f} "
          f"| {sum(r['non_2xx'] for r in runs)} | {imports} | {med('server'):.0%} / {med('others'):.0%} "
          f"| {'yes' if ms('p99_us') < 50 else 'no'} |")
if failed:
    print("\nFAILED: answers that are not 2xx, or socket errors:", *failed, sep="\n  ", file=sys.stderr)
    if any("'503'" in f for f in failed):
        print("(503: a gate of the server turned requests away, its queue full or its wait over;"
              " see crates/web/src/gate.rs and AppState in crates/web/src/lib.rs)", file=sys.stderr)
    sys.exit(1)
EOF
