//! Running `mhub` and its hubs from tests.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

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
    /// Where its stderr (the log) goes.
    log_path: PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The rest of its stdout.
    pub stdout: BufReader<ChildStdout>,
}

impl Server {
    /// Start `mhub serve` on a free port; its log goes to `DIR.serve.log`.
    pub fn start(data_dir: &Path) -> Server {
        Server::start_with(data_dir, &[])
    }

    /// [`Server::start`] with more `serve` arguments (`--database-url URL`).
    pub fn start_with(data_dir: &Path, args: &[&str]) -> Server {
        let log_path = data_dir.with_extension("serve.log");
        let log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .unwrap();
        let mut child = mhub()
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(args)
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
            log_path,
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

    /// The log so far (of this and earlier servers of the data directory).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Whether the process is still running (it has not exited or crashed).
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// A plain HTTP GET without a key: the status code and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        request(
            &self.url,
            "GET",
            path,
            None,
            None,
            b"",
            Duration::from_secs(120),
        )
        .expect("the hub answers")
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
        TestHub::spawn_with(&[])
    }

    /// `init`, then `serve`, both with these extra arguments
    /// (`--database-url URL`: the admin key lives in the database).
    pub fn spawn_with(args: &[&str]) -> TestHub {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let output = run(mhub()
            .args(["init", "--json", "--data-dir"])
            .arg(&data_dir)
            .args(args));
        let admin_key = json_lines(&output)[0]["admin_key"]
            .as_str()
            .expect("a fresh directory gets an admin key")
            .to_owned();
        let server = Server::start_with(&data_dir, args);
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

    /// `mhub keys create --role subscriber --json` → the key.
    pub fn subscriber_key(&self) -> String {
        self.key(&["--role", "subscriber"])
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
    hub_with_samples_on(TestHub::spawn())
}

/// [`hub_with_samples`] on a hub already started (on PostgreSQL, say).
pub fn hub_with_samples_on(hub: TestHub) -> (TestHub, BTreeMap<&'static str, String>, String) {
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

/// `mhub blacklist report --file samples/blacklist.jsonl --json` with `key`:
/// one result per entry.
pub fn report_sample_blacklist(hub: &TestHub, key: &str) -> Vec<Value> {
    json_lines(&run(hub.mhub(key).args([
        "blacklist",
        "report",
        "--file",
        samples().join("blacklist.jsonl").to_str().unwrap(),
        "--json",
    ])))
}

/// `mhub blacklist approve ID --note 核实` with `key` for every reported entry.
pub fn approve_entries(hub: &TestHub, key: &str, reported: &[Value]) {
    for entry in reported {
        let id = entry["id"].as_i64().unwrap().to_string();
        json_lines(&run(hub.mhub(key).args([
            "blacklist",
            "approve",
            &id,
            "--note",
            "核实",
            "--json",
        ])));
    }
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

/// One HTTP/1.1 request to `base` (`http://HOST:PORT`), written by hand so
/// nothing between the test and the hub retries or hides a failure: the
/// status and the (de-chunked) body. An `Err` is a connection the hub
/// refused or cut, or no answer within `timeout`: what a client sees of a
/// crashed or hung hub.
pub fn request(
    base: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
    timeout: Duration,
) -> std::io::Result<(u16, String)> {
    let address = base.strip_prefix("http://").unwrap();
    let socket = address
        .parse()
        .map_err(|_| std::io::Error::other("not HOST:PORT"))?;
    let mut stream = TcpStream::connect_timeout(&socket, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    if let Some(key) = key {
        // The tests read as a risk team investigating (SPEC §9).
        head.push_str(&format!(
            "Authorization: Bearer {key}\r\nMhub-Purpose: investigation\r\n"
        ));
    }
    if let Some(content_type) = content_type {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let (status, _, body) = read_response(&mut stream)?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Status, header lines and (de-chunked) body of an HTTP/1.1 response
/// read to the end of the connection.
pub fn read_response(stream: &mut TcpStream) -> std::io::Result<(u16, Vec<String>, Vec<u8>)> {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<String> = lines.map(str::to_owned).collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|h| {
        h.to_ascii_lowercase()
            .replace(' ', "")
            .starts_with("transfer-encoding:chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Ok((status, headers, body))
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 2 + size + 2..];
    }
    out
}

/// Poll `check` until it gives a value, or panic after `limit` naming
/// `what`. Deadlines are generous: a loaded 2-core machine is slow, and a
/// test waits for a condition, never for a fixed time.
pub fn wait_for<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A small seeded generator (SplitMix64) for the random kill points and
/// schedules of the reliability tests: no dependency, and the same seed
/// replays the same choices.
pub struct Rng(u64);

impl Rng {
    /// Seeded from `MHUB_RELIABILITY_SEED`, or from the clock; the seed is
    /// printed so a failing run can be replayed with it.
    pub fn from_env(test: &str) -> Rng {
        let seed = std::env::var("MHUB_RELIABILITY_SEED")
            .ok()
            .map(|s| s.parse().expect("MHUB_RELIABILITY_SEED is a u64"))
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{test}: seed {seed} (replay with MHUB_RELIABILITY_SEED={seed})");
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `range` (half-open).
    pub fn below(&mut self, range: std::ops::Range<u64>) -> u64 {
        range.start + self.next_u64() % (range.end - range.start)
    }

    /// A duration between `min` and `max` milliseconds.
    pub fn millis(&mut self, min: u64, max: u64) -> Duration {
        Duration::from_millis(self.below(min..max + 1))
    }
}

/// A PostgreSQL cluster of one test's own, in a temporary directory, on a
/// free port: a test may stop and start it without disturbing the server
/// the other tests share. As root (CI), the server runs as the `postgres`
/// user, because initdb refuses to run as root (scripts/test.sh does the
/// same).
pub struct PgCluster {
    bin: PathBuf,
    dir: TempDir,
    port: u16,
    as_root: bool,
}

/// Whether a test of its own PostgreSQL cluster should run: where
/// scripts/test.sh provides PostgreSQL (it sets both variables), or says it
/// must. Elsewhere (a plain `cargo nextest run`) the test says it skipped.
pub fn postgres_available() -> bool {
    let available = std::env::var_os("MHUB_TEST_PG_URL").is_some()
        || std::env::var_os("MHUB_REQUIRE_PG").is_some();
    if !available {
        eprintln!("skipped: no PostgreSQL (scripts/test.sh provides one)");
    }
    available
}

impl PgCluster {
    /// initdb and start. The binaries come from `MHUB_PGBIN`, else the
    /// newest /usr/lib/postgresql/*/bin.
    pub fn start() -> PgCluster {
        let bin = std::env::var_os("MHUB_PGBIN")
            .map(PathBuf::from)
            .or_else(|| {
                let mut bins: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
                    .ok()?
                    .flatten()
                    .map(|e| e.path().join("bin"))
                    .filter(|bin| bin.join("initdb").exists())
                    .collect();
                bins.sort_by_key(|bin| {
                    let version = bin.parent().and_then(|v| v.file_name());
                    version.and_then(|v| v.to_str()?.parse::<u32>().ok())
                });
                bins.pop()
            })
            .expect("PostgreSQL server binaries: set MHUB_PGBIN or install postgresql");
        let id = Command::new("id").arg("-u").output().unwrap();
        let as_root = String::from_utf8_lossy(&id.stdout).trim() == "0";
        let dir = tempfile::Builder::new()
            .prefix("mhub-pg")
            .tempdir()
            .unwrap();
        if as_root {
            let chown = Command::new("chown")
                .arg("postgres")
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(chown.success(), "chown the cluster directory to postgres");
        }
        // A port nobody listens on now; PostgreSQL binds it a moment later.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = PgCluster {
            bin,
            dir,
            port,
            as_root,
        };
        let data = cluster.data();
        cluster.pg(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        );
        cluster.start_server();
        cluster
    }

    /// The URL of its `postgres` database (the cluster is the test's own,
    /// so the hub may use the default database).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl start`, waiting until it accepts connections.
    pub fn start_server(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c max_connections=100",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        let (data, log) = (self.data(), log.display().to_string());
        self.pg(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-w", "-t", "120", "-o", &options, "start",
            ],
        );
    }

    /// `pg_dump` of the `postgres` database: every row, as a backup holds it.
    pub fn dump(&self) -> Vec<u8> {
        let port = self.port.to_string();
        let output = run(self.command("pg_dump").args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "postgres",
            "postgres",
        ]));
        assert!(output.status.success(), "pg_dump: {}", stderr(&output));
        output.stdout
    }

    /// `pg_ctl stop -m immediate`: every backend killed at once, no
    /// checkpoint, as a crashed server looks to its clients.
    pub fn stop_immediate(&self) {
        let data = self.data();
        self.pg("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Run a PostgreSQL program to success.
    fn pg(&self, program: &str, args: &[&str]) {
        let output = run(self.command(program).args(args));
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            stdout(&output),
            stderr(&output)
        );
    }

    /// A PostgreSQL program, run as `postgres` when we are root.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_root {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        // Whatever state the test left it in: stopped or not, it goes.
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .args(["-D", &data, "-m", "immediate", "stop"])
            .output();
    }
}
