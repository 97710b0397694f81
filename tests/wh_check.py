#!/usr/bin/env python3
"""wh_check.py BRIEFPARSE FILE... - White House transcripts (us-wh profile):
every turn found with its speaker, counted from the raw file independently
of the parser: a question is a line that starts (after white space and
no-break spaces) with "Q" and then a space or no-break space; a speaker turn
is a line that starts with a label in capitals and a colon ("MS. PSAKI:",
"SENIOR ADMINISTRATION OFFICIAL:", "MODERATOR:"). The records must have as
many questions, and answer and moderator turns with the same speakers in
the same order; the briefing record its title, date and time."""
import json
import re
import subprocess
import sys

Q = re.compile(r"^Q ")
LABEL = re.compile(r"^([^\W\d_][\w.'’-]*(?: [^\W\d_][\w.'’-]*){0,5}):")
MODERATOR = {"MODERATOR", "OPERATOR"}


def raw_turns(path):
    text = open(path, encoding="utf-8").read()
    body = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text
    questions, speakers = 0, []
    for line in body.split("\n"):
        line = re.sub(r"[ \t\u00a0]+", " ", line).strip()  # white space folded
        if Q.match(line):
            questions += 1
            continue
        m = LABEL.match(line)
        label = m.group(1) if m else ""
        letters = sum(c.isalpha() for c in label)
        # labels are in capitals ("MS. PSAKI", "AIDE"), or the moderator's
        if (label.upper() == label and letters >= 2) or label.upper() in MODERATOR:
            speakers.append(label)
    return questions, speakers


def main():
    exe, files = sys.argv[1], sys.argv[2:]
    bad = 0
    for path in files:
        name = path.rsplit("/", 1)[-1]
        out = subprocess.run([exe, "--no-classify", path], capture_output=True, check=False)
        recs = [json.loads(l) for l in out.stdout.decode().splitlines()]
        briefing = recs[-1]
        questions, speakers = raw_turns(path)
        got_q = sum(r["type"] == "question" for r in recs)
        got_s = [r.get("speaker") for r in recs if r["type"] in ("answer", "moderator")]
        problems = []
        if briefing.get("profile") != "us-wh":
            problems.append("profile %s" % briefing.get("profile"))
        if got_q != questions:
            problems.append("%d questions for %d Q lines" % (got_q, questions))
        if got_s != speakers:
            diff = next((i for i, (a, b) in enumerate(zip(got_s, speakers)) if a != b), min(len(got_s), len(speakers)))
            problems.append("%d speaker turns for %d labels (first difference at %d: %r vs %r)" % (
                len(got_s), len(speakers), diff, got_s[diff:diff + 1], speakers[diff:diff + 1]))
        if any(r["type"] == "moderator" and (r.get("speaker") or "").upper() not in MODERATOR for r in recs):
            problems.append("a moderator turn by another speaker")
        if any(r["type"] == "answer" and ((r.get("speaker") or "").upper() in MODERATOR or not r.get("speaker_name")) for r in recs):
            problems.append("an answer without a speaker name, or by the moderator")
        for field in ("title", "date", "time"):
            if not briefing.get(field):
                problems.append("no " + field)
        if problems:
            bad += 1
            print("FAIL %s: %s" % (name, "; ".join(problems)))
        else:
            print("ok %s: %d questions, %d speaker turns" % (name, questions, len(speakers)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
