// A small, safe Markdown renderer for answers.
//
// It builds DOM nodes with createElement and textContent only: no string from the server or the
// model is ever parsed as HTML, so `<img onerror=…>` in an answer stays text. Links are kept only
// when they are absolute http, https or mailto URLs, and open in a new tab without an opener or
// a referrer. Images are shown as links (an answer never makes the page load anything).
//
// Supported: paragraphs (single newlines are line breaks), headings, bullet and numbered lists
// (nested), block quotes, fenced and indented code blocks, tables, horizontal rules, and inline
// **bold**, *italics*, ~~strike~~, `code`, [links](https://…), <https://autolinks> and bare
// https:// URLs. Unfinished constructs (an unclosed fence while an answer streams) render as
// well as they can and settle once the text is complete.

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

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
  const lines = String(source).replace(/\r\n?/g, "\n").split("\n");
  renderBlocks(lines, fragment);
  target.replaceChildren(fragment);
}

// ---------------------------------------------------------------------------------------------
// Blocks

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+(.*))?$/;
const TABLE_RULE = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const INDENTED = /^(?: {4}|\t)(.*)$/;

function isBlank(line) {
  return line.trim() === "";
}

/** True when `line` begins a block other than a paragraph (so it ends a paragraph). */
function startsBlock(line) {
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    RULE.test(line) ||
    QUOTE.test(line) ||
    ITEM.test(line)
  );
}

function renderBlocks(lines, parent) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i += 1;
      continue;
    }
    let match;
    if ((match = FENCE.exec(line))) {
      i = renderFence(lines, i, match, parent);
    } else if ((match = HEADING.exec(line))) {
      // Answers sit inside a page that has its own h1 and h2: keep headings modest.
      const level = Math.min(6, match[1].length + 2);
      const heading = document.createElement(`h${level}`);
      heading.append(renderInline(match[2] || ""));
      parent.append(heading);
      i += 1;
    } else if (RULE.test(line)) {
      parent.append(document.createElement("hr"));
      i += 1;
    } else if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length && !isBlank(lines[i])) {
        const quoted = QUOTE.exec(lines[i]);
        if (!quoted && startsBlock(lines[i])) break;
        inner.push(quoted ? quoted[1] : lines[i]);
        i += 1;
      }
      const quote = document.createElement("blockquote");
      renderBlocks(inner, quote);
      parent.append(quote);
    } else if ((match = ITEM.exec(line))) {
      i = renderList(lines, i, parent);
    } else if (INDENTED.test(line)) {
      const code = [];
      while (i < lines.length && (INDENTED.test(lines[i]) || isBlank(lines[i]))) {
        const indented = INDENTED.exec(lines[i]);
        code.push(indented ? indented[1] : "");
        i += 1;
      }
      while (code.length && code[code.length - 1] === "") code.pop();
      parent.append(codeBlock(code.join("\n"), ""));
    } else if (
      line.includes("|") &&
      i + 1 < lines.length &&
      TABLE_RULE.test(lines[i + 1]) &&
      lines[i + 1].includes("-")
    ) {
      i = renderTable(lines, i, parent);
    } else {
      i = renderParagraph(lines, i, parent);
    }
  }
}

