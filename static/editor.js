// The knowledge editor (/admin/knowledge/items/<id>, /admin/knowledge/new).
//
// Draws a form from the item's JSON (GET /admin/api/items/<id>): plain fields, lists as rows that can
// be added, removed and moved with buttons (keyboard-usable, focus kept on the row moved), materials and
// question-level entries as groups of fields. Saving sends the item back (PUT, If-Match: the version it
// was loaded at); the server checks it as `assistant kb check` does and answers 422 with each field's
// error, which is shown next to the field and in a summary at the top, or 409 when someone else saved
// first. "试一试" answers a question with the unsaved draft (POST /admin/api/try).
//
// Rules this file keeps (as chat.js and desk.js do): text enters the page only through textContent
// (render.js); nothing is assigned to innerHTML. The item keeps every key it had, in its order: a field
// left empty that the file did not have stays out of it, so an unchanged item saves as an unchanged file.

import { el, renderDetails, renderMarkup } from "./render.js";

const root = document.getElementById("editor");
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

const TEXT = {
  loading: "正在载入……",
  loadFailed: "载入失败，请刷新页面重试。",
  expired: "登录已过期，请重新登录后再保存（修改的内容请先复制保存）。",
  saving: "正在检查并保存……",
  saved: (v) => `已保存（知识库版本 ${v}）。网站各进程将在 10 秒内使用新内容。`,
  unchanged: "内容没有变化，不需要保存。",
  created: "已创建，正在打开……",
  failed: "保存没有成功，请稍后再试。",
  stale: "这个事项在您打开之后已被他人修改（或文件被直接修改），您的修改没有保存。请先复制您改动的内容，再点“重新载入”。",
  reload: "重新载入（放弃未保存的修改）",
  deleteConfirm: "确定删除这个事项吗？删除后可以在版本历史中回滚恢复。",
  deleted: "已删除，正在返回知识库……",
  trying: "正在用未保存的内容回答……",
  add: "添加一条",
  up: "上移",
  down: "下移",
  remove: "删除",
  row: (label, n) => `${label}第 ${n} 条`,
  moved: (n) => `已移到第 ${n} 条`,
  added: (n) => `已添加第 ${n} 条`,
  removed: "已删除一条",
  unsaved: "有尚未保存的修改",
  brokenFile: "这个事项的文件现在有错误，表单无法显示。请在下方“原始文件”中修正：",
  noPreview: "网站现在还没有使用这个事项（尚未保存，或文件有错误）。",
  kinds: { answer: "直接回答", clarify: "请用户在几个事项中选择", decline: "婉拒（未能回答）", smalltalk: "寒暄" },
};

// The item's fields, in the order the files write them (a new key goes where this order puts it).
const ORDER = [
  "id", "name", "short_name", "category", "aliases", "keywords", "intents", "summary", "conditions",
  "materials", "process", "legal_basis", "time_limit", "fee", "apply", "answers", "entries", "facts", "titles",
  "related", "actions", "questions", "sources",
];
const REQUIRED = new Set(["id", "name", "short_name", "category", "summary", "questions", "sources"]);
const SECTIONS = [
  ["summary", "简介"], ["conditions", "条件"], ["materials", "材料"], ["time", "时限"], ["fee", "费用"],
  ["where", "地点和方式"], ["process", "流程"], ["basis", "依据"], ["contact", "联系"],
];

