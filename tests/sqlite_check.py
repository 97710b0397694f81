#!/usr/bin/python3
"""Checks of a briefparse SQLite database (--sqlite).
usage: sqlite_check.py consistent DB            the database is whole: it has the schema,
                                               SQLite's and FTS5's integrity checks pass,
                                               every briefing has exactly its counted
                                               blocks, every block and tag row belongs to a
                                               briefing, no id twice; or, when briefparse
                                               was killed before it made the database, there
                                               is nothing at all at DB (no file, no -wal,
                                               -shm or -journal): never a database without
                                               its schema
       sqlite_check.py same DB1 DB2             both hold the same briefings, blocks, tags
       sqlite_check.py stall BIN DB FILE        runs BIN -t1 --sqlite DB with FILE on a stdin
                                               left open, waits for the first briefing to
                                               be committed and kills BIN with SIGKILL
       sqlite_check.py queries DB JSONL         the README's two queries (country SY, FTS
                                               'sanctions') give what the records say
Prints nothing and exits 0 when the check holds, else says why and exits 1."""
import json, os, re, sqlite3, sys


def fail(why):
    print(why)
    sys.exit(1)


def one(con, sql, *args):
    return con.execute(sql, args).fetchone()[0]


SCHEMA = ("briefparse_meta", "briefings", "agenda", "warnings", "blocks", "block_countries",
          "block_organizations", "block_topics", "briefing_sources", "blocks_fts")


def consistent(path):
    if not os.path.exists(path):
        # killed before the database existed: nothing may be there at all
        left = [path + s for s in ("-wal", "-shm", "-journal") if os.path.exists(path + s)]
        if left:
            fail("no database, but %s" % ", ".join(left))
        return
    con = sqlite3.connect(path)
    tables = set(r[0] for r in con.execute("select name from sqlite_master where type = 'table'"))
    missing = [t for t in SCHEMA if t not in tables]
    if missing:
        fail("a database without its schema: no table %s (%d bytes)" %
             (", ".join(missing), os.path.getsize(path)))
    if one(con, "pragma integrity_check") != "ok":
        fail("integrity_check: %s" % one(con, "pragma integrity_check"))
    try:
        con.execute("insert into blocks_fts(blocks_fts, rank) values('integrity-check', 1)")
    except sqlite3.Error as e:
        fail("FTS5 integrity-check: %s" % e)
    rows = con.execute("select b.briefing_id, b.statements + b.questions + b.answers,"
                       " (select count(*) from blocks k where k.briefing_id = b.briefing_id)"
                       " from briefings b").fetchall()
    for bid, want, got in rows:
        if want != got:
            fail("%s: %d blocks for %d counted" % (bid, got, want))
    for sql, what in (
            ("select count(*) from blocks where briefing_id not in (select briefing_id from briefings)",
             "blocks without their briefing"),
            ("select count(*) from agenda where briefing_id not in (select briefing_id from briefings)",
             "agenda rows without their briefing"),
            ("select count(*) from (select id from blocks group by id having count(*) > 1)",
             "block ids twice"),
            ("select count(*) from block_countries where block_id not in (select block_id from blocks)",
             "country rows without their block"),
            ("select count(*) from block_organizations where block_id not in (select block_id from blocks)",
             "organisation rows without their block"),
            ("select count(*) from block_topics where block_id not in (select block_id from blocks)",
             "topic rows without their block"),
            ("select (select count(*) from blocks) - (select count(*) from blocks_fts)",
             "FTS rows differing from blocks")):
        n = one(con, sql)
        if n:
            fail("%d %s" % (n, what))
    con.close()


