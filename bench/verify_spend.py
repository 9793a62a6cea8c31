#!/usr/bin/env python3
"""Checks every figure of Lumbung's from-file report against DuckDB's.

Usage: verify_spend.py LEDGER.csv LUMBUNG_FULL.json
LUMBUNG_FULL.json is the output of `from_file ... --full` (a SpendReport).
DuckDB computes the figure set with the SQL of shared/bench/peer_duckdb.py:
per anchor × fiscal year (total, local, regional, outside, unknown, SME),
per sector (total, outside), the 20 suppliers with most outside spend,
influenceable spend, and the overall total, local and regional.
Exits 1 on any difference."""
import json, sys
from decimal import Decimal

import duckdb

f, report = sys.argv[1], json.load(open(sys.argv[2]))
con = duckdb.connect()
con.execute(f"""
CREATE TEMP TABLE areas AS SELECT * FROM read_csv('{f}.areas.csv', all_varchar=true);
CREATE TEMP TABLE pmap AS SELECT * FROM read_csv('{f}.postcodes.csv', all_varchar=true);
CREATE TEMP VIEW ledger AS SELECT * FROM read_csv('{f}', all_varchar=true);
CREATE TEMP TABLE classified AS
SELECT l.anchor, l.fiscal_year, l.supplier_id, l.supplier_name, l.sic, l.sme, l.contract_type,
       CAST(l.amount AS DECIMAL(18,2)) AS amount,
       CASE WHEN p.area_code IS NULL THEN 'unknown'
            WHEN p.area_code = 'E07000123' THEN 'local'
            WHEN p.area_code = 'E10000017' OR a.parent_code = 'E10000017' THEN 'regional'
            ELSE 'outside' END AS loc
FROM ledger l LEFT JOIN pmap p ON split_part(l.postcode, ' ', 1) = p.prefix
LEFT JOIN areas a ON a.code = p.area_code;
""")
D = lambda v: Decimal(0) if v is None else Decimal(v)
problems = []


def same(what, duck, lumbung):
    if duck != lumbung:
        problems.append(f"{what}: DuckDB {duck} ≠ Lumbung {lumbung}")


duck = con.execute("""
SELECT anchor, fiscal_year, sum(amount),
  sum(amount) FILTER (loc='local'), sum(amount) FILTER (loc IN ('local','regional')),
  sum(amount) FILTER (loc='outside'), sum(amount) FILTER (loc='unknown'), sum(amount) FILTER (sme='Y')
FROM classified GROUP BY ALL ORDER BY ALL""").fetchall()
ours = sorted((c["anchor"], c["fiscal_year"], D(c["total"]), D(c["local"]), D(c["regional"]),
               D(c["outside"]), D(c["unknown"]), D(c["sme"])) for c in report["by_anchor_year"])
same("anchor × year cells", len(duck), len(ours))
for d, o in zip(duck, ours):
    same(f"cell {d[0]} {d[1]}", tuple(d[:2]) + tuple(D(v) for v in d[2:]), o)

duck = {r[0]: (D(r[1]), D(r[2])) for r in con.execute(
    "SELECT sic, sum(amount), sum(amount) FILTER (loc='outside') FROM classified GROUP BY ALL").fetchall()}
ours = {s["sector"]: (D(s["total"]), D(s["leakage"])) for s in report["by_sector"]}
same("sectors", duck, ours)

duck = [(r[1], D(r[2])) for r in con.execute("""
SELECT supplier_id, any_value(supplier_name), sum(amount) s FROM classified WHERE loc='outside'
GROUP BY supplier_id ORDER BY s DESC LIMIT 20""").fetchall()]
ours = [(s["supplier"], D(s["leakage"])) for s in report["top_leaking_suppliers"]]
same("top 20 leaking suppliers", duck, ours)

d = con.execute("""SELECT sum(amount), sum(amount) FILTER (loc='outside') FROM classified
WHERE contract_type <> 'national framework'""").fetchone()
same("influenceable total, outside", (D(d[0]), D(d[1])),
     (D(report["influenceable"]["total"]), D(report["influenceable"]["outside"])))

d = con.execute("""SELECT sum(amount), sum(amount) FILTER (loc='local'),
  sum(amount) FILTER (loc IN ('local','regional')) FROM classified""").fetchone()
same("overall total, local, regional", tuple(D(v) for v in d),
     (D(report["total"]), D(report["local"]), D(report["regional"])))

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("all figures equal: anchor × year cells, sectors, top 20 leaking suppliers, influenceable, overall",
      file=sys.stderr)
