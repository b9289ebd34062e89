#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz/seed.sh - build the seed corpora fuzz/corpus/<target>/ from the test
# fixtures, the shared public corpus and the small seeds committed in
# fuzz/seeds/<target>/.  The generated corpora are not committed.
#   SHARED_CORPUS   the shared public corpus (default: ../shared/corpus next to
#                   the checkout); skipped when missing
# Usage: fuzz/seed.sh [TARGET...]   (default: all)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED_CORPUS:-$ROOT/../shared/corpus}
OUT=$ROOT/fuzz/corpus
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(syslog grammar authdecode pipeline ingest)

logs=("$ROOT"/tests/fixtures/*.log)
if [ -d "$SHARED" ]; then
	while IFS= read -r f; do logs+=("$f"); done < <(find "$SHARED" -type f \
		\( -path '*fail2ban*' -o -name '*.log' \) ! -name '*.md' | sort)
fi

# every log line of every input, one file per line (fail2ban comments skipped;
# wazuh "log N pass = LINE" entries unwrapped; grok "data:" bodies behind a header)
lines() {
	for f in "${logs[@]}"; do grep -v '^#' "$f" || true; done
	if [ -d "$SHARED" ]; then
		find "$SHARED" -name '*.ini' -exec sed -n 's/^log [0-9]* [a-z]* = //p' {} +
		for y in "$SHARED"/postfix-grok-patterns/test/*.yaml; do
			[ -f "$y" ] || continue
			d=$(basename "$y" .yaml); d=${d%_[0-9]*}
			sed -n 's/^data: "\(.*\)"$/\1/p; s/^data: \([^"].*\)$/\1/p' "$y" |
				sed "s|^|Feb 23 11:57:42 mail postfix/$d[4242]: |"
		done
	fi
}

one_per_file() { # dir: each stdin line becomes one file (named by content hash)
	mkdir -p "$1"
	while IFS= read -r l; do
		h=$(printf '%s' "$l" | sha1sum | cut -c1-16)
		printf '%s' "$l" > "$1/$h"
	done
}

for t in "${targets[@]}"; do
	d=$OUT/$t
	rm -rf "$d"; mkdir -p "$d"
	case $t in
	syslog|grammar)
		lines | one_per_file "$d" ;;
	authdecode)
		# first byte: cut flag + output capacity (see fuzz_authdecode.c); then the payload
		for f in "${logs[@]}"; do
			sed -n 's/.*\(AUTH PLAIN\|AUTH LOGIN\|Read [0-9]* chars:\|< [^ ]*: \) *//p' "$f" || true
		done | sed 's/^/~/' | one_per_file "$d" ;;
	pipeline|ingest)
		for f in "${logs[@]}"; do
			cp "$f" "$d/$(sha1sum < "$f" | cut -c1-16)"
			# and 40-line windows, which fit libFuzzer's -max_len
			split -l 40 -a 3 "$f" "$d/$(basename "$f" | tr -c 'a-zA-Z0-9\n' _)-"
		done ;;
	*) echo "seed.sh: unknown target '$t'" >&2; exit 2 ;;
	esac
	if [ -d "$ROOT/fuzz/seeds/$t" ]; then cp "$ROOT"/fuzz/seeds/"$t"/* "$d"/ 2>/dev/null || true; fi
	echo "fuzz/corpus/$t: $(find "$d" -type f | wc -l) seeds"
done
