#!/usr/bin/python3
"""Checks properties of briefparse output that golden files cannot show.
usage: stream_check.py BIN FILE...   prints "ok NAME" / "FAIL NAME: why" lines
- spans: input[span] holds the block (its heading or label, then its text), and
  every evidence span cuts out exactly its match (white space folded);
- concat: `cat FILE... | briefparse` splits into one briefing per file, each
  with source.sha256/bytes/offset of exactly that file, and the same records
  as the file run on its own (ids, texts, tags; offsets and line numbers
  shifted by one amount per briefing);
- stdin: a file piped in gives the same records as the file named;
- deterministic: two runs give byte-identical output;
- pretty: --pretty gives the same records as the compact output."""
import hashlib, json, re, subprocess, sys

BIN, files = sys.argv[1], sys.argv[2:]
fails = 0


def report(name, why):
    global fails
    if why:
        fails += 1
        print("FAIL %s: %s" % (name, why))
    else:
        print("ok %s" % name)


def run(args, data=None):
    p = subprocess.run([BIN] + args, input=data, capture_output=True, check=False)
    return p.returncode, p.stdout


def fold(s):
    return re.sub(r"\s+", " ", s.replace("\u00a0", " ")).strip()


def records(out):
    return [json.loads(l) for l in out.decode("utf-8").splitlines()]


def check_spans(path, recs, raw):
    for r in recs:
        if r["type"] == "briefing":
            continue
        cut = raw[r["span"]["start"]:r["span"]["end"]].decode("utf-8", "replace")
        head = r.get("heading") or ""
        want = fold(head + " " + r["text"]) if head else fold(r["text"])
        got = fold(cut)
        if r["type"] != "statement":
            got = fold(cut.split(":", 1)[1]) if ":" in cut[:120] else got
        words = want.split()
        if not got.startswith(" ".join(words[:6])) or not got.endswith(" ".join(words[-3:])):
            return "%s: span %s cuts %r..%r" % (r["id"], r["span"], got[:60], got[-40:])
        for field in ("countries", "organizations", "topics"):
            for t in r[field]:
                for e in t["evidence"]:
                    m = fold(raw[e["start"]:e["end"]].decode("utf-8", "replace"))
                    if m != fold(e["match"]):
                        return "%s: evidence %r cuts %r" % (r["id"], e["match"], m)
    return None


def strip_offsets(r, base, line_base=0):
    """r with offsets (and line numbers) made relative to its file."""
    r = json.loads(json.dumps(r))
    if r["type"] == "briefing":
        r.pop("source")
    if "line" in r:
        r["line"] -= line_base
    for key in ("span",):
        if key in r:
            r[key] = {k: v - base for k, v in r[key].items()}
    for field in ("countries", "organizations", "topics"):
        for t in r.get(field, []):
            for e in t["evidence"]:
                e["start"] -= base
                e["end"] -= base
    return r


raws = [open(f, "rb").read() for f in files]
singles = []
for f, raw in zip(files, raws):
    rc, out = run([f])
    recs = records(out)
    singles.append(recs)
    name = f.split("/")[-1]
    report("spans:" + name, "exit %d" % rc if rc else check_spans(f, recs, raw))
    rc2, out2 = run(["-"], raw)
    report("stdin:" + name, None if [strip_offsets(r, 0) for r in records(out2)] == [strip_offsets(r, 0) for r in recs] else "stdin output differs")
    report("deterministic:" + name, None if run([f])[1] == out else "second run differs")
    # --pretty renders tag arrays through cJSON nodes, compact output renders
    # them directly: the records must be the same
    rc3, pretty = run(["--pretty", f])
    dec, text, pos, objs = json.JSONDecoder(), pretty.decode("utf-8"), 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        o, pos = dec.raw_decode(text, pos)
        objs.append(o)
    report("pretty:" + name, None if objs == recs else "--pretty gives different records")

rc, out = run([], b"".join(raws))
recs = records(out)
briefings = [r for r in recs if r["type"] == "briefing"]
why = None
if len(briefings) != len(files):
    why = "%d briefings for %d files" % (len(briefings), len(files))
else:
    base = 0
    groups, cur = [], []
    for r in recs:
        cur.append(r)
        if r["type"] == "briefing":
            groups.append(cur)
            cur = []
    for raw, b, group, single in zip(raws, briefings, groups, singles):
        src = b["source"]
        if src["sha256"] != hashlib.sha256(raw).hexdigest() or src["bytes"] != len(raw) or src["offset"] != base:
            why = "briefing %s: source %s, expected offset %d bytes %d" % (b["id"], src, base, len(raw))
            break
        # line numbers continue across the stream: one shift per briefing
        shift = group[0].get("line", 0) - single[0].get("line", 0)
        if [strip_offsets(r, base, shift) for r in group] != [strip_offsets(r, 0) for r in single]:
            why = "briefing %s: records differ from the file run on its own" % b["id"]
            break
        base += len(raw)
    if why is None:
        why = check_spans("concat", recs, b"".join(raws))
report("concat", why)
sys.exit(1 if fails else 0)
