// The applicant chat page: send questions, show replies, pre-review materials, look up a case,
// leave a callback request (留言，请工作人员回电).
//
// Rules this file keeps:
// - Every piece of text, the user's or the server's, enters the page through textContent
//   (render.js); nothing is ever assigned to innerHTML.
// - New messages are appended to the role="log" region, which announces them. Focus is never
//   moved when a reply arrives, so a screen reader user keeps their place.
// - One request at a time: while waiting, the send button is marked disabled (aria-disabled, so
//   a focused button keeps its focus) and "正在查询…" is shown.

import { el, renderDetails, renderMarkup } from "./render.js";

const MAX_CHARS = 1000;
const STORE_KEY = "renfang-assistant:conversation-id";
const TIMEOUT_MS = 20000;

const TEXT = {
  busy: "正在查询…",
  empty: "请先输入您想咨询的问题，例如：“结建审批要多久？”",
  tooLong: (n) => `问题太长了（${n}字），请精简到${MAX_CHARS}字以内，或分几次提问。`,
  network: "抱歉，网络好像出了问题，消息没有送达。请检查网络后再试一次；也可以拨打12345市民服务热线咨询。",
  server: "抱歉，系统暂时没有响应。请稍后再试，或拨打12345市民服务热线咨询。",
  wait: "请稍候，上一条还在查询中。",
  prereviewOpen: "材料预审：勾选已备材料",
  prereviewLegend: (name) => `${name}：请勾选您已经准备好的材料`,
  prereviewCheck: "检查还缺什么",
  prereviewAsk: (n) => (n ? `我已备齐勾选的 ${n} 项材料，请帮我检查还缺什么。` : "我还没有准备材料，请帮我检查还缺什么。"),
  caseOpen: "填写办件编号查询进度",
  caseNoMissing: "请输入办件编号。",
  casePhoneBad: "请输入联系电话的后四位数字，例如 1234。",
  caseAsk: (no) => `查询办件进度：办件编号 ${no}，手机后四位 ****`,
  suggestAnswer: "您可能还想了解：",
  suggestClarify: "请点选：",
  relatedQuestions: "相关问题：",
  callbackOpen: "留言，请工作人员回电",
  callbackName: "请填写您的称呼，例如“王先生”。",
  callbackPhone: "请填写联系电话，方便工作人员回电。",
  callbackQuestion: "请写下您想咨询的问题。",
  callbackConsent: "请勾选同意，工作人员才能给您回电。",
  callbackAsk: "提交留言，请工作人员回电",
  callbackDone: (reference) =>
    `已收到您的留言，留言编号：**${reference}**\n工作人员会在工作时间按您留下的电话回电，请保持电话畅通。\n请记下留言编号：在这里发送编号，就能查询处理进度。`,
};

const $ = (id) => document.getElementById(id);
const log = $("log");
const busyNote = $("busy");
const askForm = $("ask-form");
const question = $("question");
const counter = $("question-count");
const questionError = $("question-error");
const sendButton = $("send");
const casePanel = $("case-panel");
const caseOpen = $("case-open");
const caseForm = $("case-form");
const caseNo = $("case-no");
const casePhone = $("case-phone");
const callbackPanel = $("callback-panel");
const callbackForm = $("callback-form");
const callbackName = $("callback-name");
const callbackPhone = $("callback-phone");
const callbackQuestion = $("callback-question");
const callbackTime = $("callback-time");
const callbackConsent = $("callback-consent");
const callbackError = $("callback-error");

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
let busy = false;
let uid = 0;
// The last question the assistant tried to answer: what a callback request is about. Not "转人工"
// or "都不是", which only ask for a person.
let lastQuestion = "";

// ---- conversation id ---------------------------------------------------------------------------

function loadConversationId() {
  try {
    return sessionStorage.getItem(STORE_KEY);
  } catch {
    return null; // storage disabled: each message starts afresh, which still works
  }
}

