"""Shared harness for gantry's end-to-end tests: a real `gantry server` on port 0 with a fresh data
dir, a JSON REST client, a CLI runner, the busybox test image, polling with a deadline, and a
teardown that stops every task and then asserts the machine holds nothing the test created.

Environment: GANTRY_BIN (the gantry binary), GANTRY_REPO (repo root, for scripts/). Needs root.
"""

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

_HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.environ.get("GANTRY_REPO") or os.path.dirname(os.path.dirname(_HERE))
GANTRY_BIN = os.environ.get("GANTRY_BIN") or os.path.join(REPO, "build", "exe", "gantry")

NETNS_DIR = "/run/gantry/netns"
CGROUP_ROOT = "/sys/fs/cgroup"
LISTEN_RE = re.compile(r"^gantry server listening on (http://127\.0\.0\.1:(\d+))$")
TERMINAL = "STOPPED"

# ----------------------------------------------------------------------------------------------
# Polling


class WaitTimeout(AssertionError):
    pass


def wait_for(predicate, timeout, interval=0.1, what="condition"):
    """Polls predicate() until it returns something truthy; returns that value. On the deadline,
    raises WaitTimeout naming `what` and the last value seen (never a bare sleep)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
        time.sleep(interval)


# ----------------------------------------------------------------------------------------------
# Busybox image: built once per process, imported into every server.

_busybox_dir = None


def busybox_image_dir():
    global _busybox_dir
    if _busybox_dir is None:
        parent = tempfile.mkdtemp(prefix="gantry-it-img-")
        atexit.register(shutil.rmtree, parent, True)
        out = os.path.join(parent, "busybox")
        subprocess.run([os.path.join(REPO, "scripts", "make-busybox-image"), out], check=True,
                       stdout=subprocess.DEVNULL, timeout=120)
        _busybox_dir = out
    return _busybox_dir


# ----------------------------------------------------------------------------------------------
# Server process


class Server:
    """One `gantry server` process. stdout and stderr go to files in the log dir (a pipe nobody
    drains would eventually block the server); the first stdout line carries the endpoint."""

    def __init__(self, data_dir, log_dir, generation=0):
        self.data_dir = data_dir
        self.stdout_path = os.path.join(log_dir, f"server{generation}.stdout")
        self.stderr_path = os.path.join(log_dir, f"server{generation}.stderr")
        self.proc = None
        self.endpoint = None
        self.port = None
        self.first_line = None

    def start(self, timeout=20):
        """Starts the server and finds its endpoint. `first_line` records the first stdout line,
        which the contract says is the listening line; GantryTestCase.start_server checks it."""
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [GANTRY_BIN, "server", "--data-dir", self.data_dir, "--run-dir",
                 run_dir(self.data_dir), "--listen", "127.0.0.1:0"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)

        def listening():
            if self.proc.poll() is not None:
                raise AssertionError(f"gantry server exited with {self.proc.returncode} before "
                                     f"listening\n{self.logs()}")
            with open(self.stdout_path, "rb") as f:
                lines = f.read().decode(errors="replace").split("\n")[:-1]  # complete lines only
            for line in lines:
                m = LISTEN_RE.match(line)
                if m:
                    return lines[0], m
            return None

        self.first_line, m = wait_for(listening, timeout, 0.05, "the server's listening line")
        self.endpoint, self.port = m.group(1), int(m.group(2))
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        """Simulates a crash: SIGKILL by pid, reaped."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout=15):
        """SIGTERM by pid; SIGKILL if it does not exit within `timeout`. Returns the exit code."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            raise AssertionError(f"gantry server (pid {self.proc.pid}) ignored SIGTERM for {timeout}s")

    def logs(self, max_chars=20000):
        parts = []
        for p in (self.stdout_path, self.stderr_path):
            try:
                with open(p, "rb") as f:
                    text = f.read().decode(errors="replace")
            except OSError:
                continue
            if len(text) > max_chars:
                text = "...\n" + text[-max_chars:]
            parts.append(f"----- {os.path.basename(p)} -----\n{text}")
        return "\n".join(parts)


# ----------------------------------------------------------------------------------------------
# REST client


class Api:
    def __init__(self, endpoint, timeout=30):
        self.endpoint = endpoint
        self.timeout = timeout

    def call(self, method, path, body=None, raw=None, timeout=None):
        """Returns (status, parsed JSON body or raw text). `raw` sends bytes as they are."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.endpoint + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as r:
                status, payload = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        text = payload.decode(errors="replace")
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


