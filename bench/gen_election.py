#!/usr/bin/env python3
"""Generates a ballot box for `lumbung election recount`: BALLOTS.csv with
written name variants (honorifics, case, spacing), the GROUPS.csv that ties
the variants to their person, and a RESIDENTS.csv.

Usage: gen_election.py BALLOTS OUT_PREFIX [SEED]
  writes OUT_PREFIX.ballots.csv, OUT_PREFIX.groups.csv, OUT_PREFIX.residents.csv

Deterministic for a seed. People are drawn with a Zipf-like weight, so the
ranking has a head and a long tail; about 6% of the ballots are invalid
(too few, too many or repeated names, a name from outside the residents).
"""
import random
import sys

FIRST_M = ["Udin", "Asep", "Budi", "Joko", "Eko", "Fajar", "Hadi", "Agus", "Dedi", "Yusuf",
           "Rahmat", "Iwan", "Slamet", "Bambang", "Ujang", "Dadang", "Cecep", "Entis", "Ahmad", "Rudi"]
FIRST_F = ["Siti", "Ani", "Rina", "Dewi", "Gita", "Nur", "Euis", "Yati", "Lilis", "Tuti",
           "Wati", "Sri", "Neng", "Imas", "Ratna", "Yuli", "Aisyah", "Fitri", "Ika", "Mira"]
LAST = ["Saprudin", "Hidayat", "Suryana", "Kurniawan", "Rahayu", "Permana", "Setiawan", "Lestari",
        "Gunawan", "Nugraha", "Sudrajat", "Wijaya", "Hermawan", "Maulana", "Purnama", "Saputra",
        "Supriatna", "Kusnadi", "Ruhiyat", "Sobari", "Mulyadi", "Hasanah", "Fauziah", "Komariah",
        "Solihin", "Rohman", "Sumarna", "Sukmana", "Jaelani", "Mansur"]
HONORIFICS_M = ["Pak", "Pak Haji", "H.", "Bapak", "Kang", "Mang"]
HONORIFICS_F = ["Bu", "Ibu", "Hj.", "Teh", "Bu Hajjah", "Ceu"]


def main():
    n_ballots = int(sys.argv[1])
    prefix = sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 2024)

    people = []  # (name, variants needing a grouping entry)
    for i, last in enumerate(LAST):
        for first, hon in [(f, HONORIFICS_M) for f in FIRST_M] + [(f, HONORIFICS_F) for f in FIRST_F]:
            name = f"{first} {last}"
            # Three honorific variants per person, picked per person.
            hs = rng.sample(hon, 3)
            people.append((name, [f"{h} {name}" for h in hs]))
    rng.shuffle(people)
    # Zipf-like weights: person k has weight 1/(k+10).
    weights = [1.0 / (k + 10) for k in range(len(people))]
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)

    def written(person):
        name, variants = person
        r = rng.random()
        if r < 0.45:
            return name
        if r < 0.80:
            return rng.choice(variants)
        if r < 0.90:
            return name.upper()
        if r < 0.95:
            return name.lower()
        return "  " + name.replace(" ", "   ") + " "  # spacing: quoted below

    with open(prefix + ".groups.csv", "w", encoding="utf-8") as g:
        g.write("written,person\n")
        for name, variants in people:
            for v in variants:
                g.write(f"{v},{name}\n")
    outsiders = [f"Tamu {i}" for i in range(50)]
    with open(prefix + ".residents.csv", "w", encoding="utf-8") as r:
        r.write("person\n")
        for name, _ in people:
            r.write(name + "\n")

    choices = rng.choices
    n_people = len(people)
    with open(prefix + ".ballots.csv", "w", encoding="utf-8") as b:
        b.write("ballot_id,name1,name2,name3,name4\n")
        out = []
        for i in range(n_ballots):
            r = rng.random()
            if r < 0.02:
                k = 1
            elif r < 0.03:
                k = 4
            else:
                k = 2 if r < 0.45 else 3
            picked = choices(range(n_people), cum_weights=cum, k=k)
            names = [written(people[p]) for p in picked]
            if rng.random() < 0.005:
                names[-1] = rng.choice(outsiders)
            cells = [f'"{n}"' if n.startswith(" ") else n for n in names]
            cells += [""] * (4 - len(cells))
            out.append(f"B{i + 1:07d}," + ",".join(cells) + "\n")
            if len(out) >= 10000:
                b.write("".join(out))
                out.clear()
        b.write("".join(out))


if __name__ == "__main__":
    main()
