# profiles: layout profiles (data/formats/, issue 11). Detection picks each
# file's profile (tests/profiles/PROFILE/* and the golden cases, whose
# profile is in their name or ru-mfa-en), --profile forces one,
# --list-profiles lists them, --rules DIR replaces or adds profiles, and a
# broken profile file is a load error.
AREA=profiles
. "$BP_ROOT/tests/sh/lib.sh"
cd "$BP_ROOT"
D="$BP_TMP/profiles"
rm -rf "$D"
mkdir -p "$D"

# profiles FILE [ARGS...]: the profiles of FILE's briefings, one a line
profiles() {
	f=$1
	shift
	"$BIN" --no-classify "$@" "$f" 2>/dev/null | jq -r 'select(.type == "briefing") | .profile'
}

# ---- the list -------------------------------------------------------------------
"$BIN" --list-profiles > "$D/list" 2>&1
if [ "$(head -n 1 "$D/list" | cut -f1)" = ru-mfa-en ] && grep -q '^generic	' "$D/list" &&
	[ "$(cut -f1 "$D/list" | sort | uniq -d)" = "" ]; then
	ok list
else
	fail list "$(cat "$D/list")"
fi

# ---- detection: every case file gets its profile --------------------------------
for f in tests/cases/*.txt tests/cases/*.html data/samples/*.txt tests/profiles/*/*; do
	[ -f "$f" ] || continue
	name=$(basename "$f")
	case $f in
	tests/profiles/*) want=$(basename "$(dirname "$f")") ;;
	*/generic-*) want=generic ;;
	*/us-wh-*) want=us-wh ;;
	*/us-state-*) want=us-state ;;
	*/cn-mfa-*) want=cn-mfa ;;
	*/ru-mfa-ru-*) want=ru-mfa-ru ;;
	*) want=ru-mfa-en ;;
	esac
	[ -f "${f%.*}.args" ] && continue # cases run with their own options
	got=$(profiles "$f" | sort -u | tr '\n' ' ')
	if [ "$got" = "$want " ]; then
		ok "detect:$name"
	else
		fail "detect:$name" "want $want, got '$got'"
	fi
done

# the fallback says so; a detected profile does not
if "$BIN" --no-classify tests/cases/generic-interview.txt | jq -e -s \
	'map(select(.type == "briefing"))[0].warnings | map(.code) | index("profile-unknown") != null' > /dev/null &&
	! "$BIN" --no-classify tests/cases/seed-000.txt | grep -q profile-unknown; then
	ok fallback-warning
else
	fail fallback-warning "no profile-unknown warning on the generic case, or one on a seed"
fi
# plain prose is still no briefing: the generic profile wants speaker labels
check prose-no-briefing sh -c '! "$1" tests/bad/no-structure.txt > /dev/null 2>&1' sh "$BIN"

# ---- every record carries the profile --------------------------------------------
n=$("$BIN" --no-classify tests/cases/seed-001.txt | jq -r '[.profile, .language] | @tsv' | sort | uniq -c | wc -l)
if [ "$n" = 1 ] && "$BIN" --no-classify tests/cases/seed-001.txt | head -n 1 | grep -q '"profile":"ru-mfa-en","language":"en"'; then
	ok every-record
else
	fail every-record "records differ in profile or language, or lack them"
fi

# ---- --profile ------------------------------------------------------------------
if [ "$(profiles tests/cases/seed-000.txt --profile generic)" = generic ] &&
	! "$BIN" --no-classify --profile generic tests/cases/seed-000.txt | grep -q profile-unknown; then
	ok forced
else
	fail forced "--profile generic did not read the seed with generic"
fi
"$BIN" --profile nope tests/cases/seed-000.txt > "$D/nope.out" 2> "$D/nope.err"
rc=$?
if [ $rc = 2 ] && [ ! -s "$D/nope.out" ] &&
	[ "$(cat "$D/nope.err")" = "briefparse: unknown profile 'nope' (see --list-profiles)" ]; then
	ok forced-unknown
else
	fail forced-unknown "exit $rc: $(cat "$D/nope.err")"
fi
# a forced profile is part of archive mode's settings: a change redoes all
mkdir -p "$D/in"
cp tests/cases/seed-000.txt "$D/in/"
"$BIN" -q --no-classify -o "$D/out" "$D/in" && "$BIN" -q --no-classify --profile generic -o "$D/out" "$D/in"
if grep -q '"profile":"generic"' "$D/out/seed-000.txt.jsonl"; then
	ok archive-forced
else
	fail archive-forced "the archive output was not redone with --profile generic"
fi

# ---- --rules DIR ------------------------------------------------------------------
mkdir -p "$D/rules/formats"
sed 's/^language	en$/language	xx/' data/formats/ru-mfa-en.tsv > "$D/rules/formats/ru-mfa-en.tsv"
sed '/^setting	fallback/d; s/^setting	detect-min	2$/setting	detect-min	3/' data/formats/generic.tsv > "$D/rules/formats/mine.tsv"
if "$BIN" --no-classify --rules "$D/rules" tests/cases/seed-000.txt | tail -n 1 | grep -q '"language":"xx"' &&
	[ "$(profiles tests/cases/generic-interview.txt --rules "$D/rules")" = mine ] &&
	"$BIN" --rules "$D/rules" --list-profiles | grep -q '^mine	'; then
	ok rules-dir
else
	fail rules-dir "DIR/formats/ru-mfa-en.tsv did not replace the bundled one, or mine.tsv was not added"