function saveConversationId(id) {
  try {
    if (typeof id === "string" && id) sessionStorage.setItem(STORE_KEY, id);
  } catch {
    /* see loadConversationId */
  }
}

// ---- the log -----------------------------------------------------------------------------------

/** Append a message; returns its body element to fill. `role` is "user" or "assistant". */
function addMessage(role, { error = false } = {}) {
  const msg = el("div", `msg msg--${role}${error ? " msg--error" : ""}`);
  msg.append(el("span", "visually-hidden", role === "user" ? "您：" : error ? "助手（出错提示）：" : "助手："));
  const body = el("div", "msg__body");
  msg.append(body);
  log.append(msg);
  // Scrolling is not focus: the reader's place is kept, the new message comes into view.
  msg.scrollIntoView({ block: role === "user" ? "nearest" : "start", behavior: reducedMotion.matches ? "auto" : "smooth" });
  return body;
}

function addUserMessage(text) {
  const body = addMessage("user");
  body.append(el("p", "msg__text", text)); // literal text: CSS keeps the user's line breaks
}

function addErrorMessage(text) {
  const body = addMessage("assistant", { error: true });
  body.append(el("p", null, text));
}

function setBusy(on) {
  busy = on;
  sendButton.setAttribute("aria-disabled", on ? "true" : "false");
  log.setAttribute("aria-busy", on ? "true" : "false");
  busyNote.textContent = on ? TEXT.busy : "";
  document.body.classList.toggle("is-busy", on);
}

// ---- talking to the server ---------------------------------------------------------------------

/**
 * Call the JSON API. Resolves to {ok: true, data} or {ok: false, message} with a Chinese message
 * for the user: the server's own `error` text when it sent one, a polite fallback otherwise.
 */
async function api(method, url, body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: controller.signal,
    });
  } catch {
    return { ok: false, message: TEXT.network };
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok && data && typeof data === "object") return { ok: true, data };
  const message = data && typeof data.error === "string" && data.error ? data.error : TEXT.server;
  return { ok: false, message, status: response.status };
}

/** Run one request with the busy state around it; ignored (with a hint) while another runs. */
async function withBusy(task) {
  if (busy) {
    busyNote.textContent = TEXT.wait;
    return;
  }
  setBusy(true);
  try {
    await task();
  } finally {
    setBusy(false);
  }
}

// ---- asking ------------------------------------------------------------------------------------

function showQuestionError(text) {
  questionError.textContent = text;
  questionError.hidden = !text;
  if (text) {
    question.setAttribute("aria-invalid", "true");
    question.setAttribute("aria-describedby", "question-error question-hint question-count");
  } else {
    question.removeAttribute("aria-invalid");
    question.setAttribute("aria-describedby", "question-hint question-count");
  }
}

function updateCounter() {
  const n = question.value.length;
  counter.textContent = `${n}/${MAX_CHARS}`;
  counter.classList.toggle("counter--full", n >= MAX_CHARS);
  if (n && !questionError.hidden) showQuestionError("");
}

/** Send `text` as a question (from the box, a quick topic or a suggestion). */
function ask(text, { fromBox = false } = {}) {
  const message = String(text ?? "").trim();
  if (!message) {
    showQuestionError(TEXT.empty);
    return;
  }
  if (message.length > MAX_CHARS) {
    showQuestionError(TEXT.tooLong(message.length));
    return;
  }
  if (busy) {
    busyNote.textContent = TEXT.wait;
    return;
  }
  showQuestionError("");
  if (fromBox) {
    question.value = "";
    updateCounter();
  }
  addUserMessage(message);
  return withBusy(async () => {
    const body = { message };
    const conversationId = loadConversationId();
    if (conversationId) body.conversation_id = conversationId;
    const result = await api("POST", "/api/chat", body);
    if (!result.ok) {
      addErrorMessage(result.message);
      // A message lost on the way is given back, so it can be sent again without retyping.
      if (fromBox && result.status === undefined && !question.value) {
        question.value = message;
        updateCounter();
      }
      return;
    }
    saveConversationId(result.data.conversation_id);
    rememberQuestion(message, result.data);
    showReply(result.data);
  });
}

