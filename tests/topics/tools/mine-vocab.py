#!/usr/bin/env python3
"""Candidate topic vocabulary from a large unlabelled corpus of briefings.

usage:
  mine-vocab.py mine BRIEFPARSE CORPUS_DIR WORK_DIR > candidates.tsv
  mine-vocab.py patterns RULES_FILE < reviewed.tsv > rule-lines.tsv

mine: every *.md transcript under CORPUS_DIR (the press-briefings/ folder of
  the public repository brian14708/wh-briefings) is split into turns
  (wh-to-layout.py's splitter) and set into the ministry's layout under
  WORK_DIR/lay/; transcripts of a date that any labelled set uses (a
  wh_YYYY-MM-DD file under tests/topics/, ../shared/corpus/transplant/ or
  ../shared/corpus/other/) are skipped, so that no labelled sentence is read.
  BRIEFPARSE (with the rules it was built with) tags the turns; for each
  topic, the words and two-word phrases are listed that appear in at least
  MIN_COUNT (10) turns given the topic with score >= 0.55, in which at least
  MIN_RATIO (0.35) of all turns with the term have the topic (and at least
  three times the topic's base rate). Left out: gazetteer names (countries,
  organisations), terms whose word a pattern of the topic already matched in
  those turns, and the topics in SKIP_TOPICS (default diplomacy, economy,
  health: in White House briefings they are mostly US domestic policy).
  RULES=DIR tags with the rules of DIR instead of the built-in ones.
  With PARAGRAPHS=1 (statements and readouts, which have no question and
  answer turns: the statements-releases/ folder), each paragraph is a turn.
  Output: topic, term, count, ratio (TAB-separated), sorted.
  The labels are not used: co-occurrence is not meaning, so the list is then
  reviewed against the codebook (a KEEP/DROP column), as the README says.

patterns: reads the reviewed lines (topic, term, ..., KEEP|DROP) and prints,
  for each kept term, "topic<TAB>weight pattern". A term that an existing
  pattern of another topic matches at its start would shadow that pattern
  (at one word start only the longest literal prefix counts): if that
  pattern matches the whole term, its exact text is reused (a pattern text
  listed in several sections counts for each); otherwise the term is left
  out, with a note on stderr. A pattern printed for another topic counts as
  existing for the lines after it. Python's re stands in for PCRE2 here; the
  patterns involved are plain enough for the two to agree.
"""
import collections, importlib.util, json, os, re, shutil, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "corpus")
MIN_COUNT = int(os.environ.get("MIN_COUNT", "10"))
MIN_RATIO = float(os.environ.get("MIN_RATIO", "0.35"))
SKIP_TOPICS = set(os.environ.get("SKIP_TOPICS", "diplomacy economy health").split())
WEIGHT = os.environ.get("WEIGHT", "0.5")
PARAGRAPHS = os.environ.get("PARAGRAPHS", "") == "1"
WORD = re.compile(r"[a-z][a-z'\-]*[a-z]|[a-z]")
STOP = set("""the a an and or of to in on for with at by from is are was were be been it
that this as about what which who we you they he she i our your their there here not do
does did have has had will would can could should so if but just more very also than then
them his her its my me us""".split())


def layout_module():
    """wh-to-layout.py (a file name that cannot be imported by name)."""
    spec = importlib.util.spec_from_file_location("wh_to_layout", os.path.join(HERE, "wh-to-layout.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def paragraphs(path):
    """A statement or readout: each paragraph of its body (after the front
    matter) a turn of its own."""
    text = open(path, encoding="utf-8").read()
    body = text.split("\n---\n", 1)[1] if text.startswith("---") else text
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body)]
    return [{"kind": "answer", "paras": [p]} for p in paras if len(p) >= 80 and not p.startswith("#")]


def labelled_dates():
    dates = set()
    dirs = [os.path.join(ROOT, "tests", "topics", d) for d in os.listdir(os.path.join(ROOT, "tests", "topics"))]
    dirs += [os.path.join(SHARED, "transplant"), os.path.join(SHARED, "other")]
    for d in dirs:
        if os.path.isdir(d):
            for f in os.listdir(d):
                dates.update(re.findall(r"wh_(\d{4}-\d\d-\d\d)", f))
    return dates


def terms_of(text):
    ws = WORD.findall(text.lower().replace("\u2019", "'"))
    terms = {w for w in ws if w not in STOP and len(w) > 2}
    terms.update(a + " " + b for a, b in zip(ws, ws[1:]) if a not in STOP and b not in STOP)
    return terms


