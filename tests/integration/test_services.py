"""Services with real containers: keep desiredCount running, replace a task killed from outside,
scale to 0 and back, a rolling update that never drops below minimumHealthyPercent, and a broken
revision that trips the circuit breaker and rolls back."""

import json
import math
import os
import signal
import subprocess
import time
import unittest

from gantry_harness import ServiceTestCase, main, run_dir, task_id, wait_for

SLEEPER = {"name": "main", "image": "busybox:latest", "command": ["sleep", "3600"],
           "essential": True, "stopTimeout": 1}


class ServicesTest(ServiceTestCase):

    # --- helpers ---------------------------------------------------------------------------

    def create_service(self, name, taskdef, desired, **extra):
        body = {"serviceName": name, "taskDefinition": taskdef, "desiredCount": desired, **extra}
        svc = self.ok(self.api.post("/v1/services", body), 201)["service"]
        self.services.append(name)
        return svc

    def update(self, name, **body):
        return self.ok(self.api.call("PATCH", f"/v1/services/{name}", body), 200)["service"]

    def service_tasks(self, name):
        tasks = self.ok(self.api.get("/v1/tasks"), 200)["tasks"]
        out = [t for t in tasks if t.get("group") == f"service:{name}"]
        for t in out:
            self.task_ids.add(task_id(t))
        return out

    def running(self, name, taskdef_arn=None):
        return [t for t in self.service_tasks(name)
                if t["lastStatus"] == "RUNNING" and t["desiredStatus"] == "RUNNING"
                and (taskdef_arn is None or t["taskDefinitionArn"] == taskdef_arn)]

    def wait_running(self, name, n, taskdef_arn=None, timeout=30):
        def check():
            s = self.service(name)
            r = self.running(name, taskdef_arn)
            return r if len(r) == n and s["runningCount"] == n and s["pendingCount"] == 0 else None
        return wait_for(check, timeout, 0.1, f"{n} RUNNING tasks of service {name}")

    def wait_steady(self, name, timeout=30):
        def check():
            s = self.service(name)
            p = s["deployments"][0]
            return s if (p["status"] == "PRIMARY" and p["rolloutState"] == "COMPLETED"
                         and s["events"] and "has reached a steady state" in s["events"][0]["message"]) else None
        return wait_for(check, timeout, 0.1, f"service {name} to reach a steady state")

    def events(self, name):
        return [e["message"] for e in self.ok(self.api.get(f"/v1/services/{name}/events"), 200)["events"]]

    def init_pid(self, tid):
        r = subprocess.run(["crun", "--root", os.path.join(run_dir(self.data_dir), "crun"), "state",
                            f"gantry-{tid}-main"], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["pid"]

    # --- tests -----------------------------------------------------------------------------

    def test_replaces_killed_and_stopped_tasks_and_scales(self):
        td = self.register("svc", [SLEEPER])
        svc = self.create_service("web", "svc", 3)
        self.assertEqual(svc["status"], "ACTIVE")
        self.assertTrue(svc["deployments"][0]["id"].startswith("ecs-svc/"))
        first = self.wait_running("web", 3)
        self.wait_steady("web")
        self.assertEqual({t["startedBy"] for t in first}, {svc["deployments"][0]["id"]})

        # Kill one container's init from outside: the task stops and is replaced.
        victim = task_id(first[0])
        os.kill(self.init_pid(victim), signal.SIGKILL)
        dead = self.wait_stopped(victim)
        self.assertEqual(dead["containers"][0]["exitCode"], 137)
        after = self.wait_running("web", 3)
        self.assertNotIn(victim, {task_id(t) for t in after})

        # Stop one through the API ("external"): replaced too.
        victim2 = task_id(after[0])
        self.ok(self.api.post(f"/v1/tasks/{victim2}/stop", {"reason": "external"}), 200)
        after2 = self.wait_running("web", 3)
        self.assertNotIn(victim2, {task_id(t) for t in after2})

        # Scale to 0: nothing runs, and a scaled-to-zero service costs nothing.
        self.update("web", desiredCount=0)
        wait_for(lambda: not [t for t in self.service_tasks("web") if t["lastStatus"] != "STOPPED"],
                 30, 0.1, "every task of web to stop")
        s = self.service("web")
        self.assertEqual((s["runningCount"], s["pendingCount"]), (0, 0))
        stopped = [t for t in self.service_tasks("web") if t.get("stopCode") == "ServiceSchedulerInitiated"]
        self.assertEqual(len(stopped), 3)
        # ... and back.
        self.update("web", desiredCount=3)
        self.wait_running("web", 3, td["taskDefinitionArn"])
        self.wait_steady("web")
        ev = self.events("web")
        self.assertTrue(any("has started 1 tasks" in e for e in ev), ev)
        self.assertTrue(any("has stopped 3 running tasks" in e for e in ev), ev)

        # Deleting needs force (or desiredCount 0).
        status, body = self.api.delete("/v1/services/web")
        self.assertEqual(status, 400, body)
        self.assertEqual(body["error"]["message"],
                         "The service cannot be stopped while it is scaled above 0.")

    def test_rolling_update_keeps_min_healthy_and_breaker_rolls_back(self):
        v1 = self.register("roll", [SLEEPER])
        self.create_service("web", "roll", 3, deploymentConfiguration={
            "minimumHealthyPercent": 50, "maximumPercent": 150,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True}})
        self.wait_running("web", 3, v1["taskDefinitionArn"])
        self.wait_steady("web")

        # v1 -> v2, sampled every ~100 ms: never below ceil(50% of 3) RUNNING, never above
        # 150% of 3 tasks holding resources.
        v2 = self.register("roll", [dict(SLEEPER, command=["sleep", "3601"])])
        self.update("web", taskDefinition=f"roll:{v2['revision']}")
        min_healthy, max_tasks = math.ceil(3 * 0.5), math.floor(3 * 1.5)
        samples, deadline = 0, time.monotonic() + 60
        while True:
            tasks = self.service_tasks("web")
            running = [t for t in tasks if t["lastStatus"] == "RUNNING"]
            occupying = [t for t in tasks if t["lastStatus"] in
                         ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING")]
            self.assertGreaterEqual(len(running), min_healthy, f"sample {samples}: {len(running)} RUNNING")
            self.assertLessEqual(len(occupying), max_tasks, f"sample {samples}: {len(occupying)} tasks")
            samples += 1
            s = self.service("web")
            p = s["deployments"][0]
            if p["taskDefinition"] == v2["taskDefinitionArn"] and p["rolloutState"] == "COMPLETED":
                break
            self.assertLess(time.monotonic(), deadline, f"rollout did not complete: {s['deployments']}")
            time.sleep(0.1)
        self.assertGreater(samples, 5)
        self.wait_running("web", 3, v2["taskDefinitionArn"])
        v2_deployment = self.service("web")["deployments"][0]["id"]

        # v3 exits at once: the breaker (threshold max(3, ceil(0.5 x 3)) = 3) fails it and the
        # service rolls back to v2.
        v3 = self.register("roll", [dict(SLEEPER, command=["sh", "-c", "exit 1"])])
        s = self.update("web", taskDefinition=f"roll:{v3['revision']}")
        v3_deployment = s["deployments"][0]["id"]

        def rolled_back():
            s = self.service("web")
            deps = {d["id"]: d for d in s["deployments"]}
            d3 = deps.get(v3_deployment)
            p = s["deployments"][0]
            ok = (d3 is not None and d3["rolloutState"] == "FAILED" and p["id"] == v2_deployment
                  and p["status"] == "PRIMARY" and p["rolloutState"] == "COMPLETED")
            return s if ok else None

        s = wait_for(rolled_back, 60, 0.2, "the circuit breaker to roll back to v2")
        self.assertEqual(s["taskDefinition"], v2["taskDefinitionArn"])
        d3 = [d for d in s["deployments"] if d["id"] == v3_deployment][0]
        self.assertGreaterEqual(d3["failedTasks"], 3)
        self.assertIn("circuit breaker", d3["rolloutStateReason"])
        self.wait_running("web", 3, v2["taskDefinitionArn"])
        ev = self.events("web")
        self.assertTrue(any(f"(deployment {v3_deployment}) deployment failed: tasks failed to start." in e
                            for e in ev), ev)
        # The breaker never let v2 drop below the minimum: v2 tasks kept running throughout.
        v3_tasks = [t for t in self.service_tasks("web") if t["taskDefinitionArn"] == v3["taskDefinitionArn"]]
        self.assertTrue(v3_tasks)
        self.assertTrue(all(t["lastStatus"] == "STOPPED" for t in v3_tasks))

    def test_bad_input(self):
        self.register("bad", [SLEEPER])
        cases = [
            ({"serviceName": "x", "taskDefinition": "nope"}, 404),
            ({"serviceName": "x", "taskDefinition": "bad", "cluster": "elsewhere"}, 404),
            ({"serviceName": "x", "taskDefinition": "bad", "desiredCount": -1}, 400),
            ({"serviceName": "x", "taskDefinition": "bad",
              "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 90}}, 400),
        ]
        for body, want in cases:
            status, reply = self.api.post("/v1/services", body)
            self.assertEqual(status, want, f"{body}: {reply}")
            self.assertIn("message", reply["error"])
        self.assertEqual(self.api.get("/v1/services/x")[0], 404)
        self.create_service("y", "bad", 0)
        status, reply = self.api.post("/v1/services", {"serviceName": "y", "taskDefinition": "bad"})
        self.assertEqual(status, 400)
        self.assertEqual(reply["error"]["message"], "Creation of service was not idempotent.")
        self.assertEqual(self.api.call("PATCH", "/v1/services/y", {"desiredCount": -2})[0], 400)
        self.assertEqual([s["serviceName"] for s in self.ok(self.api.get("/v1/services"))["services"]], ["y"])
        self.assertEqual(self.service_tasks("y"), [])


if __name__ == "__main__":
    main()
