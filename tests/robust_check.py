#!/usr/bin/env python3
"""Property test of the structure recognisers (issue 12).

For each seed transcript: insert one unknown line (a document number, a
banner, a link text, a lone punctuation mark, HTML debris, an NBSP-only line)
at every line position of the header and table of contents, and where a
heading or the next turn is due after each "Back to top", one at a time; and
delete each blank line of the header and table of contents, one at a time. Every variant must give the
same agenda, statements and turns as the unmodified transcript. The one
allowed difference is an inserted line that could really be content: when it
became an agenda item of its own, the briefing must say so in its warnings
(that item has no section: "agenda-unmatched").

All variants of a seed go through one briefparse process as one concatenated
stream (a title line starts the next briefing); the briefing record closes
each briefing, so records are grouped in order.

usage: robust_check.py BRIEFPARSE SEED.txt...
prints "ok NAME" or "FAIL NAME: why" per seed and kind, then a summary line
"robust: N variants, N pass".
"""
import json
import subprocess
import sys

UNKNOWN = {
    "number": "1349-27-06-2019",
    "banner": "Subscribe to our Telegram channel for the latest news",
    "banner!": "Stay informed: subscribe to our newsletter!",
    "link": "Print version",
    "mail": "Send by e-mail",
    "share": "Share",
    "punct": "|",
    "debris": '" rel="111">',
    "nbsp": "\u00a0",
    "nbsp2": "\u00a0 \u00a0",
}


def run(binary, text):
    p = subprocess.run([binary, "--no-classify", "-t1", "-"], input=text.encode("utf-8"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if p.returncode not in (0, 1):
        raise SystemExit("briefparse failed: %s" % p.stderr.decode("utf-8", "replace"))
    briefings, cur = [], []
    for line in p.stdout.decode("utf-8").splitlines():
        r = json.loads(line)
        if r["type"] == "briefing":
            briefings.append((r, cur))
            cur = []
        else:
            cur.append(r)
    return briefings


def structure(briefing):
    b, recs = briefing
    agenda = [(a["n"], a["title"]) for a in b["agenda"]]
    stmts = [(r["agenda"], r["heading"], r["text"]) for r in recs if r["type"] == "statement"]
    turns = [(r["type"], r["speaker"], r["exchange"], r["text"]) for r in recs if r["type"] != "statement"]
    return agenda, stmts, turns


def explain(base, got, inserted):
    """None when got is acceptable, else why not."""
    if got == base:
        return None
    (ba, bs, bt), (ga, gs, gt) = base, got
    if bs != gs:
        for i, (x, y) in enumerate(zip(bs, gs)):
            if x != y:
                return "statement %d differs: %r vs %r" % (i + 1, x[:2] + (x[2][:60],), y[:2] + (y[2][:60],))
        return "statements: %d vs %d" % (len(bs), len(gs))
    if bt != gt:
        for i, (x, y) in enumerate(zip(bt, gt)):
            if x != y:
                return "turn %d differs: %r vs %r" % (i + 1, x[:3] + (x[3][:60],), y[:3] + (y[3][:60],))
        return "turns: %d vs %d" % (len(bt), len(gt))
    return "agenda differs: %r" % sorted(set(ga) ^ set(ba))[:4]


def main():
    binary, seeds = sys.argv[1], sys.argv[2:]
    total = passed = 0
    for seed in seeds:
        text = open(seed, encoding="utf-8").read()
        if "mailing list" not in text:
            # a footer ends each briefing of the stream: without it the
            # furniture above the next title would join the last turn
            text = text.rstrip("\n") + "\n\nJoin the mailing list\n"
        lines = text.split("\n")
        (b0, recs0), = run(binary, text)
        base = structure((b0, recs0))
        first = min(r["line"] for r in recs0 if r["type"] == "statement")
        region = first - 1  # lines 0 .. first-2 are the header and table of contents
        # where a heading or the next turn is due: the two lines after each
        # "Back to top" (before and after the blank line that follows it)
        after_back = []
        for i, ln in enumerate(lines):
            if ln.strip() == "Back to top":
                after_back += [i + 1, i + 2]
        variants = []  # (kind, description, text, inserted line or None)
        for kind, u in UNKNOWN.items():
            for pos in list(range(region + 1)) + after_back:
                v = lines[:pos] + [u] + lines[pos:]
                variants.append((kind, pos + 1, "\n".join(v), u))
        for pos in range(region):
            if lines[pos].strip() == "":
                v = lines[:pos] + lines[pos + 1:]
                variants.append(("delete-blank", pos + 1, "\n".join(v), None))
        # one stream; each variant ends with its footer and a newline
        stream = "".join(t if t.endswith("\n") else t + "\n" for _, _, t, _ in variants)
        got = run(binary, stream)
        name = seed.rsplit("/", 1)[-1]
        if len(got) != len(variants):
            print("FAIL %s: %d variants gave %d briefings" % (name, len(variants), len(got)))
            total += len(variants)
            continue
        fails = {}
        for (kind, desc, _, u), g in zip(variants, got):
            total += 1
            why = explain(base, structure(g), u)
            if why and u is not None:
                # an inserted line that became an agenda item of its own, flagged
                ga = structure(g)[0]
                codes = {w["code"] for w in g[0]["warnings"]}
                extra = [a for a in ga if a not in base[0]]
                if (structure(g)[1:] == base[1:] and len(ga) == len(base[0]) + 1 and extra and
                        extra[0][1] == u.strip() and "agenda-unmatched" in codes):
                    why = None
            if why:
                fails.setdefault(kind, []).append((desc, "%s at line %d: %s" % ("insert %r" % u if u else "delete", desc, why)))
            else:
                passed += 1
        for kind in list(UNKNOWN) + ["delete-blank"]:
            if kind in fails:
                print("FAIL %s/%s: %d variants fail; first: %s" % (name, kind, len(fails[kind]), fails[kind][0][1]))
                print("    at lines %s" % " ".join(str(p) for p, _ in fails[kind]))
            else:
                print("ok %s/%s" % (name, kind))
    print("robust: %d variants, %d pass" % (total, passed))


if __name__ == "__main__":
    main()
