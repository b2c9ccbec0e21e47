// Lobby display: the newest call large, the last calls, queue figures, the clock, announcements.
import { boot, Texts, pickLabel, clockTime, dateText, waitText, openingText } from "./i18n.js";
import { LiveStream } from "./live.js";
import { Announcer } from "./announce.js";

const data = boot();
const texts = new Texts(data.catalogs, data.lang, data.first);
const $ = (id) => document.getElementById(id);

const state = {
  display: data.snapshot?.display || data.display,
  timezone: data.timezone,
  calling: [],
  queues: null,        // null until the first good figures: never render "0 waiting" from nothing
  total: null,
  lang: data.lang,
  page: 0,
};
const history = () => state.display.history;
const languages = () => state.display.languages;

const announcer = new Announcer({
  texts,
  languages: languages(),
  chime: state.display.announce,
  speech: state.display.announce,
});
announcer.onSoundBlocked = () => { $("sound-off").hidden = false; };
$("sound-on").addEventListener("click", async () => {
  if (await announcer.unlock()) $("sound-off").hidden = true;
});
document.addEventListener("pointerdown", () => announcer.unlock().then((ok) => {
  if (ok) $("sound-off").hidden = true;
}));

// --- rendering ---------------------------------------------------------------------------

function render() {
  const lang = state.lang;
  // Only `lang` rotates: a lobby screen keeps the layout of its first language's direction, as
  // a layout flipping every few seconds would lose the people reading the call list.
  document.documentElement.lang = lang;
  texts.apply(document, lang);
  document.querySelector("[data-i18n-title]").textContent =
    pickLabel(state.display.titles, lang) || document.title;
  for (const li of document.querySelectorAll("#langs li")) {
    if (li.dataset.lang === lang) li.setAttribute("aria-current", "true");
    else li.removeAttribute("aria-current");
  }
  renderHero(lang);
  renderCalls(lang);
  renderQueues(lang);
  renderClock();
  fitTexts();
}

// --- which calls are where ----------------------------------------------------------------
//
// A burst of calls (ten in five seconds) used to replace the one big number every half second.
// Now the last `current_calls` calls of the last minute are highlighted together, the newest
// largest, and a call younger than `min_visible_seconds` never leaves the screen: if newer
// calls push it out of the highlighted ones it stays among the previous calls, which are
// extended for it. `seenAt` is when this screen learnt of the call (its arrival, or its
// called_at for calls in a snapshot), so a screen's own clock decides, not the server's.
const seenAt = new Map();
const CURRENT_WINDOW_MS = 60_000;

function currentWindow() {
  return Math.max(CURRENT_WINDOW_MS, (state.display.min_visible_seconds || 20) * 1000);
}

function split(now = Date.now()) {
  const n = state.display.current_calls || 4;
  const young = (call) => now - seen(call) < currentWindow();
  const current = state.calling.filter(young).slice(0, n);
  const rest = state.calling.filter((c) => !current.includes(c));
  const minMs = (state.display.min_visible_seconds || 20) * 1000;
  const mustShow = rest.filter((c) => now - seen(c) < minMs).length;
  return { current, previous: rest.slice(0, Math.max(history(), mustShow)) };
}

function seen(call) {
  if (!seenAt.has(call.number)) seenAt.set(call.number, Date.parse(call.called_at) || Date.now());
  return seenAt.get(call.number);
}

// Re-render when the oldest highlighted call is due to move to the previous calls.
let expiryTimer = null;
function scheduleExpiry(current) {
  clearTimeout(expiryTimer);
  if (!current.length) return;
  const due = Math.min(...current.map((c) => seen(c) + currentWindow())) - Date.now();
  expiryTimer = setTimeout(() => render(), Math.max(due, 250));
}

