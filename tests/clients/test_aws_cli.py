"""Debian's aws CLI (v2.9, /usr/bin/aws) against gantry: task definitions from a JSON file,
run-task, the ECS waiters, describe-tasks exit codes, `logs tail --follow`, services, and AWS's
error format with exit status 254."""

import json
import os
import subprocess
import time
import unittest

from aws_harness import AWS_CLI, TICKER, AwsClientTestCase, task_id, wait_for


class AwsCliTest(AwsClientTestCase):
    def register_from_file(self, family, command, group, **extra):
        td = {
            "family": family,
            "requiresCompatibilities": ["FARGATE"],
            "networkMode": "awsvpc",
            "cpu": "256",
            "memory": "512",
            "containerDefinitions": [{
                "name": "main",
                "image": "busybox:latest",
                "essential": True,
                "command": ["sh", "-c", command],
                "stopTimeout": 2,
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": group, "awslogs-region": "local",
                    "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true"}},
            }],
            **extra,
        }
        path = os.path.join(self.work_dir, f"{family}.json")
        with open(path, "w") as f:
            json.dump(td, f)
        out = self.aws_json("ecs", "register-task-definition", "--cli-input-json", f"file://{path}")
        return out["taskDefinition"]

    def run_task(self, family, *extra):
        out = self.aws_json("ecs", "run-task", "--task-definition", family, "--launch-type",
                            "FARGATE", "--network-configuration",
                            "awsvpcConfiguration={subnets=[subnet-local],assignPublicIp=DISABLED}",
                            *extra)
        self.assertEqual(out["failures"], [])
        arns = [t["taskArn"] for t in out["tasks"]]
        self.track(arns)
        return arns

    def test_task_lifecycle_waiters_exit_codes_and_logs_tail(self):
        td = self.register_from_file("cli-ticker", TICKER, "/ecs/cli-ticker")
        self.assertEqual(td["revision"], 1)
        self.assertTrue(td["taskDefinitionArn"].startswith(
            "arn:aws:ecs:local:000000000000:task-definition/cli-ticker:1"))
        [arn] = self.run_task("cli-ticker")
        self.assertTrue(arn.startswith("arn:aws:ecs:local:000000000000:task/default/"), arn)
        self.aws_json("ecs", "wait", "tasks-running", "--tasks", arn, timeout=180)

        # `logs tail --follow` shows the container's lines while it runs.
        tail = subprocess.Popen(
            ["timeout", "40", AWS_CLI, "--endpoint-url", self.server.endpoint, "logs", "tail",
             "/ecs/cli-ticker", "--follow", "--format", "short", "--since", "5m"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.aws_env)
        seen = []
        try:
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline:
                line = tail.stdout.readline()
                if not line:
                    break
                seen.append(line.strip())
                if sum("tick-" in s for s in seen) >= 5:
                    break
        finally:
            tail.terminate()
            tail.wait(timeout=10)
            tail_err = tail.stderr.read()
            tail.stdout.close()
            tail.stderr.close()
        self.assertGreaterEqual(sum("tick-" in s for s in seen), 5,
                                f"logs tail showed {seen!r}; stderr {tail_err!r}")

        out = self.aws_json("ecs", "stop-task", "--task", arn, "--reason", "cli test")
        self.assertEqual(out["task"]["desiredStatus"], "STOPPED")
        self.aws_json("ecs", "wait", "tasks-stopped", "--tasks", arn, timeout=180)
        t = self.aws_json("ecs", "describe-tasks", "--tasks", arn)["tasks"][0]
        self.assertEqual(t["lastStatus"], "STOPPED")
        self.assertEqual(t["stopCode"], "UserInitiated")
        self.assertEqual(t["stoppedReason"], "cli test")
        self.assertIn("exitCode", t["containers"][0])

        # A task that exits by itself: its exit code, and its output in the awslogs stream.
        self.register_from_file("cli-exit", "echo first; echo second; exit 3", "/ecs/cli-exit")
        [arn2] = self.run_task("cli-exit", "--started-by", "cli-test")
        self.aws_json("ecs", "wait", "tasks-stopped", "--tasks", arn2, timeout=180)
        t2 = self.aws_json("ecs", "describe-tasks", "--tasks", arn2)["tasks"][0]
        self.assertEqual(t2["containers"][0]["exitCode"], 3)
        self.assertEqual(t2["stopCode"], "EssentialContainerExited")
        self.assertEqual(t2["startedBy"], "cli-test")
        ev = self.aws_json("logs", "get-log-events", "--log-group-name", "/ecs/cli-exit",
                           "--log-stream-name", f"ecs/main/{task_id(arn2)}", "--start-from-head")
        self.assertEqual([e["message"] for e in ev["events"]], ["first", "second"])
        # The stream can be deleted; then it is gone, and deleting it again is an AWS error.
        stream = f"ecs/main/{task_id(arn2)}"
        self.aws_json("logs", "delete-log-stream", "--log-group-name", "/ecs/cli-exit",
                      "--log-stream-name", stream)
        streams = self.aws_json("logs", "describe-log-streams", "--log-group-name", "/ecs/cli-exit")
        self.assertNotIn(stream, [x["logStreamName"] for x in streams["logStreams"]])
        self.aws_error("logs", "delete-log-stream", "--log-group-name", "/ecs/cli-exit",
                       "--log-stream-name", stream, code="ResourceNotFoundException",
                       operation="DeleteLogStream",
                       message="The specified log stream does not exist.")
        listed = self.aws_json("ecs", "list-tasks", "--desired-status", "STOPPED")["taskArns"]
        self.assertEqual(set(listed), {arn, arn2})

    def test_error_paths_print_aws_format_and_exit_254(self):
        self.aws_error("ecs", "run-task", "--task-definition", "no-such-family",
                       code="ClientException", operation="RunTask",
                       message="TaskDefinition not found.")
        self.aws_error("ecs", "describe-tasks", "--cluster", "nope", "--tasks", "x",
                       code="ClusterNotFoundException", operation="DescribeTasks",
                       message="Cluster not found.")
        self.aws_error("ecs", "describe-task-definition", "--task-definition", "nope:1",
                       code="ClientException", operation="DescribeTaskDefinition",
                       message="Unable to describe task definition.")
        self.aws_error("ecs", "stop-task", "--task", "0123456789abcdef0123456789abcdef",
                       code="InvalidParameterException", operation="StopTask",
                       message="The referenced task was not found.")
        self.aws_error("ecs", "register-task-definition", "--family", "bad",
                       "--container-definitions", '[{"name":"m","image":"busybox","memory":2}]',
                       code="ClientException", operation="RegisterTaskDefinition",
                       message="Invalid setting for container 'm'")
        self.aws_error("logs", "get-log-events", "--log-group-name", "/missing",
                       "--log-stream-name", "s", code="ResourceNotFoundException",
                       operation="GetLogEvents", message="The specified log group does not exist.")
        self.aws_json("logs", "create-log-group", "--log-group-name", "/dup")
        self.aws_error("logs", "create-log-group", "--log-group-name", "/dup",
                       code="ResourceAlreadyExistsException", operation="CreateLogGroup")
        self.aws_error("logs", "put-retention-policy", "--log-group-name", "/dup",
                       "--retention-in-days", "2", code="InvalidParameterException",
                       operation="PutRetentionPolicy")
        # Resources are per region: a definition registered in `local` is unknown elsewhere.
        self.register_from_file("regional", "true", "/ecs/regional")
        self.aws_error("ecs", "run-task", "--task-definition", "regional", region="eu-west-1",
                       code="ClientException", operation="RunTask")
        # A wrong key never reaches the services.
        bad = dict(self.aws_env, AWS_ACCESS_KEY_ID="AKIANOTAREALKEY00000",
                   AWS_SECRET_ACCESS_KEY="x" * 40)
        r = subprocess.run([AWS_CLI, "--endpoint-url", self.server.endpoint, "ecs",
                            "list-clusters"], capture_output=True, text=True, env=bad, timeout=60)
        self.assertEqual(r.returncode, 254, r.stderr)
        self.assertIn("An error occurred (UnrecognizedClientException) when calling the "
                      "ListClusters operation", r.stderr)

    def test_services_stable_and_force_new_deployment(self):
        self.register_from_file("cli-svc", TICKER, "/ecs/cli-svc")
        self.aws_json("ecs", "create-cluster", "--cluster-name", "web")
        self.services.append(("web", "api"))
        out = self.aws_json("ecs", "create-service", "--cluster", "web", "--service-name", "api",
                            "--task-definition", "cli-svc", "--desired-count", "2",
                            "--launch-type", "FARGATE", "--network-configuration",
                            "awsvpcConfiguration={subnets=[subnet-local]}")
        self.assertEqual(out["service"]["serviceArn"],
                         "arn:aws:ecs:local:000000000000:service/web/api")
        self.aws_json("ecs", "wait", "services-stable", "--cluster", "web", "--services", "api",
                      timeout=240)
        running = self.aws_json("ecs", "list-tasks", "--cluster", "web", "--service-name",
                                "api")["taskArns"]
        self.track(running)
        self.assertEqual(len(running), 2)
        out = self.aws_json("ecs", "update-service", "--cluster", "web", "--service", "api",
                            "--force-new-deployment")
        self.assertEqual(out["service"]["deployments"][0]["status"], "PRIMARY")
        self.assertEqual(len(out["service"]["deployments"]), 2)
        self.aws_json("ecs", "wait", "services-stable", "--cluster", "web", "--services", "api",
                      timeout=240)
        svc = self.aws_json("ecs", "describe-services", "--cluster", "web", "--services",
                            "api")["services"][0]
        self.assertEqual(svc["runningCount"], 2)
        self.assertEqual(len(svc["deployments"]), 1)
        now = self.aws_json("ecs", "list-tasks", "--cluster", "web", "--service-name",
                            "api")["taskArns"]
        self.track(now)
        self.assertFalse(set(now) & set(running), "force-new-deployment replaced the tasks")
        self.aws_error("ecs", "delete-cluster", "--cluster", "web",
                       code="ClusterContainsServicesException", operation="DeleteCluster")
        self.aws_json("ecs", "delete-service", "--cluster", "web", "--service", "api", "--force")
        wait_for(lambda: not self.aws_json("ecs", "list-tasks", "--cluster", "web")["taskArns"],
                 60, 0.5, "the service's tasks to stop")
        stopped = self.aws_json("ecs", "list-tasks", "--cluster", "web", "--desired-status",
                                "STOPPED")["taskArns"]
        self.track(stopped)


if __name__ == "__main__":
    unittest.main(verbosity=2)
