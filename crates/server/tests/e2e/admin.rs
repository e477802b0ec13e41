//! The owner's area over real HTTP: absent without `ADMIN_TOKEN`; with it, open only to the
//! token (bearer header, or the cookie of the sign-in form), rate limited, safe from other sites.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use serde_json::Value;

use crate::helpers::{Backend, TestApp, TestDb, settings};

const TOKEN: &str = "owner-token-0123456789abcdef-0123456789abcdef";
const QUESTION: &str = "Which languages does Maya speak?";

/// A server on SQLite, with or without the owner's area, that holds one answered question.
async fn app_with_one_conversation(token: Option<&str>) -> Option<(TestApp, TestDb, String)> {
    let db = TestDb::new(Backend::Sqlite).await?;
    let extra: Vec<(&str, &str)> = token.map(|t| ("ADMIN_TOKEN", t)).into_iter().collect();
    let app = TestApp::spawn(settings(&db.url, &extra), None).await;
    let mut ws = app.connect(None).await;
    let hello = ws.recv().await;
    let session = hello["session_id"].as_str().unwrap().to_owned();
    ws.ask(QUESTION).await;
    Some((app, db, session))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

fn bearer(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    headers
}

/// `GET path` with the owner's token.
async fn owner_get(app: &TestApp, path: &str) -> reqwest::Response {
    client()
        .get(app.url(path))
        .headers(bearer(TOKEN))
        .send()
        .await
        .unwrap()
}

/// The JSON body of `GET path` with the owner's token.
async fn owner_json(app: &TestApp, path: &str) -> Value {
    owner_get(app, path).await.json().await.unwrap()
}

/// Every route of the owner's area, as (method, path).
fn owner_routes(session: &str) -> Vec<(reqwest::Method, String)> {
    use reqwest::Method;
    vec![
        (Method::GET, "/admin".into()),
        (Method::GET, "/admin/static/admin.js".into()),
        (Method::POST, "/admin/sign-in".into()),
        (Method::POST, "/admin/sign-out".into()),
        (Method::GET, "/api/admin/conversations".into()),
        (Method::GET, format!("/api/admin/conversations/{session}")),
        (
            Method::DELETE,
            format!("/api/admin/conversations/{session}"),
        ),
        (Method::GET, "/api/admin/conversations?q=Maya".into()),
        (Method::GET, "/api/admin/export?format=jsonl".into()),
        (Method::GET, "/api/admin/export?format=csv".into()),
        (Method::GET, "/api/admin/unanswered".into()),
        (Method::GET, "/api/admin/topics".into()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_the_owner_area_does_not_exist() {
    let Some((app, _db, session)) = app_with_one_conversation(None).await else {
        return;
    };
    let http = client();
    let unknown = http.get(app.url("/no-such-page")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let unknown_body = unknown.bytes().await.unwrap();
    for (method, path) in owner_routes(&session) {
        let response = http
            .request(method.clone(), app.url(&path))
            .headers(bearer(TOKEN))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
        let body = response.bytes().await.unwrap();
        assert_eq!(body, unknown_body, "{method} {path}: as any unknown path");
    }
    // The conversation is still there.
    let (status, _) = app
        .get_json(&format!("/api/sessions/{session}/messages"))
        .await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_area_answers_the_token_only() {
    let Some((app, _db, session)) = app_with_one_conversation(Some(TOKEN)).await else {
        return;
    };
    let http = client();

    // Without the token, or with a wrong one: 401, no data, nothing erased, nothing cached.
    for headers in [HeaderMap::new(), bearer("not-the-token"), bearer("")] {
        for (method, path) in owner_routes(&session) {
            if path.starts_with("/admin") {
                continue;
            }
            let response = http
                .request(method.clone(), app.url(&path))
                .headers(headers.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path}"
            );
            assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
            assert!(response.headers().contains_key("www-authenticate"));
            let body = response.text().await.unwrap();
            assert!(!body.contains("Maya"), "{path} leaked: {body}");
            assert!(!body.contains(&session), "{path} leaked: {body}");
        }
    }
    let (status, _) = app
        .get_json(&format!("/api/sessions/{session}/messages"))
        .await;
    assert_eq!(status, 200, "nothing was erased");

    // With the token: the list, the transcript, both exports.
    let list = owner_json(&app, "/api/admin/conversations").await;
    assert_eq!(list["conversations"][0]["session_id"], session.as_str());
    assert_eq!(list["conversations"][0]["questions"], 1);
    assert_eq!(list["conversations"][0]["first_question"], QUESTION);
    assert_eq!(list["next"], Value::Null);

    let transcript = owner_get(&app, &format!("/api/admin/conversations/{session}")).await;
    assert_eq!(transcript.headers()["cache-control"], "no-store");
    let transcript: Value = transcript.json().await.unwrap();
    assert_eq!(transcript["messages"][0]["content"], QUESTION);
    assert_eq!(transcript["messages"][1]["role"], "assistant");

    let jsonl = owner_get(&app, "/api/admin/export?format=jsonl").await;
    assert_eq!(jsonl.headers()["content-type"], "application/x-ndjson");
    let jsonl = jsonl.text().await.unwrap();
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["messages"][0]["content"], QUESTION);

    let csv = owner_get(&app, "/api/admin/export?format=csv")
        .await
        .text()
        .await
        .unwrap();
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some(
            "session_id,conversation_created_at,message_created_at,role,content,finish_reason,model"
        )
    );
    assert!(rows.next().unwrap().contains(QUESTION), "{csv}");

    // Search by a word of the question.
    for (q, expected) in [("languages", 1), ("LANGUAGES maya", 1), ("kubernetes", 0)] {
        let found = owner_json(&app, &format!("/api/admin/conversations?q={q}")).await;
        assert_eq!(
            found["conversations"].as_array().unwrap().len(),
            expected,
            "{q}"
        );
    }

    // Bad paging parameters are refused, not guessed at.
    let long_search = format!("q={}", "a".repeat(201));
    for query in [
        "limit=0",
        "limit=201",
        "after=nonsense",
        "limit=x",
        long_search.as_str(),
    ] {
        let response = owner_get(&app, &format!("/api/admin/conversations?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }

    // Delete.
    let deleted = http
        .delete(app.url(&format!("/api/admin/conversations/{session}")))
        .headers(bearer(TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (status, _) = app
        .get_json(&format!("/api/sessions/{session}/messages"))
        .await;
    assert_eq!(status, 404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_tokens_are_rate_limited_per_client() {
    let Some((app, _db, _session)) = app_with_one_conversation(Some(TOKEN)).await else {
        return;
    };
    let http = client();
    let mut limited_after = None;
    for attempt in 1..=200 {
        let response = http
            .get(app.url("/api/admin/conversations"))
            .headers(bearer(&format!("guess-{attempt}")))
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().contains_key("retry-after"));
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["code"], "RATE_LIMIT_EXCEEDED");
            limited_after = Some(attempt);
            break;
        }
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let limited_after = limited_after.expect("guessing is rate limited");
    assert!(
        limited_after > 10,
        "a few mistakes are allowed: {limited_after}"
    );

    // Once limited, even the right token waits: guessing cannot go faster by getting lucky.
    let right = http
        .get(app.url("/api/admin/conversations"))
        .headers(bearer(TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    // The sign-in form shares the budget.
    let form = http
        .post(app.url("/admin/sign-in"))
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::SEE_OTHER);
    assert_eq!(form.headers()["location"], "/admin?signin=wait");
    assert!(!form.headers().contains_key("set-cookie"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_cookie_is_strict_and_other_sites_cannot_use_it() {
    let Some((app, _db, session)) = app_with_one_conversation(Some(TOKEN)).await else {
        return;
    };
    let http = client();
    let own_origin = app.url("");

    // A form of another site cannot sign in, even with the right token.
    let cross = http
        .post(app.url("/admin/sign-in"))
        .header("origin", "https://evil.example")
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    assert!(!cross.headers().contains_key("set-cookie"));

    // A wrong token goes back to the form.
    let wrong = http
        .post(app.url("/admin/sign-in"))
        .header("origin", &own_origin)
        .form(&[("token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::SEE_OTHER);
    assert_eq!(wrong.headers()["location"], "/admin?signin=failed");
    assert!(!wrong.headers().contains_key("set-cookie"));

    let signed_in = http
        .post(app.url("/admin/sign-in"))
        .header("origin", &own_origin)
        .form(&[("token", TOKEN)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()["location"], "/admin");
    assert_eq!(signed_in.headers()["cache-control"], "no-store");
    let set_cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Max-Age=43200"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(
        !set_cookie.contains(TOKEN),
        "the token itself is not the cookie"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();

    let list = http
        .get(app.url("/api/admin/conversations"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK);

    // A page of another site asking to delete with the owner's cookie is refused.
    let delete = app.url(&format!("/api/admin/conversations/{session}"));
    let forged = http
        .delete(&delete)
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let forged = http
        .delete(&delete)
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let (status, _) = app
        .get_json(&format!("/api/sessions/{session}/messages"))
        .await;
    assert_eq!(status, 200, "nothing was erased");

    let own = http
        .delete(&delete)
        .header("cookie", &cookie)
        .header("origin", &own_origin)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::NO_CONTENT);

    // A tampered cookie is no cookie.
    let tampered = format!("{cookie}0");
    let response = http
        .get(app.url("/api/admin/conversations"))
        .header("cookie", tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Signing out removes the cookie.
    let out = http
        .post(app.url("/admin/sign-out"))
        .header("cookie", &cookie)
        .header("origin", &own_origin)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let removal = out.headers()["set-cookie"].to_str().unwrap();
    assert!(removal.contains("Max-Age=0"), "{removal}");
    app.stop().await;
}

/// The unanswered questions the owner sees, as (question, count).
async fn unanswered(app: &TestApp) -> Vec<(String, u64)> {
    let body = owner_json(app, "/api/admin/unanswered").await;
    body["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["question"].as_str().unwrap().to_owned(),
                q["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_the_offline_answerer_found_nothing_for_are_listed() {
    let Some((app, _db, _session)) = app_with_one_conversation(Some(TOKEN)).await else {
        return;
    };
    let mut ws = app.connect(None).await;
    ws.recv().await;
    for question in [
        "What is her favourite pizza topping?",
        "what is her FAVOURITE pizza topping",
    ] {
        let answer = ws.ask(question).await;
        let text = answer.response["response"].as_str().unwrap().to_owned();
        assert!(text.starts_with("The resume does not say"), "{text}");
        assert_eq!(answer.deltas.concat(), text, "no marker reaches the client");
    }
    assert_eq!(
        unanswered(&app).await,
        [("what is her FAVOURITE pizza topping".to_owned(), 2)],
        "the answered question ({QUESTION}) is not listed; the two wordings are one"
    );

    // What visitors ask about, by section: the first question was about languages; the
    // pizza questions match no section.
    let topics = owner_json(&app, "/api/admin/topics").await;
    assert_eq!(
        topics["topics"][0]["section"], "Spoken languages",
        "{topics}"
    );
    assert_eq!(topics["topics"][0]["questions"], 1, "{topics}");
    assert_eq!(
        topics["topics"].as_array().map(Vec::len),
        Some(1),
        "{topics}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_a_model_marked_as_not_in_the_resume_are_listed() {
    let Some(db) = TestDb::new(Backend::Sqlite).await else {
        return;
    };
    let llm = crate::helpers::RecordingLlm::new(
        "[NOT_IN_RESUME] The resume does not say what she thinks of pineapple.",
        std::time::Duration::ZERO,
    );
    let app = TestApp::spawn(
        settings(&db.url, &[("ADMIN_TOKEN", TOKEN)]),
        Some(llm.clone()),
    )
    .await;
    let mut ws = app.connect(None).await;
    ws.recv().await;
    let answer = ws.ask("Pineapple on pizza?").await;
    assert_eq!(
        answer.response["response"],
        "The resume does not say what she thinks of pineapple."
    );
    // The model was told how to mark such an answer.
    let prompt = llm.last_prompt();
    assert!(
        prompt[0].1.contains(domain::NOT_IN_RESUME),
        "{:?}",
        prompt[0]
    );
    assert_eq!(
        unanswered(&app).await,
        [("Pineapple on pizza?".to_owned(), 1)]
    );
    app.stop().await;
}
