// The chat page: one WebSocket to this page's own origin, answers streamed in as Markdown.
//
// No framework and no build step. Text from the server or the model only ever reaches the page
// through textContent or the Markdown renderer (which builds nodes, never HTML strings), and the
// page has no inline script or style, so a strict Content-Security-Policy holds.

import { renderMarkdown } from "./markdown.js";

/**
 * `/?embed=1` is this page inside the widget's frame (see embed.js): a compact layout, a close
 * button, and messages to the host page. `host` is the embedding site's origin: each site keeps
 * its own conversation.
 */
const params = new URLSearchParams(location.search);
const EMBED = params.get("embed") === "1";
const HOST = EMBED ? originOrNull(params.get("host")) : null;
const SESSION_KEY = HOST ? `resume-chat.session-id@${HOST}` : "resume-chat.session-id";
/** The host's greeting replaces the welcome text; longer ones are cut. */
const GREETING_MAX = 280;
/** Reconnect delays grow 0.5 s, 1 s, 2 s, … up to this cap, with ±20 % jitter. */
const RECONNECT_BASE_MS = 500;
const RECONNECT_CAP_MS = 15000;
/** Within this distance of the bottom, new text keeps the conversation scrolled down. */
const STICKY_SCROLL_PX = 96;

const $ = (id) => document.getElementById(id);
const app = $("app");
const log = $("log");
const conversation = $("conversation");
const welcome = $("welcome");
const suggestions = $("suggestions");
const form = $("composer");
const input = $("question");
const sendButton = $("send");
const stopButton = $("stop");
const connectionText = $("connection-text");
const retryNow = $("retry-now");
const newConversation = $("new-conversation");
const downloadButton = $("download");
const closeEmbed = $("close-embed");
const eraseButton = $("erase");
const eraseConfirm = $("erase-confirm");
const storedText = $("stored-text");

const state = {
  /** The socket in use; frames and events of any other socket are ignored. */
  socket: null,
  /** connecting | loading | connected | reconnecting | paused */
  connection: "connecting",
  sessionId: readSessionId(),
  /** Failed attempts since the last successful connection. */
  attempt: 0,
  reconnectTimer: 0,
  countdownTimer: 0,
  everConnected: false,
  /**
   * The answer being written: { question, article, content, text, frame, messageId, seq }.
   * `seq` is the last piece rendered: a reconnect asks for the pieces after it. It outlives the
   * socket: the answer goes on on the server while the page reconnects.
   */
  pending: null,
  person: { name: "", first: "", initials: "" },
};

// ---------------------------------------------------------------------------------------------
// Embedded in a host page

function originOrNull(value) {
  if (!value) return null;
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value ? value : null;
  } catch {
    return null;
  }
}

/** Tells the widget's script on the host page what happened (nothing is sent to other sites). */
function tellHost(type) {
  if (!HOST || window.parent === window) return;
  window.parent.postMessage({ type: `resume-chat:${type}` }, HOST);
}

function setUpEmbedding() {
  if (!EMBED) return;
  app.dataset.embed = "true";
  closeEmbed.hidden = !HOST;
  closeEmbed.addEventListener("click", () => tellHost("close"));
  const accent = params.get("accent");
  if (accent && CSS.supports("color", accent)) {
    // Through the CSSOM, which the page's style-src 'self' allows (no inline style attribute).
    const root = document.documentElement.style;
    root.setProperty("--accent", accent);
    root.setProperty("--accent-hover", `color-mix(in srgb, ${accent} 85%, black)`);
    root.setProperty("--user-bubble", accent);
  }
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || event.origin !== HOST) return;
    const type = event.data && typeof event.data === "object" ? event.data.type : null;
    if (type === "resume-chat:focus") input.focus({ preventScroll: true });
  });
  tellHost("ready");
}

/** The host's greeting, when it gave one. */
function greeting() {
  const text = EMBED ? (params.get("greeting") || "").trim() : "";
  return text ? text.slice(0, GREETING_MAX) : null;
}

// ---------------------------------------------------------------------------------------------
// Session id

function readSessionId() {
  try {
    return localStorage.getItem(SESSION_KEY);
  } catch {
    return null;
  }
}

