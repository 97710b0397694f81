#!/usr/bin/env python3
"""twin.py HTML.jsonl TEXT.jsonl: the records of an HTML page and of its text
twin are equal once source, span and evidence offsets are dropped. Prints
the first difference and exits 1 when they are not."""
import json
import sys


def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in ("source", "span", "start", "end")}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o


def load(path):
    return [strip(json.loads(l)) for l in open(path, encoding="utf-8") if l.strip()]


a, b = load(sys.argv[1]), load(sys.argv[2])
if len(a) != len(b):
    print("%d records, the text twin has %d" % (len(a), len(b)))
for i, (x, y) in enumerate(zip(a, b)):
    if x != y:
        for k in sorted(set(x) | set(y)):
            if x.get(k) != y.get(k):
                print("record %d (%s) differs in %s:\n  html: %s\n  text: %s" %
                      (i + 1, y.get("type"), k, json.dumps(x.get(k), ensure_ascii=False)[:300],
                       json.dumps(y.get(k), ensure_ascii=False)[:300]))
                break
        sys.exit(1)
sys.exit(0 if len(a) == len(b) else 1)
