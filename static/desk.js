// The answer desk (/staff): results as the clerk types, copy buttons, the phone-enquiry log.
//
// Rules this file keeps (as chat.js does):
// - Text enters the page only through textContent (render.js); nothing is assigned to innerHTML.
// - The query goes to /staff/api/answers by GET from fetch: it never enters the address bar or the
//   history, and the server's access log leaves query strings out.
// - The last query and its results stay in sessionStorage, so coming back from a case shows them
//   again without a second (audited) search; logging out clears them.

import { el, renderDetails, renderMarkup } from "./render.js";

const STORE_KEY = "renfang-desk:last";
const DEBOUNCE_MS = 250;

const TEXT = {
  searching: "正在查找…",
  summary: (answers, cases) => `找到 ${answers} 条答复、${cases} 件办件。`,
  nothing: "没有找到相符的答复或办件。可以换个说法，或输入办件编号、电话后四位。",
  failed: "查询没有成功，请稍后再试。",
  expired: "登录已过期，请重新登录。",
  answersTitle: "答复",
  casesTitle: "办件",
  sources: "出处",
  copy: "复制",
  copied: "已复制",
  copyFailed: "无法复制，请手动选择文字",
  logLabel: "记一次电话咨询：",
  outcomes: { answered: "已解答", callback: "需回电", referred: "已转介" },
  logged: (label) => `已记录：${label}`,
  overdue: "已超期",
};

const form = document.getElementById("desk-form");
const box = document.getElementById("q");
const results = document.getElementById("desk-results");
const statusLine = document.getElementById("desk-status");
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
let timer = 0;
let latest = 0;

// ---- searching ----------------------------------------------------------------------------------

function params() {
  const data = new FormData(form);
  return { q: String(data.get("q") ?? "").trim(), status: data.get("status") || "", deadline: data.get("deadline") || "" };
}

/** Search now; with `open`, go straight to the case when the query is a whole case number. */
async function search(open = false) {
  const query = params();
  const ticket = ++latest;
  if (!query.q && !query.status && !query.deadline) {
    results.replaceChildren();
    statusLine.textContent = "";
    forget();
    return;
  }
  statusLine.textContent = TEXT.searching;
  const url = new URL(form.dataset.api, window.location.href);
  for (const [key, value] of Object.entries(query)) if (value) url.searchParams.set(key, value);
  let data;
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (response.status === 401) throw new Error(TEXT.expired);
    data = await response.json();
    if (!response.ok) throw new Error(data.error || TEXT.failed);
  } catch (error) {
    if (ticket === latest) statusLine.textContent = error.message || TEXT.failed;
    return;
  }
  if (ticket !== latest) return; // an older answer arriving after a newer one: drop it
  if (open && data.exact) {
    window.location.assign(`/staff/cases/${encodeURIComponent(data.exact)}`);
    return;
  }
  show(data);
  remember(query, data);
}

function show(data) {
  const cards = Array.isArray(data.results) ? data.results : [];
  const cases = Array.isArray(data.cases) ? data.cases : [];
  statusLine.textContent = cards.length || cases.length ? TEXT.summary(cards.length, cases.length) : TEXT.nothing;
  const parts = [];
  if (cards.length) parts.push(section(TEXT.answersTitle, "desk-answers", cards.map(card)));
  if (cases.length) parts.push(section(TEXT.casesTitle, "desk-cases", cases.map(caseItem)));
  results.replaceChildren(...parts);
}

function section(title, id, items) {
  const wrap = el("section", "desk-section");
  wrap.setAttribute("aria-labelledby", `${id}-title`);
  const heading = el("h2", "results__title", title);
  heading.id = `${id}-title`;
  const list = el("ol", "results__list");
  for (const item of items) list.append(item);
  wrap.append(heading, list);
  return wrap;
}

/** One answer card: title, the direct answer, the guide folded, sources, copy and log buttons. */
function card(data) {
  const li = el("li", "result answer-card");
  const head = el("h3", "answer-card__title");
  const focusable = el("a", "result__link", data.title);
  focusable.href = `#card-${data.item_id}-${data.entry_id || "item"}`;
  focusable.id = `card-${data.item_id}-${data.entry_id || "item"}`;
  head.append(focusable);
  li.append(head);
  if (data.entry_id) li.append(el("p", "answer-card__item", data.item_name));
  const answer = el("div", "answer-card__answer");
  answer.append(renderMarkup(data.answer));
  li.append(answer);
  for (const part of data.guide || []) li.append(renderDetails(part));
  if (Array.isArray(data.sources) && data.sources.length) {
    const sources = el("details", "more answer-card__sources");
    sources.append(el("summary", null, TEXT.sources));
    const list = el("ul");
    for (const source of data.sources) list.append(el("li", null, source));
    sources.append(list);
    li.append(sources);
  }
  const actions = el("div", "answer-card__actions");
  actions.append(copyButton(() => data.plain_text), enquiryLog(data));
  li.append(actions);
  return li;
}

