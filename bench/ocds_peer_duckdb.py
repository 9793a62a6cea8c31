#!/usr/bin/env python3
"""The procurement benchmark's peer: DuckDB reads the OCDS releases
(JSON Lines) into a table — the peer of `lumbung procurement import-ocds` —
and computes from that table the figures of `lumbung procurement report
--format json` (docs/procurement.md).

    python3 bench/ocds_peer_duckdb.py RELEASES.jsonl PLACES.csv [--db FILE] [--phase both|read|report]

PLACES.csv is `prefix,place`: each prefix of the postcode map (normalised:
upper case, no spaces) and where its area lies — `local`, `regional` (in
the region, not local) or `outside` — made from the same area tree,
postcode map, local area and region that Lumbung's database holds
(bench/ocds.sh writes it).

Phases, each timed (seconds, wall) and printed as JSON on stdout,
{"read": s, "report": s, "rows": n, "figures": {...}}:
- read: `CREATE TABLE releases AS SELECT * FROM read_json(FILE,
  format = 'newline_delimited')` (DuckDB infers the nested types) into the
  database file (--db; default in memory, only with --phase both), then
  closes it (a checkpoint);
- report: opens the database again and computes the figures with SQL.
With --phase read or report only that phase runs (the other's key is
null), so that a caller can measure each as a whole process.

The compiled releases are emulated, exact for data whose later releases
restate what they mention (bench/ocds-gen.py's): per process, the latest
release (by date) giving the tender's status or the buyer's name; per award
(ocid and award id) each of status, value.amount, value.currency and the
suppliers list from the latest release that gives it; per party (ocid and
id, else name) each of its address's postalCode, locality and
streetAddress and its details.scale from the latest release that gives
it. Assumed too: no release is repeated (same ocid and id), no JSON null
is published, no two releases of a process share a date, a supplier's
reference says no more than its party, and suppliers, in an award, are
never dropped or reordered (DuckDB takes the latest list whole where the
merge would merge the lists by id).
"""

import argparse
import json
import os
import sys
import time

import duckdb

UK = "[A-Za-z]{1,2}[0-9][A-Za-z0-9]?[0-9][A-Za-z]{2}"
OUTWARD = "[A-Za-z]{1,2}[0-9][A-Za-z0-9]?"

MACROS = f"""
-- the postcode in an address's free text (docs/procurement.md): the last
-- whole word, or two words, matching a UK postcode, else the last 5-digit word
CREATE OR REPLACE TEMP MACRO pc_words(w) AS coalesce(
    list_filter(
        list_transform(range(1, len(w) + 1), lambda i:
            CASE WHEN regexp_full_match(w[i], '{UK}') THEN upper(w[i])
                 WHEN i < len(w) AND length(w[i + 1]) = 3
                      AND regexp_full_match(w[i] || w[i + 1], '{UK}')
                      AND regexp_full_match(w[i], '{OUTWARD}')
                 THEN upper(w[i]) || ' ' || upper(w[i + 1]) END),
        lambda x: x IS NOT NULL)[-1],
    list_filter(w, lambda x: regexp_full_match(x, '[0-9]{{5}}'))[-1]);
CREATE OR REPLACE TEMP MACRO postcode_in(t) AS pc_words(regexp_extract_all(t, '[A-Za-z0-9]+'));
CREATE OR REPLACE TEMP MACRO txt(t) AS nullif(trim(t), '');
"""

