"""The AWS SDK for JavaScript v3 (@aws-sdk/client-ecs, @aws-sdk/client-cloudwatch-logs, pinned by
tests/clients/js/package-lock.json) runs a task and reads its logs (js/run_task.mjs)."""

import os
import shutil
import subprocess
import unittest

from aws_harness import AwsClientTestCase

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


def ensure_node_modules():
    """`npm ci` when node_modules is missing or older than the lock file (idempotent)."""
    lock = os.path.join(JS_DIR, "package-lock.json")
    marker = os.path.join(JS_DIR, "node_modules", ".package-lock.json")
    if os.path.exists(marker) and os.path.getmtime(marker) >= os.path.getmtime(lock):
        return
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True,
                   timeout=300, stdin=subprocess.DEVNULL)


class JsSdkTest(AwsClientTestCase):
    def test_run_task_and_read_logs(self):
        if not shutil.which("node") or not shutil.which("npm"):
            self.skipTest("node/npm not installed")
        ensure_node_modules()
        r = subprocess.run(["node", "run_task.mjs"], cwd=JS_DIR, capture_output=True, text=True,
                           env=self.aws_env, timeout=180)
        for line in r.stdout.splitlines():
            if line.startswith("task "):
                self.task_ids.add(line.rsplit("/", 1)[-1])
        self.assertEqual(r.returncode, 0, f"node run_task.mjs failed:\n{r.stdout}{r.stderr}")
        self.assertIn("js sdk: ok", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
