// Answers rendered as Markdown, safely.
//
// markdown-it (vendored in `vendor/markdown-it.min.js`, CommonMark plus tables, ~~strike~~ and
// bare URLs) parses; this module turns its token stream into DOM nodes with createElement and
// textContent only. markdown-it's own HTML output is never used and no string from the server
// or the model is ever parsed as HTML, so `<img onerror=…>` in an answer stays text (raw HTML is
// off in the parser too). Links are kept only when they are absolute http, https or mailto URLs,
// and open in a new tab without an opener or a referrer; any other link keeps its words as
// `<span class="unsafe-link">`. Images are shown as links labelled with their description (an
// answer never makes the page load anything).
//
// Choices of this page: single newlines are line breaks; headings are shifted down below the
// page's own h1 and h2 (`#` is h3, `##` h4, `###` h5, deeper h6); a fenced block's language is
// kept as `<pre data-language>`, a conservative token; tables sit in `<div class="table-wrap">`
// with alignment as `align-left|center|right` classes; a link shows its target as its title
// unless the Markdown gives one. Unfinished constructs (an unclosed fence while an answer
// streams) render as CommonMark says (the fence runs to the end) and settle once the text is
// complete. `crates/server/tests/browser/commonmark.rs` holds it to the CommonMark spec.

import "./vendor/markdown-it.min.js";

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

const md = globalThis.markdownit({ html: false, linkify: true, breaks: true });
// Every link is parsed as a link and judged by `safeHref` when it is built, so that an unsafe one
// keeps its words (markdown-it's own check would leave its brackets and target as text).
md.validateLink = () => true;

/**
 * The normalised href for `raw` if it is an absolute http(s) or mailto URL, else null.
 * The URL parser strips what browsers ignore (tabs, newlines, leading spaces), so the check is
 * made on exactly what the link would open.
 */
export function safeHref(raw) {
  let url;
  try {
    url = new URL(String(raw).trim());
  } catch {
    return null;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
}

/** Replaces the children of `target` with `source` rendered as Markdown. */
export function renderMarkdown(source, target) {
  const fragment = document.createDocumentFragment();
  build(md.parse(String(source), {}), fragment);
  target.replaceChildren(fragment);
}

// Elements made from a token's tag as it is; anything else is built case by case below.
const PLAIN_TAGS = new Set(["p", "blockquote", "ul", "li", "em", "strong", "thead", "tbody", "tr"]);

/** Appends the nodes for `tokens` (block or inline) to `root`. */
function build(tokens, root) {
  const stack = [root];
  const top = () => stack[stack.length - 1];
  for (const token of tokens) {
    if (token.nesting === -1) {
      // A tight list's paragraphs are hidden: their text sits beside the marker.
      if (!token.hidden) stack.pop();
      continue;
    }
    if (token.nesting === 1) {
      if (token.hidden) continue;
      const element = opening(token);
      top().append(element.outer ?? element);
      stack.push(element.inner ?? element);
      continue;
    }
    leaf(token, top());
  }
}

/** The element a token opens; `{ outer, inner }` where its children go deeper than it. */
function opening(token) {
  if (PLAIN_TAGS.has(token.tag)) return document.createElement(token.tag);
  switch (token.type) {
    case "heading_open": {
      // Answers sit inside a page that has its own h1 and h2: keep headings modest.
      const level = Math.min(6, Number(token.tag.slice(1)) + 2);
      return document.createElement(`h${level}`);
    }
    case "ordered_list_open": {
      const list = document.createElement("ol");
      const start = Number(token.attrGet("start") ?? 1);
      if (start !== 1) list.start = start;
      return list;
    }
    case "table_open": {
      const wrap = document.createElement("div");
      wrap.className = "table-wrap";
      const table = document.createElement("table");
      wrap.append(table);
      return { outer: wrap, inner: table };
    }
    case "th_open":
    case "td_open": {
      const cell = document.createElement(token.tag === "th" ? "th" : "td");
      const align = /text-align:(left|center|right)/.exec(token.attrGet("style") ?? "");
      if (align) cell.className = `align-${align[1]}`;
      return cell;
    }
    case "s_open":
      // ~~Struck~~ text is a removal, as GitHub renders it.
      return document.createElement("del");
    case "link_open":
      return link(token.attrGet("href"), token.attrGet("title"), token.info === "auto", false);
    default:
      // Not made by markdown-it with these options; its content still shows, as text.
      return document.createElement("span");
  }
}

/** Appends the nodes for a token that neither opens nor closes to `parent`. */
function leaf(token, parent) {
  switch (token.type) {
    case "inline":
      build(token.children ?? [], parent);
      break;
    case "text":
    case "text_special":
      if (token.content) parent.append(token.content);
      break;
    case "softbreak":
    case "hardbreak":
      parent.append(document.createElement("br"));
      break;
    case "code_inline": {
      const code = document.createElement("code");
      code.textContent = token.content;
      parent.append(code);
      break;
    }
    case "fence":
    case "code_block":
      parent.append(codeBlock(token.content, token.type === "fence" ? token.info : ""));
      break;
    case "hr":
      parent.append(document.createElement("hr"));
      break;
    case "image": {
      // Never load an image named by an answer: show its description, linked when safe.
      const src = token.attrGet("src");
      const anchor = link(src, token.attrGet("title"), false, true);
      anchor.textContent = plainText(token.children ?? []) || src;
      parent.append(anchor);
      break;
    }
    default:
      // html_block and html_inline (never made with `html: false`) and anything newer: text.
      if (token.content) parent.append(token.content);
  }
}

function codeBlock(text, info) {
  const pre = document.createElement("pre");
  const code = document.createElement("code");
  // The info string's first word, its escapes and entities resolved as CommonMark says.
  const language = md.utils.unescapeAll(info).trim().split(/\s+/)[0];
  // Only a conservative token ever reaches an attribute: letters, digits and `+#._-`.
  const safe = language.replace(/[^\p{L}\p{N}+#._-]/gu, "").slice(0, 20);
  if (safe) pre.dataset.language = safe;
  // The block's last newline would put a streaming cursor on a line of its own.
  code.textContent = text.endsWith("\n") ? text.slice(0, -1) : text;
  pre.append(code);
  return pre;
}

/** An `<a>` to `rawHref` when it is safe, else a span that keeps only the words. */
function link(rawHref, title, auto, isImage) {
  const href = safeHref(rawHref ?? "");
  if (!href) {
    // An unsafe or relative link keeps its words and loses its target.
    const span = document.createElement("span");
    span.className = "unsafe-link";
    return span;
  }
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  anchor.referrerPolicy = "no-referrer";
  if (isImage) anchor.className = "image-link";
  // A link whose words are not its address says where it goes.
  if (title) anchor.title = title;
  else if (!auto) anchor.title = href;
  return anchor;
}

/** The text of inline `tokens`, as an image's description. */
function plainText(tokens) {
  let text = "";
  for (const token of tokens) {
    if (token.type === "image") text += plainText(token.children ?? []);
    else if (token.type === "softbreak" || token.type === "hardbreak") text += "\n";
    else text += token.content;
  }
  return text;
}