REPORT = """
CREATE TEMP TABLE proc AS
SELECT ocid, count(*) AS releases,
       coalesce(txt(arg_max(buyer.name, date) FILTER (WHERE buyer.name IS NOT NULL)), '') AS buyer,
       txt(arg_max(tender.status, date) FILTER (WHERE tender.status IS NOT NULL)) AS tender_status
FROM releases GROUP BY ocid;

-- each award as compiled, the active ones kept
CREATE TEMP TABLE act AS
WITH mentioned AS (
    SELECT ocid, date, unnest(awards) AS a FROM releases WHERE awards IS NOT NULL
), compiled AS (
    SELECT ocid, a.id AS award_id,
           arg_max(a.status, date) FILTER (WHERE a.status IS NOT NULL) AS status,
           arg_max(a.value.amount, date) FILTER (WHERE a.value.amount IS NOT NULL) AS amount,
           arg_max(a.value.currency, date) FILTER (WHERE a.value.currency IS NOT NULL) AS currency,
           arg_max(a.suppliers, date) FILTER (WHERE a.suppliers IS NOT NULL) AS suppliers
    FROM mentioned GROUP BY ocid, a.id
)
SELECT c.ocid, p.buyer, c.award_id,
       CAST(round(c.amount * 100) AS BIGINT) AS cents,
       coalesce(txt(c.currency), '') AS cur,
       coalesce(list_filter(list_transform(c.suppliers, lambda s: coalesce(txt(s.id), txt(s.name))),
                            lambda k: k IS NOT NULL), []) AS keys
FROM compiled c JOIN proc p USING (ocid)
WHERE txt(c.status) = 'active';

-- each active award's suppliers, its value split equally in hundredths
CREATE TEMP TABLE parts AS
SELECT ocid, buyer, cur, key, n,
       CASE WHEN cents IS NULL THEN NULL
            ELSE cents // n + CASE WHEN pos - 1 < cents % n THEN 1 ELSE 0 END END AS part
FROM (SELECT ocid, buyer, cur, cents, len(keys) AS n,
             unnest(keys) AS key, generate_subscripts(keys, 1) AS pos
      FROM act WHERE len(keys) > 0);

-- the parties of the processes with active awards, as compiled (field by
-- field), and their postcodes (the free text read once per distinct text)
CREATE TEMP TABLE party AS
WITH mentioned AS (
    SELECT ocid, date, unnest(parties) AS p FROM releases
    WHERE parties IS NOT NULL AND ocid IN (SELECT ocid FROM act)
), compiled AS (
    SELECT ocid, coalesce(txt(p.id), txt(p.name)) AS key,
           txt(arg_max(p.address.postalCode, date) FILTER (WHERE p.address.postalCode IS NOT NULL)) AS postal_code,
           txt(arg_max(p.address.locality, date) FILTER (WHERE p.address.locality IS NOT NULL)) AS locality,
           txt(arg_max(p.address.streetAddress, date) FILTER (WHERE p.address.streetAddress IS NOT NULL)) AS street,
           arg_max(p.details.scale, date) FILTER (WHERE p.details.scale IS NOT NULL) AS scale
    FROM mentioned GROUP BY ALL
), texts AS (
    SELECT DISTINCT t FROM (SELECT locality AS t FROM compiled WHERE postal_code IS NULL
                            UNION ALL SELECT street FROM compiled WHERE postal_code IS NULL)
    WHERE t IS NOT NULL
), found AS (
    SELECT t, postcode_in(t) AS pc FROM texts
)
SELECT c.ocid, c.key, coalesce(c.postal_code, fl.pc, fs.pc) AS pc,
       lower(txt(c.scale)) IN ('sme', 'micro', 'small', 'medium') AS sme
FROM compiled c LEFT JOIN found fl ON fl.t = c.locality LEFT JOIN found fs ON fs.t = c.street
WHERE c.key IS NOT NULL;

CREATE TEMP TABLE located AS
WITH codes AS (
    SELECT DISTINCT pc, upper(regexp_replace(pc, '\\s', '', 'g')) AS code FROM party WHERE pc IS NOT NULL
), checked AS (
    SELECT pc, code, code <> '' AND regexp_full_match(code, '[A-Z0-9]+') AS valid,
           regexp_matches(code, '[A-Z]') AS uk,
           CASE WHEN length(code) > 3 THEN code[1:length(code) - 3] ELSE code END AS outward
    FROM codes
)
SELECT c.pc, pl.place FROM checked c JOIN places pl ON pl.prefix = c.outward WHERE c.valid AND c.uk
UNION ALL
SELECT c.pc, arg_max(pl.place, length(pl.prefix))
FROM checked c JOIN places pl ON starts_with(c.code, pl.prefix)
WHERE c.valid AND NOT c.uk GROUP BY c.pc;
"""

SUMS = """
WITH placed AS (
    SELECT t.buyer, t.cur, t.part, coalesce(py.sme, false) AS sme, coalesce(l.place, 'unknown') AS place
    FROM parts t
    LEFT JOIN party py ON py.ocid = t.ocid AND py.key = t.key
    LEFT JOIN located l ON l.pc = py.pc
    WHERE t.part IS NOT NULL
), contributions AS (
    SELECT buyer, 'awarded_value' AS figure, cur, cents AS amount FROM act WHERE cents IS NOT NULL
    UNION ALL SELECT buyer, 'unknown', cur, cents FROM act WHERE cents IS NOT NULL AND len(keys) = 0
    UNION ALL SELECT buyer, 'awarded_sme', cur, part FROM placed WHERE sme
    UNION ALL SELECT buyer, place, cur, part FROM placed
    UNION ALL SELECT buyer, 'regional', cur, part FROM placed WHERE place = 'local'
)
SELECT buyer, grouping(buyer) AS all_, figure, cur, sum(amount)::HUGEINT
FROM contributions GROUP BY GROUPING SETS ((figure, cur), (buyer, figure, cur))
"""

