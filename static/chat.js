// The applicant chat page: send questions, show replies, pre-review materials, look up a case,
// leave a callback request (留言，请工作人员回电), rate an answer, copy or print it.
//
// Rules this file keeps:
// - Every piece of text, the user's or the server's, enters the page through textContent
//   (render.js); nothing is ever assigned to innerHTML.
// - New messages are appended to the role="log" region, which announces them. Focus is never
//   moved when a reply arrives, so a screen reader user keeps their place; it moves only when the
//   user asks for something (a form, a new conversation) or the control they used goes away.
// - One request at a time: while waiting, the send button is marked disabled (aria-disabled, so
//   a focused button keeps its focus) and "正在查询…" is shown.
// - The visible conversation and the conversation id live together under ONE sessionStorage key, so
//   after a reload the page shows exactly the conversation whose context the server holds; "新对话"
//   drops both, and the next question starts a new conversation on the server.
// - The four digits that prove ownership of a case never reach the page or the storage: the user's
//   own bubble shows them as ••••.

import { el, renderDetails, renderMarkup } from "./render.js";

const MAX_CHARS = 1000;
const MAX_REASON_CHARS = 200; // the server takes up to 500; a short reason is what we ask for
const MAX_ENTRIES = 200; // what one tab keeps; the oldest go first
const STORE_KEY = "renfang-assistant:conversation";
const TIMEOUT_MS = 20000;
const MESSAGE_SOURCE = "renfang-assistant"; // postMessage between this page and static/widget.js

const TEXT = {
  busy: "正在查询…",
  empty: "请先输入您想咨询的问题，例如：“结建审批要多久？”",
  tooLong: (n) => `问题太长了（${n}字），请精简到${MAX_CHARS}字以内，或分几次提问。`,
  pasteTrimmed: (pasted, kept) =>
    `您粘贴的内容有${pasted}字，超过了每条${MAX_CHARS}字的上限，只粘贴了前${kept}字，后面的${pasted - kept}字没有放进来。请检查后再发送，其余内容可以分几次提问。`,
  atLimit: `已达到每条${MAX_CHARS}字的上限，多出的内容没有放进来。请精简后再发送，或分几次提问。`,
  network: "抱歉，网络好像出了问题，消息没有送达。请检查网络后再试一次；也可以拨打12345市民服务热线咨询。",
  server: "抱歉，系统暂时没有响应。请稍后再试，或拨打12345市民服务热线咨询。",
  wait: "请稍候，上一条还在查询中。",
  restored: (n) => `已恢复本页的对话（${n}条消息）。点“新对话”可以重新开始。`,
  newChat: "已开始新的对话，之前的问题不会再影响回答。",
  topicsShow: "显示",
  topicsHide: "收起",
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
  feedbackAsk: "这个回答对您有帮助吗？",
  helpful: "有帮助",
  unhelpful: "没帮助",
  thanks: "谢谢您的反馈！",
  reasonAsk: "谢谢反馈。能说说哪里没帮上吗？（选填）",
  reasonLabel: "没帮上的原因（选填）",
  reasonSend: "提交",
  reasonSkip: "不用了",
  reasonThanks: "谢谢，您的意见已转给工作人员，用来改进回答。",
  copy: "复制",
  print: "打印",
  thisAnswer: "这条回答",
  copied: "已复制，可以粘贴到别处。",
  copyFailed: "无法自动复制，请长按或拖选文字后复制。",
};

const $ = (id) => document.getElementById(id);
const log = $("log");
const busyNote = $("busy");
const askForm = $("ask-form");
const question = $("question");
const counter = $("question-count");
const questionError = $("question-error");
const questionNotice = $("question-notice");
const sendButton = $("send");
const topicsList = $("topics-list");
const topicsToggle = $("topics-toggle");
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
const embedded = window.self !== window.top; // shown in the office website's panel (widget.js)
let busy = false;
let uid = 0;
let restoring = false; // while the stored conversation is drawn again: no scrolling, no auto-opening

