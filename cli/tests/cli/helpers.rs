//! Running `mhub` and its hubs from tests.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// The `mhub` binary with no `MHUB_*` settings inherited from the environment.
pub fn mhub() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mhub"));
    for name in [
        "MHUB_URL",
        "MHUB_KEY",
        "MHUB_CONFIG",
        "MHUB_DATA_DIR",
        "MHUB_LISTEN",
        "MHUB_DATABASE_URL",
        "MHUB_LOG_FORMAT",
        "MHUB_PURPOSE",
    ] {
        command.env_remove(name);
    }
    command
}

/// Run a command to completion and capture its output.
pub fn run(command: &mut Command) -> Output {
    command.output().expect("mhub runs")
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Assert success and parse stdout as JSON lines.
pub fn json_lines(output: &Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "mhub failed ({}):\nstdout: {}\nstderr: {}",
        output.status,
        stdout(output),
        stderr(output)
    );
    parse_lines(output)
}

/// Parse stdout as JSON lines, whatever the exit status.
pub fn parse_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// `mhub init --data-dir DIR --json` → the admin key (or null).
pub fn init(data_dir: &Path) -> Option<String> {
    let output = run(mhub().args(["init", "--json", "--data-dir"]).arg(data_dir));
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0]["admin_key"].as_str().map(str::to_owned)
}

/// A running `mhub serve` child, killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The rest of its stdout.
    pub stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Start `mhub serve` on a free port; its log goes to `DIR.serve.log`.
    pub fn start(data_dir: &Path) -> Server {
        let log_path = data_dir.with_extension("serve.log");
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .unwrap();
        let mut child = mhub()
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("mhub serve starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let Some(url) = first.trim().strip_prefix("mhub listening on ") else {
            let _ = child.kill();
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("unexpected first line {first:?}; log:\n{log}");
        };
        Server {
            url: url.to_owned(),
            child,
            stdout,
        }
    }

    /// The next line the server printed.
    pub fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim_end().to_owned()
    }

    /// SIGKILL, as `kill -9` does, and reap the process.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, as a supervisor stops a service; the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.child.wait().unwrap()
    }

    /// A plain HTTP GET (no client library, so nothing can hide a failure):
    /// the status code and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let address = self.url.strip_prefix("http://").unwrap();
        let mut stream = TcpStream::connect(address).expect("the hub accepts connections");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh data directory with a running hub and its admin key.
pub struct TestHub {
    /// Holds the data directory and test files.
    pub dir: TempDir,
    /// The running hub.
    pub server: Server,
    /// The first admin key.
    pub admin_key: String,
}

