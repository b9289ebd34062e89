#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent seeded generator of mixed Postfix/plesk/dovecot/TLS-debug logs with
ground truth per SEMANTICS.md.  usage: gen.py SEED NLINES OUTDIR [--start ISO]"""
import sys, random, base64, json, gzip, os, datetime as dt, bisect, collections

seed = int(sys.argv[1]); target = int(sys.argv[2]); out = sys.argv[3]
start_iso = sys.argv[4] if len(sys.argv) > 4 else None
R = random.Random(seed)
os.makedirs(out, exist_ok=True)
UTC = dt.timezone.utc
if start_iso:
    T0 = dt.datetime.fromisoformat(start_iso).replace(tzinfo=UTC).timestamp()
else:
    T0 = dt.datetime(2026, 12, 31, 21, 0, 0, tzinfo=UTC).timestamp()
DUR = max(float(os.environ.get('MINDUR', 4 * 3600)), target / float(os.environ.get('RATE', 12)))

MON = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
LINES = []   # (float_ts, seq, text)
SEQ = [0]

# host -> config
HOSTS = {
 'mx1':   dict(ver=310, fmt='3164', backend=None, tlsdbg=False, port=False),
 'plesk': dict(ver=37,  fmt='3164', backend='plesk', tlsdbg=False, port=False),
 'plesk2': dict(ver=37,  fmt='3164', backend='plesk', tlsdbg=False, port=False),
 'mx2':   dict(ver=39,  fmt='iso+1', backend=None, tlsdbg=False, port=False),
 'dove':  dict(ver=38,  fmt='3164', backend='dovecot', tlsdbg=False, port=True),
 'tls':   dict(ver=35,  fmt='3164z', backend=None, tlsdbg=True, port=False),
 'old':   dict(ver=21, fmt='3164', backend=None, tlsdbg=True, port=False),
}
HOSTNAMES = list(HOSTS)

import zoneinfo
GTZ = zoneinfo.ZoneInfo(os.environ.get('GEN_TZ', 'UTC'))
def header(host, t, prog):
    f = HOSTS[host]['fmt']
    d = dt.datetime.fromtimestamp(int(t), GTZ)
    if host == 'old':
        return "%s %d %s %s %s: " % (MON[d.month-1], d.day, d.strftime("%H:%M:%S"), host, prog)
    if f == 'iso+1':
        f = R.choice(['iso+1', 'iso+1', 'shortiso', '5424'])
        l = dt.datetime.fromtimestamp(t, dt.timezone(dt.timedelta(hours=1)))
        if f == 'shortiso':
            return "%s %s %s: " % (l.strftime("%Y-%m-%dT%H:%M:%S+0100"), host, prog)
        if f == '5424':
            pn, pid = prog[:-1].split('[') if '[' in prog else (prog, '-')
            return "<22>1 %s %s %s %s - - " % (l.strftime("%Y-%m-%dT%H:%M:%S.%f+01:00"), host, pn, pid)
    if f == '3164':
        return "%s %2d %s %s %s: " % (MON[d.month-1], d.day, d.strftime("%H:%M:%S"), host, prog)
    if f == '3164z':
        return "%s %02d %s %s %s: " % (MON[d.month-1], d.day, d.strftime("%H:%M:%S"), host, prog)
    if f == 'iso+1':
        l = dt.datetime.fromtimestamp(t, dt.timezone(dt.timedelta(hours=1)))
        return "%s %s %s: " % (l.strftime("%Y-%m-%dT%H:%M:%S.%f+01:00"), host, prog)

def emit(host, t, prog, msg):
    SEQ[0] += 1
    LINES.append((t, SEQ[0], header(host, t, prog) + msg))

# ---------------- truth -----------------
EV = []  # dict events
def ev(**k):
    EV.append(k); return k

def disp(u):
    if u and '@' in u and R.random() < 0.2:
        l, d = u.rsplit('@', 1); return l + '@' + R.choice([d.upper(), d.title()])
    return u
def mcase(m, host):
    if host in ('mx1', 'plesk', 'plesk2') and R.random() < 0.15: return R.choice([m.lower(), m.title()])
    return m
def norm(a):
    if a is None: return None
    if '@' in a:
        l, d = a.rsplit('@', 1); return l + '@' + d.lower()
    return a

# ---------------- address pools ----------------
def rip4():
    while True:
        a = R.choice([45, 62, 77, 80, 89, 91, 103, 141, 176, 185, 193, 194, 212, 217])
        ip = "%d.%d.%d.%d" % (a, R.randrange(256), R.randrange(256), R.randrange(1, 255))
        return ip
def rip6():
    return "2001:db8:%x:%x::%x" % (R.randrange(1, 0xffff), R.randrange(0, 0xffff), R.randrange(1, 0xfff))
def rip():
    return rip6() if R.random() < 0.12 else rip4()
def rname(ip):
    if R.random() < 0.6: return 'unknown'
    return R.choice(['mail', 'smtp', 'host', 'static']) + '-' + ip.replace('.', '-').replace(':', '-') + R.choice(['.example.net', '.isp.de', '.cloud.io'])

DOM = {'plesk': ['example.com', 'shop-example.de'], 'plesk2': ['example.com', 'p2.example'], 'mx1': ['corp.example'], 'mx2': ['acme.example'],
       'dove': ['dove.example'], 'tls': ['fip.io'], 'old': ['ol.io']}
LOCALS = ['info', 'admin', 'office', 'sales', 'test', 'backup', 'noreply', 'postmaster', 'anna', 'bob', 'carl', 'dora', 'web', 'hr', 'it', 'jobs', 'kim', 'lea']
BIGPOOL = ['%s%d' % (w, i) for w in ['user', 'mail', 'sales', 'info', 'contact', 'demo', 'guest', 'support'] for i in range(60)]
def acct(host, real=True):
    d = R.choice(DOM[host])
    if real: return R.choice(LOCALS[:10]) + '@' + d
    return R.choice(BIGPOOL) + '@' + d
def users(host):
    return [l + '@' + d for d in DOM[host] for l in ['anna', 'bob', 'carl', 'dora', 'kim', 'office', 'info']]

CIPHERS = [('TLSv1.3', 'TLS_AES_256_GCM_SHA384', '256/256'), ('TLSv1.3', 'TLS_AES_128_GCM_SHA256', '128/128'),
           ('TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384', '256/256'), ('TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', '128/128'),
           ('TLSv1', 'DES-CBC3-SHA', '112/168'), ('TLSv1.2', 'RC4-SHA', '128/128'), ('TLSv1.1', 'AES128-SHA', '128/128')]

# ---------------- process / pid model ----------------
PIDBUSY = collections.defaultdict(dict)   # host -> pid -> free_at
IDLE = collections.defaultdict(list)      # (host, svc) -> [pid]
PIDSVC = {}
def getpid(host, svc, t):
    idle = [p for p in IDLE[(host, svc)] if PIDBUSY[host][p] < t - 1]
    if idle and R.random() < 0.75:
        return R.choice(idle)
    while True:
        p = R.randrange(3000, 3500)   # small range: cross-host collisions and reuse
        if PIDBUSY[host].get(p, -1) < t - 1:
            if p in PIDSVC.get(host, {}) and PIDSVC[host][p] != svc:
                # pid reused by another service: drop old idle entry
                o = PIDSVC[host][p]
                if p in IDLE[(host, o)]: IDLE[(host, o)].remove(p)
            PIDSVC.setdefault(host, {})[p] = svc
            if p not in IDLE[(host, svc)]: IDLE[(host, svc)].append(p)
            return p

# failures recorded for backends
PLESK_FAILS = []
DOVE_FAILTIMES = collections.defaultdict(list)

class S:
    def __init__(s, host, ip, t, svc='postfix/smtpd', orphan=False, name=None, port=None):
        s.host, s.ip, s.t, s.svc = host, ip, t, svc
        s.cfg = HOSTS[host]
        s.name = name or rname(ip)
        s.pid = getpid(host, svc, t)
        s.prog = "%s[%d]" % (svc, s.pid)
        s.orphan = orphan
        s.ok_named = None; s.ok_any = False; s.nok = 0; s.auth_tot = 0
        s.cmds = collections.Counter(); s.cmdt = collections.Counter()
        s.port = port if port else R.randrange(1024, 65535)
        s.decoded_user = None
        s.mapped = host == 'dove' and ':' not in ip and R.random() < 0.3
        s.success_ev = None
        s.tls = False
    @property
    def na(s):
        x = "%s[%s]" % (s.name, ('::ffff:' + s.ip) if getattr(s, 'mapped', False) else s.ip)
        if s.cfg['port']: x += ":%d" % s.port
        return x
    def adv(s, a=0.05, b=2.5):
        s.t += R.uniform(a, b)
    def line(s, msg, seen=True):
        emit(s.host, s.t, s.prog, msg)
        if seen: ev(k='seen', ip=s.ip, t=int(s.t), name=s.name)
    def cmd(s, c, ok=True):
        s.cmdt[c] += 1
        if ok: s.cmds[c] += 1
    def connect(s, rdns_warn=False):
        if s.orphan:
            ev(k='orphan', ip=s.ip); return
        if rdns_warn:
            s.name = 'unknown'
            s.line("warning: hostname %s does not resolve to address %s" % (R.choice(['a.bad.example', 'x.ru']), s.ip)
                   + R.choice(['', ': Name or service not known']))
            s.adv(0.01, 0.5); s.name = 'unknown'
        s.line("connect from %s" % s.na); ev(k='connect', ip=s.ip, t=int(s.t))
    def ehlo(s):
        s.adv(); s.cmd('ehlo')
        if s.cfg['tlsdbg'] and s.tls:
            s.tlsdbg_rw('Read', 'EHLO client.local')
            s.tlsdbg_rw('Write', '250-%s.example.net' % s.host, cut=True)
    def crlf(s):
        return '#015#012' if s.cfg['ver'] < 34 else '??'
    def tlsdbg_rw(s, rw, text, cut=False):
        full = text + '\r\n'
        shown = full[:40]
        shown = shown.replace('\r\n', s.crlf()).replace('\r', s.crlf()[:len(s.crlf())//2]).replace('\n', '')
        if s.crlf() == '??': shown = full[:40].replace('\r', '?').replace('\n', '?')
        else: shown = full[:40].replace('\r', '#015').replace('\n', '#012')
        s.line("%s %d chars: %s" % (rw, len(full), shown), seen=False)
    def starttls(s):
        s.adv(); s.cmd('starttls'); s.tls = True
        cfg = s.cfg
        if cfg['tlsdbg']:
            s.line("setting up TLS connection from %s" % s.na)
            for st in ['before SSL initialization', 'SSLv3/TLS read client hello', 'SSLv3/TLS write server hello']:
                s.line("SSL_accept:%s" % st, seen=False)
            s.line("read from 7F04A4A693C0 [7F04A4A6F420] (5 bytes => 5 (0x5))", seen=False)
            s.line("0000 16 03 01 00 c4                                   .....", seen=False)
        pr = R.choice(CIPHERS) if cfg['ver'] >= 34 else R.choice(CIPHERS[2:])
        if cfg['ver'] < 34 and pr[0] == 'TLSv1.3': pr = CIPHERS[2]
        ln = "Anonymous TLS connection established from %s: %s with cipher %s (%s bits)" % (s.na, pr[0], pr[1], pr[2])
        if cfg['ver'] >= 34:
            ln += " key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"
        s.adv(0.05, 0.4); s.line(ln)
        ev(k='tls', ip=s.ip, proto=pr[0], cipher=pr[1])
        s.ehlo()

    # ---- auth ----
    def auth_fail(s, user, mech='LOGIN', want_backend=True, nosuch=False, reason=None, pw=None):
        """user: the real account tried (None: unknown to anyone)."""
        s.adv(0.5, 3.0)
        cfg = s.cfg; host = s.host
        learned = None; name = None
        if cfg['tlsdbg'] and s.tls and user and mech in ('LOGIN', 'PLAIN'):
            pw = pw or R.choice(['123456', 'password', 'qwerty1', 'Passw0rd', 'letmein'])
            s.tlsdbg_auth(mech, user, pw)
            name, learned = user, 'decoded'
        if host == 'dove':
            # per-IP spacing >= 7 s for an unambiguous dovecot join
            lst = DOVE_FAILTIMES[s.ip]
            while any(abs(s.t - x) < 7 for x in lst): s.t += 2.0
            lst.append(s.t)
        if reason is None:
            if host == 'dove':
                reason = R.choice(['', 'UGFzc3dvcmQ6'])
            elif cfg['ver'] >= 39:
                reason = R.choice(['(reason unavailable)', 'authentication failure'])
            else:
                reason = 'authentication failure'
        msg = "warning: %s: SASL %s authentication failed: %s" % (s.na, mcase(mech, host), reason)
        msg = msg.rstrip(' ') if (reason == '' and R.random() < 0.5) else msg
        if cfg['ver'] >= 39 and user:
            msg += ", sasl_username=%s" % disp(user)
            name, learned = user, 'logged'
        if host == 'dove' and user:
            # dovecot auth line 0-2 s before the failure
            dtm = s.t - R.uniform(0.0, 2.0)
            be = R.choice(['pam', 'passwd-file', 'sql'])
            res = 'unknown user' if nosuch else R.choice(['Password mismatch', 'pam_authenticate() failed: Authentication failure (password mismatch?)'])
            if be == 'pam' and not nosuch:
                res = 'pam_authenticate() failed: Authentication failure (password mismatch?)'
            if be != 'pam' and not nosuch: res = 'Password mismatch'
            sess = base64.b64encode(bytes(R.randrange(256) for _ in range(9))).decode()
            v = R.random()
            if v < 0.4:
                emit(host, dtm, 'dovecot', "auth-worker(%d): %s(%s,%s,<%s>): %s" % (R.randrange(1000, 9999), be, user, s.ip, sess, res))
            elif v < 0.7:
                emit(host, dtm, 'dovecot', "auth: %s(%s,%s,<%s>): %s" % ('passwd-file', user, s.ip, sess, 'unknown user' if nosuch else 'Password mismatch'))
            else:
                emit(host, dtm, 'dovecot', "auth(%s,%s,sasl:%s)<%s>: Info: sql: %s" % (user, s.ip, mech.lower(), sess, 'unknown user' if nosuch else 'Password mismatch'))
            if name is None: name, learned = user, 'inferred'
        e = ev(k='fail', ip=s.ip, t=s.t, acct=norm(name), learned=learned, host=host, mech=mech, nosuch=bool(nosuch and host in ('plesk', 'plesk2', 'dove')))
        if host in ('plesk', 'plesk2'):
            PLESK_FAILS.append(dict(host=host, t=s.t, user=user, mech=mech, want=want_backend and user is not None, nosuch=nosuch, ev=e))
        s.line(msg)
        s.cmd('auth', False)
        if host == 'old' and not s.tls and R.random() < 0.2:
            n = R.randrange(1, 4)
            SEQ[0] += 1
            LINES.append((s.t + 1e-7, SEQ[0], header(host, s.t, 'x')[:-len('x: ')] .rstrip() .rsplit(' ', 1)[0] + ' ' + host + " last message repeated %d times" % n))
            for _ in range(n):
                ev(k='fail', ip=s.ip, t=s.t, acct=norm(name), learned=learned, host=host, mech=mech); s.auth_tot += 1; s.cmdt['auth'] += 1
        if cfg['tlsdbg'] and s.tls:
            s.tlsdbg_rw('Write', '535 5.7.8 Error: authentication failed: authentication failure')
        s.auth_tot += 1
        return e
    def tlsdbg_auth(s, mech, user, pw):
        if mech == 'PLAIN':
            if R.random() < 0.6:
                s.tlsdbg_rw('Read', 'AUTH PLAIN ' + base64.b64encode(b'\0' + user.encode() + b'\0' + pw.encode()).decode())
            else:
                s.tlsdbg_rw('Read', 'AUTH PLAIN')
                s.tlsdbg_rw('Write', '334 ')
                s.tlsdbg_rw('Read', base64.b64encode(b'\0' + user.encode() + b'\0' + pw.encode()).decode())
        else:
            s.tlsdbg_rw('Read', 'AUTH LOGIN')
            s.tlsdbg_rw('Write', '334 VXNlcm5hbWU6')
            s.tlsdbg_rw('Read', base64.b64encode(user.encode()).decode())
            s.tlsdbg_rw('Write', '334 UGFzc3dvcmQ6')
            s.tlsdbg_rw('Read', base64.b64encode(pw.encode()).decode())
    def auth_error(s, mech='LOGIN'):
        s.adv(0.5, 2)
        s.line("warning: %s: SASL %s authentication failed: Connection lost to authentication server" % (s.na, mech))
        ev(k='error', ip=s.ip, t=s.t)
        s.cmd('auth', False); s.auth_tot += 1
    def auth_abort(s, mech='LOGIN'):
        s.adv(0.5, 2)
        s.line("warning: %s: SASL %s authentication aborted" % (s.na, mech))
        s.cmd('auth', False); s.auth_tot += 1
    def auth_ok(s, user, mech='PLAIN', nmsg=1, name_in_client=True, reject_named=False):
        s.adv(0.3, 2)
        if s.cfg['tlsdbg'] and s.tls:
            s.tlsdbg_auth(mech, user, 'S3cret!x')
            s.tlsdbg_rw('Write', '235 2.7.0 Authentication successful')
            s.decoded_user = user
        s.cmd('auth'); s.nok += 1; s.auth_tot += 1
        named = None
        if nmsg > 0 and name_in_client:
            for i in range(nmsg):
                s.adv(0.2, 3)
                q = qid()
                s.cmd('mail'); s.cmd('rcpt'); s.cmd('data')
                s.line("%s: client=%s, sasl_method=%s, sasl_username=%s" % (q, s.na, mech, disp(user)))
                named = user
                delivery(s.host, s.t, q, user)
        elif reject_named and s.cfg['ver'] >= 310:
            s.adv(); s.cmd('mail'); s.cmd('rcpt', False)
            s.line("NOQUEUE: reject: RCPT from %s: 554 5.7.1 <x@spam.example>: Recipient address rejected: Access denied; from=<%s> to=<x@spam.example> proto=ESMTP helo=<pc> sasl_method=%s sasl_username=%s"
                   % (s.na, user, mech, user))
            ev(k='reject', ip=s.ip, t=s.t)
            named = user
        if named:
            s.success_ev = ev(k='ok', ip=s.ip, t=s.t, acct=norm(named), learned='logged', host=s.host)
        elif s.decoded_user:
            s.success_pending = ('decoded', s.decoded_user)
        else:
            s.success_pending = (None, None)
    def reject(s, qform=False):
        s.adv(); s.cmd('mail'); s.cmd('rcpt', False)
        q = qid() if qform else 'NOQUEUE'
        ext = ''
        s.line("%s: reject: RCPT from %s: 554 5.7.1 <u%d@dest.example>: Relay access denied; from=<spam@bad.example> to=<u%d@dest.example> proto=ESMTP helo=<%s>%s"
               % (q, s.na, R.randrange(99), R.randrange(99), R.choice(['WIN-ABC', 'ylmf-pc', 'localhost']), ext))
        ev(k='reject', ip=s.ip, t=s.t)
    def plain_msg(s):
        s.adv(); q = qid(); s.cmd('mail'); s.cmd('rcpt'); s.cmd('data')
        s.line("%s: client=%s" % (q, s.na))
        delivery(s.host, s.t, q, 'sender@remote.example')
    def end(s, how='disconnect'):
        s.adv(0.05, 1.5)
        v = s.cfg['ver']
        if how == 'none':
            pass
        else:
            if how in ('lost', 'timeout', 'errors'):
                w = {'lost': 'lost connection', 'timeout': 'timeout', 'errors': 'too many errors'}[how]
                pre = 'NOQUEUE: ' if v >= 310 else ''
                s.line("%s%s after %s from %s" % (pre, w, 'AUTH' if s.auth_tot else R.choice(['EHLO', 'CONNECT', 'RCPT']), s.na))
                s.adv(0.0, 0.2)
            else:
                s.cmd('quit')
            if v >= 30:
                s.line("disconnect from %s%s" % (s.na, counters(s)))
            else:
                s.line("disconnect from %s" % s.na)
        # success by auth=S/T when no client= names the user
        if s.success_ev is None and s.nok > 0:
            pend = getattr(s, 'success_pending', (None, None))
            if how != 'none' and v >= 30:
                s.success_ev = ev(k='ok', ip=s.ip, t=s.t, acct=norm(pend[1]), learned=pend[0], host=s.host)
            else:
                # no disconnect counters: the login is not visible per SEMANTICS
                pass
        PIDBUSY[s.host][s.pid] = s.t + (3600 if how == 'none' else 0)
        return s.t

ORDER = 'helo ehlo xclient xforward starttls auth mail rcpt data bdat rset noop vrfy etrn quit help unknown'.split()
def counters(s):
    out = ''; ts = 0; tt = 0
    for c in ORDER:
        t = s.cmdt[c]
        if t == 0: continue
        o = s.cmds[c]; ts += o; tt += t
        out += " %s=%d" % (c, o) + ("" if o == t else "/%d" % t)
    out += " commands=%d" % ts + ("" if ts == tt and tt != 0 else "/%d" % tt)
    return out

QC = [0]
def qid():
    QC[0] += 1
    return "%X" % (0x4A0000000 + QC[0] * 7919 + R.randrange(7))
def delivery(host, t, q, sender):
    p = R.randrange(200, 260)
    emit(host, t + 0.01, "postfix/cleanup[%d]" % p, "%s: message-id=<%x@mail.example>" % (q, R.getrandbits(40)))
    emit(host, t + 0.02, "postfix/qmgr[%d]" % 120, "%s: from=<%s>, size=%d, nrcpt=1 (queue active)" % (q, sender, R.randrange(900, 90000)))
    if R.random() < 0.3:
        ip = "142.250.%d.%d" % (R.randrange(256), R.randrange(1, 255))
        emit(host, t + 0.5, "postfix/smtp[%d]" % (R.randrange(3000, 3500)),
             "Trusted TLS connection established to mx.google.com[%s]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)" % ip)

# ---------------- planted scenarios ----------------
PLANT = dict(bruteforce=[], spray=[], distributed=[], compromise=[])
SVC = {'plesk2': ['postfix/smtpd'], 'mx1': ['postfix/smtpd', 'postfix/submission/smtpd'], 'plesk': ['postfix/smtpd', 'postfix/submission/smtpd'],
       'mx2': ['postfix/smtpd', 'postfix/smtps/smtpd'], 'dove': ['postfix/submission/smtpd'],
       'tls': ['postfix/smtpd'], 'old': ['postfix/smtpd']}

USER_IPS = {h: {u: rip4() for u in users(h)} for h in HOSTS}

def sess_normal_mx(t):
    host = R.choice(['mx1', 'mx2', 'tls', 'old', 'plesk'])
    ip = rip()
    ps = host == 'mx1' and R.random() < 0.5
    if ps:
        port = R.randrange(1024, 65535)
        emit(host, t, "postfix/postscreen[%d]" % 990, "CONNECT from [%s]:%d to [198.51.100.1]:25" % (ip, port))
        ev(k='seen', ip=ip, t=int(t)); ev(k='ps', ip=ip, t=int(t))
        t += R.uniform(0.5, 6)
        if R.random() < 0.3:
            emit(host, t, "postfix/postscreen[%d]" % 990, "PREGREET 14 after 0.08 from [%s]:%d: EHLO ylmf-pc\\r\\n" % (ip, port))
            ev(k='seen', ip=ip, t=int(t)); t += 0.5
            emit(host, t, "postfix/postscreen[%d]" % 990, "DISCONNECT [%s]:%d" % (ip, port))
            ev(k='seen', ip=ip, t=int(t)); return
        if R.random() < 0.2:
            emit(host, t, "postfix/postscreen[%d]" % 990, "DNSBL rank 3 for [%s]:%d" % (ip, port)); ev(k='seen', ip=ip, t=int(t)); t += 0.3
        emit(host, t, "postfix/postscreen[%d]" % 990, "PASS %s [%s]:%d" % (R.choice(['NEW', 'OLD']), ip, port))
        ev(k='seen', ip=ip, t=int(t)); t += 0.1
    s = S(host, ip, t, 'postfix/smtpd')
    s.connect(rdns_warn=R.random() < 0.1)
    s.adv(); s.cmd('ehlo')
    if R.random() < 0.6: s.starttls()
    r = R.random()
    if r < 0.15: s.reject()
    elif r < 0.25:
        s.plain_msg(); s.reject(qform=True)
    else:
        for _ in range(R.choice([1, 1, 1, 2])): s.plain_msg()
    s.end(R.choice(['disconnect'] * 8 + ['lost', 'timeout']))

def sess_user_login(t, host=None, user=None, ip=None, typo=0, nmsg=None):
    host = host or R.choice(['mx1', 'plesk', 'mx2', 'dove', 'tls', 'old'])
    user = user or R.choice(users(host))
    ip = ip or USER_IPS[host][user]
    s = S(host, ip, t, R.choice(SVC[host]))
    s.connect(); s.adv(); s.cmd('ehlo')
    if host in ('tls', 'old') or R.random() < 0.8: s.starttls()
    for _ in range(typo):
        s.auth_fail(user, mech='PLAIN')
    nm = R.choice([1, 1, 2, 3]) if nmsg is None else nmsg
    variant = R.random()
    if nm == 0:
        s.auth_ok(user, 'PLAIN', nmsg=0, reject_named=(host == 'mx1'))
    else:
        s.auth_ok(user, R.choice(['PLAIN', 'LOGIN']), nmsg=nm)
    s.end('disconnect')
    return s

def sess_bot(t, host, ip, tries, real_frac=0.5, plesk_backend=0.9, mechs=('LOGIN',), ending=None):
    """tries: list of user names (None = no name)"""
    s = S(host, ip, t, R.choice(SVC[host]))
    s.connect(rdns_warn=R.random() < 0.05)
    s.adv(); s.cmd('ehlo')
    if HOSTS[host]['tlsdbg'] and R.random() < 0.7: s.starttls()
    elif R.random() < 0.3: s.starttls()
    reps = []
    for i, u in enumerate(tries):
        if i: s.cmd('rset')
        mech = R.choice(mechs)
        nosuch = u is not None and u.split('@')[0] not in LOCALS[:10]
        s.auth_fail(u, mech=mech, want_backend=R.random() < plesk_backend, nosuch=nosuch)
    s.end(ending or R.choice(['disconnect'] * 6 + ['lost', 'errors']))
    return s

def sess_repeat(t, ip):
    """mx1 (rsyslog repeat reduction): identical failures collapsed"""
    host = 'mx1'
    s = S(host, ip, t, 'postfix/submission/smtpd')
    s.connect(); s.adv(); s.cmd('ehlo')
    u = acct('mx1')
    s.auth_fail(u, 'LOGIN', reason='authentication failure')
    n = R.randrange(2, 6)
    s.adv(3, 8)
    msg = "warning: %s: SASL LOGIN authentication failed: authentication failure, sasl_username=%s" % (s.na, u)
    s.line("message repeated %d times: [ %s]" % (n, msg))
    for _ in range(n):
        ev(k='fail', ip=ip, t=s.t, acct=norm(u), learned='logged', host=host, mech='LOGIN')
        s.cmd('auth', False); s.cmd('rset'); s.auth_tot += 1
    s.end('disconnect')

def sess_misc(t):
    """auth errors, aborts, invalid mech, cram-md5"""
    host = R.choice(['mx1', 'plesk', 'mx2', 'old'])
    ip = rip()
    s = S(host, ip, t, R.choice(SVC[host]))
    s.connect(); s.adv(); s.cmd('ehlo')
    r = R.random()
    if r < 0.35: s.auth_error(R.choice(['LOGIN', 'PLAIN']))
    elif r < 0.6: s.auth_abort(R.choice(['LOGIN', 'PLAIN']))
    elif r < 0.8: s.auth_fail(None, mech='XOAUTH2', reason='Invalid authentication mechanism')
    else: s.auth_fail(None, mech='CRAM-MD5', reason='PDc3OTEwNTkyNTEyMzA2NDIuMTIyODI1MzA2MUBoZWw+')
    s.end(R.choice(['disconnect', 'lost']))

def sess_unterminated(t):
    host = R.choice(['mx1', 'plesk', 'mx2', 'tls'])
    s = S(host, rip(), t)
    s.connect(); s.adv(); s.cmd('ehlo')
    if host == 'tls':
        s.starttls()
        s.auth_fail(acct(host))
        s.adv(1, 5); s.tlsdbg_rw('Read', 'QUIT')
        e = s.end('none'); PIDBUSY[host][s.pid] = e + 1
        ns = S(host, rip(), e + R.uniform(5, 600), s.svc)
        ns.connect(); ns.adv(); ns.cmd('ehlo'); ns.plain_msg(); ns.end()
        return
    if R.random() < 0.5:
        if host != 'plesk': s.auth_fail(acct(host))
        else: s.reject()
    e = s.end('none')
    PIDBUSY[host][s.pid] = e + 1  # free: next connect on this pid closes it
    t2 = e + R.uniform(5, 600)
    ns = S(host, rip(), t2, s.svc)
    ns.connect(); ns.adv(); ns.cmd('ehlo'); ns.plain_msg(); ns.end()

def sess_orphan(t, host):
    ip = rip4()
    s = S(host, ip, t, 'postfix/smtpd', orphan=True)
    s.connect()
    s.cmd('ehlo')
    u = acct(host) if host in ('mx1', 'mx2') else None
    for _ in range(R.randrange(1, 3)):
        s.auth_fail(u, want_backend=False)
    s.end('disconnect')

def imap_noise(t, ip):
    emit('dove', t, 'dovecot', "imap-login: Disconnected (auth failed, 3 attempts in 12 secs): user=<anna@dove.example>, method=PLAIN, rip=%s, lip=10.0.0.5, TLS, session=<abcdEF12>" % ip)
    emit('mx1', t + 1, 'postfix/anvil[121]', "statistics: max connection rate 2/60s for (smtp:%s) at Dec 31 10:00:00" % ip)

def main():
    plans = []
    T1 = T0 + DUR
    # orphans at the very beginning
    for h in ['mx1', 'mx2', 'plesk']:
        plans.append((T0 + R.uniform(0, 3), sess_orphan, (h,)))
    # planted attacks (host chosen)
    def at(): return T0 + R.uniform(600, DUR - 1800)
    # brute force
    for h in ['plesk', 'plesk2', 'mx1', 'tls']:
        ip = rip(); ta = at(); n = R.randrange(12, 40)
        us = [acct(h)] * 1 + [acct(h)]
        k = 0
        while k < n:
            m = min(n - k, R.randrange(3, 9))
            plans.append((ta, sess_bot, (h, ip, [R.choice(us) for _ in range(m)])))
            ta += R.uniform(20, 120); k += m
        PLANT['bruteforce'].append(ip)
    # spraying
    for h in ['plesk', 'mx2', 'dove']:
        ip = rip(); ta = at()
        accs = R.sample([l + '@' + DOM[h][0] for l in LOCALS], 9)
        for i in range(0, 9, 3):
            plans.append((ta, sess_bot, (h, ip, accs[i:i + 3])))
            ta += R.uniform(30, 200)
        PLANT['spray'].append(ip)
    # distributed
    for h in ['plesk', 'plesk2', 'mx1']:
        tgt = 'admin@' + DOM[h][0]; ta = at()
        for i in range(R.randrange(6, 10)):
            plans.append((ta, sess_bot, (h, rip(), [tgt] * R.randrange(1, 4))))
            ta += R.uniform(5, 60)
        PLANT['distributed'].append(tgt)
    # successful break-ins: failures then login from same IP
    for h in ['plesk', 'mx1', 'dove', 'tls', 'mx2']:
        ip = rip4(); ta = at(); u = R.choice(users(h))
        plans.append((ta, sess_bot, (h, ip, [u] * R.randrange(4, 12) + [acct(h)])))
        plans.append((ta + R.uniform(300, 900), sess_user_login, (h, u, ip, 0, 1)))
        PLANT['compromise'].append((norm(u), ip))
    # repeated-message sessions
    for _ in range(3):
        plans.append((at(), sess_repeat, (rip4(),)))
    # user typo then login
    for _ in range(4):
        h = R.choice(['mx1', 'mx2', 'tls']); u = R.choice(users(h))
        plans.append((at(), sess_user_login, (h, u, None, R.randrange(1, 3), 1)))
    # auth-only logins (no client=)
    for _ in range(6):
        h = R.choice(['mx1', 'mx2', 'old', 'tls', 'plesk'])
        plans.append((at(), sess_user_login, (h, None, None, 0, 0)))
    # imap/anvil noise with an IP that also does smtpd
    nip = rip4(); plans.append((T0 + 50, sess_user_login, ('dove', None, nip, 0, 1)))
    imap_noise(T0 + 20, nip); imap_noise(T1 + 100, nip)
    # background filling
    est = 0
    while est < target:
        t = T0 + R.uniform(5, DUR)
        r = R.random()
        if r < 0.45: plans.append((t, sess_normal_mx, ())); est += 9
        elif r < 0.65: plans.append((t, sess_user_login, ())); est += 10
        elif r < 0.85:
            h = R.choice(HOSTNAMES); ip = rip()
            tries = [acct(h, real=R.random() < 0.15) for _ in range(R.randrange(1, 4))]
            plans.append((t, sess_bot, (h, ip, tries))); est += 3 + 2 * len(tries)
        elif r < 0.93: plans.append((t, sess_misc, ())); est += 4
        else: plans.append((t, sess_unterminated, ())); est += 8
    plans.sort(key=lambda p: p[0])
    for t, f, a in plans: f(t, *a)
    plesk_pass()

def plesk_pass():
  for H in ('plesk', 'plesk2'):
    F = sorted([f for f in PLESK_FAILS if f['host'] == H], key=lambda f: f['t'])
    for f in F:
        if f['mech'] not in ('LOGIN', 'PLAIN'): f['want'] = False
    for it in range(0 if os.environ.get('NOFLIP') else 6):
        last = -1e18; bts = []
        for f in F:
            if not f['want']: continue
            d = R.uniform(-1.0, 85) if R.random() < 0.15 else R.uniform(0.2, 20)
            bt = max(f['t'] + d, last + 0.001)
            bt = min(bt, f['t'] + 88)
            f['bt'] = bt; last = bt; bts.append(bt)
        bts.sort(); changed = False
        for f in F:
            if f['want'] or f['user'] is None and f['mech'] not in ('LOGIN', 'PLAIN'): continue
            if f['mech'] not in ('LOGIN', 'PLAIN'): continue
            i = bisect.bisect_left(bts, f['t'] - 3.5)
            if i < len(bts) and bts[i] <= f['t'] + 92:
                if f['user'] is None:
                    f['user'] = acct(H)
                f['want'] = True; changed = True
        if not changed: break
    if os.environ.get('NOFLIP'):
        last = -1e18
        for f in F:
            if not f['want']: continue
            d = R.uniform(-1.0, 85) if R.random() < 0.15 else R.uniform(0.2, 20)
            bt = min(max(f['t'] + d, last + 0.001), f['t'] + 88); f['bt'] = bt; last = bt
    if os.environ.get('GAPMODE') == 'uniform':
        for f in F:
            if f['want']: f['bt'] = f['t'] + R.uniform(0, 90)
    ppid = 4434
    for f in F:
        e = f['ev']
        if f['want']:
            if f['nosuch']:
                emit(H, f['bt'] - 0.0005, "plesk_saslauthd[%d]" % ppid, "No such user '%s' in mail authorization database" % f['user'])
            emit(H, f['bt'], "plesk_saslauthd[%d]" % ppid, "failed mail %s attempt for user '%s' (password len=%d)" % (
                R.choice(['authentication', 'authenticatication']), f['user'], R.randrange(4, 14)))
            e['acct'] = norm(f['user']); e['learned'] = 'inferred'
        else:
            e['acct'] = None; e['learned'] = None; e['nosuch'] = False

main()
LINES.sort(key=lambda x: (x[0], x[1]))
n = len(LINES)
a, b = int(n * 0.3), int(n * 0.62)
with gzip.open(os.path.join(out, 'maillog.2.gz'), 'wt') as f:
    for x in LINES[:a]: f.write(x[2] + '\n')
with open(os.path.join(out, 'maillog.1'), 'w') as f:
    for x in LINES[a:b]: f.write(x[2] + '\n')
with open(os.path.join(out, 'maillog'), 'w') as f:
    for x in LINES[b:]: f.write(x[2] + '\n')

# -------------- truth -----------------
IP = collections.defaultdict(lambda: dict(sessions=0, auth_failures=0, auth_successes=0, auth_errors=0, orphan_sessions=0,
                                          rejects=0, postscreen_connections=0, first=None, last=None, details=collections.Counter(),
                                          succ_details=collections.Counter(), ciphers=set(), names=set(), protos=set()))
AC = collections.defaultdict(lambda: dict(auth_failures=0, auth_successes=0, ips=set(), first=None, last=None, learned=set()))
for e in EV:
    k = e['k']; ip = e.get('ip'); r = IP[ip] if ip else None
    if k == 'seen':
        r['first'] = e['t'] if r['first'] is None else min(r['first'], e['t'])
        r['last'] = e['t'] if r['last'] is None else max(r['last'], e['t'])
        if e.get('name') and e['name'] != 'unknown': r['names'].add(e['name'])
    elif k == 'connect': r['sessions'] += 1
    elif k == 'orphan': r['orphan_sessions'] += 1
    elif k == 'error': r['auth_errors'] += 1
    elif k == 'reject': r['rejects'] += 1
    elif k == 'ps': r['postscreen_connections'] += 1
    elif k == 'tls': r['ciphers'].add(e['cipher']); r['protos'].add(e['proto'])
    elif k == 'fail':
        r['auth_failures'] += 1
        if e['acct']:
            r['details'][(e['acct'], e['learned'])] += 1
            a_ = AC[e['acct']]; a_['auth_failures'] += 1; a_['ips'].add(ip); a_['learned'].add(e['learned'])
            tt = int(e['t'])
            a_['first'] = tt if a_['first'] is None else min(a_['first'], tt)
            a_['last'] = tt if a_['last'] is None else max(a_['last'], tt)
    elif k == 'ok':
        r['auth_successes'] += 1
        if e['acct']:
            r['succ_details'][(e['acct'], e['learned'])] += 1
            a_ = AC[e['acct']]; a_['auth_successes'] += 1; a_['ips'].add(ip); a_['learned'].add(e['learned'])

def iso(t): return dt.datetime.fromtimestamp(t, UTC).strftime('%Y-%m-%dT%H:%M:%SZ') if t is not None else None
# compromise per SEMANTICS (part 1): success U from X after >=1 failure from X on U or unnamed
comp = set(); failseen = collections.defaultdict(set)
for e in sorted([e for e in EV if e['k'] in ('fail', 'ok')], key=lambda e: e['t']):
    if e['k'] == 'fail': failseen[e['ip']].add(e['acct'])
    else:
        fs = failseen[e['ip']]
        if e['acct'] and (e['acct'] in fs or None in fs): comp.add((e['acct'], e['ip']))
        if not e['acct'] and fs: comp.add((None, e['ip']))
truth = dict(
    ips={ip: dict(sessions=r['sessions'], auth_failures=r['auth_failures'], auth_successes=r['auth_successes'],
                  auth_errors=r['auth_errors'], orphan_sessions=r['orphan_sessions'], rejects=r['rejects'],
                  postscreen_connections=r['postscreen_connections'], first_seen=iso(r['first']), last_seen=iso(r['last']),
                  details=[[a, l, c, r['succ_details'].get((a, l), 0)] for (a, l), c in r['details'].items()] +
                          [[a, l, 0, c] for (a, l), c in r['succ_details'].items() if (a, l) not in r['details']],
                  ciphers=sorted(r['ciphers']), names=sorted(r['names']), protos=sorted(r['protos']))
         for ip, r in IP.items()},
    accounts={a: dict(auth_failures=r['auth_failures'], auth_successes=r['auth_successes'], ip_count=len(r['ips']),
                      first_failure=iso(r['first']), last_failure=iso(r['last']), learned=sorted(r['learned']))
              for a, r in AC.items()},
    events=[[e['k'], e['ip'], e['t'], e.get('acct'), e.get('nosuch', False)] for e in EV if e['k'] in ('fail', 'ok')],
    plant=PLANT, compromise_semantics=sorted([list(x) for x in comp], key=str), lines=n)
json.dump(truth, open(os.path.join(out, 'truth.json'), 'w'), indent=1, default=list)
json.dump([dict(host=f['host'], t=f['t'], user=f['user'] if f['want'] else None, bt=f.get('bt') if f['want'] else None, mech=f['mech'])
           for f in PLESK_FAILS], open(os.path.join(out, 'plesk.json'), 'w'))
print("lines", n, "ips", len(IP), "accounts", len(AC))
