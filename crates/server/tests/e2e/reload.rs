//! The resume file edited under a running server: the next answer uses the new text; a broken
//! edit keeps the previous version.

use std::time::Duration;

use crate::helpers::{Backend, RecordingLlm, TestApp, TestDb, resume_path, settings};

async fn wait_for_name(app: &TestApp, name: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (_, body) = app.get_json("/api/resume").await;
        if body["name"] == name {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the resume was not reloaded: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Writes `text` the way editors save: a new file renamed over the old one.
fn save(path: &std::path::Path, text: &str) {
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, text).unwrap();
    std::fs::rename(&temporary, path).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_resume_is_used_by_the_next_answer_and_a_broken_edit_is_ignored() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("resume.json");
    let original = std::fs::read_to_string(resume_path()).unwrap();
    std::fs::write(&file, &original).unwrap();
    let llm = RecordingLlm::new("Noted.", Duration::ZERO);
    let path = file.display().to_string();
    let app = TestApp::spawn(
        settings(&db.url, &[("RESUME_PATH", path.as_str())]),
        Some(llm.clone()),
    )
    .await;
    let mut ws = app.connect(None).await;
    ws.recv().await;
    ws.ask("Who is this?").await;
    assert!(llm.last_prompt()[0].1.contains("Maya Lindqvist"));

    let edited = original
        .replace("Maya Lindqvist", "Maya Lindqvist-Berg")
        .replace("\"Kubernetes\"", "\"Kubernetes\", \"Nomad\"");
    save(&file, &edited);
    wait_for_name(&app, "Maya Lindqvist-Berg").await;
    ws.ask("Who is this now?").await;
    let system = llm.last_prompt()[0].1.clone();
    assert!(
        system.contains("Maya Lindqvist-Berg") && system.contains("Nomad"),
        "{system}"
    );

    // A broken edit: the previous version goes on being served.
    save(&file, "{ \"name\": \"Half a resu");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (_, body) = app.get_json("/api/resume").await;
    assert_eq!(body["name"], "Maya Lindqvist-Berg", "{body}");
    ws.ask("Still there?").await;
    assert!(llm.last_prompt()[0].1.contains("Nomad"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_offline_answerer_answers_from_the_edited_resume() {
    let db = TestDb::new(Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("resume.json");
    let original = std::fs::read_to_string(resume_path()).unwrap();
    std::fs::write(&file, &original).unwrap();
    let path = file.display().to_string();
    let app = TestApp::spawn(settings(&db.url, &[("RESUME_PATH", path.as_str())]), None).await;
    let mut ws = app.connect(None).await;
    ws.recv().await;
    let before = ws.ask("What certifications does she have?").await;
    assert!(
        !before.response["response"]
            .as_str()
            .unwrap()
            .contains("Zeppelin Pilot"),
        "{}",
        before.response
    );

    let mut document: serde_json::Value = serde_json::from_str(&original).unwrap();
    document["certifications"] = serde_json::json!([
        {"name": "Certified Zeppelin Pilot", "issuer": "Airship Guild", "date": "2025-05"}
    ]);
    save(&file, &document.to_string());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let answer = ws.ask("What certifications does she have?").await;
        if answer.response["response"]
            .as_str()
            .unwrap()
            .contains("Zeppelin Pilot")
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}",
            answer.response
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.stop().await;
}
