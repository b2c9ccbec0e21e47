// A walk-in ticket from a phone: one tap on a service, then the mobile ticket page.
import { boot, Texts } from "./i18n.js";

const data = boot();
const texts = new Texts(data.catalogs, data.lang, data.first);
const error = document.getElementById("take-error");

function refusalKey(response, problem) {
  if (response.status === 429) return "booking.too_many";
  const type = problem.type || "";
  if (type.endsWith("/service-full-today")) return "take.full";
  if (type.endsWith("/service-closed")) return "take.closed";
  return "booking.error";
}

async function take(button) {
  button.disabled = true;
  const response = await fetch(`/api/sites/${data.site.slug}/tickets`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ service: button.dataset.service, language: data.lang, channel: "web" }),
  });
  button.disabled = false;
  if (response.ok) {
    const ticket = await response.json();
    location.assign(`/t/${ticket.id}?lang=${data.lang}`);
    return;
  }
  texts.put(error, refusalKey(response, await response.json().catch(() => ({}))));
}

for (const button of document.querySelectorAll(".b-take")) {
  button.addEventListener("click", () => take(button));
}
