#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/faults.sh SECTION - fault injection, run by the golden tests fault-*
# (in a scratch directory, with `mailsleuth` on PATH; needs sqlite3, python3).
#   kill        kill -9 during ingest at several points, then finish the run:
#               the reports and row counts equal those of one uninterrupted run
#   db          read-only database, database locked by another process, disk
#               full (RLIMIT_FSIZE), other schema versions, file mode 0600
#   compressed  truncated and corrupt .gz/.xz/.zst next to a good file
# Output is deterministic: what is compared or checked, and the verdict.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
FIX=${FIX:-$TOP/tests/fixtures}
export MAILSLEUTH_NOW=${MAILSLEUTH_NOW:-2026-11-23T12:00:00Z} TZ=${TZ:-UTC}

# run a command without the root override of file permissions (when root)
unprivileged() {
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
		setpriv --bounding-set -dac_override,-dac_read_search "$@"
	else
		"$@"
	fi
}

integrity() { printf 'integrity_check: %s\n' "$(sqlite3 "$1" 'PRAGMA integrity_check' 2>&1 | head -3 | tr '\n' ' ' | sed 's/ $//')"; }

snapshot() { # db -> everything a user would compare
	mailsleuth report --db "$1" --by ip --format json
	mailsleuth report --db "$1" --by account --format json
	mailsleuth report --db "$1" --by sources --format csv | cut -d, -f1-8
	sqlite3 "$1" "SELECT 'sessions', count(*) FROM sessions; SELECT 'auth_events', count(*) FROM auth_events;
		SELECT 'ids', count(DISTINCT id) = count(*) FROM sessions"
}

gen_log() { # FILE [N]: a synthetic log of N x 8000 sessions (deterministic, no dependency)
	local mb=${2:-12}
	awk -v n=$((mb * 8000)) 'BEGIN { srand(3); for (i = 0; i < n; i++) { t = int(i / 4); ip = "10.0." int(i / 250) % 250 "." i % 250
		ts = sprintf("Dec 22 %02d:%02d:%02d", int(t / 3600) % 24, int(t / 60) % 60, t % 60)
		printf "%s mail postfix/smtpd[%d]: connect from unknown[%s]\n", ts, 1000 + i % 5000, ip
		if (i % 3 == 0) printf "%s mail postfix/smtpd[%d]: warning: unknown[%s]: SASL LOGIN authentication failed: UGFzc3dvcmQ6\n", ts, 1000 + i % 5000, ip
		printf "%s mail postfix/smtpd[%d]: disconnect from unknown[%s] ehlo=1 auth=0/1 quit=1 commands=2/3\n", ts, 1000 + i % 5000, ip } }' > "$1"
}

section_kill() {
	gen_log big.log 4
	mailsleuth ingest --db clean.db --year 2024 big.log || echo "clean run failed"
	snapshot clean.db > clean.snap
	# commit often so that kills land between, inside and after commits
	export MAILSLEUTH_COMMIT_BYTES=200000
	for delay in 0.1 0.3 0.6 1.0; do
		rm -f k.db k.db-journal
		mailsleuth ingest --db k.db --year 2024 big.log >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		# a second kill in the resumed run, then the run that finishes
		mailsleuth ingest --db k.db --year 2024 big.log >/dev/null 2>&1 &
		pid=$!
		sleep 0.1
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		mailsleuth ingest --db k.db --year 2024 big.log 2>&1; rc=$?
		snapshot k.db > k.snap
		if [ $rc = 0 ] && cmp -s clean.snap k.snap; then
			echo "kill -9 after ${delay}s and 0.1s, then resume: same reports and counts"
		else
			echo "kill -9 after ${delay}s: exit $rc, differs:"; diff clean.snap k.snap | head -10
		fi
		[ "$(sqlite3 k.db 'PRAGMA integrity_check')" = ok ] || echo "  integrity_check failed"
	done
	unset MAILSLEUTH_COMMIT_BYTES
	grep -E '^(sessions|auth_events)' clean.snap | awk -F'|' '{ print $1 ": " ($2 > 1000 ? "many" : $2) }'
}