/** One chat reply: the text, folded details, action buttons and suggestions. */
function showReply(data) {
  const body = addMessage("assistant");
  body.classList.add(`msg__body--${data.kind || "answer"}`);
  body.append(renderMarkup(data.reply));
  for (const detail of Array.isArray(data.details) ? data.details : []) {
    if (detail && detail.title && detail.text) body.append(renderDetails(detail));
  }
  const actions = Array.isArray(data.actions) ? data.actions : [];
  if (actions.includes("prereview") && data.item_id) body.append(prereviewStarter(data.item_id));
  if (actions.includes("case_lookup")) {
    const button = el("button", "button action", TEXT.caseOpen);
    button.type = "button";
    button.addEventListener("click", () => openCasePanel({ focus: true }));
    body.appendChild(el("div", "actions")).append(button);
    openCasePanel({ focus: false });
  }
  if (actions.includes("callback")) body.append(callbackStarter());
  const related = Array.isArray(data.related_questions) ? data.related_questions.filter((q) => q && q.title) : [];
  if (related.length) body.append(chipList(related, TEXT.relatedQuestions, "chips chips--questions"));
  const suggestions = Array.isArray(data.suggestions) ? data.suggestions.filter((s) => s && s.title) : [];
  if (suggestions.length) {
    body.append(chipList(suggestions, data.kind === "clarify" ? TEXT.suggestClarify : TEXT.suggestAnswer, "chips"));
  }
}

/** Buttons that ask their title as the next question: related questions, items, choices. */
function chipList(suggestions, labelText, listClass) {
  const id = `suggest-${++uid}`;
  const wrap = el("div", "suggestions");
  const label = el("p", "suggestions__label", labelText);
  label.id = id;
  const list = el("ul", listClass);
  list.setAttribute("aria-labelledby", id);
  for (const { title } of suggestions) {
    const button = el("button", "chip", title);
    button.type = "button";
    button.dataset.ask = title;
    list.appendChild(el("li")).append(button);
  }
  wrap.append(label, list);
  return wrap;
}

// ---- material pre-review -----------------------------------------------------------------------

/** The "材料预审" button under an answer; it opens (and toggles) the checklist below itself. */
function prereviewStarter(itemId) {
  const wrap = el("div", "actions");
  const button = el("button", "button action", TEXT.prereviewOpen);
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  const panel = el("div", "checklist-slot");
  panel.id = `prereview-${++uid}`;
  button.setAttribute("aria-controls", panel.id);
  let loaded = false;
  button.addEventListener("click", () => {
    if (loaded) {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      panel.hidden = !open;
      return;
    }
    withBusy(async () => {
      const result = await api("GET", `/api/items/${encodeURIComponent(itemId)}/materials`);
      if (!result.ok) {
        addErrorMessage(result.message);
        return;
      }
      loaded = true;
      panel.append(checklist(result.data));
      button.setAttribute("aria-expanded", "true");
    });
  });
  wrap.append(button, panel);
  return wrap;
}

function materialHint(m) {
  const parts = [];
  if (m.form) parts.push(m.form);
  if (m.copies) parts.push(`${m.copies}份`);
  parts.push(m.required === false ? "可容缺后补" : "必需");
  if (m.note) parts.push(m.note);
  return parts.join(" · ");
}