// What the form shows, group by group (the order a person reads it in, not the file's).
const GROUPS = [
  ["基本信息", [
    { key: "id", label: "编号（id）", type: "text", hint: "小写字母、数字和连字符，如 shelter-rental；保存后不能修改" },
    { key: "name", label: "正式名称", type: "text" },
    { key: "short_name", label: "简称（按钮上显示，不超过 16 个字）", type: "text" },
    { key: "category", label: "类别", type: "select",
      options: [["licence", "行政许可"], ["service", "办事服务"], ["public", "市民咨询"], ["info", "信息公开"]] },
    { key: "summary", label: "简介（一两句话：这是什么、谁需要办）", type: "textarea" },
  ]],
  ["常问问题（问题条目）", [
    { key: "entries", label: "问题条目", type: "entries",
      hint: "群众常问的具体问题，每条有直接回答和出处。问题写成一句完整的话；其他问法写群众的口语说法。" },
  ]],
  ["待补充的事实", [
    { key: "facts", label: "事实（电话、地址、承诺时限、收费标准……）", type: "facts",
      hint: "回答里写 {fact:编号} 的地方显示这里的内容。“内容”留空表示还不知道：回答会说“暂未收录”，并请群众去“在此之前去哪里问”列出的渠道。填上内容时请同时写明出处。" },
  ]],
  ["办事指南", [
    { key: "conditions", label: "受理条件", type: "list", multiline: true },
    { key: "materials", label: "申请材料", type: "materials" },
    { key: "process", label: "办理流程", type: "list", multiline: true },
    { key: "legal_basis", label: "法律依据", type: "list", multiline: true },
    { key: "time_limit", label: "办理时限", type: "group", fields: [
      { key: "statutory_days", label: "法定时限（工作日，不知道就留空）", type: "number" },
      { key: "promised_days", label: "承诺时限（工作日，不知道就留空）", type: "number" },
      { key: "note", label: "说明", type: "textarea" },
    ] },
    { key: "fee", label: "收费", type: "group", fields: [
      { key: "charged", label: "本事项收费", type: "checkbox" },
      { key: "note", label: "说明", type: "textarea" },
    ] },
    { key: "apply", label: "办理方式", type: "group", fields: [
      { key: "online", label: "网上办理", type: "textarea" },
      { key: "window", label: "窗口办理", type: "textarea" },
    ] },
    { key: "answers", label: "各栏目的简短回答（有则优先显示）", type: "dict", input: "textarea",
      keys: SECTIONS.filter(([k]) => k !== "summary") },
  ]],
  ["匹配用的词语", [
    { key: "questions", label: "示例问题（至少 5 条，群众真实的问法）", type: "list" },
    { key: "aliases", label: "其他叫法", type: "list" },
    { key: "keywords", label: "关键词", type: "list" },
    { key: "intents", label: "意图词（可选）", type: "list" },
    { key: "related", label: "相关事项（事项的 id）", type: "list" },
  ]],
  ["其他", [
    { key: "sources", label: "出处", type: "list" },
    { key: "titles", label: "栏目标题（标准标题不合适时另写）", type: "dict", input: "text", keys: SECTIONS },
    { key: "actions", label: "页面工具", type: "checkboxes",
      options: [["prereview", "材料预审（有申请材料时自动提供）"], ["case_lookup", "办件查询表单"]] },
  ]],
];

const MATERIAL_FIELDS = [
  { key: "name", label: "名称", type: "text" },
  { key: "form", label: "形式（原件、复印件、电子件……）", type: "text" },
  { key: "copies", label: "份数", type: "number" },
  { key: "note", label: "说明", type: "textarea" },
  { key: "required", label: "必须提交（不勾选表示可以容缺后补）", type: "checkbox", default: true },
];
const MATERIAL_ORDER = ["name", "form", "copies", "note", "required"];
const FACT_ORDER = ["id", "label", "value", "source", "ask"];
const FACT_FIELDS = [
  { key: "id", label: "编号（id，小写字母和连字符；回答里写 {fact:编号}）", type: "text" },
  { key: "label", label: "名称（回答里怎么称呼它，如：青浦区国动办的咨询电话）", type: "text" },
  { key: "value", label: "内容（还不知道就留空）", type: "textarea", rows: 2 },
  { key: "source", label: "出处（文件文号，或“办公室提供（日期）”；填了内容就必须写）", type: "text" },
  { key: "ask", label: "在此之前去哪里问（guide 办事指南、12345 热线、window 窗口、wechat 公众号）", type: "list" },
];
const ENTRY_ORDER = ["id", "question", "variants", "keywords", "answer", "sources"];
const ENTRY_FIELDS = [
  { key: "id", label: "编号（id，小写字母和连字符）", type: "text" },
  { key: "question", label: "问题", type: "text" },
  { key: "answer", label: "直接回答（先说结论）", type: "textarea", rows: 5 },
  { key: "variants", label: "其他问法", type: "list" },
  { key: "keywords", label: "关键词", type: "list" },
  { key: "sources", label: "出处", type: "list" },
];

