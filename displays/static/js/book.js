// Book on the web: free slots of the chosen service and day, then the booking's own page.
import { boot, Texts, clockTime } from "./i18n.js";

const data = boot();
const texts = new Texts(data.catalogs, data.lang, data.first);
const zone = data.site.timezone;
const $ = (id) => document.getElementById(id);

function localDay(date) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(date);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

function slotChoice(slot) {
  const label = document.createElement("label");
  label.className = "b-slot";
  const input = Object.assign(document.createElement("input"), { type: "radio", name: "start", value: slot.start });
  label.append(input, ` ${clockTime(new Date(slot.start), zone, data.lang)}`);
  return label;
}

// Changing the service or the day while an answer is on its way starts another request: only
// the newest answer is shown (an older one arriving late would replace the times under the
// customer's finger), and a time already chosen stays chosen when it is still free.
let asked = 0;

async function showTimes() {
  const service = $("book-service").value;
  const day = $("book-day").value;
  const ask = ++asked;
  const url = `/api/sites/${data.site.slug}/services/${service}/slots?date=${day}`;
  const response = await fetch(url);
  const free = response.ok ? (await response.json()).filter((s) => s.available > 0) : [];
  if (ask !== asked) return;
  const chosen = document.querySelector("input[name=start]:checked");
  const list = $("book-slots");
  list.replaceChildren(...free.map(slotChoice));
  const kept = chosen && list.querySelector(`input[value="${CSS.escape(chosen.value)}"]`);
  if (kept) kept.checked = true;
  list.dataset.shows = `${service} ${day}`;
  $("book-times").hidden = free.length === 0;
  texts.put($("book-error"), free.length ? "" : "booking.no_times");
  if (free.length) $("book-error").textContent = "";
}

function body() {
  const chosen = document.querySelector("input[name=start]:checked");
  const value = (id) => $(id).value.trim() || undefined;
  return {
    service: $("book-service").value, start: chosen && chosen.value,
    name: value("book-name"), phone: value("book-phone"), email: value("book-email"),
    language: $("book-language").value,
  };
}

async function submit(event) {
  event.preventDefault();
  const request = body();
  if (!request.start) return texts.put($("book-error"), "book.choose_time");
  $("book-submit").disabled = true;
  const response = await fetch(`/api/sites/${data.site.slug}/appointments`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request),
  });
  $("book-submit").disabled = false;
  if (response.ok) {
    const made = await response.json();
    location.assign(`/bookings/${made.id}?code=${encodeURIComponent(made.code)}&lang=${data.lang}&new=1`);
    return;
  }
  const problem = await response.json().catch(() => ({}));
  if (response.status === 409) { texts.put($("book-error"), "booking.slot_taken"); return showTimes(); }
  const field = problem.field || (problem.extra && problem.extra.field);
  $("book-error").textContent = field ? `${texts.t("book.invalid")} ${field}` : texts.t("booking.error");
}

if ($("book-form")) {
  $("book-day").value = localDay(new Date());
  $("book-day").min = localDay(new Date());
  $("book-show").addEventListener("click", showTimes);
  $("book-service").addEventListener("change", showTimes);
  $("book-day").addEventListener("change", showTimes);
  $("book-form").addEventListener("submit", submit);
  showTimes();
}
