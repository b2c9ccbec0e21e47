// The lobby guide's tablet: every line's wait live, a ticket for the customer at hand (needs, a
// note, a phone, or the shortest line that takes their errand), check-in by booking code, and the
// ticket handed over as a big QR code or on paper. Every request shows it is running and how it
// ended: a guide with a customer in front of them must never wonder whether it worked.
import { boot, Texts, pickLabel, putLabel, clockTime, waitText, waitWithRange } from "./i18n.js";
import { LiveStream } from "./live.js";

const data = boot();
const texts = new Texts(data.catalogs, data.lang, data.first);
const $ = (id) => document.getElementById(id);
const site = data.site;
const WALK_IN = new Set(["walk-in", "both"]);
const state = { mode: "issue", service: null, queues: null, suggestion: null, ticket: null, busy: false };
window.__guide = state;

// --- the board: every public line's wait, live ---------------------------------------------

const unitName = (slug) => pickLabel(site.units.find((u) => u.slug === slug)?.names, data.lang, data.first);
const serviceOf = (slug) => site.services.find((s) => s.slug === slug);

function boardRows() {
  // Until the stream's first figures arrive nothing is known: no line is shown closed or empty.
  if (state.queues === null) {
    return data.tablet.lines.map(serviceOf).filter(Boolean)
      .map((s) => ({ service: s.slug, labels: s.labels, unit: s.unit, unknown: true }));
  }
  const rows = new Map(state.queues.map((q) => [q.service, q]));
  // The lobby lists open walk-in lines; a closed one is still listed here, marked, so a guide
  // can tell a customer why it is not an option now. Sensitive lines are in neither list.
  const closed = data.tablet.lines.filter((slug) => !rows.has(slug)).map(serviceOf).filter(Boolean);
  return [...rows.values(), ...closed.map((s) => ({ service: s.slug, labels: s.labels, unit: s.unit, closed: true }))];
}

function renderBoard() {
  const items = boardRows().map((row) => {
    const li = document.createElement("li");
    li.className = "g-line";
    li.dataset.service = row.service;
    const name = document.createElement("span");
    name.className = "g-line-name";
    putLabel(name, row.labels, data.lang, data.first);
    const unit = document.createElement("span");
    unit.className = "g-line-unit";
    unit.textContent = unitName(row.unit);
    const figure = document.createElement("span");
    figure.className = "g-line-figure";
    li.dataset.state = lineState(row);
    figure.textContent = figureText(row);
    li.append(name, unit, figure);
    return li;
  });
  $("board").replaceChildren(...items);
}

function lineState(row) {
  if (row.unknown) return "unknown";
  if (row.closed || row.open === false) return "closed";
  return row.served_now === false ? "unserved" : "open";
}

function figureText(row) {
  const kind = lineState(row);
  if (kind === "unknown") return texts.t("guide.loading");
  if (kind === "closed") return texts.t("guide.closed");
  if (kind === "unserved") return `${texts.t("guide.waiting_n", { n: row.waiting })} · ${texts.t("not_served")}`;
  if (!row.waiting) return `${texts.t("guide.no_queue")} · ${waitText(texts, row.estimated_wait_seconds, data.lang)}`;
  return `${texts.t("guide.waiting_n", { n: row.waiting })} · ${waitText(texts, row.estimated_wait_seconds, data.lang)}`;
}

function applyQueues(figures) {
  state.queues = figures.queues;
  state.sequence = figures.sequence;
  renderBoard();
  if (state.service && state.mode === "issue" && !state.ticket) refreshSuggestion();
}

// --- choosing the errand ---------------------------------------------------------------------

const fold = (text) => (text || "").toLocaleLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");

function matches(service, query) {
  if (!query) return true;
  const names = [...Object.values(service.labels || {}), ...Object.values(site.units.find((u) => u.slug === service.unit)?.names || {})];
  return names.some((name) => fold(name).includes(query));
}

function renderServices() {
  const query = fold($("search").value.trim());
  const found = site.services.filter((s) => WALK_IN.has(s.accepts) && matches(s, query));
  const buttons = found.map((service) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "g-service-choice";
    button.dataset.service = service.slug;
    button.setAttribute("aria-pressed", String(state.service === service.slug));
    const name = document.createElement("span");
    putLabel(name, service.labels, data.lang, data.first);
    const unit = document.createElement("small");
    unit.textContent = unitName(service.unit);
    button.append(name, unit);
    button.addEventListener("click", () => choose(service.slug));
    return button;
  });
  if (!buttons.length) {
    const none = document.createElement("p");
    none.className = "hint";
    none.textContent = texts.t("guide.no_match");
    buttons.push(none);
  }
  $("services").replaceChildren(...buttons);
}