let itemId = root?.dataset.itemId || null;
let version = null;
let original = {};
let dirty = false;
let counter = 0;
const controls = new Map(); // top-level key → { read(): value | undefined }

const form = document.getElementById("editor-form");
const fields = document.getElementById("editor-fields");
const statusLine = document.getElementById("editor-status");
const errorBox = document.getElementById("editor-errors");
const errorList = document.getElementById("editor-errors-list");

function nextId(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

function api(path = "") {
  return root.dataset.apiItems + path;
}

async function send(url, method, body, extraHeaders = {}) {
  const headers = { Accept: "application/json", "X-CSRF-Token": csrf, ...extraHeaders };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = {};
  }
  return { status: response.status, data };
}

function has(object, key) {
  return object !== null && typeof object === "object" && Object.prototype.hasOwnProperty.call(object, key);
}

function announce(message) {
  statusLine.textContent = message;
}

// ---- fields ------------------------------------------------------------------------------------

/** A labelled input, textarea, select or checkbox for one value; returns { node, input, read }. */
function field(spec, value, labelSuffix = "") {
  const wrap = el("div", spec.type === "checkbox" ? "check-field" : "field");
  const id = nextId("f");
  let input;
  if (spec.type === "textarea") {
    input = el("textarea");
    input.rows = spec.rows || Math.min(8, Math.max(2, String(value ?? "").split("\n").length + 1));
  } else if (spec.type === "select") {
    input = el("select");
    const known = spec.options.some(([v]) => v === value);
    if (!known && value) input.append(new Option(String(value), String(value)));
    for (const [v, text] of spec.options) input.append(new Option(`${text}（${v}）`, v));
  } else {
    input = el("input");
    input.type = spec.type === "number" ? "text" : spec.type === "checkbox" ? "checkbox" : "text";
    if (spec.type === "number") input.inputMode = "numeric";
  }
  input.id = id;
  input.dataset.key = spec.key;
  if (spec.type === "checkbox") input.checked = value === undefined ? Boolean(spec.default) : Boolean(value);
  else input.value = value === null || value === undefined ? "" : String(value);
  const label = el("label", null, spec.label + labelSuffix);
  label.htmlFor = id;
  if (spec.type === "checkbox") wrap.append(input, label);
  else wrap.append(label, input);
  if (spec.hint) {
    const hint = el("p", "hint", spec.hint);
    hint.id = nextId("hint");
    input.setAttribute("aria-describedby", hint.id);
    wrap.append(hint);
  }
  return { node: wrap, input };
}

/** A value read back from an input: text as typed, numbers as numbers (or the text, for the server to refuse). */
function valueOf(spec, input) {
  if (spec.type === "checkbox") return input.checked;
  const text = input.value;
  if (spec.type === "number") {
    const trimmed = text.trim();
    if (trimmed === "") return null;
    return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
  }
  return text;
}

/**
 * `source` (an object as the file has it) with `values` set: keys in `order` first (where a new key
 * belongs in the file), then any other key `source` has. A key without a value keeps the source's;
 * an empty optional value leaves the key out (or keeps the file's `null`).
 */
function assemble(source, order, values, required = new Set()) {
  const out = {};
  const keys = [...order, ...Object.keys(source || {}).filter((k) => !order.includes(k))];
  for (const key of keys) {
    if (!(key in values)) {
      if (has(source, key)) out[key] = source[key]; // a key this form does not show: kept as it was
      continue;
    }
    const value = values[key];
    const empty = value === "" || value === null || value === undefined || (Array.isArray(value) && value.length === 0);
    if (empty && !required.has(key)) {
      if (has(source, key) && source[key] === null && value === null) out[key] = null;
      continue;
    }
    out[key] = value;
  }
  return out;
}

// ---- lists of rows -----------------------------------------------------------------------------

/**
 * Rows that can be added, removed and moved. `make(value)` builds a row's content and returns
 * { node, read(), focus() }; the list keeps each row's label ("第 n 条") true after every move.
 */
