#!/usr/bin/env python3
"""One-off helper: derive tools/corpus/udhr_xlmr.tsv from the shared UDHR extraction.

Not part of the fixture run (make_fixtures.py reads only committed files under tools/).
It picks, for every XLM-R (CC100) language code listed in shared/data/xlmr_language_coverage.tsv,
the FIRST UDHR translation key listed for it, and copies that translation's 30 articles.
Source, licence and attribution: see tools/README.md ("Corpus").

Usage (from the repo root, with shared/ beside it):
    /usr/bin/python3 tools/extract_udhr_corpus.py [SHARED_DATA_DIR]
"""
import csv
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main():
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data"
    coverage = list(csv.DictReader(open(data / "xlmr_language_coverage.tsv", encoding="utf-8"), delimiter="\t"))
    wanted = {}  # udhr key -> xlmr code, in coverage-file order
    for row in coverage:
        keys = [k for k in row["udhr_keys"].split(",") if k]
        if keys and keys[0] not in wanted:
            wanted[keys[0]] = row["xlmr_code"]
    rows = []
    with open(data / "udhr" / "udhr_articles.tsv", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if r["key"] in wanted:
                text = " ".join(r["text"].split())
                rows.append((wanted[r["key"]], r["key"], r["script"], int(r["article"]), text))
    order = {k: i for i, k in enumerate(wanted)}
    rows.sort(key=lambda x: (order[x[1]], x[3]))
    out = REPO / "tools" / "corpus" / "udhr_xlmr.tsv"
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("xlmr_code\tudhr_key\tscript\tarticle\ttext\n")
        for code, key, script, art, text in rows:
            f.write(f"{code}\t{key}\t{script}\t{art}\t{text}\n")
    print(f"wrote {out} ({len(rows)} articles, {len(wanted)} translations, {out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