function choose(slug) {
  state.service = slug;
  state.suggestion = null;
  renderServices();
  renderSuggestion();
  renderActions();
  refreshSuggestion();
}

// --- the shortest suitable line --------------------------------------------------------------

let suggestTimer = null;
let suggestRun = 0;
function refreshSuggestion() {
  clearTimeout(suggestTimer);
  suggestTimer = setTimeout(loadSuggestion, 150);
}

async function loadSuggestion() {
  const service = state.service;
  const run = ++suggestRun;
  const url = `${data.suggestions_url}?service=${encodeURIComponent(service)}`;
  $("suggest").dataset.busy = "true";
  if (!state.suggestion) $("suggest").textContent = texts.t("guide.busy_suggest");
  try {
    const response = await fetch(url, { headers: { accept: "application/json" } });
    if (run !== suggestRun || service !== state.service) return;
    if (!response.ok) throw new Error(String(response.status));
    state.suggestion = await response.json();
  } catch {
    if (run !== suggestRun) return;
    state.suggestion = null;
    $("suggest").textContent = texts.t("guide.error_suggest");
    $("suggest").dataset.kind = "error";
    renderActions();
    return;
  } finally {
    if (run === suggestRun) delete $("suggest").dataset.busy;
  }
  renderSuggestion();
  renderActions();
}

function renderSuggestion() {
  const box = $("suggest");
  delete box.dataset.kind;
  const found = state.suggestion;
  if (!state.service) return box.replaceChildren();
  const chosen = document.createElement("p");
  chosen.className = "g-chosen";
  chosen.textContent = texts.t("guide.chosen", { service: pickLabel(serviceOf(state.service)?.labels, data.lang, data.first) });
  if (!found) return box.replaceChildren(chosen);
  const heading = document.createElement("p");
  heading.className = "g-suggest-head";
  heading.textContent = !found.shortest ? texts.t("guide.no_line_now")
    : found.shortest === found.service ? texts.t("guide.shortest_is_own") : texts.t("guide.lines_for");
  const list = document.createElement("ul");
  list.className = "g-candidates";
  for (const line of found.lines) {
    const li = document.createElement("li");
    li.dataset.service = line.service;
    li.dataset.shortest = String(line.service === found.shortest);
    const wait = !line.open ? texts.t("guide.closed")
      : !line.served_now ? texts.t("not_served")
      : line.estimated_wait_seconds === null ? "" : waitText(texts, line.estimated_wait_seconds, data.lang);
    li.textContent = `${pickLabel(line.labels, data.lang, data.first)} (${unitName(line.unit)}, ${texts.t(`guide.why.${line.why}`)})${wait ? ` · ${wait}` : ""}`;
    list.append(li);
  }
  box.replaceChildren(chosen, heading, list);
}

function shortestLine() {
  const found = state.suggestion;
  if (!found || !found.shortest || found.service !== state.service) return null;
  return found.lines.find((line) => line.service === found.shortest) || null;
}

// --- needs, note, languages ------------------------------------------------------------------

function renderNeeds() {
  const types = data.tablet.need_types || [];
  $("needs-field").hidden = !types.length;
  $("needs").replaceChildren(...types.map((need) => {
    const label = document.createElement("label");
    label.className = "g-need";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = need.slug;
    const name = document.createElement("span");
    putLabel(name, need.names, data.lang, data.first);
    label.append(box, name);
    return label;
  }));
}

function renderLanguages() {
  const select = $("customer-lang");
  select.replaceChildren(...site.languages.map((code) => {
    const option = document.createElement("option");
    option.value = code;
    option.textContent = texts.t(`lang.${code}`) === `lang.${code}` ? code : texts.t(`lang.${code}`);
    option.selected = code === (site.languages.includes(data.lang) ? data.lang : site.languages[0]);
    return option;
  }));
}

function renderNoteAllowed() {
  // A device may not write a note (the API answers 403 naming `note`): say so instead of a field
  // that can only fail.
  const allowed = data.tablet.notes;
  $("note").hidden = !allowed;
  document.querySelector('label[for="note"]').hidden = !allowed;
  $("note-hint").textContent = texts.t(allowed ? "guide.note_hint" : "guide.note_device");
}

