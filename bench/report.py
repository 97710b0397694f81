#!/usr/bin/env python3
"""bench/report.py RAW_DIR OUT_DIR - the report half of `make bench`.

Reads what bench/run.sh left in RAW_DIR (rows.tsv, NAME.json from hyperfine,
NAME.time from /usr/bin/time, NAME.lines, gazetteer, meta), prints the machine
line, the table and the targets, moves OUT_DIR/results.json to
OUT_DIR/results.prev.json and writes the new OUT_DIR/results.json, then prints
the change against the previous one. Units: MB = 10^6 bytes (throughput),
MiB = 2^20 bytes (memory; /usr/bin/time reports KiB).
"""
import hashlib
import json
import os
import subprocess
import sys
import time

MIB = 1024  # KiB

# The targets: each takes the rows by name (a missing row gives n/a).
RSS_MAX_KIB = 16 * MIB
RSS_FLAT_KIB = 1024  # "flat": peak RSS of the three inputs within this
STARTUP_MAX_S = 0.020
TARGETS = [
    # id, what, goal, stretch
    ("full-vs-grep", "text, full classification, one process vs grep -w -F -f", 0.20, 0.27),
    ("full-vs-noclassify", "full throughput / --no-classify throughput", 0.50, None),
    ("rss", "peak RSS of full mode <= 16 MiB and flat (1 MB, 200 MB, 1 GB)", RSS_MAX_KIB, None),
    ("startup", "startup: rules + one 50 KB transcript, mean and median", STARTUP_MAX_S, None),
    ("archive-j2-vs-j1", "archive mode, 2,000 transcripts, first run: -j2 speed-up over -j1", 1.7, None),
    ("archive-noop", "archive mode: a no-op re-run / the first -j2 run of the same folder", 0.05, None),
    ("archive-sqlite", "archive mode -j2: with --sqlite / without (JSON Lines outputs only)", None, None),
    ("sqlite-vs-jsonl", "a stream: --sqlite / --format jsonl (varied-20m)", None, None),
    ("html-vs-libxml2", "HTML pages, full classification / libxml2 push parser, empty SAX", 0.50, None),
    ("html-rss", "peak RSS of HTML pages flat: 1 MB and 100 MB streams", RSS_FLAT_KIB, None),
]


def read(path, default=""):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return default