def task_id(task_or_arn):
    arn = task_or_arn["taskArn"] if isinstance(task_or_arn, dict) else task_or_arn
    return arn.rsplit("/", 1)[-1]


# ----------------------------------------------------------------------------------------------
# Leftover detection: only for what this test created (its data dir, its task ids, its pids).


def run_dir(data_dir):
    """The test server's --run-dir: its transient state, on a tmpfs the server mounts there (the
    harness unmounts it after the test; it is not a leftover, what lies beneath it would be)."""
    return os.path.join(data_dir, "run")


def mounts_under(prefixes, ignore=()):
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mnt = line.split()[4].replace("\\040", " ")
            if mnt in ignore:
                continue
            if any(mnt == p or mnt.startswith(p.rstrip("/") + "/") for p in prefixes):
                out.append(mnt)
    return out


def server_mounts(data_dir):
    """What the server itself mounts and leaves for its next start (not task leftovers): the run
    dir's tmpfs and the read-only bind of the runtime binary in it."""
    d = run_dir(data_dir)
    return [d] + mounts_under([os.path.join(d, "bin")])


def unmount_run_dir(data_dir):
    d = run_dir(data_dir)
    for m in sorted(mounts_under([os.path.join(d, "bin")]), reverse=True):
        subprocess.run(["umount", m], capture_output=True, timeout=30)
    while mounts_under([d]) == [d]:  # only the tmpfs itself, nothing beneath it
        if subprocess.run(["umount", d], capture_output=True, timeout=30).returncode != 0:
            break


def cgroup_dirs(ids):
    out = []
    try:
        controllers = os.listdir(CGROUP_ROOT)
    except OSError:
        return out
    for c in controllers:
        for tid in ids:
            for path in (os.path.join(CGROUP_ROOT, c, "gantry", tid), os.path.join(CGROUP_ROOT, "gantry", tid)):
                if os.path.isdir(path) and path not in out:
                    out.append(path)
    return out


def netns_files(ids):
    return [os.path.join(NETNS_DIR, t) for t in ids if os.path.lexists(os.path.join(NETNS_DIR, t))]


def crun_roots(data_dir):
    """crun state dirs a test's containers can be in: the server's --root and crun's default."""
    return [os.path.join(run_dir(data_dir), "crun"), None]


def crun_containers(ids, data_dir):
    if not shutil.which("crun"):
        return []
    out = []
    for root in crun_roots(data_dir):
        if root is not None and not os.path.isdir(root):
            continue
        cmd = ["crun"] + (["--root", root] if root else []) + ["list", "-q"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        out += [(root, n) for n in r.stdout.split()
                if any(n.startswith(f"gantry-{t}-") for t in ids)]
    return out


def shim_pids(data_dir):
    """pids whose command line mentions `shim` and this test's data dir."""
    pids = []
    me = os.getpid()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv if a]
        if "shim" in words and any(data_dir in w for w in words):
            pids.append(int(d))
    return pids


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def leftovers(data_dir, ids):
    found = {}
    checks = {
        "mounts": lambda: mounts_under([data_dir] + [os.path.join(NETNS_DIR, t) for t in ids],
                                       ignore=tuple(server_mounts(data_dir))),
        "netns": lambda: netns_files(ids),
        "cgroups": lambda: cgroup_dirs(ids),
        "crun containers": lambda: [n for _, n in crun_containers(ids, data_dir)],
        "shim processes": lambda: shim_pids(data_dir),
    }
    for name, check in checks.items():
        v = check()
        if v:
            found[name] = v
    return found


