// Ticket kiosk: language, unit, service, optional message, the ticket (spoken, printed, QR).
import { boot, Texts, pickLabel, putLabel, setPageLanguage, clockTime, waitText, waitWithRange, spokenNumber } from "./i18n.js";
import { LiveStream } from "./live.js";
import { Announcer } from "./announce.js";

const data = boot();
const texts = new Texts(data.catalogs, data.lang, data.first);
const $ = (id) => document.getElementById(id);
const PHONE = /^\+?[0-9 ()-]{5,31}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const WALK_IN = new Set(["walk-in", "both"]);

const state = {
  lang: data.lang,
  screen: "start",
  unit: null,
  service: null,
  notifyAt: 3,
  ticket: null,
  queues: new Map(),
  busy: false,
  offline: false,
  guide: false,     // spoken guidance on every step, on request
  contrast: false,  // high contrast and large text, until the kiosk returns to its start
};
const CHANNELS = new Set(data.channels || []);
const voice = new Announcer({ texts, languages: [data.lang], chime: false });
window.__kiosk = { state, prints: [], guidance: [] };

// --- screens -------------------------------------------------------------------------------

function show(screen) {
  if (screen === "start" && centreClosed()) screen = "closed";
  state.screen = screen;
  for (const section of document.querySelectorAll("section[data-screen]")) {
    section.hidden = section.dataset.screen !== screen;
  }
  document.body.dataset.kioskScreen = screen;
  // The code field takes focus at once: a QR scanner at the kiosk types into whatever has it.
  const target = screen === "checkin" ? $("code") : document.querySelector(`[data-screen="${screen}"] h1`);
  target?.focus();
  placeKeyboard(screen === "checkin" ? "code" : null);
  idle.reset();
  guide();
}

// --- spoken guidance, contrast ---------------------------------------------------------------

const GUIDANCE = {
  start: "kiosk.say_start", units: "kiosk.say_units", services: "kiosk.say_services",
  options: "kiosk.say_options", checkin: "kiosk.say_checkin", closed: "kiosk.centre_closed",
};

function guide() {
  if (!state.guide) return;
  if (state.screen === "ticket") return readAloud();
  const key = GUIDANCE[state.screen];
  if (!key) return;
  let text = texts.t(key);
  if (state.screen === "services" || state.screen === "units") {
    const names = [...document.querySelectorAll(`[data-screen="${state.screen}"] .tile:not(:disabled) .tile-title`)];
    text = [text, ...names.map((n) => n.textContent)].join(". ");
  }
  window.__kiosk.guidance.push({ screen: state.screen, text });
  window.speechSynthesis?.cancel();  // a new step: the last step's words no longer apply
  voice.speak(text, state.lang);
}

function setGuide(on) {
  state.guide = on;
  $("guide-toggle").setAttribute("aria-pressed", String(on));
  if (on) guide();
  else window.speechSynthesis?.cancel();
}

function setContrast(on) {
  state.contrast = on;
  document.body.classList.toggle("contrast", on);
  $("contrast-toggle").setAttribute("aria-pressed", String(on));
}

// --- closed centre ---------------------------------------------------------------------------

function isOpen(service) {
  // Open as of page load, or its next opening has come since (a kiosk runs all day).
  return service.open || (service.opens_at && new Date(service.opens_at) <= new Date());
}

function centreClosed() {
  const walkIn = data.site.services.filter((s) => WALK_IN.has(s.accepts));
  return walkIn.length > 0 && !walkIn.some(isOpen);
}

function opensText(service) {
  if (!service.opens_at) return texts.t("kiosk.closed_now");
  return texts.t("kiosk.opens_at", { time: whenText(new Date(service.opens_at)) });
}

function whenText(moment) {
  const zone = data.site.timezone;
  const day = (d) => d.toLocaleDateString("en-CA", { timeZone: zone });
  const time = clockTime(moment, zone, state.lang);
  if (day(moment) === day(new Date())) return time;
  const weekday = moment.toLocaleDateString(state.lang, { timeZone: zone, weekday: "long" });
  return `${weekday} ${time}`;
}

