"""Generates a Companies House "Free Company Data Product" of N companies
(the real one: ~5 M rows, ~2.5 GB, 55 columns, the header's quirks
included) and a payment file of suppliers without postal codes, some of
them registered companies, for bench/registers.sh.

Usage: companies-gen.py DIR [--companies N] [--suppliers M] [--seed S]
Writes DIR/BasicCompanyData-part1.csv and DIR/payments.csv.
"""
import argparse
import os
import random

HEADER = (
    "CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1,"
    " RegAddress.AddressLine2,RegAddress.PostTown,RegAddress.County,RegAddress.Country,"
    "RegAddress.PostCode,CompanyCategory,CompanyStatus,CountryOfOrigin,DissolutionDate,"
    "IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,Accounts.NextDueDate,"
    "Accounts.LastMadeUpDate,Accounts.AccountCategory,Returns.NextDueDate,Returns.LastMadeUpDate,"
    "Mortgages.NumMortCharges,Mortgages.NumMortOutstanding,Mortgages.NumMortPartSatisfied,"
    "Mortgages.NumMortSatisfied,SICCode.SicText_1,SICCode.SicText_2,SICCode.SicText_3,"
    "SICCode.SicText_4,LimitedPartnerships.NumGenPartners,LimitedPartnerships.NumLimPartners,URI"
    + "".join(f",PreviousName_{i}.CONDATE, PreviousName_{i}.CompanyName" for i in range(1, 11))
    + ",ConfStmtNextDueDate, ConfStmtLastMadeUpDate"
)

WORDS = (
    "ABBEY ACORN ALPHA AMBER ANCHOR APEX ARROW ASH ATLAS AURORA BAY BEACON BIRCH BLUE BRIDGE "
    "BROOK CASTLE CEDAR CENTRAL CITY CLEAR COAST COPPER CORNER CREST CROWN DALE DELTA EAGLE "
    "EAST ELM FALCON FERN FIELD FOREST FOX GARDEN GATE GLEN GOLD GREEN HARBOUR HAWK HERITAGE "
    "HILL HOLLY IRON IVY KESTREL KING LAKE LANE LARK LION MAPLE MARKET MEADOW MILL MOOR "
    "NORTH OAK ORCHARD PARK PEAK PINE PRIME QUAY RAVEN RED RIDGE RIVER ROCK ROSE ROYAL "
    "SILVER SOUTH SPRING STAR STONE SUMMIT SUN SWAN THISTLE TOWER VALE VALLEY VIEW WEST "
    "WILLOW WOOD YORK"
).split()
TRADES = (
    "BAKERY BUILDERS CARE CATERING CLEANING CONSULTING DESIGN ELECTRICAL ENGINEERING "
    "FOODS HOLDINGS HOMES IT LOGISTICS MEDIA MOTORS PLUMBING PRINT PROPERTY RECRUITMENT "
    "SERVICES SOLUTIONS SUPPLIES SYSTEMS TECHNOLOGY TRADING TRANSPORT TRAVEL VENTURES"
).split()
SICS = [
    "62020 - Information technology consultancy activities",
    "41202 - Construction of domestic buildings",
    "56101 - Licensed restaurants",
    "81210 - General cleaning of buildings",
    "70229 - Management consultancy activities other than financial management",
    "10890 - Manufacture of other food products n.e.c.",
    "None Supplied",
]
DISTRICTS = ["PR1", "PR2", "FY8", "LA1", "BB1", "M1", "LS1", "B1", "EC1A", "SW1A", "G1", "CF10"]
STATUSES = ["Active"] * 90 + ["Active - Proposal to Strike off"] * 4 + ["Liquidation"] * 3 + ["Dissolved"] * 3


def name(rng, i):
    return f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(TRADES)} {i % 9973} LIMITED"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--companies", type=int, default=5_000_000)
    ap.add_argument("--suppliers", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20261203)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.dir, exist_ok=True)
    picked = []
    every = max(1, a.companies // a.suppliers)
    tail = "," * 20 + ",01/01/2027,01/01/2026"
    with open(os.path.join(a.dir, "BasicCompanyData-part1.csv.tmp"), "w", newline="") as out:
        out.write(HEADER + "\r\n")
        for i in range(a.companies):
            n = name(rng, i)
            number = f"{i + 1:08d}" if i % 10 else f"SC{i // 10:06d}"
            pc = f"{rng.choice(DISTRICTS)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            status = rng.choice(STATUSES)
            sic = rng.choice(SICS)
            if i % every == 0 and len(picked) < a.suppliers:
                picked.append(n.replace(" LIMITED", " Ltd").title())
            out.write(
                f'"{n}","{number}","","","{rng.randint(1, 300)} {rng.choice(WORDS)} ROAD","UNIT {rng.randint(1, 40)} {rng.choice(WORDS)} BUSINESS PARK",'
                f'"{rng.choice(WORDS)}TON","","UNITED KINGDOM","{pc}","Private Limited Company",'
                f'"{status}","United Kingdom","","{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1950, 2025)}",'
                f'"31","3","31/12/2026","31/03/2025","TOTAL EXEMPTION FULL","","",'
                f'"0","0","0","0","{sic}","","","","0","0",'
                f'"http://business.data.gov.uk/id/company/{number}"{tail}\r\n'
            )
    os.replace(os.path.join(a.dir, "BasicCompanyData-part1.csv.tmp"), os.path.join(a.dir, "BasicCompanyData-part1.csv"))
    # Payments: the picked companies by name (no postcode), and as many
    # suppliers that no register lists.
    with open(os.path.join(a.dir, "payments.csv"), "w") as out:
        out.write("Date,Supplier Name,Amount\n")
        for i, n in enumerate(picked):
            out.write(f"{(i % 28) + 1:02d}/05/2012,{n},{rng.randint(250, 50000)}.00\n")
            out.write(f"{(i % 28) + 1:02d}/06/2012,Unregistered Trader {i},{rng.randint(250, 5000)}.00\n")


if __name__ == "__main__":
    main()