function caseItem(data) {
  const li = el("li", `result${data.overdue ? " result--overdue" : ""}`);
  const head = el("p", "result__head");
  const link = el("a", "result__link", data.case_no);
  link.href = `/staff/cases/${encodeURIComponent(data.case_no)}`;
  head.append(link, el("span", "status-badge", data.status));
  if (data.demo) head.append(el("span", "demo-badge", "演示"));
  li.append(head);
  const facts = el("dl", "facts facts--compact");
  const rows = [
    ["申请人", data.applicant],
    ["项目", data.project_name],
    ["事项", data.item_name],
    ["联系电话", data.phone],
    ["提交日期", data.submitted_at],
    ["期限", data.deadline],
  ];
  for (const [label, value] of rows) {
    if (!value) continue;
    const row = el("div");
    row.append(el("dt", null, label), el("dd", null, value));
    facts.append(row);
  }
  li.append(facts);
  return li;
}

// ---- copy and the phone-enquiry log -------------------------------------------------------------

function copyButton(textOf) {
  const button = el("button", "button button--small copy", TEXT.copy);
  button.type = "button";
  button.addEventListener("click", () => copy(button, textOf()));
  return button;
}

async function copy(button, text) {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = TEXT.copied;
  } catch {
    button.textContent = TEXT.copyFailed;
  }
  window.setTimeout(() => (button.textContent = label), 2000);
}

function enquiryLog(data) {
  const wrap = el("div", "enquiry-log");
  const id = `log-${data.item_id}-${data.entry_id || "item"}`;
  const label = el("span", "enquiry-log__label", TEXT.logLabel);
  label.id = id;
  const group = el("div", "enquiry-log__buttons");
  group.setAttribute("role", "group");
  group.setAttribute("aria-labelledby", id);
  const note = el("span", "enquiry-log__note");
  note.setAttribute("role", "status");
  for (const [outcome, text] of Object.entries(TEXT.outcomes)) {
    const button = el("button", "button button--small", text);
    button.type = "button";
    button.addEventListener("click", async () => {
      const response = await fetch(form.dataset.enquiries, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
        body: JSON.stringify({ item_id: data.item_id, entry_id: data.entry_id, outcome }),
      }).catch(() => null);
      note.textContent = response && response.ok ? TEXT.logged(text) : TEXT.failed;
    });
    group.append(button);
  }
  wrap.append(label, group, note);
  return wrap;
}

// ---- remembering the last search ----------------------------------------------------------------

// Results are kept with this login's CSRF token (it changes at every login and logout), so a search
// made before a logout is never shown to whoever logs in next in the same tab.
function remember(query, data) {
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify({ query, data, token: csrf }));
  } catch {
    /* storage disabled: the desk still works, it just forgets */
  }
}

function forget() {
  try {
    sessionStorage.removeItem(STORE_KEY);
  } catch {
    /* nothing stored */
  }
}

function restore() {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
  } catch {
    saved = null;
  }
  if (!saved || !saved.query || saved.token !== csrf) {
    forget();
    return;
  }
  box.value = saved.query.q || "";
  form.elements.status.value = saved.query.status || "";
  form.elements.deadline.value = saved.query.deadline || "";
  show(saved.data || {});
}

// ---- wiring -------------------------------------------------------------------------------------

if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.clearTimeout(timer);
    search(true);
  });
  box.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => search(), DEBOUNCE_MS);
  });
  for (const select of form.querySelectorAll("select")) select.addEventListener("change", () => search());
  box.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown") return;
    const first = results.querySelector("a, button, summary");
    if (first) {
      event.preventDefault();
      first.focus();
    }
  });
  restore();
}

// The due list's copy buttons (server-rendered page).
for (const button of document.querySelectorAll("[data-copy-from]")) {
  button.addEventListener("click", () => copy(button, document.getElementById(button.dataset.copyFrom).textContent));
}

// Logging out forgets the last search (it may hold an applicant's name).
for (const logout of document.querySelectorAll('form[action$="/logout"]')) logout.addEventListener("submit", forget);
