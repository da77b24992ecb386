#!/usr/bin/env python3
"""Checks the dashboard's DOM as headless Chromium dumped it after the page's script ran
(dashboard_test.sh): every component has a row with its state, the busy one a non-zero rate,
the failed one marked down, the one that crashed once marked warn, and the graph has the arrow
between the busy pair with a non-zero rate.
usage: check_dom.py DOM.html"""
import sys
from html.parser import HTMLParser


class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.nodes, self.edges, self.ids, self.polls = {}, {}, [], {}, 0
        self.capture = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "body":
            self.polls = int(a.get("data-polls") or 0)
        if tag == "tr" and "data-component" in a:
            self.rows[a["data-component"]] = a
        if tag == "g" and "node" in cls and "data-component" in a:
            self.nodes[a["data-component"]] = a
        if tag == "g" and "edge" in cls and "data-from" in a:
            self.edges.append(a)
        if "id" in a and a["id"].startswith("total-"):
            self.capture = a["id"]

    def handle_data(self, data):
        if self.capture:
            self.ids[self.capture] = data.strip()
            self.capture = None


dom = Dom()
dom.feed(open(sys.argv[1], encoding="utf-8").read())
fail = []


def check(cond, what):
    if not cond:
        fail.append(what)


check(dom.polls >= 2, "fewer than 2 documents rendered (%d)" % dom.polls)
for name in ("gateway", "orders", "billing", "thumbnailer", "mailer"):
    check(name in dom.rows, "no row for " + name)
    check(name in dom.nodes, "no graph node for " + name)
rows = dom.rows
if "orders" in rows:
    check(rows["orders"].get("data-state") == "running", "orders not running")
    check(float(rows["orders"].get("data-rate", 0)) > 0, "orders' rate is 0 after traffic")
    check(rows["orders"].get("data-health") == "ok", "orders not ok")
if "mailer" in rows:
    check(rows["mailer"].get("data-state") == "failed", "mailer not shown failed")
    check(rows["mailer"].get("data-health") == "down", "mailer not marked down")
if "thumbnailer" in rows:
    check(rows["thumbnailer"].get("data-health") == "warn", "thumbnailer's crash not marked")
    check(rows["thumbnailer"].get("data-crashes") == "1", "thumbnailer's crash not counted")
busy = [e for e in dom.edges if e.get("data-from") == "gateway" and e.get("data-to") == "orders"]
check(busy and float(busy[0].get("data-rate", 0)) > 0, "no busy arrow gateway -> orders")
check(dom.ids.get("total-components") == "5", "total components %r" % dom.ids.get("total-components"))
check(dom.ids.get("total-rate", "0") not in ("0", "–"), "total rate is 0")
for f in fail:
    print("check_dom: wrong:", f, file=sys.stderr)
if not fail:
    print("check_dom: ok: %d rows, %d arrows, %d documents; orders at %s msgs/s" %
          (len(rows), len(dom.edges), dom.polls, rows["orders"]["data-rate"]))
sys.exit(1 if fail else 0)