function renderHero(lang) {
  const hero = $("hero");
  const { current } = split();
  scheduleExpiry(current);
  const call = current[0];
  if (!call) {
    delete hero.dataset.number;
    const closed = siteClosed();
    hero.replaceChildren(el("p", { class: closed ? "empty closed-site" : "empty" },
      closed ? closedText(lang) : texts.t("lobby.no_calls_yet", {}, lang)));
    $("current").replaceChildren();
    return;
  }
  const point = pickLabel(call.service_point_labels, lang);
  const line = el("p", { class: "call", "aria-label": texts.t("lobby.call_label", { number: call.number, point }, lang) },
    el("span", { class: "number", "data-number": call.number }, call.number),
    el("span", { class: "point fit" }, el("span", { class: "arrow", "aria-hidden": "true" }, "→ "), point),
  );
  const parts = [line];
  if (call.service_labels) parts.push(el("p", { class: "service" }, pickLabel(call.service_labels, lang)));
  if (call.recall) parts.push(el("p", { class: "badge" }, texts.t("lobby.recall", {}, lang)));
  hero.replaceChildren(...parts);
  hero.dataset.number = call.number;
  $("current").replaceChildren(...current.slice(1).map((c) => callItem(c, lang, "current-call")));
}

function callItem(call, lang, cls) {
  const point = pickLabel(call.service_point_labels, lang);
  return el("li", { class: cls, "data-number": call.number, "aria-label": texts.t("lobby.call_label", { number: call.number, point }, lang) },
    el("span", { class: "number" }, call.number),
    el("span", { class: "point fit" }, el("span", { class: "arrow", "aria-hidden": "true" }, "→ "), point),
    el("time", { class: "time", datetime: call.called_at }, clockTime(new Date(call.called_at), state.timezone, lang)),
  );
}

function renderCalls(lang) {
  const items = split().previous.map((call) => callItem(call, lang, "previous-call"));
  $("calls").replaceChildren(...items);
  fitTexts();
  // What does not fit whole is not shown at all: a half-hidden number is worse than none.
  const list = $("calls");
  const bottom = list.parentElement.getBoundingClientRect().bottom - 4;
  for (const item of items) item.hidden = item.getBoundingClientRect().bottom > bottom;
}

// Counter names are never cut: shrink a name to fit its box, down to 70 %, then let it wrap.
function fitTexts() {
  for (const node of document.querySelectorAll(".board .fit")) {
    node.style.fontSize = "";
    node.style.whiteSpace = "nowrap";
    const base = parseFloat(getComputedStyle(node).fontSize);
    let size = base;
    while (node.scrollWidth > node.clientWidth && size > base * 0.7) {
      size -= base * 0.05;
      node.style.fontSize = `${size}px`;
    }
    if (node.scrollWidth > node.clientWidth) node.style.whiteSpace = "normal";
  }
}

function siteClosed() {
  return state.queues !== null && state.queues.length > 0 && state.queues.every((q) => !q.open && !q.waiting);
}

// The whole centre closed: when its first line opens again ("tomorrow at 08:00", "Monday
// 08:00"), not a fixed "welcome tomorrow" that is wrong on a Saturday evening.
function closedText(lang) {
  const next = state.queues.map((q) => q.opens_at).filter(Boolean)
    .sort((a, b) => Date.parse(a) - Date.parse(b))[0];
  if (!next) return texts.t("lobby.closed", {}, lang);
  const moment = new Date(next);
  // Local dates as UTC midnights: their difference is whole days, whatever the clock change.
  const day = (d) => Date.parse(d.toLocaleDateString("en-CA", { timeZone: state.timezone }));
  const time = day(moment) - day(new Date()) === 86_400_000
    ? texts.t("lobby.tomorrow", { time: clockTime(moment, state.timezone, lang) }, lang)
    : openingText(moment, state.timezone, lang, { long: true });
  return texts.t("lobby.site_closed", { time }, lang);
}

// A line every point of which is paused or closed promises no wait: it says so instead.
function waitCell(q, lang) {
  if (!q.open && q.opens_at) {
    return texts.t("lobby.opens_at", { time: openingText(new Date(q.opens_at), state.timezone, lang) }, lang);
  }
  if (!q.open) return texts.t("lobby.closed", {}, lang);
  // The short form: a long one beside each idle line left the names no room on a 1920x1080
  // screen (the kiosk and the mobile ticket, with room to spare, say it whole).
  if (q.served_now === false) return texts.t("lobby.not_served", {}, lang);
  return waitText(texts, q.estimated_wait_seconds, lang);
}

