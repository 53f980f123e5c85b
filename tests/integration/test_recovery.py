"""The server dies (SIGKILL) or is stopped under a running task: the shim and container keep going,
a new server on the same data dir re-adopts the task, and it finishes with the right exit code and
all its output.

The container's progress is gated on files the test drops into its root filesystem (reached as
/proc/<container init>/root: the overlay is mounted only in the task's own mount namespace), so no
step depends on how fast the server restarts."""

import json
import os
import subprocess

from gantry_harness import (GantryTestCase, main, pid_alive, run_dir, shim_pids, task_id,
                            wait_for)


def gated(*steps):
    """A script that prints `started`, then for each (gate, text) waits for /tmp/<gate> and
    prints text. The last step may be ("exit", code)."""
    parts = ["echo started"]
    for gate, text in steps:
        if gate == "exit":
            parts.append(f"exit {text}")
        else:
            parts.append(f"until [ -e /tmp/{gate} ]; do sleep 0.05; done; echo {text}")
    return "; ".join(parts)


class RecoveryTest(GantryTestCase):

    def _container_state(self, tid):
        r = subprocess.run(["crun", "--root", os.path.join(run_dir(self.data_dir), "crun"), "state",
                            f"gantry-{tid}-main"], capture_output=True, text=True, timeout=30)
        return json.loads(r.stdout)["status"] if r.returncode == 0 else None

    def _raw_log(self, tid):
        try:
            with open(os.path.join(self.data_dir, "agent", "logs", tid, "main.log")) as f:
                return f.read()
        except OSError:
            return ""

    def _open_gate(self, tid, gate):
        pid_file = os.path.join(run_dir(self.data_dir), "agent", "tasks", tid, "bundles", "main",
                                "init.pid")
        with open(pid_file) as f:
            pid = int(f.read().strip())
        with open(f"/proc/{pid}/root/tmp/{gate}", "w"):
            pass

    def _start_and_crash(self, script):
        """Starts the task, waits until it runs and printed `started`, SIGKILLs the server, checks
        the shim and container live on, and lets the task print `while-down` (gate a)."""
        tid = task_id(self.run_one(script, stop_timeout=2))
        self.wait_status(tid, "RUNNING")
        wait_for(lambda: "started" in self.log_lines(tid), 10, 0.1, "the task's first line")
        shims = shim_pids(self.data_dir)
        self.assertEqual(len(shims), 1, f"expected one shim for the task, found {shims}")

        self.server.kill9()
        self.assertTrue(pid_alive(shims[0]), "the shim died with the server")
        self.assertEqual(self._container_state(tid), "running")
        # Output keeps flowing to the task dir while no server is there to read it.
        self._open_gate(tid, "a")
        wait_for(lambda: "while-down" in self._raw_log(tid), 10, 0.1, "output while the server is down")
        return tid, shims[0]

    def test_task_survives_server_crash_and_restart(self):
        tid, _ = self._start_and_crash(gated(("a", "while-down"), ("b", "done"), ("exit", 7)))
        self.start_server()
        self.assertEqual(self.get_task(tid)["lastStatus"], "RUNNING")
        self._open_gate(tid, "b")
        final = self.wait_stopped(tid, timeout=30)
        self.assertEqual(final["containers"][0]["exitCode"], 7)
        self.assertEqual(final["stopCode"], "EssentialContainerExited")
        self.assertEqual(self.log_lines(tid), ["started", "while-down", "done"])
        # The restarted server is fully usable.
        r = self.cli("run", "--wait", "busybox", "--", "sh", "-c", "exit 4")
        self.assertEqual(r.returncode, 4, r.stderr)

    def test_task_that_exits_while_server_is_down(self):
        tid, shim = self._start_and_crash(gated(("a", "while-down"), ("exit", 5)))
        wait_for(lambda: not pid_alive(shim), 20, 0.1, "the shim to finish")
        self.start_server()
        final = self.wait_stopped(tid, timeout=30)
        self.assertEqual(final["containers"][0]["exitCode"], 5)
        self.assertEqual(final["stopCode"], "EssentialContainerExited")
        self.assertEqual(self.log_lines(tid), ["started", "while-down"])

    def test_graceful_server_restart_keeps_task_running(self):
        tid = task_id(self.run_one(gated(("b", "done"), ("exit", 6)), stop_timeout=2))
        self.wait_status(tid, "RUNNING")
        self.assertEqual(self.server.stop(), 0)
        self.assertEqual(self._container_state(tid), "running")
        self.start_server()
        self.assertEqual(self.get_task(tid)["lastStatus"], "RUNNING")
        self._open_gate(tid, "b")
        final = self.wait_stopped(tid, timeout=30)
        self.assertEqual(final["containers"][0]["exitCode"], 6)
        self.assertEqual(self.log_lines(tid), ["started", "done"])

    def test_stop_after_restart(self):
        tid, _ = self._start_and_crash(gated(("a", "while-down")) + "; exec sleep 1000")
        self.start_server()
        self.ok(self.api.post(f"/v1/tasks/{tid}/stop"), 200)
        final = self.wait_stopped(tid, timeout=20)
        self.assertEqual(final["stopCode"], "UserInitiated")
        self.assertEqual(final["containers"][0]["exitCode"], 137)

    def test_restart_first_stdout_line_is_the_listening_line(self):
        # Regression (fixed in 51d0189): spdlog's default logger wrote to stdout, so the agent's
        # "re-adopted task ..." line came before "gantry server listening on ..." on a restart.
        self._start_and_crash(gated(("a", "while-down")) + "; exec sleep 1000")
        self.start_server()  # strict: the first stdout line must be the listening line


if __name__ == "__main__":
    main()
