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
};
const voice = new Announcer({ texts, languages: [data.lang], chime: false });
window.__kiosk = { state, prints: [] };

// --- screens -------------------------------------------------------------------------------

function show(screen) {
  state.screen = screen;
  for (const section of document.querySelectorAll("section[data-screen]")) {
    section.hidden = section.dataset.screen !== screen;
  }
  document.body.dataset.kioskScreen = screen;
  // The code field takes focus at once: a QR scanner at the kiosk types into whatever has it.
  const target = screen === "checkin" ? $("code") : document.querySelector(`[data-screen="${screen}"] h1`);
  target?.focus();
  idle.reset();
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
    if (!service.open) meta = texts.t("kiosk.closed_now");
    else if (figures) {
      const wait = figures.served_now === false
        ? texts.t("not_served")
        : waitText(texts, figures.estimated_wait_seconds, state.lang);
      meta = `${texts.t("kiosk.waiting_now", { n: figures.waiting })} · ${wait}`;
    }
    const button = tile(service.labels, meta);
    button.dataset.service = service.slug;
    button.disabled = !service.open;
    button.addEventListener("click", () => {
      state.service = service;
      putLabel($("chosen-service"), service.labels, state.lang, data.first);
      clearOptions();
      show("options");
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
  const phone = withContact ? $("phone").value.trim() : "";
  const email = withContact ? $("email").value.trim() : "";
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
  if (response?.status === 201) return showTicket(await response.json());
  const problem = response ? await response.json().catch(() => ({})) : {};
  if (problem.field === "contact.phone") return fieldError("phone", "kiosk.invalid_phone");
  if (problem.field === "contact.email") return fieldError("email", "kiosk.invalid_email");
  // The line closed while the customer was choosing (the tiles show the hours as of page load).
  const closed = problem.type === "urn:queueing:problem:service-closed";
  $("issue-error").textContent = texts.t(closed ? "kiosk.closed_now" : "kiosk.error");
  $("issue-error").hidden = false;
}

// POST with one Idempotency-Key across retries: a lost answer never makes a second ticket.
async function send(url, body) {
  if (state.busy) return null;
  state.busy = true;
  const key = uuid();
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
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
        await new Promise((r) => setTimeout(r, 600 * (attempt + 1)));
      }
    }
    return null;
  } finally {
    state.busy = false;
  }
}

async function submitCheckIn() {
  const code = $("code").value.trim().toUpperCase();
  if (!code) return fieldError("code", "kiosk.code_not_found");
  const response = await send(`/api/sites/${data.site.slug}/check-in`, { code });
  if (response?.status === 201 || response?.status === 200) return showTicket(await response.json());
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

function showTicket(ticket) {
  state.ticket = ticket;
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
    : ticket.estimated_wait_seconds === null ? texts.t("not_served")  // all its points paused or closed
    : texts.t("kiosk.estimated_wait", {
        wait: waitWithRange(texts, ticket.estimated_wait_seconds, ticket.estimated_wait_range_seconds, state.lang),
      });
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
    ahead: placeText(ticket),
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
  state.unit = state.service = state.ticket = null;
  clearOptions();
  printStatus("");
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
setInterval(() => { $("clock").textContent = clockTime(new Date(), data.site.timezone, state.lang); }, 1000);
$("clock").textContent = clockTime(new Date(), data.site.timezone, state.lang);
setLanguage(data.lang);
show("start");
