// Staff workstation: pick a point (signing in to it), pause, resume or close it, see its lines,
// call, recall, start, finish, no-show, transfer.
import { boot, Texts, pickLabel, clockTime } from "./i18n.js";
import { LiveStream } from "./live.js";

const data = boot();
const texts = new Texts(data.catalogs, data.lang);
const $ = (id) => document.getElementById(id);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const state = { desk: null, point: localStorage.getItem("queueing.point") || "", lang: data.lang, busy: false };
window.__staff = state;

// --- talking to the server -------------------------------------------------------------------

async function api(path, body, method = body === undefined ? "GET" : "POST") {
  const response = await fetch(`/staff/api${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json", "x-csrftoken": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (response.status === 401) {
    say(texts.t("staff.session_expired"), "error");
    setTimeout(() => location.assign("/staff/"), 1500);
    throw new Error("signed out");
  }
  return response;
}

async function load() {
  const query = state.point ? `?point=${encodeURIComponent(state.point)}` : "";
  let response = await api(`/desk${query}`);
  if (response.status === 404 && state.point) {
    state.point = "";
    localStorage.removeItem("queueing.point");
    response = await api("/desk");
  }
  if (!response.ok) return;
  state.desk = await response.json();
  render();
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
    if (response.status === 204) say(texts.t("staff.nobody_waiting"));
    else if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      say(texts.t("staff.error", { detail: problem.detail || response.status }), "error");
    } else {
      const ticket = await response.json();
      say(`${ticket.number}: ${texts.t(`status.${ticket.status}`)}`);
    }
    await load();
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
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      say(texts.t("staff.error", { detail: problem.detail || response.status }), "error");
    }
    await load();
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
  renderPoints(desk, lang);
  renderState(desk);
  renderCurrent(desk, lang);
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

function renderQueues(desk, lang) {
  const root = $("queues");
  if (!desk.point) return root.replaceChildren(p("s-empty", texts.t("staff.choose_point")));
  if (!desk.queues.length) return root.replaceChildren(p("s-empty", texts.t("staff.point_closed")));
  root.replaceChildren(...desk.queues.map((queue) => {
    const over = queue.oldest_wait_seconds !== null && queue.oldest_wait_seconds > queue.target_seconds;
    const head = el("div", "queue-head",
      el("h3", "", pickLabel(queue.labels, lang)),
      figure(texts.t("staff.waiting"), String(queue.waiting)),
      figure(texts.t("staff.oldest"), queue.oldest_wait_seconds === null ? "–" : minutes(queue.oldest_wait_seconds), over),
      figure(texts.t("staff.target"), texts.t("staff.target_value", {
        share: Math.round(queue.target_share * 100), minutes: Math.round(queue.target_seconds / 60),
      })),
    );
    const list = el("ol", "");
    list.setAttribute("aria-label", pickLabel(queue.labels, lang));
    for (const ticket of queue.tickets) {
      const button = el("button", "", texts.t("staff.call_this", { number: ticket.number }));
      button.type = "button";
      button.dataset.call = ticket.id;
      button.disabled = !calling(desk);
      button.addEventListener("click", () => act("call", ticket.id, { service_point: state.point }));
      const item = el("li", "", el("span", "t-number", ticket.number),
        el("span", "t-wait", texts.t("staff.waited", { wait: minutes(ticket.waited_seconds) })));
      if (ticket.priority) item.append(el("span", "prio", texts.t("staff.priority")));
      if (ticket.needs?.length) item.append(el("span", "needs", needsText(desk, ticket, lang)));
      if (ticket.note) item.append(el("span", "note", texts.t("staff.note", { note: ticket.note })));
      item.append(button);
      list.append(item);
    }
    const section = el("div", "queue", head, list);
    section.dataset.service = queue.service;
    return section;
  }));
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

function renderTransferList(query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const lang = state.lang;
  const matches = state.desk.services.filter((s) => {
    const text = `${pickLabel(s.labels, lang)} ${pickLabel(s.unit_labels, lang)} ${s.slug}`.toLowerCase();
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
  const response = await api("/tickets", body);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const field = answer.errors?.[0]?.field || answer.field;
    $("issue-error").textContent = texts.t("staff.error", { detail: field ? `${field}: ${answer.detail}` : answer.detail || response.status });
    $("issue-error").hidden = false;
    return;
  }
  $("issue-error").hidden = true;
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
