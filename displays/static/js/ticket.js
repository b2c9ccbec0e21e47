// Mobile ticket: the place in line as it moves, the call with sound and vibration, cancel,
// and a rating of the visit once it is done.
import { boot, Texts, pickLabel, putLabel, setPageLanguage, clockTime, waitWithRange } from "./i18n.js";
import { LiveStream } from "./live.js";
import { Announcer } from "./announce.js";

const data = boot();
const texts = new Texts(data.catalogs, data.lang, data.first);
const $ = (id) => document.getElementById(id);
const OPEN = new Set(["waiting", "called"]);

const state = { ticket: { ...data.ticket }, lang: data.lang, alerts: false, lastAlert: null, feedback: null };
const sound = new Announcer({ texts, languages: [], chime: true, speech: false });
window.__ticket = { state, alerts: [] };

function render() {
  const ticket = state.ticket;
  const lang = state.lang;
  setPageLanguage(lang, data.directions);
  texts.apply(document, lang);
  $("main").dataset.status = ticket.status;
  $("number").textContent = ticket.number;
  putLabel($("service"), ticket.service_labels, lang, data.first);
  $("status").replaceChildren(...statusLines(ticket, lang));
  $("cancel").hidden = !OPEN.has(ticket.status);
  $("hint").hidden = !OPEN.has(ticket.status);
  $("sound").hidden = !OPEN.has(ticket.status);
  renderFeedback(ticket);
  renderPush(ticket);
  $("sound").textContent = texts.t(state.alerts ? "ticket.sound_on" : "ticket.sound_enable");
  $("sound").setAttribute("aria-pressed", String(state.alerts));
  $("issued").textContent = ticket.called_at
    ? texts.t("ticket.called_at", { time: clockTime(new Date(ticket.called_at), data.site.timezone, lang) })
    : "";
  document.title = `${texts.t("ticket.title", { number: ticket.number })} – ${pickLabel(data.site.names, lang, data.first)}`;
  for (const link of document.querySelectorAll(".m-langs a")) {
    if (link.dataset.lang === lang) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
}

function statusLines(ticket, lang) {
  const line = (cls, text) => Object.assign(document.createElement("p"), { className: cls, textContent: text });
  const point = pickLabel(ticket.service_point_labels, lang, data.first);
  switch (ticket.status) {
    case "waiting": {
      const ahead = (ticket.position || 1) - 1;
      return [
        line("muted-label", texts.t("ticket.place")),
        line("big", ahead ? texts.t("ticket.ahead", { n: ahead }) : texts.t("ticket.next")),
        // A waiting ticket without an estimate: no open service point serves its line now.
        line("small", ticket.estimate_note === "not_served_now"
          || ticket.estimated_wait_seconds === null || ticket.estimated_wait_seconds === undefined
          ? texts.t("estimate.not_served_now", {}, lang)
          : `${texts.t("ticket.estimated_wait")}: ${waitWithRange(texts, ticket.estimated_wait_seconds, ticket.estimated_wait_range_seconds, lang)}`),
        // The estimate passes the service's closing time: said beside the figure, not instead.
        ...(ticket.estimate_note === "not_today" ? [line("small estimate-note", texts.t("estimate.not_today", {}, lang))] : []),
      ];
    }
    case "called":
      return [
        line("muted-label big-call", texts.t("ticket.called_heading")),
        line("big", texts.t("ticket.go_to", { point })),
        ...(ticket.recall ? [line("small", texts.t("ticket.recalled"))] : []),
      ];
    case "serving":
      return [line("big", texts.t("ticket.serving")), line("small", point)];
    default:
      return [line("big", texts.t(`ticket.${ticket.status}`))];
  }
}

// A call (or a recall) plays the chime and vibrates once per call, however often it is re-sent.
function alertCall() {
  const ticket = state.ticket;
  const key = `${ticket.called_at}|${ticket.recall}`;
  if (ticket.status !== "called" || state.lastAlert === key) return;
  state.lastAlert = key;
  window.__ticket.alerts.push({ number: ticket.number, point: ticket.service_point, recall: ticket.recall });
  if (!state.alerts) return;
  sound.chime();
  navigator.vibrate?.([400, 200, 400, 200, 800]);
}

function applySnapshot(live) {
  const wasCalled = state.ticket.status === "called";
  state.ticket = { ...state.ticket, ...live };
  render();
  if (!wasCalled || live.recall !== undefined) alertCall();
}

function applyTicket(change) {
  const next = { ...state.ticket, status: change.status, number: change.number, service: change.service };
  if (change.service_labels) next.service_labels = change.service_labels;
  next.service_point = change.service_point;
  next.service_point_labels = change.service_point_labels;
  if (change.called_at) next.called_at = change.called_at;
  next.recall = change.recall || 0;
  if (change.status !== "waiting") next.position = null;
  state.ticket = next;
  render();
  alertCall();
}

function applyPosition(place) {
  if (state.ticket.status !== "waiting") return;
  if (place.position !== null) state.ticket.position = place.position;
  state.ticket.estimated_wait_seconds = place.estimated_wait_seconds;
  state.ticket.estimated_wait_range_seconds = place.estimated_wait_range_seconds;
  state.ticket.estimate_note = place.estimate_note ?? null;
  render();
}

function showStatus(kind, lastGood) {
  $("stale").hidden = kind === "live" || !lastGood;
  if (lastGood) {
    $("stale-text").textContent = texts.t("updated_at", { time: clockTime(lastGood, data.site.timezone, state.lang) });
  }
}

async function cancel() {
  $("cancel-dialog").close();
  const response = await fetch(`/api/tickets/${data.ticket_id}/cancel`, { method: "POST" });
  if (response.ok) {
    const view = await response.json();
    state.ticket.status = view.status;
    render();
  }
}

// --- feedback after a finished visit ---------------------------------------------------------

function renderFeedback(ticket) {
  // Given before this page was loaded (a reload, a second device): thanks, not the form again.
  const given = state.feedback || (ticket.feedback_given ? "already" : null);
  $("feedback").hidden = ticket.status !== "done";
  $("feedback-form").hidden = given !== null;
  $("feedback-thanks").hidden = given === null;
  if (given) $("feedback-thanks").textContent = texts.t(`feedback.${given}`);
}

async function sendFeedback(event) {
  event.preventDefault();
  const chosen = $("feedback-form").querySelector('input[name="rating"]:checked');
  if (!chosen) return showFeedbackError(texts.t("feedback.choose"));
  const body = { rating: Number(chosen.value) };
  const comment = $("feedback-comment").value.trim();
  if (comment) body.comment = comment;
  const response = await fetch(`/api/tickets/${data.ticket_id}/feedback`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  if (response.status === 201 || response.status === 409) {
    state.feedback = response.status === 201 ? "thanks" : "already";
    $("feedback-error").hidden = true;
    render();
    $("feedback-thanks").focus();
    return;
  }
  showFeedbackError(texts.t("feedback.failed"));
}

function showFeedbackError(text) {
  $("feedback-error").textContent = text;
  $("feedback-error").hidden = false;
}

for (const link of document.querySelectorAll(".m-langs a")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    state.lang = link.dataset.lang;
    texts.lang = state.lang;
    history.replaceState(null, "", `?lang=${state.lang}`);
    render();
  });
}
$("sound").addEventListener("click", async () => {
  state.alerts = !state.alerts;
  if (state.alerts) {
    await sound.unlock();       // the tap is the permission browsers need for sound
    navigator.vibrate?.(50);
  }
  render();
});
$("cancel").addEventListener("click", () => $("cancel-dialog").showModal());
$("cancel-no").addEventListener("click", () => $("cancel-dialog").close());
$("cancel-yes").addEventListener("click", cancel);
$("feedback-form").addEventListener("submit", sendFeedback);