// ---- the conversation, as this tab remembers it ------------------------------------------------

/**
 * `id`: the server's conversation id. `entries`: what the log shows, in order — {t: "user", text},
 * {t: "reply", data, feedback}, {t: "markup", text, modifier}, {t: "error", text}. `lastQuestion`: what
 * a callback request is about. `awaitingDigits`: the server asked for the four digits of a case.
 */
let state = freshState();

function freshState() {
  return { id: null, entries: [], lastQuestion: "", awaitingDigits: false };
}

function loadState() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
    if (stored && typeof stored === "object" && Array.isArray(stored.entries)) {
      return {
        id: typeof stored.id === "string" && stored.id ? stored.id : null,
        entries: stored.entries.filter((e) => e && typeof e === "object" && typeof e.t === "string"),
        lastQuestion: typeof stored.lastQuestion === "string" ? stored.lastQuestion : "",
        awaitingDigits: stored.awaitingDigits === true,
      };
    }
  } catch {
    /* storage disabled or damaged: start afresh, which still works */
  }
  return freshState();
}

function saveState() {
  if (state.entries.length > MAX_ENTRIES) state.entries.splice(0, state.entries.length - MAX_ENTRIES);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
      return;
    } catch {
      // Full (or disabled): keep the newer half and try again; the conversation id matters most.
      if (state.entries.length < 2) return;
      state.entries.splice(0, Math.ceil(state.entries.length / 2));
    }
  }
}

function forgetState() {
  state = freshState();
  try {
    sessionStorage.removeItem(STORE_KEY);
  } catch {
    /* see loadState */
  }
}

function remember(entry) {
  state.entries.push(entry);
  saveState();
  return entry;
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
  if (!restoring) {
    msg.scrollIntoView({ block: role === "user" ? "nearest" : "start", behavior: reducedMotion.matches ? "auto" : "smooth" });
  }
  return body;
}

function addUserMessage(text, { store = true } = {}) {
  const body = addMessage("user");
  body.append(el("p", "msg__text", text)); // literal text: CSS keeps the user's line breaks
  if (store) remember({ t: "user", text });
}

function addErrorMessage(text, { store = true } = {}) {
  const body = addMessage("assistant", { error: true });
  body.append(el("p", null, text));
  if (store) remember({ t: "error", text });
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

/** A visible (and announced) note about the box that is not an error: what a paste left out. */
function showQuestionNotice(text) {
  questionNotice.textContent = text;
}

function updateCounter() {
  const n = question.value.length;
  counter.textContent = `${n}/${MAX_CHARS}`;
  counter.classList.toggle("counter--full", n >= MAX_CHARS);
  if (n && !questionError.hidden) showQuestionError("");
  if (!n) showQuestionNotice("");
}

/**
 * A paste that would not fit: the box keeps what fits and says, in words, how much was left out.
 * (The box's own maxlength would cut it without a word.)
 */
function pasteWithinLimit(event) {
  const text = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
  if (!text) return;
  const start = question.selectionStart ?? question.value.length;
  const end = question.selectionEnd ?? start;
  const room = MAX_CHARS - (question.value.length - (end - start));
  if (text.length <= room) return; // the browser pastes it as usual
  event.preventDefault();
  let kept = text.slice(0, Math.max(room, 0));
  if (/[\ud800-\udbff]$/.test(kept)) kept = kept.slice(0, -1); // never half an emoji
  question.setRangeText(kept, start, end, "end");
  updateCounter();
  showQuestionNotice(TEXT.pasteTrimmed(text.length, kept.length));
}

// A case number as the server finds one (assistant/cases.py): letters, digits and hyphens, with at
// least one letter and three digits.
const CASE_NO = /(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Za-z])(?=(?:[^0-9\s]*\d){3})[A-Za-z0-9][A-Za-z0-9_-]{4,63}/g;
// Four or more digits, however typed (5678, 56 78, 5-6-7-8).
const DIGIT_RUN = /\d(?:[ \-.]?\d){3,}/g;