def tool_version(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout
        return out.splitlines()[0].strip() if out else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def gazetteer_hash(bench_build):
    """SHA-256 of the two gazetteer files the run used (copied to rules/)."""
    h = hashlib.sha256()
    for f in ("countries.tsv", "organizations.tsv"):
        try:
            with open(os.path.join(bench_build, "rules", f), "rb") as fh:
                h.update(fh.read())
        except OSError:
            pass
    return h.hexdigest()[:16]


def machine():
    cpu = ""
    for line in read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    u = os.uname()
    return {
        "nproc": nproc,
        "cpu": cpu,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "kernel": u.release,
        "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def timed_runs(raw, name, hz):
    """An archive row's runs (NAME.runs: wall user sys busy-before busy-after,
    busy as nice-0:niced:steal ticks): hyperfine's figures, and what the rest
    of the machine used during each run, in cores."""
    runs = []
    for line in read(os.path.join(raw, name + ".runs")).splitlines():
        e, u, sy, b0, b1 = line.split()
        e, u, sy = float(e), float(u), float(sy)
        d = [(int(y) - int(x)) / hz for x, y in zip(b0.split(":"), b1.split(":"))]
        runs.append({"wall_s": e, "cpu_s": u + sy, "user_s": u, "system_s": sy,
                     "others_cores": max(d[0] - u - sy, 0) / e if e else 0,
                     "niced_cores": d[1] / e if e else 0, "steal_cores": d[2] / e if e else 0})
    if not runs:
        return None
    walls = sorted(r["wall_s"] for r in runs)
    n = len(walls)
    mean = sum(walls) / n
    return {
        "median_s": walls[n // 2] if n % 2 else (walls[n // 2 - 1] + walls[n // 2]) / 2,
        "mean_s": mean, "min_s": walls[0], "max_s": walls[-1],
        "stddev_s": (sum((w - mean) ** 2 for w in walls) / (n - 1)) ** 0.5 if n > 1 else None,
        "cpu_s": sum(r["cpu_s"] for r in runs) / n,
        "times_s": [r["wall_s"] for r in runs],
        "run_list": runs,
    }


def load_rows(raw, hz=100):
    rows = []
    for line in read(os.path.join(raw, "rows.tsv")).splitlines():
        name, inp, path, nbytes, runs, out, cmd = line.split("\t")
        r = {"name": name, "input": inp, "path": path, "bytes": int(nbytes),
             "runs": int(runs), "out": out, "command": cmd}
        rss, elapsed, _status, user, system = read(os.path.join(raw, name + ".time")).splitlines()[-1].split()
        r["peak_rss_kib"] = int(rss)
        hf = os.path.join(raw, name + ".json")
        tr = timed_runs(raw, name, hz) if r["runs"] > 0 else None
        if tr:
            r.update(tr)
        elif r["runs"] > 0 and os.path.exists(hf):
            with open(hf, encoding="utf-8") as f:
                res = json.load(f)["results"][0]
            for k in ("median", "mean", "stddev", "min", "max"):
                r[k + "_s"] = res.get(k)
            r["cpu_s"] = (res.get("user") or 0) + (res.get("system") or 0)
            r["times_s"] = res.get("times")
        else:  # only the measured run
            r["median_s"] = r["mean_s"] = r["min_s"] = r["max_s"] = float(elapsed)
            r["stddev_s"] = None
            r["cpu_s"] = float(user) + float(system)
        r["mb_per_s"] = r["bytes"] / 1e6 / r["median_s"] if r["median_s"] else None
        if out == "jsonl":
            r["records"] = int(read(os.path.join(raw, name + ".lines"), "0").strip() or 0)
            r["records_per_s"] = r["records"] / r["median_s"] if r["median_s"] else None
        rows.append(r)
    return rows


def targets(by):
    def mbps(n):
        return by[n]["mb_per_s"] if n in by and by[n].get("mb_per_s") else None

    def cpu_ratio(a, b):  # the same ratio from cpu time: less noisy on a busy machine
        ra, rb = by.get(a, {}), by.get(b, {})
        if ra.get("cpu_s") and rb.get("cpu_s"):
            return f"; from cpu time {(ra['bytes'] / ra['cpu_s']) / (rb['bytes'] / rb['cpu_s']):.3f}x"
        return ""

    def one_thread(b):  # full on one thread (-t1): the classifier's own cost
        if mbps("full-1t") and mbps(b):
            return f"; on one thread (-t1) {mbps('full-1t') / mbps(b):.3f}x"
        return ""

    out = []
    for tid, what, goal, stretch in TARGETS:
        t = {"id": tid, "what": what, "goal": goal, "stretch": stretch, "value": None}
        if tid == "full-vs-grep" and mbps("full") and mbps("grep"):
            t["value"] = mbps("full") / mbps("grep")
            t["ok"] = t["value"] >= goal
            t["stretch_ok"] = t["value"] >= stretch
            t["text"] = (f"{t['value']:.3f}x  (full {mbps('full'):.1f} MB/s, grep "
                         f"{mbps('grep'):.1f} MB/s; goal >= {goal}x, stretch {stretch}x: "
                         f"{'reached' if t['stretch_ok'] else 'not reached'}"
                         f"{cpu_ratio('full', 'grep')}{one_thread('grep')})")
        elif tid == "full-vs-noclassify" and mbps("full") and mbps("no-classify"):
            t["value"] = mbps("full") / mbps("no-classify")
            t["ok"] = t["value"] >= goal
            cost = 1 - t["value"]
            t["text"] = (f"{t['value']:.3f}x  (full {mbps('full'):.1f} MB/s, --no-classify "
                         f"{mbps('no-classify'):.1f} MB/s: classification is {cost:.0%} of "
                         f"the time; goal <= 50%{cpu_ratio('full', 'no-classify')}"
                         f"{one_thread('no-classify')})")
        elif tid == "rss" and all(n in by for n in ("full-1m", "full", "full-1g")):
            kib = [by[n]["peak_rss_kib"] for n in ("full-1m", "full", "full-1g")]
            spread = max(kib) - min(kib)
            t["value"] = max(kib)
            t["spread_kib"] = spread
            t["ok"] = max(kib) <= RSS_MAX_KIB and spread <= RSS_FLAT_KIB
            t["text"] = (f"max {max(kib) / MIB:.1f} MiB  (1 MB {kib[0] / MIB:.1f}, 200 MB "
                         f"{kib[1] / MIB:.1f}, 1 GB {kib[2] / MIB:.1f} MiB; spread "
                         f"{spread} KiB, flat means <= {RSS_FLAT_KIB} KiB)")
        elif tid == "startup" and "startup" in by:
            s = by["startup"]
            t["value"] = max(s["mean_s"], s["median_s"])
            t["ok"] = t["value"] < goal
            t["text"] = (f"mean {s['mean_s'] * 1e3:.1f} ms, median {s['median_s'] * 1e3:.1f} ms"
                         f"  (goal < {goal * 1e3:.0f} ms; {s['bytes']} bytes, "
                         f"{s.get('records', 0)} records; mean cpu {fmt(s.get('cpu_s') and s['cpu_s'] * 1e3, '.1f')} ms)")
        elif tid == "archive-j2-vs-j1" and "archive-j1" in by and "archive-j2" in by:
            j1, j2 = by["archive-j1"], by["archive-j2"]
            files = archive_files(j1)
            t["value"] = j1["median_s"] / j2["median_s"]
            t["ok"] = t["value"] >= goal
            t["best"] = j1["min_s"] / j2["min_s"]
            t["text"] = (f"{t['value']:.2f}x  (medians: -j1 {j1['median_s']:.2f} s, -j2 {j2['median_s']:.2f} s "
                         f"for {files} files, {j1['bytes'] / 1e6:.0f} MB; fastest runs {t['best']:.2f}x; "
                         f"cpu per file {j1['cpu_s'] / files * 1e3:.2f} ms and {j2['cpu_s'] / files * 1e3:.2f} ms; "
                         f"-j1 keeps {j1['cpu_s'] / j1['mean_s']:.2f} cores busy, -j2 "
                         f"{j2['cpu_s'] / j2['mean_s']:.2f}; goal >= {goal}x)"
                         + conditions(j1, "-j1") + conditions(j2, "-j2"))
        elif tid == "archive-noop" and "archive-noop" in by and "archive-j2" in by:
            n, j2 = by["archive-noop"], by["archive-j2"]
            t["value"] = n["median_s"] / j2["median_s"]
            t["ok"] = t["value"] <= goal
            t["text"] = (f"{t['value']:.1%}  (no-op {n['median_s'] * 1e3:.0f} ms, first -j2 run "
                         f"{j2['median_s']:.2f} s; goal <= {goal:.0%})" + conditions(n, "no-op"))
        elif tid == "archive-sqlite" and "archive-sqlite" in by and "archive-j2" in by:
            q, j2 = by["archive-sqlite"], by["archive-j2"]
            t["value"] = q["median_s"] / j2["median_s"]
            t["ok"] = None
            t["text"] = (f"{t['value']:.2f}x the time  (--sqlite {q['median_s']:.2f} s, JSON Lines only "
                         f"{j2['median_s']:.2f} s; cpu {q['cpu_s']:.2f} s and {j2['cpu_s']:.2f} s)"
                         + conditions(q, "--sqlite"))
        elif tid == "sqlite-vs-jsonl" and "sqlite-20m" in by and "jsonl-20m" in by:
            q, j = by["sqlite-20m"], by["jsonl-20m"]
            t["value"] = q["median_s"] / j["median_s"]
            t["ok"] = None
            t["text"] = (f"{t['value']:.2f}x the time  (--sqlite {q['median_s']:.2f} s, --format jsonl "
                         f"{j['median_s']:.2f} s for {j['bytes'] / 1e6:.0f} MB; cpu {q['cpu_s']:.2f} s and "
                         f"{j['cpu_s']:.2f} s)")
        elif tid == "html-vs-libxml2" and mbps("html") and mbps("libxml2-sax"):
            t["value"] = mbps("html") / mbps("libxml2-sax")
            t["ok"] = t["value"] >= goal
            t["text"] = (f"{t['value']:.3f}x  (briefparse {mbps('html'):.1f} MB/s, libxml2 with empty "
                         f"SAX callbacks {mbps('libxml2-sax'):.1f} MB/s; goal >= {goal}x"
                         f"{cpu_ratio('html', 'libxml2-sax')}"
                         f"{'; on one thread (-t1) %.3fx' % (mbps('html-1t') / mbps('libxml2-sax')) if mbps('html-1t') else ''})")
        elif tid == "html-rss" and "html" in by and "html-1m" in by:
            kib = [by[n]["peak_rss_kib"] for n in ("html-1m", "html")]
            t["value"] = max(kib) - min(kib)
            t["ok"] = t["value"] <= goal
            t["text"] = (f"spread {t['value']} KiB  (1 MB {kib[0] / MIB:.1f} MiB, 100 MB {kib[1] / MIB:.1f} MiB; "
                         f"flat means <= {goal} KiB)")
        if t["value"] is None:
            t["ok"] = None
            t["text"] = "n/a (a row it needs is missing or failed)"
        t["info"] = goal is None
        out.append(t)
    return out


def archive_files(r):
    """The number of transcripts of an archive-N input."""
    try:
        return int(r["input"].rsplit("-", 1)[1])
    except (ValueError, IndexError):
        return 1


def conditions(r, label):
    """What the rest of the machine did during a row's timed runs: the cores
    other nice-0 work used (it competes with the run), niced work (it yields)
    and the hypervisor's steal, most and least over the runs."""
    runs = r.get("run_list")
    if not runs:
        return ""
    o = [x["others_cores"] for x in runs]
    quiet = sum(1 for x in o if x < 0.05)
    walls = " ".join("%.2f" % x["wall_s"] for x in runs)
    return (f"\n{'':27}{label}: the rest of the machine used {min(o):.2f}-{max(o):.2f} cores at nice 0 "
            f"during the runs (niced {max(x['niced_cores'] for x in runs):.2f}, steal "
            f"{max(x['steal_cores'] for x in runs):.2f} at most); {quiet} of {len(runs)} runs quiet "
            f"(< 0.05 cores); runs {walls} s")


def fmt(v, spec, none="-"):
    return none if v is None else format(v, spec)


def print_table(rows):
    print(f"{'row':<13} {'input':<10} {'MB':>8} {'runs':>4} {'median s':>9} {'+-sd s':>7} "
          f"{'cpu s':>8} {'MB/s':>8} {'records':>9} {'records/s':>10} {'RSS MiB':>8}")
    for r in rows:
        print(f"{r['name']:<13} {r['input']:<10} {r['bytes'] / 1e6:>8.2f} {r['runs']:>4} "
              f"{r['median_s']:>9.4f} {fmt(r.get('stddev_s'), '>7.4f'):>7} "
              f"{fmt(r.get('cpu_s'), '>8.4f'):>8} "
              f"{fmt(r['mb_per_s'], '>8.1f'):>8} {fmt(r.get('records'), '>9d'):>9} "
              f"{fmt(r.get('records_per_s'), '>10.0f'):>10} {r['peak_rss_kib'] / MIB:>8.1f}")


def pct(new, old):
    return f"{(new - old) / old:+.1%}" if new is not None and old else "n/a"


def print_change(prev, cur):
    print(f"\nchange against bench/results.prev.json ({prev.get('machine', {}).get('date', '?')}, "
          f"commit {prev.get('context', {}).get('commit') or '?'}):")
    pm, cm = prev.get("machine", {}), cur["machine"]
    if (pm.get("cpu"), pm.get("nproc")) != (cm["cpu"], cm["nproc"]):
        print(f"  note: other machine then ({pm.get('nproc')} x {pm.get('cpu')})")
    pc, cc = prev.get("context", {}), cur["context"]
    if (pc.get("gazetteer"), pc.get("gazetteer_sha256"), pc.get("grep_terms")) != (
            cc["gazetteer"], cc["gazetteer_sha256"], cc["grep_terms"]):
        print(f"  note: other gazetteer then ({pc.get('grep_terms')} grep terms, now "
              f"{cc['grep_terms']}): grep and classification speeds do not compare")
    old = {r["name"]: r for r in prev.get("rows", [])}
    for r in cur["rows"]:
        o = old.get(r["name"])
        if not o:
            print(f"  {r['name']:<13} new row")
            continue
        line = (f"  {r['name']:<13} MB/s {fmt(o.get('mb_per_s'), '.1f')} -> "
                f"{fmt(r['mb_per_s'], '.1f')} ({pct(r['mb_per_s'], o.get('mb_per_s'))})")
        if r.get("records_per_s") and o.get("records_per_s"):
            line += f", records/s {pct(r['records_per_s'], o['records_per_s'])}"
        if r.get("cpu_s") and o.get("cpu_s") and r["bytes"] == o.get("bytes"):
            line += f", cpu s {pct(r['cpu_s'], o['cpu_s'])}"
        line += f", RSS {o['peak_rss_kib'] / MIB:.1f} -> {r['peak_rss_kib'] / MIB:.1f} MiB"
        if r["bytes"] != o.get("bytes"):
            line += f"  (input then {o.get('bytes')} bytes)"
        print(line)
    oldt = {t["id"]: t for t in prev.get("targets", [])}
    for t in cur["targets"]:
        o = oldt.get(t["id"])
        if o and o.get("value") is not None and t["value"] is not None:
            print(f"  target {t['id']:<19} {o['value']:.4g} -> {t['value']:.4g} "
                  f"({pct(t['value'], o['value'])})")


def main():
    raw, outdir = sys.argv[1], sys.argv[2]
    meta = dict(l.split("\t", 1) for l in read(os.path.join(raw, "meta")).splitlines() if "\t" in l)
    gaz = dict(l.split("\t", 1) for l in read(os.path.join(raw, "gazetteer")).splitlines())
    rows = load_rows(raw, int(meta.get("clk_tck", "100") or 100))
    by = {r["name"]: r for r in rows}
    cur = {
        "schema": 1,
        "machine": machine(),
        "context": {
            "commit": meta.get("commit", ""),
            "briefparse": tool_version([os.path.join(os.path.dirname(raw), "briefparse"), "--version"]),
            "hyperfine": tool_version(["hyperfine", "--version"]),
            "grep": tool_version(["grep", "--version"]),
            "locale": os.environ.get("LC_ALL", ""),
            "seeds": meta.get("seeds", ""),
            "gazetteer": gaz,
            "gazetteer_sha256": gazetteer_hash(os.path.dirname(raw)),
            "rules_option": meta.get("rules", ""),
            "grep_terms": int(meta.get("terms", "0") or 0),
        },
        "rows": rows,
    }
    cur["targets"] = targets(by)

    m = cur["machine"]
    print(f"\nmachine: nproc {m['nproc']}, {m['cpu']}, {m['mem_gib']} GiB, Linux {m['kernel']}, "
          f"{m['date']}; {cur['context']['briefparse'] or 'briefparse ?'} (commit "
          f"{cur['context']['commit'] or '?'})")
    load_end = read("/proc/loadavg").split()[:3]
    m["loadavg_start"], m["loadavg_end"] = meta.get("load_start", ""), " ".join(load_end)
    try:
        busy = max(float(meta.get("load_start", "0").split()[0]), float(load_end[0])) > 0.5
    except (ValueError, IndexError):
        busy = False
    print(f"load average: {m['loadavg_start'] or '?'} at the start, {m['loadavg_end']} at the end"
          + ("  [BUSY MACHINE: other work ran beside the bench; wall times are noisy, the cpu "
             "column less so]" if busy else ""))
    fallback = [f"{k} from {v}" for k, v in gaz.items() if v.startswith("bench/")]
    print(f"gazetteer: {', '.join(f'{k} from {v}' for k, v in gaz.items())}; "
          f"{cur['context']['grep_terms']} grep terms"
          + ("  [BUILT-IN FALLBACK: data/ lacks it]" if fallback else ""))
    print()
    print_table(rows)
    print("\ntargets:")
    for t in cur["targets"]:
        status = "info" if t.get("info") and t["value"] is not None else {True: "PASS", False: "MISS", None: "n/a "}[t["ok"]]
        print(f"  {status}  {t['id']:<19} {t['text']}")

    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, "results.json")
    prev_path = os.path.join(outdir, "results.prev.json")
    prev = None
    if os.path.exists(path):
        os.replace(path, prev_path)
    if os.path.exists(prev_path):
        try:
            with open(prev_path, encoding="utf-8") as f:
                prev = json.load(f)
        except (OSError, ValueError):
            prev = None
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(cur, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"\nwritten: {path}" + (f" (previous: {prev_path})" if prev else ""))
    if prev:
        print_change(prev, cur)
    return 0


if __name__ == "__main__":
    sys.exit(main())
