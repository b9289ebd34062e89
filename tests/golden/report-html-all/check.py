# SPDX-License-Identifier: MIT
# check.py [--browser] FILE TEXT... - the HTML report is one self-contained, well-formed
# page: tags balance, no script, no external resource, attacker strings
# escaped, and each TEXT appears in the rendered text.  With --browser and
# chromium installed (optional: apt-get install chromium) the page is also
# rendered headless: TEXT must be in the DOM it dumps and the console (CSP
# violations, errors) must stay empty.
import re, shutil, subprocess, sys
from html.parser import HTMLParser

VOID = {"meta", "br", "img", "hr", "link", "input", "col", "area", "base", "embed", "source", "track", "wbr"}

class Check(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.text, self.tags = [], [], [], set()
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k in ("src", "href") or (v and re.search(r"url\(|https?://", v) and k != "xmlns"):
                self.errors.append("external reference %s=%r" % (k, v))
            if k.startswith("on"):
                self.errors.append("event handler %s" % k)
        if tag not in VOID:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> at %s, open: %s" % (tag, self.getpos(), self.stack[-3:]))
        else:
            self.stack.pop()
    def handle_data(self, data):
        self.text.append(data)

args = sys.argv[1:]
use_browser = "--browser" in args
args = [a for a in args if a != "--browser"]
path, want = args[0], args[1:]
page = open(path, encoding="utf-8").read()
c = Check()
c.feed(page)
c.close()
if c.stack:
    c.errors.append("unclosed: %s" % c.stack)
for bad in ("script", "iframe", "object", "embed", "link", "img"):
    if bad in c.tags:
        c.errors.append("<%s> element present" % bad)
if re.search(r"@import|url\(", page):
    c.errors.append("CSS fetches something")
text = "".join(c.text)
for w in want:
    if w not in text:
        c.errors.append("missing text %r" % w)
print("tags balance, no script, no external resource" if not c.errors else "\n".join(c.errors))
print("svg charts:", page.count("<svg"))
browser = shutil.which("chromium") or shutil.which("chromium-browser")
if use_browser and not browser:
    print("chromium: not installed")
if use_browser and browser:
    run = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=1",
                          "--dump-dom", "file://" + __import__("os").path.abspath(path)],
                         capture_output=True, text=True, timeout=120)
    dom = run.stdout
    console = [l for l in run.stderr.splitlines() if ":CONSOLE" in l]
    missing = [w for w in want if w.replace("<", "&lt;").replace(">", "&gt;") not in dom and w not in dom]
    print("chromium:", "rendered, key text present" if dom and not missing else "FAILED %r" % missing)
    print("chromium console messages:", len(console))
    for l in console[:5]:
        print("  " + l)
    if not dom or missing or console:
        c.errors.append("chromium")
sys.exit(1 if c.errors else 0)
