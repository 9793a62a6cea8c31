# What every benchmark script shares; sourced after `set -euo pipefail` and
# `repo=…`. Python parts import gnu_time.py from here (PYTHONPATH).

export PYTHONPATH="$repo/bench${PYTHONPATH:+:$PYTHONPATH}"

# The settings every benchmark shares (each script's header says what they
# mean); a script that wants another default sets it before sourcing this.
RUNS="${RUNS:-3}"
BENCH_DIR="${LUMBUNG_BENCH_DIR:-$HOME/.cache/lumbung-bench}"
SHARED_BENCH="${SHARED_BENCH:-$repo/../shared/bench}"
IDLE_WAIT="${IDLE_WAIT:-120}"

say() { printf '%s\n' "$*" >&2; }

# Installs the Python packages named unless they all import already.
need_python() {
    if ! python3 -c "import $(IFS=,; printf '%s' "$*")" 2>/dev/null; then
        say "installing $*"
        python3 -m pip install -q "$@" >&2
    fi
}

# Whether STEPS names step $1.
has() { case " ${STEPS:-} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# GNU time, which measures wall time and peak memory of a whole process.
need_gnu_time() {
    if [ ! -x /usr/bin/time ]; then
        say "installing GNU time"
        (apt-get update -qq && apt-get install -y -qq time) >&2
    fi
}

# Builds Lumbung in release; sets `bin` to the binary.
build_lumbung() {
    say "building Lumbung (release)"
    (cd "$repo" && cargo build --release -q --bin lumbung) >&2
    bin="${CARGO_TARGET_DIR:-$repo/target}/release/lumbung"
}

# Waits (at most IDLE_WAIT s) until the CPUs were at least 90% idle for a second.
wait_idle() {
    local waited=0
    while [ "$waited" -lt "${IDLE_WAIT:-60}" ]; do
        local a b
        a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
        local total=0 i
        for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
        local idle=$(( (b[4] - a[4]) + (b[5] - a[5]) ))
        if [ "$total" -gt 0 ] && [ $((idle * 100 / total)) -ge 90 ]; then return 0; fi
        waited=$((waited + 1))
    done
    say "  (machine still busy after ${IDLE_WAIT:-60}s; running anyway)"
}

# timed DIR NAME COMMAND…: runs COMMAND under GNU time into DIR/NAME.time,
# its stdout into DIR/NAME.out, the 1-minute load before it into DIR/NAME.load.
timed_in() {
    local dir=$1 name=$2; shift 2
    cut -d' ' -f1 /proc/loadavg > "$dir/$name.load"
    /usr/bin/time -v -o "$dir/$name.time" "$@" > "$dir/$name.out"
}

# The spend ledger of ROWS rows with its areas and postcode map, generated
# once by shared/bench/gen_spend.py; prints its path.
spend_ledger() { # DIR ROWS
    local ledger="$1/spend-$2.csv"
    mkdir -p "$1"
    if [ ! -s "$ledger.postcodes.csv" ]; then
        say "generating $2 rows into $ledger"
        need_python numpy polars
        python3 "$SHARED_BENCH/gen_spend.py" "$2" "$ledger.tmp"
        mv "$ledger.tmp.areas.csv" "$ledger.areas.csv"
        mv "$ledger.tmp.postcodes.csv" "$ledger.postcodes.csv"
        mv "$ledger.tmp" "$ledger"
    fi
    printf '%s\n' "$ledger"
}

# A database that holds the ledger's areas, postcode map and local area.
spend_db() { # BIN DB LEDGER
    rm -f "$2" "$2-wal" "$2-shm"
    "$1" --db "$2" areas import "$3.areas.csv" > /dev/null
    "$1" --db "$2" areas map-postcodes "$3.postcodes.csv" > /dev/null
    "$1" --db "$2" spend settings --local E07000123 --region E10000017 > /dev/null
}

# The election files of BALLOTS ballots, generated once; prints their prefix.
election_files() { # DIR BALLOTS
    local prefix="$1/election-$2"
    mkdir -p "$1"
    if [ ! -s "$prefix.ballots.csv" ]; then
        say "generating $2 ballots into $prefix.*.csv"
        python3 "$repo/bench/gen_election.py" "$2" "$prefix.tmp"
        for f in groups residents ballots; do mv "$prefix.tmp.$f.csv" "$prefix.$f.csv"; done
    fi
    printf '%s\n' "$prefix"
}

# A PostgreSQL server for a benchmark: LUMBUNG_BENCH_PG if set (a URL
# naming any database of it), else a throw-away cluster of Debian's
# PostgreSQL (installed if missing) with durable settings (fsync on,
# synchronous_commit on) in a temporary directory, as an unprivileged user
# when run as root; `stop_pg` stops and removes it. Sets LUMBUNG_BENCH_PG,
# `server` (the URL without its database) and `admin SQL`.
start_pg() {
    pg_dir=""
    if [ -z "${LUMBUNG_BENCH_PG:-}" ]; then
        pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
        if [ -z "$pg_bin" ]; then
            (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
            pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
        fi
        # In a temporary directory: the server's user may not enter $HOME.
        pg_dir="$(mktemp -d)"
        if [ "$(id -u)" = 0 ]; then
            pg_user=lumbung-bench-pg
            id -u "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home "$pg_user"
            chown "$pg_user" "$pg_dir"
            as_pg() { runuser -u "$pg_user" -- "$@"; }
        else
            as_pg() { "$@"; }
        fi
        local port
        port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
        as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U lumbung --auth=trust >/dev/null
        as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w start \
            -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=1GB -c max_wal_size=8GB -c checkpoint_timeout=30min" >/dev/null
        LUMBUNG_BENCH_PG="postgres://lumbung@127.0.0.1:$port/postgres"
    fi
    server="${LUMBUNG_BENCH_PG%/*}"
    command -v psql >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client) >&2
}
stop_pg() {
    if [ -n "${pg_dir:-}" ]; then
        as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
        rm -rf "$pg_dir"
        pg_dir=""
    fi
}
admin() { psql -q -X -v ON_ERROR_STOP=1 "$LUMBUNG_BENCH_PG" -c "$1" >/dev/null; }

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