const dots = (s) => s.replace(/\d/g, "•");

/**
 * The user's message as their own bubble shows it: the digits that prove ownership of a case become
 * ••••. They are in a message that names a case number (outside the number itself), or a message
 * that is nothing but four digits, or one with four digits after the server asked for them.
 */
function maskedForDisplay(message) {
  const text = message.normalize("NFKC"); // full-width ５６７８ as the server reads it
  const numbers = [...text.matchAll(CASE_NO)];
  if (numbers.length) {
    let out = "";
    let last = 0;
    for (const m of numbers) {
      out += text.slice(last, m.index).replace(DIGIT_RUN, dots) + m[0];
      last = m.index + m[0].length;
    }
    return out + text.slice(last).replace(DIGIT_RUN, dots);
  }
  const digits = text.replace(/\D/g, "");
  if (digits.length === 4 && (state.awaitingDigits || /^[\s\d.\-]*$/.test(text))) return dots(text);
  return message;
}

/** Did `message` name a case number without its four digits (so the server will ask for them)? */
function asksForDigits(message, data) {
  if (data.kind !== "case") return false;
  const text = message.normalize("NFKC");
  const numbers = [...text.matchAll(CASE_NO)];
  if (!numbers.length) return false;
  let rest = text;
  for (const m of numbers) rest = rest.replace(m[0], " ");
  return rest.match(DIGIT_RUN) === null;
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
  showQuestionNotice("");
  if (fromBox) {
    question.value = "";
    updateCounter();
  }
  addUserMessage(maskedForDisplay(message));
  foldTopics();
  return withBusy(async () => {
    const body = { message };
    if (state.id) body.conversation_id = state.id;
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
    const data = result.data;
    if (typeof data.conversation_id === "string" && data.conversation_id) state.id = data.conversation_id;
    state.awaitingDigits = asksForDigits(message, data);
    rememberQuestion(message, data);
    if (data.kind !== "smalltalk") retireFeedback(); // a vote is about the conversation's last answer
    const entry = remember({ t: "reply", data: keptReply(data), feedback: null });
    showReply(entry);
  });
}

/** The fields of a chat reply the page draws (what is stored for a reload). */
function keptReply(data) {
  const keep = ["kind", "reply", "item_id", "details", "actions", "related_questions", "suggestions"];
  return Object.fromEntries(keep.filter((k) => k in data).map((k) => [k, data[k]]));
}

