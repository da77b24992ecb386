#!/usr/bin/env python3
"""Checks a status.json (docs/CONTROL.md, "status --json") of observe_test's traffic: it parses,
has the documented fields, and its edges and counts are the traffic's.
usage: check_status.py FILE|-"""
import json
import sys

doc = json.load(sys.stdin if sys.argv[1] == "-" else open(sys.argv[1]))
fail = []


def check(cond, what):
    if not cond:
        fail.append(what)


check(isinstance(doc["pid"], int) and doc["pid"] > 0, "pid")
check(isinstance(doc["time_ms"], int) and doc["time_ms"] > 1.6e12, "time_ms")
check(doc["manifest"] == "dir/app.yaml", "manifest")
check(doc["lattice"] is None, "lattice")
comps = {c["name"]: c for c in doc["components"]}
check(list(comps) == ["front", "back", "crashy"], "components in spawn order")
fields = ("state restarts queued mailbox received sent crashes dropped pending memory storage "
          "fuel handler_ns handler_hist crashes_by").split()
for c in comps.values():
    check(all(f in c for f in fields), "fields of " + c["name"])
    check(len(c["handler_hist"]) == 12, "handler_hist of " + c["name"])
    check(sum(c["crashes_by"].values()) == c["crashes"], "crashes_by of " + c["name"])
check(comps["back"]["received"] == 32 and comps["front"]["sent"] == 28, "counts")
check(comps["crashy"]["crashes"] == 1 and comps["crashy"]["crashes_by"]["unreachable"] == 1,
      "crashy's crash")
check(comps["crashy"]["restarts"] == 1 and comps["crashy"]["state"] == "running", "restart")
edges = {(e["from"], e["to"]): e["messages"] for e in doc["edges"]}
check(edges.get(("front", "back")) == 28, "edge front -> back")
check(edges.get(("@host", "back")) == 4, "edge @host -> back")
check(edges.get(("@host", "front")) == 2, "edge @host -> front")
for f in fail:
    print("check_status: wrong:", f, file=sys.stderr)
sys.exit(1 if fail else 0)
