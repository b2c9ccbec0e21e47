// Supervisor: lines against their targets, points, and alerts with one-click help.
// The site's display stream says when something changed; the view itself is read from /data.
// A wait grows with no event to say so: the shown waits tick here each second, and the view is
// read again when the next line's alert falls due (its `alert_at`), never on a poll.
import { boot, Texts, pickLabel, clockTime } from "./i18n.js";
import { LiveStream } from "./live.js";

const data = boot();
const texts = new Texts(data.catalogs, data.lang);
const $ = (id) => document.getElementById(id);
const state = { view: data.view, busy: false, reads: 0, readAt: Date.now() };
window.__supervisor = state;

async function load() {
  const response = await fetch(data.data_url, { credentials: "same-origin" });
  if (response.status === 401) return location.assign(location.pathname);
  if (!response.ok) return;
  state.view = await response.json();
  state.reads += 1;
  state.readAt = Date.now();
  render();
  scheduleAlert();
}

// Read the view again the moment the next line reaches its alert (a little after, so the
// server's clock agrees); a change in the lobby meanwhile reads it sooner and reschedules.
let alertTimer = null;
function scheduleAlert() {
  clearTimeout(alertTimer);
  const due = state.view.lines.map((l) => l.alert_at && Date.parse(l.alert_at)).filter(Boolean);
  if (!due.length) return;
  alertTimer = setTimeout(load, Math.max(Math.min(...due) - Date.now(), 0) + 500);
}

// Seconds since the view was read, added to each wait and time in service shown.
function since() {
  return Math.floor((Date.now() - state.readAt) / 1000);
}

let pending = null;
function reloadSoon() {
  clearTimeout(pending);
  pending = setTimeout(load, 150);
}

async function apply(service, point) {
  if (state.busy) return;
  state.busy = true;
  try {
    const response = await fetch(data.apply_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ service_point: point, service }),
    });
    const body = await response.json().catch(() => ({}));
    say(response.ok
      ? texts.t("sup.applied", { service: serviceName(service), point: pointName(point) })
      : texts.t("staff.error", { detail: body.detail || response.status }), response.ok ? "info" : "error");
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

function serviceName(slug) {
  const line = state.view.lines.find((l) => l.service === slug);
  return line ? pickLabel(line.labels, data.lang) : slug;
}

function pointName(slug) {
  const point = state.view.points.find((p) => p.service_point === slug);
  return point ? pickLabel(point.labels, data.lang) : slug;
}

function render() {
  const view = state.view;
  $("scope").textContent = view.scope === null ? texts.t("sup.scope_all") : texts.t("sup.scope_units", { units: view.scope.join(", ") });
  renderAlerts(view);
  $("lines").replaceChildren(...view.lines.map(lineRow));
  $("points").replaceChildren(...view.points.map(pointRow));
  document.body.dataset.alerts = view.alerts.join(" ");
}

function renderAlerts(view) {
  const alerts = view.lines.filter((l) => l.alert);
  if (!alerts.length) return $("alerts").replaceChildren(el("p", "sv-none", texts.t("sup.no_alerts")));
  $("alerts").replaceChildren(...alerts.map((line) => {
    const box = el("div", "sv-alert", el("p", "", texts.t("sup.alert_text", {
      service: pickLabel(line.labels, data.lang),
      wait: minutes((line.oldest_wait_seconds || 0) + since()),
      target: Math.round(line.target_seconds / 60),
    })));
    box.dataset.service = line.service;
    for (const point of line.suggestions) {
      const button = el("button", "primary", texts.t("sup.add_to", { point: pointName(point) }));
      button.type = "button";
      button.dataset.point = point;
      button.addEventListener("click", () => apply(line.service, point));
      box.append(button);
    }
    if (!line.suggestions.length) box.append(el("span", "", texts.t("sup.no_helpers")));
    return box;
  }));
}

function lineRow(line) {
  const row = el("tr", line.alert ? "alert" : "",
    el("th", "", pickLabel(line.labels, data.lang)),
    el("td", "num", String(line.waiting)),
    el("td", "num", line.oldest_wait_seconds === null ? "–" : minutes(line.oldest_wait_seconds + since())),
    el("td", "num", String(Math.round(line.target_seconds / 60))),
    el("td", "", line.open_points.map(pointName).join(", ") || "–"),
    el("td", "num", String(line.now_serving)),
    el("td", "", line.paused_points.map(pointName).join(", ") || "–"),
  );
  row.firstChild.scope = "row";
  row.dataset.service = line.service;
  return row;
}

function pointRow(point) {
  const current = point.current;
  const stateText = point.state === "paused" && point.reason
    ? `${texts.t("sup.state.paused")}: ${point.reason}`
    : texts.t(`sup.state.${point.state}`);
  const row = el("tr", "",
    el("th", "", pickLabel(point.labels, data.lang)),
    el("td", "", stateText),
    el("td", "", current ? `${current.number} · ${serviceName(current.service)}` : "–"),
    el("td", "num", current ? minutes(current.waited_seconds) : "–"),
    el("td", "num", current && current.in_service_seconds !== null ? minutes(current.in_service_seconds + since()) : "–"),
  );
  row.firstChild.scope = "row";
  row.dataset.point = point.service_point;
  row.dataset.state = point.state;
  return row;
}

function minutes(seconds) {
  const m = Math.floor(seconds / 60);
  return `${m}:${String(seconds % 60).padStart(2, "0")}`;
}

function el(tag, cls, ...children) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  node.append(...children);
  return node;
}

render();
scheduleAlert();
// Only the tables tick: the alerts keep their buttons (and a keyboard user's focus) still.
setInterval(() => {
  $("lines").replaceChildren(...state.view.lines.map(lineRow));
  $("points").replaceChildren(...state.view.points.map(pointRow));
}, 1000);
const stream = new LiveStream(data.events_url, {
  snapshot: reloadSoon,
  change: reloadSoon,
  queues: reloadSoon,
  status: (kind, lastGood) => {
    $("stale").hidden = kind === "live" || !lastGood;
    if (lastGood) $("stale-text").textContent = texts.t("updated_at", { time: clockTime(lastGood, state.view.timezone, data.lang) });
  },
});
stream.start();
