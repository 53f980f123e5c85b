"""Many tasks at once: two RunTask calls with count 10 plus per-task environment overrides."""

from gantry_harness import GantryTestCase, main, task_id, wait_for


class ConcurrencyTest(GantryTestCase):
    STOP_TIMEOUT = 60

    def test_thirty_concurrent_tasks_keep_their_own_environment(self):
        td = self.register("fanout", [{
            "name": "main", "image": "busybox:latest", "essential": True, "stopTimeout": 2,
            "command": ["sh", "-c", "sleep 2; echo $N"],
            "environment": [{"name": "N", "value": "unset"}]}])
        expected = {}  # task id -> N
        for batch in range(2):
            for i in range(10):
                n = str(batch * 10 + i)
                tid = task_id(self.run_task(
                    f"fanout:{td['revision']}", startedBy=f"n{n}",
                    overrides={"containerOverrides": [
                        {"name": "main", "environment": [{"name": "N", "value": n}]}]})[0])
                expected[tid] = n
        # Plus one RunTask of 10 with a shared override: all or nothing, 10 distinct tasks.
        shared = self.run_task(f"fanout:{td['revision']}", count=10, overrides={
            "containerOverrides": [{"name": "main", "environment": [{"name": "N", "value": "shared"}]}]})
        self.assertEqual(len({task_id(t) for t in shared}), 10)
        for t in shared:
            expected[task_id(t)] = "shared"
        self.assertEqual(len(expected), 30)

        def stopped():
            body = self.ok(self.api.get("/v1/tasks?family=fanout"), 200)
            tasks = {task_id(t): t for t in body["tasks"] if task_id(t) in expected}
            done = [t for t in tasks.values() if t["lastStatus"] == "STOPPED"]
            return tasks if len(done) == len(expected) else None

        tasks = wait_for(stopped, 90, 0.5, "all 30 tasks to stop")
        # They really ran side by side: 30 x 2 s in series would take a minute.
        span = max(t["stoppedAt"] for t in tasks.values()) - min(t["startedAt"] for t in tasks.values())
        self.assertLess(span, 30)
        for tid, n in expected.items():
            with self.subTest(task=tid, n=n):
                t = tasks[tid]
                self.assertEqual(t["stopCode"], "EssentialContainerExited", t.get("stoppedReason"))
                self.assertEqual(t["containers"][0]["exitCode"], 0, t)
                self.assertEqual(self.log_lines(tid), [n])


if __name__ == "__main__":
    main()
