#!/usr/bin/env python3
"""A city's revolving-fund books for the fund benchmark (stdlib only).

    python3 bench/fund-gen.py OUTDIR [--upks 1000] [--loans 1000000]
        [--repayments 20000000] [--postings 1000000] [--today YYYY-MM-DD] [--seed 1]

Writes into OUTDIR:
- loans.csv       upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly,schedule
- repayments.csv  loan_id,paid_on,amount: each loan's card in date order,
                  loan after loan, every payment dated on or before TODAY
- posting.csv     loan_id,paid_on,amount,key: new repayments dated TODAY for
                  existing loans (the interactive posting benchmark), UPK
                  after UPK as their cashiers post them
- posting-city.csv  the same repayments in random order across the city
                  (other keys), the worst case for the pages a batch touches
- summary.json    counts and sums, for checks

The city: UPKs of different sizes, KSMs named per UPK (a KSM takes several
loans over the years); loans disbursed over the last two years, terms 3-12
months, principal 500,000-10,000,000 (smaller loans more common), a flat
fee of 1.5% a month (a fifth on the declining schedule). KSMs collect at
weekly or fortnightly meetings, so an instalment is paid in a few parts
(how many is set to reach --repayments). Most pay on time; some pay late
(5-60 days) and catch up; some stop paying after a few instalments; a few
pay a little less than due.
"""

import argparse
import calendar
import datetime as dt
import json
import os
import random
import sys
import time

WORDS = (
    "Melati Mawar Kenanga Anggrek Dahlia Cempaka Flamboyan Teratai Kamboja Seruni "
    "Sejahtera Mandiri Makmur Sentosa Berkah Harapan Sumber-Rejeki Maju-Bersama "
    "Karya-Usaha Tunas-Harapan Bina-Usaha Sri-Rejeki Mekar-Sari Sido-Mulyo Guyub "
    "Rukun Gotong-Royong Cahaya Bintang Pelangi"
).split()
PLACES = (
    "Ciruas Kramatwatu Serang Cipocok Taktakan Kasemen Walantaka Curug Kalanganyar "
    "Pontang Tirtayasa Carenang Binuang Kragilan Kibin Cikande Jawilan Petir Baros "
    "Pabuaran Cinangka Anyar Mancak Gunungsari Bojonegara Pulo-Ampel Lebak-Wangi"
).split()


