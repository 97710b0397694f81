#!/usr/bin/env python3
"""Per-topic precision, recall and F1 of briefparse output against gold files.

usage: pertopic.py [--json] GOLD_DIR OUT_DIR
Runs tests/gold/score --verbose over every GOLD_DIR/NAME.gold.json and
OUT_DIR/NAME.jsonl (the scorer aligns the blocks) and splits its topic
misses by topic: fn from "missing", fp from "extra", tp = gold labels - fn.
The last row, "all", is the scorer's own micro-average.
"""
import ast, json, os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main(argv):
    as_json = "--json" in argv
    args = [a for a in argv if a != "--json"]
    if len(args) != 2:
        sys.exit(__doc__)
    gdir, odir = args
    gold_n, fp, fn = {}, {}, {}
    for f in sorted(os.listdir(gdir)):
        if f.endswith(".gold.json"):
            g = json.load(open(os.path.join(gdir, f), encoding="utf-8"))
            for b in g["statements"] + g["qa"]:
                for t in b.get("topics", []):
                    gold_n[t] = gold_n.get(t, 0) + 1
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tests/gold/score"), "--gold", gdir,
                          "--out", odir, "--verbose", "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("pertopic: score failed: " + out.stderr)
    lines = out.stdout.splitlines()
    summary = json.loads(lines[0])
    for line in lines[1:]:
        m = re.match(r"miss topics: .*: missing (\[.*?\]), extra (\[.*?\])$", line)
        if not m:
            continue
        for t in ast.literal_eval(m.group(1)):
            fn[t] = fn.get(t, 0) + 1
        for t in ast.literal_eval(m.group(2)):
            fp[t] = fp.get(t, 0) + 1
    rows = {}
    for t in sorted(set(gold_n) | set(fp)):
        tp = gold_n.get(t, 0) - fn.get(t, 0)
        p, r, f = prf(tp, fp.get(t, 0), fn.get(t, 0))
        rows[t] = {"gold": gold_n.get(t, 0), "tp": tp, "fp": fp.get(t, 0), "fn": fn.get(t, 0),
                   "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}
    rows["all"] = summary["topics"]
    rows["countries"] = summary["countries"]
    if as_json:
        print(json.dumps(rows, sort_keys=True))
        return
    print("%-18s %5s %4s %4s %4s %6s %6s %6s" % ("topic", "gold", "tp", "fp", "fn", "P", "R", "F1"))
    for t, v in rows.items():
        if t in ("all", "countries"):
            print("%-18s %5s %4s %4s %4s %6.3f %6.3f %6.3f" % (t, "", "", "", "", v["precision"], v["recall"], v["f1"]))
        else:
            print("%-18s %5d %4d %4d %4d %6.3f %6.3f %6.3f" % (t, v["gold"], v["tp"], v["fp"], v["fn"],
                                                          v["precision"], v["recall"], v["f1"]))


if __name__ == "__main__":
    main(sys.argv[1:])
