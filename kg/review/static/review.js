// The review page of `kg review`: highlights every suggestion in the text, lists them, and records accept /
// reject / edit decisions until the reviewer saves. The server checks and writes; nothing is written here.
// No framework and no inline handlers: the page runs under Content-Security-Policy script-src 'self'.
"use strict";

const state = { data: null, decisions: new Map(), current: 0 };
const $ = (selector) => document.querySelector(selector);

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text) node.textContent = text;
  return node;
}

async function load(message) {
  const response = await fetch("/api/draft", { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) return showErrors(body.errors || [response.statusText]);
  state.data = body;
  state.decisions.clear();
  state.current = Math.min(state.current, Math.max(body.items.length - 1, 0));
  renderText();
  renderItems();
  select(state.current);
  $("#status").textContent = message || `${body.items.length} suggestion(s) to review in ${body.file}.`;
}

// The text as runs between span boundaries; each run carries the kinds and ids of the spans covering it.
function renderText() {
  const { text, items } = state.data;
  const cuts = new Set([0, text.length]);
  for (const item of items) for (const [start, end] of item.spans) cuts.add(start).add(end);
  const points = [...cuts].sort((a, b) => a - b);
  const container = $("#text");
  container.replaceChildren();
  for (let i = 0; i + 1 < points.length; i++) {
    const [start, end] = [points[i], points[i + 1]];
    const covering = items.filter((item) => item.spans.some(([s, e]) => s <= start && end <= e));
    if (!covering.length) {
      container.append(document.createTextNode(text.slice(start, end)));
      continue;
    }
    const run = el("span", { "data-ids": covering.map((item) => item.id).join(" ") }, text.slice(start, end));
    run.className = [...new Set(covering.map((item) => `k-${item.kind}`))].join(" ");
    run.title = covering.map((item) => `${item.kind}: ${item.slug}`).join("\n");
    container.append(run);
  }
}

function renderItems() {
  const list = $("#items");
  list.replaceChildren();
  state.data.items.forEach((item, index) => {
    const li = el("li", { "data-index": String(index), "data-id": item.id });
    const head = el("div");
    head.append(el("span", { class: `kind k-${item.kind}` }, item.kind), " ", el("strong", {}, item.slug), " ");
    head.append(el("span", { class: "state" }, "pending"));
    const meta = el("div", { class: "meta" }, `${item.suggested.by}, confidence ${item.suggested.confidence}: ${item.suggested.evidence}`);
    const buttons = el("div");
    for (const [action, label] of [["accept", "Accept (a)"], ["reject", "Reject (r)"], ["edit", "Edit (e)"]]) {
      if (action !== "edit" || item.editable.length) buttons.append(el("button", { type: "button", "data-action": action }, label), " ");
    }
    li.append(head, el("div", {}, item.label), meta, buttons);
    list.append(li);
  });
}

function select(index) {
  const items = state.data.items;
  if (!items.length) return;
  state.current = Math.max(0, Math.min(index, items.length - 1));
  document.querySelectorAll("#items li.current").forEach((li) => li.classList.remove("current"));
  document.querySelectorAll(".current-span").forEach((run) => run.classList.remove("current-span"));
  const item = items[state.current];
  const li = $(`#items li[data-index="${state.current}"]`);
  li.classList.add("current");
  li.scrollIntoView({ block: "nearest" });
  const runs = [...document.querySelectorAll("#text span[data-ids]")].filter((run) => run.dataset.ids.split(" ").includes(item.id));
  runs.forEach((run) => run.classList.add("current-span"));
  if (runs.length) runs[0].scrollIntoView({ block: "nearest" });
}

function decide(action, fields) {
  const item = state.data.items[state.current];
  if (!item) return;
  state.decisions.set(item.id, { section: item.section, slug: item.slug, action, fields: fields || {} });
  const li = $(`#items li[data-index="${state.current}"]`);
  li.classList.remove("accepted", "rejected", "edited");
  li.classList.add(action === "accept" ? "accepted" : action === "reject" ? "rejected" : "edited");
  li.querySelector(".state").textContent = action === "accept" ? "accepted" : action === "reject" ? "rejected" : "edited";
  closeForm();
  select(state.current + 1);
}

function options(select, values, current) {
  select.replaceChildren(el("option", { value: "" }, "(none)"));
  for (const { value, label } of values) {
    const option = el("option", { value }, label);
    if (value === current) option.selected = true;
    select.append(option);
  }
}

function openForm() {
  const item = state.data.items[state.current];
  if (!item || !item.editable.length) return;
  closeForm();
  const form = $("#edit-form").content.firstElementChild.cloneNode(true);
  for (const label of form.querySelectorAll("label[data-field]")) label.hidden = !item.editable.includes(label.dataset.field);
  const { speakers, offices } = state.data.choices;
  options(form.elements.speaker, speakers.map((s) => ({ value: s.slug, label: `${s.label} (${s.slug})` })), item.fields.speaker);
  options(form.elements.office, offices.map((o) => ({ value: o.slug, label: `${o.label}, ${o.holder}` })), item.fields.office);
  const statuses = item.section === "dates" ? ["stated", "inferred", "source-metadata"] : ["current", "former"];
  options(form.elements.status, statuses.map((s) => ({ value: s, label: s })), item.fields.status);
  for (const name of ["start", "end", "value", "precision"]) {
    if (item.fields[name] !== undefined && item.fields[name] !== null) form.elements[name].value = item.fields[name];
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    decide("edit", changedFields(item, form));
  });
  form.querySelector(".cancel").addEventListener("click", closeForm);
  $(`#items li[data-index="${state.current}"]`).append(form);
  form.querySelector("label:not([hidden]) input, label:not([hidden]) select").focus();
}