function writeSessionId(id) {
  state.sessionId = id;
  try {
    if (id) localStorage.setItem(SESSION_KEY, id);
    else localStorage.removeItem(SESSION_KEY);
  } catch {
    // Private mode without storage: the conversation lasts as long as the page.
  }
  updateConversationActions();
}


// ---------------------------------------------------------------------------------------------
// Header

async function loadResume() {
  try {
    const response = await fetch("/api/resume", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const resume = await response.json();
    const name = typeof resume.name === "string" && resume.name.trim() ? resume.name.trim() : "";
    if (name) {
      $("person-name").textContent = name;
      document.title = `${name} · Resume chat`;
      state.person = {
        name,
        first: name.split(/\s+/)[0],
        initials: name
          .split(/\s+/)
          .filter(Boolean)
          .map((part) => part[0])
          .slice(0, 2)
          .join("")
          .toUpperCase(),
      };
      for (const avatar of document.querySelectorAll(".avatar")) {
        avatar.textContent = state.person.initials;
      }
      $("welcome-title").textContent = `Ask about ${name}`;
      $("welcome-text").textContent =
        greeting() || `Answers come from ${state.person.first}'s resume only, and stream in as they are written.`;
    }
    if (typeof resume.title === "string" && resume.title) {
      $("person-title").textContent = resume.title;
    }
    $("offline-badge").hidden = resume.offline !== true;
    if (Number.isInteger(resume.retention_days) && resume.retention_days > 0) {
      const days = resume.retention_days === 1 ? "1 day" : `${resume.retention_days} days`;
      storedText.textContent = storedNotice = `Conversations are stored on this site's server for ${days} after their last message.`;
    }
    showSuggestions(Array.isArray(resume.section_facts) ? resume.section_facts : []);
  } catch {
    showSuggestions([]);
  }
}

/**
 * A question for each kind of section a resume has, most telling first; a section of another
 * name gets a question naming it.
 */
const SECTION_QUESTIONS = [
  [/experience|employment|work|career|positions?/, (p) => `What has ${p} worked on most recently?`],
  [/skill|technolog|stack|tools|expertise/, (p) => `Which skills does ${p} use most?`],
  [/project|portfolio|open.?source/, (p) => `Which projects has ${p} built?`],
  [/education|degree|stud|academic|school/, (p) => `Where did ${p} study?`],
  [/certif|licen[cs]e|course|training/, (p) => `Which certifications does ${p} hold?`],
  [/publication|paper|talk|speaking/, (p) => `What has ${p} published or presented?`],
  [/award|honou?r|achievement/, (p) => `Which awards has ${p} received?`],
  [/volunteer|community/, (p) => `What volunteer work has ${p} done?`],
  [/^languages?$|spoken/, (p) => `Which languages does ${p} speak?`],
  [/summary|profile|about|objective|overview/, (p) => `Who is ${p}, in two sentences?`],
];
/** Sections that hold no question worth suggesting. */
const SKIPPED_SECTIONS = /^(contact|links?|references?|interests|hobbies|personal)/;
const MAX_SUGGESTIONS = 4;

/** The suggested questions for a resume's sections (`{heading, facts}`), in order of interest. */
function suggestedQuestions(sections, person) {
  const ranked = [];
  sections.forEach((section, position) => {
    const heading = typeof section?.heading === "string" ? section.heading.trim() : "";
    const facts = Number.isInteger(section?.facts) ? section.facts : 0;
    const lower = heading.toLowerCase();
    if (!heading || facts === 0 || SKIPPED_SECTIONS.test(lower)) return;
    const kind = SECTION_QUESTIONS.findIndex(([pattern]) => pattern.test(lower));
    const question =
      kind >= 0 ? SECTION_QUESTIONS[kind][1](person) : `What does ${person}'s resume say under “${heading}”?`;
    ranked.push({ question, rank: kind >= 0 ? kind : SECTION_QUESTIONS.length + position });
  });
  ranked.sort((a, b) => a.rank - b.rank);
  const questions = [...new Set(ranked.map((r) => r.question))].slice(0, MAX_SUGGESTIONS);
  // A resume with few sections still gets three ways in.
  for (const fallback of [`Summarise ${person}'s experience.`, `What is ${person}'s current role?`]) {
    if (questions.length < 3 && !questions.includes(fallback)) questions.push(fallback);
  }
  return questions;
}

function showSuggestions(sections) {
  const person = state.person.first || "this person";
  const chips = suggestedQuestions(sections, person).map((question) => {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "chip";
    chip.textContent = question;
    chip.addEventListener("click", () => {
      input.value = question;
      submit();
    });
    return chip;
  });
  suggestions.replaceChildren(...chips);
  updateComposer();
}

// ---------------------------------------------------------------------------------------------
// Connection

function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const params = new URLSearchParams();
  if (state.sessionId) params.set("session_id", state.sessionId);
  if (state.sessionId && state.pending && state.pending.seq > 0) {
    params.set("after_seq", String(state.pending.seq));
  }
  const query = params.toString();
  return `${scheme}//${location.host}/ws${query ? `?${query}` : ""}`;
}