/** One chat reply: the text, folded details, tools, action buttons, suggestions, feedback. */
function showReply(entry) {
  const data = entry.data || {};
  const body = addMessage("assistant");
  body.classList.add(`msg__body--${data.kind || "answer"}`);
  body.append(renderMarkup(data.reply));
  const details = (Array.isArray(data.details) ? data.details : []).filter((d) => d && d.title && d.text);
  for (const detail of details) body.append(renderDetails(detail));
  if (data.kind === "answer") body.append(answerTools(body, () => plainText(data.reply, details)));
  const actions = Array.isArray(data.actions) ? data.actions : [];
  if (actions.includes("prereview") && data.item_id) body.append(prereviewStarter(data.item_id));
  if (actions.includes("case_lookup")) {
    const button = el("button", "button action", TEXT.caseOpen);
    button.type = "button";
    button.setAttribute("aria-controls", "case-panel");
    button.addEventListener("click", () => openCasePanel({ focus: true, opener: button }));
    body.appendChild(el("div", "actions")).append(button);
    if (!restoring) openCasePanel({ focus: false });
  }
  if (actions.includes("callback")) body.append(callbackStarter());
  const related = Array.isArray(data.related_questions) ? data.related_questions.filter((q) => q && q.title) : [];
  if (related.length) body.append(chipList(related, TEXT.relatedQuestions, "chips chips--questions"));
  const suggestions = Array.isArray(data.suggestions) ? data.suggestions.filter((s) => s && s.title) : [];
  if (suggestions.length) {
    body.append(chipList(suggestions, data.kind === "clarify" ? TEXT.suggestClarify : TEXT.suggestAnswer, "chips"));
  }
  if ((data.kind === "answer" || data.kind === "decline") && entry.feedback !== "retired") {
    body.append(feedbackBar(entry));
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

/** A server reply drawn again (case results, pre-review, callback reference): mark-up and its modifier. */
function showMarkup(entry) {
  const body = addMessage("assistant");
  if (entry.modifier) body.classList.add(entry.modifier);
  body.append(renderMarkup(entry.text));
  if (entry.modifier === "msg__body--prereview" || entry.modifier === "msg__body--case") {
    body.append(answerTools(body, () => plainText(entry.text, [])));
  }
  return body;
}

// ---- quick topics ------------------------------------------------------------------------------

/** After the first question the quick topics fold away (one button brings them back). */
function foldTopics() {
  if (!topicsToggle.hidden) return; // folded once already; the user decides from now on
  const hadFocus = topicsList.contains(document.activeElement);
  setTopicsOpen(false);
  if (hadFocus) topicsToggle.focus(); // the chip the user pressed is gone: stay in the same place
}

function setTopicsOpen(open) {
  topicsToggle.hidden = false;
  topicsList.hidden = !open;
  topicsToggle.setAttribute("aria-expanded", String(open));
  topicsToggle.textContent = open ? TEXT.topicsHide : TEXT.topicsShow;
  topicsToggle.setAttribute("aria-label", `${topicsToggle.textContent}常见问题`);
}

function resetTopics() {
  topicsList.hidden = false;
  topicsToggle.hidden = true;
  topicsToggle.setAttribute("aria-expanded", "true");
  topicsToggle.textContent = TEXT.topicsHide;
  topicsToggle.setAttribute("aria-label", `${TEXT.topicsHide}常见问题`);
}

// ---- feedback (有帮助 / 没帮助) ---------------------------------------------------------------------

const feedbackBars = new Map(); // entry → its feedback element, while it is on the page

/** A vote is always about the conversation's last answer (POST /api/feedback), so the unused
 * buttons under earlier answers go when a new one arrives; votes already given stay shown. */
function retireFeedback() {
  for (const [entry, bar] of feedbackBars) {
    if (!entry.feedback) {
      entry.feedback = "retired";
      bar.remove();
    }
    feedbackBars.delete(entry);
  }
}

function feedbackBar(entry) {
  const bar = el("div", "feedback");
  const ask = el("p", "feedback__ask", TEXT.feedbackAsk);
  ask.id = `feedback-${++uid}`;
  bar.append(ask);
  // A live region of its own (not role="status": the page has one status line, #busy).
  const status = el("p", "feedback__status");
  status.setAttribute("aria-live", "polite");
  if (entry.feedback) {
    // Already voted (shown again after a reload): the thanks, not the buttons.
    ask.remove();
    status.textContent = entry.feedback === "reason" ? TEXT.reasonThanks : TEXT.thanks;
    bar.append(status);
    return bar;
  }
  const group = el("div", "feedback__buttons");
  group.setAttribute("role", "group");
  group.setAttribute("aria-labelledby", ask.id);
  const yes = el("button", "button button--small", TEXT.helpful);
  const no = el("button", "button button--small", TEXT.unhelpful);
  yes.type = no.type = "button";
  group.append(yes, no);
  bar.append(group, status);
  feedbackBars.set(entry, bar);

  const vote = async (helpful, reason) => {
    const body = { conversation_id: state.id, helpful };
    if (reason) body.reason = reason;
    const result = state.id ? await api("POST", "/api/feedback", body) : { ok: false, message: TEXT.server };
    if (!result.ok) status.textContent = result.message;
    return result.ok;
  };
  yes.addEventListener("click", async () => {
    if (!(await vote(true))) return;
    entry.feedback = "helpful";
    saveState();
    feedbackBars.delete(entry);
    group.remove();
    ask.remove();
    status.textContent = TEXT.thanks;
    focusQuietly(status); // the button pressed is gone: focus stays here, not at the top of the page
  });
  no.addEventListener("click", async () => {
    if (!(await vote(false))) return;
    entry.feedback = "unhelpful";
    saveState();
    feedbackBars.delete(entry);
    group.remove();
    ask.textContent = TEXT.reasonAsk;
    status.textContent = "";
    const form = reasonForm(async (reason) => {
      if (reason && !(await vote(false, reason))) return false;
      entry.feedback = "reason";
      saveState();
      ask.remove();
      status.textContent = reason ? TEXT.reasonThanks : TEXT.thanks;
      focusQuietly(status);
      return true;
    });
    bar.insertBefore(form, status);
    form.querySelector("input").focus();
  });
  return bar;
}

/** The optional reason after 没帮助: a short text, 提交 or 不用了. `done(reason)` resolves to true when handled. */
function reasonForm(done) {
  const form = el("form", "feedback__reason");
  form.noValidate = true;
  const id = `reason-${++uid}`;
  const label = el("label", "visually-hidden", TEXT.reasonLabel);
  label.htmlFor = id;
  const input = el("input");
  input.id = id;
  input.type = "text";
  input.maxLength = MAX_REASON_CHARS;
  input.autocomplete = "off";
  input.placeholder = "例如：没有说到我问的情况";
  const send = el("button", "button button--small", TEXT.reasonSend);
  send.type = "submit";
  const skip = el("button", "button button--small button--quiet", TEXT.reasonSkip);
  skip.type = "button";
  form.append(label, input, send, skip);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await done(input.value.trim())) form.remove();
  });
  skip.addEventListener("click", async () => {
    if (await done("")) form.remove();
  });
  return form;
}

