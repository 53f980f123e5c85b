"""awsvpc networking: each task has its own namespace and IP on the node's bridge; tasks reach
each other and the host reaches them; host and none modes; nothing is left behind."""

import json
import os
import subprocess
import urllib.request

from gantry_harness import GantryTestCase, main, run_dir, task_id, wait_for

HTTPD = "mkdir -p /www && echo hello-from-$(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www"


def task_ip(task):
    for att in task.get("attachments", []):
        for d in att.get("details", []):
            if d["name"] == "privateIPv4Address":
                return d["value"]
    return None


class NetworkTest(GantryTestCase):
    def test_awsvpc_tasks_get_own_ips_and_reach_each_other(self):
        td = self.register("web", [{
            "name": "web", "image": "busybox:latest", "essential": True, "stopTimeout": 1,
            "command": ["sh", "-c", "trap 'exit 0' TERM; " + HTTPD.replace("exec ", "") + " & wait"],
            "portMappings": [{"containerPort": 8080}]}], networkMode="awsvpc")
        a, b = (task_id(t) for t in self.run_task(f"web:{td['revision']}", count=2))
        ta, tb = self.wait_status(a, "RUNNING"), self.wait_status(b, "RUNNING")
        ip_a, ip_b = task_ip(ta), task_ip(tb)
        self.assertTrue(ip_a and ip_b, ta.get("attachments"))
        self.assertNotEqual(ip_a, ip_b)
        self.assertTrue(ip_a.startswith("10.213."), ip_a)
        self.assertEqual(ta["attachments"][0]["type"], "ElasticNetworkInterface")
        self.assertEqual(ta["containers"][0]["networkInterfaces"][0]["privateIpv4Address"], ip_a)

        # The host reaches the task on its own IP.
        body = wait_for(lambda: self._get(f"http://{ip_a}:8080/"), 15, 0.2, "httpd in task A")
        self.assertIn("hello-from-", body)
        # RUNNING means the container's process started, not that its httpd listens yet.
        wait_for(lambda: self._get(f"http://{ip_b}:8080/"), 15, 0.2, "httpd in task B")

        # Another task reaches both by IP; its /etc/hosts names itself.
        client = self.run_one(
            f"cat /etc/hosts; wget -q -O- http://{ip_a}:8080/ && wget -q -O- http://{ip_b}:8080/",
            family="client")
        cid = task_id(client)
        done = self.wait_stopped(cid, timeout=30)
        lines = self.log_lines(cid)
        self.assertEqual(done["containers"][0].get("exitCode"), 0, lines)
        self.assertEqual(sum(1 for l in lines if l.startswith("hello-from-")), 2, lines)
        client_ip = task_ip(done)
        self.assertTrue(any(client_ip in l for l in lines), lines)

        for t in (a, b):
            self.ok(self.api.post(f"/v1/tasks/{t}/stop"), 200)
        for t in (a, b):
            self.wait_stopped(t)
        self._assert_network_released([a, b, cid], [ip_a, ip_b, client_ip])

    def test_none_and_host_modes(self):
        td = self.register("isolated", [{
            "name": "main", "image": "busybox:latest", "essential": True, "stopTimeout": 1,
            "command": ["sh", "-c", "ls /sys/class/net"]}], networkMode="none")
        t = task_id(self.run_task(f"isolated:{td['revision']}")[0])
        self.wait_stopped(t)
        self.assertEqual(self.log_lines(t), ["lo"])

        td = self.register("hostnet", [{
            "name": "main", "image": "busybox:latest", "essential": True, "stopTimeout": 1,
            "command": ["sh", "-c", "ls /sys/class/net"]}], networkMode="host")
        h = task_id(self.run_task(f"hostnet:{td['revision']}")[0])
        final = self.wait_stopped(h)
        self.assertEqual(final["containers"][0].get("exitCode"), 0)
        host_ifaces = set(os.listdir("/sys/class/net"))
        self.assertEqual(set(self.log_lines(h)), host_ifaces)
        self.assertEqual(final.get("attachments", []), [])

    def test_bad_port_mappings_are_rejected(self):
        for pm, mode in (([{"containerPort": 0}], "awsvpc"),
                         ([{"containerPort": 80, "hostPort": 81}], "awsvpc"),
                         ([{"containerPort": 80, "protocol": "sctp"}], "awsvpc"),
                         ([{"containerPort": 80}, {"containerPort": 80}], "bridge")):
            status, body = self.api.post("/v1/task-definitions", {
                "family": "badports", "networkMode": mode,
                "containerDefinitions": [{"name": "m", "image": "busybox", "portMappings": pm}]})
            self.assertEqual(status, 400, (pm, body))
            self.assertEqual(body["error"]["code"], "InvalidArgument")

    def test_host_port_conflicts_are_refused_before_anything_is_created(self):
        td = self.register("hostport", [{
            "name": "main", "image": "busybox:latest", "essential": True, "stopTimeout": 1,
            "command": ["sleep", "1000"], "portMappings": [{"containerPort": 18097}]}],
            networkMode="host")
        before = len(self.ok(self.api.get("/v1/tasks"), 200)["tasks"])
        status, body = self.api.post("/v1/tasks", {"taskDefinition": "hostport", "count": 2})
        self.assertEqual(status, 429, body)
        self.assertEqual(body["error"]["code"], "ResourceExhausted")
        first = task_id(self.run_task(f"hostport:{td['revision']}")[0])
        self.wait_status(first, "RUNNING")
        status, body = self.api.post("/v1/tasks", {"taskDefinition": "hostport"})
        self.assertEqual(status, 429, body)
        self.assertIn("18097/tcp", body["error"]["message"])
        self.assertEqual(len(self.ok(self.api.get("/v1/tasks"), 200)["tasks"]), before + 1)
        self.ok(self.api.post(f"/v1/tasks/{first}/stop"), 200)
        self.wait_stopped(first)

    # --- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _get(url):
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read().decode()
        except OSError:
            return None

    def _assert_network_released(self, ids, ips):
        net = os.path.join(run_dir(self.data_dir), "network")
        for t in ids:
            self.assertFalse(os.path.exists(f"/run/gantry/netns/{t}"), t)
            self.assertFalse(os.path.exists(os.path.join(net, "tasks", t + ".json")), t)
        allocated = set()  # addresses the attachment records (tasks and warm pool) still hold
        for sub in ("tasks", "pool"):
            d = os.path.join(net, sub)
            for name in os.listdir(d) if os.path.isdir(d) else []:
                with open(os.path.join(d, name)) as f:
                    rec = json.load(f)
                if rec.get("ipv4"):
                    allocated.add(rec["ipv4"].split("/")[0])
        for ip in ips:
            self.assertNotIn(ip, allocated, f"IP {ip} still allocated")
        rules = subprocess.run(["iptables-save"], capture_output=True, text=True).stdout
        for t in ids:
            self.assertNotIn(t, rules)


if __name__ == "__main__":
    main()
