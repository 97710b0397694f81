#!/usr/bin/env python3
"""bench/profile.py [MB | startup] [-- BRIEFPARSE-ARGS...] - where briefparse's time goes.

Profiles ./briefparse (default options, or the given ones) on the seed corpus
repeated to MB megabytes (default 50) with `perf record` (cpu-clock, DWARF
call graphs), or, where perf cannot sample, with valgrind --tool=callgrind on
a 5 MB stream. Prints the self time grouped by stage (source file, PCRE2 JIT,
cJSON, libcrypto, libc, kernel), the time of each stage including the library
code it calls, and the top functions. `startup` profiles 50 runs on the 50 KB
seed transcript instead. BENCH_PROFILER=callgrind forces callgrind. Run after
`make`; see bench/README.md.
"""
import collections
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
B = os.path.join(ROOT, "build", "bench")
BIN = os.path.join(ROOT, "briefparse")


def seeds():
    for d in (os.environ.get("BENCH_SEEDS", ""), os.path.join(ROOT, "..", "shared", "corpus", "seeds"),
              "/work/shared/corpus/seeds"):
        if d and os.path.isdir(d):
            files = sorted(f for f in os.listdir(d) if f.endswith(".txt"))
            if files:
                return [os.path.join(d, f) for f in files]
    sys.exit("profile: no seed corpus (set BENCH_SEEDS)")