// --- requests --------------------------------------------------------------------------------

function setBusy(key) {
  state.busy = Boolean(key);
  document.body.dataset.busy = String(state.busy);
  $("busy").textContent = key ? texts.t(key) : "";
  for (const id of ["issue", "shortest", "check-in", "next", "print"]) $(id).setAttribute("aria-busy", String(state.busy));
  renderActions();
}

function showError(text, field) {
  $("message").textContent = text;
  $("message").dataset.kind = text ? "error" : "";
  for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const target = field && { note: "note", "contact.phone": "phone", code: "code", service: "search" }[field];
  if (target) {
    $(target).setAttribute("aria-invalid", "true");
    $(target).focus();
  }
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function send(url, body, busyKey, extraHeaders = {}) {
  showError("");
  setBusy(busyKey);
  const headers = { "content-type": "application/json", accept: "application/json", ...extraHeaders };
  if (data.device_token) headers["X-Device-Token"] = data.device_token;
  try {
    const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(body), credentials: "same-origin" });
    const answer = await response.json().catch(() => ({}));
    return { status: response.status, answer };
  } catch {
    showError(texts.t("guide.error_network"));
    return null;
  } finally {
    setBusy(null);
  }
}

// The words for a refusal, in the guide's language; the server's own detail where it names a
// field (its message is in English, the field tells the guide where to look).
function problemText(result) {
  const { status, answer } = result;
  if (status === 401) return texts.t("guide.error_signed_out");
  if (status === 403 && answer.field === "note") return texts.t("guide.error_note");
  if (status === 403) return texts.t("guide.error_forbidden", { detail: answer.detail || "" });
  if (status === 409 && answer.opens_at) {
    return texts.t("guide.error_closed_opens", { time: clockTime(new Date(answer.opens_at), site.timezone, data.lang) });
  }
  if (status === 409 && answer.type?.includes("service-closed")) return texts.t("guide.error_closed");
  if (status === 422 || status === 400) return texts.t("guide.error_invalid", { field: answer.field || "", detail: answer.detail || "" });
  if (status === 429) return texts.t("guide.error_rate");
  return texts.t("guide.error_other", { status });
}

async function issue(service) {
  if (!service) return showError(texts.t("guide.choose_service"), "service");
  const needs = [...document.querySelectorAll("#needs input:checked")].map((box) => box.value);
  const body = {
    service,
    language: $("customer-lang").value,
    channel: data.tablet.notes ? "staff" : "kiosk",
    needs,
  };
  const note = $("note").value.trim();
  if (note && data.tablet.notes) body.note = note;
  const phone = $("phone").value.trim();
  if (phone) body.contact = { phone };
  const result = await send(data.issue_url, body, "guide.busy_issue", { "Idempotency-Key": uuid() });
  if (!result) return;
  if (result.status === 201 || result.status === 200) return showTicket(result.answer);
  showError(problemText(result), result.answer.field);
}

async function checkIn() {
  const code = $("code").value.trim();
  if (!code) return showError(texts.t("guide.error_invalid", { field: "code", detail: "" }), "code");
  const result = await send(data.check_in_url, { code }, "guide.busy_checkin");
  if (!result) return;
  if (result.status === 201 || result.status === 200) return showTicket(result.answer, true);
  const answer = result.answer;
  if (result.status === 404) {
    const left = answer.attempts_left;
    return showError(left === undefined ? texts.t("kiosk.code_not_found") : texts.t("guide.code_wrong", { n: left }), "code");
  }
  if (result.status === 429) return showError(texts.t("kiosk.code_locked"), "code");
  if (result.status === 409 && answer.earliest) {
    return showError(texts.t("kiosk.check_in_opens", { time: clockTime(new Date(answer.earliest), site.timezone, data.lang) }), "code");
  }
  if (result.status === 409) return showError(texts.t("kiosk.check_in_not_now"), "code");
  showError(problemText(result), answer.field || "code");
}

// --- the ticket handed over ------------------------------------------------------------------

function placeText(ticket) {
  if (ticket.position === null || ticket.position === undefined) return "";
  return ticket.position <= 1 ? texts.t("kiosk.you_are_next") : texts.t("kiosk.ahead", { n: ticket.position - 1 });
}

