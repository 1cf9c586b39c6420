// Turn the assistant's reply mark-up into DOM nodes, safely.
//
// The server's mark-up (assistant/replies.py) is deliberately tiny: a line starting with "- " is a
// list item and **…** is bold. We also turn http(s) URLs into links. Every piece of text goes in
// through textContent / createTextNode — never innerHTML — so neither the user's words nor the
// knowledge files can inject markup.

const URL_RE = /https?:\/\/[^\s<>"'，。；！？、）)】」]+/g;
const BOLD_RE = /\*\*(.+?)\*\*/g;

/** Create an element with optional class and text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** Append `text` to `parent`, turning URLs into links that open in a new tab. */
function appendLinked(parent, text) {
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    if (match.index > last) parent.append(text.slice(last, match.index));
    const a = el("a", null, match[0]);
    a.href = match[0]; // the regex only admits http(s), so no javascript: URLs
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.append(el("span", "visually-hidden", "（在新窗口打开）"));
    parent.append(a);
    last = match.index + match[0].length;
  }
  if (last < text.length) parent.append(text.slice(last));
}

/** Append one line's inline mark-up (**bold**, links) to `parent`. */
export function appendInline(parent, line) {
  let last = 0;
  for (const match of line.matchAll(BOLD_RE)) {
    if (match.index > last) appendLinked(parent, line.slice(last, match.index));
    const strong = el("strong");
    appendLinked(strong, match[1]);
    parent.append(strong);
    last = match.index + match[0].length;
  }
  if (last < line.length) appendLinked(parent, line.slice(last));
}

/** The reply text as a fragment of <p> and <ul><li> blocks. */
export function renderMarkup(text) {
  const fragment = document.createDocumentFragment();
  let list = null;
  for (const raw of String(text ?? "").split("\n")) {
    const line = raw.trim();
    if (!line) {
      list = null;
      continue;
    }
    if (line.startsWith("- ")) {
      // Consecutive "- " lines belong to one list.
      if (!list) list = fragment.appendChild(el("ul"));
      const li = el("li");
      appendInline(li, line.slice(2).trim());
      list.append(li);
    } else {
      list = null;
      const p = el("p");
      appendInline(p, line);
      fragment.append(p);
    }
  }
  return fragment;
}

/** One folded section: <details><summary>title</summary>…</details>. */
export function renderDetails({ title, text }) {
  const details = el("details", "more");
  details.append(el("summary", null, title));
  const body = el("div", "more__body");
  body.append(renderMarkup(text));
  details.append(body);
  return details;
}