function rowList(spec, values, make) {
  const box = el("fieldset", "kb-list");
  box.dataset.path = spec.path;
  box.append(el("legend", null, spec.label));
  if (spec.hint) box.append(el("p", "hint", spec.hint));
  const list = el("ol", "kb-rows");
  const add = el("button", "button button--small kb-add", TEXT.add);
  add.type = "button";
  add.append(el("span", "visually-hidden", `（${spec.label}）`));
  box.append(list, add);
  function renumber() {
    list.querySelectorAll(":scope > li").forEach((li, i) => li.rowApi.number(i + 1));
  }

  function addRow(value, focus) {
    const li = el("li", "kb-row");
    const content = make(value, li);
    const tools = el("div", "kb-row__tools");
    const buttons = {};
    for (const [name, text] of [["up", TEXT.up], ["down", TEXT.down], ["remove", TEXT.remove]]) {
      const b = el("button", "button button--small kb-tool", text);
      b.type = "button";
      b.dataset.tool = name;
      b.append(el("span", "visually-hidden", ""));
      buttons[name] = b;
      tools.append(b);
    }
    li.append(content.node, tools);
    li.rowApi = {
      read: content.read,
      paths: content.paths,
      number(n) {
        content.number?.(n);
        for (const b of Object.values(buttons)) b.lastChild.textContent = `（${TEXT.row(spec.label, n)}）`;
        buttons.up.disabled = n === 1;
        buttons.down.disabled = n === list.children.length;
      },
    };
    buttons.up.addEventListener("click", () => move(li, -1, buttons.up));
    buttons.down.addEventListener("click", () => move(li, 1, buttons.down));
    buttons.remove.addEventListener("click", () => {
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      renumber();
      changed();
      announce(TEXT.removed);
      (next?.querySelector('[data-tool="remove"]') || add).focus();
    });
    list.append(li);
    renumber();
    if (focus) {
      content.focus();
      announce(TEXT.added(list.children.length));
    }
  }

  function move(li, step, button) {
    const target = step < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (!target) return;
    if (step < 0) list.insertBefore(li, target);
    else list.insertBefore(target, li);
    renumber();
    changed();
    const n = [...list.children].indexOf(li) + 1;
    announce(TEXT.moved(n));
    (button.disabled ? li.querySelector(`[data-tool="${step < 0 ? "down" : "up"}"]`) : button).focus();
  }

  for (const value of values) addRow(value, false);
  add.addEventListener("click", () => {
    addRow(undefined, true);
    changed();
  });
  return {
    node: box,
    read: () => [...list.children].map((li) => li.rowApi.read()),
    paths(prefix) {
      [...list.children].forEach((li, i) => {
        li.dataset.path = `${prefix}.${i}`;
        li.rowApi.paths?.(`${prefix}.${i}`);
      });
    },
  };
}

/** A list of texts (aliases, questions, sources…): one input or textarea per row. */
function textList(spec, values) {
  const label = spec.label.replace(/（.*$/, "");
  const list = rowList(spec, values, (value) => {
    const id = nextId("r");
    const input = el(spec.multiline ? "textarea" : "input", "kb-row__value");
    if (spec.multiline) input.rows = 2;
    else input.type = "text";
    input.id = id;
    input.value = value === undefined || value === null ? "" : String(value);
    const lab = el("label", "visually-hidden", "");
    lab.htmlFor = id;
    const node = el("div", "kb-row__field");
    node.append(lab, input);
    return {
      node,
      read: () => input.value,
      focus: () => input.focus(),
      number: (n) => (lab.textContent = TEXT.row(label, n)),
      paths: (path) => (input.dataset.path = path),
    };
  });
  return { node: list.node, read: () => list.read().filter((v) => v.trim() !== ""), paths: list.paths };
}

/**
 * A group of fields for one object in a list (a material, an entry), keeping the object's own keys.
 * `order` is the file's key order; `fold` puts the fields in a <details> (entries are many).
 */
