// Where the wait is shortest: the organisation's sites for one service, refreshed every few
// seconds from GET /api/organisations/{org}/waits (the same estimates as each lobby display).
import { boot, Texts, putLabel, clockTime, waitText, setPageLanguage } from "./i18n.js";

const data = boot();
const org = data.organisation;
const texts = new Texts(data.catalogs, data.lang, data.first);
const state = { service: data.service, timer: null, last: null };
const list = document.getElementById("sites");
const select = document.getElementById("service");

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function say(el_, key, values = {}) {
  texts.put(el_, key, values);
  return el_;
}

function hoursLine(row) {
  const p = el("p", "hours");
  if (!row.hours_today) return say(p, "org.closed_today");
  return say(p, "org.hours_today", row.hours_today);
}

function badge(row) {
  const open = row.open_now;
  const b = el("span", `badge ${open ? "open" : "closed"}`);
  return say(b, open ? "org.open_now" : "kiosk.closed_now");
}

function waitBlock(row) {
  const block = el("div", "wait");
  const figure = el("p", "figure");
  if (!row.open_now) {
    say(figure, "lobby.closed");
  } else if (!row.served_now) {
    say(figure, "not_served");
  } else {
    figure.textContent = waitText(texts, row.estimated_wait_seconds, data.lang);
  }
  const label = say(el("p", "figure-label"), "lobby.estimated_wait");
  const waiting = row.waiting
    ? say(el("p", "waiting"), "kiosk.waiting_now", { n: row.waiting })
    : say(el("p", "waiting"), "lobby.nobody_waiting");
  block.append(label, figure, waiting);
  return block;
}

function links(row) {
  const nav = el("p", "links");
  const lang = encodeURIComponent(data.lang);
  const take = el("a", "take");
  take.href = `/sites/${encodeURIComponent(row.site)}/kiosk?lang=${lang}`;
  say(take, "kiosk.take_ticket");
  const lobby = el("a", "lobby");
  lobby.href = `/sites/${encodeURIComponent(row.site)}/lobby?lang=${lang}`;
  say(lobby, "lobby.title");
  if (row.open_now && row.walk_in) nav.append(take);
  nav.append(lobby);
  return nav;
}

function card(row, index) {
  const item = el("li", "site");
  item.dataset.site = row.site;
  item.dataset.open = String(row.open_now);
  item.dataset.wait = row.estimated_wait_seconds ?? "";
  item.dataset.waiting = String(row.waiting);
  const head = el("div", "site-head");
  const name = el("h2");
  putLabel(name, row.site_names, data.lang, data.first);
  head.append(name, badge(row));
  item.append(head);
  if (index === 0 && row.open_now && row.served_now && row.estimated_wait_seconds !== null) {
    item.classList.add("best");
    item.append(say(el("p", "best-label"), "org.shortest"));
  }
  if (row.address) {
    const address = el("p", "address");
    putLabel(address, row.address, data.lang, data.first);
    item.append(address);
  }
  item.append(hoursLine(row), waitBlock(row));
  if (!row.walk_in) item.append(say(el("p", "note"), "org.by_appointment"));
  item.append(links(row));
  return item;
}

function render(rows) {
  list.replaceChildren(...rows.map(card));
  document.getElementById("empty").hidden = rows.length > 0;
  const zone = (rows[0] && rows[0].timezone) || "Europe/Helsinki";
  state.last = new Date();
  say(document.getElementById("status-text"), "updated_at", { time: clockTime(state.last, zone, data.lang) });
  document.getElementById("status").classList.remove("stale");
}

async function refresh() {
  if (!state.service) return;
  const url = `/api/organisations/${encodeURIComponent(org.slug)}/waits?service=${encodeURIComponent(state.service)}&lang=${encodeURIComponent(data.lang)}`;
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    render(await response.json());
  } catch {
    // Keep the last figures on screen and say they are old; the next refresh tries again.
    say(document.getElementById("status-text"), "connection_lost");
    document.getElementById("status").classList.add("stale");
  }
}

function schedule() {
  clearInterval(state.timer);
  state.timer = setInterval(() => { if (!document.hidden) refresh(); }, data.refresh_seconds * 1000);
}

select.addEventListener("change", () => {
  state.service = select.value;
  const params = new URLSearchParams(location.search);
  params.set("service", state.service);
  history.replaceState(null, "", `?${params}`);
  refresh();
  schedule();
});
document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });

setPageLanguage(data.lang, data.directions);
refresh();
schedule();
