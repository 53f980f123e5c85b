"""`gantry logs -f` follows a running task and ends when it stops."""

import time
import urllib.parse

from gantry_harness import GantryTestCase, main, task_id


class LogsFollowTest(GantryTestCase):

    def test_follow_returns_every_line_and_exits_when_task_stops(self):
        tid = task_id(self.run_one("for i in 1 2 3; do echo line$i; sleep 0.5; done"))
        self.wait_status(tid, "RUNNING")
        t0 = time.monotonic()
        r = self.cli("logs", "-f", tid, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), ["line1", "line2", "line3"])
        self.assertEqual(self.get_task(tid)["lastStatus"], "STOPPED")
        self.assertLess(time.monotonic() - t0, 20)

    def test_follow_on_stopped_task_prints_and_exits(self):
        tid = task_id(self.run_one("echo a; echo b >&2"))
        self.wait_stopped(tid)
        r = self.cli("logs", "-f", tid, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(r.stdout.splitlines() + r.stderr.splitlines()), ["a", "b"])

    def test_logs_api_long_poll_and_complete(self):
        tid = task_id(self.run_one("echo first; sleep 1; echo second"))
        first = self.ok(self.api.get(f"/v1/tasks/{tid}/logs?wait=5"), 200)
        msgs = [e["message"] for e in first["events"]]
        token = first.get("nextToken")
        deadline = time.monotonic() + 20
        complete = first.get("complete", False)
        while not complete and time.monotonic() < deadline:
            path = f"/v1/tasks/{tid}/logs?wait=5"
            if token:
                path += "&nextToken=" + urllib.parse.quote(token, safe="")
            body = self.ok(self.api.get(path), 200)
            msgs += [e["message"] for e in body["events"]]
            token = body.get("nextToken", token)
            complete = body.get("complete", False)
        self.assertTrue(complete, "the log stream of a stopped task never said complete")
        self.assertEqual(msgs, ["first", "second"])


if __name__ == "__main__":
    main()