function renderClosed() {
  const walkIn = data.site.services.filter((s) => WALK_IN.has(s.accepts));
  const next = walkIn.map((s) => s.opens_at).filter(Boolean).sort()[0];
  $("closed-next").textContent = next ? texts.t("kiosk.opens_at", { time: whenText(new Date(next)) }) : "";
  $("closed-hours").replaceChildren(...walkIn.map((service) => {
    const item = document.createElement("li");
    const name = document.createElement("span");
    putLabel(name, service.labels, state.lang, data.first);
    item.append(name, ` · ${opensText(service)}`);
    return item;
  }));
}

// --- the on-screen keyboard ------------------------------------------------------------------

// One keyboard, placed under the field it types into: a touch-only kiosk has no other (the
// fields say inputmode=none so a tablet's own keyboard does not cover the screen).
let keyboardTarget = null;

function placeKeyboard(field) {
  const osk = $("osk");
  keyboardTarget = field;
  if (!field) { osk.hidden = true; return; }
  $(`${field}-osk-slot`).append(osk);
  osk.dataset.field = field;
  osk.hidden = false;
}

function typeKey(key) {
  const input = keyboardTarget && $(keyboardTarget);
  if (!input) return;
  const max = Number(input.maxLength) > 0 ? Number(input.maxLength) : 64;
  input.value = key === "back" ? input.value.slice(0, -1)
    : (input.value + (keyboardTarget === "email" ? key.toLowerCase() : key)).slice(0, max);
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

function setLanguage(lang) {
  state.lang = lang;
  texts.lang = lang;
  voice.languages = [lang];
  setPageLanguage(lang, data.directions);
  texts.apply(document, lang);
  for (const button of document.querySelectorAll(".lang-button")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  }
  renderUnits();
  if (state.unit) renderServices();
  renderStepper();
  renderClosed();
  if (state.ticket) renderTicket();
  putLabel($("site-name"), data.site.names, lang, data.first);
}

function renderUnits() {
  const units = data.site.units.filter((u) => walkInServices(u.slug).length);
  $("unit-tiles").replaceChildren(...units.map((unit) => {
    const button = tile(unit.names, "");
    button.dataset.unit = unit.slug;
    button.addEventListener("click", () => {
      state.unit = unit;
      renderServices();
      show("services");
    });
    return button;
  }));
}

function walkInServices(unit) {
  return data.site.services.filter((s) => s.unit === unit && WALK_IN.has(s.accepts));
}

function renderServices() {
  // Live figures re-render the tiles: keep keyboard and switch users where they were.
  const focused = document.activeElement?.dataset?.service;
  putLabel($("h-services"), state.unit.names, state.lang, data.first);
  $("service-tiles").replaceChildren(...walkInServices(state.unit.slug).map((service) => {
    const figures = state.queues.get(service.slug);
    let meta = "";
    if (!isOpen(service)) meta = opensText(service);
    else if (figures) {
      const wait = figures.estimate_note ? texts.t(`estimate.${figures.estimate_note}`)
        : figures.served_now === false ? texts.t("not_served")
        : waitText(texts, figures.estimated_wait_seconds, state.lang);
      meta = `${texts.t("kiosk.waiting_now", { n: figures.waiting })} · ${wait}`;
    }
    const button = tile(service.labels, meta);
    button.dataset.service = service.slug;
    button.disabled = !isOpen(service);
    button.addEventListener("click", () => {
      state.service = service;
      putLabel($("chosen-service"), service.labels, state.lang, data.first);
      clearOptions();
      // No channel configured: a contact would be asked for and never used, so no question.
      if (CHANNELS.has("sms") || CHANNELS.has("email")) show("options");
      else submitOptions(false);
    });
    return button;
  }));
  if (focused) document.querySelector(`[data-service="${focused}"]`)?.focus();
}

function tile(labels, meta) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "tile";
  const strong = document.createElement("span");
  strong.className = "tile-title";
  putLabel(strong, labels, state.lang, data.first);
  button.append(strong);
  if (meta) {
    const small = document.createElement("span");
    small.className = "tile-meta";
    small.textContent = meta;
    button.append(small);
  }
  return button;
}