function connect() {
  clearTimeout(state.reconnectTimer);
  clearInterval(state.countdownTimer);
  state.reconnectTimer = 0;
  if (state.socket) return;
  setConnection(state.everConnected ? "reconnecting" : "connecting");
  let socket;
  try {
    socket = new WebSocket(socketUrl());
  } catch {
    scheduleReconnect();
    return;
  }
  state.socket = socket;
  socket.addEventListener("message", (event) => {
    if (socket !== state.socket) return;
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    onFrame(frame);
  });
  socket.addEventListener("close", (event) => {
    if (socket !== state.socket) return;
    state.socket = null;
    onClosed(event);
  });
}

/** Closes the socket on purpose: no reconnect follows from it. */
function disconnect() {
  const socket = state.socket;
  state.socket = null;
  if (socket) socket.close(1000, "bye");
}

function onClosed(event) {
  // An answer being written goes on on the server: it is picked up again on reconnect (see
  // onHello), so the pending answer stays on screen meanwhile.
  // 1000 is the server closing an idle socket: wait until the visitor comes back.
  if (event.code === 1000 && state.everConnected) {
    setConnection("paused");
    return;
  }
  scheduleReconnect(event);
}

function scheduleReconnect(event) {
  const exponent = Math.min(state.attempt, 10);
  const base = Math.min(RECONNECT_CAP_MS, RECONNECT_BASE_MS * 2 ** exponent);
  const delay = Math.round(base * (0.8 + Math.random() * 0.4));
  state.attempt += 1;
  const until = Date.now() + delay;
  const reason = closeReason(event);
  const tick = () => {
    const seconds = Math.max(1, Math.ceil((until - Date.now()) / 1000));
    setConnection("reconnecting", `${reason}Reconnecting in ${seconds} s…`);
  };
  clearInterval(state.countdownTimer);
  state.reconnectTimer = setTimeout(connect, delay);
  tick();
  state.countdownTimer = setInterval(tick, 1000);
}

function closeReason(event) {
  if (!event) return "";
  switch (event.code) {
    case 1001:
      return "The server is restarting. ";
    case 1008:
      return "The server refused the connection. ";
    case 1011:
      return "The server's storage is unavailable. ";
    default:
      return state.everConnected ? "Connection lost. " : "Cannot reach the server. ";
  }
}

const CONNECTION_LABELS = {
  connecting: "Connecting…",
  loading: "Loading conversation…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  paused: "Disconnected while idle; type to reconnect",
};

function setConnection(connection, text) {
  state.connection = connection;
  app.dataset.connection = connection;
  connectionText.textContent = text || CONNECTION_LABELS[connection];
  const waiting = connection === "reconnecting" && state.reconnectTimer !== 0;
  retryNow.hidden = !(waiting || connection === "paused");
  if (!waiting) clearInterval(state.countdownTimer);
  updateComposer();
}

function retry() {
  if (!state.socket) connect();
}

// ---------------------------------------------------------------------------------------------
// Frames

function onFrame(frame) {
  switch (frame.type) {
    case "system":
      onHello(frame);
      break;
    case "answer_start":
      onAnswerStart(frame);
      break;
    case "delta":
      onDelta(frame);
      break;
    case "response":
      if (state.pending) finishPending(frame);
      break;
    case "error":
      onError(frame);
      break;
    default:
      break;
  }
}

