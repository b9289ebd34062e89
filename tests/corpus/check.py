#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
tests/corpus/check.py - corpus accuracy: run `mailsleuth parse` over the public
test logs in the shared corpus and compare, line by line, what mailsleuth
extracted (event kind, client IP, port, host name, user, time) with what the
corpus' own annotations say.  Nothing expected is written here by hand: every
expectation is read from the corpus files, or (for corpora without
annotations) derived from the line text by the small generic "oracle" below.

Sources of expectations:
  fail2ban        "# failJSON: {...}" before a log line: match, host, user, time.
                  match true  -> recognised, ip == host (+ user, time).
                  match false -> not counted as an auth failure (SEMANTICS.md:
                  a SASL failure annotated true under another filter mode wins).
  grok            postfix-grok-patterns test/*.yaml: "data:" is a message body;
                  it is given a syslog header for the daemon the pattern names
                  and must be recognised; for smtpd and postscreen it is also
                  checked against postfix_client_ip / _port / _hostname.
                  (Patterns of line fragments are skipped.)
  wazuh           tools/rules-testing/tests/*.ini "log N pass = LINE" with a
                  decoder: recognised + oracle; rules/log-entries/*.ini lines:
                  oracle.  ("fail" lines are wazuh decoder negatives: not checked.)
  crowdsec        .tests/*/*.log raw lines (the asserts were not copied): oracle.

The oracle, for a line from a mail program: it must be recognised; the client
IP is the first "[ip]" of an smtpd/postscreen message (the address after
"does not resolve to address" for that warning), "rip=" or "backend(user,ip"
for Dovecot; "sasl_username=" / Dovecot "user=<..>" give the user; an smtpd
"SASL ... authentication failed" line must be an auth_fail, a Dovecot
"(auth failed" line a failed dovecot_login.  A line from any other program
must not become a mail event (unrecognised or noise).

