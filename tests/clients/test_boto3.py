"""Debian's boto3 (1.26, /usr/bin/python3) against gantry, as an on-demand-task user: ten tasks
with different environment overrides, the tasks_stopped waiter, each task's output through
get_log_events, and the list_tasks / describe_log_streams paginators."""

import unittest

import boto3
from botocore.exceptions import ClientError

from aws_harness import REGION, AwsClientTestCase, task_id


class Boto3Test(AwsClientTestCase):
    def client(self, name, region=REGION):
        session = boto3.session.Session(region_name=region)
        c = session.client(name, endpoint_url=self.server.endpoint)
        self.addCleanup(c.close)
        return c

    def setUp(self):
        super().setUp()
        import os
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = self.credentials_file
        os.environ["AWS_CONFIG_FILE"] = self.aws_env["AWS_CONFIG_FILE"]
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            os.environ.pop(k, None)
        self.ecs = self.client("ecs")
        self.logs = self.client("logs")

    def test_ten_tasks_with_overrides_waiter_logs_and_paginators(self):
        self.logs.create_log_group(logGroupName="/batch/jobs")
        self.ecs.register_task_definition(
            family="job", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="512",
            containerDefinitions=[{
                "name": "main", "image": "busybox:latest", "essential": True,
                "command": ["sh", "-c", 'echo "job $JOB says $GREETING"; echo done'],
                "environment": [{"name": "GREETING", "value": "default"}],
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": "/batch/jobs", "awslogs-region": REGION,
                    "awslogs-stream-prefix": "job"}},
            }])
        arns = {}
        for i in range(10):
            out = self.ecs.run_task(
                taskDefinition="job", launchType="FARGATE", startedBy="boto3-test",
                networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-local"]}},
                overrides={"containerOverrides": [{"name": "main", "environment": [
                    {"name": "JOB", "value": str(i)}, {"name": "GREETING", "value": f"hi-{i}"}]}]},
                tags=[{"key": "job", "value": str(i)}])
            self.assertEqual(out["failures"], [])
            arn = out["tasks"][0]["taskArn"]
            self.task_ids.add(task_id(arn))
            arns[i] = arn
        waiter = self.ecs.get_waiter("tasks_stopped")
        waiter.wait(tasks=list(arns.values()), WaiterConfig={"Delay": 1, "MaxAttempts": 180})
        described = self.ecs.describe_tasks(tasks=list(arns.values()), include=["TAGS"])
        self.assertEqual(described["failures"], [])
        self.assertEqual(len(described["tasks"]), 10)
        for t in described["tasks"]:
            self.assertEqual(t["lastStatus"], "STOPPED")
            self.assertEqual(t["containers"][0]["exitCode"], 0)
            self.assertEqual(len(t["tags"]), 1)
            self.assertIsNotNone(t["stoppedAt"].year)  # epoch seconds parsed as a datetime

        for i, arn in arns.items():
            ev = self.logs.get_log_events(logGroupName="/batch/jobs",
                                          logStreamName=f"job/main/{task_id(arn)}",
                                          startFromHead=True)
            self.assertEqual([e["message"] for e in ev["events"]], [f"job {i} says hi-{i}", "done"])
            self.assertTrue(ev["nextForwardToken"])

        pages = list(self.ecs.get_paginator("list_tasks").paginate(
            desiredStatus="STOPPED", startedBy="boto3-test", PaginationConfig={"PageSize": 3}))
        self.assertEqual(len(pages), 4)
        self.assertEqual(sorted(a for p in pages for a in p["taskArns"]), sorted(arns.values()))
        pages = list(self.logs.get_paginator("describe_log_streams").paginate(
            logGroupName="/batch/jobs", PaginationConfig={"PageSize": 3}))
        self.assertEqual(len(pages), 4)
        names = [s["logStreamName"] for p in pages for s in p["logStreams"]]
        self.assertEqual(sorted(names), sorted(f"job/main/{task_id(a)}" for a in arns.values()))

        # Unknown tasks come back as failures, not errors.
        missing = self.ecs.describe_tasks(tasks=["0123456789abcdef0123456789abcdef"])
        self.assertEqual(missing["failures"][0]["reason"], "MISSING")

    def test_missing_log_group_fails_the_task_like_ecs(self):
        self.ecs.register_task_definition(
            family="nolog", containerDefinitions=[{
                "name": "main", "image": "busybox:latest", "memory": 64,
                "command": ["true"],
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": "/does/not/exist", "awslogs-stream-prefix": "x"}}}])
        arn = self.ecs.run_task(taskDefinition="nolog")["tasks"][0]["taskArn"]
        self.task_ids.add(task_id(arn))
        self.ecs.get_waiter("tasks_stopped").wait(tasks=[arn], WaiterConfig={"Delay": 1})
        t = self.ecs.describe_tasks(tasks=[arn])["tasks"][0]
        self.assertEqual(t["stopCode"], "TaskFailedToStart")
        self.assertIn("The specified log group does not exist.", t["stoppedReason"])

    def test_errors_are_client_errors_with_aws_codes(self):
        with self.assertRaises(ClientError) as cm:
            self.ecs.run_task(taskDefinition="nope")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ClientException")
        with self.assertRaises(ClientError) as cm:
            self.logs.describe_log_streams(logGroupName="/nope")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")
        # Regions are separate namespaces.
        self.ecs.register_task_definition(
            family="regional", containerDefinitions=[{"name": "m", "image": "busybox:latest",
                                                      "memory": 64}])
        other = self.client("ecs", region="eu-central-1")
        self.assertEqual(other.list_task_definitions()["taskDefinitionArns"], [])
        self.assertEqual(self.ecs.list_task_definitions()["taskDefinitionArns"],
                         ["arn:aws:ecs:local:000000000000:task-definition/regional:1"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
