"""The moto estate the live-scan benchmarks share: moto's server on 127.0.0.1, seeded through
boto3 with N task definitions (N/5 families of 5 revisions), N/10 services over 5 clusters, and
the call-counting proxy (tests/live/faults.py) in front of it. Needs the venv .ci/run makes
(moto[server], boto3)."""
import collections, os, pathlib, socket, subprocess, sys, time

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYTHON = os.environ.get("ECSLINT_TEST_PYTHON", str(pathlib.Path.home() / ".cache/ecslint-venv/bin/python"))
# The most recently built binary (a release build of the SDK takes ~9 minutes).
BINARY = max((p for p in (ROOT / "target/release/ecslint", ROOT / "target/debug/ecslint") if p.exists()),
             key=lambda p: p.stat().st_mtime)

SEED = r'''
import boto3, sys
n = int(sys.argv[2])
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
ecs = boto3.client("ecs", **kw)
for c in range(5):
    ecs.create_cluster(clusterName=f"cluster-{c}")
for i in range(n):
    family = f"svc-{i // 5:05}"
    ecs.register_task_definition(family=family, containerDefinitions=[{"name": "app", "image": f"app:{i}", "memory": 256,
        "environment": [{"name": f"SETTING_{k}", "value": str(k)} for k in range(8)]}])
for s in range(n // 10):
    ecs.create_service(cluster=f"cluster-{s % 5}", serviceName=f"service-{s:05}", taskDefinition=f"svc-{s * 2:05}",
                       desiredCount=2, launchType="EC2")
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing listens on {port}")


def start_moto(n):
    """moto's server, seeded: (process, endpoint, seconds the seeding took)."""
    port = free_port()
    moto = subprocess.Popen([PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(port)
    endpoint = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    subprocess.run([PYTHON, "-c", SEED, endpoint, str(n)], check=True)
    return moto, endpoint, time.perf_counter() - start


def start_proxy(upstream, *options):
    """The counting proxy in front of `upstream`: (process, endpoint)."""
    port = free_port()
    proxy = subprocess.Popen([PYTHON, str(ROOT / "tests/live/faults.py"), upstream, str(port), *options],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(port)
    return proxy, f"http://127.0.0.1:{port}"


# What /usr/bin/time saw of one scan: wall and CPU (user + system) seconds, peak RSS in KB.
Scan = collections.namedtuple("Scan", "wall cpu rss_kb code")


def timed_scan(endpoint, report, concurrency, *extra):
    """`ecslint scan` of us-east-1 at `endpoint` into `report`, under /usr/bin/time: a Scan."""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": endpoint}
    result = subprocess.run(["/usr/bin/time", "-f", "%e %M %U %S", str(BINARY), "scan", "--no-config", "--region", "us-east-1",
                             "--concurrency", str(concurrency), *extra, "-f", "json", "-o", str(report)],
                            env=env, capture_output=True, text=True)
    if result.returncode not in (0, 1, 3):
        sys.exit(f"ecslint scan {' '.join(extra)} failed ({result.returncode}): {result.stderr[-2000:]}")
    wall, rss_kb, user, system = result.stderr.strip().splitlines()[-1].split()
    return Scan(float(wall), float(user) + float(system), int(rss_kb), result.returncode)
