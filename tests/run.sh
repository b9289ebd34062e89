#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/run.sh - run every test and end with "N passed, N failed".
#   unit tests      build/unit_tests (C, self-registering)
#   golden tests    tests/golden/NAME/cmd  (bash, run in a scratch directory with
#                   `mailsleuth` on PATH and $FIX = fixtures, a link to tests/fixtures), compared with
#                   tests/golden/NAME/expected (stdout+stderr) and, if present,
#                   tests/golden/NAME/exit (expected exit code, default 0)
#   README examples every ```console block: "$ cmd" lines and the output below them
# Usage: tests/run.sh [--update] [FILTER]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MS=${MAILSLEUTH:-$ROOT/mailsleuth}
UNIT=${UNIT:-$ROOT/build/unit_tests}
case "$MS" in /*) ;; *) MS="$ROOT/$MS" ;; esac
case "$UNIT" in /*) ;; *) UNIT="$ROOT/$UNIT" ;; esac
UPDATE=0
if [ "${1:-}" = "--update" ]; then UPDATE=1; shift; fi
FILTER=${1:-}
PASS=0; FAIL=0; SKIP=0
BIN=$(mktemp -d); trap 'rm -rf "$BIN"' EXIT
ln -s "$MS" "$BIN/mailsleuth"
# $FIX is relative ("fixtures", a link in each scratch directory) so that
# expected outputs never contain the checkout's absolute path.
export PATH="$BIN:$PATH" FIX=fixtures ROOT
export TZ=UTC NO_COLOR=1 MAILSLEUTH_NOW=2026-11-23T12:00:00Z LC_ALL=C

# --- unit tests ---
if [ -z "$FILTER" ] || [ "$FILTER" = unit ]; then
	out=$("$UNIT" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E '^(FAIL|    )' || true
	p=$(printf '%s\n' "$out" | sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(printf '%s\n' "$out" | sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then echo "FAIL unit tests did not run (rc=$rc)"; FAIL=$((FAIL+1)); else
		PASS=$((PASS+p)); FAIL=$((FAIL+f)); echo "ok   unit: $p passed, $f failed"; fi
fi

# --- golden tests ---
for d in "$ROOT"/tests/golden/*/; do
	name=$(basename "$d")
	[ -n "$FILTER" ] && [ "$FILTER" != unit ] && [[ "$name" != *"$FILTER"* ]] && continue
	[ "$FILTER" = unit ] && continue
	if [ -f "$d/skip-if" ] && bash "$d/skip-if" >/dev/null 2>&1; then
		echo "skip golden/$name"; SKIP=$((SKIP+1)); continue
	fi
	work=$(mktemp -d)
	ln -s "$ROOT/tests/fixtures" "$work/fixtures"
	actual=$(cd "$work" && bash "$d/cmd" 2>&1); rc=$?
	rm -rf "$work"
	want_rc=0; [ -f "$d/exit" ] && want_rc=$(cat "$d/exit")
	if [ $UPDATE = 1 ]; then printf '%s\n' "$actual" > "$d/expected"; echo "$rc" > "$d/exit"; [ "$rc" = 0 ] && rm -f "$d/exit"; fi
	if [ "$actual" = "$(cat "$d/expected" 2>/dev/null)" ] && [ "$rc" = "$want_rc" ]; then
		echo "ok   golden/$name"; PASS=$((PASS+1))
	else
		echo "FAIL golden/$name (exit $rc, expected $want_rc)"
		diff -u "$d/expected" <(printf '%s\n' "$actual") | head -40
		FAIL=$((FAIL+1))
	fi
done

# --- README examples ---
if [ -z "$FILTER" ] || [ "$FILTER" = readme ]; then
	n=0
	while IFS= read -r -d $'\x1e' block; do
		n=$((n+1))
		cmd=$(printf '%s\n' "$block" | sed -n '1s/^\$ //p')
		want=$(printf '%s\n' "$block" | sed '1d')
		work=$(mktemp -d)
		cp -r "$ROOT/tests" "$work/tests" 2>/dev/null
		ln -s "$MS" "$work/mailsleuth"
		got=$(cd "$work" && bash -c "$cmd" 2>&1 | tr -d "\r"; exit ${PIPESTATUS[0]}); rc=$?
		rm -rf "$work"
		if [ "$got" = "$want" ] && [ $rc -le 1 ]; then echo "ok   readme/$n: $cmd"; PASS=$((PASS+1))
		else echo "FAIL readme/$n: $cmd (exit $rc)"; diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -40; FAIL=$((FAIL+1)); fi
	done < <(awk '
		/^```console$/ { inb=1; cur=""; next }
		/^```/ && inb { if (cur != "") printf "%s\x1e", cur; inb=0; next }
		inb && /^\$ / { if (cur != "") printf "%s\x1e", cur; cur=$0; next }
		inb { cur = cur "\n" $0 }
	' "$ROOT/README.md")
fi

if [ $SKIP -gt 0 ]; then echo "$PASS passed, $FAIL failed, $SKIP skipped"; else echo "$PASS passed, $FAIL failed"; fi
[ $FAIL -eq 0 ]
