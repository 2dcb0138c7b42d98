//! What the live tests share: a Python with moto, moto's server and the fault proxy on free
//! loopback ports, the seeding scripts, and running ecslint against an endpoint.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A Python with moto and boto3: `ECSLINT_TEST_PYTHON`, or a venv in ~/.cache made on first use.
/// Set up once per test process, under a file lock so that concurrent test processes (or a
/// second `cargo test`) never find the venv half made.
pub fn python() -> PathBuf {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON.get_or_init(prepare_python).clone()
}

pub fn prepare_python() -> PathBuf {
    if let Some(python) = std::env::var_os("ECSLINT_TEST_PYTHON") {
        return python.into();
    }
    let cache = PathBuf::from(std::env::var("HOME").unwrap()).join(".cache");
    std::fs::create_dir_all(&cache).unwrap();
    let venv = cache.join("ecslint-venv");
    let python = venv.join("bin/python");
    let lock = std::fs::File::create(cache.join("ecslint-venv.lock")).unwrap();
    lock.lock().unwrap();
    let ready = || {
        std::process::Command::new(&python)
            .args(["-c", "import moto, boto3"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ready() {
        let made = std::process::Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg("--clear")
            .arg(&venv)
            .status()
            .unwrap();
        assert!(made.success(), "python3 -m venv failed");
        let installed = std::process::Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "moto[server]", "boto3"])
            .status()
            .unwrap();
        assert!(installed.success(), "pip install moto[server] boto3 failed");
        assert!(
            ready(),
            "the venv at {} lacks moto or boto3",
            venv.display()
        );
    }
    python
}

/// A test server on a free loopback port (moto, or the fault proxy in front of it), stopped on drop.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Moto {
    pub fn start(python: &Path) -> Moto {
        let port = free_port();
        Moto::spawn(
            python,
            &[
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ],
            port,
        )
    }

    /// The fault-injecting proxy (tests/live/faults.py) in front of `upstream`.
    pub fn proxy(python: &Path, upstream: &str, faults: &[&str]) -> Moto {
        let port = free_port();
        let script = repo().join("tests/live/faults.py");
        let port_text = port.to_string();
        let mut args = vec![script.to_str().unwrap(), upstream, port_text.as_str()];
        args.extend_from_slice(faults);
        Moto::spawn(python, &args, port)
    }

    /// moto with AWS managed IAM policies loaded (AdministratorAccess and the rest).
    pub fn start_with_managed_policies(python: &Path) -> Moto {
        let port = free_port();
        let port_text = port.to_string();
        let args = [
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            port_text.as_str(),
        ];
        Moto::spawn_with(
            python,
            &args,
            port,
            &[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")],
        )
    }

    fn spawn(python: &Path, args: &[&str], port: u16) -> Moto {
        Moto::spawn_with(python, args, port, &[])
    }

    fn spawn_with(python: &Path, args: &[&str], port: u16, env: &[(&str, &str)]) -> Moto {
        let child = std::process::Command::new(python)
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the test server");
        // Owned by the guard at once, so the server is stopped on every path.
        let server = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the test server did not start on port {port}");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `python` with `args`, expecting success; returns what it printed.
fn run_python<S: AsRef<std::ffi::OsStr>>(
    python: &Path,
    args: impl IntoIterator<Item = S>,
) -> Vec<u8> {
    let run = std::process::Command::new(python)
        .args(args)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    run.stdout
}

/// Runs a seeding script (tests/live/*.py) against the server; returns what it printed.
pub fn seed(python: &Path, moto: &Moto, script: &str, extra: &[&str]) -> Vec<u8> {
    let script = repo().join(script);
    let mut args = vec![script.as_os_str(), moto.endpoint.as_ref()];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    run_python(python, args)
}

pub fn ecslint(endpoint: &str) -> Command {
    let mut cmd = Command::cargo_bin("ecslint").unwrap();
    cmd.env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env_remove("AWS_PROFILE");
    cmd
}

/// `ecslint scan` of us-east-1 into the JSON report `report`, expecting `code`; the report.
pub fn scan_to_json(endpoint: &str, report: &Path, code: i32) -> serde_json::Value {
    let output = ecslint(endpoint)
        .args([
            "scan",
            "--no-config",
            "--region",
            "us-east-1",
            "-f",
            "json",
            "-o",
        ])
        .arg(report)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap()
}

/// (rule, resource id, message) of every finding in a JSON report.
pub fn findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut all: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["resource"]["id"].as_str().unwrap().into(),
                f["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    all.sort();
    all
}

/// A GET on loopback, without an HTTP client dependency.
pub fn ureq_get(url: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let address = url.trim_start_matches("http://");
    let (host, path) = address.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(stream, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    serde_json::from_str(response.split("\r\n\r\n").nth(1).unwrap()).unwrap()
}

/// Runs Python `code` against the server at `endpoint`, with `ecs` a boto3 ECS client of us-east-1.
pub fn run_boto3(python: &Path, endpoint: &str, code: &str) {
    let prelude = "import boto3, sys; ecs = boto3.client('ecs', endpoint_url=sys.argv[1], \
                   region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')";
    run_python(python, ["-c", &format!("{prelude}\n{code}"), endpoint]);
}
