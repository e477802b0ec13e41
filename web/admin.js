// The owner's page: sign in, read the conversations newest first, open one, delete it, export.
//
// Everything it shows comes from /api/admin/… (the session cookie goes with each request) and
// reaches the page through textContent or the chat page's Markdown renderer, which builds nodes
// and never parses text as HTML.

import { renderMarkdown } from "/static/markdown.js";

const PAGE = 50;
const $ = (id) => document.getElementById(id);

const state = { next: null, open: null, loading: false, search: "" };

function show(signedIn) {
  $("sign-in").hidden = signedIn;
  $("area").hidden = !signedIn;
  if (!signedIn) {
    const reason = new URLSearchParams(location.search).get("signin");
    const message = $("sign-in-message");
    message.hidden = !reason;
    message.textContent =
      reason === "wait"
        ? "Too many attempts from this address. Wait a minute, then try again."
        : reason === "failed"
          ? "That is not the owner's token."
          : "";
    $("token").focus();
  }
}

function say(text) {
  $("status").textContent = text;
}

function when(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

// ---------------------------------------------------------------------------------------------
// The list

async function loadPage() {
  if (state.loading) return;
  state.loading = true;
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (state.next) params.set("after", state.next);
  if (state.search) params.set("q", state.search);
  let response;
  try {
    response = await fetch(`/api/admin/conversations?${params}`, { headers: { Accept: "application/json" } });
  } catch {
    say("The server cannot be reached.");
    state.loading = false;
    return;
  }
  state.loading = false;
  if (response.status === 401) {
    show(false);
    return;
  }
  if (!response.ok) {
    say(`The conversations could not be read (${response.status}).`);
    return;
  }
  if ($("area").hidden) {
    loadUnanswered();
    loadTopics();
  }
  show(true);
  const page = await response.json();
  const conversations = Array.isArray(page.conversations) ? page.conversations : [];
  for (const conversation of conversations) $("rows").append(row(conversation));
  state.next = typeof page.next === "string" ? page.next : null;
  $("more").hidden = !state.next;
  const empty = $("rows").childElementCount === 0;
  $("empty").hidden = !empty;
  $("empty").textContent = state.search ? "No conversation has all of these words." : "No conversations yet.";
}

/** Starts the list again, for the words in the search box (or all conversations). */
function search(event) {
  event.preventDefault();
  state.search = $("q").value.trim();
  state.next = null;
  $("rows").replaceChildren();
  $("transcript").hidden = true;
  say(state.search ? `Conversations with “${state.search}”` : "");
  loadPage();
}

function row(conversation) {
  const tr = document.createElement("tr");
  tr.dataset.session = conversation.session_id;
  const time = document.createElement("td");
  const stamp = document.createElement("time");
  stamp.dateTime = conversation.updated_at;
  stamp.textContent = when(conversation.updated_at);
  time.append(stamp);
  const count = document.createElement("td");
  count.textContent = String(conversation.questions);
  const first = document.createElement("td");
  const open = document.createElement("button");
  open.type = "button";
  open.className = "open-conversation";
  open.textContent = conversation.first_question || "(no question)";
  open.addEventListener("click", () => openConversation(conversation.session_id));
  first.append(open);
  tr.append(time, count, first);
  return tr;
}

/** The JSON body of a GET, or null when it could not be had (the section then stays empty). */
async function readJson(path) {
  try {
    const response = await fetch(path, { headers: { Accept: "application/json" } });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/** The questions the resume did not answer, grouped by wording. */
async function loadUnanswered() {
  const body = await readJson("/api/admin/unanswered");
  if (!body) return;
  const groups = Array.isArray(body.questions) ? body.questions : [];
  const items = groups.map((group) => {
    const li = document.createElement("li");
    const text = document.createElement("span");
    text.textContent = String(group.question ?? "");
    li.append(text);
    if (group.count > 1) {
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = `×${group.count}`;
      count.title = `Asked ${group.count} times, last ${when(group.last_asked)}`;
      li.append(count);
    }
    return li;
  });
  $("unanswered").replaceChildren(...items);
  $("unanswered-empty").hidden = items.length > 0;
}

/** The resume sections visitors ask about most. */
async function loadTopics() {
  const body = await readJson("/api/admin/topics");
  if (!body) return;
  const topics = Array.isArray(body.topics) ? body.topics : [];
  const items = topics.map((topic) => {
    const li = document.createElement("li");
    li.textContent = `${topic.section} · ${topic.questions}`;
    return li;
  });
  $("topics").replaceChildren(...items);
  $("topics-empty").hidden = items.length > 0;
}

// ---------------------------------------------------------------------------------------------
// One conversation

async function openConversation(sessionId) {
  say("");
  let response;
  try {
    response = await fetch(`/api/admin/conversations/${encodeURIComponent(sessionId)}`, {
      headers: { Accept: "application/json" },
    });
  } catch {
    say("The server cannot be reached.");
    return;
  }
  if (response.status === 401) {
    show(false);
    return;
  }
  if (response.status === 404) {
    say("This conversation is gone (erased meanwhile).");
    rowOf(sessionId)?.remove();
    return;
  }
  if (!response.ok) {
    say(`The conversation could not be read (${response.status}).`);
    return;
  }
  const body = await response.json();
  state.open = sessionId;
  for (const tr of $("rows").children) tr.setAttribute("aria-current", String(tr.dataset.session === sessionId));
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const box = $("transcript-messages");
  box.replaceChildren(...messages.map(message));
  const started = messages.length ? when(messages[0].created_at) : "";
  $("transcript-meta").textContent = `${started} · session ${sessionId}`;
  $("delete-confirm").hidden = true;
  $("delete").hidden = false;
  $("transcript").hidden = false;
  $("transcript-title").focus?.();
}

function message(m) {
  const article = document.createElement("article");
  article.className = `transcript-message ${m.role === "user" ? "user" : "assistant"}`;
  const who = document.createElement("div");
  who.className = "who";
  const note = m.finish_reason && m.finish_reason !== "stop" ? ` (${m.finish_reason})` : "";
  who.textContent = `${m.role === "user" ? "Visitor" : "Answer"} · ${when(m.created_at)}${note}`;
  const text = document.createElement("div");
  text.className = m.role === "user" ? "text" : "text markdown";
  if (m.role === "user") text.textContent = String(m.content ?? "");
  else renderMarkdown(String(m.content ?? ""), text);
  article.append(who, text);
  return article;
}

function rowOf(sessionId) {
  return [...$("rows").children].find((tr) => tr.dataset.session === sessionId);
}

async function deleteOpen() {
  const sessionId = state.open;
  $("delete-confirm").hidden = true;
  $("delete").hidden = false;
  if (!sessionId) return;
  let response;
  try {
    response = await fetch(`/api/admin/conversations/${encodeURIComponent(sessionId)}`, { method: "DELETE" });
  } catch {
    say("The server cannot be reached.");
    return;
  }
  if (response.status === 401) {
    show(false);
    return;
  }
  if (response.status !== 204 && response.status !== 404) {
    say(`The conversation could not be deleted (${response.status}).`);
    return;
  }
  rowOf(sessionId)?.remove();
  state.open = null;
  $("transcript").hidden = true;
  $("empty").hidden = $("rows").childElementCount > 0;
  say("The conversation was deleted.");
}

// ---------------------------------------------------------------------------------------------
// Wiring

$("more").addEventListener("click", loadPage);
$("search").addEventListener("submit", search);
$("delete").addEventListener("click", () => {
  $("delete").hidden = true;
  $("delete-confirm").hidden = false;
  $("delete-no").focus();
});
$("delete-no").addEventListener("click", () => {
  $("delete-confirm").hidden = true;
  $("delete").hidden = false;
  $("delete").focus();
});
$("delete-yes").addEventListener("click", deleteOpen);

loadPage();
