"""Container health checks: run inside the task's namespaces, reported as container and task
healthStatus, an unhealthy essential container stops its task, and a service replaces it."""

from gantry_harness import main, task_id, wait_for
from test_services import ServicesTest


def check(cmd, interval=5, retries=1):
    return {"command": ["CMD-SHELL", cmd], "interval": interval, "timeout": 2, "retries": retries,
            "startPeriod": 0}


class HealthTest(ServicesTest):
    def test_healthy_then_unhealthy_stops_the_task(self):
        tid = task_id(self.run_one(
            "touch /tmp/ok; sleep 8; rm /tmp/ok; sleep 1000", family="hc", stop_timeout=1,
            healthCheck=check("test -f /tmp/ok")))
        t = wait_for(lambda: (lambda t: t if t.get("healthStatus") == "HEALTHY" else None)(
            self.get_task(tid)), 30, 0.2, "task to turn HEALTHY")
        self.assertEqual(t["containers"][0]["healthStatus"], "HEALTHY")
        final = self.wait_stopped(tid, timeout=40)
        self.assertEqual(final["healthStatus"], "UNHEALTHY")
        self.assertEqual(final["containers"][0]["healthStatus"], "UNHEALTHY")
        self.assertTrue(final["stoppedReason"].startswith("Task failed container health checks"),
                        final["stoppedReason"])
        self.assertEqual(final["stopCode"], "EssentialContainerExited")

    def test_service_replaces_unhealthy_task(self):
        td = self.register("sick", [{**{"name": "main", "image": "busybox:latest",
                                        "command": ["sleep", "3600"], "essential": True,
                                        "stopTimeout": 1},
                                     "healthCheck": check("false")}])
        self.create_service("sick", f"sick:{td['revision']}", 1)
        first = wait_for(lambda: (lambda ts: ts[0] if ts else None)(self.service_tasks("sick")),
                         30, 0.2, "the first task")
        first_id = task_id(first)
        done = self.wait_stopped(first_id, timeout=40)
        self.assertIn("Task failed container health checks", done["stoppedReason"])
        self.assertEqual(done["stopCode"], "ServiceSchedulerInitiated")
        wait_for(lambda: [t for t in self.service_tasks("sick") if task_id(t) != first_id],
                 40, 0.2, "a replacement task")


if __name__ == "__main__":
    main()