section_db() {
	echo "== file mode (umask 000)"
	(umask 000; mailsleuth ingest --db m.db --year 2026 "$FIX/plesk.log")
	stat -c 'mode %a' m.db

	echo "== read-only database file"
	cp m.db ro.db; chmod 0400 ro.db
	unprivileged mailsleuth ingest --db ro.db --year 2026 "$FIX/tls-debug.log"; echo "exit $?"
	chmod 0600 ro.db; integrity ro.db
	echo "== read-only directory"
	mkdir rodir; chmod 0500 rodir
	unprivileged mailsleuth ingest --db rodir/new.db --year 2026 "$FIX/plesk.log"; echo "exit $?"
	chmod 0700 rodir
	cp m.db rodir/x.db; chmod 0500 rodir
	unprivileged mailsleuth ingest --db rodir/x.db --year 2026 "$FIX/tls-debug.log"; echo "exit $?"
	unprivileged mailsleuth report --db rodir/x.db --by ip --format csv | head -1 | cut -c1-40
	chmod 0700 rodir; integrity rodir/x.db

	echo "== database locked by another process"
	cp m.db l.db
	python3 -c '
import sqlite3, sys, time
c = sqlite3.connect("l.db", isolation_level=None)
c.execute("BEGIN EXCLUSIVE"); c.execute("INSERT INTO meta VALUES (\"lock-test\", \"1\")")
open("locked", "w").close()
time.sleep(6)
c.execute("ROLLBACK")' &
	holder=$!
	for i in $(seq 300); do [ -e locked ] && break; sleep 0.1; done
	# a writer gives up after two seconds; a reader waits for the lock to go
	# (up to a minute: a commit, or an ingest's wait for a long export): it
	# succeeds where the lock is held 6 s
	mailsleuth ingest --db l.db --year 2026 "$FIX/tls-debug.log"; echo "exit $?"
	mailsleuth report --db l.db --by ip --format csv >/dev/null; echo "report exit $?"
	kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
	integrity l.db
	mailsleuth ingest --db l.db --year 2026 "$FIX/tls-debug.log"; echo "after the lock: exit $?"

	echo "== disk full (file size limit)"
	gen_log big.log 2
	(
		trap '' XFSZ
		ulimit -f 1024   # 1 MiB
		mailsleuth ingest --db full.db --year 2024 big.log 2> err; echo "exit $?"
		# where it stops depends on the commit protocol; that it says why does not
		grep -qiE 'disk|full|space|I/O' err && echo "the error says why" || cat err
	)
	integrity full.db
	mailsleuth ingest --db full.db --year 2024 big.log; echo "with room again: exit $?"
	mailsleuth ingest --db fullclean.db --year 2024 big.log
	[ "$(snapshot full.db)" = "$(snapshot fullclean.db)" ] && echo "same reports as an uninterrupted run"

	echo "== other schema versions"
	for v in 0 99 junk; do
		cp m.db v.db
		sqlite3 v.db "UPDATE meta SET value = '$v' WHERE key = 'schema_version'"
		mailsleuth ingest --db v.db --year 2026 "$FIX/plesk.log"; echo "ingest exit $?"
		mailsleuth report --db v.db --by ip; echo "report exit $?"
	done
	cp m.db v.db; sqlite3 v.db "DELETE FROM meta WHERE key = 'schema_version'"
	mailsleuth report --db v.db --by ip; echo "report exit $?"
	sqlite3 other.db "CREATE TABLE t(x)"
	mailsleuth ingest --db other.db "$FIX/plesk.log"; echo "ingest exit $?"
}

section_compressed() {
	awk 'NR <= 40' "$FIX/plesk.log" > part.log
	gen_log src.log 1   # not repetitive: the damage lies after whole blocks of lines
	for z in gzip xz zstd; do
		case $z in gzip) ext=gz ;; xz) ext=xz ;; zstd) ext=zst ;; esac
		# big enough that the damage lies after some whole lines
		$z -c src.log > "good.$ext"
		size=$(stat -c %s "good.$ext")
		head -c $((size * 2 / 3)) "good.$ext" > "cut.$ext"
		cp "good.$ext" "bad.$ext"
		printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' | dd of="bad.$ext" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
		for f in "cut.$ext" "bad.$ext"; do
			rm -f c.db
			mailsleuth ingest --db c.db --year 2026 --no-sort "$f" part.log 2>&1 | sed 's/after [0-9][0-9]* lines/after N lines/'
			echo "exit ${PIPESTATUS[0]}"
			sqlite3 c.db "SELECT path, lines > 0, complete FROM sources ORDER BY id"
		done
	done
}

case ${1:-} in
kill) section_kill ;;
db) section_db ;;
compressed) section_compressed ;;
*) echo "usage: tests/faults.sh kill|db|compressed" >&2; exit 2 ;;
esac
