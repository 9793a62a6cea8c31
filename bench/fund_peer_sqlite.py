#!/usr/bin/env python3
"""The fund benchmark's posting peer: the raw rate of SQLite inserting the
same repayments in transactions of the same size, with the pragmas of
Lumbung's posting batches (WAL, synchronous=FULL: every commit synced; see
`repay_batch` in crates/store/src/fund_ops.rs), into a table with the key
unique. A floor for durable batched inserts: no allocation, no
journal entry, no hash chain.

    python3 bench/fund_peer_sqlite.py POSTING.csv DB [BATCH]

Prints JSON: {"rows": N, "seconds": S, "per_second": R}.
"""

import csv
import json
import os
import sqlite3
import sys
import time


def main():
    path, db = sys.argv[1], sys.argv[2]
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    started = time.perf_counter()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    con.execute(
        "CREATE TABLE repayments (id INTEGER PRIMARY KEY, loan_id TEXT NOT NULL, paid_on TEXT NOT NULL,"
        " amount INTEGER NOT NULL, key TEXT NOT NULL UNIQUE)"
    )
    with open(path, newline="") as f:
        rows = csv.reader(f)
        next(rows)
        chunk, n = [], 0
        for row in rows:
            chunk.append(row)
            if len(chunk) == batch:
                con.execute("BEGIN IMMEDIATE")
                con.executemany("INSERT INTO repayments (loan_id, paid_on, amount, key) VALUES (?, ?, ?, ?)", chunk)
                con.execute("COMMIT")
                n += len(chunk)
                chunk = []
        if chunk:
            con.execute("BEGIN IMMEDIATE")
            con.executemany("INSERT INTO repayments (loan_id, paid_on, amount, key) VALUES (?, ?, ?, ?)", chunk)
            con.execute("COMMIT")
            n += len(chunk)
    con.close()
    took = time.perf_counter() - started
    print(json.dumps({"rows": n, "seconds": round(took, 3), "per_second": round(n / took)}))


if __name__ == "__main__":
    main()
