// AWS SDK for JavaScript v3 against gantry: register a task definition, run a task, wait for it
// to stop, read its output from CloudWatch Logs. Endpoint from GANTRY_AWS_ENDPOINT; credentials
// and region from the SDK's default chain (AWS_SHARED_CREDENTIALS_FILE, AWS_REGION).
import {
  ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, DescribeTasksCommand,
  ListTasksCommand, waitUntilTasksStopped,
} from "@aws-sdk/client-ecs";
import {
  CloudWatchLogsClient, GetLogEventsCommand, DescribeLogGroupsCommand,
} from "@aws-sdk/client-cloudwatch-logs";

const endpoint = process.env.GANTRY_AWS_ENDPOINT;
if (!endpoint) throw new Error("GANTRY_AWS_ENDPOINT is not set");
const ecs = new ECSClient({ endpoint });
const logs = new CloudWatchLogsClient({ endpoint });

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

const group = "/js/hello";
await ecs.send(new RegisterTaskDefinitionCommand({
  family: "js-hello",
  requiresCompatibilities: ["FARGATE"],
  networkMode: "awsvpc",
  cpu: "256",
  memory: "512",
  containerDefinitions: [{
    name: "main",
    image: "busybox:latest",
    command: ["sh", "-c", "echo hello from $WHO; echo bye"],
    environment: [{ name: "WHO", value: "nobody" }],
    logConfiguration: {
      logDriver: "awslogs",
      options: { "awslogs-group": group, "awslogs-stream-prefix": "js",
                 "awslogs-create-group": "true" },
    },
  }],
}));
const run = await ecs.send(new RunTaskCommand({
  taskDefinition: "js-hello",
  launchType: "FARGATE",
  networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-local"] } },
  overrides: { containerOverrides: [{ name: "main", environment: [{ name: "WHO", value: "js-sdk" }] }] },
}));
check(run.failures.length === 0, "no failures");
const arn = run.tasks[0].taskArn;
console.log(`task ${arn}`);
check(run.tasks[0].createdAt instanceof Date, "createdAt is a Date");

await waitUntilTasksStopped({ client: ecs, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
                            { tasks: [arn] });
const { tasks } = await ecs.send(new DescribeTasksCommand({ tasks: [arn] }));
check(tasks[0].lastStatus === "STOPPED", "STOPPED");
check(tasks[0].containers[0].exitCode === 0, `exit code 0 (got ${tasks[0].containers[0].exitCode})`);
const listed = await ecs.send(new ListTasksCommand({ desiredStatus: "STOPPED" }));
check(listed.taskArns.includes(arn), "ListTasks shows the task");

const id = arn.split("/").pop();
const events = await logs.send(new GetLogEventsCommand({
  logGroupName: group, logStreamName: `js/main/${id}`, startFromHead: true,
}));
const lines = events.events.map((e) => e.message);
console.log(lines.join("\n"));
check(JSON.stringify(lines) === JSON.stringify(["hello from js-sdk", "bye"]), "log lines");
const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/js/" }));
check(groups.logGroups.length === 1 && groups.logGroups[0].logGroupName === group, "log group");

let err;
try {
  await ecs.send(new RunTaskCommand({ taskDefinition: "missing" }));
} catch (e) {
  err = e;
}
check(err && err.name === "ClientException", `ClientException (got ${err && err.name})`);
console.log("js sdk: ok");
