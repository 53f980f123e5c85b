"""Stopping tasks: SIGTERM, the stopTimeout grace, SIGKILL, and essential-container exits."""

import time

from gantry_harness import GantryTestCase, main, task_id, wait_for


class StopTest(GantryTestCase):

    def test_stop_kills_after_stop_timeout_when_sigterm_is_ignored(self):
        # PID 1 in a PID namespace ignores SIGTERM unless it installs a handler: only SIGKILL works.
        tid = task_id(self.run_one("sleep 1000", stop_timeout=2))
        self.wait_status(tid, "RUNNING")
        t0 = time.monotonic()
        body = self.ok(self.api.post(f"/v1/tasks/{tid}/stop", {"reason": "enough"}), 200)
        self.assertEqual(body["task"]["desiredStatus"], "STOPPED")
        final = self.wait_stopped(tid, timeout=20)
        elapsed = time.monotonic() - t0
        self.assertGreaterEqual(elapsed, 1.5, "stopped before the 2 s grace was over")
        self.assertEqual(final["stopCode"], "UserInitiated")
        self.assertEqual(final["stoppedReason"], "enough")
        self.assertEqual(final["containers"][0]["exitCode"], 137)
        self.assertIsNotNone(final.get("stoppingAt"))
        self.assertLessEqual(final["stoppingAt"], final["stoppedAt"])

    def test_stop_with_term_trap_exits_cleanly(self):
        tid = task_id(self.run_one('trap "exit 0" TERM; echo ready; while true; do sleep 0.1; done',
                                   stop_timeout=10))
        self.wait_status(tid, "RUNNING")
        wait_for(lambda: "ready" in self.log_lines(tid), 10, 0.1, "the trap to be installed")
        t0 = time.monotonic()
        self.ok(self.api.post(f"/v1/tasks/{tid}/stop"), 200)
        final = self.wait_stopped(tid, timeout=20)
        self.assertLess(time.monotonic() - t0, 5, "a TERM-trapping container waited for SIGKILL")
        self.assertEqual(final["stopCode"], "UserInitiated")
        self.assertEqual(final["containers"][0]["exitCode"], 0)

    def test_cli_stop(self):
        tid = task_id(self.run_one("sleep 1000", stop_timeout=1))
        self.wait_status(tid, "RUNNING")
        r = self.cli("stop", tid[:12])
        self.assertEqual(r.returncode, 0, r.stderr)
        final = self.wait_stopped(tid, timeout=20)
        self.assertEqual(final["stopCode"], "UserInitiated")

    def test_essential_exit_kills_non_essential_sibling(self):
        td = self.register("multi", [
            {"name": "main", "image": "busybox:latest", "essential": True, "stopTimeout": 1,
             "command": ["sh", "-c", "sleep 1; echo main done"]},
            {"name": "sidecar", "image": "busybox:latest", "essential": False, "stopTimeout": 1,
             "command": ["sh", "-c", "echo sidecar up; exec sleep 1000"]},
        ])
        tid = task_id(self.run_task(f"multi:{td['revision']}")[0])
        self.wait_status(tid, "RUNNING")
        final = self.wait_stopped(tid, timeout=20)
        self.assertEqual(final["stopCode"], "EssentialContainerExited")
        by_name = {c["name"]: c for c in final["containers"]}
        self.assertEqual(set(by_name), {"main", "sidecar"})
        self.assertEqual(by_name["main"]["exitCode"], 0)
        self.assertEqual(by_name["sidecar"]["lastStatus"], "STOPPED")
        self.assertEqual(by_name["sidecar"]["exitCode"], 137)  # sleep as PID 1 ignores SIGTERM
        self.assertLess(final["stoppedAt"] - final["startedAt"], 10)
        self.assertIn("main done", self.log_lines(tid, container="main"))
        self.assertIn("sidecar up", self.log_lines(tid, container="sidecar"))

    def test_stop_right_after_run_and_twice(self):
        # Stop races the launch: the task may be PROVISIONING, PENDING or RUNNING.
        td = self.register("race", [{"name": "main", "image": "busybox:latest", "stopTimeout": 1,
                                     "command": ["sleep", "1000"]}])
        tasks = self.run_task(f"race:{td['revision']}", count=5)
        for t in tasks:
            self.ok(self.api.post(f"/v1/tasks/{task_id(t)}/stop", {"reason": "first"}), 200)
        for t in tasks:
            self.ok(self.api.post(f"/v1/tasks/{task_id(t)}/stop", {"reason": "second"}), 200)
        for t in tasks:
            final = self.wait_stopped(task_id(t), timeout=20)
            self.assertEqual(final["stopCode"], "UserInitiated")
            self.assertEqual(final["stoppedReason"], "first")
        # Stopping a STOPPED task changes nothing.
        tid = task_id(tasks[0])
        before = self.get_task(tid)
        self.ok(self.api.post(f"/v1/tasks/{tid}/stop", {"reason": "third"}), 200)
        self.assertEqual(self.get_task(tid), before)


if __name__ == "__main__":
    main()
