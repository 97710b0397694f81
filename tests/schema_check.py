#!/usr/bin/python3
"""Validates JSON Lines files against docs/schema.json (draft 2020-12).
usage: schema_check.py SCHEMA FILE.jsonl...   prints one line per file, "ok FILE" or "FAIL FILE: why"
Also checks what the schema cannot say: every block's briefing record follows it,
and the briefing's counts of statements, questions, answers and moderators (when
given) are its records of those types."""
import json, sys
from jsonschema import Draft202012Validator

schema = json.load(open(sys.argv[1], encoding="utf-8"))
Draft202012Validator.check_schema(schema)
v = Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    why = None
    pending = set()
    seen = {}  # briefing id -> {type: records}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            try:
                rec = json.loads(line)
            except ValueError as e:
                why = "line %d: not JSON: %s" % (n, e)
                break
            errs = sorted(v.iter_errors(rec), key=lambda e: e.path)
            if errs:
                why = "line %d: %s at %s" % (n, errs[0].message[:200], "/".join(map(str, errs[0].path)))
                break
            if rec["type"] == "briefing":
                pending.discard(rec["id"])
                got = seen.pop(rec["id"], {})
                for kind, key in (("statement", "statements"), ("question", "questions"),
                                  ("answer", "answers"), ("moderator", "moderators")):
                    if key in rec["counts"] and rec["counts"][key] != got.get(kind, 0):
                        why = "line %d: counts.%s is %d for %d %s records" % (
                            n, key, rec["counts"][key], got.get(kind, 0), kind)
                if why is None and "moderators" not in rec["counts"] and got.get("moderator"):
                    why = "line %d: moderator records but no counts.moderators" % n
                if why:
                    break
            else:
                pending.add(rec["briefing"])
                kinds = seen.setdefault(rec["briefing"], {})
                kinds[rec["type"]] = kinds.get(rec["type"], 0) + 1
    if why is None and pending:
        why = "blocks without a closing briefing record: %s" % sorted(pending)
    if why:
        bad += 1
        print("FAIL %s: %s" % (path, why))
    else:
        print("ok %s" % path)
sys.exit(1 if bad else 0)