/** A fieldset of labelled checkboxes and a "检查还缺什么" button. */
function checklist({ item_id: itemId, name, materials }) {
  const prefix = `m${++uid}`;
  const fieldset = el("fieldset", "checklist");
  fieldset.append(el("legend", "checklist__legend", TEXT.prereviewLegend(name)));
  const list = el("ul", "checklist__items");
  for (const m of Array.isArray(materials) ? materials : []) {
    const li = el("li", "checklist__item");
    const box = el("input");
    box.type = "checkbox";
    box.id = `${prefix}-${m.id}`;
    box.value = String(m.id);
    const label = el("label", null, m.name);
    label.htmlFor = box.id;
    const hint = el("span", "checklist__hint", materialHint(m));
    hint.id = `${box.id}-hint`;
    box.setAttribute("aria-describedby", hint.id);
    li.append(box, label, hint);
    list.append(li);
  }
  const check = el("button", "button button--primary", TEXT.prereviewCheck);
  check.type = "button";
  check.addEventListener("click", () => {
    if (busy) {
      busyNote.textContent = TEXT.wait;
      return;
    }
    const have = [...list.querySelectorAll("input:checked")].map((box) => Number(box.value));
    addUserMessage(TEXT.prereviewAsk(have.length));
    postAndShow("/api/prereview", { item_id: itemId, have }, "msg__body--prereview");
  });
  fieldset.append(list, check);
  return fieldset;
}

// ---- case look-up ------------------------------------------------------------------------------

function openCasePanel({ focus }) {
  casePanel.hidden = false;
  caseOpen.setAttribute("aria-expanded", "true");
  if (focus) caseNo.focus(); // only when the user asked for the form themselves
}

function closeCasePanel() {
  casePanel.hidden = true;
  caseOpen.setAttribute("aria-expanded", "false");
  caseOpen.focus();
}