function renderQueues(lang) {
  const body = $("queue-rows");
  if (state.queues === null) return;  // keep whatever is there until real figures arrive
  const rows = state.queues.map((q) => el("tr", { "data-service": q.service, class: q.open ? "" : "closed-row" },
    el("td", { class: "name" }, pickLabel(q.labels, lang)),
    el("td", { class: "num waiting" }, String(q.waiting)),
    el("td", { class: q.open && q.served_now !== false ? "num" : "num closed" }, waitCell(q, lang)),
  ));
  if (!rows.length) {
    rows.push(el("tr", {}, el("td", { colspan: "3" }, texts.t("lobby.nobody_waiting", {}, lang))));
  }
  body.replaceChildren(...rows);
  document.body.classList.toggle("site-closed", siteClosed());
  paginate();
  $("total").textContent = state.total === null ? "" : texts.t("lobby.waiting_total", { n: state.total }, lang);
}

// More services than fit: every service must be on screen at least half of the time, so no
// pages of a third each. `k` rows fit of `m`: when k >= m/2 two windows alternate, the first k
// rows and the last k (the middle ones are in both); only when fewer than half fit do the
// windows step through k at a time (each row then k/m of the time: too many services for one
// screen, docs/displays.md says to split them over two displays).
function windows(m, k) {
  if (k >= m) return [[0, m]];
  if (2 * k >= m) return [[0, k], [m - k, m]];
  const result = [];
  for (let start = 0; start < m; start += k) result.push([start, Math.min(start + k, m)]);
  return result;
}

// The smallest row text, 1/40 of the screen's shorter side (a little over): read at 5 m.
const leastRowText = () => Math.min(innerWidth, innerHeight) * 0.0255;

// Rows at full size while they all fit with their names whole; else compact rows (lobby.css)
// in the largest text at which they do, down to the least readable at 5 m. So with a whole
// centre's lines (17) every row stays on screen, or at least half of the rotation (windows),
// and a name ends in an ellipsis only when even the least size cannot hold it.
function paginate() {
  const body = $("queue-rows");
  const rows = [...body.children];
  const table = body.closest("table");
  table.style.fontSize = "";
  document.body.classList.remove("compact-queues");
  let pages = windowsThatFit(rows);
  if (pages.length > 1 || namesCut(rows) > 0) {
    const least = leastRowText();
    let size = parseFloat(getComputedStyle(table).fontSize);
    document.body.classList.add("compact-queues");
    // When no size holds every name whole (a long "no one is serving" beside it): the fewest
    // windows, then the fewest names cut, then the largest text; a name is what a passer-by
    // reads first, and a smaller size may hold more of them whole.
    let best = null;
    for (;;) {
      table.style.fontSize = `${size}px`;
      pages = windowsThatFit(rows);
      const cut = namesCut(rows);
      const better = best === null || pages.length < best.windows
        || (pages.length === best.windows && cut < best.cut);
      if (better) best = { size, windows: pages.length, cut };
      if ((pages.length === 1 && !cut) || size <= least) break;
      size = Math.max(least, size * 0.92);
    }
    if (best.size !== size) {
      table.style.fontSize = `${best.size}px`;
      pages = windowsThatFit(rows);
    }
  }
  state.page %= pages.length;
  const [from, to] = pages[state.page];
  rows.forEach((row, i) => { row.hidden = i < from || i >= to; });
  body.dataset.windows = JSON.stringify(pages);
  $("queue-pages").textContent = pages.length > 1 ? pages.map((_, i) => (i === state.page ? "●" : "○")).join(" ") : "";
}

// How many names are cut with an ellipsis (lobby.css) at the present size.
function namesCut(rows) {
  return rows.filter((row) => {
    const cell = row.querySelector("td.name");
    return cell !== null && cell.scrollWidth > cell.clientWidth;
  }).length;
}

