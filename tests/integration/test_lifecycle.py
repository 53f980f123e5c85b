"""A task's life from the outside: status walk, timestamps, exit codes, OOM, env/cwd/user, logs."""

import unittest

from gantry_harness import GantryTestCase, main, task_id, wait_for

OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"


class LifecycleTest(GantryTestCase):

    def test_echo_task_walks_to_stopped_with_logs(self):
        t = self.run_one("sleep 1; echo hello")
        tid = task_id(t)
        seen = [t["lastStatus"]]

        def stopped():
            cur = self.get_task(tid)
            if cur["lastStatus"] != seen[-1]:
                seen.append(cur["lastStatus"])
            return cur if cur["lastStatus"] == "STOPPED" else None

        final = wait_for(stopped, 30, 0.05, f"task {tid} to stop")
        self.assertIn("RUNNING", seen)
        self.assertEqual(seen[-1], "STOPPED")
        order = ["PROVISIONING", "PENDING", "RUNNING", "STOPPING", "DEPROVISIONING", "STOPPED"]
        self.assertEqual(seen, sorted(seen, key=order.index), f"status went backwards: {seen}")
        c = final["containers"][0]
        self.assertEqual(c["exitCode"], 0)
        self.assertEqual(c["lastStatus"], "STOPPED")
        self.assertEqual(final["desiredStatus"], "STOPPED")
        self.assertEqual(final["stopCode"], "EssentialContainerExited")
        self.assertLessEqual(final["createdAt"], final["startedAt"])
        self.assertLessEqual(final["startedAt"], final["stoppedAt"])
        self.assertGreaterEqual(final["stoppedAt"] - final["startedAt"], 0.9)
        self.assertIn("hello", self.log_lines(tid))

    def test_exit_code_propagates(self):
        tid = task_id(self.run_one("echo bye; exit 3"))
        final = self.wait_stopped(tid)
        self.assertEqual(final["containers"][0]["exitCode"], 3)
        self.assertEqual(final["stopCode"], "EssentialContainerExited")

    def test_cli_run_wait_exits_with_container_code(self):
        r = self.cli("run", "--wait", "busybox", "--", "sh", "-c", "echo hi; exit 3")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("hi", r.stdout.splitlines())

    def test_oom_killed_container(self):
        tid = task_id(self.run_one("exec dd if=/dev/zero of=/dev/null bs=100M count=1", memory=32))
        final = self.wait_stopped(tid)
        c = final["containers"][0]
        self.assertEqual(c["exitCode"], 137)
        self.assertEqual(c.get("reason"), OOM_REASON)

    def test_environment_working_directory_and_user(self):
        tid = task_id(self.run_one('echo "$FOO $(pwd) $(id -u)"',
                                   environment=[{"name": "FOO", "value": "bar baz"}],
                                   workingDirectory="/tmp", user="65534"))
        final = self.wait_stopped(tid)
        self.assertEqual(final["containers"][0]["exitCode"], 0, final)
        self.assertEqual(self.log_lines(tid), ["bar baz /tmp 65534"])

    def test_unknown_user_fails_to_start(self):
        tid = task_id(self.run_one("true", user="nosuchuser"))
        final = self.wait_stopped(tid)
        self.assertEqual(final["stopCode"], "TaskFailedToStart", final)
        self.assertTrue(final["stoppedReason"], final)

    def test_long_and_many_lines(self):
        tid = task_id(self.run_one(
            "i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done; "
            "head -c 40000 /dev/zero | tr '\\0' x; echo"))
        final = self.wait_stopped(tid)
        self.assertEqual(final["containers"][0]["exitCode"], 0)
        lines = self.log_lines(tid)
        self.assertEqual(lines[:2000], [f"line{i}" for i in range(2000)])
        self.assertEqual("".join(lines[2000:]), "x" * 40000)


if __name__ == "__main__":
    main()