COUNTS = """
WITH p AS (
    SELECT buyer, grouping(buyer) AS all_, count(*) AS processes, sum(releases)::BIGINT AS releases,
           count(*) FILTER (WHERE tender_status = 'active') AS open_tenders
    FROM proc GROUP BY GROUPING SETS ((), (buyer))
), a AS (
    SELECT buyer, grouping(buyer) AS all_, count(*) AS awards FROM act GROUP BY GROUPING SETS ((), (buyer))
), s AS (
    SELECT buyer, grouping(buyer) AS all_, count(DISTINCT key) AS suppliers FROM parts
    GROUP BY GROUPING SETS ((), (buyer))
)
SELECT p.buyer, p.all_, p.processes, p.releases, p.open_tenders, coalesce(a.awards, 0), coalesce(s.suppliers, 0)
FROM p LEFT JOIN a ON a.all_ = p.all_ AND a.buyer IS NOT DISTINCT FROM p.buyer
       LEFT JOIN s ON s.all_ = p.all_ AND s.buyer IS NOT DISTINCT FROM p.buyer
"""


def money(cents):
    sign = "-" if cents < 0 else ""
    cents = abs(int(cents))
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def read(con, path):
    con.execute("DROP TABLE IF EXISTS releases")
    con.execute("CREATE TABLE releases AS SELECT * FROM read_json(?, format = 'newline_delimited')", [path])
    return con.execute("SELECT count(*) FROM releases").fetchone()[0]


def report(con, places):
    con.execute(MACROS)
    con.execute("CREATE OR REPLACE TEMP TABLE places AS SELECT upper(replace(prefix, ' ', '')) AS prefix, place "
                "FROM read_csv(?, header = true, all_varchar = true)", [places])
    con.execute(REPORT)
    scopes = {}

    def figures():
        return {"processes": 0, "releases": 0, "open_tenders": 0, "awards": 0, "awarded_value": {},
                "awarded_sme": {}, "by_location": {"local": {}, "regional": {}, "outside": {}, "unknown": {}},
                "suppliers": 0}

    for buyer, all_, processes, releases, open_tenders, awards, suppliers in con.execute(COUNTS).fetchall():
        f = scopes.setdefault(None if all_ else buyer, figures())
        f.update(processes=processes, releases=releases, open_tenders=open_tenders, awards=awards,
                 suppliers=suppliers)
    for buyer, all_, figure, cur, amount in con.execute(SUMS).fetchall():
        f = scopes.setdefault(None if all_ else buyer, figures())
        into = f[figure] if figure in ("awarded_value", "awarded_sme") else f["by_location"][figure]
        into[cur] = money(amount)
    out = scopes.pop(None, figures())
    for f in [out, *scopes.values()]:
        for m in (f["awarded_value"], f["awarded_sme"], *f["by_location"].values()):
            items = sorted(m.items())
            m.clear()
            m.update(items)
    # by buyer name in byte order, as Lumbung lists them
    out["by_buyer"] = [{"buyer": b, **scopes[b]} for b in sorted(scopes, key=lambda b: b.encode())]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("releases")
    ap.add_argument("places")
    ap.add_argument("--db", default=":memory:")
    ap.add_argument("--phase", choices=("both", "read", "report"), default="both")
    a = ap.parse_args()
    if a.phase != "both" and a.db == ":memory:":
        ap.error("--phase read or report needs --db FILE")
    result = {"read": None, "report": None, "rows": None, "figures": None}
    con = None
    if a.phase in ("both", "read"):
        if a.db != ":memory:":
            for suffix in ("", ".wal"):
                if os.path.exists(a.db + suffix):
                    os.remove(a.db + suffix)
        t = time.perf_counter()
        con = duckdb.connect(a.db)
        result["rows"] = read(con, a.releases)
        if a.db != ":memory:":
            con.close()
            con = None
        result["read"] = round(time.perf_counter() - t, 3)
    if a.phase in ("both", "report"):
        t = time.perf_counter()
        if con is None:
            con = duckdb.connect(a.db)
        result["figures"] = report(con, a.places)
        result["report"] = round(time.perf_counter() - t, 3)
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
