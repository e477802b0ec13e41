//! The page's Markdown renderer (`web/markdown.js`) against the examples of the CommonMark spec
//! (`fixtures/commonmark-spec-0.31.2.json`, see `fixtures/README.md`), in the real browser.
//!
//! Each example is rendered by the page's module and compared with the spec's HTML, both as DOM
//! trees normalised the same way in the page: element names, text with whitespace collapsed, and
//! only the attributes that carry meaning (a link's href and title, a list's start, a code
//! block's language). The reference is parsed with `DOMParser` (the spec's HTML is trusted; a
//! parsed document loads nothing).

use serde_json::Value;

use crate::harness::{Chrome, TestServer};

const SPEC: &str = include_str!("fixtures/commonmark-spec-0.31.2.json");

/// The share of compared examples that must render as the spec says. markdown-it passes the
/// spec; what is left is the page's own choices that the comparison does not forgive (bare URLs
/// made into links, a code block's language kept to a conservative token).
const REQUIRED_AGREEMENT: f64 = 0.95;

/// Fewer compared examples than this means the filter below went wrong (the spec has 652
/// examples; 566 use no raw HTML), not that the renderer is good.
const MIN_COMPARED: usize = 500;

/// `(examples) => Promise<{ compared, failed: [{ number, section, got, want }] }>`, run in the
/// page.
const COMPARE: &str = r#"async (examples) => {
  const { renderMarkdown, safeHref } = await import('/static/markdown.js');

  // Raw HTML is off in the page on purpose (markup in an answer shows as text), so examples that
  // use it are not compared: the spec's sections about it, and every example whose Markdown has
  // something shaped like an HTML tag, comment, processing instruction, declaration or CDATA
  // section. Autolinks (`<https://…>`, `<a@b.example>`) are not raw HTML and stay.
  const RAW_HTML = /<\/?[A-Za-z][A-Za-z0-9-]*[\s\/>]|<!--|<\?|<![A-Za-z]|<!\[CDATA\[/;
  const compared = examples.filter((e) =>
    e.section !== 'HTML blocks' && e.section !== 'Raw HTML' && !RAW_HTML.test(e.markdown));

  const BLOCKS = 'p|div|ul|ol|li|blockquote|pre|h[1-6]|hr|table|thead|tbody|tr|th|td';
  const AROUND_BLOCK_TAGS = new RegExp(` ?(</?(?:${BLOCKS})\\b[^>]*>) ?`, 'g');
  const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;')
    .replace(/>/g, '&gt;').replace(/"/g, '&quot;');

  // One string for a tree. `reference` is the spec's side; each forgiven choice of the page is
  // either made on the reference too or ignored on both sides, as noted.
  function normalise(root, reference) {
    let out = '';
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) {
          out += escape(child.data);
          continue;
        }
        if (child.nodeType !== Node.ELEMENT_NODE) continue;
        let name = child.localName;
        const attrs = {};
        let label = null;
        // Single newlines are line breaks in answers: `<br>` counts as the whitespace it
        // stands for, on both sides.
        if (name === 'br') {
          out += ' ';
          continue;
        }
        // The page wraps tables in a scrolling `div.table-wrap`.
        if (!reference && name === 'div' && child.classList.contains('table-wrap')) {
          walk(child);
          continue;
        }
        // Headings are shifted down below the page's own h1 and h2: `#` is h3, capped at h6.
        if (reference && /^h[1-6]$/.test(name)) name = `h${Math.min(6, Number(name[1]) + 2)}`;
        // Images are shown as links labelled with their description (the address when there
        // is none), never loaded. `class="image-link"` is not compared.
        if (reference && name === 'img') {
          name = 'a';
          label = child.getAttribute('alt') || child.getAttribute('src') || '';
        }
        if (name === 'a') {
          const raw = child.getAttribute(child.localName === 'img' ? 'src' : 'href') ?? '';
          // Only absolute http, https and mailto links are links; any other keeps its words as
          // `span.unsafe-link`, so the reference's are made spans too. The page's hrefs are
          // already what `safeHref` gives, the reference's are passed through it. Links open in
          // a new tab: target, rel and referrerpolicy are not compared.
          const href = reference ? safeHref(raw) : raw;
          if (href === null) {
            name = 'span';
          } else {
            attrs.href = href;
            // A link shows its address as its title when the Markdown gives none: a title equal
            // to the href is not compared, on either side.
            const title = child.getAttribute('title');
            if (title !== null && title !== href) attrs.title = title;
          }
        } else if (name === 'ol' && child.hasAttribute('start')) {
          attrs.start = child.getAttribute('start');
        } else if (name === 'pre') {
          const language = reference
            ? /(?:^|\s)language-(\S+)/.exec(child.querySelector(':scope > code')?.className ?? '')?.[1]
            : child.dataset.language;
          if (language) attrs.language = language;
        }
        const shown = Object.keys(attrs).sort().map((k) => ` ${k}="${escape(attrs[k])}"`).join('');
        out += `<${name}${shown}>`;
        if (label !== null) out += escape(label);
        else walk(child);
        out += `</${name}>`;
      }
    };
    walk(root);
    // Text with whitespace collapsed, and none beside block tags (the spec puts newlines
    // between blocks).
    // The page drops a code block's last newline (a streaming cursor would sit on a line of
    // its own): whitespace closing a code block is not compared.
    return out.replace(/\s+/g, ' ').replace(AROUND_BLOCK_TAGS, '$1')
      .replace(/ <\/code><\/pre>/g, '</code></pre>').trim();
  }

  const failed = [];
  for (const example of compared) {
    const ours = document.createElement('div');
    renderMarkdown(example.markdown, ours);
    const theirs = new DOMParser().parseFromString(example.html, 'text/html').body;
    const got = normalise(ours, false);
    const want = normalise(theirs, true);
    if (got !== want) failed.push({ number: example.number, section: example.section, got, want });
  }
  return { compared: compared.length, failed };
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renderer_agrees_with_the_commonmark_spec() {
    let Some(chrome) = Chrome::launch().await else {
        return;
    };
    let server = TestServer::start(None).await;
    let tab = chrome.open("commonmark", &server.url("/")).await;

    let spec: Value = serde_json::from_str(SPEC).expect("the spec fixture is JSON");
    let examples = &spec["examples"];
    let result: Value = tab.eval(&format!("({COMPARE})({examples})")).await;

    let compared = usize::try_from(result["compared"].as_u64().unwrap()).unwrap();
    let failed = result["failed"].as_array().unwrap();
    for failure in failed {
        eprintln!(
            "example {} ({}):\n   got {}\n  want {}",
            failure["number"], failure["section"], failure["got"], failure["want"]
        );
    }
    let numbers: Vec<String> = failed.iter().map(|f| f["number"].to_string()).collect();
    let agreement = (compared - failed.len()) as f64 / compared as f64;
    eprintln!(
        "CommonMark {}: {} of {compared} examples agree ({:.1} %); differ: {}",
        spec["package"].as_str().unwrap_or_default(),
        compared - failed.len(),
        agreement * 100.0,
        numbers.join(", ")
    );

    assert!(
        compared >= MIN_COMPARED,
        "only {compared} examples compared: the raw HTML filter is wrong"
    );
    assert!(
        agreement >= REQUIRED_AGREEMENT,
        "{:.1} % of the CommonMark examples agree, below {:.0} %",
        agreement * 100.0,
        REQUIRED_AGREEMENT * 100.0
    );

    tab.assert_clean(&server.origin()).await;
    chrome.close().await;
}
