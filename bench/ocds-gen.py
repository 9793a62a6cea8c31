#!/usr/bin/env python3
"""Public contracts in OCDS 1.1 for the procurement benchmark (stdlib only,
deterministic for a seed).

    python3 bench/ocds-gen.py OUTDIR --releases N [--seed 1] [--suppliers 20000]
        [--districts PATH/postcode_districts.csv]

Writes into OUTDIR:
- releases.jsonl  N releases, one a line (compact JSON, ~1 KB on average),
                  in date order across processes, as a publisher's feed
- summary.json    counts (releases per tag, processes, awards, suppliers,
                  how suppliers' addresses give their postcode)

The processes (ocid `ocds-bench-NNNNNNN`, ~50 buyers, started over five
years from 2019) each have:
- a `tender` release: tender id, title, status `active` (3 in 4) or
  `complete`, 1-3 items classified by CPV (8 digits), value in GBP,
  tenderPeriod.endDate, suitability.sme;
- for 1 in 5 a later `tenderUpdate` restating the tender with another
  status (complete, cancelled, unsuccessful; a complete one reopened as
  active);
- for most (not after a cancelled or unsuccessful tender) a later `award`
  release: 1 award (2 lots for 1 in 8), each with id, status `active` or
  `pending`, date, value (at most 2 decimals; GBP, 1 in 25 EUR), one
  supplier (two for 1 in 10; none, the key left out, for 1 in 100) and
  contractPeriod;
- for 1 in 6 awarded processes a later `awardUpdate` restating one award
  wholly (every field, the same suppliers) with another status (a pending
  one made active or cancelled; an active one cancelled) or an amended
  value.
Every release has ocid, id, date (ISO datetime; a process's releases at
least a day apart), tag, initiationType `tender`, buyer {id, name} and
parties (the buyer, roles [buyer]; each supplier of the release, roles
[supplier], GB-COH identifier, address, details.scale for 7 in 10).
A later release restates every object it mentions wholly and suppliers
never change, so the latest release mentioning an award (or the tender)
equals the OCDS merge.

Suppliers (--suppliers, Zipf-like popularity) are each described
identically wherever they appear. Their postcodes are real outward codes
of uk-postcode-districts (Preston ~12%, the rest of Lancashire ~18%,
Blackpool and Blackburn ~5%, elsewhere in the UK) with a made-up inward
code; ~78% give `address.postalCode` (a few without the space or in lower
case), ~6% only in `streetAddress` text, ~6% only in `locality` text, ~7%
none, ~2% abroad (Ireland or France: a code no map knows, sometimes a
5-digit code in the text), ~1% a postalCode no map can place (`N/A`, with
a postcode in the locality that must not be used, or `XM4 5HQ`).
"""

import argparse
import bisect
import csv
import datetime as dt
import heapq
import json
import os
import random
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DISTRICTS = os.path.join(HERE, "..", "..", "shared", "data", "uk-postcode-districts",
                                 "postcode_districts.csv")

LANCASHIRE = {"Burnley", "Chorley", "Fylde", "Hyndburn", "Lancaster", "Pendle", "Ribble Valley",
              "Rossendale", "South Ribble", "West Lancashire", "Wyre"}
NEAR = {"Blackpool", "Blackburn with Darwen", "Blackburn"}

BUYERS = [
    "Preston City Council", "Lancashire County Council", "South Ribble Borough Council",
    "Chorley Council", "Fylde Borough Council", "Wyre Council", "Lancaster City Council",
    "Burnley Borough Council", "Pendle Borough Council", "Hyndburn Borough Council",
    "Rossendale Borough Council", "Ribble Valley Borough Council", "West Lancashire Borough Council",
    "Blackpool Council", "Blackburn with Darwen Borough Council",
    "Lancashire Teaching Hospitals NHS Foundation Trust", "Lancashire & South Cumbria NHS Foundation Trust",
    "University of Central Lancashire", "Lancaster University", "Lancashire Constabulary",
    "Lancashire Fire and Rescue Service", "Community Gateway Association", "Cardinal Newman College",
    "Preston's College", "Runshaw College", "Myerscough College",
    "Manchester City Council", "Liverpool City Council", "Leeds City Council", "Birmingham City Council",
    "Bristol City Council", "Sheffield City Council", "Newcastle City Council", "Nottingham City Council",
    "Glasgow City Council", "Cardiff Council", "Cornwall Council", "Kent County Council",
    "Surrey County Council", "Essex County Council", "Transport for London", "Ministry of Justice",
    "Department for Education", "Home Office", "NHS Supply Chain", "Crown Commercial Service",
    "Environment Agency", "Highways England", "Network Rail", "The Open University",
]