function objectRow(specs, order, value, titleOf, fold) {
  const source = value && typeof value === "object" ? value : {};
  const node = el(fold ? "details" : "div", "kb-object");
  const title = el(fold ? "summary" : "p", "kb-object__title");
  node.append(title);
  if (fold && !value) node.open = true; // a new entry opens at once
  const parts = {};
  for (const spec of specs) {
    if (spec.type === "list") {
      const list = textList({ ...spec, path: "" }, Array.isArray(source[spec.key]) ? source[spec.key] : []);
      parts[spec.key] = { kind: "list", list };
      node.append(list.node);
    } else {
      const { node: f, input } = field(spec, source[spec.key]);
      parts[spec.key] = { kind: "field", spec, input };
      node.append(f);
    }
  }
  return {
    node,
    read() {
      const values = {};
      for (const [key, part] of Object.entries(parts)) {
        if (part.kind === "list") values[key] = part.list.read();
        else if (part.spec.type === "checkbox") {
          // "required: true" is the default: written only when the file had it, or when unticked.
          const checked = part.input.checked;
          if (has(source, key) || checked !== Boolean(part.spec.default)) values[key] = checked;
        } else values[key] = valueOf(part.spec, part.input);
      }
      return assemble(source, order, values, new Set(["name", "id", "question", "answer", "sources", "label"]));
    },
    focus: () => (fold ? title : Object.values(parts).find((p) => p.kind === "field")?.input)?.focus(),
    number: (n) => (title.textContent = titleOf(n, parts)),
    paths(prefix) {
      for (const [key, part] of Object.entries(parts)) {
        if (part.kind === "list") {
          part.list.node.dataset.path = `${prefix}.${key}`;
          part.list.paths(`${prefix}.${key}`);
        } else part.input.dataset.path = `${prefix}.${key}`;
      }
    },
  };
}

// ---- the whole form ----------------------------------------------------------------------------

function buildForm(item) {
  controls.clear();
  const parts = [];
  for (const [title, specs] of GROUPS) {
    const group = el("fieldset", "kb-group");
    group.append(el("legend", "kb-group__title", title));
    for (const spec of specs) {
      const control = buildControl({ ...spec, path: spec.key }, item[spec.key]);
      controls.set(spec.key, control);
      group.append(control.node);
    }
    parts.push(group);
  }
  fields.replaceChildren(...parts);
  const idInput = controls.get("id").input;
  if (itemId) {
    idInput.readOnly = true;
    idInput.setAttribute("aria-readonly", "true");
  }
  assignPaths();
}

function buildControl(spec, value) {
  if (spec.type === "list") return textList(spec, Array.isArray(value) ? value : []);
  if (spec.type === "materials") {
    return rowList(spec, Array.isArray(value) ? value : [], (v) =>
      objectRow(MATERIAL_FIELDS, MATERIAL_ORDER, v, (n, p) => `材料 ${n}${p.name.input.value ? `：${p.name.input.value}` : ""}`, false));
  }
  if (spec.type === "facts") {
    return rowList(spec, Array.isArray(value) ? value : [], (v) =>
      objectRow(FACT_FIELDS, FACT_ORDER, v, (n, p) =>
        `事实 ${n}：${p.label.input.value || "（新事实）"}${p.value.input.value.trim() ? "" : "（暂未掌握）"}`, true));
  }
  if (spec.type === "entries") {
    return rowList(spec, Array.isArray(value) ? value : [], (v) =>
      objectRow(ENTRY_FIELDS, ENTRY_ORDER, v, (n, p) => `问题条目 ${n}：${p.question.input.value || "（新问题）"}`, true));
  }
  if (spec.type === "group" || spec.type === "dict") return groupControl(spec, value);
  if (spec.type === "checkboxes") return checkboxesControl(spec, value);
  const { node, input } = field(spec, value);
  input.dataset.path = spec.key;
  return { node, input, read: () => valueOf(spec, input) };
}

