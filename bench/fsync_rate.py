#!/usr/bin/env python3
"""How many durable commits this disk allows: appends of PAGES pages of 4 KB
to a file in DIR, each followed by fsync, for SECONDS seconds (SQLite's
commit of a posting batch in WAL mode with synchronous=FULL is one fsync of
the WAL after its pages are written).

Usage: fsync_rate.py DIR [SECONDS=5] [PAGES=1 ...]
Prints one JSON line per PAGES: fsyncs per second and MB/s written."""
import json
import os
import sys
import time

folder = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
sizes = [int(p) for p in sys.argv[3:]] or [1, 64, 512]
path = os.path.join(folder, "fsync-rate.tmp")
for pages in sizes:
    block = os.urandom(4096 * pages)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            os.write(fd, block)
            os.fsync(fd)
            n += 1
        took = time.perf_counter() - start
    finally:
        os.close(fd)
        os.unlink(path)
    print(json.dumps({"pages": pages, "fsyncs_per_second": round(n / took, 1),
                      "mb_per_second": round(n * len(block) / took / 1e6, 1)}))
