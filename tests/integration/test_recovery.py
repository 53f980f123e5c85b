"""The server dies (SIGKILL) under a running task: the shim and container keep going, a new server on
the same data dir re-adopts the task, and it finishes with the right exit code and all its output."""

import json
import os
import subprocess

from gantry_harness import GantryTestCase, main, pid_alive, shim_pids, task_id, wait_for


class RecoveryTest(GantryTestCase):

    def _container_state(self, tid):
        r = subprocess.run(["crun", "state", f"gantry-{tid}-main"], capture_output=True, text=True,
                           timeout=30)
        return json.loads(r.stdout)["status"] if r.returncode == 0 else None

    def _raw_log(self, tid):
        try:
            with open(os.path.join(self.data_dir, "agent", "tasks", tid, "logs", "main.log")) as f:
                return f.read()
        except OSError:
            return ""

    def _crash_under_running_task(self, script):
        tid = task_id(self.run_one(script, stop_timeout=2))
        self.wait_status(tid, "RUNNING")
        wait_for(lambda: "started" in self.log_lines(tid), 10, 0.1, "the task's first line")
        shims = shim_pids(self.data_dir)
        self.assertEqual(len(shims), 1, f"expected one shim for the task, found {shims}")

        self.server.kill9()
        self.assertTrue(pid_alive(shims[0]), "the shim died with the server")
        self.assertEqual(self._container_state(tid), "running")
        # Output keeps flowing to the task dir while no server is there to read it.
        wait_for(lambda: "while-down" in self._raw_log(tid), 10, 0.1, "output while the server is down")
        return tid

    def test_task_survives_server_crash_and_restart(self):
        tid = self._crash_under_running_task(
            "echo started; sleep 0.5; echo while-down; sleep 5; echo done; exit 7")
        self.start_server()
        self.assertEqual(self.get_task(tid)["lastStatus"], "RUNNING")
        final = self.wait_stopped(tid, timeout=30)
        self.assertEqual(final["containers"][0]["exitCode"], 7)
        self.assertEqual(final["stopCode"], "EssentialContainerExited")
        self.assertEqual(self.log_lines(tid), ["started", "while-down", "done"])
        # The restarted server is fully usable.
        r = self.cli("run", "--wait", "busybox", "--", "sh", "-c", "exit 4")
        self.assertEqual(r.returncode, 4, r.stderr)

    def test_task_that_exits_while_server_is_down(self):
        tid = self._crash_under_running_task("echo started; sleep 0.5; echo while-down; exit 5")
        shim = shim_pids(self.data_dir)
        wait_for(lambda: not any(pid_alive(p) for p in shim), 20, 0.1, "the shim to finish")
        self.start_server()
        final = self.wait_stopped(tid, timeout=30)
        self.assertEqual(final["containers"][0]["exitCode"], 5)
        self.assertEqual(final["stopCode"], "EssentialContainerExited")
        self.assertEqual(self.log_lines(tid), ["started", "while-down"])

    def test_graceful_server_restart_keeps_task_running(self):
        tid = task_id(self.run_one("echo started; sleep 4; echo done; exit 6", stop_timeout=2))
        self.wait_status(tid, "RUNNING")
        self.assertEqual(self.server.stop(), 0)
        self.assertEqual(self._container_state(tid), "running")
        self.start_server()
        self.assertEqual(self.get_task(tid)["lastStatus"], "RUNNING")
        final = self.wait_stopped(tid, timeout=30)
        self.assertEqual(final["containers"][0]["exitCode"], 6)
        self.assertEqual(self.log_lines(tid), ["started", "done"])

    def test_stop_after_restart(self):
        tid = self._crash_under_running_task("echo started; sleep 0.5; echo while-down; sleep 1000")
        self.start_server()
        self.ok(self.api.post(f"/v1/tasks/{tid}/stop"), 200)
        final = self.wait_stopped(tid, timeout=20)
        self.assertEqual(final["stopCode"], "UserInitiated")
        self.assertEqual(final["containers"][0]["exitCode"], 137)

    def test_restart_first_stdout_line_is_the_listening_line(self):
        # Regression (fixed in 51d0189): spdlog's default logger wrote to stdout, so the agent's
        # "re-adopted task ..." line came before "gantry server listening on ..." on a restart.
        self._crash_under_running_task("echo started; sleep 0.5; echo while-down; sleep 1000")
        self.start_server()  # strict: the first stdout line must be the listening line


if __name__ == "__main__":
    main()
