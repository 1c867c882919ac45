//! Crash safety: concurrent writes (personal tokens, get-or-create, updates, deletions) against
//! `grantd serve`, killed with SIGKILL mid-load and restarted on the same database. Every write
//! that was acknowledged with a 2xx must be reflected in the store, and nothing else may be: no
//! lost and no phantom writes. Writes whose answer never came (in flight at the kill) may have
//! happened or not.

use crate::helpers::{fresh_database, run_grantd};
use grantd_core::secret::MasterKey;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";
const WORKERS: usize = 4;

#[derive(Default, Debug)]
struct Journal {
    /// Acknowledged creations: note or fingerprint → id.
    created: HashMap<String, i64>,
    /// Creations without an answer.
    created_maybe: HashSet<String>,
    /// Acknowledged deletions.
    deleted: HashSet<i64>,
    /// Deletions without an answer.
    deleted_maybe: HashSet<i64>,
    /// Last acknowledged note_url per id, and later unanswered ones.
    updated: HashMap<i64, String>,
    updated_maybe: HashMap<i64, HashSet<String>>,
    acknowledged: usize,
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start(db: &str, key: &str, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_grantd"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            db,
            "--rate-limit",
            "0",
        ])
        .args(["--rate-limit-anonymous", "0"])
        .env("GRANTD_MASTER_KEY", key)
        .env("GRANTD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("http://127.0.0.1:{port}/")).await.is_err() {
        assert!(Instant::now() < deadline, "grantd serve did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server(child)
}

async fn worker(w: usize, base: String, client_id: String, secret: String, journal: Arc<Mutex<Journal>>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut mine: Vec<i64> = Vec::new();
    for i in 0.. {
        let op = i % 4;
        match op {
            0 | 1 => {
                let (key, request) = if op == 0 {
                    let note = format!("w{w}-n{i}");
                    (
                        note.clone(),
                        http.post(format!("{base}/authorizations")).json(&json!({"note": note})),
                    )
                } else {
                    let fp = format!("w{w}-f{i}");
                    let url = format!("{base}/authorizations/clients/{client_id}/{fp}");
                    (fp, http.put(url).json(&json!({"client_secret": secret})))
                };
                journal.lock().unwrap().created_maybe.insert(key.clone());
                let Ok(r) = request.basic_auth("alice", Some(PASSWORD)).send().await else {
                    return;
                };
                let status = r.status().as_u16();
                let Ok(body) = r.json::<Value>().await else { return };
                assert!(status == 201, "create answered {status}: {body}");
                let id = body["id"].as_i64().unwrap();
                let mut j = journal.lock().unwrap();
                j.created_maybe.remove(&key);
                j.created.insert(key, id);
                j.acknowledged += 1;
                if op == 0 {
                    mine.push(id);
                }
            }
            2 => {
                let Some(&id) = mine.last() else { continue };
                let url = format!("https://example.com/{w}/{i}");
                journal
                    .lock()
                    .unwrap()
                    .updated_maybe
                    .entry(id)
                    .or_default()
                    .insert(url.clone());
                let request = http
                    .patch(format!("{base}/authorizations/{id}"))
                    .json(&json!({"note_url": url}));
                let Ok(r) = request.basic_auth("alice", Some(PASSWORD)).send().await else {
                    return;
                };
                let status = r.status().as_u16();
                if r.bytes().await.is_err() {
                    return;
                }
                assert_eq!(status, 200);
                let mut j = journal.lock().unwrap();
                j.updated_maybe.entry(id).or_default().remove(&url);
                j.updated.insert(id, url);
                j.acknowledged += 1;
            }
            _ => {
                if mine.len() < 2 {
                    continue;
                }
                let id = mine.remove(0);
                journal.lock().unwrap().deleted_maybe.insert(id);
                let request = http.delete(format!("{base}/authorizations/{id}"));
                let Ok(r) = request.basic_auth("alice", Some(PASSWORD)).send().await else {
                    return;
                };
                assert_eq!(r.status().as_u16(), 204);
                let mut j = journal.lock().unwrap();
                j.deleted_maybe.remove(&id);
                j.deleted.insert(id);
                j.acknowledged += 1;
            }
        }
    }
}

async fn acknowledged_writes_survive_sigkill_and_nothing_else_appears() {
    let (db, _guard) = fresh_database().await;
    let key = MasterKey::generate().to_hex();
    let env = [("GRANTD_MASTER_KEY", key.as_str())];
    let (ok, _, err) = run_grantd(
        &["user", "add", "alice", "--password-stdin", "--database-url", &db],
        &env,
        Some(PASSWORD),
    );
    assert!(ok, "{err}");
    let (ok, out, err) = run_grantd(
        &[
            "app",
            "add",
            "--name",
            "A",
            "--url",
            "https://a.example",
            "--json",
            "--database-url",
            &db,
        ],
        &env,
        None,
    );
    assert!(ok, "{err}");
    let app: Value = serde_json::from_str(out.trim()).unwrap();
    let (client_id, secret) = (
        app["client_id"].as_str().unwrap().to_owned(),
        app["client_secret"].as_str().unwrap().to_owned(),
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(&db, &key, port).await;
    let journal = Arc::new(Mutex::new(Journal::default()));
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            tokio::spawn(worker(
                w,
                base.clone(),
                client_id.clone(),
                secret.clone(),
                journal.clone(),
            ))
        })
        .collect();
    // Kill once a fair amount of writes went through, mid-load.
    let deadline = Instant::now() + Duration::from_secs(60);
    while journal.lock().unwrap().acknowledged < 150 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    for w in workers {
        w.await.unwrap();
    }
    drop(server);

    let _restarted = start(&db, &key, port).await;
    let http = reqwest::Client::new();
    let mut stored: HashMap<i64, Value> = HashMap::new();
    for page in 1.. {
        let items: Vec<Value> = http
            .get(format!("{base}/authorizations?per_page=100&page={page}"))
            .basic_auth("alice", Some(PASSWORD))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if items.is_empty() {
            break;
        }
        for item in items {
            stored.insert(item["id"].as_i64().unwrap(), item);
        }
    }

    let j = journal.lock().unwrap();
    let mut lost = Vec::new();
    for (key, id) in &j.created {
        let gone = j.deleted.contains(id) || j.deleted_maybe.contains(id);
        if !gone && !stored.contains_key(id) {
            lost.push(format!("created {key} (id {id})"));
        }
    }
    for id in &j.deleted {
        if stored.contains_key(id) {
            lost.push(format!("deleted id {id} is back"));
        }
    }
    for (id, url) in &j.updated {
        if let Some(item) = stored.get(id) {
            let found = item["note_url"].as_str().unwrap_or("");
            let later = j.updated_maybe.get(id).is_some_and(|m| m.contains(found));
            if found != url && !later {
                lost.push(format!("update of {id} to {url} lost: {found}"));
            }
        }
    }
    let mut phantoms = Vec::new();
    for (id, item) in &stored {
        let key = item["note"]
            .as_str()
            .or(item["fingerprint"].as_str())
            .unwrap_or("")
            .to_owned();
        let known = j.created.get(&key) == Some(id) || j.created_maybe.contains(&key);
        if !known {
            phantoms.push(format!("{id} {key}"));
        }
    }
    println!(
        "crash safety: {} writes acknowledged before SIGKILL ({} creations, {} updates, {} deletions), {} in flight; \
         after restart {} authorizations stored, {} lost, {} phantom",
        j.acknowledged,
        j.created.len(),
        j.updated.len(),
        j.deleted.len(),
        j.created_maybe.len() + j.deleted_maybe.len() + j.updated_maybe.values().map(HashSet::len).sum::<usize>(),
        stored.len(),
        lost.len(),
        phantoms.len()
    );
    assert!(lost.is_empty(), "lost writes: {lost:#?}");
    assert!(phantoms.is_empty(), "phantom writes: {phantoms:#?}");
}

store_tests!(acknowledged_writes_survive_sigkill_and_nothing_else_appears);