function showTicket(ticket, checkedIn = false) {
  state.ticket = ticket;
  const label = pickLabel(serviceOf(ticket.service)?.labels, data.lang, data.first) || ticket.service_label || ticket.service;
  const wait = !ticket.position ? ""
    : ticket.estimated_wait_seconds === null ? texts.t("not_served")
    : texts.t("kiosk.estimated_wait", { wait: waitWithRange(texts, ticket.estimated_wait_seconds, ticket.estimated_wait_range_seconds, data.lang) });
  $("result-h").textContent = texts.t(checkedIn ? "guide.checked_in" : "guide.issued");
  $("r-number").textContent = ticket.number;
  $("r-service").textContent = label;
  $("r-place").textContent = placeText(ticket);
  $("r-wait").textContent = wait;
  const lang = ticket.language || data.lang;
  const url = new URL(`/t/${ticket.id}?lang=${encodeURIComponent(lang)}`, location.href).href;
  $("qr").src = `/t/${ticket.id}/qr.svg?lang=${encodeURIComponent(lang)}`;
  $("qr").alt = texts.t("kiosk.qr_alt");
  $("qr-link").href = url;
  $("qr-link").textContent = url;
  // The paper copy: the kiosk's 80 mm layout (print.css).
  $("p-site").textContent = pickLabel(site.names, data.lang, data.first);
  $("p-label").textContent = texts.t("kiosk.your_number");
  $("p-number").textContent = ticket.number;
  $("p-service").textContent = label;
  $("p-place").textContent = [placeText(ticket), wait].filter(Boolean).join(" · ");
  $("p-qr").src = $("qr").src;
  $("p-scan").textContent = texts.t("kiosk.scan_qr");
  $("p-time").textContent = clockTime(new Date(ticket.issued_at || Date.now()), site.timezone, data.lang);
  setMode("result");
  $("result-h").focus();
}

function nextCustomer() {
  state.ticket = null;
  state.service = null;
  state.suggestion = null;
  $("issue-form").reset();
  $("checkin-form").reset();
  renderLanguages();
  showError("");
  renderServices();
  renderSuggestion();
  setMode("issue");
  $("search").focus();
}

// --- modes and the thumb bar -----------------------------------------------------------------

function setMode(mode) {
  state.mode = mode;
  $("issue-form").hidden = mode !== "issue";
  $("checkin-form").hidden = mode !== "checkin";
  $("result").hidden = mode !== "result";
  document.querySelector(".g-modes").hidden = mode === "result";
  $("mode-issue").setAttribute("aria-pressed", String(mode === "issue"));
  $("mode-checkin").setAttribute("aria-pressed", String(mode === "checkin"));
  for (const bar of document.querySelectorAll(".g-act")) bar.hidden = bar.dataset.for !== mode;
  document.body.dataset.mode = mode;
  renderActions();
}

function renderActions() {
  const best = shortestLine();
  $("issue").disabled = state.busy || !state.service;
  $("shortest").disabled = state.busy || !best || best.service === state.service;
  $("shortest").textContent = best && best.service !== state.service
    ? texts.t("guide.shortest_to", { service: pickLabel(best.labels, data.lang, data.first), wait: waitText(texts, best.estimated_wait_seconds, data.lang) })
    : texts.t("guide.shortest");
  $("check-in").disabled = state.busy;
  $("print").disabled = state.busy;
  $("next").disabled = state.busy;
}

// --- wiring ----------------------------------------------------------------------------------

$("search").addEventListener("input", renderServices);
$("issue-form").addEventListener("submit", (event) => { event.preventDefault(); issue(state.service); });
$("checkin-form").addEventListener("submit", (event) => { event.preventDefault(); checkIn(); });
$("issue").addEventListener("click", () => issue(state.service));
$("shortest").addEventListener("click", () => issue(shortestLine()?.service));
$("check-in").addEventListener("click", checkIn);
$("mode-issue").addEventListener("click", () => { showError(""); setMode("issue"); });
$("mode-checkin").addEventListener("click", () => { showError(""); setMode("checkin"); $("code").focus(); });
$("print").addEventListener("click", () => window.print());
$("next").addEventListener("click", nextCustomer);

const stream = new LiveStream(data.events_url, {
  snapshot: applyQueues,
  queues: applyQueues,
  status: (kind, lastGood) => {
    $("stale").hidden = kind === "live" || !lastGood;
    if (lastGood) $("stale-text").textContent = texts.t("updated_at", { time: clockTime(lastGood, site.timezone, data.lang) });
  },
});

renderNeeds();
renderLanguages();
renderNoteAllowed();
renderServices();
renderBoard();
setMode("issue");
stream.start();
