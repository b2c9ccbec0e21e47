// Lobby display: the newest call large, the last calls, queue figures, the clock, announcements.
import { boot, Texts, pickLabel, clockTime, dateText, waitText } from "./i18n.js";
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
}

function renderHero(lang) {
  const hero = $("hero");
  const call = state.calling[0];
  if (!call) {
    hero.replaceChildren(el("p", { class: "empty" }, texts.t("lobby.no_calls_yet", {}, lang)));
    return;
  }
  const point = pickLabel(call.service_point_labels, lang);
  const line = el("p", { class: "call", "aria-label": texts.t("lobby.call_label", { number: call.number, point }, lang) },
    el("span", { class: "number", "data-number": call.number }, call.number),
    el("span", { class: "arrow", "aria-hidden": "true" }, "→"),
    el("span", { class: "point" }, point),
  );
  const parts = [line];
  if (call.service_labels) parts.push(el("p", { class: "service" }, pickLabel(call.service_labels, lang)));
  if (call.recall) parts.push(el("p", { class: "badge" }, texts.t("lobby.recall", {}, lang)));
  hero.replaceChildren(...parts);
  hero.dataset.number = call.number;
}

function renderCalls(lang) {
  const items = state.calling.slice(1, history() + 1).map((call) => {
    const point = pickLabel(call.service_point_labels, lang);
    return el("li", { "data-number": call.number, "aria-label": texts.t("lobby.call_label", { number: call.number, point }, lang) },
      el("span", { class: "number" }, call.number),
      el("span", { class: "arrow", "aria-hidden": "true" }, "→"),
      el("span", { class: "point" }, point),
      el("time", { class: "time", datetime: call.called_at }, clockTime(new Date(call.called_at), state.timezone, lang)),
    );
  });
  $("calls").replaceChildren(...items);
}

// A line every point of which is paused or closed promises no wait: it says so instead.
function waitCell(q, lang) {
  if (!q.open) return texts.t("lobby.closed", {}, lang);
  if (q.served_now === false) return texts.t("not_served", {}, lang);
  return waitText(texts, q.estimated_wait_seconds, lang);
}

function renderQueues(lang) {
  const body = $("queue-rows");
  if (state.queues === null) return;  // keep whatever is there until real figures arrive
  const rows = state.queues.map((q) => el("tr", { "data-service": q.service },
    el("td", {}, pickLabel(q.labels, lang)),
    el("td", { class: "num waiting" }, String(q.waiting)),
    el("td", { class: q.open && q.served_now !== false ? "num" : "num closed" }, waitCell(q, lang)),
  ));
  if (!rows.length) {
    rows.push(el("tr", {}, el("td", { colspan: "3" }, texts.t("lobby.nobody_waiting", {}, lang))));
  }
  body.replaceChildren(...rows);
  paginate();
  $("total").textContent = state.total === null ? "" : texts.t("lobby.waiting_total", { n: state.total }, lang);
}

// More services than fit: show them a page at a time, turning with the language rotation.
function paginate() {
  const body = $("queue-rows");
  const rows = [...body.children];
  rows.forEach((row) => { row.hidden = false; });
  const section = document.querySelector(".queues");
  const pagesLine = $("queue-pages");
  const bottom = section.getBoundingClientRect().bottom
    - parseFloat(getComputedStyle(section).paddingBottom) - pagesLine.offsetHeight - 8;
  const top = body.getBoundingClientRect().top;
  const pages = [[]];
  let used = 0;
  for (const row of rows) {
    const height = row.getBoundingClientRect().height;
    if (used + height > bottom - top && pages.at(-1).length) {
      pages.push([]);
      used = 0;
    }
    pages.at(-1).push(row);
    used += height;
  }
  state.page %= pages.length;
  pages.forEach((page, i) => page.forEach((row) => { row.hidden = i !== state.page; }));
  pagesLine.textContent = pages.length > 1 ? pages.map((_, i) => (i === state.page ? "●" : "○")).join(" ") : "";
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
    state.calling = [call, ...state.calling.filter((c) => c.number !== call.number)].slice(0, history() + 1);
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
window.__lobby = { state, stream, announcer };

setInterval(renderClock, 1000);
setInterval(() => {
  const langs = languages();
  state.lang = langs[(langs.indexOf(state.lang) + 1) % langs.length] || langs[0];
  state.page += 1;
  render();
  if (stream.status !== "live") showStatus(stream.status, stream.lastGood);
}, state.display.rotate_seconds * 1000);
addEventListener("resize", () => renderQueues(state.lang));
