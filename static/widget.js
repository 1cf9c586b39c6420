// The one-line embed for the office's website:
//
//   <script src="https://HOST/static/widget.js" defer></script>
//
// adds a floating "在线咨询" button that opens the chat (an iframe of HOST's chat page) in a panel.
// HOST must list the website's origin in ASSISTANT_EMBED_ORIGINS, or the chat page refuses to be
// framed (CSP frame-ancestors) and the panel stays empty.
//
// Rules this file keeps:
// - It touches the host page as little as it can: one element at the end of <body>, whose content
//   and styles live in a shadow root (the site's CSS cannot break the widget, nor the widget the
//   site), no global variables, no inline style attributes (a site with a strict CSP still works:
//   the styles are a constructed style sheet).
// - Keyboard: the button opens and closes the panel (aria-expanded); on opening, focus goes into the
//   chat's question box; Esc — in the panel's bar or inside the chat — closes it and focus returns to
//   the button. On a phone the open panel fills the screen and Tab stays inside it.
// - On a phone the closed button is small, and an empty block of its height at the end of the page
//   lets the page's last lines scroll clear of it: it never hides the site's content for good.
// - The chat is loaded only when first opened, and kept (with its conversation) when closed.
(() => {
  "use strict";

  const SOURCE = "renfang-assistant"; // postMessage between this file and static/chat.js
  const script =
    document.currentScript || document.querySelector('script[src*="/static/widget.js"]');
  if (!script || document.querySelector("[data-renfang-assistant-widget]")) return; // once per page
  const origin = new URL(script.src, window.location.href).origin;
  const chatUrl = `${origin}/`;
  const phone = window.matchMedia("(max-width: 40rem)");

  const CSS = `
    :host { all: initial; }
    .rw { font-family: system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
          "Noto Sans CJK SC", sans-serif; font-size: 16px; line-height: 1.5; color: #1b1f24; }
    .rw [hidden] { display: none !important; }
    .rw-launch { position: fixed; right: 1rem; bottom: calc(1rem + env(safe-area-inset-bottom, 0px));
          z-index: 2147483000; display: inline-flex; align-items: center; gap: 0.4rem; min-height: 48px;
          padding: 0.5rem 1.1rem; border: 2px solid #fff; border-radius: 999px; background: #0b4a82;
          color: #fff; font: inherit; font-weight: 600; cursor: pointer;
          box-shadow: 0 4px 14px rgb(0 0 0 / 25%); }
    .rw-launch:hover { background: #083760; }
    .rw-launch svg { width: 1.25rem; height: 1.25rem; flex: none; }
    .rw button:focus-visible { outline: 3px solid #b34d00; outline-offset: 2px; }
    .rw-panel { position: fixed; right: 1rem; bottom: calc(5rem + env(safe-area-inset-bottom, 0px));
          z-index: 2147483001; display: flex; flex-direction: column; width: min(26rem, calc(100vw - 2rem));
          height: min(40rem, calc(100vh - 7rem)); border: 1px solid #8a96a3; border-radius: 10px;
          background: #fff; box-shadow: 0 8px 30px rgb(0 0 0 / 30%); overflow: hidden; }
    .rw-bar { display: flex; align-items: center; justify-content: space-between; gap: 0.5rem;
          padding: 0.25rem 0.25rem 0.25rem 0.9rem; background: #0b4a82; color: #fff; }
    .rw-title { margin: 0; font-size: 1rem; font-weight: 700; }
    .rw-close { min-width: 44px; min-height: 44px; padding: 0 0.8rem; border: 1px solid #fff;
          border-radius: 999px; background: transparent; color: #fff; font: inherit; cursor: pointer; }
    .rw-close:hover { background: #083760; }
    .rw-bar button:focus-visible { outline-color: #fff; }
    .rw-frame { flex: 1 1 auto; width: 100%; min-height: 0; border: 0; background: #f4f6f8; }
    .rw-spacer { display: none; }
    .vh { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0;
          overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0; }
    @media (max-width: 40rem) {
      .rw-launch { right: 0.75rem; bottom: calc(0.75rem + env(safe-area-inset-bottom, 0px));
            min-height: 44px; padding: 0.35rem 0.9rem; font-size: 15px; }
      .rw-panel { inset: 0; width: 100%; height: 100%; max-height: 100dvh; border: 0; border-radius: 0; }
      .rw-launch[aria-expanded="true"] { display: none; }
      .rw-spacer { display: block; height: calc(4.5rem + env(safe-area-inset-bottom, 0px)); }
    }
    @media (forced-colors: active) { .rw-launch, .rw-close { border-color: ButtonText; } }
  `;

  const make = (tag, attrs = {}, text) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  };

  const host = make("div", { "data-renfang-assistant-widget": "" });
  const root = host.attachShadow({ mode: "open" });
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(make("style", {}, CSS)); // older browsers; a strict CSP on the site may refuse it
  }

  // A landmark of its own, so the site's landmarks stay as they were and screen reader users can find it.
  const aside = make("aside", { class: "rw", "aria-label": "在线咨询" });
  const launch = make("button", {
    type: "button",
    class: "rw-launch",
    "aria-expanded": "false",
    "aria-controls": "rw-panel",
  });
  const icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("focusable", "false");
  const bubble = document.createElementNS("http://www.w3.org/2000/svg", "path");
  bubble.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2h-8l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
  bubble.setAttribute("fill", "currentColor");
  icon.append(bubble);
  launch.append(icon, make("span", {}, "在线咨询"));

  const panel = make("div", { id: "rw-panel", class: "rw-panel", role: "dialog", "aria-labelledby": "rw-title" });
  panel.hidden = true;
  const bar = make("div", { class: "rw-bar" });
  const title = make("p", { id: "rw-title", class: "rw-title" }, "在线咨询 · 人防咨询助手");
  const close = make("button", { type: "button", class: "rw-close", "aria-label": "关闭在线咨询" }, "关闭");
  bar.append(title, close);
  // On a phone the panel fills the screen (a modal dialog): Tab past the chat comes back to the bar,
  // Shift+Tab before the bar goes into the chat, never to the site hidden behind the panel.
  const wrapStart = make("span", { tabindex: "-1", class: "vh" });
  const wrapEnd = make("span", { tabindex: "-1", class: "vh" });
  panel.append(wrapStart, bar);
  const spacer = make("div", { class: "rw-spacer", "aria-hidden": "true" });
  aside.append(launch, panel);
  root.append(aside, spacer);

  let frame = null;
  let loaded = false; // until then the frame holds about:blank, which must not get our messages

  function focusChat() {
    if (!frame || !loaded) return;
    frame.focus();
    frame.contentWindow.postMessage({ source: SOURCE, type: "focus" }, origin);
  }

  function open() {
    if (!frame) {
      frame = make("iframe", {
        class: "rw-frame",
        title: "人防咨询助手：在线咨询对话",
        src: chatUrl,
        allow: "clipboard-write",
        referrerpolicy: "strict-origin-when-cross-origin",
      });
      frame.addEventListener("load", () => {
        loaded = true;
        if (!panel.hidden) focusChat();
      });
      panel.append(frame, wrapEnd);
    }
    panel.hidden = false;
    launch.setAttribute("aria-expanded", "true");
    fitToScreen();
    focusChat(); // before the chat has loaded this is a no-op; the load handler does it then
  }

  function shut() {
    panel.hidden = true;
    launch.setAttribute("aria-expanded", "false");
    launch.focus();
  }

  launch.addEventListener("click", () => (panel.hidden ? open() : shut()));
  close.addEventListener("click", shut);
  /** Full screen on a phone, and then modal; a side panel beside the site on a wider screen. */
  function fitToScreen() {
    const modal = phone.matches;
    panel.setAttribute("aria-modal", String(modal));
    wrapStart.tabIndex = wrapEnd.tabIndex = modal ? 0 : -1;
  }

  wrapStart.addEventListener("focus", focusChat);
  wrapEnd.addEventListener("focus", () => close.focus());
  if (phone.addEventListener) phone.addEventListener("change", fitToScreen);
  // Esc on the panel's bar (focus inside the chat is handled by the chat, which asks us to close).
  aside.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      shut();
    }
  });
  window.addEventListener("message", (event) => {
    if (!frame || event.source !== frame.contentWindow || event.origin !== origin) return;
    if (event.data && event.data.source === SOURCE && event.data.type === "close" && !panel.hidden) shut();
  });

  const attach = () => document.body.append(host);
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach, { once: true });
})();