def mine(binary, corpus, work):
    layout = layout_module()
    skip = labelled_dates()
    lay, outdir = os.path.join(work, "lay"), os.path.join(work, "out")
    for d in (lay, outdir):  # nothing left from a run with other dates or rules
        shutil.rmtree(d, ignore_errors=True)
    os.makedirs(lay)
    n_files = 0
    for dirpath, _, files in os.walk(corpus):
        for f in sorted(files):
            m = re.match(r"(\d{4})-(\d\d)-(\d\d)", f)
            if not f.endswith(".md") or not m or m.group(0) in skip:
                continue
            path = os.path.join(dirpath, f)
            ts = paragraphs(path) if PARAGRAPHS else layout.turns(path)
            if len(ts) < 4:
                continue
            with open(os.path.join(lay, f[:-3] + ".txt"), "w", encoding="utf-8") as out:
                layout.write_layout(out, *map(int, m.groups()), ts)
            n_files += 1
    rules = ["--rules", os.environ["RULES"]] if os.environ.get("RULES") else []
    subprocess.run([binary, "-j2"] + rules + ["-o", outdir, lay], check=True)
    gaz = set()
    for f in ("countries.tsv", "organizations.tsv"):
        for line in open(os.path.join(ROOT, "data", f), encoding="utf-8"):
            if line.strip() and not line.startswith("#"):
                gaz.add(line.rstrip("\n").split("\t")[-1].lower())
    blocks = []
    for f in sorted(os.listdir(outdir)):
        if not f.endswith(".jsonl"):
            continue
        for line in open(os.path.join(outdir, f), encoding="utf-8"):
            r = json.loads(line)
            if r["type"] in ("question", "answer"):
                ev = {(t["id"], e["match"].lower()) for t in r["topics"] for e in t["evidence"]}
                blocks.append((terms_of(r["text"]), {t["id"]: t["score"] for t in r["topics"]}, ev))
    df = collections.Counter()
    for b in blocks:
        df.update(b[0])
    evidence = collections.defaultdict(set)
    for b in blocks:
        for t, m in b[2]:
            if len(m) >= 3:
                evidence[t].add(m)
    rows = []
    for topic in sorted({t for b in blocks for t in b[1]} - SKIP_TOPICS):
        given = [b for b in blocks if b[1].get(topic, 0) >= 0.55]
        base = len(given) / len(blocks)
        count = collections.Counter()
        for b in given:
            count.update(b[0])
        for term, k in count.items():
            ratio = k / df[term]
            if k < MIN_COUNT or ratio < max(MIN_RATIO, 3 * base):
                continue
            words = term.split()
            if term in gaz or any(w in gaz for w in words):
                continue
            if any(w.startswith(m) or m.startswith(w) for w in words for m in evidence[topic]):
                continue
            rows.append((topic, term, k, round(ratio, 2)))
    for row in sorted(rows):
        print("\t".join(map(str, row)))
    print(f"mine-vocab: {n_files} transcripts, {len(blocks)} turns, {len(rows)} candidates "
          f"(skipped dates: {len(skip)})", file=sys.stderr)


def patterns(rules):
    have, pats, topic = set(), [], None
    for line in open(rules, encoding="utf-8"):
        line = line.rstrip("\n")
        m = re.match(r"^\[([a-z0-9_-]+)\]", line)
        if m:
            topic = m.group(1)
            continue
        m = re.match(r"^(-?[0-9.]+) (.*)$", line) if topic else None
        if not m:
            continue
        have.add((topic, m.group(2)))
        try:
            pats.append((topic, re.compile(m.group(2), re.I), m.group(2)))
        except re.error:
            pass
    done, added = set(), []
    for line in sys.stdin:
        p = line.rstrip("\n").split("\t")
        if p[-1] != "KEEP":
            continue
        topic, term = p[0], p[1]
        if "'" in term:
            print(f"mine-vocab: {topic} '{term}': apostrophe, left out", file=sys.stderr)
            continue
        hits = [(t, s, r.match(term).end()) for t, r, s in pats if r.match(term)]
        hits += [(t, s, r.match(term).end()) for t, r, s in added if t != topic and r.match(term)]
        if hits:
            texts = {s for _, s, _ in hits}
            whole = [s for _, s, e in hits if e == len(term)]
            if len(texts) == 1 and whole and all(t != topic for t, _, _ in hits):
                pat = whole[0]
            else:
                print(f"mine-vocab: {topic} '{term}': matched by {sorted(texts)}, left out", file=sys.stderr)
                continue
        else:
            pat = " ".join(re.escape(w).replace("\\-", "-") for w in term.split())
            if len(term) < 5:
                pat += r"\b"
        if (topic, pat) in have or (topic, pat) in done:
            continue
        done.add((topic, pat))
        added.append((topic, re.compile(pat, re.I), pat))
        print(f"{topic}\t{WEIGHT} {pat}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "mine":
        mine(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "patterns":
        patterns(sys.argv[2])
    else:
        sys.exit(__doc__)