// --- options and issuing ---------------------------------------------------------------------

function renderStepper() {
  $("notify-at-text").textContent = texts.t("kiosk.notify_at", { n: state.notifyAt });
}

function clearOptions() {
  for (const id of ["phone", "email", "code"]) {
    $(id).value = "";
    $(id).removeAttribute("aria-invalid");
  }
  for (const id of ["phone-error", "email-error", "issue-error", "code-error"]) $(id).hidden = true;
  state.notifyAt = 3;
  renderStepper();
}

function fieldError(id, key, values = {}) {
  const input = $(id);
  const error = $(`${id}-error`);
  input.setAttribute("aria-invalid", key ? "true" : "false");
  error.hidden = !key;
  error.textContent = key ? texts.t(key, values) : "";
  return Boolean(key);
}

async function submitOptions(withContact) {
  const phone = withContact && CHANNELS.has("sms") ? $("phone").value.trim() : "";
  const email = withContact && CHANNELS.has("email") ? $("email").value.trim() : "";
  const bad = [
    fieldError("phone", phone && !PHONE.test(phone) ? "kiosk.invalid_phone" : null),
    fieldError("email", email && !EMAIL.test(email) ? "kiosk.invalid_email" : null),
  ].some(Boolean);
  if (bad) return;
  const body = { service: state.service.slug, language: state.lang, channel: "kiosk" };
  if (phone || email) {
    body.contact = {};
    if (phone) body.contact.phone = phone;
    if (email) body.contact.email = email;
    body.notify_at_position = state.notifyAt + 1;
  }
  const response = await send(`/api/sites/${data.site.slug}/tickets`, body);
  if (response?.status === 201) return showTicket(await response.json(), phone ? "sms" : email ? "email" : null);
  if (failed(response)) return;
  const problem = await response.json().catch(() => ({}));
  if (problem.field === "contact.phone") return fieldError("phone", "kiosk.invalid_phone");
  if (problem.field === "contact.email") return fieldError("email", "kiosk.invalid_email");
  // The line closed while the customer was choosing (the tiles show the hours as of page load).
  const closed = problem.type === "urn:queueing:problem:service-closed";
  const full = String(problem.type || "").endsWith("/service-full-today") || String(problem.type || "").endsWith(":service-full-today");
  const message = full ? (problem.detail || texts.t("kiosk.full_today")) : texts.t(closed ? "kiosk.closed_now" : "kiosk.error");
  if (state.screen !== "options") return showFailure("error", message);
  $("issue-error").textContent = message;
  $("issue-error").hidden = false;
}

// No answer, or the server failed: a full-screen message, not a line the customer may miss.
function failed(response) {
  if (!response) {
    goOffline();
    return true;
  }
  if (response.status >= 500) {
    showFailure("error", texts.t("kiosk.error"));
    return true;
  }
  return false;
}

function showFailure(kind, help) {
  $("failure").hidden = false;
  $("failure").dataset.kind = kind;
  $("failure-title").textContent = texts.t(kind === "offline" ? "kiosk.offline_title" : "kiosk.failure_title");
  $("failure-help").textContent = help;
  $("failure-ok").hidden = kind === "offline";
  if (kind !== "offline") $("failure-ok").focus();
  if (state.guide) voice.speak(`${$("failure-title").textContent}. ${help}`, state.lang);
}

function hideFailure() {
  $("failure").hidden = true;
}

// --- reachability: the journey is offered only while the server answers ----------------------

function setJourney(enabled) {
  for (const id of ["take-ticket", "check-in"]) {
    const button = $(id);
    if (button) button.disabled = !enabled;
  }
}

function goOffline() {
  if (!state.offline) {
    state.offline = true;
    setJourney(false);
    showFailure("offline", texts.t("kiosk.offline_help"));
  }
  scheduleReadyCheck(2000);
}

function goOnline() {
  if (!state.offline) return;
  state.offline = false;
  setJourney(true);
  if ($("failure").dataset.kind === "offline") hideFailure();
  startOver();
}