function windowsThatFit(rows) {
  rows.forEach((row) => { row.hidden = false; });
  const section = document.querySelector(".queues");
  const bottom = section.getBoundingClientRect().bottom
    - parseFloat(getComputedStyle(section).paddingBottom) - $("queue-pages").offsetHeight - 8;
  const room = bottom - $("queue-rows").getBoundingClientRect().top;
  const heights = rows.map((row) => row.getBoundingClientRect().height);
  // The most rows every window can hold whole.
  let fit = rows.length;
  const fits = (k) => windows(rows.length, k).every(([a, b]) => heights.slice(a, b).reduce((x, y) => x + y, 0) <= room);
  while (fit > 1 && !fits(fit)) fit -= 1;
  return windows(rows.length, fit);
}

function renderClock() {
  const now = new Date();
  const clock = $("clock");
  clock.textContent = clockTime(now, state.timezone, state.lang);
  clock.setAttribute("datetime", now.toISOString());
  clock.setAttribute("aria-label", dateText(now, state.timezone, state.lang));
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

// --- events ------------------------------------------------------------------------------

function applySnapshot(snapshot) {
  state.display = snapshot.display;
  state.timezone = snapshot.timezone;
  state.calling = snapshot.calling;
  state.queues = snapshot.queues;
  state.total = snapshot.waiting_total;
  document.body.dataset.sequence = snapshot.sequence;
  render();
}

const REMOVES = new Set(["ticket.returned", "ticket.transferred", "ticket.cancelled"]);

function applyChange(change) {
  document.body.dataset.sequence = change.sequence;
  if (change.kind === "ticket.called" || change.kind === "ticket.recalled") {
    const call = {
      number: change.number,
      service_point: change.service_point,
      service_point_labels: change.service_point_labels,
      called_at: change.called_at,
      recall: change.recall,
      status: "called",
      service_labels: change.service_labels,
    };
    seenAt.set(call.number, Date.now());
    const kept = history() + (state.display.current_calls || 4);
    state.calling = [call, ...state.calling.filter((c) => c.number !== call.number)].slice(0, kept);
    render();
    flash();
    if (state.display.announce) announcer.enqueue(call);
    return;
  }
  if (REMOVES.has(change.kind)) {
    state.calling = state.calling.filter((c) => c.number !== change.number);
    render();
    return;
  }
  const call = state.calling.find((c) => c.number === change.number);
  if (call) call.status = change.status;
}

function applyQueues(figures) {
  state.queues = figures.queues;
  state.total = figures.waiting_total;
  renderQueues(state.lang);
  if (!state.calling.length) renderHero(state.lang);  // "closed" or "no calls yet"
}

function flash() {
  const hero = $("hero");
  hero.classList.remove("flash");
  void hero.offsetWidth;  // restart the animation
  hero.classList.add("flash");
}

function showStatus(status, lastGood) {
  const mark = $("stale");
  if (status === "live") {
    mark.hidden = true;
    return;
  }
  const text = lastGood
    ? `${texts.t("updated_at", { time: clockTime(lastGood, state.timezone, state.lang) }, state.lang)} · ${texts.t("connection_lost", {}, state.lang)}`
    : texts.t("connecting", {}, state.lang);
  $("stale-text").textContent = text;
  mark.dataset.updated = lastGood ? clockTime(lastGood, state.timezone, state.lang) : "";
  mark.hidden = false;
}

// --- start -------------------------------------------------------------------------------

if (data.snapshot) applySnapshot(data.snapshot);
else render();
const stream = new LiveStream(data.events_url, {
  snapshot: applySnapshot,
  change: applyChange,
  queues: applyQueues,
  status: showStatus,
}, { checkSequence: true });
if (data.snapshot) stream.sequence = data.snapshot.sequence;
stream.start();
// One step of the rotation: the next language and the next window of queue rows.
function rotate() {
  const langs = languages();
  state.lang = langs[(langs.indexOf(state.lang) + 1) % langs.length] || langs[0];
  state.page += 1;
  render();
  if (stream.status !== "live") showStatus(stream.status, stream.lastGood);
}

window.__lobby = { state, stream, announcer, rotate };

setInterval(renderClock, 1000);
setInterval(rotate, state.display.rotate_seconds * 1000);
addEventListener("resize", () => render());
