// Manage my booking: free times of a day from the slots API, move, cancel. The code is the key.
import { boot, Texts, clockTime } from "./i18n.js";

const data = boot();
const texts = new Texts(data.catalogs, data.lang, data.first);
const booking = data.booking;
const zone = data.site.timezone;
const $ = (id) => document.getElementById(id);

// A local day (YYYY-MM-DD) in the site's zone: the slots API counts days on the site's clock.
export function localDay(date, timeZone) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(date);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

function say(key) {
  texts.put($("b-message"), key);
}

async function post(path, body) {
  return fetch(`/api/appointments/${booking.id}/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

function problemKey(response) {
  if (response.status === 429) return "booking.too_many";
  if (response.status === 409) return "booking.slot_taken";
  return "booking.error";
}

function slotChoice(slot, index) {
  const label = document.createElement("label");
  label.className = "b-slot";
  const input = document.createElement("input");
  Object.assign(input, { type: "radio", name: "start", value: slot.start, required: true });
  if (index === 0) input.checked = true;
  label.append(input, ` ${clockTime(new Date(slot.start), zone, data.lang)}`);
  return label;
}

// Only the newest day asked for is shown: an earlier day's answer arriving late is dropped.
let asked = 0;

async function showTimes(event) {
  event.preventDefault();
  const day = $("b-day").value;
  if (!day) return;
  const ask = ++asked;
  const url = `/api/sites/${data.site.slug}/services/${booking.service}/slots?date=${day}`;
  const response = await fetch(url);
  if (ask !== asked) return;
  if (!response.ok) return say(problemKey(response));
  const free = (await response.json()).filter((s) => s.available > 0 && s.start !== booking.start);
  if (ask !== asked) return;
  const box = $("b-slots");
  box.replaceChildren(...free.map(slotChoice));
  $("b-move-form").hidden = free.length === 0;
  if (free.length === 0) say("booking.no_times");
  else $("b-message").textContent = "";
}

async function move(event) {
  event.preventDefault();
  const chosen = document.querySelector("input[name=start]:checked");
  if (!chosen) return;
  $("b-move-button").disabled = true;
  const response = await post("reschedule", { code: booking.code, start: chosen.value });
  $("b-move-button").disabled = false;
  if (response.ok) return reloadWith("moved");
  say(problemKey(response));
  if (response.status === 409) $("b-day-form").requestSubmit();
}

async function cancel() {
  $("b-cancel-dialog").close();
  const response = await post("cancel", { code: booking.code });
  if (response.ok) return reloadWith("cancelled");
  say(problemKey(response));
}

// Reload from the server, so the time shown is the stored one, and say what happened.
function reloadWith(done) {
  const url = new URL(location.href);
  url.searchParams.delete("new");
  url.searchParams.set("done", done);
  location.replace(url);
}

function start() {
  const done = new URL(location.href).searchParams.get("done");
  if (done === "moved" || done === "cancelled") say(`booking.${done}`);
  if (booking.status !== "booked") return;
  $("b-day").value = localDay(new Date(booking.start), zone);
  $("b-day").min = localDay(new Date(), zone);
  $("b-day-form").addEventListener("submit", showTimes);
  $("b-move-form").addEventListener("submit", move);
  $("b-cancel").addEventListener("click", () => $("b-cancel-dialog").showModal());
  $("b-cancel-no").addEventListener("click", () => $("b-cancel-dialog").close());
  $("b-cancel-yes").addEventListener("click", cancel);
}

start();