let readyTimer = null;
function scheduleReadyCheck(delay) {
  clearTimeout(readyTimer);
  readyTimer = setTimeout(checkReady, delay);
}

// The database is what a ticket needs: a missing worker delays messages, not numbers.
async function checkReady() {
  let up = false;
  try {
    const response = await fetch("/health/ready", { cache: "no-store", signal: AbortSignal.timeout(3000) });
    const body = await response.json().catch(() => ({}));
    up = response.ok || body?.checks?.database === true;
  } catch {
    up = false;
  }
  if (up) goOnline();
  else goOffline();
  scheduleReadyCheck(state.offline ? 2000 : 15000);
}

// POST with one Idempotency-Key across retries: a lost answer never makes a second ticket.
async function send(url, body) {
  if (state.busy) return null;
  state.busy = true;
  $("busy").hidden = false;
  const key = uuid();
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt && state.offline) break;  // the ready check found the server gone: stop
      try {
        return await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "Idempotency-Key": key,
            ...(data.device_token ? { "X-Device-Token": data.device_token } : {}),
          },
          body: JSON.stringify(body),
        });
      } catch {
        if (attempt === 0) checkReady();
        await new Promise((r) => setTimeout(r, 600 * (attempt + 1)));
      }
    }
    return null;
  } finally {
    state.busy = false;
    $("busy").hidden = true;
  }
}

async function submitCheckIn() {
  const code = $("code").value.trim().toUpperCase();
  if (!code) return fieldError("code", "kiosk.code_not_found");
  const response = await send(`/api/sites/${data.site.slug}/check-in`, { code });
  if (response?.status === 201 || response?.status === 200) return showTicket(await response.json(), null);
  if (failed(response)) return;
  if (response?.status === 409) {
    // Too early or too late: say when check-in opens, if the server told us.
    const problem = await response.json().catch(() => ({}));
    if (problem.earliest) {
      const time = clockTime(new Date(problem.earliest), data.site.timezone, state.lang);
      return fieldError("code", "kiosk.check_in_opens", { time });
    }
    return fieldError("code", "kiosk.check_in_not_now");
  }
  // Too many wrong codes from this kiosk or for one booking (queueing/appointments/attempts.py).
  if (response?.status === 429) return fieldError("code", "kiosk.code_locked");
  const known = response && [404, 422].includes(response.status);
  fieldError("code", known ? "kiosk.code_not_found" : "kiosk.error");
}

// --- the ticket ------------------------------------------------------------------------------

function showTicket(ticket, message) {
  state.ticket = ticket;
  state.message = message;
  window.__kiosk.ticket = ticket;
  renderTicket();
  $("qr").src = `/t/${ticket.id}/qr.svg?lang=${state.lang}`;
  $("p-qr").src = $("qr").src;
  $("print").dataset.reprint = "false";
  show("ticket");
  if (data.printer !== "none") printTicket();
}

function placeText(ticket) {
  if (ticket.position === null || ticket.position === undefined) return "";
  return ticket.position <= 1 ? texts.t("kiosk.you_are_next") : texts.t("kiosk.ahead", { n: ticket.position - 1 });
}

function serviceLabel(ticket) {
  const service = data.site.services.find((s) => s.slug === ticket.service);
  return service ? pickLabel(service.labels, state.lang, data.first) : ticket.service_label;
}

function renderTicket() {
  const ticket = state.ticket;
  $("ticket-number").textContent = ticket.number;
  $("ticket-service").textContent = serviceLabel(ticket);
  $("ticket-place").textContent = placeText(ticket);
  $("ticket-wait").textContent = !ticket.position ? ""
    : ticket.estimate_note ? texts.t(`estimate.${ticket.estimate_note}`)
    : ticket.estimated_wait_seconds === null ? texts.t("not_served")  // all its points paused or closed
    : texts.t("kiosk.estimated_wait", {
        wait: waitWithRange(texts, ticket.estimated_wait_seconds, ticket.estimated_wait_range_seconds, state.lang),
      });
  // Which message will come, so nobody waits for one that will not (or misses one that will).
  const note = state.message ? texts.t(`kiosk.will_${state.message}`) : "";
  $("ticket-message").textContent = note;
  $("ticket-message").hidden = !note;
  $("p-message").textContent = note;
  $("qr").alt = texts.t("kiosk.qr_alt");
  // The paper copy, in the customer's language.
  $("p-label").textContent = texts.t("kiosk.your_number");
  $("p-number").textContent = ticket.number;
  $("p-service").textContent = serviceLabel(ticket);
  $("p-place").textContent = [placeText(ticket), $("ticket-wait").textContent].filter(Boolean).join(" · ");
  $("p-scan").textContent = texts.t("kiosk.scan_qr");
  $("p-time").textContent = clockTime(new Date(ticket.issued_at), data.site.timezone, state.lang);
}