/** An answer begins: ours (we asked), or one asked from another tab of this conversation. */
function onAnswerStart(frame) {
  const messageId = typeof frame.message_id === "string" ? frame.message_id : null;
  if (state.pending) {
    state.pending.messageId = messageId;
    return;
  }
  const question = typeof frame.question === "string" ? frame.question : "";
  if (question) addUserMessage(question);
  startPending(question, messageId);
  scrollToBottom(true);
}

function onDelta(frame) {
  const pending = state.pending;
  if (!pending || typeof frame.delta !== "string") return;
  const seq = Number.isInteger(frame.seq) ? frame.seq : pending.seq + 1;
  // A piece already shown (a catch-up overlapping what arrived before the drop) is skipped.
  if (seq <= pending.seq) return;
  pending.seq = seq;
  pending.text += frame.delta;
  scheduleRender();
}

async function onHello(frame) {
  state.attempt = 0;
  writeSessionId(typeof frame.session_id === "string" ? frame.session_id : null);
  const answering = frame.resumed && frame.answering && typeof frame.answering === "object" ? frame.answering : null;
  const pending = state.pending;
  /** A question asked before the drop whose answer is not in flight: stored or lost, we'll see. */
  let unsure = null;
  if (pending && !answering) {
    // The answer ended while the page was away (or never began): the stored one is shown below.
    endPending();
    pending.article.remove();
    unsure = pending.question || null;
  } else if (answering && (!pending || (pending.messageId && pending.messageId !== answering.message_id))) {
    // A reload (or another tab's answer) mid-answer: the catch-up delta that follows holds it so far.
    if (pending) {
      endPending();
      pending.article.remove();
    }
    startPending("", typeof answering.message_id === "string" ? answering.message_id : null);
  } else if (answering && pending && !pending.messageId) {
    pending.messageId = answering.message_id;
  }
  if (frame.resumed) {
    setConnection("loading");
    const asked = await loadHistory(state.sessionId);
    if (unsure && asked && !asked.includes(unsure)) {
      addNotice("The connection dropped before your question was taken. It is back in the box.");
      restoreQuestion(unsure);
    }
  } else if (log.querySelector(".message")) {
    // The conversation on screen is gone (erased, or a new database): start afresh, and say so.
    // (A conversation with no question yet is never stored, so an unknown id alone is no news.)
    clearLog();
    addNotice("The previous conversation could not be found, so this is a new one.");
    if (unsure) restoreQuestion(unsure);
  } else {
    clearLog();
    if (unsure) restoreQuestion(unsure);
  }
  state.everConnected = true;
  if (state.socket) setConnection("connected");
}

function onError(frame) {
  const message = typeof frame.error === "string" && frame.error ? frame.error : "Something went wrong.";
  const code = typeof frame.code === "string" ? frame.code : "";
  if (state.pending) {
    failPending(message, code);
  } else {
    addNotice(message, code, "error");
  }
}

// ---------------------------------------------------------------------------------------------
// History