def add_months(y, m, d, k):
    """The due date k months after (y, m, d): same day, or the month's last."""
    m0 = m - 1 + k
    y2, m2 = y + m0 // 12, m0 % 12 + 1
    return dt.date(y2, m2, min(d, calendar.monthrange(y2, m2)[1])).toordinal()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--upks", type=int, default=1000)
    ap.add_argument("--loans", type=int, default=1_000_000)
    ap.add_argument("--repayments", type=int, default=20_000_000)
    ap.add_argument("--postings", type=int, default=1_000_000)
    ap.add_argument("--today", default=dt.date.today().isoformat())
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    started = time.time()
    rng = random.Random(a.seed)
    today = dt.date.fromisoformat(a.today).toordinal()
    os.makedirs(a.outdir, exist_ok=True)

    # Date texts by ordinal, for every date the books can hold.
    first_day = today - 800
    text = [dt.date.fromordinal(o).isoformat() for o in range(first_day, today + 1)]

    # UPKs of different sizes, each with its KSMs (about four loans each).
    upk_names = [f"UPK {PLACES[i % len(PLACES)]} {i + 1:04d}" for i in range(a.upks)]
    weights = [rng.uniform(0.4, 1.6) for _ in range(a.upks)]
    total_w = sum(weights)
    loans_of_upk = [max(1, int(a.loans * w / total_w)) for w in weights]
    loans_of_upk[-1] += a.loans - sum(loans_of_upk)
    assert loans_of_upk[-1] > 0

    # Pass 1: the loans and how many instalments each one's KSM pays.
    # A loan: (upk, ksm, id, disbursed ordinal, principal, term, declining, behaviour, paid instalments)
    loans = []
    due_instalments = 0
    n = 0
    for u, count in enumerate(loans_of_upk):
        ksms = max(1, count // 4)
        for _ in range(count):
            n += 1
            k = rng.randrange(ksms)
            ksm = f"KSM {WORDS[(7 * k + u) % len(WORDS)]} {u + 1:04d}-{k + 1:04d}"
            disbursed = today - rng.randint(1, 730)
            # Smaller loans are more common: log-uniform, in steps of 50,000.
            principal = int(round(500_000 * 20 ** rng.random() / 50_000)) * 50_000
            principal = min(10_000_000, max(500_000, principal))
            term = rng.choice((3, 4, 5, 6, 6, 8, 9, 10, 10, 12, 12, 12))
            declining = rng.random() < 0.2
            r = rng.random()
            behaviour = 0 if r < 0.75 else (1 if r < 0.90 else (2 if r < 0.98 else 3))
            # 0 on time, 1 late and catching up, 2 stops paying, 3 pays a little less
            d = dt.date.fromordinal(disbursed)
            dues = [add_months(d.year, d.month, d.day, k) for k in range(1, term + 1)]
            paid = term
            if behaviour == 2:
                paid = rng.randint(0, max(0, term - 2))
            loans.append((u, ksm, f"L{n:07d}", disbursed, principal, term, declining, behaviour, paid, dues))
            due_instalments += sum(1 for x in dues[:paid] if x <= today + 21)

    # Parts per instalment (weekly or fortnightly collections) to reach the target.
    # (3% more: the parts of an instalment dated after today are not paid yet)
    mean_parts = max(1.0, 1.03 * a.repayments / max(1, due_instalments))
    base = int(mean_parts)
    frac = mean_parts - base
    print(f"{a.loans:,} loans, ~{due_instalments:,} instalments paid, {mean_parts:.2f} parts each", file=sys.stderr)

    # Pass 2: write the files.
    lf = open(os.path.join(a.outdir, "loans.csv.tmp"), "w", buffering=1 << 22)
    rf = open(os.path.join(a.outdir, "repayments.csv.tmp"), "w", buffering=1 << 22)
    lf.write("upk,ksm,loan_id,disbursed_on,principal,term_months,fee_rate_monthly,schedule\n")
    rf.write("loan_id,paid_on,amount\n")
    rows = 0
    total_principal = 0
    total_paid = 0
    rand = rng.random
    randint = rng.randint
    for (u, ksm, lid, disbursed, principal, term, declining, behaviour, paid, dues) in loans:
        lf.write(
            f"{upk_names[u]},{ksm},{lid},{text[disbursed - first_day]},{principal},{term},0.015,"
            f"{'declining' if declining else 'flat'}\n"
        )
        total_principal += principal
        each = principal // term
        outstanding = principal
        late = randint(5, 60) if behaviour == 1 else 0
        out = []
        for k in range(paid):
            part_p = principal - each * (term - 1) if k == term - 1 else each
            fee = (outstanding if declining else principal) * 15 // 1000
            outstanding -= part_p
            amount = part_p + fee
            if behaviour == 3:
                amount = amount * 9 // 10
            due = dues[k] + late
            parts = base + (1 if rand() < frac else 0)
            step = 7 if parts > 2 else 14
            # Parts of 1,000 rupiah each but the last, at the meetings up to the due date.
            share = amount // parts // 1000 * 1000
            for j in range(parts):
                on = due - step * (parts - 1 - j)
                if on <= disbursed:
                    on = disbursed + 1
                if on > today:
                    break
                amt = amount - share * (parts - 1) if j == parts - 1 else share
                if amt <= 0:
                    continue
                out.append(f"{lid},{text[on - first_day]},{amt}\n")
                total_paid += amt
            else:
                continue
            break
        rows += len(out)
        rf.write("".join(out))
    lf.close()
    rf.close()
    os.replace(os.path.join(a.outdir, "loans.csv.tmp"), os.path.join(a.outdir, "loans.csv"))
    os.replace(os.path.join(a.outdir, "repayments.csv.tmp"), os.path.join(a.outdir, "repayments.csv"))

    # The posting benchmark: new repayments dated today for existing loans,
    # each with its UPK's receipt number (numbered in the UPK as paid), as
    # the UPKs' cashiers post them (UPK after UPK; within a UPK, its loans
    # in no order), and the same repayments in random order across the city
    # (other keys), the worst case for the pages a batch touches.
    today_text = text[today - first_day]
    posted = 0
    posts = []
    receipts = [0] * a.upks
    for i in range(a.postings):
        n = rng.randrange(len(loans))
        u = loans[n][0]
        receipts[u] += 1
        amt = rng.randint(10, 300) * 1000
        posted += amt
        posts.append((u, i, f"{loans[n][2]},{today_text},{amt}", f"{a.today}-{u + 1:04d}-{receipts[u]:06d}"))
    for name, order, tag in (
        ("posting.csv", sorted(posts), "KUITANSI"),
        ("posting-city.csv", posts, "KOTA"),
    ):
        with open(os.path.join(a.outdir, name + ".tmp"), "w", buffering=1 << 22) as pf:
            pf.write("loan_id,paid_on,amount,key\n")
            pf.write("".join(f"{r[2]},{tag}-{r[3]}\n" for r in order))
        os.replace(os.path.join(a.outdir, name + ".tmp"), os.path.join(a.outdir, name))

    summary = {
        "today": a.today,
        "seed": a.seed,
        "upks": a.upks,
        "loans": a.loans,
        "principal": total_principal,
        "repayments": rows,
        "repaid": total_paid,
        "postings": a.postings,
        "posted": posted,
        "seconds": round(time.time() - started, 1),
    }
    with open(os.path.join(a.outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary), file=sys.stderr)


if __name__ == "__main__":
    main()
