#!/usr/bin/python3
"""Checks of archive mode and of running briefparse in pieces (tests/sh/57-archive.sh).
Each command prints "ok NAME" / "FAIL NAME: why" lines.

  stream BIN OUT FILE...  `cat FILE... | BIN` yields exactly the records of
                          the archive outputs OUT/BASENAME.jsonl, offsets
                          counted from the start of the stream: text: spans,
                          evidence and lines shifted by the bytes and lines
                          of the files before, and each briefing's source
                          (bytes, sha256, format) its file's; HTML pages:
                          spans and evidence shifted likewise, lines by one
                          amount per briefing, source not compared (a
                          page's segment starts where the page before ended:
                          docs/scaling.md, Limits)
  stdin BIN OUT FILE...   each FILE alone on stdin (`BIN -t1 < FILE`, as the
                          Hadoop and Spark recipes of docs/scaling.md run
                          it) yields its archive output's records, the
                          source's path "-" the one difference
  ids BIN DIR FILE...     each FILE's ids are the same when run from another
                          folder under another name, on stdin, in one or two
                          threads, in another time zone and locale; briefing
                          ids are distinct across FILEs that differ (DIR:
                          scratch space)
  errors FILE             prints each line of an errors.jsonl as PATH<TAB>ERROR
                          (Python repr of each), after checking its keys
  pty CMD...              runs CMD with stderr on a terminal, prints stderr
"""
import json, os, shutil, subprocess, sys

fails = 0


def report(name, why):
    global fails
    if why:
        fails += 1
        print("FAIL %s: %s" % (name, why))
    else:
        print("ok %s" % name)


def records(data):
    return [json.loads(l) for l in data.decode("utf-8").splitlines()]


def shifted(group, base, lines):
    """A briefing's records with offsets counted from byte base; lines from
    line lines (None: from the briefing's first line); its source left out."""
    line0 = lines if lines is not None else min((r["line"] for r in group if "line" in r), default=0)
    out = []
    for r in group:
        r = json.loads(json.dumps(r))
        if r["type"] == "briefing":
            r.pop("source")
        if "line" in r:
            r["line"] -= line0
        if "span" in r:
            r["span"] = {k: v - base for k, v in r["span"].items()}
        for field in ("countries", "organizations", "topics"):
            for t in r.get(field, []):
                for e in t["evidence"]:
                    e["start"] -= base
                    e["end"] -= base
        out.append(r)
    return out


def briefings(recs):
    groups, cur = [], []
    for r in recs:
        cur.append(r)
        if r["type"] == "briefing":
            groups.append(cur)
            cur = []
    return groups


def cmd_stream(binary, out, files):
    raw = [open(f, "rb").read() for f in files]
    html = [f.endswith((".html", ".htm")) for f in files]
    name = "stream-html" if all(html) else "stream"
    if any(html) and not all(html):
        return report(name, "a stream is text or HTML pages, not both (docs/scaling.md, Limits)")
    p = subprocess.run([binary, "-t1"], input=b"".join(raw), capture_output=True, check=False)
    if p.returncode:
        return report(name, "exit status %d on stdin" % p.returncode)
    got = briefings(records(p.stdout))
    if len(got) != len(files):
        return report(name, "%d briefings on stdin for %d files" % (len(got), len(files)))
    base = lines = 0
    for f, data, is_html, g in zip(files, raw, html, got):
        want = briefings(records(open(os.path.join(out, os.path.basename(f) + ".jsonl"), "rb").read()))
        if len(want) != 1:
            return report(name, "%s: %d briefings in its archive output" % (f, len(want)))
        w = want[0]
        if is_html:
            same = shifted(g, base, None) == shifted(w, 0, None)
        else:
            same = shifted(g, base, lines) == shifted(w, 0, 0)
        if not same:
            return report(name, "%s: the stream's records differ from its archive output" % f)
        gs, ws = g[-1]["source"], w[-1]["source"]
        if not is_html and (gs["path"] != "-" or gs["offset"] != base + ws["offset"] or
                            [gs[k] for k in ("format", "bytes", "sha256")] !=
                            [ws[k] for k in ("format", "bytes", "sha256")]):
            return report(name, "%s: its source in the stream is %r, alone %r" % (f, gs, ws))
        base += len(data)
        lines += data.count(b"\n")
    report(name, None)


def cmd_stdin(binary, out, files):
    for f in files:
        name = "stdin:" + os.path.basename(f)
        p = subprocess.run([binary, "-t1"], stdin=open(f, "rb"), capture_output=True, check=False)
        if p.returncode:
            report(name, "exit status %d on stdin" % p.returncode)
            continue
        got = records(p.stdout)
        want = records(open(os.path.join(out, os.path.basename(f) + ".jsonl"), "rb").read())
        for r in want:
            if r["type"] == "briefing":
                r["source"]["path"] = "-"
        report(name, None if got == want and want else "%d records on stdin, %d alone%s" % (
            len(got), len(want), "" if len(got) != len(want) else ", not the same"))


def ids_of(binary, args, cwd=None, data=None, env=None):
    p = subprocess.run([binary] + args, input=data, capture_output=True, cwd=cwd, env=env, check=False)
    if p.returncode:
        raise RuntimeError("%s: exit status %d" % (" ".join(args), p.returncode))
    return [r["id"] for r in records(p.stdout)]


def cmd_ids(binary, scratch, files):
    seen = {}
    for f in files:
        name = "ids:" + os.path.basename(f)
        try:
            want = ids_of(binary, [f])
            other = os.path.join(scratch, "elsewhere")
            os.makedirs(other, exist_ok=True)
            copy = os.path.join(other, "renamed copy.txt")
            shutil.copyfile(f, copy)
            env = dict(os.environ, TZ="Pacific/Kiritimati", LC_ALL="C", LANG="C")
            variants = {
                "renamed": ids_of(binary, ["renamed copy.txt"], cwd=other),
                "stdin": ids_of(binary, ["-"], data=open(f, "rb").read()),
                "t1": ids_of(binary, ["-t1", f]),
                "t2": ids_of(binary, ["-t2", f]),
                "tz-locale": ids_of(binary, [f], env=env),
            }
        except RuntimeError as e:
            report(name, str(e))
            continue
        bad = [k for k, v in variants.items() if v != want]
        if len(set(want)) != len(want):
            bad.append("duplicate ids in one output")
        report(name, ", ".join("ids differ: " + b for b in bad) if bad else None)
        bid, raw = want[-1], open(f, "rb").read()
        if bid in seen and seen[bid][1] != raw:
            report("ids-distinct", "%s and %s differ but share the briefing id %s" % (seen[bid][0], f, bid))
        seen.setdefault(bid, (f, raw))
    if not fails:
        report("ids-distinct", None)


def cmd_errors(path):
    for line in open(path, "rb").read().decode("utf-8").splitlines():
        o = json.loads(line)
        if sorted(o) != ["error", "path"]:
            print("BAD KEYS %r" % sorted(o))
        print("%r\t%r" % (o["path"], o["error"]))


def cmd_pty(argv):
    import pty, select
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    buf = b""
    while True:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
        elif p.poll() is not None:
            break
    p.wait()
    os.close(master)
    sys.stdout.write(buf.decode("utf-8", "replace"))
    sys.stdout.write("\nstatus %d\n" % p.returncode)


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "stream":
        cmd_stream(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif what == "stdin":
        cmd_stdin(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif what == "ids":
        cmd_ids(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif what == "errors":
        cmd_errors(sys.argv[2])
    elif what == "pty":
        cmd_pty(sys.argv[2:])
    sys.exit(1 if fails else 0)
