"""The services CLI against a real server and real containers: `gantry service create|ls|scale|rm`,
`gantry deploy` following a rolling deployment to completion (exit 0) and a broken image tripping
the circuit breaker with rollback (exit 1), and `gantry events` (plain and -f)."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import unittest

from gantry_harness import GANTRY_BIN, ServiceTestCase, busybox_image_dir, main, task_id, wait_for

TASKDEF = {"family": "web", "containerDefinitions": [
    {"name": "main", "image": "busybox:latest", "command": ["sleep", "3600"], "essential": True,
     "stopTimeout": 1}]}
EVENT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  \(service web\) ")
DEPLOYMENT = re.compile(r"ecs-svc/\d+")


class CliServicesTest(ServiceTestCase):

    # --- helpers ---------------------------------------------------------------------------

    def running(self, name):
        tasks = self.ok(self.api.get("/v1/tasks"), 200)["tasks"]
        out = [t for t in tasks if t.get("group") == f"service:{name}"]
        for t in out:
            self.task_ids.add(task_id(t))
        return [t for t in out if t["lastStatus"] == "RUNNING" and t["desiredStatus"] == "RUNNING"]

    def wait_running(self, name, n, timeout=30):
        def check():
            s = self.service(name)
            r = self.running(name)
            return r if len(r) == n and s["runningCount"] == n and s["pendingCount"] == 0 else None
        return wait_for(check, timeout, 0.1, f"{n} RUNNING tasks of service {name}")

    def ok_cli(self, *args, timeout=60):
        r = self.cli(*args, timeout=timeout)
        self.assertEqual(r.returncode, 0, f"gantry {' '.join(args)}: {r.stdout}{r.stderr}")
        return r

    def import_broken_image(self, tag):
        """busybox with ENTRYPOINT ["sh", "-c", "exit 1"]: every container exits 1 at once."""
        layout = os.path.join(tempfile.mkdtemp(prefix="gantry-it-broken-"), "img")
        self.addCleanup(shutil.rmtree, os.path.dirname(layout), True)
        shutil.copytree(busybox_image_dir(), layout, symlinks=True)
        subprocess.run(["umoci", "config", "--image", f"{layout}:latest",
                        "--config.entrypoint", "sh", "--config.entrypoint", "-c",
                        "--config.entrypoint", "exit 1"], check=True, capture_output=True,
                       timeout=60)
        self.ok_cli("image", "import", layout, "--tag", tag)

    # --- tests -----------------------------------------------------------------------------

    def test_usage_errors(self):
        for args in (["service", "create", "web"],  # neither --task-definition nor --image
                     ["service", "create", "web", "--task-definition", "web", "--image", "x"],
                     ["service", "scale", "web"],
                     ["service", "update", "web"],
                     ["deploy", "web"]):
            r = self.cli(*args)
            self.assertEqual(r.returncode, 2, f"{args}: {r.stdout}{r.stderr}")
            self.assertTrue(r.stderr.startswith("gantry: "), r.stderr)
            self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        r = self.cli("service", "inspect", "nope")
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith("gantry: "), r.stderr)
        self.assertEqual(self.ok(self.api.get("/v1/services"))["services"], [])

    def test_create_scale_deploy_rollback_events_rm(self):
        # A definition with stopTimeout 1, registered through the CLI.
        path = os.path.join(self.work_dir, "web.json")
        with open(path, "w") as f:
            json.dump(TASKDEF, f)
        self.assertEqual(self.ok_cli("taskdef", "register", "-f", path).stdout, "web:1\n")

        r = self.ok_cli("service", "create", "web", "--task-definition", "web", "--desired-count",
                        "2", "--circuit-breaker=rollback")
        self.services.append("web")
        self.assertEqual(r.stdout, "web\n")
        s = self.service("web")
        self.assertEqual(s["deploymentConfiguration"]["deploymentCircuitBreaker"],
                         {"enable": True, "rollback": True})
        self.wait_running("web", 2)

        r = self.ok_cli("service", "scale", "web", "3")
        self.assertEqual(r.stdout, "web scaled to 3\n")
        self.wait_running("web", 3)

        def ls_row():
            out = self.ok_cli("service", "ls").stdout.splitlines()
            return out if len(out) == 2 and out[1].split() == [
                "web", "ACTIVE", "3", "3", "0", "web:1", "COMPLETED"] else None
        lines = wait_for(ls_row, 30, 0.2, "service ls to show web steady")
        self.assertEqual(lines[0].split(), ["NAME", "STATUS", "DESIRED", "RUNNING", "PENDING",
                                            "TASK", "DEFINITION", "ROLLOUT"])
        listed = json.loads(self.ok_cli("service", "ls", "-o", "json").stdout)
        self.assertEqual([x["serviceName"] for x in listed["services"]], ["web"])

        # Deploy v2: a new revision with the image replaced, followed to completion.
        self.import_busybox("busybox:v2")
        r = self.ok_cli("deploy", "web", "--image", "busybox:v2", "--wait-timeout", "60s",
                        timeout=70)
        out = r.stdout.splitlines()
        self.assertEqual(out[0], "registered web:2 from web:1 with image busybox:v2", r.stdout)
        v2_deployment = DEPLOYMENT.search(out[1]).group(0)
        self.assertEqual(out[1], f"deployment {v2_deployment} started")
        self.assertEqual(out[-1], f"deployment {v2_deployment} completed: web:2 3/3 running")
        self.assertTrue(any(EVENT_LINE.match(l) and "deployment completed" in l for l in out), out)
        self.assertEqual(r.stderr, "")  # not a tty: no progress line
        s = self.service("web")
        self.assertTrue(s["taskDefinition"].endswith("task-definition/web:2"))
        tasks = self.wait_running("web", 3)
        self.assertEqual({t["containers"][0]["image"] for t in tasks}, {"busybox:v2"})
        td = json.loads(self.ok_cli("taskdef", "inspect", "web:2").stdout)
        self.assertEqual(td["containerDefinitions"][0]["stopTimeout"], 1)
        self.assertEqual(td["containerDefinitions"][0]["command"], ["sleep", "3600"])

        # A broken image: the circuit breaker fails the deployment and rolls back to web:2.
        self.import_broken_image("busybox:broken")
        r = self.cli("deploy", "web", "--image", "busybox:broken", "--wait-timeout", "60s",
                     timeout=70)
        self.assertEqual(r.returncode, 1, f"{r.stdout}{r.stderr}")
        broken = DEPLOYMENT.search(r.stdout.splitlines()[1]).group(0)
        self.assertEqual(r.stderr, f"gantry: deployment {broken} failed; rolled back to web:2\n")
        s = self.service("web")
        self.assertTrue(s["taskDefinition"].endswith("task-definition/web:2"))
        self.assertEqual(s["deployments"][0]["id"], v2_deployment)
        self.wait_running("web", 3)

        # events: oldest first, local timestamps, the whole story.
        lines = self.ok_cli("events", "web").stdout.splitlines()
        self.assertTrue(lines and all(EVENT_LINE.match(l) for l in lines), lines)
        text = "\n".join(lines)
        order = [text.find("has started"),
                 text.find(f"(deployment {v2_deployment}) deployment completed."),
                 text.find(f"(deployment {broken}) deployment failed: tasks failed to start.")]
        self.assertTrue(all(i >= 0 for i in order) and order == sorted(order), lines)
        stamps = [l[:19] for l in lines]
        self.assertEqual(stamps, sorted(stamps))

        # events -f: prints what is there, then new events as they happen, until Ctrl-C.
        env = dict(os.environ, GANTRY_ENDPOINT=self.server.endpoint)
        follow = subprocess.Popen([GANTRY_BIN, "events", "-f", "web"], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env,
                                  stdin=subprocess.DEVNULL)
        seen = []
        reader = threading.Thread(target=lambda: [seen.append(l) for l in follow.stdout],
                                  daemon=True)
        reader.start()
        try:
            wait_for(lambda: len(seen) >= len(lines), 10, 0.1, "events -f to print the history")
            self.ok_cli("service", "scale", "web", "1")
            wait_for(lambda: any("has stopped" in l for l in seen[len(lines):]),
                     30, 0.1, "events -f to print the scale-down")
        finally:
            follow.send_signal(signal.SIGINT)
            rc = follow.wait(timeout=10)
            reader.join(5)
            follow.stdout.close()
            follow.stderr.close()
        self.assertEqual(rc, 130)

        # rm needs --force while scaled above 0; then the service drains to INACTIVE.
        r = self.cli("service", "rm", "web")
        self.assertEqual(r.returncode, 1)
        self.assertIn("scaled above 0", r.stderr)
        self.assertIn("--force", r.stderr)
        self.assertEqual(self.ok_cli("service", "rm", "--force", "web").stdout, "web DRAINING\n")
        wait_for(lambda: self.service("web")["status"] == "INACTIVE", 30, 0.2,
                 "web to become INACTIVE")
        self.assertEqual(self.running("web"), [])
        self.assertEqual(self.ok_cli("service", "ls").stdout.splitlines()[1:], [])


if __name__ == "__main__":
    main()