def content(path):
    con = sqlite3.connect(path)
    out = {
        "briefings": con.execute("select briefing_id, sha256, title, date, statements, questions,"
                                 " answers from briefings order by briefing_id").fetchall(),
        "blocks": con.execute("select id, briefing_id, type, heading, speaker, text, span_start,"
                              " span_end from blocks order by id").fetchall(),
    }
    for table, key in (("block_countries", "code"), ("block_organizations", "code"),
                       ("block_topics", "topic")):
        out[table] = con.execute("select b.id, t.%s, t.count, t.evidence from %s t join blocks b"
                                 " using(block_id) order by b.id, t.%s" % (key, table, key)).fetchall()
    out["agenda"] = con.execute("select * from agenda order by briefing_id, pos").fetchall()
    out["warnings"] = con.execute("select * from warnings order by briefing_id, pos").fetchall()
    con.close()
    return out


def same(a, b):
    ca, cb = content(a), content(b)
    for k in ca:
        if ca[k] != cb[k]:
            fail("%s differ: %d rows and %d rows" % (k, len(ca[k]), len(cb[k])))


def queries(path, jsonl):
    import subprocess
    recs = [json.loads(l) for l in open(jsonl, encoding="utf-8")]
    blocks = [r for r in recs if r["type"] != "briefing"]

    def cli(sql):
        p = subprocess.run(["sqlite3", "-json", path, sql], capture_output=True, check=True)
        return json.loads(p.stdout or b"[]")

    got = cli("select date, text from blocks join block_countries using(block_id) where code='SY'")
    want = [{"date": r["date"], "text": r["text"]} for r in blocks
            if any(c["code"] == "SY" for c in r["countries"])]
    if not want:
        fail("no block tagged SY in the records: a test that cannot fail")
    if sorted(got, key=json.dumps) != sorted(want, key=json.dumps):
        fail("country query: %d rows for %d tagged blocks" % (len(got), len(want)))
    got = cli("select date, text from blocks_fts where blocks_fts match 'sanctions'")
    texts = [g["text"] for g in got]
    word = re.compile(r"\bsanctions\b", re.I)
    must = [r["text"] for r in blocks if word.search(r["text"] + " " + (r.get("heading") or ""))]
    if not must:
        fail("no block says 'sanctions' in the records: a test that cannot fail")
    missing = [t for t in must if t not in texts]
    if missing:
        fail("FTS query misses %d of %d blocks saying 'sanctions'" % (len(missing), len(must)))
    heads = dict(((r["text"]), r.get("heading") or "") for r in blocks)
    stray = [t for t in texts if not re.search(r"\bsanction", t + " " + heads.get(t, ""), re.I)]
    if stray:
        fail("FTS query gives %d blocks without the word: %r" % (len(stray), stray[0][:80]))
    got2 = cli("select b.date, b.text from blocks b join blocks_fts f on f.rowid = b.block_id"
               " where blocks_fts match 'sanctions' order by rank")
    if sorted(texts) != sorted(g["text"] for g in got2):
        fail("the FTS join gives other rows than the FTS table alone")


def stall(binary, path, infile):
    import signal, subprocess, time
    p = subprocess.Popen([binary, "-t1", "--sqlite", path], stdin=subprocess.PIPE)
    p.stdin.write(open(infile, "rb").read())
    p.stdin.flush()
    n, deadline = 0, time.time() + 20
    while n < 1 and time.time() < deadline:
        time.sleep(0.1)
        try:
            con = sqlite3.connect(path, timeout=5)
            n = one(con, "select count(*) from briefings")
            con.close()
        except sqlite3.Error:
            pass
    time.sleep(0.5)  # the next briefing's blocks go in meanwhile
    p.send_signal(signal.SIGKILL)
    p.wait()
    p.stdin.close()
    if n < 1:
        fail("no briefing was committed within 20 s")


cmd = sys.argv[1]
if cmd == "consistent":
    consistent(sys.argv[2])
elif cmd == "same":
    same(sys.argv[2], sys.argv[3])
elif cmd == "stall":
    stall(sys.argv[2], sys.argv[3], sys.argv[4])
elif cmd == "queries":
    queries(sys.argv[2], sys.argv[3])
else:
    fail("unknown check %r" % cmd)