function printStatus(kind) {
  const status = $("print-status");
  status.dataset.state = kind;
  status.textContent = kind ? texts.t(`kiosk.${kind === "failed" ? "print_failed" : kind}`) : "";
  const failed = kind === "failed";
  $("print").dataset.reprint = String(failed);
  $("print").querySelector(".big-title").textContent = texts.t(failed ? "kiosk.reprint" : "kiosk.print");
  window.__kiosk.printStatus = kind;
}

// Two printers: the browser's own (kiosk Chrome with --kiosk-printing prints silently, but tells
// us nothing), or a local print bridge (an ESC/POS service on the kiosk PC) that answers with
// success or failure (paper out, jam), so the kiosk can offer a reprint.
async function printTicket() {
  const ticket = state.ticket;
  printStatus("printing");
  let ok = false;
  try {
    ok = data.printer === "browser" ? await browserPrint() : await bridgePrint(ticket);
  } catch {
    ok = false;
  }
  window.__kiosk.prints.push({ number: ticket.number, ok });
  printStatus(ok ? "printed" : "failed");
}

function browserPrint() {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok) => { if (!done) { done = true; resolve(ok); } };
    addEventListener("afterprint", () => finish(true), { once: true });
    window.print();
    setTimeout(() => finish(true), 1500);  // print() returned: the job was handed to the spooler
  });
}

async function bridgePrint(ticket) {
  const response = await fetch(data.printer, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      number: ticket.number,
      service: serviceLabel(ticket),
      place: $("p-place").textContent,
      issued_at: ticket.issued_at,
      language: state.lang,
      url: new URL(`/t/${ticket.id}`, location.href).href,
    }),
    signal: AbortSignal.timeout(8000),
  });
  return response.ok;
}

function readAloud() {
  const ticket = state.ticket;
  const text = texts.t("kiosk.speech_ticket", {
    number: spokenNumber(ticket.number),
    service: serviceLabel(ticket),
    ahead: [placeText(ticket), $("ticket-message").textContent].filter(Boolean).join(". "),
  });
  window.__kiosk.spoken = text;
  voice.speak(text, state.lang);
}

// --- inactivity ------------------------------------------------------------------------------

const idle = {
  timer: null,
  countdown: null,
  reset() {
    clearTimeout(this.timer);
    clearInterval(this.countdown);
    if ($("idle-dialog").open) $("idle-dialog").close();
    if (state.screen === "start") return;
    const seconds = state.screen === "ticket" ? data.idle_seconds.ticket : data.idle_seconds.other;
    this.timer = setTimeout(() => this.warn(), seconds * 1000);
  },
  warn() {
    let left = data.idle_seconds.warning;
    const dialog = $("idle-dialog");
    const tick = () => { $("idle-text").textContent = texts.t("kiosk.returning_in", { n: left }); };
    tick();
    dialog.showModal();
    $("idle-continue").focus();
    this.countdown = setInterval(() => {
      left -= 1;
      if (left <= 0) return startOver();
      tick();
    }, 1000);
  },
};

function startOver() {
  clearInterval(idle.countdown);
  if ($("idle-dialog").open) $("idle-dialog").close();
  state.unit = state.service = state.ticket = state.message = null;
  clearOptions();
  printStatus("");
  hideFailure();
  setContrast(false);  // the next customer starts from the standard look
  setGuide(false);
  setLanguage(data.lang);
  show("start");
}

