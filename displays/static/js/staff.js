// Staff workstation: pick a point (signing in to it), pause, resume or close it, see its lines,
// call, recall, start, finish, no-show, transfer.
import { boot, Texts, pickLabel, clockTime } from "./i18n.js";
import { LiveStream } from "./live.js";

const data = boot();
const texts = new Texts(data.catalogs, data.lang);
const $ = (id) => document.getElementById(id);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const state = {
  desk: null, point: localStorage.getItem("queueing.point") || "", lang: data.lang, busy: false,
  // Lines the staff member opened in full, and the number they are looking for.
  expanded: new Set(), find: "",
};
// A long line shows its count and its first few tickets; the rest on request or by search.
const SHOWN = 3;
window.__staff = state;

// --- talking to the server -------------------------------------------------------------------

async function api(path, body, method = body === undefined ? "GET" : "POST") {
  let response;
  try {
    response = await fetch(`/staff/api${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json", "x-csrftoken": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (error) {
    alarm(texts.t("staff.offline"), "network");
    throw error;
  }
  if (response.status === 401) {
    say(texts.t("staff.session_expired"), "error");
    setTimeout(() => location.assign("/staff/"), 1500);
    throw new Error("signed out");
  }
  return response;
}

// A failed read leaves the last desk on screen.
async function load() {
  try {
    await loadDesk();
  } catch {
    // Unreachable: api() has put up the alert, and the next event or action tries again.
  }
}

async function loadDesk() {
  const query = state.point ? `?point=${encodeURIComponent(state.point)}` : "";
  let response = await api(`/desk${query}`);
  if (response.status === 404 && state.point) {
    state.point = "";
    localStorage.removeItem("queueing.point");
    response = await api("/desk");
  }
  if (!response.ok) return alarm(await failure(response), "load");
  state.desk = await response.json();
  clearAlarm("load", "network");
  render();
}

// The problem document's detail (and the field it names), else the status.
async function failure(response) {
  return problemText(await response.json().catch(() => ({})), response.status);
}

function problemText(problem, status) {
  const field = problem.errors?.[0]?.field || problem.field;
  const detail = problem.detail || status;
  return texts.t("staff.error", { detail: field ? `${field}: ${detail}` : detail });
}

// The alert region: what failed stays on screen until something succeeds.
function alarm(text, source) {
  $("alert").textContent = text;
  $("alert").dataset.source = source;
}

function clearAlarm(...sources) {
  if (sources.length && !sources.includes($("alert").dataset.source)) return;
  $("alert").textContent = "";
  delete $("alert").dataset.source;
}

// Changes come in bursts (a call is followed by its queue figures): one reload per burst.
let pending = null;
function reloadSoon() {
  clearTimeout(pending);
  pending = setTimeout(load, 150);
}

async function act(action, ticketId, body = {}) {
  if (state.busy) return;
  state.busy = true;
  try {
    const path = action === "call-next"
      ? `/points/${encodeURIComponent(state.point)}/call-next`
      : `/tickets/${ticketId}/${action}`;
    const response = await api(path, body);
    if (!response.ok) {
      const text = await failure(response);
      alarm(text, "action");
      say(text, "error");
    } else {
      clearAlarm();
      if (response.status === 204) say(texts.t("staff.nobody_waiting"));
      else {
        const ticket = await response.json();
        say(`${ticket.number}: ${texts.t(`status.${ticket.status}`)}`);
      }
    }
    await load();
  } catch {
    // The alert already says the server could not be reached.
  } finally {
    state.busy = false;
  }
}

// Choosing a point signs in to it (open); a break pauses it, with a reason if given.
async function setState(pointState, reason) {
  if (!state.point || state.busy) return;
  state.busy = true;
  try {
    const body = reason ? { state: pointState, reason } : { state: pointState };
    const response = await api(`/points/${encodeURIComponent(state.point)}/state`, body, "PUT");
    if (!response.ok) alarm(await failure(response), "action");
    else clearAlarm();
    await load();
  } catch {
    // The alert already says the server could not be reached.
  } finally {
    state.busy = false;
  }
}

function say(text, kind = "info") {
  $("message").textContent = text;
  $("message").dataset.kind = kind;
}

// --- rendering --------------------------------------------------------------------------------

function render() {
  const desk = state.desk;
  const lang = state.lang;
  document.documentElement.lang = lang;
  texts.apply(document, lang);
  texts.put($("user"), "staff.signed_in_as", { name: data.user });
  renderPoints(desk, lang);
  renderState(desk);
  renderCurrent(desk, lang);
  renderAppointments(desk, lang);
  renderQueues(desk, lang);
  renderButtons(desk);
  renderIssueServices(desk, lang);
}

function renderPoints(desk, lang) {
  const select = $("point");
  const options = [new Option(texts.t("staff.choose_point"), "")];
  for (const point of desk.points) options.push(new Option(pickLabel(point.labels, lang), point.slug));
  select.replaceChildren(...options);
  select.value = desk.point?.slug || "";
}

function renderState(desk) {
  const point = desk.point;
  $("point-state").hidden = !point;
  if (!point) return;
  const now = point.state;
  document.body.dataset.pointState = now || "unset";
  $("state-now").textContent = now === "paused" && point.reason
    ? texts.t("staff.state.paused_reason", { reason: point.reason })
    : texts.t(`staff.state.${now || "unset"}`);
  $("state-open").hidden = now === "open";
  $("state-open").textContent = texts.t(now === "paused" ? "staff.resume" : "staff.open_point");
  $("state-pause").hidden = now === "paused" || now === "closed";
  $("pause-reason").hidden = $("state-pause").hidden;
  $("state-close").hidden = now === "closed";
}

function calling(desk) {
  return Boolean(desk.point) && desk.point.state !== "paused" && desk.point.state !== "closed";
}

function renderCurrent(desk, lang) {
  const box = $("current");
  const current = desk.current;
  box.dataset.status = current?.status || "";
  if (!current) {
    box.replaceChildren(p("c-empty", desk.point ? texts.t("staff.no_current") : texts.t("staff.choose_point")));
    return;
  }
  const parts = [
    p("c-number", current.number),
    p("c-status", texts.t(`status.${current.status}`)),
    p("c-service", pickLabel(current.labels, lang)),
  ];
  if (current.appointment_at) parts.push(p("c-booked", bookedText(desk, current, lang)));
  if (current.needs?.length) parts.push(p("c-needs", needsText(desk, current, lang)));
  if (current.note) parts.push(p("c-note", texts.t("staff.note", { note: current.note })));
  if (current.called_at) {
    parts.push(p("c-time", texts.t("staff.called_at", { time: clockTime(new Date(current.called_at), desk.timezone, lang) })));
  }
  box.replaceChildren(...parts);
}

// "Wheelchair, interpreter", and "(asked)" when the customer asked on the web: staff confirm.
function needsText(desk, ticket, lang) {
  const names = ticket.needs.map((slug) => {
    const type = (desk.need_types || []).find((n) => n.slug === slug);
    return type ? pickLabel(type.names, lang) : slug;
  });
  const text = names.join(", ");
  return ticket.needs_confirmed ? text : texts.t("staff.needs_asked", { needs: text });
}

// "Appointment 10:30 · Maija Meikäläinen": the name only when the API sent it (the booking unit).
function bookedText(desk, ticket, lang) {
  const time = texts.t("staff.appointment_at", {
    time: clockTime(new Date(ticket.appointment_at), desk.timezone, lang),
  });
  return ticket.customer_name ? `${time} · ${ticket.customer_name}` : time;
}

// Checked-in bookings of the point's lines, by booked time, wherever they stand in their line.
function renderAppointments(desk, lang) {
  const booked = desk.queues.flatMap((queue) =>
    queue.tickets.filter((t) => t.appointment_at).map((t) => ({ ticket: t, queue })));
  booked.sort((a, b) => a.ticket.appointment_at.localeCompare(b.ticket.appointment_at));
  const rows = booked.map(({ ticket, queue }) => ticketRow(desk, ticket, lang, pickLabel(queue.labels, lang)));
  if (!rows.length) rows.push(el("li", "s-empty", texts.t("staff.no_appointments")));
  $("appointments").replaceChildren(...rows);
}

// "K 008" or "k8" finds K008: letters and digits only, any case.
function numberKey(text) {
  return text.toUpperCase().replace(/[^0-9A-Z]/g, "");
}

function renderQueues(desk, lang) {
  const root = $("queues");
  if (!desk.point) return root.replaceChildren(p("s-empty", texts.t("staff.choose_point")));
  if (!desk.queues.length) return root.replaceChildren(p("s-empty", texts.t("staff.point_closed")));
  const find = numberKey(state.find);
  const sections = desk.queues.map((queue) => queueSection(desk, queue, lang, find));
  if (find && !desk.queues.some((q) => q.tickets.some((t) => numberKey(t.number).includes(find)))) {
    sections.unshift(p("s-empty", texts.t("staff.found_none")));
  }
  root.replaceChildren(...sections);
}

function queueSection(desk, queue, lang, find) {
  const over = queue.oldest_wait_seconds !== null && queue.oldest_wait_seconds > queue.target_seconds;
  const head = el("div", "queue-head",
    el("h3", "", pickLabel(queue.labels, lang)),
    figure(texts.t("staff.waiting"), String(queue.waiting)),
    figure(texts.t("staff.oldest"), queue.oldest_wait_seconds === null ? "–" : minutes(queue.oldest_wait_seconds), over),
    figure(texts.t("staff.target"), texts.t("staff.target_value", {
      share: Math.round(queue.target_share * 100), minutes: Math.round(queue.target_seconds / 60),
    })),
  );
  const open = state.expanded.has(queue.service);
  const matching = find ? queue.tickets.filter((t) => numberKey(t.number).includes(find)) : queue.tickets;
  const shown = find || open ? matching : matching.slice(0, SHOWN);
  const list = el("ol", open && !find ? "t-list long" : "t-list",
    ...shown.map((ticket) => ticketRow(desk, ticket, lang)));
  list.id = `line-${queue.service}`;
  list.setAttribute("aria-label", pickLabel(queue.labels, lang));
  const section = el("div", "queue", head, list);
  if (!find && queue.tickets.length > SHOWN) section.append(toggle(queue, open, list.id));
  section.dataset.service = queue.service;
  return section;
}

function toggle(queue, open, listId) {
  const button = el("button", "more",
    open ? texts.t("staff.show_fewer") : texts.t("staff.show_all", { n: queue.tickets.length }));
  button.type = "button";
  button.dataset.more = queue.service;
  button.setAttribute("aria-expanded", String(open));
  button.setAttribute("aria-controls", listId);
  button.addEventListener("click", () => {
    if (open) state.expanded.delete(queue.service);
    else state.expanded.add(queue.service);
    renderQueues(state.desk, state.lang);
    document.querySelector(`[data-more="${queue.service}"]`)?.focus();
  });
  return button;
}

function ticketRow(desk, ticket, lang, service = "") {
  const button = el("button", "", texts.t("staff.call_this", { number: ticket.number }));
  button.type = "button";
  button.dataset.call = ticket.id;
  button.disabled = !calling(desk);
  button.addEventListener("click", () => act("call", ticket.id, { service_point: state.point }));
  const item = el("li", "", el("span", "t-number", ticket.number),
    el("span", "t-wait", texts.t("staff.waited", { wait: minutes(ticket.waited_seconds) })));
  item.dataset.ticket = ticket.id;
  if (service) item.append(el("span", "t-service", service));
  if (ticket.appointment_at) item.append(el("span", "booked", bookedText(desk, ticket, lang)));
  if (ticket.priority) item.append(el("span", "prio", texts.t("staff.priority")));
  if (ticket.needs?.length) item.append(el("span", "needs", needsText(desk, ticket, lang)));
  if (ticket.note) item.append(el("span", "note", texts.t("staff.note", { note: ticket.note })));
  item.append(button);
  return item;
}

function renderButtons(desk) {
  const status = desk.current?.status;
  const allowed = {
    "call-next": calling(desk),
    recall: status === "called",
    start: status === "called",
    finish: status === "serving",
    "no-show": status === "called",
    return: status === "called" || status === "serving",
    transfer: Boolean(status),
  };
  for (const button of document.querySelectorAll(".s-actions [data-action]")) {
    button.disabled = !allowed[button.dataset.action];
  }
}

function figure(label, value, over = false) {
  const span = el("span", over ? "figure over" : "figure", `${label}: `);
  span.append(el("strong", "", value));
  if (over) span.append(` (${texts.t("staff.over_target")})`);
  return span;
}

function minutes(seconds) {
  const m = Math.floor(seconds / 60);
  return `${m}:${String(seconds % 60).padStart(2, "0")}`;
}

function p(cls, text) {
  return el("p", cls, text);
}

function el(tag, cls, ...children) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  node.append(...children);
  return node;
}

// --- transfer ---------------------------------------------------------------------------------

function openTransfer() {
  const current = state.desk?.current;
  if (!current) return;
  $("transfer-title").textContent = texts.t("staff.transfer_title", { number: current.number });
  $("transfer-search").value = "";
  $("transfer-error").hidden = true;
  renderTransferList("");
  $("transfer-dialog").showModal();
  $("transfer-search").focus();
}

// Case, accents and doubled letters folded away: "nayte" and "näyte" both find "Näytteenotto"
// (Finnish doubles letters as words inflect: näyte, näytteen).
function fold(text) {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/(\p{L})\1+/gu, "$1");
}

function searchText(service) {
  const names = [service.labels, service.unit_labels].flatMap((labels) =>
    Object.values(labels || {}).filter((v) => typeof v === "string"));
  return fold([...names, service.slug, service.unit].join(" "));
}

function renderTransferList(query) {
  const words = fold(query).split(/\s+/).filter(Boolean);
  const lang = state.lang;
  const matches = state.desk.services.filter((s) => {
    const text = searchText(s);
    return words.every((w) => text.includes(w)) && s.slug !== state.desk.current?.service;
  });
  const legend = $("transfer-list").querySelector("legend");
  const rows = matches.map((service, i) => {
    const input = Object.assign(document.createElement("input"), {
      type: "radio", name: "service", value: service.slug, checked: i === 0,
    });
    const label = el("label", "", input, el("span", "", pickLabel(service.labels, lang)),
      el("span", "unit", pickLabel(service.unit_labels, lang)));
    return label;
  });
  if (!rows.length) rows.push(p("s-empty", texts.t("staff.no_match")));
  $("transfer-list").replaceChildren(legend, ...rows);
}

async function submitTransfer(event) {
  event.preventDefault();
  const form = $("transfer-form");
  const service = form.querySelector('input[name="service"]:checked')?.value;
  if (!service) {
    $("transfer-error").textContent = texts.t("staff.no_match");
    $("transfer-error").hidden = false;
    return;
  }
  const placement = form.querySelector('input[name="placement"]:checked').value;
  $("transfer-dialog").close();
  await act("transfer", state.desk.current.id, { service, placement });
}

// --- issuing a ticket for a customer ----------------------------------------------------------

function renderIssueServices(desk, lang) {
  const select = $("issue-service");
  const chosen = select.value;
  const options = desk.services.map((s) =>
    new Option(`${pickLabel(s.labels, lang)} (${pickLabel(s.unit_labels, lang)})`, s.slug));
  select.replaceChildren(...options);
  // The point's own first line until someone picks another: the usual case at a desk.
  select.value = chosen || desk.queues[0]?.service || desk.services[0]?.slug || "";
}

async function submitIssue(event) {
  event.preventDefault();
  const note = $("issue-note").value.trim();
  const phone = $("issue-phone").value.trim();
  const body = { service: $("issue-service").value, language: $("issue-language").value };
  if (note) body.note = note;
  if (phone) body.phone = phone;
  let response;
  try {
    response = await api("/tickets", body);
  } catch {
    return; // api() has put up the alert
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    $("issue-error").textContent = problemText(answer, response.status);
    alarm($("issue-error").textContent, "action");
    $("issue-error").hidden = false;
    return;
  }
  $("issue-error").hidden = true;
  clearAlarm();
  $("issue-form").reset();
  say(texts.t("staff.issued", { number: answer.number }));
  await load();
}

// --- wiring -----------------------------------------------------------------------------------

function run(action) {
  const desk = state.desk;
  if (!desk) return;
  const button = document.querySelector(`.s-actions [data-action="${action}"]`);
  if (button?.disabled) return;
  if (action === "transfer") return openTransfer();
  if (action === "call-next") return act("call-next");
  return act(action, desk.current.id);
}

for (const button of document.querySelectorAll(".s-actions [data-action]")) {
  button.addEventListener("click", () => run(button.dataset.action));
}
const KEYS = { c: "call-next", r: "recall", s: "start", f: "finish", x: "no-show", b: "return", t: "transfer" };
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (event.target.closest("input, select, textarea, dialog")) return;
  const action = KEYS[event.key.toLowerCase()];
  if (!action) return;
  event.preventDefault();
  run(action);
});
$("point").addEventListener("change", async () => {
  state.point = $("point").value;
  localStorage.setItem("queueing.point", state.point);
  if (state.point) await setState("open");
  else await load();
});
$("pause-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const reason = $("pause-reason").value.trim();
  $("pause-reason").value = "";
  setState("paused", reason || undefined);
});
$("state-open").addEventListener("click", () => setState("open"));
$("state-close").addEventListener("click", () => setState("closed"));
$("lang").addEventListener("change", () => {
  state.lang = $("lang").value;
  texts.lang = state.lang;
  document.cookie = `queueing_lang=${state.lang}; path=/staff; SameSite=Strict; max-age=31536000`;
  render();
});
$("find").addEventListener("input", () => {
  state.find = $("find").value;
  if (state.desk) renderQueues(state.desk, state.lang);
});
$("transfer-search").addEventListener("input", () => renderTransferList($("transfer-search").value));
$("transfer-form").addEventListener("submit", submitTransfer);
$("issue-form").addEventListener("submit", submitIssue);
$("transfer-cancel").addEventListener("click", () => $("transfer-dialog").close());

await load();
const stream = new LiveStream(data.events_url, {
  snapshot: reloadSoon,
  change: reloadSoon,
  queues: reloadSoon,
  status: (kind, lastGood) => {
    $("stale").hidden = kind === "live" || !lastGood;
    if (lastGood) $("stale-text").textContent = texts.t("updated_at", { time: clockTime(lastGood, state.desk?.timezone || "Europe/Helsinki", state.lang) });
  },
});
stream.start();
