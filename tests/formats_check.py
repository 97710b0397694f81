#!/usr/bin/python3
"""Checks each output format against the JSON Lines records (the reference).
usage: formats_check.py BIN TMPDIR FILE[:ARGS]...   prints "ok NAME" / "FAIL NAME: why"
ARGS: extra options, comma-separated (e.g. seed-001.txt:--no-classify).
For every file:
- json: one document per briefing (one a line); each document minus
  "blocks" is the briefing record, its "blocks" are that briefing's block
  records, in order; --pretty gives the same documents;
- csv: Python's csv module reads it back: the header, then one row per block
  record with the same fields (tags as codes/ids joined by ';', text exact;
  the profile fields profile, language, speaker_name, outlet last);
- sqlite: the database (--sqlite) holds the same briefings, blocks and tags
  (names, counts, scores, evidence) as the records;
and a stream of all the files through each format matches the JSON Lines
stream of all of them."""
import csv, io, json, os, sqlite3, subprocess, sys
from jsonschema import Draft202012Validator

BIN, TMP, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
SCHEMA = json.load(open(os.path.join(os.path.dirname(__file__), "..", "docs", "schema.json"),
                       encoding="utf-8"))
DOCUMENT = Draft202012Validator(dict(SCHEMA, oneOf=[{"$ref": "#/$defs/document"}]))
HEADER = ("briefing,id,date,type,seq,exchange,agenda,speaker,heading,countries,"
          "organizations,topics,text,profile,language,speaker_name,outlet").split(",")


def report(name, why):
    print("FAIL %s: %s" % (name, why) if why else "ok %s" % name)


def run(args, data=None):
    p = subprocess.run([BIN] + args, input=data, capture_output=True, check=False)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(args), p.returncode,
                                                p.stderr.decode("utf-8", "replace")[:300]))
    return p.stdout


def jsonl(out):
    return [json.loads(l) for l in out.decode("utf-8").splitlines()]


def documents(text):
    """Concatenated JSON documents (compact: one a line; pretty: indented)."""
    dec, docs, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i == len(text):
            return docs
        doc, i = dec.raw_decode(text, i)
        docs.append(doc)


def group(recs):
    """The JSONL records as (briefing record, [its blocks]) in stream order."""
    out, blocks = [], []
    for r in recs:
        if r["type"] == "briefing":
            out.append((r, blocks))
            blocks = []
        else:
            blocks.append(r)
    if blocks:
        raise ValueError("blocks after the last briefing record")
    return out


def check_json(args, recs, pretty):
    out = run(args + ["--format", "json"] + (["--pretty"] if pretty else []))
    text = out.decode("utf-8")
    docs = documents(text)
    want = group(recs)
    if not pretty and len(text.splitlines()) != len(docs):
        return "compact documents are not one a line"
    if len(docs) != len(want):
        return "%d documents for %d briefings" % (len(docs), len(want))
    for d, (b, blocks) in zip(docs, want):
        errs = list(DOCUMENT.iter_errors(d))
        if errs:
            return "%s: not a valid document: %s" % (b["id"], errs[0].message[:200])
        got_blocks = d.pop("blocks", None)
        if d != b:
            keys = sorted(k for k in set(d) | set(b) if d.get(k) != b.get(k))
            return "%s: document differs from the briefing record in %s" % (b["id"], keys)
        if got_blocks != blocks:
            return "%s: blocks differ from the block records (%d for %d)" % (
                b["id"], len(got_blocks or []), len(blocks))
        if pretty is False and list(json.loads(text.splitlines()[0]))[:2] != ["type", "id"]:
            return "document does not open with type and id"
    return None


def csv_row(r):
    statement = r["type"] == "statement"
    join = lambda tags, key: ";".join(t[key] for t in tags)
    return [r["briefing"], r["id"], r["date"] or "", r["type"], str(r["seq"]),
            "" if statement or r["exchange"] is None else str(r["exchange"]), (r.get("agenda") or "") if statement else "",
            r.get("speaker") or "", r.get("heading") or "", join(r["countries"], "code"),
            join(r["organizations"], "code"), join(r["topics"], "id"), r["text"],
            r.get("profile") or "", r.get("language") or "",
            r.get("speaker_name") or "", r.get("outlet") or ""]


def check_csv(args, recs):
    out = run(args + ["--format", "csv"])
    if not out.endswith(b"\r\n") or b"\r\n" not in out.split(b"\n", 1)[0] + b"\n":
        return "rows do not end with CRLF"
    rows = list(csv.reader(io.StringIO(out.decode("utf-8"), newline=""), strict=True))
    if not rows or rows[0] != HEADER:
        return "header %r" % (rows[:1],)
    want = [csv_row(r) for r in recs if r["type"] != "briefing"]
    if len(rows) - 1 != len(want):
        return "%d rows for %d blocks" % (len(rows) - 1, len(want))
    for got, w in zip(rows[1:], want):
        if got != w:
            diff = [HEADER[i] for i in range(len(HEADER)) if i >= len(got) or got[i] != w[i]]
            return "%s: row differs in %s" % (w[1], diff)
    return None


def tags_from_db(con, table, key, block_id, topic):
    cols = "%s, name, %scount, evidence" % (key, "score, " if topic else "")
    rows = con.execute("select %s from %s where block_id = ? order by %s" % (cols, table, key),
                       (block_id,)).fetchall()
    out = []
    for row in rows:
        t = {("id" if topic else "code"): row[0]}
        if row[1] is not None:
            t["name"] = row[1]
        if topic:
            t["score"] = row[2]
        t["count"] = row[-2]
        t["evidence"] = json.loads(row[-1])
        out.append(t)
    return out