/** Shows the stored conversation; returns its questions, or null when it could not be read. */
async function loadHistory(sessionId) {
  let body;
  try {
    const response = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/messages`, {
      headers: { Accept: "application/json" },
    });
    if (response.status === 404) {
      clearLog();
      return [];
    }
    if (!response.ok) throw new Error(String(response.status));
    body = await response.json();
  } catch {
    addNotice("The earlier messages could not be loaded; new answers still work.", "", "error");
    return null;
  }
  if (sessionId !== state.sessionId) return null;
  // The answer being written stays, after the stored messages (its question is among them).
  const writing = state.pending ? state.pending.article : null;
  clearLog();
  const asked = [];
  for (const message of Array.isArray(body.messages) ? body.messages : []) {
    if (typeof message.content !== "string") continue;
    if (message.role === "user") {
      asked.push(message.content);
      addUserMessage(message.content, message.created_at);
    } else if (message.role === "assistant") {
      const { article, content } = addAssistantMessage(message.created_at);
      renderMarkdown(message.content, content);
      const reason = typeof message.finish_reason === "string" ? message.finish_reason : "stop";
      article.dataset.finish = reason;
      completeAssistant(article, message.content, finishNote(reason));
    }
  }
  if (writing && state.pending && state.pending.article === writing) {
    log.append(writing);
    updateWelcome();
  }
  scrollToBottom(true);
  return asked;
}

// ---------------------------------------------------------------------------------------------
// The log

function clearLog() {
  log.replaceChildren();
  updateWelcome();
}

function updateWelcome() {
  welcome.hidden = log.childElementCount > 0;
  updateConversationActions();
}

/** Download and erase need a conversation on screen; erase also one stored under an id. */
function updateConversationActions() {
  const hasMessages = Boolean(log.querySelector(".message"));
  downloadButton.disabled = !hasMessages;
  eraseButton.hidden = !(hasMessages && state.sessionId) || !eraseConfirm.hidden;
  eraseButton.disabled = Boolean(state.pending);
}

function isNearBottom() {
  return conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < STICKY_SCROLL_PX;
}

function scrollToBottom(force) {
  if (force || isNearBottom()) conversation.scrollTop = conversation.scrollHeight;
}

function timeTitle(createdAt) {
  if (!createdAt) return "";
  const date = new Date(createdAt);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString();
}

function addUserMessage(text, createdAt) {
  const article = document.createElement("article");
  article.className = "message user";
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  bubble.textContent = text;
  const title = timeTitle(createdAt);
  if (title) bubble.title = title;
  article.append(bubble);
  log.append(article);
  updateWelcome();
  return article;
}

function addAssistantMessage(createdAt) {
  const article = document.createElement("article");
  article.className = "message assistant";
  const avatar = document.createElement("div");
  avatar.className = "avatar small";
  avatar.setAttribute("aria-hidden", "true");
  avatar.textContent = state.person.initials;
  const body = document.createElement("div");
  body.className = "body";
  const content = document.createElement("div");
  content.className = "content markdown";
  const title = timeTitle(createdAt);
  if (title) content.title = title;
  body.append(content);
  article.append(avatar, body);
  log.append(article);
  updateWelcome();
  return { article, content, body };
}

function addNotice(text, code, kind) {
  const notice = document.createElement("div");
  notice.className = `notice${kind ? ` ${kind}` : ""}`;
  notice.setAttribute("role", kind === "error" ? "alert" : "status");
  const message = document.createElement("span");
  message.textContent = text;
  notice.append(message);
  if (code) {
    const codeEl = document.createElement("code");
    codeEl.className = "error-code";
    codeEl.textContent = code;
    notice.append(codeEl);
  }
  log.append(notice);
  updateWelcome();
  scrollToBottom(true);
  return notice;
}

/** The copy button and any note under a finished answer. */
function completeAssistant(article, text, note) {
  answerTexts.set(article, text);
  article.dataset.state = "done";
  article.removeAttribute("aria-busy");
  const body = article.querySelector(".body");
  const actions = document.createElement("div");
  actions.className = "actions";
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "action-button copy-button";
  copy.title = "Copy the answer";
  copy.append(icon("copy"));
  const label = document.createElement("span");
  label.textContent = "Copy";
  copy.append(label);
  copy.addEventListener("click", async () => {
    const ok = await copyText(text);
    label.textContent = ok ? "Copied" : "Copy failed";
    copy.classList.toggle("done", ok);
    setTimeout(() => {
      label.textContent = "Copy";
      copy.classList.remove("done");
    }, 1600);
  });
  actions.append(copy);
  if (note) {
    const noteEl = document.createElement("span");
    noteEl.className = "note";
    noteEl.textContent = note;
    actions.append(noteEl);
  }
  body.append(actions);
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API unavailable (plain http on another host): the old way.
    const area = document.createElement("textarea");
    area.value = text;
    area.className = "offscreen";
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

/** Each finished answer's Markdown, as the model wrote it, for the download. */
const answerTexts = new WeakMap();

const ICONS = {
  copy: "M9 9h10v10H9zM5 15V5h10",
};

function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}

// ---------------------------------------------------------------------------------------------
// Asking

function canSend() {
  return state.connection === "connected" && state.socket && !state.pending;
}

function updateComposer() {
  const busy = Boolean(state.pending);
  app.dataset.busy = String(busy);
  eraseButton.disabled = busy;
  input.disabled = busy;
  sendButton.hidden = busy;
  stopButton.hidden = !busy;
  sendButton.disabled = !canSend() || input.value.trim() === "";
  for (const chip of suggestions.querySelectorAll("button")) chip.disabled = !canSend();
}

function submit() {
  const question = input.value.trim();
  if (!question) return;
  if (state.connection === "paused") {
    connect();
    return;
  }
  if (!canSend()) return;
  state.socket.send(JSON.stringify({ type: "question", question }));
  input.value = "";
  addUserMessage(question);
  startPending(question, null);
  scrollToBottom(true);
  stopButton.focus({ preventScroll: true });
}

/** Shows an answer on its way (typing dots until its first piece) and makes it the pending one. */
function startPending(question, messageId) {
  const { article, content } = addAssistantMessage();
  article.dataset.state = "waiting";
  article.setAttribute("aria-busy", "true");
  const typing = document.createElement("span");
  typing.className = "typing";
  typing.setAttribute("aria-label", "Writing");
  typing.append(document.createElement("i"), document.createElement("i"), document.createElement("i"));
  content.append(typing);
  state.pending = { question, article, content, text: "", frame: 0, messageId, seq: 0 };
  updateComposer();
  stopButton.disabled = false;
}

function scheduleRender() {
  const pending = state.pending;
  if (!pending || pending.frame) return;
  pending.frame = requestAnimationFrame(() => {
    pending.frame = 0;
    if (state.pending !== pending) return;
    renderStreaming(pending);
  });
}

function renderStreaming(pending) {
  const stick = isNearBottom();
  pending.article.dataset.state = "streaming";
  renderMarkdown(pending.text, pending.content);
  const cursor = document.createElement("span");
  cursor.className = "cursor";
  cursor.setAttribute("aria-hidden", "true");
  deepestLastBlock(pending.content).append(cursor);
  if (stick) scrollToBottom(true);
}

const CONTAINERS = new Set(["P", "UL", "OL", "LI", "BLOCKQUOTE", "PRE", "CODE", "H3", "H4", "H5", "H6", "DIV", "TABLE", "TBODY", "TR", "TD"]);

function deepestLastBlock(element) {
  let current = element;
  while (current.lastElementChild && CONTAINERS.has(current.lastElementChild.nodeName)) {
    current = current.lastElementChild;
  }
  return current;
}

function endPending() {
  const pending = state.pending;
  if (pending && pending.frame) cancelAnimationFrame(pending.frame);
  state.pending = null;
  updateComposer();
  return pending;
}

function finishPending(frame) {
  const pending = endPending();
  const text = typeof frame.response === "string" ? frame.response : pending.text;
  renderMarkdown(text, pending.content);
  const reason = frame.finish_reason;
  pending.article.dataset.finish = reason || "stop";
  const note = finishNote(reason);
  if (!text) {
    const empty = document.createElement("p");
    empty.className = "muted";
    empty.textContent = reason === "cancelled" ? "Stopped before any text." : "No answer.";
    pending.content.append(empty);
  }
  completeAssistant(pending.article, text, note);
  scrollToBottom(false);
  input.focus({ preventScroll: true });
  tellHost("answered");
}

/** The note under an answer that did not end on its own, live or reloaded from history. */
function finishNote(reason) {
  if (reason === "cancelled") return "Stopped";
  if (reason === "length") return "Cut short: the answer reached its length limit";
  if (reason === "error") return "Cut short: the answer was interrupted by an error";
  return null;
}

function failPending(message, code) {
  const pending = endPending();
  if (!pending) return;
  if (pending.text) {
    renderMarkdown(pending.text, pending.content);
  } else {
    pending.content.replaceChildren();
  }
  pending.article.dataset.state = "error";
  pending.article.removeAttribute("aria-busy");
  const error = document.createElement("div");
  error.className = "inline-error";
  error.setAttribute("role", "alert");
  const text = document.createElement("span");
  text.textContent = message;
  error.append(text);
  if (code) {
    const codeEl = document.createElement("code");
    codeEl.className = "error-code";
    codeEl.textContent = code;
    error.append(codeEl);
  }
  pending.article.querySelector(".body").append(error);
  if (pending.question) restoreQuestion(pending.question);
  scrollToBottom(true);
}

/** Puts a question that was not answered back into the box, so nothing typed is lost. */
function restoreQuestion(question) {
  if (!input.value.trim()) input.value = question;
  updateComposer();
  input.focus({ preventScroll: true });
}

function stop() {
  if (!state.pending || !state.socket) return;
  state.socket.send(JSON.stringify({ type: "cancel" }));
  stopButton.disabled = true;
}

function startNewConversation() {
  // The answer being written is stored as it stands; the new conversation starts empty.
  if (state.pending && state.socket) {
    state.socket.send(JSON.stringify({ type: "cancel" }));
  }
  endPending();
  disconnect();
  writeSessionId(null);
  state.attempt = 0;
  clearLog();
  connect();
  input.focus({ preventScroll: true });
}

// ---------------------------------------------------------------------------------------------
// Download and erase

/** The conversation on screen as Markdown: questions quoted, answers as they were written. */
function conversationMarkdown() {
  const who = state.person.name || "the resume";
  const lines = [`# Conversation about ${who}`, "", `Saved ${new Date().toLocaleString()} from ${location.origin}`, ""];
  for (const article of log.querySelectorAll(".message")) {
    if (article.classList.contains("user")) {
      const question = article.querySelector(".bubble")?.textContent || "";
      lines.push("---", "", "**Question**", "", ...question.split("\n").map((line) => `> ${line}`), "");
    } else {
      const stored = answerTexts.get(article);
      const text = stored ?? (state.pending?.article === article ? state.pending.text : "");
      const reason = finishNote(article.dataset.finish);
      lines.push("**Answer**", "", text || "_(no answer)_", "");
      if (stored === undefined) lines.push("_(still being written when saved)_", "");
      else if (reason) lines.push(`_(${reason})_`, "");
    }
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

function downloadConversation() {
  if (!log.querySelector(".message")) return;
  const blob = new Blob([conversationMarkdown()], { type: "text/markdown;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  const slug = (state.person.name || "resume").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  link.href = url;
  link.download = `conversation-${slug || "resume"}-${new Date().toISOString().slice(0, 10)}.md`;
  link.className = "offscreen";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** The notice under the box; it names the retention period when there is one. */
let storedNotice = "Conversations are stored on this site's server.";

function askToErase() {
  eraseButton.hidden = true;
  eraseConfirm.hidden = false;
  $("erase-no").focus();
}

function keepConversation() {
  eraseConfirm.hidden = true;
  updateConversationActions();
  eraseButton.focus();
}

/** Erases the stored conversation (DELETE /api/sessions/{id}) and starts a new one. */
async function eraseConversation() {
  const sessionId = state.sessionId;
  eraseConfirm.hidden = true;
  if (!sessionId || state.pending) {
    updateConversationActions();
    return;
  }
  let erased = false;
  try {
    const response = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}`, { method: "DELETE" });
    // 404: nothing was stored under it (or it is already gone), which is what was asked.
    erased = response.status === 204 || response.status === 404;
  } catch {
    erased = false;
  }
  if (!erased) {
    addNotice("The conversation could not be erased; try again in a moment.", "", "error");
    updateConversationActions();
    return;
  }
  startNewConversation();
  storedText.textContent = "This conversation was erased. " + storedNotice;
  setTimeout(() => {
    storedText.textContent = storedNotice;
  }, 8000);
}

// ---------------------------------------------------------------------------------------------
// Wiring

form.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});

input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
});

input.addEventListener("input", () => {
  updateComposer();
  if (state.connection === "paused") connect();
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  // In the widget Escape closes the panel (an answer being written goes on); here it stops it.
  if (EMBED && HOST) tellHost("close");
  else if (state.pending) stop();
});

stopButton.addEventListener("click", stop);
retryNow.addEventListener("click", retry);
newConversation.addEventListener("click", startNewConversation);
downloadButton.addEventListener("click", downloadConversation);
eraseButton.addEventListener("click", askToErase);
$("erase-yes").addEventListener("click", eraseConversation);
$("erase-no").addEventListener("click", keepConversation);

window.addEventListener("online", retry);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && state.connection !== "connected" && !state.socket) retry();
});

// Browsers without `field-sizing: content` grow the box here instead.
if (!CSS.supports("field-sizing", "content")) {
  input.addEventListener("input", () => {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  });
}

setUpEmbedding();
updateWelcome();
loadResume();
connect();
