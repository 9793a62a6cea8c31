"""What GNU time -v wrote about one run: wall and CPU seconds, peak memory."""


def field(text, name):
    for line in text.splitlines():
        if name in line:
            return line.rsplit(": ", 1)[1].strip()


def measure(path):
    """{"wall": s, "cpu": s, "rss": MB} of the run whose report is at path."""
    text = open(path).read()
    clock = field(text, "Elapsed (wall clock)").split(":")
    return {
        "wall": sum(float(x) * 60 ** i for i, x in enumerate(reversed(clock))),
        "cpu": float(field(text, "User time")) + float(field(text, "System time")),
        "rss": float(field(text, "Maximum resident set size")) / 1024,
    }


def backends_table(out, runs, what):
    """Prints the table of `what` run on each backend (report-sqlite.N and
    report-pg.N in out, their stdout JSON); returns whether every run's
    JSON is the same."""
    import json, statistics

    def run(name):
        return dict(measure(f"{out}/{name}.time"), out=open(f"{out}/{name}.out").read())

    res = {b: [run(f"report-{b}.{i}") for i in range(1, runs + 1)] for b in ("sqlite", "pg")}
    med = {b: statistics.median(r["wall"] for r in rs) for b, rs in res.items()}
    print(f"| {what} | median wall (s) | runs (s) | peak RSS (MB) | ÷ SQLite |")
    print("|---|---:|---|---:|---:|")
    for b, rs in res.items():
        print(f"| {'SQLite file' if b == 'sqlite' else 'PostgreSQL'} | {med[b]:.2f} | {', '.join(format(r['wall'], '.2f') for r in rs)} | "
              f"{max(r['rss'] for r in rs):.0f} | {med[b] / med['sqlite']:.2f}× |")
    same = all(json.loads(r["out"]) == json.loads(res["sqlite"][0]["out"]) for rs in res.values() for r in rs)
    print(f"\nthe report's JSON is the same on both backends: {'yes' if same else 'NO'}")
    return same
