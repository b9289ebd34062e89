#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
tests/corpus/plesk_perturb.py - make the plesk join harder: reorder a bench/gen log so that
plesk_saslauthd lines may come up to 2 s BEFORE their smtpd warning (seen on real Plesk
hosts; bench/gen always writes them after), keeping plesk's own lines in order (one
process) and "No such user" with its "failed" line, and rewrite the --plesk-truth file.

  python3 tests/corpus/plesk_perturb.py x.log p.tsv z.log z.tsv
  mailsleuth ingest --db z.db z.log && python3 tests/corpus/plesk_accuracy.py z.tsv z.db
"""
import random, sys, time
random.seed(7)
src, tsv, dst, dtsv = sys.argv[1:5]
L = open(src, errors='replace').read().split('\n')
if L[-1] == '': L.pop()
def secs(l):
    return time.mktime(time.strptime('2024 ' + l[:15], '%Y %b %d %H:%M:%S'))
isp = ['plesk_saslauthd' in l for l in L]
keys = [float(i) for i in range(len(L))]
i = 0
moved = 0
while i < len(L):
    if isp[i]:
        j = i
        while j + 1 < len(L) and isp[j + 1] and 'No such user' in L[j] and "failed mail" in L[j + 1]:
            j += 1                                  # block = No such user + failed
        if random.random() < 0.5:
            s = secs(L[i]); back = random.randint(0, 2)
            k = i
            while k > 0 and not isp[k - 1] and keys[k - 1] == k - 1 and secs(L[k - 1]) >= s - back and i - k < 200:
                k -= 1
            if k < i:
                for b in range(i, j + 1):
                    keys[b] = k - 0.5 + (b - i) * 0.001
                    L[b] = L[k][:15] + L[b][15:]
                moved += 1
        i = j + 1
    else:
        i += 1
order = sorted(range(len(L)), key=lambda x: keys[x])
newpos = {old + 1: n + 1 for n, old in enumerate(order)}
open(dst, 'w').write('\n'.join(L[o] for o in order) + '\n')
with open(dtsv, 'w') as f:
    f.write('#plesk_line\tsmtpd_line\tip\taccount\n')
    for l in open(tsv):
        if l.startswith('#'): continue
        pl, sl, ip, a = l.rstrip('\n').split('\t')
        f.write('%d\t%d\t%s\t%s\n' % (newpos[int(pl)], newpos[int(sl)], ip, a))
print('moved blocks', moved)