CPV = [
    ("45000000", "Construction work"), ("45233142", "Road-repair works"),
    ("45453000", "Overhaul and refurbishment work"), ("79710000", "Security services"),
    ("90910000", "Cleaning services"), ("55520000", "Catering services"),
    ("72000000", "IT services: consulting, software development, Internet and support"),
    ("48000000", "Software package and information systems"), ("33600000", "Pharmaceutical products"),
    ("30190000", "Various office equipment and supplies"), ("50700000", "Repair and maintenance services of building installations"),
    ("71000000", "Architectural, construction, engineering and inspection services"),
    ("80500000", "Training services"), ("85310000", "Social work services"),
    ("60100000", "Road transport services"), ("09310000", "Electricity"),
    ("39100000", "Furniture"), ("22000000", "Printed matter and related products"),
    ("90500000", "Refuse and waste related services"), ("77310000", "Planting and maintenance services of green areas"),
    ("66000000", "Financial and insurance services"), ("79400000", "Business and management consultancy"),
    ("15800000", "Miscellaneous food products"), ("34100000", "Motor vehicles"),
    ("50110000", "Repair and maintenance services of motor vehicles"), ("79340000", "Advertising and marketing services"),
    ("98300000", "Miscellaneous services"), ("44100000", "Construction materials"),
    ("31500000", "Lighting equipment and electric lamps"), ("92000000", "Recreational, cultural and sporting services"),
]
UNITS = ["each", "hour", "day", "month", "lot", "tonne", "licence"]
WORDS = ["Acme", "Ribble", "Pennine", "Northern", "Lancs", "Albion", "Crown", "Mersey", "Fylde", "Bowland",
         "Vertex", "Summit", "Harbour", "Oak", "Weaver", "Red Rose", "Castle", "Valley", "Bridge", "Moor",
         "Kestrel", "Heron", "Millstone", "Lune", "Wyre", "Calder", "Hodder", "Darwen", "Irwell", "Douglas"]
TRADES = ["Print", "Catering", "Construction", "Cleaning", "IT", "Facilities", "Consulting", "Transport",
          "Furniture", "Energy", "Care", "Security", "Legal", "Waste", "Foods", "Engineering", "Landscapes",
          "Training", "Medical", "Software"]
LEGAL = ["Ltd", "Limited", "PLC", "LLP", "& Sons Ltd", "Services Ltd", "Group PLC", "CIC", "Co-operative Ltd"]
STREETS = ["Mill Lane", "Church Street", "Fishergate", "Friargate", "Station Road", "High Street",
           "Victoria Road", "Market Street", "Park Road", "Ribbleton Lane", "Garstang Road", "Blackpool Road",
           "London Road", "Water Street", "King Street", "New Hall Lane", "Deepdale Road", "Moor Lane"]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
SCALES = [("sme", 30), ("micro", 15), ("small", 20), ("medium", 15), ("large", 20)]


