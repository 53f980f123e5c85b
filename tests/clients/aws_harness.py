"""Client-test harness: gantry_harness's server (port 0, temp data dir, busybox, leftover checks)
plus what real AWS clients need — the admin credentials the server writes on first start, a
region, and the endpoint. The clients are Debian's aws CLI (/usr/bin/aws), Debian's boto3
(/usr/bin/python3) and the AWS SDK for JavaScript v3 (tests/clients/js)."""

import json
import os
import subprocess
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(_HERE), "integration"))

from gantry_harness import GantryTestCase, WaitTimeout, task_id, wait_for  # noqa: E402,F401

AWS_CLI = "/usr/bin/aws"          # other `aws` binaries may come first on PATH
DEBIAN_PYTHON = "/usr/bin/python3"  # Debian's boto3 1.26 lives here
REGION = "local"

# A container that prints numbered lines and keeps running until stopped.
TICKER = "i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.3; done"


class AwsClientTestCase(GantryTestCase):
    def setUp(self):
        super().setUp()
        self.credentials_file = os.path.join(self.data_dir, "admin-credentials")
        wait_for(lambda: os.path.exists(self.credentials_file), 10, 0.1, "admin-credentials")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_SHARED_CREDENTIALS_FILE": self.credentials_file,
            "AWS_CONFIG_FILE": os.path.join(self.work_dir, "no-aws-config"),
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_PAGER": "",
            "AWS_EC2_METADATA_DISABLED": "true",
            "GANTRY_AWS_ENDPOINT": self.server.endpoint,
        })
        self.aws_env = env
        self.services = []  # (cluster, name) the test created: deleted before tasks are stopped

    def tearDown(self):
        # A service left ACTIVE (a failed test) would replace the tasks teardown stops.
        for cluster, name in self.services:
            if self.server is not None and self.server.alive():
                self.aws("ecs", "delete-service", "--cluster", cluster, "--service", name,
                         "--force", timeout=60)
        super().tearDown()

    def aws(self, *args, timeout=120, region=None):
        """Runs the Debian aws CLI against this server; returns the CompletedProcess."""
        cmd = [AWS_CLI, "--endpoint-url", self.server.endpoint, "--output", "json"]
        if region:
            cmd += ["--region", region]
        return subprocess.run(cmd + list(args), capture_output=True, text=True, env=self.aws_env,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def aws_json(self, *args, **kw):
        r = self.aws(*args, **kw)
        self.assertEqual(r.returncode, 0, f"aws {' '.join(args)} failed ({r.returncode}):\n"
                                          f"{r.stdout}{r.stderr}")
        return json.loads(r.stdout) if r.stdout.strip() else {}

    def aws_error(self, *args, code, operation, message=None, **kw):
        """Asserts AWS's error format on stderr and exit status 254."""
        r = self.aws(*args, **kw)
        self.assertEqual(r.returncode, 254, f"expected exit 254, got {r.returncode}:\n"
                                            f"{r.stdout}{r.stderr}")
        prefix = f"An error occurred ({code}) when calling the {operation} operation: "
        self.assertIn(prefix, r.stderr)
        if message is not None:
            self.assertIn(prefix + message, r.stderr)
        return r

    def track(self, arns):
        for a in arns:
            self.task_ids.add(task_id(a))
