#!/usr/bin/env python3
"""Build a {text, lang, source} JSON Lines corpus for `crest cluster` from shared/data (UDHR + NTREX-128).

For every XLM-R language code in shared/data/xlmr_language_coverage.tsv, it takes the first UDHR
translation key listed (articles 1..30 in order) and the first NTREX-128 code listed (sentences in line
order), up to --per-source units from each. `lang` is the XLM-R code. Standard library only; deterministic.

  python3 tools/make_cluster_corpus.py --data ../shared/data --per-source 20 --out target/cluster-corpus/corpus.jsonl
"""
import argparse
import csv
import json
import os
import sys
from collections import defaultdict

csv.field_size_limit(sys.maxsize)


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    ap.add_argument("--per-source", type=int, default=20, help="units per language from UDHR and from NTREX each")
    ap.add_argument("--out", default="target/cluster-corpus/corpus.jsonl")
    a = ap.parse_args()

    cov = read_tsv(os.path.join(a.data, "xlmr_language_coverage.tsv"))
    udhr = defaultdict(list)
    for r in read_tsv(os.path.join(a.data, "udhr", "udhr_articles.tsv")):
        udhr[r["key"]].append((int(r["article"]), r["text"]))
    ntrex = defaultdict(list)
    for r in read_tsv(os.path.join(a.data, "ntrex128", "ntrex128_first200.tsv")):
        ntrex[r["ntrex_code"]].append((int(r["line"]), r["text"]))

    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    langs = 0
    rows = 0
    missing = []
    with open(a.out, "w", encoding="utf-8") as out:
        for c in cov:
            code = c["xlmr_code"]
            units = []
            keys = [k for k in c["udhr_keys"].split(",") if k]
            if keys:
                units += [(t, "udhr:" + keys[0]) for _, t in sorted(udhr[keys[0]])[: a.per_source]]
            codes = [k for k in c["ntrex_codes"].split(",") if k]
            if codes:
                units += [(t, "ntrex:" + codes[0]) for _, t in sorted(ntrex[codes[0]])[: a.per_source]]
            units = [(t, s) for t, s in units if t.strip()]
            if not units:
                missing.append(code)
                continue
            langs += 1
            for t, s in units:
                out.write(json.dumps({"text": t, "lang": code, "source": s}, ensure_ascii=False) + "\n")
                rows += 1
    print(f"wrote {rows} rows in {langs} languages to {a.out}; no text for {missing}", file=sys.stderr)


if __name__ == "__main__":
    main()
