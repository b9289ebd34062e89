#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fuzz/run.sh - run one libFuzzer target (or all, one after the other) for a
# number of seconds.
#   fuzz/run.sh TARGET SECONDS [extra libFuzzer flags]    TARGET: syslog grammar authdecode pipeline ingest
#   fuzz/run.sh all SECONDS                                each target for SECONDS
# Builds the targets (make fuzz) and the seed corpora (fuzz/seed.sh) when
# missing.  New inputs go to fuzz/corpus/TARGET/, crashes to
# fuzz/artifacts/TARGET/; the libFuzzer log is fuzz/logs/TARGET.log and its
# last lines (exec count, coverage) are printed.  Exit status: 0 when no
# target crashed, 1 otherwise.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ALL=(syslog grammar authdecode pipeline ingest)
[ $# -ge 2 ] || { echo "usage: fuzz/run.sh TARGET|all SECONDS [libFuzzer flags]" >&2; exit 2; }
what=$1 secs=$2; shift 2
if [ "$what" = all ]; then targets=("${ALL[@]}"); else targets=("$what"); fi
make -s fuzz >/dev/null || { echo "fuzz/run.sh: make fuzz failed (is clang installed?)" >&2; exit 2; }

# a dictionary from the string literals the grammars look for (printable
# ASCII only: libFuzzer refuses the whole file for one entry that is not,
# such as a comment's "[remote=…]")
dict=build/fuzz/mailsleuth.dict
grep -ho '"[^"\\]\{3,40\}"' parser/g_*.c parser/grammar.c parser/tracker.c parser/authdecode.c \
	parser/syslog.c | LC_ALL=C grep -a -v '[^ -~]' | sort -u > "$dict"

status=0
for t in "${targets[@]}"; do
	bin=build/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "fuzz/run.sh: no target '$t' (one of: ${ALL[*]})" >&2; exit 2; }
	[ -d fuzz/corpus/$t ] || fuzz/seed.sh "$t" >/dev/null
	mkdir -p fuzz/artifacts/$t fuzz/logs
	flags=(-max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
	       -artifact_prefix=fuzz/artifacts/$t/)
	case $t in
	grammar|syslog) flags+=(-dict="$dict" -max_len=1024) ;;
	authdecode) flags+=(-max_len=512) ;;
	pipeline|ingest) flags+=(-dict="$dict" -max_len=8192) ;;
	esac
	echo "== fuzz_$t for ${secs}s"
	"$bin" "${flags[@]}" "$@" fuzz/corpus/$t > fuzz/logs/$t.log 2>&1
	rc=$?
	grep -E '^(#[0-9]+.*(DONE|pulse|NEW)|stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)' \
		fuzz/logs/$t.log | tail -3
	if [ $rc -ne 0 ]; then
		status=1
		echo "fuzz_$t FAILED (exit $rc); see fuzz/logs/$t.log and fuzz/artifacts/$t/"
		grep -m1 -E 'ERROR: |runtime error|SUMMARY' fuzz/logs/$t.log
	fi
done
exit $status
