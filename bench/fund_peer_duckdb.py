#!/usr/bin/env python3
"""The fund benchmark's report peer: DuckDB computes, straight from the CSV
books, the figures of `lumbung fund report` that need no dates of payments
beyond the report's date: per UPK and in all, loans, outstanding (principal
disbursed - principal repaid), arrears (principal of instalments due and not
repaid), loans with 3 or more missed instalments and their outstanding.

    python3 bench/fund_peer_duckdb.py LOANS.csv REPAYMENTS.csv AS_OF [--sums]

With --sums it only sums principal and repayments per UPK (reading the data,
the least any tool must do). Prints JSON: {"total": {...}, "by_upk": {UPK: {...}}}.

Exact because of the allocation rule (docs/fund.md): payments cover the
oldest instalment first, its fee before its principal, so what the payments
up to a date cover depends only on their sum. Valid for books without
reschedulings and write-offs (the benchmark's), fee rates of up to 9
decimals, and schedules flat or declining.
"""

import json
import sys

import duckdb


def main():
    loans, repayments, as_of = sys.argv[1:4]
    sums_only = "--sums" in sys.argv[4:]
    con = duckdb.connect()
    con.execute(
        f"""
        CREATE TEMP VIEW loans AS SELECT * FROM read_csv('{loans}', header = true, columns = {{
            'upk': 'VARCHAR', 'ksm': 'VARCHAR', 'loan_id': 'VARCHAR', 'disbursed_on': 'DATE',
            'principal': 'BIGINT', 'term_months': 'INTEGER', 'fee_rate_monthly': 'DECIMAL(18,9)',
            'schedule': 'VARCHAR'}})
        WHERE disbursed_on <= DATE '{as_of}';
        CREATE TEMP VIEW paid AS SELECT loan_id, sum(amount) AS paid
        FROM read_csv('{repayments}', header = true, columns = {{
            'loan_id': 'VARCHAR', 'paid_on': 'DATE', 'amount': 'BIGINT'}})
        WHERE paid_on <= DATE '{as_of}' GROUP BY loan_id;
        """
    )
    if sums_only:
        rows = con.execute(
            """
            SELECT l.upk, count(*), sum(l.principal), sum(coalesce(p.paid, 0))
            FROM loans l LEFT JOIN paid p USING (loan_id) GROUP BY l.upk ORDER BY l.upk
            """
        ).fetchall()
        out = {
            "by_upk": {u: {"loans": n, "principal": int(p), "repaid": int(r)} for u, n, p, r in rows},
        }
        out["total"] = {
            k: sum(v[k] for v in out["by_upk"].values()) for k in ("loans", "principal", "repaid")
        }
        print(json.dumps(out))
        return
    rows = con.execute(
        f"""
        WITH inst AS (
            SELECT l.upk, l.loan_id, l.principal, k,
                   CASE WHEN k = l.term_months
                        THEN l.principal - (l.principal // l.term_months) * (l.term_months - 1)
                        ELSE l.principal // l.term_months END AS p_k,
                   CAST(floor(CASE WHEN l.schedule = 'declining'
                        THEN (l.principal - (l.principal // l.term_months) * (k - 1)) * l.fee_rate_monthly
                        ELSE l.principal * l.fee_rate_monthly END) AS BIGINT) AS fee_k,
                   l.disbursed_on + to_months(k) AS due
            FROM loans l, range(1, l.term_months + 1) AS r(k)
        ),
        cum AS (
            SELECT *, sum(p_k + fee_k) OVER (PARTITION BY loan_id ORDER BY k
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_k
            FROM inst
        ),
        alloc AS (
            SELECT c.upk, c.loan_id, c.principal, c.p_k, c.fee_k, c.due,
                   greatest(0, least(c.fee_k, coalesce(p.paid, 0) - coalesce(c.before_k, 0))) AS fee_paid,
                   greatest(0, least(c.p_k, coalesce(p.paid, 0) - coalesce(c.before_k, 0) - c.fee_k)) AS p_paid
            FROM cum c LEFT JOIN paid p USING (loan_id)
        ),
        per_loan AS (
            SELECT upk, loan_id, any_value(principal) - sum(p_paid) AS outstanding,
                   count(*) FILTER (WHERE due <= DATE '{as_of}' AND (fee_paid < fee_k OR p_paid < p_k)) AS missed,
                   coalesce(sum(p_k - p_paid) FILTER (WHERE due <= DATE '{as_of}' AND (fee_paid < fee_k OR p_paid < p_k)), 0) AS arrears
            FROM alloc GROUP BY upk, loan_id
        )
        SELECT upk, count(*), sum(outstanding), sum(arrears),
               count(*) FILTER (WHERE missed >= 3),
               coalesce(sum(outstanding) FILTER (WHERE missed >= 3), 0)
        FROM per_loan GROUP BY upk ORDER BY upk
        """
    ).fetchall()
    keys = ("loans", "outstanding", "arrears", "loans_in_arrears", "outstanding_in_arrears")
    out = {"by_upk": {r[0]: dict(zip(keys, (int(x) for x in r[1:]))) for r in rows}}
    out["total"] = {k: sum(v[k] for v in out["by_upk"].values()) for k in keys}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
