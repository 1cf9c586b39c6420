// Turn the assistant's reply mark-up into DOM nodes, safely.
//
// The server's mark-up (assistant/replies.py) is deliberately tiny: a line starting with "- " is a
// list item and **…** is bold. We also turn official pages (https: only) and phone numbers into
// links (tel:). Every piece of text goes in through textContent / createTextNode — never innerHTML —
// and a link's href is built only from what these patterns admit, so neither the user's words nor
// the knowledge files can inject markup or a javascript: URL.

// An https address, up to the first space or Chinese punctuation.
const URL_SOURCE = String.raw`https:\/\/[^\s<>"'，。；！？、）)】」]+`;
// A phone number: the hotlines (12345, 110, 119, 120), an 8-digit Shanghai landline (24028888, with
// an optional 021-), or a mobile number; never part of a longer number, a year, an amount or a count.
const PHONE_SOURCE = String.raw`(?<![\d.\-第])(?:(?:021-?)?\d{8}|1[3-9]\d{9}|12345|110|119|120)(?![\d.%]|年|元|件|个|万|日|天|号|平|米|条|项|分|秒|人|名|次|户|起|家|所|座|处|台|部|期)`;
const LINK_RE = new RegExp(`(${URL_SOURCE})|(${PHONE_SOURCE})`, "g");
const BOLD_RE = /\*\*(.+?)\*\*/g;

/** Create an element with optional class and text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** Append `text` to `parent`, turning https addresses (new tab) and phone numbers (tel:) into links. */
function appendLinked(parent, text) {
  let last = 0;
  for (const match of text.matchAll(LINK_RE)) {
    if (match.index > last) parent.append(text.slice(last, match.index));
    const a = el("a", null, match[0]);
    if (match[1]) {
      a.href = match[1]; // only https: is admitted by URL_SOURCE
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.append(el("span", "visually-hidden", "（在新窗口打开）"));
    } else {
      a.href = `tel:${match[2].replace(/-/g, "")}`; // digits only
      a.className = "tel";
    }
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