def stream(mb):
    out = os.path.join(B, f"profile-{mb}m.txt")
    corpus = b"".join(open(f, "rb").read() for f in seeds())
    copies = -(-mb * 1000000 // len(corpus))
    if not (os.path.exists(out) and os.path.getsize(out) == copies * len(corpus)):
        os.makedirs(B, exist_ok=True)
        with open(out, "wb") as f:
            for _ in range(copies):
                f.write(corpus)
    return out


def src_index():
    """function name -> source file, from the definitions in src/*.c."""
    idx = {}
    srcdir = os.path.join(ROOT, "src")
    for f in sorted(os.listdir(srcdir)):
        if not f.endswith(".c"):
            continue
        for line in open(os.path.join(srcdir, f), encoding="utf-8", errors="replace"):
            m = re.match(r"^[A-Za-z_][\w \*]*?\b(\w+)\(", line)
            if m and not line.startswith(("return", "else", "typedef")):
                idx.setdefault(m.group(1), f)
    return idx


def category(sym, dso, idx):
    base = re.sub(r"\.(isra|constprop|part|cold)(\.\d+)?", "", sym)
    d = os.path.basename(dso)
    if base in idx and "briefparse" in d:
        return idx[base]
    if d.startswith(("[JIT]", "perf-")) or (d == "[unknown]" and sym == "[unknown]"):
        return "PCRE2 JIT code (topics.c)"
    if "pcre2" in d:
        return "libpcre2 (topics.c)"
    if "cjson" in d:
        return "cJSON (emit.c)"
    if "crypto" in d:
        return "libcrypto (SHA-256)"
    if "xml2" in d:
        return "libxml2"
    if "kernel" in d:
        return "kernel"
    if "ld-linux" in d:
        return "ld.so (startup)"
    if d.startswith("libc"):
        if re.search(r"malloc|free|realloc|calloc|consolidate|tcache", sym):
            return "libc malloc/free"
        if re.search(r"mem|str", sym):
            return "libc mem*/str*"
        if re.search(r"printf|strtod|fp|_IO_|fwrite|fputs|write", sym):
            return "libc stdio/printf"
        return "libc other"
    if "briefparse" in d:
        return "briefparse (other)"
    return d or "?"


def parse_perf_script(text, idx):
    """Samples of `perf script`: leaf symbol, its category, the first frame
    from the leaf that is our source (the stage that called the library)."""
    samples = []
    for block in text.split("\n\n"):
        lines = [l for l in block.splitlines() if l.strip()]
        raw = []
        for l in lines:
            m = re.match(r"\s*([0-9a-f]+) (.*) \((.*)\)$", l)
            if m:
                raw.append(m.groups())
        frames = []
        for i, (ip, s, d) in enumerate(raw):
            if d == "inlined":  # perf names no object for inlined code: guess it
                base = re.sub(r"\.(isra|constprop|part|cold)(\.\d+)?", "", s)
                if base in idx:
                    d = "briefparse"
                elif re.match(r"__GI_|_int_|tcache|__mem|__str|malloc|free", s):
                    d = "libc.so.6"
                else:
                    d = next((d2 for _, _, d2 in raw[i + 1:] if d2 != "inlined"), d)
            frames.append((s, d))
        if not frames:
            continue
        sym, dso = frames[0]
        cat = category(sym, dso, idx)
        owner = None
        for s, d in frames:
            c = category(s, d, idx)
            if c.endswith(".c"):
                owner = c
                break
        if owner is None:
            owner = "topics.c" if "topics" in cat else cat
        root = "streaming"
        names = [s for s, _ in frames]
        if "bp_rules_load" in names or any("ld-linux" in d for _, d in frames):
            root = "startup (rules compile, loader)"
        samples.append((re.sub(r"\.(isra|constprop|part)(\.\d+)?", "", sym), cat, owner, root))
    return samples


def report(samples, title):
    n = len(samples)
    print(f"{title}: {n} samples\n")
    for label, key in (("self time by stage", 1), ("by stage, including the library code it calls", 2),
                       ("by phase", 3)):
        print(label + ":")
        for k, v in collections.Counter(s[key] for s in samples).most_common(14):
            print(f"  {100 * v / n:5.1f}%  {k}")
        print()
    print("top functions (self):")
    for (sym, cat), v in collections.Counter((s[0], s[1]) for s in samples).most_common(25):
        print(f"  {100 * v / n:5.1f}%  {sym:<36} {cat}")


def fresh(path):
    """perf record keeps the previous file as PATH.old: drop both first."""
    for p in (path, path + ".old"):
        if os.path.exists(p):
            os.remove(p)
    return path


def perf_works():
    if os.environ.get("BENCH_PROFILER") == "callgrind" or not shutil.which("perf"):
        return False
    r = subprocess.run(["perf", "record", "-e", "cpu-clock", "-o", "/dev/null", "true"],
                       capture_output=True, text=True)
    return r.returncode == 0


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    idx = src_index()
    if argv and argv[0] == "startup":  # 50 runs on the 50 KB seed transcript
        if not perf_works():
            sys.exit("profile: startup needs perf")
        seed = [f for f in seeds() if "000_" in f][0]
        data = fresh(os.path.join(B, "perf-startup.data"))
        os.makedirs(B, exist_ok=True)
        loop = f'for i in $(seq 50); do "$0" "$@" > /dev/null; done'
        print(f"profile: 50 x {BIN} {' '.join(extra)} {seed}, perf record -e cpu-clock")
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "4999", "--call-graph",
                        "dwarf,16384", "-o", data, "sh", "-c", loop, BIN] + extra + [seed],
                       stdout=subprocess.DEVNULL, check=True)
        out = subprocess.run(["perf", "script", "-i", data, "--comms", "briefparse", "-F",
                              "ip,sym,dso"], capture_output=True, text=True, errors="replace").stdout
        report(parse_perf_script(out, idx), "perf, startup")
        return 0
    mb = int(argv[0]) if argv else 50
    if perf_works():
        inp = stream(mb)
        data = fresh(os.path.join(B, "perf.data"))
        cmd = [BIN] + extra + [inp]
        print("profile:", " ".join(cmd), f"({os.path.getsize(inp)} bytes), perf record -e cpu-clock")
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "999", "--call-graph",
                        "dwarf,16384", "-o", data] + cmd, stdout=subprocess.DEVNULL, check=True)
        out = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,dso"], capture_output=True,
                             text=True, errors="replace").stdout
        report(parse_perf_script(out, idx), "perf")
    else:
        inp = stream(5)
        out = os.path.join(B, "callgrind.out")
        cmd = [BIN] + extra + [inp]
        print("profile: perf cannot sample here; valgrind --tool=callgrind on", " ".join(cmd))
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        ann = subprocess.run(["callgrind_annotate", "--inclusive=no", out], capture_output=True,
                             text=True).stdout
        print(ann[:6000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
