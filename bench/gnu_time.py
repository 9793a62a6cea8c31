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