function renderFence(lines, start, match, parent) {
  const marker = match[1];
  const language = match[2] || "";
  const body = [];
  let i = start + 1;
  while (i < lines.length) {
    const closing = lines[i].trim();
    if (closing.startsWith(marker[0].repeat(marker.length)) && /^([`~])\1*$/.test(closing)) {
      i += 1;
      break;
    }
    body.push(lines[i]);
    i += 1;
  }
  parent.append(codeBlock(body.join("\n"), language));
  return i;
}

function codeBlock(text, language) {
  const pre = document.createElement("pre");
  const code = document.createElement("code");
  if (language) {
    // Only a conservative token ever reaches an attribute.
    const safe = language.toLowerCase().replace(/[^a-z0-9+#-]/g, "").slice(0, 20);
    if (safe) pre.dataset.language = safe;
  }
  code.textContent = text;
  pre.append(code);
  return pre;
}

function renderParagraph(lines, start, parent) {
  const body = [];
  let i = start;
  while (i < lines.length && !isBlank(lines[i])) {
    if (i > start && startsBlock(lines[i])) break;
    if (
      i > start &&
      lines[i].includes("|") &&
      i + 1 < lines.length &&
      TABLE_RULE.test(lines[i + 1]) &&
      lines[i + 1].includes("-")
    ) {
      break;
    }
    body.push(lines[i].trim());
    i += 1;
  }
  const paragraph = document.createElement("p");
  body.forEach((text, index) => {
    if (index > 0) paragraph.append(document.createElement("br"));
    paragraph.append(renderInline(text));
  });
  parent.append(paragraph);
  return i;
}

function renderList(lines, start, parent) {
  const first = ITEM.exec(lines[start]);
  const ordered = /\d/.test(first[2]);
  const list = document.createElement(ordered ? "ol" : "ul");
  if (ordered) {
    const number = parseInt(first[2], 10);
    if (number !== 1) list.start = number;
  }
  const baseIndent = first[1].length;
  let i = start;
  let loose = false;
  const items = [];

  while (i < lines.length) {
    const match = ITEM.exec(lines[i]);
    if (!match || match[1].length !== baseIndent || /\d/.test(match[2]) !== ordered) break;
    const spacing = match[3] ? match[3].length - (match[4] || "").length : 1;
    const contentIndent = baseIndent + match[2].length + Math.min(Math.max(spacing, 1), 4);
    const body = [match[4] || ""];
    i += 1;
    let sawBlank = false;
    while (i < lines.length) {
      const line = lines[i];
      if (isBlank(line)) {
        sawBlank = true;
        body.push("");
        i += 1;
        continue;
      }
      const indent = line.length - line.trimStart().length;
      if (indent >= contentIndent || (indent > baseIndent && ITEM.test(line))) {
        body.push(line.slice(Math.min(indent, contentIndent)));
      } else if (!sawBlank && !startsBlock(line)) {
        // A lazy continuation of the item's paragraph.
        body.push(line.trim());
      } else {
        break;
      }
      sawBlank = false;
      i += 1;
    }
    // Blank lines between items make a loose list; trailing blanks end it.
    while (body.length && body[body.length - 1] === "") body.pop();
    if (body.includes("")) loose = true;
    items.push(body);
    if (sawBlank) {
      const next = i < lines.length ? ITEM.exec(lines[i]) : null;
      if (next && next[1].length === baseIndent && /\d/.test(next[2]) === ordered) {
        loose = true;
      } else {
        break;
      }
    }
  }

  for (const body of items) {
    const item = document.createElement("li");
    renderBlocks(body, item);
    if (!loose) {
      // Tight lists keep their text beside the marker rather than in a spaced paragraph.
      for (const child of Array.from(item.children)) {
        if (child.nodeName === "P") child.replaceWith(...child.childNodes);
      }
    }
    list.append(item);
  }
  parent.append(list);
  return i;
}

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const cells = [];
  let current = "";
  let inCode = false;
  for (let k = 0; k < row.length; k += 1) {
    const ch = row[k];
    if (ch === "\\" && row[k + 1] === "|") {
      current += "|";
      k += 1;
    } else if (ch === "`") {
      inCode = !inCode;
      current += ch;
    } else if (ch === "|" && !inCode) {
      cells.push(current.trim());
      current = "";
    } else {
      current += ch;
    }
  }
  cells.push(current.trim());
  return cells;
}

function renderTable(lines, start, parent) {
  const header = splitRow(lines[start]);
  const aligns = splitRow(lines[start + 1]).map((spec) => {
    const left = spec.startsWith(":");
    const right = spec.endsWith(":");
    if (left && right) return "center";
    if (right) return "right";
    return "";
  });
  const table = document.createElement("table");
  const head = document.createElement("thead");
  const headRow = document.createElement("tr");
  header.forEach((text, index) => {
    const cell = document.createElement("th");
    if (aligns[index]) cell.className = `align-${aligns[index]}`;
    cell.append(renderInline(text));
    headRow.append(cell);
  });
  head.append(headRow);
  table.append(head);
  const bodyEl = document.createElement("tbody");
  let i = start + 2;
  while (i < lines.length && !isBlank(lines[i]) && lines[i].includes("|")) {
    const cells = splitRow(lines[i]);
    const row = document.createElement("tr");
    header.forEach((_, index) => {
      const cell = document.createElement("td");
      if (aligns[index]) cell.className = `align-${aligns[index]}`;
      cell.append(renderInline(cells[index] || ""));
      row.append(cell);
    });
    bodyEl.append(row);
    i += 1;
  }
  table.append(bodyEl);
  const wrap = document.createElement("div");
  wrap.className = "table-wrap";
  wrap.append(table);
  parent.append(wrap);
  return i;
}

// ---------------------------------------------------------------------------------------------
// Inline

const ESCAPABLE = new Set("\\`*_{}[]()#+-.!|~<>\"'");
const BARE_URL = /^(?:https?:\/\/|mailto:)[^\s<>"]*[^\s<>".,:;!?'")\]*_~]/i;

/** `text` with inline Markdown, as a fragment of DOM nodes. */
export function renderInline(text) {
  const fragment = document.createDocumentFragment();
  let plain = "";
  const flush = () => {
    if (plain) {
      fragment.append(document.createTextNode(plain));
      plain = "";
    }
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const rest = text.slice(i);

    if (ch === "\\" && i + 1 < text.length && ESCAPABLE.has(text[i + 1])) {
      plain += text[i + 1];
      i += 2;
      continue;
    }

    if (ch === "`") {
      const run = /^`+/.exec(rest)[0];
      const close = findClosingTicks(text, i + run.length, run.length);
      if (close !== -1) {
        flush();
        let content = text.slice(i + run.length, close).replace(/\n/g, " ");
        if (content.length > 2 && content.startsWith(" ") && content.endsWith(" ")) {
          content = content.slice(1, -1);
        }
        const code = document.createElement("code");
        code.textContent = content;
        fragment.append(code);
        i = close + run.length;
        continue;
      }
      plain += run;
      i += run.length;
      continue;
    }

    if (ch === "!" && text[i + 1] === "[") {
      const link = parseLink(text, i + 1);
      if (link) {
        flush();
        // Never load an image named by an answer: show its description, linked when safe.
        fragment.append(linkOrText(link.href, link.label || link.href, true));
        i = link.end;
        continue;
      }
    }

    if (ch === "[") {
      const link = parseLink(text, i);
      if (link) {
        flush();
        fragment.append(linkOrText(link.href, link.label, false));
        i = link.end;
        continue;
      }
    }

    if (ch === "<") {
      const auto = /^<((?:https?|mailto):[^\s<>]+)>/i.exec(rest);
      if (auto) {
        flush();
        fragment.append(linkOrText(auto[1], null, false));
        i += auto[0].length;
        continue;
      }
    }

    if ((ch === "h" || ch === "H" || ch === "m" || ch === "M") && !/[\w/]$/.test(plain)) {
      const bare = BARE_URL.exec(rest);
      if (bare && safeHref(bare[0])) {
        flush();
        fragment.append(linkOrText(bare[0], null, false));
        i += bare[0].length;
        continue;
      }
    }

    if (ch === "*" || ch === "_" || ch === "~") {
      const emphasis = parseEmphasis(text, i);
      if (emphasis) {
        flush();
        const element = document.createElement(emphasis.tag);
        element.append(renderInline(emphasis.inner));
        fragment.append(element);
        i = emphasis.end;
        continue;
      }
    }

    plain += ch;
    i += 1;
  }
  flush();
  return fragment;
}

function findClosingTicks(text, from, count) {
  let k = from;
  while (k < text.length) {
    if (text[k] === "`") {
      let run = 0;
      while (text[k + run] === "`") run += 1;
      if (run === count) return k;
      k += run;
    } else {
      k += 1;
    }
  }
  return -1;
}

/** `[label](href "title")` starting at `start` (the `[`), or null. */
function parseLink(text, start) {
  let depth = 0;
  let k = start;
  for (; k < text.length; k += 1) {
    const ch = text[k];
    if (ch === "\\") {
      k += 1;
    } else if (ch === "[") {
      depth += 1;
    } else if (ch === "]") {
      depth -= 1;
      if (depth === 0) break;
    }
  }
  if (k >= text.length || text[k + 1] !== "(") return null;
  const label = text.slice(start + 1, k);
  let parens = 0;
  let j = k + 2;
  for (; j < text.length; j += 1) {
    const ch = text[j];
    if (ch === "\\") {
      j += 1;
    } else if (ch === "(") {
      parens += 1;
    } else if (ch === ")") {
      if (parens === 0) break;
      parens -= 1;
    }
  }
  if (j >= text.length) return null;
  let target = text.slice(k + 2, j).trim();
  // Drop an optional title: `url "title"`.
  const titled = /^(\S+)\s+(["'(]).*\2?$/.exec(target);
  if (titled) target = titled[1];
  if (target.startsWith("<") && target.endsWith(">")) target = target.slice(1, -1);
  return { label, href: target, end: j + 1 };
}

function linkOrText(rawHref, label, isImage) {
  const href = safeHref(rawHref);
  if (!href) {
    // An unsafe or relative link keeps its words and loses its target.
    const span = document.createElement("span");
    span.className = "unsafe-link";
    span.append(renderInline(label ?? String(rawHref)));
    return span;
  }
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.target = "_blank";
  anchor.rel = "noopener noreferrer";
  anchor.referrerPolicy = "no-referrer";
  if (isImage) anchor.className = "image-link";
  if (label === null) {
    anchor.textContent = href.startsWith("mailto:") ? href.slice("mailto:".length) : rawHref;
  } else {
    anchor.append(renderInline(label));
    anchor.title = href;
  }
  return anchor;
}

/** Bold, italics or strike-through opening at `start`, or null when not closed. */
function parseEmphasis(text, start) {
  const ch = text[start];
  let width = 1;
  while (text[start + width] === ch && width < 3) width += 1;
  if (ch === "~" && width < 2) return null;
  const after = text[start + width];
  if (after === undefined || /\s/.test(after)) return null;
  // `_` inside a word (snake_case) is not emphasis.
  if (ch === "_" && start > 0 && /[\p{L}\p{N}]/u.test(text[start - 1])) return null;

  const tries = ch === "~" ? [2] : width >= 2 ? [width, 2, 1].filter((w) => w <= width) : [1];
  for (const w of tries) {
    const marker = ch.repeat(w);
    let k = start + w;
    while ((k = text.indexOf(marker, k)) !== -1) {
      const before = text[k - 1];
      const next = text[k + w];
      const closes =
        k > start + w &&
        !/\s/.test(before) &&
        next !== ch &&
        !(ch === "_" && next !== undefined && /[\p{L}\p{N}]/u.test(next));
      if (closes) {
        const inner = text.slice(start + w, k);
        let tag;
        if (ch === "~") tag = "del";
        else if (w === 1) tag = "em";
        else tag = "strong";
        if (w === 3) {
          return { tag: "strong", inner: `${ch}${inner}${ch}`, end: k + w };
        }
        return { tag, inner, end: k + w };
      }
      k += 1;
    }
  }
  return null;
}