/** A fixed set of sub-fields (time_limit, fee, apply) or of named texts (answers, titles). */
function groupControl(spec, value) {
  const source = value && typeof value === "object" ? value : null;
  const box = el("fieldset", "kb-sub");
  box.dataset.path = spec.key;
  box.append(el("legend", null, spec.label));
  const specs = spec.type === "dict"
    ? spec.keys.map(([key, label]) => ({ key, label, type: spec.input }))
    : spec.fields;
  const inputs = {};
  for (const sub of specs) {
    const { node, input } = field(sub, source ? source[sub.key] : undefined);
    input.dataset.path = `${spec.key}.${sub.key}`;
    inputs[sub.key] = { sub, input };
    box.append(node);
  }
  const order = specs.map((s) => s.key);
  return {
    node: box,
    read() {
      const values = {};
      for (const [key, { sub, input }] of Object.entries(inputs)) {
        if (sub.type === "checkbox" && !has(source, key) && !input.checked) continue;
        values[key] = valueOf(sub, input);
      }
      const out = assemble(source || {}, order, values);
      if (!Object.keys(out).length) return undefined; // all empty: the field is left out of the file
      if (spec.key === "fee" && !has(out, "charged")) return { charged: false, ...out }; // fee needs charged
      return out;
    },
  };
}

function checkboxesControl(spec, value) {
  const box = el("fieldset", "kb-sub");
  box.dataset.path = spec.key;
  box.append(el("legend", null, spec.label));
  const current = Array.isArray(value) ? value : [];
  const inputs = [];
  for (const [option, label] of spec.options) {
    const { node, input } = field({ key: option, label, type: "checkbox" }, current.includes(option));
    inputs.push([option, input]);
    box.append(node);
  }
  return {
    node: box,
    read() {
      const chosen = inputs.filter(([, input]) => input.checked).map(([option]) => option);
      const kept = current.filter((o) => chosen.includes(o) || !inputs.some(([x]) => x === o));
      return [...kept, ...chosen.filter((o) => !kept.includes(o))];
    },
  };
}

function assignPaths() {
  for (const [key, control] of controls) {
    control.paths?.(key);
  }
}

/** The item as the form holds it now: every key it had kept, new keys where the file order puts them. */
function readItem() {
  assignPaths();
  const values = {};
  for (const [key, control] of controls) values[key] = control.read();
  return assemble(original, ORDER, values, REQUIRED);
}

function changed() {
  if (!dirty) {
    dirty = true;
    document.title = `* ${document.title}`;
  }
}

// ---- errors ------------------------------------------------------------------------------------

function clearErrors() {
  for (const node of root.querySelectorAll(".kb-field-error")) node.remove();
  for (const node of root.querySelectorAll('[aria-invalid="true"]')) {
    node.removeAttribute("aria-invalid");
    const ids = (node.getAttribute("aria-describedby") || "").split(" ").filter((i) => !i.startsWith("err-"));
    if (ids.length) node.setAttribute("aria-describedby", ids.join(" "));
    else node.removeAttribute("aria-describedby");
  }
  errorList.replaceChildren();
  errorBox.hidden = true;
}

/** The control (or, failing that, the group) a field path names; opens folded groups on the way. */
function findTarget(path) {
  const parts = path.split(".");
  while (parts.length) {
    const found = root.querySelector(`[data-path="${CSS.escape(parts.join("."))}"]`);
    if (found) return found;
    parts.pop();
  }
  return null;
}

function showErrors(errors) {
  clearErrors();
  assignPaths();
  for (const error of errors) {
    const li = el("li");
    const target = error.field ? findTarget(error.field) : null;
    if (target) {
      const id = nextId("err");
      const note = el("p", "field-error kb-field-error", error.message);
      note.id = id;
      const input = target.matches("input, textarea, select") ? target : target.querySelector("input, textarea, select");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby") || ""} ${id}`.trim());
        if (!input.id) input.id = nextId("f");
        const link = el("a", null, error.message);
        link.href = `#${input.id}`;
        link.addEventListener("click", (event) => {
          event.preventDefault();
          input.focus();
        });
        li.append(link);
      } else li.textContent = error.message;
      if (target.matches("input, textarea, select")) target.after(note);
      else if (target.matches("fieldset")) target.querySelector("legend").after(note);
      else target.prepend(note);
      for (let d = target.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
    } else {
      li.textContent = error.message;
    }
    errorList.append(li);
  }
  errorBox.hidden = false;
  errorBox.focus();
}

// ---- loading, saving, deleting, trying ---------------------------------------------------------