// --- web push: "notify me on this device" ---------------------------------------------------
// Offered only where the browser has push and the site has VAPID keys; the subscription is
// kept for this ticket only and the server forgets it when the ticket ends.

const push = { key: null, on: false };
window.__ticket.push = push;

function renderPush(ticket) {
  const button = $("push");
  button.hidden = !push.key || !OPEN.has(ticket.status);
  button.dataset.i18n = push.on ? "ticket.push_on" : "ticket.push_enable";
  button.textContent = texts.t(button.dataset.i18n);
  button.setAttribute("aria-pressed", String(push.on));
}

function base64urlToBytes(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function workerRegistration() {
  return navigator.serviceWorker.register("/ticket-sw.js", { scope: "/t/" });
}

// The one path a subscription takes to the server, whoever made it (PushManager or a test).
async function saveSubscription(subscription) {
  const body = { ...subscription, language: state.lang };
  const response = await fetch(`/api/tickets/${data.ticket_id}/push-subscriptions`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  push.on = response.ok;
  $("push-error").hidden = response.ok;
  render();
  return response.status;
}
push.save = saveSubscription;
push.registration = workerRegistration;

async function enablePush() {
  try {
    if ((await Notification.requestPermission()) !== "granted") throw new Error("permission");
    const registration = await workerRegistration();
    await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: base64urlToBytes(push.key),
    });
    await saveSubscription(subscription.toJSON());
  } catch (error) {
    console.warn("push not enabled", error);
    $("push-error").hidden = false;
  }
}

async function loadPushKey() {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
  const response = await fetch("/api/push/key");
  if (!response.ok) return;  // 404: web push is off on this install
  push.key = (await response.json()).public_key;
  render();
}
$("push").addEventListener("click", enablePush);
loadPushKey();

render();
const stream = new LiveStream(data.events_url, {
  snapshot: applySnapshot,
  ticket: applyTicket,
  position: applyPosition,
  status: showStatus,
});
stream.start();