def iso(seconds):
    return (dt.datetime(2019, 1, 1) + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def districts(path):
    """Outward codes by kind: preston, lancashire, near, elsewhere; and their towns."""
    kinds = {"preston": [], "lancashire": [], "near": [], "elsewhere": []}
    town = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code, region = row["Postcode"].strip(), row["Region"].strip()
            name = row["Town/Area"].split(",")[0].strip()
            if "Non-geographic" in row["Town/Area"] or not name:
                name = region or "Unknown"
            town[code] = name
            active = row["Active postcodes"].strip() not in ("", "0")
            if region == "Preston":
                kinds["preston"].append(code)
            elif region in LANCASHIRE:
                kinds["lancashire"].append(code)
            elif region in NEAR:
                kinds["near"].append(code)
            elif active:
                kinds["elsewhere"].append(code)
    return kinds, town


def weighted(rng, pairs):
    x = rng.random() * sum(w for _, w in pairs)
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def make_suppliers(rng, n, kinds, town):
    """The supplier pool: each a party dict (reused as is, so always the
    same JSON), its reference {id, name}, and how its postcode is given."""
    out = []
    for i in range(n):
        number = f"{(i * 7919 + 1234567) % 100_000_000:08d}"  # distinct for i < 10^8
        name = f"{rng.choice(WORDS)} {rng.choice(TRADES)} {i + 1} {rng.choice(LEGAL)}"
        pid = f"GB-COH-{number}"
        where = weighted(rng, [("preston", 12), ("lancashire", 18), ("near", 5), ("elsewhere", 65)])
        outward = rng.choice(kinds[where])
        inward = f"{rng.randint(0, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        pc = f"{outward} {inward}"
        place = town.get(outward, "Preston")
        street = f"{rng.choice(['', 'Unit ' + str(rng.randint(1, 40)) + ', '])}{rng.randint(1, 199)} {rng.choice(STREETS)}"
        how = weighted(rng, [("postalCode", 78), ("streetAddress", 6), ("locality", 6), ("none", 7),
                             ("abroad", 2), ("unplaceable", 1)])
        address = {"streetAddress": street, "locality": place, "postalCode": pc, "countryName": "United Kingdom"}
        if how == "postalCode":
            variant = rng.random()
            if variant < 0.03:
                address["postalCode"] = pc.replace(" ", "")
            elif variant < 0.06:
                address["postalCode"] = pc.lower()
        elif how == "streetAddress":
            del address["postalCode"]
            address["streetAddress"] = f"{street}, {place} {pc if rng.random() < 0.8 else pc.replace(' ', '')}"
        elif how == "locality":
            del address["postalCode"]
            address["locality"] = f"{place}, {pc if rng.random() < 0.8 else pc.lower()}"
        elif how == "none":
            if rng.random() < 0.5:
                address = None
            else:
                del address["postalCode"]
        elif how == "abroad":
            if rng.random() < 0.5:
                address = {"streetAddress": f"{rng.randint(1, 99)} Grafton Street", "locality": "Dublin",
                           "postalCode": f"D0{rng.randint(1, 8)} X{rng.randint(100, 999)}", "countryName": "Ireland"}
            else:
                address = {"streetAddress": f"{rng.randint(1, 99)} rue de Rivoli, 750{rng.randint(10, 20)} Paris",
                           "locality": "Paris", "countryName": "France"}
        else:  # unplaceable
            if rng.random() < 0.5:
                address["postalCode"] = "N/A"
                address["locality"] = f"{place} {pc}"
            else:
                address["postalCode"] = "XM4 5HQ"
        party = {"id": pid, "name": name, "identifier": {"scheme": "GB-COH", "id": number, "legalName": name}}
        if address is not None:
            party["address"] = address
        if rng.random() < 0.7:
            party["details"] = {"scale": weighted(rng, SCALES)}
        party["roles"] = ["supplier"]
        out.append({"party": party, "ref": {"id": pid, "name": name}, "how": how, "where": where})
    return out


def make_buyers(kinds, town):
    out = []
    for i, name in enumerate(BUYERS):
        pid = f"GB-PB-{i + 1:04d}"
        outward = kinds["preston"][i % len(kinds["preston"])] if i < 26 else kinds["elsewhere"][(i * 37) % len(kinds["elsewhere"])]
        party = {"id": pid, "name": name,
                 "address": {"streetAddress": "Town Hall", "locality": town.get(outward, "Preston"),
                             "postalCode": f"{outward} 1AA", "countryName": "United Kingdom"},
                 "roles": ["buyer"]}
        out.append({"party": party, "ref": {"id": pid, "name": name}})
    return out


def amount_json(pence):
    """A JSON number with at most two decimals (whole pounds as integers)."""
    return pence // 100 if pence % 100 == 0 else pence / 100


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--releases", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--suppliers", type=int, default=20_000)
    ap.add_argument("--districts", default=DEFAULT_DISTRICTS)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    started = time.time()
    kinds, town = districts(a.districts)
    suppliers = make_suppliers(rng, a.suppliers, kinds, town)
    buyers = make_buyers(kinds, town)
    popularity = [1.0 / (i + 1) ** 0.8 for i in range(len(suppliers))]
    cum, total = [], 0.0
    for w in popularity:
        total += w
        cum.append(total)

    def pick_supplier():
        return suppliers[min(bisect.bisect_left(cum, rng.random() * total), len(suppliers) - 1)]

    buyer_weights = [(b, 1.0 / (i + 1) ** 0.5) for i, b in enumerate(buyers)]
    buyer_cum = []
    t = 0.0
    for _, w in buyer_weights:
        t += w
        buyer_cum.append(t)

    # ~2.25 releases per process; the processes start over five years
    processes_guess = max(1, int(a.releases / 2.25))
    step = 5 * 365 * 86400 / processes_guess

    os.makedirs(a.outdir, exist_ok=True)
    path = os.path.join(a.outdir, "releases.jsonl")
    tmp = path + ".tmp"
    out = open(tmp, "w", encoding="utf-8", buffering=1 << 20)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    pending = []  # (date seconds, seq, line): a process's later releases wait for their date
    seq = 0
    written = 0
    nbytes = 0
    tags = Counter()
    made = 0
    k = 0
    awards_n = 0
    used = set()

    def flush(until):
        nonlocal written, nbytes
        while pending and pending[0][0] <= until:
            _, _, line = heapq.heappop(pending)
            out.write(line)
            written += 1
            nbytes += len(line.encode("utf-8")) if not line.isascii() else len(line)

    while made < a.releases:
        k += 1
        t0 = int((k - 1) * step + rng.random() * step * 0.9)
        flush(t0 - 1)
        ocid = f"ocds-bench-{k:07d}"
        b = buyers[min(bisect.bisect_left(buyer_cum, rng.random() * t), len(buyers) - 1)]
        n_items = rng.choice((1, 1, 1, 2, 3))
        cpvs = rng.sample(CPV, n_items)
        title = f"{cpvs[0][1]} for {b['ref']['name']}"
        estimate = int(min(5e9, max(50_000, rng.lognormvariate(14.3, 1.4))))  # pence
        status = "active" if rng.random() < 0.75 else "complete"
        closes = t0 + rng.randint(14, 45) * 86400

        def tender(status):
            return {
                "id": f"{ocid}-tender",
                "title": title,
                "description": f"{', '.join(c[1] for c in cpvs)}: see the specification.",
                "status": status,
                "procurementMethod": "open",
                "mainProcurementCategory": "services" if cpvs[0][0][0] in "5679" else "goods",
                "items": [{"id": str(j + 1), "description": c[1],
                           "classification": {"scheme": "CPV", "id": c[0]},
                           "quantity": rng.randint(1, 500), "unit": {"name": rng.choice(UNITS)}}
                          for j, c in enumerate(cpvs)],
                "value": {"amount": amount_json(estimate), "currency": "GBP"},
                "tenderPeriod": {"startDate": iso(t0), "endDate": iso(closes)},
                "suitability": {"sme": rng.random() < 0.6},
            }

        # the tender restated later keeps its items' quantities: built once
        base_tender = tender(status)
        releases = []  # (seconds, tag, body)

        def release(seconds, tag, body, extra_parties=()):
            r = {"ocid": ocid, "id": f"{ocid}-{tag}", "date": None, "tag": [tag],
                 "initiationType": "tender", "buyer": b["ref"],
                 "parties": [b["party"]] + list(extra_parties)}
            r.update(body)
            releases.append((seconds, tag, r))

        release(t0, "tender", {"tender": base_tender})
        final_tender = status
        if rng.random() < 0.2:
            new = ("active" if status == "complete"
                   else weighted(rng, [("complete", 60), ("cancelled", 25), ("unsuccessful", 15)]))
            tu = t0 + rng.randint(1, 40) * 86400 + rng.randint(0, 3600)
            release(tu, "tenderUpdate", {"tender": dict(base_tender, status=new)})
            final_tender = new
        if final_tender not in ("cancelled", "unsuccessful") and rng.random() < 0.92:
            ta = closes + rng.randint(1, 60) * 86400 + rng.randint(0, 3600)
            lots = 2 if rng.random() < 0.125 else 1
            awards = []
            for lot in range(lots):
                sups = [pick_supplier()]
                if rng.random() < 0.1:
                    other = pick_supplier()
                    if other is not sups[0]:
                        sups.append(other)
                elif rng.random() < 0.01:
                    sups = []  # published without its supplier
                pence = int(estimate / lots * rng.uniform(0.7, 1.1))
                if rng.random() < 0.3:
                    pence -= pence % 100
                awards.append({
                    "id": f"{ocid}-award-{lot + 1}",
                    "title": f"{title} (lot {lot + 1})" if lots > 1 else title,
                    "status": "active" if rng.random() < 0.85 else "pending",
                    "date": iso(ta),
                    "value": {"amount": amount_json(pence), "currency": "GBP" if rng.random() < 0.96 else "EUR"},
                    "suppliers": [s["ref"] for s in sups] or None,
                    "contractPeriod": {"startDate": iso(ta + 14 * 86400),
                                       "endDate": iso(ta + rng.choice((365, 730, 1095)) * 86400)},
                    "_sups": sups, "_pence": pence,
                })

            def party_list(aws):
                seen, ps = set(), []
                for aw in aws:
                    for s in aw["_sups"]:
                        if s["ref"]["id"] not in seen:
                            seen.add(s["ref"]["id"])
                            ps.append(s["party"])
                return ps

            def public(aw):
                return {k: v for k, v in aw.items() if not k.startswith("_") and v is not None}

            release(ta, "award", {"awards": [public(aw) for aw in awards]}, party_list(awards))
            awards_n += len(awards)
            for aw in awards:
                used.update(s["ref"]["id"] for s in aw["_sups"])
            if rng.random() < 1 / 6:
                aw = dict(rng.choice(awards))
                tu = ta + rng.randint(10, 120) * 86400 + rng.randint(0, 3600)
                if aw["status"] == "pending":
                    aw["status"] = "active" if rng.random() < 0.7 else "cancelled"
                elif rng.random() < 0.5:
                    aw["status"] = "cancelled"
                else:
                    pence = int(aw["_pence"] * rng.uniform(1.0, 1.25))
                    aw["value"] = {"amount": amount_json(pence), "currency": aw["value"]["currency"]}
                aw["date"] = iso(tu)
                release(tu, "awardUpdate", {"awards": [public(aw)]}, party_list([aw]))
        releases.sort(key=lambda r: r[0])
        last = -1
        for i, (seconds, tag, r) in enumerate(releases):
            seconds = max(seconds, last + 1)  # a process's releases never share a date
            r["date"] = iso(seconds)
            releases[i] = (seconds, tag, r)
            last = seconds
        for seconds, tag, r in releases[: a.releases - made]:
            seq += 1
            tags[tag] += 1
            heapq.heappush(pending, (seconds, seq, dumps(r) + "\n"))
        made += min(len(releases), a.releases - made)
    flush(float("inf"))
    out.close()
    os.replace(tmp, path)

    how = Counter(s["how"] for s in suppliers)
    where = Counter(s["where"] for s in suppliers)
    summary = {
        "releases": written,
        "processes": k,
        "tags": dict(sorted(tags.items())),
        "awards": awards_n,
        "buyers": len(buyers),
        "suppliers": len(suppliers),
        "suppliers_awarded": len(used),
        "supplier_postcode_given_by": dict(sorted(how.items())),
        "supplier_outward_code_from": dict(sorted(where.items())),
        "bytes": nbytes,
        "average_line_bytes": round(nbytes / max(written, 1)),
        "seed": a.seed,
        "first_date": iso(0),
        "seconds": round(time.time() - started, 1),
    }
    with open(os.path.join(a.outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    print(json.dumps(summary), file=sys.stderr)


if __name__ == "__main__":
    main()