// Only what the reviewer changed; a span is sent whole. Numbers stay numbers, anything else goes as typed.
function changedFields(item, form) {
  const fields = {};
  for (const name of item.editable) {
    const raw = form.elements[name].value.trim();
    const value = name === "start" || name === "end" ? (/^\d+$/.test(raw) ? Number(raw) : raw) : raw;
    if (value !== (item.fields[name] ?? "")) fields[name] = value;
  }
  if ("start" in fields || "end" in fields) {
    for (const name of ["start", "end"]) if (!(name in fields)) fields[name] = item.fields[name];
  }
  return fields;
}

function closeForm() {
  document.querySelectorAll("#items form.edit").forEach((form) => form.remove());
}

function showErrors(errors) {
  const box = $("#errors");
  box.replaceChildren(el("strong", {}, "Not saved:"));
  const list = el("ul");
  for (const error of errors) list.append(el("li", {}, error));
  box.append(list);
  box.hidden = false;
}

async function saveAll() {
  $("#errors").hidden = true;
  const decisions = [...state.decisions.values()];
  const response = await fetch("/api/save", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ version: state.data.version, decisions }),
  });
  const body = await response.json();
  if (!response.ok) return showErrors(body.errors || [response.statusText]);
  const notes = body.notes.length ? ` Notes: ${body.notes.join("; ")}.` : "";
  await load(`Saved ${body.written} (${decisions.length} decision(s); backup of the draft: ${body.backup}); ${body.remaining} suggestion(s) left.${notes}`);
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || !state.data) return;
  const typing = event.target.closest("input, select, textarea");
  if (event.key === "Escape" && typing) return closeForm();
  if (typing) return;
  const actions = {
    j: () => select(state.current + 1),
    k: () => select(state.current - 1),
    a: () => decide("accept"),
    r: () => decide("reject"),
    e: openForm,
    s: saveAll,
  };
  if (actions[event.key]) {
    event.preventDefault();
    actions[event.key]();
  }
});

document.addEventListener("DOMContentLoaded", () => {
  $("#save").addEventListener("click", saveAll);
  $("#items").addEventListener("click", (event) => {
    const li = event.target.closest("li[data-index]");
    if (!li || event.target.closest("form")) return;
    select(Number(li.dataset.index));
    const action = event.target.dataset.action;
    if (action === "edit") openForm();
    else if (action) decide(action);
  });
  load();
});
