"""Bad requests are rejected cleanly (right status and code, nothing half-created, server alive);
a missing image fails the task the ECS way; CLI errors are one line on stderr."""

from gantry_harness import GantryTestCase, main, task_id

BUSYBOX = {"name": "main", "image": "busybox:latest", "command": ["true"], "stopTimeout": 1}
MISSING_ID = "0123456789abcdef0123456789abcdef"


class BadInputTest(GantryTestCase):

    def assertError(self, reply, status, code, message_part=None):
        got_status, body = reply
        self.assertEqual(got_status, status, body)
        self.assertIsInstance(body, dict, body)
        self.assertEqual(body["error"]["code"], code, body)
        self.assertTrue(body["error"]["message"], body)
        if message_part:
            self.assertIn(message_part, body["error"]["message"])

    def test_rejected_requests_create_nothing(self):
        post = self.api.post
        bad_defs = [
            (dict(raw=b'{"family": "bad", '), 400, "InvalidArgument", None),
            (dict(raw=b"not json at all"), 400, "InvalidArgument", None),
            (dict(raw=b"[1, 2]"), 400, "InvalidArgument", None),
            (dict(body={"family": "bad", "containerDefinitions": "x"}), 400, "InvalidArgument", None),
            (dict(body={"family": "bad", "containerDefinitions": [dict(BUSYBOX, memory=4)]}), 400,
             "InvalidArgument", "At least 6 megabytes"),
        ]
        for kw, status, code, part in bad_defs:
            with self.subTest(request=kw):
                self.assertError(post("/v1/task-definitions", **kw), status, code, part)
        # None of them registered a revision.
        self.assertEqual(self.ok(self.api.get("/v1/task-definitions?familyPrefix=bad&status=ALL"),
                                 200)["taskDefinitions"], [])
        self.assertError(self.api.get("/v1/task-definitions/bad"), 404, "NotFound")

        td = self.register("good", [BUSYBOX])
        self.assertEqual(td["revision"], 1)
        good = f"good:{td['revision']}"
        bad_runs = [
            (dict(raw=b'{"taskDefinition": '), 400, "InvalidArgument", None),
            (dict(raw=b"\xff\xfe"), 400, "InvalidArgument", None),
            (dict(body={"taskDefinition": good, "count": "x"}), 400, "InvalidArgument", None),
            (dict(body={"taskDefinition": good, "count": 11}), 400, "InvalidArgument", None),
            (dict(body={"taskDefinition": good, "count": 0}), 400, "InvalidArgument", None),
            (dict(body={"taskDefinition": good, "overrides": "x"}), 400, "InvalidArgument", None),
            (dict(body={"taskDefinition": good, "overrides": {"containerOverrides": [
                {"name": "main", "memory": 4}]}}), 400, "InvalidArgument", "At least 6 megabytes"),
            (dict(body={"taskDefinition": "nope"}), 404, "NotFound", None),
            (dict(body={"taskDefinition": "good:99"}), 404, "NotFound", None),
        ]
        for kw, status, code, part in bad_runs:
            with self.subTest(request=kw):
                self.assertError(post("/v1/tasks", **kw), status, code, part)

        self.assertError(self.api.get(f"/v1/tasks/{MISSING_ID}"), 404, "NotFound")
        self.assertError(self.api.post(f"/v1/tasks/{MISSING_ID}/stop"), 404, "NotFound")
        self.assertError(self.api.get(f"/v1/tasks/{MISSING_ID}/logs"), 404, "NotFound")
        self.assertError(self.api.get("/v1/tasks/not-a-task-id"), 400, "InvalidArgument")
        self.assertError(self.api.get("/v1/no-such-route"), 404, "NotFound")
        self.assertError(self.api.delete("/v1/tasks"), 405, "MethodNotAllowed")

        # Nothing half-created, and the server is still fine.
        self.assertEqual(self.ok(self.api.get("/v1/tasks"), 200)["tasks"], [])
        self.assertEqual(self.ok(self.api.get("/healthz"), 200), {"status": "ok"})
        self.assertTrue(self.server.alive())
        t = self.run_task(good)[0]
        self.assertEqual(self.wait_stopped(task_id(t))["containers"][0]["exitCode"], 0)

    def test_missing_image_fails_to_start(self):
        tid = task_id(self.run_one("true", image="no-such-image:1.0"))
        final = self.wait_stopped(tid)
        self.assertEqual(final["stopCode"], "TaskFailedToStart")
        self.assertTrue(final["stoppedReason"].startswith("CannotPullContainerError"),
                        final["stoppedReason"])
        # It holds nothing on the machine: teardown checks mounts, netns, cgroups, shims.

    def test_cli_run_wait_missing_image_exits_125(self):
        r = self.cli("run", "--wait", "no-such-image", "--", "true")
        self.assertEqual(r.returncode, 125, r.stderr)
        self.assertIn("CannotPullContainerError", r.stderr)

    def test_cli_errors_are_one_line(self):
        cases = [
            (("ps", "--bogus-flag"), 2),
            (("run", "--no-such-flag", "busybox"), 2),
            (("inspect", "nonexistent"), 1),
            (("inspect", MISSING_ID), 1),
            (("logs", MISSING_ID), 1),
            (("stop", MISSING_ID), 1),
        ]
        for args, code in cases:
            with self.subTest(args=args):
                r = self.cli(*args)
                self.assertEqual(r.returncode, code, r.stderr)
                lines = r.stderr.splitlines()
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertTrue(lines[0].startswith("gantry: "), lines[0])
        self.assertEqual(self.ok(self.api.get("/healthz"), 200), {"status": "ok"})

    def test_cli_unreachable_server_is_one_line(self):
        r = self.cli("ps", env={"GANTRY_ENDPOINT": "http://127.0.0.1:1"})
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)


if __name__ == "__main__":
    main()
