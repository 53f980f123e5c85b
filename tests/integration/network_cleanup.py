"""Runs after every integration and client test (ctest FIXTURES_CLEANUP): removes the host-level
networking the test servers shared (bridge gantry0, its NAT/forward rules, warm-pool namespaces)
with `gantry server --cleanup-network`, then checks that no netns, veth or iptables rule of
gantry's is left on the host."""

import os
import subprocess
import sys
import tempfile

gantry = os.environ["GANTRY_BIN"]
with tempfile.TemporaryDirectory(prefix="gantry-netclean-") as d:
    r = subprocess.run([gantry, "server", "--cleanup-network", "--data-dir", d, "--run-dir",
                        os.path.join(d, "run")],
                       capture_output=True, text=True, timeout=120)
    print(r.stdout, r.stderr, end="")
    if r.returncode != 0:
        sys.exit(f"cleanup-network failed with {r.returncode}")

problems = []
if os.path.exists("/sys/class/net/gantry0"):
    problems.append("bridge gantry0 still exists")
links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
if "master gantry0" in links:
    problems.append("veths still attached to gantry0")
rules = subprocess.run(["iptables-save"], capture_output=True, text=True).stdout
if "gantry:gantry0" in rules or "10.213.0.0/16" in rules:
    problems.append("iptables rules for gantry0 / 10.213.0.0/16 remain")
ns_dir = "/run/gantry/netns"
pool = [n for n in (os.listdir(ns_dir) if os.path.isdir(ns_dir) else []) if n.startswith("pool-gantry0-")]
if pool:
    problems.append(f"warm-pool namespaces remain: {pool}")
if problems:
    sys.exit("; ".join(problems))
print("0 leftovers: no gantry0 bridge, veths, iptables rules or pool namespaces")