function fieldError(input, text) {
  const error = $(`${input.id}-error`);
  error.textContent = text;
  error.hidden = !text;
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function lookUpCase(event) {
  event.preventDefault();
  const no = caseNo.value.trim();
  const digits = casePhone.value.trim();
  fieldError(caseNo, no ? "" : TEXT.caseNoMissing);
  fieldError(casePhone, /^[0-9]{4}$/.test(digits) ? "" : TEXT.casePhoneBad);
  if (!no) return caseNo.focus();
  if (!/^[0-9]{4}$/.test(digits)) return casePhone.focus();
  if (busy) {
    busyNote.textContent = TEXT.wait;
    return;
  }
  // The digits never appear in the log, and leave the form as soon as they are sent.
  addUserMessage(TEXT.caseAsk(no));
  casePhone.value = "";
  postAndShow("/api/cases/lookup", { case_no: no, phone_last4: digits }, "msg__body--case");
}

/** POST `payload` to `path` and show the server's `reply` mark-up (or its error) as the assistant's message. */
function postAndShow(path, payload, modifier) {
  withBusy(async () => {
    const result = await api("POST", path, payload);
    if (!result.ok) {
      addErrorMessage(result.message);
      return;
    }
    const body = addMessage("assistant");
    body.classList.add(modifier);
    body.append(renderMarkup(result.data.reply));
  });
}

// ---- callback request (留言，请工作人员回电) ----------------------------------------------------------

/** Remember `message` if it was a question the assistant tried to answer (or declined). A clarify
 * after "不是这个" (it offers the "都不是" button, whose item_id is null) or one that offers a
 * callback answers a rejection, not a question. */
function rememberQuestion(message, data) {
  const actions = Array.isArray(data.actions) ? data.actions : [];
  const suggestions = Array.isArray(data.suggestions) ? data.suggestions : [];
  const rejection = actions.includes("callback") || suggestions.some((s) => s && s.item_id === null);
  if (data.kind === "answer" || data.kind === "decline" || (data.kind === "clarify" && !rejection)) lastQuestion = message;
}

let callbackOpener = null; // the button that opened the form: focus goes back to it
let callbackPrefill = "";

/** The "留言，请工作人员回电" button under a reply; it opens the form below the question box. */
function callbackStarter() {
  const wrap = el("div", "actions");
  const button = el("button", "button action", TEXT.callbackOpen);
  button.type = "button";
  button.dataset.callbackOpen = "";
  button.setAttribute("aria-controls", "callback-panel");
  button.setAttribute("aria-expanded", String(!callbackPanel.hidden));
  button.addEventListener("click", () => openCallbackPanel(button));
  wrap.append(button);
  return wrap;
}

function setCallbackExpanded(open) {
  for (const button of document.querySelectorAll("[data-callback-open]")) button.setAttribute("aria-expanded", String(open));
}

function openCallbackPanel(opener) {
  callbackOpener = opener;
  // Prefilled with the question asked, unless the user has already written their own.
  if (!callbackQuestion.value.trim() || callbackQuestion.value === callbackPrefill) {
    callbackQuestion.value = lastQuestion;
    callbackPrefill = lastQuestion;
  }
  callbackPanel.hidden = false;
  setCallbackExpanded(true);
  callbackName.focus(); // the user asked for the form
}

function closeCallbackPanel() {
  callbackPanel.hidden = true;
  setCallbackExpanded(false);
  if (callbackOpener && callbackOpener.isConnected) callbackOpener.focus();
}

function showCallbackError(text) {
  callbackError.textContent = text;
  callbackError.hidden = !text;
}

function sendCallback(event) {
  event.preventDefault();
  const name = callbackName.value.trim();
  const phone = callbackPhone.value.trim();
  const questionText = callbackQuestion.value.trim();
  fieldError(callbackName, name ? "" : TEXT.callbackName);
  fieldError(callbackPhone, phone ? "" : TEXT.callbackPhone);
  fieldError(callbackQuestion, questionText ? "" : TEXT.callbackQuestion);
  fieldError(callbackConsent, callbackConsent.checked ? "" : TEXT.callbackConsent);
  showCallbackError("");
  const firstBad = [[name, callbackName], [phone, callbackPhone], [questionText, callbackQuestion], [callbackConsent.checked, callbackConsent]].find(([ok]) => !ok);
  if (firstBad) return firstBad[1].focus();
  if (busy) {
    busyNote.textContent = TEXT.wait;
    return;
  }
  const payload = { name, phone, question: questionText, consent: true };
  const time = callbackTime.value.trim();
  if (time) payload.preferred_time = time;
  const conversationId = loadConversationId();
  if (conversationId) payload.conversation_id = conversationId;
  withBusy(async () => {
    const result = await api("POST", "/api/callbacks", payload);
    if (!result.ok) {
      showCallbackError(result.message); // the form stays open and filled, to correct and send again
      return;
    }
    // The name and phone leave the page as soon as they are sent; only the reference is shown.
    callbackForm.reset();
    callbackPrefill = "";
    closeCallbackPanel();
    addUserMessage(TEXT.callbackAsk);
    const body = addMessage("assistant");
    body.classList.add("msg__body--callback");
    body.append(renderMarkup(TEXT.callbackDone(String(result.data.reference ?? ""))));
  });
}

// ---- wiring ------------------------------------------------------------------------------------

askForm.addEventListener("submit", (event) => {
  event.preventDefault();
  ask(question.value, { fromBox: true });
});

question.addEventListener("keydown", (event) => {
  // Enter sends, Shift+Enter is a new line; Enter that confirms an IME candidate (pinyin) is not a send.
  if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
  event.preventDefault();
  ask(question.value, { fromBox: true });
});

question.addEventListener("input", updateCounter);

sendButton.addEventListener("click", (event) => {
  if (busy) {
    event.preventDefault();
    busyNote.textContent = TEXT.wait;
  }
});

// Quick topics (server-rendered) and suggestions (added later) share one handler.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-ask]") : null;
  if (button) ask(button.dataset.ask);
});

caseOpen.addEventListener("click", () => {
  if (casePanel.hidden) openCasePanel({ focus: true });
  else closeCasePanel();
});
$("case-close").addEventListener("click", closeCasePanel);
caseForm.addEventListener("submit", lookUpCase);
callbackForm.addEventListener("submit", sendCallback);
$("callback-close").addEventListener("click", closeCallbackPanel);
casePhone.addEventListener("input", () => {
  // Keep only digits; full-width digits from a Chinese keyboard become ASCII.
  const clean = casePhone.value.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/\D/g, "").slice(0, 4);
  if (clean !== casePhone.value) casePhone.value = clean;
});

updateCounter();
document.documentElement.classList.add("js");