// --- wiring ----------------------------------------------------------------------------------

for (const button of document.querySelectorAll(".lang-button")) {
  button.addEventListener("click", () => setLanguage(button.dataset.lang));
}
$("take-ticket").addEventListener("click", () => show("units"));
$("check-in")?.addEventListener("click", () => { clearOptions(); show("checkin"); });
for (const button of document.querySelectorAll("[data-go]")) {
  button.addEventListener("click", () => (button.dataset.go === "start" ? startOver() : show(button.dataset.go)));
}
$("options-form").addEventListener("submit", (event) => { event.preventDefault(); submitOptions(true); });
$("skip").addEventListener("click", () => submitOptions(false));
$("checkin-form").addEventListener("submit", (event) => { event.preventDefault(); submitCheckIn(); });
$("fewer").addEventListener("click", () => { state.notifyAt = Math.max(1, state.notifyAt - 1); renderStepper(); });
$("more").addEventListener("click", () => { state.notifyAt = Math.min(10, state.notifyAt + 1); renderStepper(); });
for (const key of document.querySelectorAll("#keypad button")) {
  key.addEventListener("click", () => {
    const input = $("phone");
    input.value = key.dataset.key === "⌫" ? input.value.slice(0, -1) : (input.value + key.dataset.key).slice(0, 32);
  });
}
$("read-aloud").addEventListener("click", readAloud);
$("guide-toggle").addEventListener("click", () => setGuide(!state.guide));
$("contrast-toggle").addEventListener("click", () => setContrast(!state.contrast));
$("failure-ok").addEventListener("click", startOver);
for (const key of document.querySelectorAll("#osk button")) {
  key.addEventListener("click", () => typeKey(key.dataset.osk));
}
for (const id of ["code", "email"]) $(id).addEventListener("focus", () => placeKeyboard(id));
$("phone").addEventListener("focus", () => placeKeyboard(null));
scanner();
$("print").addEventListener("click", printTicket);
$("done").addEventListener("click", startOver);
$("idle-continue").addEventListener("click", () => idle.reset());
for (const kind of ["pointerdown", "keydown", "input"]) {
  document.addEventListener(kind, () => { if (!$("idle-dialog").open) idle.reset(); }, { passive: true });
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Live waiting figures on the service tiles.
function applyQueues(figures) {
  state.queues = new Map(figures.queues.map((q) => [q.service, q]));
  if (state.screen === "services") renderServices();
}
const stream = new LiveStream(`/api/sites/${data.site.slug}/display/events`, {
  snapshot: applyQueues,
  queues: applyQueues,
  status: (kind, lastGood) => {
    $("stale").hidden = kind === "live" || !lastGood;
    if (lastGood) $("stale-text").textContent = texts.t("updated_at", { time: clockTime(lastGood, data.site.timezone, state.lang) });
  },
});
stream.start();
checkReady();
setInterval(() => { $("clock").textContent = clockTime(new Date(), data.site.timezone, state.lang); }, 1000);
$("clock").textContent = clockTime(new Date(), data.site.timezone, state.lang);
// A keyboard-wedge scanner "types" the booking code and Enter within a few milliseconds per key;
// a person at a keyboard is far slower. On the start step (no field focused) the kiosk catches
// such a burst and checks in; on the check-in step the code field takes it as typed text.
function scanner() {
  let buffer = "";
  let last = 0;
  document.addEventListener("keydown", (event) => {
    if (state.screen !== "start" || state.offline) return;
    const now = performance.now();
    if (now - last > 60) buffer = "";
    last = now;
    if (event.key === "Enter") {
      const code = buffer.trim().toUpperCase();
      buffer = "";
      if (code.length >= 4 && $("check-in")) {
        event.preventDefault();
        clearOptions();
        show("checkin");
        $("code").value = code;
        submitCheckIn();
      }
    } else if (event.key.length === 1) {
      buffer += event.key;
    }
  });
}

$("phone-field").hidden = !CHANNELS.has("sms");
$("email-field").hidden = !CHANNELS.has("email");
setLanguage(data.lang);
show("start");