impl TestHub {
    /// `init`, then `serve`.
    pub fn spawn() -> TestHub {
        let dir = tempfile::tempdir().unwrap();
        let admin_key =
            init(&dir.path().join("data")).expect("a fresh directory gets an admin key");
        let server = Server::start(&dir.path().join("data"));
        TestHub {
            dir,
            server,
            admin_key,
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `mhub` pointed at this hub with `key` (through the environment, as scripts do).
    pub fn mhub(&self, key: &str) -> Command {
        let mut command = mhub();
        command
            .env("MHUB_URL", &self.server.url)
            .env("MHUB_KEY", key)
            // The tests read as a risk team investigating; tests of the
            // purpose rule itself remove it.
            .env("MHUB_PURPOSE", "investigation");
        command
    }

    /// `mhub keys create --role acquirer --acquirer CODE --json` → the key.
    pub fn acquirer_key(&self, code: &str) -> String {
        self.key(&["--role", "acquirer", "--acquirer", code])
    }

    /// `mhub keys create --role analyst --json` → the key.
    pub fn analyst_key(&self) -> String {
        self.key(&["--role", "analyst"])
    }

    fn key(&self, args: &[&str]) -> String {
        let output = run(self
            .mhub(&self.admin_key)
            .args(["keys", "create", "--json"])
            .args(args));
        let lines = json_lines(&output);
        lines[0]["key"].as_str().expect("a key").to_owned()
    }

    /// Write `text` to a file in the test directory.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// The committed `samples/` folder (SPEC §11's ACQ01…ACQ03 batches).
pub fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

/// The acquirers of the committed samples.
pub const ACQUIRERS: [&str; 3] = ["ACQ01", "ACQ02", "ACQ03"];

/// A hub with every sample acquirer folder uploaded with its own key:
/// the hub, the acquirer keys by code, an analyst key.
pub fn hub_with_samples() -> (TestHub, BTreeMap<&'static str, String>, String) {
    let hub = TestHub::spawn();
    let keys: BTreeMap<_, _> = ACQUIRERS
        .into_iter()
        .map(|code| (code, hub.acquirer_key(code)))
        .collect();
    for (code, result) in upload_samples(&hub, &keys) {
        assert_eq!(result["replayed"], false, "{code}: {result}");
    }
    let analyst = hub.analyst_key();
    (hub, keys, analyst)
}

/// `mhub upload samples/ACQnn --json` for every acquirer: each one's result.
pub fn upload_samples(
    hub: &TestHub,
    keys: &BTreeMap<&'static str, String>,
) -> Vec<(&'static str, Value)> {
    keys.iter()
        .map(|(code, key)| {
            let output = run(hub
                .mhub(key)
                .arg("upload")
                .arg(samples().join(code))
                .arg("--json"));
            let results = json_lines(&output);
            assert_eq!(results.len(), 1, "{code}: {results:?}");
            (*code, results[0].clone())
        })
        .collect()
}

/// The legal representative's ID number exactly as the committed samples
/// write it for this merchant (ACQ01 and ACQ03 are JSONL, ACQ02 is CSV).
pub fn sample_legal_rep_id(acquirer: &str, merchant_id: &str) -> String {
    let folder = samples().join(acquirer);
    let jsonl = folder.join("merchants.jsonl");
    if jsonl.exists() {
        let text = std::fs::read_to_string(&jsonl).unwrap();
        for line in text.lines() {
            let Ok(row) = serde_json::from_str::<Value>(line) else {
                continue; // the samples plant a few broken rows
            };
            if row["merchant_id"] == merchant_id {
                return row["legal_rep"]["id_number"].as_str().unwrap().to_owned();
            }
        }
    } else {
        let mut reader = csv::Reader::from_path(folder.join("merchants.csv")).unwrap();
        let header = reader.headers().unwrap().clone();
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (id, rep) = (column("merchant_id"), column("legal_rep_id_number"));
        for row in reader.records() {
            let row = row.unwrap();
            if &row[id] == merchant_id {
                return row[rep].to_owned();
            }
        }
    }
    panic!("{acquirer}/{merchant_id} is not in the samples");
}

/// The members of the first case of this type and subtype in
/// samples/truth.json, as (acquirer, merchant_id).
pub fn truth_case(case_type: &str, subtype: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(samples().join("truth.json")).unwrap();
    let truth: Value = serde_json::from_str(&text).unwrap();
    let case = truth["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == case_type && c["subtype"] == subtype)
        .unwrap_or_else(|| panic!("no {case_type}/{subtype} case in truth.json"));
    case["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let field = |name: &str| m[name].as_str().unwrap().to_owned();
            (field("acquirer"), field("merchant_id"))
        })
        .collect()
}

/// A valid merchant row (SPEC §3) with this merchant id; the identifiers
/// pass their check digits.
pub fn merchant_row(merchant_id: &str) -> String {
    serde_json::json!({
        "merchant_id": merchant_id,
        "name": "北京市老王烟酒商行",
        "mcc": "5411",
        "address": "北京市朝阳区建国路88号",
        "legal_rep": {
            "name": "王伟",
            "id_type": "resident_id",
            "id_number": "11010519491231002X",
            "phone": "13800138000"
        },
        "settlement_account": {"number": "6217000000000000004", "name": "王伟", "bank": "建设银行"}
    })
    .to_string()
}

/// A JSONL batch of valid rows `PREFIX000001` … .
pub fn valid_rows(prefix: &str, count: usize) -> String {
    (1..=count)
        .map(|i| merchant_row(&format!("{prefix}{i:06}")) + "\n")
        .collect()
}
