#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
import json, sys, collections
pre = sys.argv[1]; tdir = sys.argv[2]
T = json.load(open(tdir + '/truth.json'))
ip = {r['ip']: r for r in json.load(open(pre + '.ip.json'))['rows']}
ac = {r['account']: r for r in json.load(open(pre + '.acct.json'))['rows']}
fi = json.load(open(pre + '.find.json'))['rows']
bad = collections.Counter(); ex = collections.defaultdict(list)
def mism(kind, key, exp, got):
    bad[kind] += 1
    if len(ex[kind]) < 6: ex[kind].append((key, exp, got))
checked = collections.Counter()
for a, t in T['ips'].items():
    if a is None or a == 'null': continue
    r = ip.get(a)
    nonzero = any(t[k] for k in ('sessions', 'auth_failures', 'auth_successes', 'orphan_sessions', 'rejects', 'postscreen_connections', 'auth_errors'))
    if r is None:
        if nonzero: mism('ip_missing', a, t, None)
        continue
    for k in ('sessions', 'auth_failures', 'auth_successes', 'auth_errors', 'orphan_sessions', 'rejects', 'postscreen_connections', 'first_seen', 'last_seen'):
        checked[k] += 1
        if t[k] != r[k]: mism('ip.' + k, a, t[k], r[k])
    det = {}
    for acc, l, f, s in t['details']:
        d = det.setdefault((acc, l), [0, 0]); d[0] += f; d[1] += s
    got = {(d['account'], d['learned']): [d['failures'], d['successes']] for d in r['account_details']}
    checked['details'] += 1
    if det != got: mism('ip.account_details', a, sorted(det.items()), sorted(got.items()))
    if sorted(set(x[0] for x in det)) != sorted(r['accounts']): mism('ip.accounts', a, sorted(set(x[0] for x in det)), r['accounts'])
    if sorted(t['ciphers']) != sorted(r['tls_ciphers']): mism('ip.tls_ciphers', a, t['ciphers'], r['tls_ciphers'])
    if t['names'] != sorted(r['reverse_names']): mism('ip.reverse_names', a, t['names'], r['reverse_names'])
    if t['protos'] != sorted(r['tls_protocols']): mism('ip.tls_protocols', a, t['protos'], r['tls_protocols'])
for a in ip:
    if a not in T['ips']: mism('ip_extra', a, None, ip[a])
for a, t in T['accounts'].items():
    r = ac.get(a)
    if r is None: mism('acct_missing', a, t, None); continue
    for k in ('auth_failures', 'auth_successes', 'ip_count', 'first_failure', 'last_failure'):
        checked['acct.' + k] += 1
        if t[k] != r[k]: mism('acct.' + k, a, t[k], r[k])
    lr = [x for x in r['learned'] if x != 'backend']
    if sorted(t['learned']) != sorted(lr): mism('acct.learned', a, t['learned'], r['learned'])
for a in ac:
    if a not in T['accounts'] and (ac[a]['auth_failures'] or ac[a]['auth_successes']): mism('acct_extra', a, None, ac[a])
# findings
types = collections.defaultdict(list)
for f in fi: types[f['type']].append(f)
P = T['plant']
bfips = {f['ip'] for f in types['brute_force']} | {f['ip'] for f in types['password_spray']}
for x in P['bruteforce']:
    if x not in {f['ip'] for f in types['brute_force']}: mism('find.bruteforce_missed', x, 'brute_force', [ (f['type'], f['confidence']) for f in fi if f['ip'] == x])
for x in P['spray']:
    if x not in {f['ip'] for f in types['password_spray']}: mism('find.spray_missed', x, 'password_spray', [(f['type'], f['confidence']) for f in fi if f['ip'] == x])
for x in P['distributed']:
    if x not in {f['account'] for f in types['distributed']}: mism('find.distributed_missed', x, 'distributed', [(f['type']) for f in fi if f['account'] == x])
comp = {(f['account'], f['ip']): f['confidence'] for f in types['compromise']}
for u, x in P['compromise']:
    if (u, x) not in comp: mism('find.compromise_missed', (u, x), 'compromise', None)
    pass
sem = {tuple(x) for x in T['compromise_semantics']}
for k in comp:
    if k not in sem: mism('find.compromise_not_in_semantics', k, None, comp[k])
for k in sem:
    if k not in comp and k[0] is not None: mism('find.semantics_compromise_not_found', k, 'compromise(any conf)', None)
print("checked:", dict(checked))
print("findings:", {k: len(v) for k, v in types.items()})
if not bad: print("ALL MATCH")
for k, n in sorted(bad.items(), key=lambda x: -x[1]):
    print("MISMATCH %-40s %d" % (k, n))
    for e in ex[k]: print("    ", e)