async function load() {
  announce(TEXT.loading);
  if (!itemId) {
    original = {};
    version = null;
    buildForm({ category: "public" });
    renderPreview(null);
    announce("");
    return;
  }
  let result;
  try {
    result = await send(api(`/${encodeURIComponent(itemId)}`), "GET");
  } catch {
    announce(TEXT.loadFailed);
    return;
  }
  if (result.status !== 200) {
    announce(result.status === 401 ? TEXT.expired : result.data.error || TEXT.loadFailed);
    return;
  }
  const data = result.data;
  version = data.version;
  original = data.item || {};
  const raw = document.getElementById("raw-text");
  if (raw) raw.value = data.text || "";
  if (data.problems && data.problems.length) {
    const box = el("div", "form-error");
    box.append(el("p", null, TEXT.brokenFile));
    const list = el("ul");
    for (const p of data.problems) list.append(el("li", null, p));
    box.append(list);
    fields.replaceChildren(box);
    document.getElementById("raw").open = true;
  } else {
    buildForm(original);
    focusFromHash();
  }
  renderPreview(data.preview);
  dirty = false;
  document.title = document.title.replace(/^\* /, "");
  announce("");
}

/** `#facts.0.value` (the dashboard's 填写 link to a fact not yet known): that field, unfolded and focused. */
function focusFromHash() {
  const path = decodeURIComponent(location.hash.slice(1));
  if (!/^[a-z_]+(\.[a-z0-9_]+)*$/.test(path)) return;
  assignPaths();
  const target = findTarget(path);
  if (!target) return;
  for (let d = target.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
  const input = target.matches("input, textarea, select") ? target : target.querySelector("input, textarea, select");
  if (!input) return;
  input.scrollIntoView({ block: "center" });
  input.focus();
}

function renderPreview(preview) {
  const box = document.getElementById("preview");
  if (!preview) {
    box.replaceChildren(el("p", null, TEXT.noPreview));
    return;
  }
  const parts = [el("h3", "kb-preview__name", preview.name)];
  const summary = el("div", "kb-preview__answer");
  summary.append(renderMarkup(preview.summary));
  parts.push(summary);
  for (const part of preview.guide || []) parts.push(renderDetails(part));
  if ((preview.entries || []).length) {
    parts.push(el("h3", "kb-preview__subtitle", "常问问题"));
    for (const entry of preview.entries) {
      const details = el("details", "more");
      details.append(el("summary", null, entry.question));
      const body = el("div", "more__body");
      body.append(renderMarkup(entry.answer));
      body.append(el("p", "hint", `出处：${(entry.sources || []).join("；")}`));
      details.append(body);
      parts.push(details);
    }
  }
  box.replaceChildren(...parts);
}

async function save(event) {
  event.preventDefault();
  clearErrors();
  announce(TEXT.saving);
  const item = readItem();
  let result;
  try {
    result = itemId
      ? await send(api(`/${encodeURIComponent(itemId)}`), "PUT", { item }, { "If-Match": version })
      : await send(api(), "POST", { item });
  } catch {
    announce(TEXT.failed);
    return;
  }
  handleWrite(result, () => {
    if (!itemId) {
      dirty = false;
      announce(TEXT.created);
      window.location.assign(result.data.url);
      return;
    }
    afterSave(result.data);
  });
}

function handleWrite(result, onSuccess) {
  if (result.status === 200 || result.status === 201) return onSuccess();
  if (result.status === 422) {
    announce(result.data.error || TEXT.failed);
    showErrors(result.data.errors || [{ field: "", message: result.data.error || TEXT.failed }]);
  } else if (result.status === 409) {
    staleNotice();
  } else if (result.status === 401) {
    announce(TEXT.expired);
  } else {
    announce(result.data.error || TEXT.failed);
  }
  return undefined;
}

async function afterSave(data) {
  const message = data.changed === false ? TEXT.unchanged : TEXT.saved(data.knowledge_version);
  dirty = false;
  await load();
  announce(message);
}

function staleNotice() {
  announce(TEXT.stale);
  showErrors([{ field: "", message: TEXT.stale }]);
  const button = el("button", "button button--small", TEXT.reload);
  button.type = "button";
  button.addEventListener("click", () => {
    clearErrors();
    load();
  });
  const li = el("li");
  li.append(button);
  errorList.append(li);
}

async function remove() {
  if (!window.confirm(TEXT.deleteConfirm)) return;
  const result = await send(api(`/${encodeURIComponent(itemId)}`), "DELETE", undefined, { "If-Match": version })
    .catch(() => ({ status: 0, data: {} }));
  handleWrite(result, () => {
    dirty = false;
    announce(TEXT.deleted);
    window.location.assign(root.dataset.listUrl);
  });
}

async function saveRaw(event) {
  event.preventDefault();
  clearErrors();
  announce(TEXT.saving);
  const text = document.getElementById("raw-text").value;
  const result = await send(api(`/${encodeURIComponent(itemId)}`), "PUT", { text }, { "If-Match": version })
    .catch(() => ({ status: 0, data: {} }));
  handleWrite(result, () => afterSave(result.data));
}

async function tryDraft(event) {
  event.preventDefault();
  const out = document.getElementById("try-result");
  const question = document.getElementById("try-q").value;
  out.replaceChildren(el("p", null, TEXT.trying));
  const result = await send(root.dataset.apiTry, "POST", { item_id: itemId, item: readItem(), question })
    .catch(() => ({ status: 0, data: {} }));
  if (result.status === 422) {
    out.replaceChildren(el("p", "form-error", "修改后的内容有错误，无法试答。请先改正标出的内容。"));
    showErrors(result.data.errors || []);
    return;
  }
  if (result.status !== 200) {
    out.replaceChildren(el("p", "form-error", result.status === 401 ? TEXT.expired : result.data.error || TEXT.failed));
    return;
  }
  clearErrors();
  announce("");
  out.replaceChildren(...tryResult(result.data));
}

function tryResult(data) {
  const parts = [];
  const d = data.decision;
  if (d) {
    const facts = el("dl", "facts kb-try__facts");
    const rows = [
      ["回答方式", TEXT.kinds[d.kind] || d.kind],
      ["得分", String(d.score)],
      ["回答的事项", d.item_name ? `${d.item_name}${d.this_item ? "（本事项）" : "（不是本事项）"}` : "—"],
      ["回答的问题条目", d.entry_question ? `${d.entry_question}（${d.entry_id}）` : "—（事项说明或办事指南栏目）"],
      ["其他候选", (d.runners_up || []).map((r) => `${r.name} ${r.score}`).join("、") || "—"],
    ];
    for (const [label, value] of rows) {
      const row = el("div");
      row.append(el("dt", null, label), el("dd", null, value));
      facts.append(row);
    }
    parts.push(el("h3", "kb-try__title", `“${d.question}”`), facts);
    const reply = el("div", "kb-try__reply");
    reply.append(renderMarkup(d.reply));
    parts.push(el("p", "kb-try__label", "群众会看到："), reply);
  }
  const t = data.tests;
  if (t) {
    parts.push(el("h3", "kb-try__title", "本事项的示例问题自测"));
    parts.push(el("p", t.passed === t.total ? "kb-ok" : "kb-warn", `${t.total} 个示例问题中，${t.passed} 个由本事项（及对应的问题条目）回答。`));
    if (t.misses.length) {
      const list = el("ul", "kb-try__misses");
      for (const m of t.misses) list.append(el("li", null, `“${m.question}” 应由 ${m.expected} 回答，实际为 ${m.got || "未回答"}（${TEXT.kinds[m.kind] || m.kind}）`));
      parts.push(list);
    }
    for (const c of t.collisions) parts.push(el("p", "hint", `与 ${c.items.join(" 和 ")} 有 ${c.count} 个示例得分接近，建议补充区分性的关键词或示例。`));
  }
  return parts;
}

if (root && form) {
  form.addEventListener("submit", save);
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  document.getElementById("try-form").addEventListener("submit", tryDraft);
  document.getElementById("delete-button")?.addEventListener("click", remove);
  document.getElementById("raw-form")?.addEventListener("submit", saveRaw);
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });
  load();
}
