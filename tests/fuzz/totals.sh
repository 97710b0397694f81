#!/bin/sh
# tests/fuzz/totals.sh - the running totals of tests/fuzz/RUNS.md (or FILE):
# per target, the executions summed over every row of the runs table, by
# build and in all, the highest coverage (features) each build saw (the
# builds' features are not comparable: asan counts comparisons too) and the
# findings. With -w, the block between the "totals" markers of the file is
# rewritten with it (tests/fuzz/long.sh does that after each run).
set -u
cd "$(dirname "$0")/../.." || exit 2
write=0
[ "${1:-}" = -w ] && { write=1; shift; }
f=${1:-tests/fuzz/RUNS.md}
table() {
	awk -F'|' '
	# | date | commit | build | target | seconds | executions | exec/s | features | corpus | findings |
	NF >= 12 && $2 ~ /^ *20[0-9][0-9]-/ {
		b = $4; t = $5; gsub(/ /, "", b); gsub(/ /, "", t)
		x = $7 + 0; ft = $9 + 0; fi = $11 + 0
		seen[t] = 1; ex[t, b] += x; all[t] += x; s[t] += $6; found[t] += fi
		if (ft > feat[t, b]) feat[t, b] = ft
	}
	function m(v) { return v ? v : "-" }
	function n(v,   s, r) { # 1234567 -> 1,234,567
		s = sprintf("%d", v); r = ""
		while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
		return s r
	}
	END {
		print "| target | executions (all) | asan | fast | to 10M | features asan / fast | findings |"
		print "|---|---|---|---|---|---|---|"
		split("cues rules text html manifest formats", order, " ")
		for (i = 1; i <= 6; i++) {
			t = order[i]
			if (!(t in seen)) continue
			left = all[t] >= 10000000 ? "done" : n(10000000 - all[t])
			printf "| %s | %s | %s | %s | %s | %s / %s | %d |\n", t, n(all[t]), n(ex[t, "asan"]), n(ex[t, "fast"]), left, m(feat[t, "asan"]), m(feat[t, "fast"]), found[t]
		}
	}' "$f"
}
if [ $write = 0 ]; then
	table
	exit 0
fi
tmp=$f.tmp.$$
table > "$tmp.t" &&
	awk -v t="$tmp.t" '
	/^<!-- totals -->/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
	/^<!-- \/totals -->/ { skip = 0 }
	!skip' "$f" > "$tmp" && mv "$tmp" "$f"
rm -f "$tmp.t"