Environment: MAILSLEUTH (binary, default `mailsleuth` on PATH),
MAILSLEUTH_CORPUS (default ../shared/corpus relative to the repository).
Prints "skip" and exits 0 when the corpus is absent; exits 1 on any mismatch.
Options: -v lists every checked line.
"""
import glob
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.environ.get("MAILSLEUTH_CORPUS") or os.path.join(ROOT, "..", "shared", "corpus")
MS = os.environ.get("MAILSLEUTH") or "mailsleuth"
VERBOSE = "-v" in sys.argv[1:]

MAIL_PROG = re.compile(r"^(?:postfix[^\s\[]*/[\w.-]+|plesk_saslauthd|saslauthd|dovecot(?:-auth)?|auth|auth-worker|[a-z0-9]+-login)$")


def valid_ip(s):
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False


def norm_ip(s):
    if s is None:
        return None
    s = s.strip()
    if s.lower().startswith("::ffff:") and valid_ip(s[7:]):
        return s[7:]
    return s


def run_parse(path):
    """Run `mailsleuth parse` on one file; returns {line number: record}."""
    p = subprocess.run([MS, "parse", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise SystemExit("mailsleuth parse %s failed (exit %d): %s" % (path, p.returncode, p.stderr.decode(errors="replace")))
    out = {}
    for raw in p.stdout.decode("utf-8", errors="replace").splitlines():
        rec = json.loads(raw)
        if "line" in rec:
            out[rec["line"]] = rec
    return out


# ---------------------------------------------------------------- the oracle

def program_of(rec):
    return rec.get("program") or ""


def oracle(line, rec):
    """Expectations derived from the text of a raw log line (no annotations)."""
    exp = {}
    prog = program_of(rec)
    if rec.get("status") == "malformed":
        # the header itself was not understood: a program name after it still tells a mail line
        m = re.search(r"\s((?:postfix[^\s\[]*/[\w.-]+)|plesk_saslauthd|dovecot|saslauthd)(?:\[\d+\])?:\s", line)
        if m:
            exp["recognised"] = True
        return exp
    daemon = prog.rsplit("/", 1)[-1]
    is_mail = bool(MAIL_PROG.match(prog)) or (rec.get("program") is None and rec.get("family") not in (None, "other"))
    if not is_mail:
        exp["recognised"] = False
        return exp
    exp["recognised"] = True
    msg = line
    m = re.search(r"\[\d+\]: |^\S+ \S+:? |: ", line)
    if prog and (prog + "[") in line:
        msg = line.split("]: ", 1)[1] if "]: " in line else line
    elif prog and (prog + ": ") in line:
        msg = line.split(prog + ": ", 1)[1]
    if daemon in ("smtpd", "postscreen"):
        m = re.search(r"does not resolve to address (\S+?)(?::|$)", msg)
        if m and valid_ip(m.group(1)):
            exp["ip"] = m.group(1)
        else:
            for m in re.finditer(r"\[([0-9A-Fa-f.:]+)\]", msg):
                if valid_ip(m.group(1)):
                    exp["ip"] = m.group(1)
                    break
        m = re.search(r"sasl_username=([^,\s]+)", msg)
        if m:
            exp["user"] = m.group(1)
        if daemon == "smtpd" and re.search(r"SASL \S+ authentication failed", msg):
            exp["event"] = "auth_fail"
    elif prog.startswith("dovecot") or prog in ("auth", "auth-worker") or prog.endswith("-login"):
        m = re.search(r"\brip=([0-9A-Fa-f.:]+)", msg)
        if m:
            exp["ip"] = norm_ip(m.group(1))
        else:
            m = re.search(r"\b[a-z-]+\(([^,()]*),([0-9A-Fa-f.:]+)[,)]", msg)
            if m and valid_ip(norm_ip(m.group(2))):
                exp["ip"] = norm_ip(m.group(2))
                if m.group(1):
                    exp["user"] = m.group(1)
        m = re.search(r"\buser=<([^>]+)>", msg)
        if m:
            exp["user"] = m.group(1)
        if "(auth failed" in msg:
            exp["event"] = "dovecot_login"
            exp["fail"] = True
    return exp


# ---------------------------------------------------------------- comparison

def compare(exp, rec):
    """List of mismatch texts (empty = matched)."""
    bad = []
    recog = rec.get("status") == "recognised"
    if "recognised" in exp:
        if exp["recognised"] and not recog:
            bad.append("not recognised")
            return bad
        if not exp["recognised"] and recog and rec.get("event") != "noise":
            bad.append("recognised as %s, expected not a mail line" % rec.get("event"))
            return bad
    if exp.get("not_auth_failure"):
        if rec.get("event") == "auth_fail" and not rec.get("server_fault"):
            bad.append("counted as an auth failure")
        if rec.get("event") in ("dovecot_auth", "dovecot_login") and rec.get("fail"):
            bad.append("counted as a Dovecot auth failure")
    if "event" in exp and rec.get("event") != exp["event"]:
        bad.append("event %s, expected %s" % (rec.get("event"), exp["event"]))
    if exp.get("event") == "auth_fail" and rec.get("server_fault"):
        bad.append("auth failure marked as the server's fault")
    if "fail" in exp and rec.get("fail") != exp["fail"]:
        bad.append("fail=%s, expected %s" % (rec.get("fail"), exp["fail"]))
    if "ip" in exp and norm_ip(rec.get("ip")) != norm_ip(exp["ip"]):
        bad.append("ip %s, expected %s" % (rec.get("ip"), exp["ip"]))
    if "port" in exp and rec.get("port") != exp["port"]:
        bad.append("port %s, expected %s" % (rec.get("port"), exp["port"]))
    if "name" in exp and rec.get("name") != exp["name"]:
        bad.append("name %s, expected %s" % (rec.get("name"), exp["name"]))
    if "user" in exp and rec.get("user") != exp["user"]:
        bad.append("user %s, expected %s" % (rec.get("user"), exp["user"]))
    if "time" in exp:
        got = rec.get("time")
        if got is None or not got.endswith(exp["time"]):
            bad.append("time %s, expected %s" % (got, exp["time"]))
    return bad


class Corpus:
    def __init__(self, name):
        self.name = name
        self.n = {"annotation": 0, "oracle": 0}
        self.ok = {"annotation": 0, "oracle": 0}
        self.mismatches = []
        self.unchecked = 0

    def check(self, where, exp, rec, line, kind="annotation"):
        if not exp:
            self.unchecked += 1
            return
        self.n[kind] += 1
        bad = compare(exp, rec)
        if bad:
            self.mismatches.append("%s: %s [event %s] %s" % (where, "; ".join(bad), rec.get("event", rec.get("status")),
                                                            line[:110]))
        else:
            self.ok[kind] += 1
        if VERBOSE:
            print("%s %s %s -> %s" % ("ok  " if not bad else "BAD ", where, json.dumps(exp, sort_keys=True),
                                        json.dumps(rec, sort_keys=True)))


def rel(path):
    return os.path.relpath(path, CORPUS)


# ---------------------------------------------------------------- fail2ban

def check_fail2ban(c):
    files = sorted(glob.glob(os.path.join(CORPUS, "fail2ban", "*", "*")))
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        parsed = run_parse(path)
        pending = None
        items = []
        for i, line in enumerate(lines, 1):
            s = line.strip()
            m = re.match(r"#\s*failJSON:\s*(\{.*\})\s*$", s)
            if m:
                pending = json.loads(m.group(1))
                continue
            if not s or s.startswith("#"):
                continue
            if pending is not None:
                items.append((i, line, pending))
                pending = None
        # a line annotated as a match under some filter mode is a match (SEMANTICS.md "public corpora")
        matched_somewhere = {line for (_, line, a) in items if a.get("match")}
        for i, line, a in items:
            rec = parsed.get(i, {"status": "missing"})
            exp = {}
            if a.get("match"):
                exp["recognised"] = True
                if "host" in a:
                    exp["ip"] = a["host"]
                if "user" in a:
                    exp["user"] = a["user"]
                if "time" in a and rec.get("epoch") is None:
                    # the harness fills in the year; "2005-03-7T" is a deliberately odd day
                    t = re.match(r"\d{4}-(\d{2})-(\d{1,2})T(\d{2}:\d{2}:\d{2})", a["time"])
                    if t:
                        exp["time"] = "%s-%02d" % (t.group(1), int(t.group(2))) + "T" + t.group(3)
                o = oracle(line, rec)
                for k in ("event", "fail"):
                    if k in o:
                        exp[k] = o[k]
            else:
                # a SASL failure annotated as a match under another filter mode is counted (SEMANTICS.md);
                # any other line annotated "no match" must not become an auth failure
                if line in matched_somewhere and "event" in oracle(line, rec):
                    c.unchecked += 1
                    continue
                exp["not_auth_failure"] = True
            c.check("%s:%d" % (rel(path), i), exp, rec, line)


# ---------------------------------------------------------------- grok YAML

def yaml_scalar(v):
    v = v.strip()
    if v.startswith('"') and v.endswith('"') and len(v) >= 2:
        return json.loads(v)  # YAML double-quoted escapes used here are a subset of JSON's
    if v.startswith("'") and v.endswith("'") and len(v) >= 2:
        return v[1:-1].replace("''", "'")
    return v


def read_grok(path):
    pattern, data, results, in_res = None, None, {}, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.startswith("pattern:"):
                pattern = yaml_scalar(line[8:])
                in_res = False
            elif line.startswith("data:"):
                data = yaml_scalar(line[5:])
                in_res = False
            elif line.startswith("results:"):
                in_res = True
            elif in_res and line.startswith(" ") and ":" in line:
                k, v = line.strip().split(":", 1)
                results[k] = yaml_scalar(v)
    return pattern, data, results


def postfix_escape(s):
    # Postfix logs client text through escape(): control characters as C escapes
    return s.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


# grok patterns that match a fragment of a line, not a whole daemon message
GROK_FRAGMENTS = ("POSTFIX_COMMAND_COUNTER_DATA", "POSTFIX_DELAYS", "POSTFIX_RELAY", "POSTFIX_TLS_FEATURES")


def check_grok(c):
    entries = []
    for path in sorted(glob.glob(os.path.join(CORPUS, "postfix-grok-patterns", "test", "*.yaml"))):
        pattern, data, results = read_grok(path)
        m = re.search(r"%\{POSTFIX_(\w+)\}", pattern or "")
        if not m or data is None or "POSTFIX_" + m.group(1) in GROK_FRAGMENTS:
            c.unchecked += 1
            continue
        entries.append((path, m.group(1).lower(), data, results))
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False, encoding="utf-8") as tf:
        for path, daemon, data, results in entries:
            tf.write("Jan  1 00:00:00 grok postfix/%s[1]: %s\n" % (daemon, postfix_escape(data)))
        tmp = tf.name
    try:
        parsed = run_parse(tmp)
    finally:
        os.unlink(tmp)
    for n, (path, daemon, data, results) in enumerate(entries, 1):
        rec = parsed.get(n, {"status": "missing"})
        exp = {"recognised": True}
        # other daemons: the message must be recognised (their fields are not SMTP-client evidence)
        if daemon in ("smtpd", "postscreen"):
            if "postfix_client_ip" in results:
                exp["ip"] = results["postfix_client_ip"]
            if "postfix_client_port" in results:
                exp["port"] = int(results["postfix_client_port"])
            if "postfix_client_hostname" in results:
                exp["name"] = results["postfix_client_hostname"]
        c.check(rel(path), exp, rec, data)


# ---------------------------------------------------------------- wazuh / crowdsec

def check_lines(c, path, lines):
    """lines: [(label, text, annotation-based expectations or None = oracle only)]"""
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False, encoding="utf-8") as tf:
        for _, text, _ in lines:
            tf.write(text + "\n")
        tmp = tf.name
    try:
        parsed = run_parse(tmp)
    finally:
        os.unlink(tmp)
    for n, (label, text, base) in enumerate(lines, 1):
        rec = parsed.get(n, {"status": "missing"})
        exp = oracle(text, rec)
        if base:
            exp.update(base)
        c.check(label, exp, rec, text, "annotation" if base else "oracle")


def check_wazuh(c):
    for path in sorted(glob.glob(os.path.join(CORPUS, "wazuh-ruleset", "**", "*.ini"), recursive=True)):
        with open(path, encoding="utf-8", errors="replace") as f:
            raw = f.read().split("\n")
        lines = []
        if "/tests/" in path:
            # "[section]" then "log N pass|fail = LINE" ... "decoder = NAME"
            section = []
            def flush():
                dec = section_decoder[0]
                for i, verdict, text in section:
                    if verdict == "pass" and dec:
                        lines.append(("%s:%d" % (rel(path), i), text, {"recognised": True}))
                    else:
                        c.unchecked += 1
            section_decoder = [None]
            for i, line in enumerate(raw, 1):
                m = re.match(r"log \d+ (pass|fail) = (.*)$", line)
                if m:
                    section.append((i, m.group(1), m.group(2)))
                    continue
                m = re.match(r"decoder\s*=\s*(.*)$", line)
                if m:
                    section_decoder[0] = m.group(1).strip()
                    continue
                if line.startswith("["):
                    flush()
                    section, section_decoder[0] = [], None
            flush()
        else:
            for i, line in enumerate(raw, 1):
                if re.match(r"\d{4}-\d\d-\d\dT|[A-Z][a-z]{2} [ \d]\d ", line):
                    lines.append(("%s:%d" % (rel(path), i), line, None))
        if lines:
            check_lines(c, path, lines)


def check_crowdsec(c):
    for path in sorted(glob.glob(os.path.join(CORPUS, "crowdsec-hub", "*", "*.log"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            raw = f.read().split("\n")
        lines = [("%s:%d" % (rel(path), i), line, None) for i, line in enumerate(raw, 1) if line.strip()]
        if lines:
            check_lines(c, path, lines)


def main():
    if not os.path.isdir(CORPUS):
        print("skip")
        return 0
    corpora = [("fail2ban", check_fail2ban), ("postfix-grok-patterns", check_grok),
               ("crowdsec-hub", check_crowdsec), ("wazuh-ruleset", check_wazuh)]
    total_a = total_m = total_bad = 0
    print("corpus accuracy: per corpus, lines with an annotation and lines checked by the text oracle")
    for name, fn in corpora:
        if not os.path.isdir(os.path.join(CORPUS, name)):
            print("corpus %s: absent" % name)
            continue
        c = Corpus(name)
        fn(c)
        print("corpus %s: annotated %d, matched %d; oracle-checked %d, matched %d; mismatches %d; skipped %d"
              % (name, c.n["annotation"], c.ok["annotation"], c.n["oracle"], c.ok["oracle"], len(c.mismatches),
                 c.unchecked))
        for m in c.mismatches:
            print("  MISMATCH %s" % m)
        total_a += c.n["annotation"] + c.n["oracle"]
        total_m += c.ok["annotation"] + c.ok["oracle"]
        total_bad += len(c.mismatches)
    print("total: %d lines checked, %d matched, %d mismatches" % (total_a, total_m, total_bad))
    return 1 if total_bad else 0


if __name__ == "__main__":
    sys.exit(main())
