// The chat widget. One tag on any site:
//
//   <script src="https://chat.example/embed.js" defer></script>
//
// adds a launcher button and a panel that holds this origin's chat page in a frame (`/?embed=1`),
// so the chat's styles, storage and socket stay apart from the host page. The host site must be
// listed in the chat server's FRAME_ANCESTORS.
//
// It works under a host Content-Security-Policy that allows this origin only for script-src and
// frame-src. It adds no <style> element and no style attribute in markup: every style is set
// through the CSSOM (element.style), which a CSP does not restrict. Its icons are SVG built node
// by node, so it loads no image.
//
// Options, as data- attributes of the script tag:
//   data-position  "right" (default) or "left": the bottom corner the button sits in
//   data-accent    a CSS colour for the button and the chat (default #4f46e5)
//   data-label     the button's label and accessible name (default "Ask about my resume")
//   data-greeting  the chat's welcome text
//   data-open      "true" opens the panel when the page loads
//
// The host page opens and closes it with
//   window.postMessage({ type: "resume-chat:open" }, location.origin)
// ("resume-chat:close", "resume-chat:toggle" likewise).
(() => {
  "use strict";

  const script = document.currentScript;
  // Loaded twice (two tags, or a module bundler): one widget is enough.
  if (!script || window.__resumeChatWidget) return;
  window.__resumeChatWidget = true;

  const CHAT_ORIGIN = new URL(script.src, location.href).origin;
  const DEFAULT_ACCENT = "#4f46e5";
  /** Below this width the panel takes the whole screen. */
  const PHONE = window.matchMedia("(max-width: 540px)");
  const LAYER = "2147483000";
  const SVG = "http://www.w3.org/2000/svg";
  const ICON_CHAT = "M4 5h16v11H9l-5 4z";
  const ICON_CLOSE = "M6 6l12 12M18 6L6 18";

  const data = script.dataset;
  const options = {
    left: (data.position || "").trim().toLowerCase() === "left",
    accent: data.accent && CSS.supports("color", data.accent) ? data.accent.trim() : DEFAULT_ACCENT,
    label: (data.label || "").trim() || "Ask about my resume",
    greeting: (data.greeting || "").trim(),
    open: (data.open || "").trim().toLowerCase() === "true",
  };

  const state = { open: false, ready: false, focusWhenReady: false, unread: 0 };

  // ---------------------------------------------------------------------------------------------
  // Elements

  function style(element, properties) {
    Object.assign(element.style, properties);
    return element;
  }

  function icon(path) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    style(svg, { width: "22px", height: "22px", flex: "none" });
    const line = document.createElementNS(SVG, "path");
    line.setAttribute("d", path);
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", "currentColor");
    line.setAttribute("stroke-width", "2");
    line.setAttribute("stroke-linecap", "round");
    line.setAttribute("stroke-linejoin", "round");
    svg.append(line);
    return { svg, line };
  }

  const side = options.left ? "left" : "right";

  const launcher = style(document.createElement("button"), {
    position: "fixed",
    bottom: "20px",
    [side]: "20px",
    zIndex: LAYER,
    display: "inline-flex",
    alignItems: "center",
    gap: "8px",
    margin: "0",
    padding: "12px 18px",
    border: "0",
    borderRadius: "999px",
    background: options.accent,
    color: "#fff",
    font: "600 15px/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    boxShadow: "0 6px 24px rgb(16 24 40 / 22%)",
    cursor: "pointer",
    outlineOffset: "3px",
  });
  launcher.type = "button";
  launcher.id = "resume-chat-launcher";
  launcher.setAttribute("aria-haspopup", "dialog");
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "resume-chat-panel");
  const launcherIcon = icon(ICON_CHAT);
  const launcherText = document.createElement("span");
  launcherText.textContent = options.label;
  const badge = style(document.createElement("span"), {
    display: "none",
    minWidth: "20px",
    height: "20px",
    padding: "0 6px",
    borderRadius: "999px",
    background: "#dc2626",
    color: "#fff",
    font: "700 12px/20px system-ui, sans-serif",
    textAlign: "center",
  });
  badge.setAttribute("aria-hidden", "true");
  badge.dataset.role = "unread";
  launcher.append(launcherIcon.svg, launcherText, badge);
  // A ring that shows where the keyboard is, set through the CSSOM like every other style.
  launcher.addEventListener("focus", () => style(launcher, { outline: `3px solid ${options.accent}` }));
  launcher.addEventListener("blur", () => style(launcher, { outline: "none" }));

  const panel = style(document.createElement("div"), {
    position: "fixed",
    zIndex: LAYER,
    display: "none",
    overflow: "hidden",
    background: "#fff",
    boxShadow: "0 12px 48px rgb(16 24 40 / 28%)",
  });
  panel.id = "resume-chat-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", options.label);

  let frame = null;

  /** Docked above the button on a wide screen; the whole screen on a phone. */
  function layOut() {
    const phone = PHONE.matches;
    style(panel, phone
      ? { top: "0", bottom: "0", left: "0", right: "0", width: "100%", height: "100%", borderRadius: "0" }
      : {
          top: "auto",
          bottom: "88px",
          left: options.left ? "20px" : "auto",
          right: options.left ? "auto" : "20px",
          width: "min(400px, calc(100vw - 40px))",
          height: "min(640px, calc(100vh - 112px))",
          borderRadius: "16px",
        });
    // On a phone the open panel covers the button; the chat's own close button ends it.
    launcher.style.display = phone && state.open ? "none" : "inline-flex";
  }

  function chatUrl() {
    const url = new URL("/", CHAT_ORIGIN);
    url.searchParams.set("embed", "1");
    url.searchParams.set("host", location.origin);
    if (options.accent !== DEFAULT_ACCENT) url.searchParams.set("accent", options.accent);
    if (options.greeting) url.searchParams.set("greeting", options.greeting);
    return url.href;
  }

  /** The frame is made on first open, so a visitor who never asks opens no socket. */
  function ensureFrame() {
    if (frame) return;
    frame = style(document.createElement("iframe"), {
      display: "block",
      width: "100%",
      height: "100%",
      border: "0",
    });
    frame.title = options.label;
    frame.allow = "clipboard-write";
    frame.referrerPolicy = "no-referrer";
    frame.src = chatUrl();
    panel.append(frame);
  }

  // ---------------------------------------------------------------------------------------------
  // Opening and closing

  function showUnread() {
    const count = state.unread;
    badge.textContent = count > 9 ? "9+" : String(count);
    badge.style.display = count > 0 ? "inline-block" : "none";
    const news = count === 1 ? " (1 new answer)" : count > 1 ? ` (${count} new answers)` : "";
    launcher.setAttribute("aria-label", `${options.label}${news}`);
  }

  function focusChat() {
    if (!frame) return;
    frame.focus();
    if (state.ready) frame.contentWindow.postMessage({ type: "resume-chat:focus" }, CHAT_ORIGIN);
    else state.focusWhenReady = true;
  }

  /** Opens the panel; `moveFocus` is false only when it opens by itself at load. */
  function open(moveFocus = true) {
    ensureFrame();
    state.open = true;
    state.unread = 0;
    showUnread();
    panel.style.display = "block";
    launcher.setAttribute("aria-expanded", "true");
    launcherIcon.line.setAttribute("d", ICON_CLOSE);
    layOut();
    if (moveFocus) focusChat();
  }

  function close() {
    if (!state.open) return;
    const focusWasInside = document.activeElement === frame || panel.contains(document.activeElement);
    state.open = false;
    panel.style.display = "none";
    launcher.setAttribute("aria-expanded", "false");
    launcherIcon.line.setAttribute("d", ICON_CHAT);
    layOut();
    if (focusWasInside) launcher.focus();
  }

  function toggle() {
    if (state.open) close();
    else open();
  }

  launcher.addEventListener("click", () => toggle());

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.open) close();
  });

  window.addEventListener("message", (event) => {
    const type = event.data && typeof event.data === "object" ? event.data.type : null;
    if (typeof type !== "string" || !type.startsWith("resume-chat:")) return;
    if (event.source === window) {
      // The host page's API.
      if (type === "resume-chat:open") open(true);
      else if (type === "resume-chat:close") close();
      else if (type === "resume-chat:toggle") toggle();
      return;
    }
    if (!frame || event.source !== frame.contentWindow || event.origin !== CHAT_ORIGIN) return;
    if (type === "resume-chat:ready") {
      state.ready = true;
      launcher.dataset.ready = "true";
      if (state.focusWhenReady && state.open) {
        state.focusWhenReady = false;
        focusChat();
      }
    } else if (type === "resume-chat:answered") {
      if (!state.open) {
        state.unread += 1;
        showUnread();
      }
    } else if (type === "resume-chat:close") {
      close();
      launcher.focus();
    }
  });

  PHONE.addEventListener("change", layOut);

  function mount() {
    document.body.append(panel, launcher);
    layOut();
    showUnread();
    if (options.open) open(false);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