/** Move focus to a non-interactive element (a status line) that stands where a control was. */
function focusQuietly(node) {
  node.tabIndex = -1;
  node.focus({ preventScroll: true });
}

// ---- copy and print ----------------------------------------------------------------------------

/** The reply as plain text: the answer, then each folded section under its title; no mark-up signs. */
function plainText(markup, details) {
  const clean = (text) => String(text ?? "").replace(/\*\*/g, "").trim();
  return [clean(markup), ...details.map((d) => `【${d.title}】\n${clean(d.text)}`)].join("\n\n");
}

/** 复制 / 打印 for one message: the answer (or checklist result) with every section unfolded. */
function answerTools(body, textOf) {
  const tools = el("div", "tools");
  // The names say what is copied; they start with the visible word, as speech input expects.
  const copy = el("button", "button button--small button--quiet", TEXT.copy);
  copy.type = "button";
  copy.setAttribute("aria-label", TEXT.copy + TEXT.thisAnswer);
  const print = el("button", "button button--small button--quiet", TEXT.print);
  print.type = "button";
  print.setAttribute("aria-label", TEXT.print + TEXT.thisAnswer);
  const status = el("span", "tools__status");
  status.setAttribute("aria-live", "polite");
  copy.addEventListener("click", async () => {
    status.textContent = (await copyText(textOf())) ? TEXT.copied : TEXT.copyFailed;
    window.setTimeout(() => (status.textContent = ""), 4000);
  });
  print.addEventListener("click", () => printMessage(body.closest(".msg")));
  tools.append(copy, print, status);
  return tools;
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (an embedding page that did not grant it, an old browser): the
    // selection route still works where a user gesture is enough.
    const area = el("textarea", "visually-hidden");
    area.value = text;
    area.setAttribute("readonly", "");
    area.setAttribute("aria-hidden", "true");
    area.tabIndex = -1;
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

/** Print one message: the print style sheet shows only it, every section unfolded. */
function printMessage(msg) {
  if (!msg) return;
  msg.classList.add("is-print-target");
  document.documentElement.classList.add("print-one");
  window.print();
}

let unfolded = [];
// Any print (the button or the browser's own menu): every folded section opens first, and closes again after.
window.addEventListener("beforeprint", () => {
  unfolded = [...document.querySelectorAll("#log details:not([open])")];
  for (const d of unfolded) d.open = true;
});
window.addEventListener("afterprint", () => {
  for (const d of unfolded) d.open = false;
  unfolded = [];
  document.documentElement.classList.remove("print-one");
  for (const m of document.querySelectorAll(".is-print-target")) m.classList.remove("is-print-target");
});

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

let caseOpener = caseOpen; // the button that opened the panel: focus goes back to it

/** Open the look-up form just above the question box, scrolled into view; focus moves into it only
 * when the user asked for the form themselves. */
function openCasePanel({ focus, opener = caseOpen }) {
  casePanel.hidden = false;
  caseOpen.setAttribute("aria-expanded", "true");
  if (!focus) return;
  caseOpener = opener;
  casePanel.scrollIntoView({ block: "nearest", behavior: reducedMotion.matches ? "auto" : "smooth" });
  caseNo.focus({ preventScroll: true });
}

function closeCasePanel({ returnFocus = true } = {}) {
  casePanel.hidden = true;
  caseOpen.setAttribute("aria-expanded", "false");
  if (returnFocus) (caseOpener && caseOpener.isConnected ? caseOpener : caseOpen).focus();
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
  foldTopics();
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
    showMarkup(remember({ t: "markup", text: String(result.data.reply ?? ""), modifier }));
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
  if (data.kind === "answer" || data.kind === "decline" || (data.kind === "clarify" && !rejection)) state.lastQuestion = message;
}

let callbackOpener = null; // the button that opened the form: focus goes back to it
let callbackPrefill = "";

/** The "留言，请工作人员回电" button under a reply; it opens the form just above the question box. */
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
    callbackQuestion.value = state.lastQuestion;
    callbackPrefill = state.lastQuestion;
  }
  callbackPanel.hidden = false;
  setCallbackExpanded(true);
  callbackPanel.scrollIntoView({ block: "nearest", behavior: reducedMotion.matches ? "auto" : "smooth" });
  callbackName.focus({ preventScroll: true }); // the user asked for the form
}

