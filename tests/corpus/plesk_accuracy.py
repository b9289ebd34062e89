#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
tests/corpus/plesk_accuracy.py - how well mailsleuth joins plesk_saslauthd user
names to smtpd SASL failures, measured against the generator's ground truth.

  make bench/gen && bench/gen --size 50M --truth t.json --plesk-truth p.tsv -o x.log
  mailsleuth ingest --db x.db x.log
  python3 tests/corpus/plesk_accuracy.py p.tsv x.db

p.tsv (bench/gen --plesk-truth): plesk_line, smtpd_line, ip, account - the
plesk_saslauthd line that names the user of the smtpd failure at smtpd_line.
For each such pair the auth record mailsleuth wrote for smtpd_line is
  right   its account is the plesk user (domain compared case-insensitively),
          inferred from the plesk line or decoded from TLS-debug AUTH data,
  wrong   it carries another account,
  missing it has no account (the plesk line was left unmatched).
"spurious" counts inferred accounts on failures that have no plesk line in
the truth (the join should have left them without a user).
The input must be a single file (line numbers are per source).
"""
import sqlite3
import sys


def norm(u):
    if u is None:
        return None
    if "@" in u:
        local, dom = u.rsplit("@", 1)
        return local + "@" + dom.lower()
    return u


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: plesk_accuracy.py P.TSV DB\n")
        return 2
    truth = {}
    for line in open(sys.argv[1], encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        pl, sl, ip, acct = line.rstrip("\n").split("\t")
        truth[int(sl)] = (int(pl), ip, acct)
    db = sqlite3.connect(sys.argv[2])
    rows = {}
    cand = dict(db.execute("SELECT line, infer_candidates FROM auth_events WHERE account_src = 3"))
    for line, acct, learned, ip, gap, kind in db.execute(
            "SELECT line, account, learned, ip, infer_gap, kind FROM v_auth WHERE kind IN ('failure','error')"):
        rows[line] = (acct, learned, ip, gap, kind)
    right = wrong = missing = nofail = ipbad = 0
    amb = amb_right = 0
    gaps = []
    bysrc = {}
    for sl, (pl, ip, acct) in truth.items():
        r = rows.get(sl)
        if r is None:
            nofail += 1
            continue
        if r[2] != ip:
            ipbad += 1
        if (cand.get(sl) or 1) > 1:
            amb += 1
            amb_right += r[0] is not None and norm(r[0]) == norm(acct)
        if r[0] is None:
            missing += 1
        elif norm(r[0]) == norm(acct):
            right += 1
            bysrc[r[1]] = bysrc.get(r[1], 0) + 1
            if r[1] == "inferred":
                gaps.append(r[3])
        else:
            wrong += 1
            bysrc["wrong " + str(r[1])] = bysrc.get("wrong " + str(r[1]), 0) + 1
    spurious = sum(1 for l, r in rows.items() if l not in truth and r[1] == "inferred")
    failures = len(rows)
    n = len(truth)
    pct = lambda x: 100.0 * x / n if n else 0.0
    print("plesk_saslauthd lines with a known smtpd failure: %d (smtpd failures in the database: %d)" % (n, failures))
    print("  right    %6d  %5.1f%%  (%s)" % (right, pct(right), ", ".join("%s %d" % kv for kv in sorted(bysrc.items())
                                                               if not kv[0].startswith("wrong"))))
    print("  wrong    %6d  %5.1f%%  (%s)" % (wrong, pct(wrong), ", ".join("%s %d" % kv for kv in sorted(bysrc.items())
                                                               if kv[0].startswith("wrong"))))
    print("  missing  %6d  %5.1f%%" % (missing, pct(missing)))
    if nofail or ipbad:
        print("  (smtpd failure not found: %d, failure with another IP: %d)" % (nofail, ipbad))
    print("inferred accounts on failures without a plesk line: %d" % spurious)
    print("ambiguous joins (other addresses were compatible too): %d (%.1f%%), right %d" % (amb, pct(amb), amb_right))
    if gaps:
        gaps.sort()
        print("gap of right joins (s): median %d, max %d" % (gaps[len(gaps) // 2], gaps[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
