#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# check.py FORMAT FILE [MARKER...] - is one mailsleuth output safe to show?
#   every format: no raw control byte (C0 but LF/TAB, DEL, C1 in UTF-8); CSV may end lines in CRLF
#   json: parses; ndjson: every line parses; csv: no cell starts with = + - @ (but numbers);
#   html: no attacker tag (<script>alert, <i>) survives
# MARKERs must each appear in the decoded content (so the check is not vacuous):
# for JSON the parsed strings, for the others the raw text.
# Prints "ok" or the problems; exit 1 on a problem.
import csv, io, json, re, sys

fmt, path, markers = sys.argv[1], sys.argv[2], sys.argv[3:]
raw = open(path, 'rb').read()
bad = []

data = raw.replace(b'\r\n', b'\n') if fmt == 'csv' else raw
m = re.search(rb'[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]', data)
if m:
    bad.append('raw control byte %r at %d' % (m.group(0), m.start()))
text = raw.decode('utf-8', 'replace')
content = text


def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)


if fmt == 'json':
    try:
        content = '\n'.join(strings(json.loads(text)))
    except ValueError as e:
        bad.append('invalid JSON: %s' % e)
elif fmt == 'ndjson':
    out = []
    for i, line in enumerate(text.split('\n'), 1):
        if line.strip():
            try:
                out.extend(strings(json.loads(line)))
            except ValueError as e:
                bad.append('line %d: invalid JSON: %s' % (i, e))
    content = '\n'.join(out)
elif fmt == 'csv':
    for row in csv.reader(io.StringIO(text, newline='')):
        for cell in row:
            if cell[:1] in ('=', '+', '-', '@') and not re.fullmatch(r'-?[0-9.]+', cell):
                bad.append('formula-like CSV cell %r' % cell)
elif fmt == 'html':
    for tag in ('<script>alert', '<i>', '<b onmouseover'):
        if tag in text:
            bad.append('attacker tag %r in HTML' % tag)

for mk in markers:
    if mk not in content:
        bad.append('marker %r not found' % mk)
print('; '.join(bad[:5]) if bad else 'ok')
sys.exit(1 if bad else 0)