function closeCallbackPanel({ returnFocus = true } = {}) {
  callbackPanel.hidden = true;
  setCallbackExpanded(false);
  if (returnFocus && callbackOpener && callbackOpener.isConnected) callbackOpener.focus();
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
  if (state.id) payload.conversation_id = state.id;
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
    showMarkup(remember({ t: "markup", text: TEXT.callbackDone(String(result.data.reference ?? "")), modifier: "msg__body--callback" }));
  });
}

// ---- a new conversation ------------------------------------------------------------------------

/** "新对话": the page and the stored conversation start afresh; the next question gets a new
 * conversation id from the server, so nothing said before (那要多久？) is carried over. */
function newConversation() {
  if (busy) {
    busyNote.textContent = TEXT.wait;
    return;
  }
  forgetState();
  feedbackBars.clear();
  for (const msg of [...log.children]) if (!msg.classList.contains("msg--greeting")) msg.remove();
  closeCasePanel({ returnFocus: false });
  closeCallbackPanel({ returnFocus: false });
  caseForm.reset();
  callbackForm.reset();
  callbackPrefill = "";
  for (const input of [caseNo, casePhone, callbackName, callbackPhone, callbackQuestion, callbackConsent]) fieldError(input, "");
  showCallbackError("");
  question.value = "";
  updateCounter();
  showQuestionError("");
  resetTopics();
  busyNote.textContent = TEXT.newChat;
  question.focus();
  window.scrollTo({ top: 0, behavior: "auto" });
}

// ---- after a reload ----------------------------------------------------------------------------

/** Draw this tab's stored conversation again, quietly: one status line says it was restored,
 * instead of the log announcing every old message as if it were new. */