def force_cleanup(data_dir, ids):
    """Best-effort removal of what a failed test left behind, by id/pid only, so the next test
    starts clean. The test has already been failed by then."""
    for pid in shim_pids(data_dir):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for root, name in crun_containers(ids, data_dir):
        subprocess.run(["crun"] + (["--root", root] if root else []) + ["delete", "-f", name],
                       capture_output=True, timeout=30)
    for mnt in sorted(mounts_under([data_dir] + [os.path.join(NETNS_DIR, t) for t in ids],
                                   ignore=tuple(server_mounts(data_dir))),
                      key=len, reverse=True):
        subprocess.run(["umount", "-l", mnt], capture_output=True, timeout=30)
    for path in netns_files(ids):
        try:
            os.unlink(path)
        except OSError:
            pass
    for path in sorted(cgroup_dirs(ids), key=len, reverse=True):
        # Nested cgroups first (crun may create per-container children).
        for root, dirs, _ in os.walk(path, topdown=False):
            for d in dirs:
                try:
                    os.rmdir(os.path.join(root, d))
                except OSError:
                    pass
        try:
            os.rmdir(path)
        except OSError:
            pass


# ----------------------------------------------------------------------------------------------
# Test case base


class GantryTestCase(unittest.TestCase):
    """Every test gets its own server and data dir; tearDown stops all tasks, kills the server by
    pid and fails the test if mounts, netns, cgroups, crun containers or shims are left behind."""

    maxDiff = None
    STOP_TIMEOUT = 30  # seconds teardown waits for stopped tasks to reach STOPPED

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("integration tests run real containers and need root")
        self.work_dir = tempfile.mkdtemp(prefix="gantry-it-")
        self.data_dir = os.path.join(self.work_dir, "data")
        self.log_dir = os.path.join(self.work_dir, "logs")
        os.makedirs(self.log_dir)
        self.task_ids = set()
        self.servers = []
        self.server = None
        self.start_server()
        self.import_busybox()

    # --- server -----------------------------------------------------------------------------

    def start_server(self, strict=True):
        """Starts a server on this test's data dir. With `strict`, fails the test unless the first
        stdout line is the listening line (the server stays up so teardown can still clean up)."""
        srv = Server(self.data_dir, self.log_dir, len(self.servers))
        self.servers.append(srv)
        srv.start()
        self.server = srv
        self.api = Api(srv.endpoint)
        if strict and not LISTEN_RE.match(srv.first_line):
            self.fail("first stdout line of gantry server is not the listening line: "
                      f"{srv.first_line!r}")
        return srv

    def server_logs(self):
        return "\n".join(s.logs() for s in self.servers)

    def import_busybox(self, tag="busybox:latest"):
        r = self.cli("image", "import", busybox_image_dir(), "--tag", tag)
        self.assertEqual(r.returncode, 0, f"image import failed: {r.stdout}{r.stderr}")

    # --- CLI --------------------------------------------------------------------------------

    def cli(self, *args, timeout=60, env=None):
        e = dict(os.environ)
        e["GANTRY_ENDPOINT"] = self.server.endpoint
        if env:
            e.update(env)
        return subprocess.run([GANTRY_BIN, *args], capture_output=True, text=True, env=e,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    # --- API helpers ------------------------------------------------------------------------

    def ok(self, status_body, expected=(200, 201)):
        status, body = status_body
        if isinstance(expected, int):
            expected = (expected,)
        self.assertIn(status, expected, f"unexpected HTTP {status}: {body}")
        return body

    def register(self, family, containers, **task_level):
        body = {"family": family, "containerDefinitions": containers, **task_level}
        return self.ok(self.api.post("/v1/task-definitions", body), 201)["taskDefinition"]

    def run_task(self, taskdef, count=1, overrides=None, **extra):
        body = {"taskDefinition": taskdef, "count": count, **extra}
        if overrides is not None:
            body["overrides"] = overrides
        reply = self.ok(self.api.post("/v1/tasks", body), 201)
        for t in reply["tasks"]:
            self.task_ids.add(task_id(t))
        self.assertEqual(reply.get("failures", []), [])
        self.assertEqual(len(reply["tasks"]), count)
        return reply["tasks"]

    def run_one(self, command, family="it", image="busybox:latest", stop_timeout=2, **container):
        """Registers a one-container definition running `sh -c command` and starts one task."""
        c = {"name": "main", "image": image, "command": ["sh", "-c", command], "essential": True,
             "stopTimeout": stop_timeout, **container}
        td = self.register(family, [c])
        return self.run_task(f"{family}:{td['revision']}")[0]

    def get_task(self, tid):
        return self.ok(self.api.get(f"/v1/tasks/{tid}"), 200)["task"]

    def wait_status(self, tid, status, timeout=30):
        return wait_for(lambda: (lambda t: t if t["lastStatus"] == status else None)(self.get_task(tid)),
                        timeout, 0.1, f"task {tid} to reach {status}")

    def wait_stopped(self, tid, timeout=30):
        return self.wait_status(tid, TERMINAL, timeout)

    def log_events(self, tid, container=None):
        """All log events of a task, following nextToken until no new events arrive."""
        events, token = [], None
        for _ in range(1000):
            q = [] if container is None else [f"container={container}"]
            if token:
                q.append("nextToken=" + urllib.request.quote(token, safe=""))
            path = f"/v1/tasks/{tid}/logs" + ("?" + "&".join(q) if q else "")
            body = self.ok(self.api.get(path), 200)
            events.extend(body.get("events", []))
            new = body.get("nextToken")
            if not body.get("events") or not new or new == token:
                break
            token = new
        return events

    def log_lines(self, tid, container=None):
        return [e["message"].rstrip("\n") for e in self.log_events(tid, container)]

    # --- teardown ---------------------------------------------------------------------------

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is None:
            return True
        for test, _ in list(getattr(result, "errors", [])) + list(getattr(result, "failures", [])):
            if test is self:
                return True
        errors = getattr(outcome, "errors", None)  # Python < 3.11
        if errors:
            return any(exc for _, exc in errors)
        return not getattr(outcome, "success", True)

    def tearDown(self):
        problems = []
        try:
            if self.server is not None and self.server.alive():
                try:
                    self._stop_all_tasks()
                except AssertionError as e:
                    problems.append(str(e))
            for srv in self.servers:
                if srv.alive():
                    try:
                        srv.stop()
                    except AssertionError as e:
                        problems.append(str(e))
            # The shim reaps its containers after the server is gone; give it a bounded moment.
            try:
                wait_for(lambda: not leftovers(self.data_dir, self.task_ids), 10, 0.2, "cleanup")
            except WaitTimeout:
                pass
            left = leftovers(self.data_dir, self.task_ids)
            if left:
                problems.append("leftovers after teardown: " + json.dumps(left, indent=1))
                force_cleanup(self.data_dir, self.task_ids)
            if problems or self._failed():
                sys.stderr.write(f"\n===== gantry server logs ({self.id()}) =====\n"
                                 f"{self.server_logs()}\n")
        finally:
            unmount_run_dir(self.data_dir)
            if not mounts_under([self.work_dir]):
                shutil.rmtree(self.work_dir, ignore_errors=True)
        if problems:
            self.fail("\n".join(problems))

    def _stop_all_tasks(self):
        status, body = self.api.get("/v1/tasks")
        if status == 200:
            for t in body.get("tasks", []):
                self.task_ids.add(task_id(t))
        stopped = set()
        for tid in sorted(self.task_ids):
            s, b = self.api.get(f"/v1/tasks/{tid}")
            if s != 200:
                continue
            if b["task"]["lastStatus"] != TERMINAL:
                if b["task"]["desiredStatus"] != TERMINAL:
                    self.api.post(f"/v1/tasks/{tid}/stop", {"reason": "test teardown"})
            else:
                stopped.add(tid)

        def all_stopped():
            for tid in self.task_ids - stopped:
                s, b = self.api.get(f"/v1/tasks/{tid}")
                if s == 200 and b["task"]["lastStatus"] == TERMINAL:
                    stopped.add(tid)
            return stopped >= self.task_ids

        wait_for(all_stopped, self.STOP_TIMEOUT, 0.2, "every task of the test to reach STOPPED")


class ServiceTestCase(GantryTestCase):
    """For tests that create services (names appended to self.services): tearDown deletes them
    first and waits until they are INACTIVE, since a service would replace the tasks the harness
    stops."""

    def setUp(self):
        super().setUp()
        self.services = []

    def tearDown(self):
        try:
            if self.server is not None and self.server.alive():
                for name in self.services:
                    self.api.delete(f"/v1/services/{name}?force=true")
                for name in self.services:
                    wait_for(lambda: self.service(name)["status"] == "INACTIVE", 30, 0.2,
                             f"service {name} to become INACTIVE")
        finally:
            super().tearDown()

    def service(self, name):
        return self.ok(self.api.get(f"/v1/services/{name}"), 200)["service"]


def main():
    unittest.main(verbosity=2)