def block_from_db(con, row):
    (block_id, bid, briefing, date, typ, seq, exchange, agenda, heading, speaker, text, s0, s1,
     line, speaker_name, outlet) = row
    r = {"type": typ, "id": bid, "briefing": briefing, "date": date, "seq": seq}
    prof = con.execute("select profile, language from briefings where briefing_id = ?",
                       (briefing,)).fetchone()
    if prof and prof[0] is not None:  # the briefing's layout profile, on each block
        r["profile"], r["language"] = prof
    if typ == "statement":
        r["agenda"] = agenda
        r["heading"] = heading
    else:
        r["exchange"] = exchange
        r["speaker"] = speaker
        if speaker_name is not None:
            r["speaker_name"] = speaker_name
        if outlet is not None:
            r["outlet"] = outlet
    r["text"] = text
    r["span"] = {"start": s0, "end": s1}
    r["line"] = line
    r["countries"] = tags_from_db(con, "block_countries", "code", block_id, False)
    r["organizations"] = tags_from_db(con, "block_organizations", "code", block_id, False)
    r["topics"] = tags_from_db(con, "block_topics", "topic", block_id, True)
    return r


def by_key(tags, key):
    return sorted(tags, key=lambda t: t[key])


def briefing_from_db(con, bid):
    con.row_factory = sqlite3.Row
    b = con.execute("select * from briefings where briefing_id = ?", (bid,)).fetchone()
    agenda = con.execute("select n, title, ref, section from agenda where briefing_id = ?"
                         " order by pos", (bid,)).fetchall()
    warnings = con.execute("select code, count, line, message from warnings where briefing_id = ?"
                           " order by pos", (bid,)).fetchall()
    con.row_factory = None
    return {"type": "briefing", "id": b["briefing_id"], "schema": 1,
            "source": {"path": b["source_path"], "format": b["source_format"],
                       "offset": b["source_offset"], "bytes": b["source_bytes"],
                       "sha256": b["sha256"], "index": b["source_index"]},
            "title": b["title"], "date": b["date"], "time": b["time"],
            "spokesperson": b["spokesperson"], "role": b["role"], "place": b["place"],
            **({"spokesperson_name": b["spokesperson_name"]} if b["spokesperson_name"] is not None else {}),
            "agenda": [dict(a) for a in agenda],
            "counts": {"statements": b["statements"], "questions": b["questions"],
                       "answers": b["answers"], "exchanges": b["exchanges"],
                       "agenda": b["agenda_items"], "linked": b["linked"],
                       "unlinked": b["unlinked"], "skipped": b["skipped"],
                       **({"moderators": b["moderators"]} if b["moderators"] is not None else {})},
            "span": {"start": b["span_start"], "end": b["span_end"]},
            "warnings": [dict(w) for w in warnings],
            **({"profile": b["profile"], "language": b["language"]} if b["profile"] else {})}


def check_sqlite(args, recs, db):
    for f in (db, db + "-wal", db + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    run(args + ["--sqlite", db])
    con = sqlite3.connect(db)
    rows = con.execute("select * from blocks order by block_id").fetchall()
    blocks = sorted((block_from_db(con, r) for r in rows), key=lambda r: r["id"])
    # a briefing replaces any earlier one of the same id or the same source digest
    kept = {}
    for b, bl in group(recs):
        for k in [k for k, (o, _) in kept.items() if o["source"]["sha256"] == b["source"]["sha256"]]:
            del kept[k]
        kept[b["id"]] = (b, bl)
    want = sorted((r for _, bl in kept.values() for r in bl), key=lambda r: r["id"])
    if len(blocks) != len(want):
        return "%d blocks for %d block records" % (len(blocks), len(want))
    for got, w in zip(blocks, want):
        w = dict(w)
        for key, k in (("countries", "code"), ("organizations", "code"), ("topics", "id")):
            w[key] = by_key(w[key], k)
        if got != w:
            keys = sorted(k for k in set(got) | set(w) if got.get(k) != w.get(k))
            return "%s: block differs in %s" % (w["id"], keys)
    briefs = [b for b, _ in kept.values()]
    n = con.execute("select count(*) from briefings").fetchone()[0]
    if n != len(briefs):
        return "%d briefings for %d briefing records" % (n, len(briefs))
    for b in briefs:
        got = briefing_from_db(con, b["id"])
        if got != b:
            keys = sorted(k for k in set(got) | set(b) if got.get(k) != b.get(k))
            return "%s: briefing differs in %s" % (b["id"], keys)
    con.close()
    return None


def check_all(name, args, tmp):
    try:
        recs = jsonl(run(args))
        report("json:" + name, check_json(args, recs, False))
        report("json-pretty:" + name, check_json(args, recs, True))
        report("csv:" + name, check_csv(args, recs))
        report("sqlite:" + name, check_sqlite(args, recs, tmp))
    except (RuntimeError, ValueError, KeyError, TypeError, csv.Error, sqlite3.Error) as e:
        report("formats:" + name, "%s: %s" % (type(e).__name__, e))


paths = []
for spec in specs:
    path, _, extra = spec.partition(":")
    args = [a for a in extra.split(",") if a]
    name = os.path.basename(path).rsplit(".", 1)[0]
    check_all(name, args + [path], os.path.join(TMP, "formats-%s.db" % name))
    if not args:
        paths.append(path)
check_all("stream", paths, os.path.join(TMP, "formats-stream.db"))