function restore() {
  state = loadState();
  if (!state.entries.length) return;
  restoring = true;
  log.setAttribute("aria-live", "off");
  try {
    for (const entry of state.entries) {
      if (entry.t === "user") addUserMessage(String(entry.text ?? ""), { store: false });
      else if (entry.t === "error") addErrorMessage(String(entry.text ?? ""), { store: false });
      else if (entry.t === "markup") showMarkup(entry);
      else if (entry.t === "reply") showReply(entry);
    }
  } finally {
    restoring = false;
  }
  // Only the newest answer can still be rated (see retireFeedback).
  const bars = [...feedbackBars.keys()];
  const newest = [...state.entries].reverse().find((e) => e.t === "reply" && e.data && e.data.kind !== "smalltalk");
  for (const entry of bars) {
    if (entry !== newest) {
      feedbackBars.get(entry).remove();
      feedbackBars.delete(entry);
      entry.feedback = entry.feedback || "retired";
    }
  }
  if (state.entries.some((e) => e.t === "user")) setTopicsOpen(false);
  window.setTimeout(() => log.setAttribute("aria-live", "polite"), 0);
  busyNote.textContent = TEXT.restored(state.entries.length);
}

// ---- keeping the question box in view ----------------------------------------------------------

/** The box is sticky at the foot of the screen; anything scrolled into view (a message, a form
 * field that gets focus) must stop above it, so the page's scroll padding follows its height. */
function trackComposerHeight() {
  const set = () => document.documentElement.style.setProperty("--composer-height", `${Math.ceil(askForm.getBoundingClientRect().height)}px`);
  set();
  if ("ResizeObserver" in window) new ResizeObserver(set).observe(askForm);
  else window.addEventListener("resize", set);
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

question.addEventListener("input", (event) => {
  updateCounter();
  // Dropped text the box had to cut (a paste is handled before it happens, with exact numbers).
  if (event.inputType === "insertFromDrop" && question.value.length >= MAX_CHARS) showQuestionNotice(TEXT.atLimit);
});
question.addEventListener("paste", pasteWithinLimit);
question.addEventListener("beforeinput", (event) => {
  // Typing at the limit does nothing (maxlength): say why, instead of a box that seems stuck.
  if (!event.inputType.startsWith("insert") || event.inputType === "insertFromPaste") return;
  const selected = (question.selectionEnd ?? 0) - (question.selectionStart ?? 0);
  if (question.value.length - selected >= MAX_CHARS) showQuestionNotice(TEXT.atLimit);
});

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

topicsToggle.addEventListener("click", () => setTopicsOpen(topicsList.hidden));

caseOpen.addEventListener("click", () => {
  if (casePanel.hidden) openCasePanel({ focus: true, opener: caseOpen });
  else closeCasePanel({ returnFocus: false });
});
$("case-close").addEventListener("click", () => closeCasePanel());
caseForm.addEventListener("submit", lookUpCase);
callbackForm.addEventListener("submit", sendCallback);
$("callback-close").addEventListener("click", () => closeCallbackPanel());
$("new-chat").addEventListener("click", newConversation);
casePhone.addEventListener("input", () => {
  // Keep only digits; full-width digits from a Chinese keyboard become ASCII.
  const clean = casePhone.value.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/\D/g, "").slice(0, 4);
  if (clean !== casePhone.value) casePhone.value = clean;
});

// Esc closes the form the focus is in (focus goes back to the button that opened it); in the office
// website's panel, an Esc with nothing to close here asks the panel to close (widget.js).
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.isComposing || event.defaultPrevented) return;
  const inside = (panel) => !panel.hidden && panel.contains(document.activeElement);
  if (inside(casePanel)) closeCasePanel();
  else if (inside(callbackPanel)) closeCallbackPanel();
  else if (embedded) window.parent.postMessage({ source: MESSAGE_SOURCE, type: "close" }, "*");
  else return;
  event.preventDefault();
});

// The panel asks for the focus when it opens; only the page that framed us may ask.
window.addEventListener("message", (event) => {
  if (event.source !== window.parent || !event.data || event.data.source !== MESSAGE_SOURCE) return;
  if (event.data.type === "focus") question.focus({ preventScroll: true });
});

if (embedded) document.documentElement.classList.add("is-embedded");
trackComposerHeight();
restore();
updateCounter();
document.documentElement.classList.add("js");
