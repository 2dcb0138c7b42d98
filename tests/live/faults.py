"""A fault-injecting proxy in front of moto's server, for the live-scan tests.

moto answers ECS List* calls in one page and never throttles or denies. This proxy, on 127.0.0.1,
forwards every request to moto and then, as the real services would:
  * pages ECS ListClusters, ListServices, ListTaskDefinitionFamilies and ListTaskDefinitions as
    asked (maxResults, at most 100; without it 100, and 10 for ListServices), or in pages of at
    most N (--page-size N: a service may answer fewer than asked);
  * answers a throttling error every Nth call (--throttle-every N), or whenever a call finds its
    token bucket empty (--aws-rates: the buckets AWS publishes, aws_rates.py);
  * answers each call no sooner than --latency-ms after it came (a remote endpoint's round trip);
  * denies the actions named with --deny (e.g. iam:GetAccountAuthorizationDetails), or with
    --deny ACTION@TEXT only the requests whose parameters contain TEXT (sts:AssumeRole@ACCOUNT_ID);
and counts calls per action (GET /__calls returns them as JSON, with "__max_in_flight": the most
requests it was answering at once, and "__throttled": the throttling errors it answered, per action).

Usage: faults.py UPSTREAM PORT [--throttle-every N | --aws-rates] [--latency-ms MS] [--page-size N]
                 [--deny ACTION]...
"""
import argparse
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aws_rates import bucket_of

parser = argparse.ArgumentParser()
parser.add_argument("upstream")
parser.add_argument("port", type=int)
parser.add_argument("--throttle-every", type=int, default=0)
parser.add_argument("--aws-rates", action="store_true")
parser.add_argument("--latency-ms", type=float, default=0)
parser.add_argument("--page-size", type=int, default=100)
parser.add_argument("--deny", action="append", default=[])
args = parser.parse_args()

# The list member of each paged call, and its page size when maxResults is not given.
PAGES = {"ListClusters": ("clusterArns", 100), "ListServices": ("serviceArns", 10),
         "ListTaskDefinitionFamilies": ("families", 100), "ListTaskDefinitions": ("taskDefinitionArns", 100)}


class Bucket:
    def __init__(self, burst, refill):
        self.burst, self.refill, self.tokens, self.at = burst, refill, float(burst), time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.refill)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


buckets = {}


def out_of_tokens(action):
    """Whether `action` finds its bucket empty (the caller holds the lock)."""
    bucket = bucket_of(action)
    if bucket is None:
        return False
    name, burst, refill = bucket
    return not buckets.setdefault(name, Bucket(burst, refill)).take()


lock = threading.Lock()
calls = {}
throttled = {}
count = [0]
in_flight = [0, 0]  # now, most


def action_of(headers, body):
    # The signing scope names the service: Credential=KEY/DATE/REGION/SERVICE/aws4_request.
    scope = headers.get("Authorization", "").split("Credential=")[-1].split(",")[0].split("/")
    service = scope[3] if len(scope) > 3 else "?"
    target = headers.get("X-Amz-Target")
    if target:  # JSON protocol: AmazonEC2ContainerServiceV20141113.ListClusters
        return f"{service}:{target.split('.')[-1]}", "json"
    params = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    return f"{service}:{params.get('Action', ['?'])[0]}", "query"


def denied(action, body):
    text = urllib.parse.unquote_plus(body.decode("utf-8", "replace"))
    for rule in args.deny:
        name, _, needle = rule.partition("@")
        if name == action and needle in text:
            return True
    return False


class Proxy(BaseHTTPRequestHandler):
    def log_message(self, *_):
        pass

    def reply(self, status, body, content_type):
        # Done before the answer goes out: the client may send its next call as soon as it has it.
        if getattr(self, "counted", False):
            self.counted = False
            with lock:
                in_flight[0] -= 1
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, action, protocol, status, code, message):
        if protocol == "json":
            body = json.dumps({"__type": code, "message": message}).encode()
            return self.reply(status, body, "application/x-amz-json-1.1")
        if action.startswith("ec2:"):  # EC2's own error document
            body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                    f"<RequestID>fault</RequestID></Response>").encode()
            return self.reply(status, body, "text/xml")
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
                f"<RequestId>fault</RequestId></ErrorResponse>").encode()
        return self.reply(status, body, "text/xml")

    def do_GET(self):
        if self.path == "/__calls":
            with lock:
                answer = dict(calls, __max_in_flight=in_flight[1], __throttled=dict(throttled))
                return self.reply(200, json.dumps(answer).encode(), "application/json")
        return self.reply(404, b"", "text/plain")

    def do_POST(self):
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
        self.counted = True
        try:
            self.answer()
        finally:
            if self.counted:
                self.counted = False
                with lock:
                    in_flight[0] -= 1

    def answer(self):
        if args.latency_ms:
            time.sleep(args.latency_ms / 1000)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        action, protocol = action_of(self.headers, body)
        with lock:
            calls[action] = calls.get(action, 0) + 1
            count[0] += 1
            throttle = args.throttle_every and count[0] % args.throttle_every == 0
            throttle = throttle or (args.aws_rates and out_of_tokens(action))
            if throttle:
                throttled[action] = throttled.get(action, 0) + 1
        if denied(action, body):
            code = "AccessDeniedException" if protocol == "json" else ("UnauthorizedOperation" if action.startswith("ec2:") else "AccessDenied")
            return self.error(action, protocol, 403 if protocol == "query" else 400, code, f"not authorized to perform {action}")
        if throttle:
            if protocol == "json":
                return self.error(action, protocol, 400, "ThrottlingException", "Rate exceeded")
            if action.startswith("ec2:"):
                return self.error(action, protocol, 503, "RequestLimitExceeded", "Request limit exceeded.")
            return self.error(action, protocol, 400, "Throttling", "Rate exceeded")
        name = action.split(":")[1]
        token = None
        if protocol == "json" and name in PAGES:
            request = json.loads(body or b"{}")
            token = request.pop("nextToken", None)
            asked = request.pop("maxResults", None) or PAGES[name][1]
            size = max(1, min(asked, 100, args.page_size))
            body = json.dumps(request).encode()
        forward = urllib.request.Request(args.upstream + self.path, data=body, method="POST")
        for key, value in self.headers.items():
            if key.lower() not in ("host", "content-length"):
                forward.add_header(key, value)
        try:
            with urllib.request.urlopen(forward) as response:
                status, data, content_type = response.status, response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as failure:
            status, data, content_type = failure.code, failure.read(), failure.headers.get("Content-Type", "")
        if status == 200 and protocol == "json" and name in PAGES:
            key = PAGES[name][0]
            result = json.loads(data)
            items = result.get(key, [])
            start = int(token or 0)
            result[key] = items[start:start + size]
            result.pop("nextToken", None)
            if start + size < len(items):
                result["nextToken"] = str(start + size)
            data = json.dumps(result).encode()
        return self.reply(status, data, content_type or "application/x-amz-json-1.1")


ThreadingHTTPServer(("127.0.0.1", args.port), Proxy).serve_forever()
