"""The peer of `lumbung spend registers import`: DuckDB loading the same
Companies House file into a table of its own (every column as text),
then a table of the five columns Lumbung keeps with an index on the
name, as Lumbung holds them. Prints the row count.

Usage: registers_peer_duckdb.py FILE.csv DB.duckdb
"""
import os
import sys

import duckdb

path, db = sys.argv[1], sys.argv[2]
for f in (db, db + ".wal"):
    if os.path.exists(f):
        os.remove(f)
con = duckdb.connect(db)
con.execute(
    "CREATE TABLE raw AS SELECT * FROM read_csv(?, header = true, all_varchar = true)", [path]
)
cols = [r[0] for r in con.execute("DESCRIBE raw").fetchall()]
pick = {c.strip(): c for c in cols}
con.execute(
    f'''CREATE TABLE companies AS SELECT "{pick['CompanyNumber']}" AS number, "{pick['CompanyName']}" AS name,
        lower("{pick['CompanyName']}") AS name_key, "{pick['RegAddress.PostCode']}" AS postcode,
        "{pick['CompanyStatus']}" AS status, "{pick['SICCode.SicText_1']}" AS sic FROM raw'''
)
con.execute("DROP TABLE raw")
con.execute("CREATE INDEX companies_name ON companies(name_key)")
print(con.execute("SELECT count(*) FROM companies").fetchone()[0])