fi
mkdir -p "$D/legacy"
cp data/formats/ru-mfa-en.tsv "$D/legacy/cues.tsv"
if [ "$("$BIN" --rules "$D/legacy" --list-profiles | cut -f1)" = ru-mfa-en ] &&
	[ "$(profiles tests/cases/generic-interview.txt --rules "$D/legacy")" != generic ]; then
	ok rules-legacy-cues
else
	fail rules-legacy-cues "DIR/cues.tsv is not the only profile"
fi
mkdir -p "$D/broken/formats"
printf 'about\tbroken\ndetect\t(unclosed\t1\n' > "$D/broken/formats/broken.tsv"
"$BIN" --rules "$D/broken" tests/cases/seed-000.txt > /dev/null 2> "$D/broken.err"
rc=$?
if [ $rc = 2 ] && [ "$(cat "$D/broken.err")" = "briefparse: $D/broken/formats/broken.tsv:2: invalid detect pattern: missing closing parenthesis" ]; then
	ok rules-broken-pattern
else
	fail rules-broken-pattern "exit $rc: $(cat "$D/broken.err")"
fi
printf 'setting\tnever\t1\n' > "$D/broken/formats/broken.tsv"
"$BIN" --rules "$D/broken" tests/cases/seed-000.txt > /dev/null 2> "$D/broken.err"
rc=$?
if [ $rc = 2 ] && [ "$(cat "$D/broken.err")" = "briefparse: $D/broken/formats/broken.tsv:1: unknown setting 'never'" ]; then
	ok rules-broken-setting
else
	fail rules-broken-setting "exit $rc: $(cat "$D/broken.err")"
fi

# ---- per briefing in a stream: each briefing after a footer is detected anew ------
cat tests/cases/seed-000.txt tests/cases/us-wh-2022-06-27-sullivan.txt tests/cases/seed-001.txt \
	tests/cases/us-wh-2021-01-20-psaki.txt > "$D/mixed.txt"
got=$(profiles "$D/mixed.txt" | tr '\n' ' ')
if [ "$got" = "ru-mfa-en us-wh ru-mfa-en us-wh " ]; then
	ok stream-mixed
else
	fail stream-mixed "want 'ru-mfa-en us-wh ru-mfa-en us-wh', got '$got'"
fi
# each briefing of the stream as it is alone (its records, offsets aside)
for f in seed-000 us-wh-2022-06-27-sullivan; do
	"$BIN" --no-classify "tests/cases/$f.txt" | jq -c 'del(.span, .source, .countries, .organizations, .topics) | del(.. | .evidence?)' > "$D/$f.alone"
done
"$BIN" --no-classify "$D/mixed.txt" | jq -c 'del(.span, .source, .countries, .organizations, .topics) | del(.. | .evidence?)' > "$D/mixed.recs"
n0=$(wc -l < "$D/seed-000.alone")
n1=$(wc -l < "$D/us-wh-2022-06-27-sullivan.alone")
if head -n "$n0" "$D/mixed.recs" | cmp -s - "$D/seed-000.alone" &&
	sed -n "$((n0 + 1)),$((n0 + n1))p" "$D/mixed.recs" | sed 's/"line":[0-9]*/"line":0/g' > "$D/m1" &&
	sed 's/"line":[0-9]*/"line":0/g' "$D/us-wh-2022-06-27-sullivan.alone" | cmp -s - "$D/m1"; then
	ok stream-same-records
else
	fail stream-same-records "a briefing of the mixed stream differs from the same file alone"
fi

# ---- us-wh: every turn with its speaker, counted apart from the parser -----------
# (tests/wh_check.py counts "Q" lines and capitalised labels in the raw file)
$PY tests/wh_check.py "$BIN" tests/cases/us-wh-*.txt > "$D/wh.out" 2>&1
while read -r st name rest; do
	case $st in
	ok) ok "us-wh-turns:${name%:}" ;;
	FAIL) fail "us-wh-turns:${name%:}" "$rest" ;;
	*) fail us-wh-turns "$st $name $rest" ;;
	esac
done < "$D/wh.out"

# ---- fixtures of us-state, cn-mfa, ru-mfa-ru: the fields their layouts give -------
check us-state-fields sh -c '"$1" --no-classify tests/cases/us-state-fixture.txt | jq -e -s "
	(map(select(.type == \"briefing\"))[0] | .spokesperson == \"Jordan Ellis\" and .time == \"14:05\" and .place == \"Washington, D.C.\") and
	(map(select(.type == \"question\")) | length == 3) and
	(map(select(.type == \"answer\")) | all(.speaker_name != null))" > /dev/null' sh "$BIN"
check cn-mfa-outlets sh -c '"$1" --no-classify tests/cases/cn-mfa-fixture.txt | jq -e -s "
	(map(select(.type == \"question\") | .outlet) == [\"CCTV\", \"Bloomberg\", \"Yonhap News Agency\", \"China News Service\"]) and
	(map(select(.type == \"answer\") | .speaker) | unique == [\"Mao Ning\"]) and
	(map(select(.type == \"briefing\"))[0] | .spokesperson == \"Mao Ning\" and .date == \"2023-05-09\" and .time == \"19:20\")" > /dev/null' sh "$BIN"
check ru-mfa-ru-structure sh -c '"$1" --no-classify tests/cases/ru-mfa-ru-fixture.txt | jq -e -s "
	(map(select(.type == \"briefing\"))[0] | .language == \"ru\" and .date == \"2023-03-15\" and .place == \"Москва\" and .counts.linked == 2) and
	(map(select(.type == \"answer\") | .speaker) | unique == [\"М.В.Захарова\"])" > /dev/null' sh "$BIN"
