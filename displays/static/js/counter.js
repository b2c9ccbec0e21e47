// Counter display: the number called to this service point, "now serving", open, paused or closed.
import { boot, Texts, clockTime } from "./i18n.js";
import { LiveStream } from "./live.js";

const data = boot();
const texts = new Texts(data.catalogs, data.lang, data.first);
const $ = (id) => document.getElementById(id);
const state = { current: null, open: data.open, pointState: null, reason: null, timezone: data.timezone };

function takePoint(points) {
  const point = points.find((p) => p.service_point === data.point);
  if (!point) return;
  state.open = point.open;
  state.pointState = point.state || null;
  state.reason = point.reason || null;
}

function fromSnapshot(snapshot) {
  const call = snapshot.calling.find((c) => c.status === "called" || c.status === "serving");
  state.current = call ? { number: call.number, status: call.status } : null;
  takePoint(snapshot.service_points);
  render();
}

function render() {
  const box = $("current");
  // Each status line in every language of the site, so nobody waits for a rotation.
  const say = (key) => data.languages.flatMap((lang, i) => {
    const span = document.createElement("span");
    span.lang = lang;
    span.textContent = texts.t(key, {}, lang);
    return i ? [" · ", span] : [span];
  });
  if (state.current) {
    box.dataset.state = state.current.status;
    $("number").textContent = state.current.number;
    $("status").replaceChildren(...say(state.current.status === "called" ? "counter.please_come" : "counter.serving"));
  } else if (state.pointState === "paused") {
    // A break: the reason is the staff member's own words, shown as they wrote them.
    box.dataset.state = "paused";
    $("number").replaceChildren(...say("counter.paused"));
    $("status").textContent = state.reason || "";
  } else if (!state.open) {
    box.dataset.state = "closed";
    $("number").replaceChildren(...say("counter.closed"));
    $("status").replaceChildren();
  } else {
    box.dataset.state = "idle";
    $("number").textContent = "–";
    $("status").replaceChildren(...say("counter.open"));
  }
  document.body.dataset.number = state.current?.number || "";
}

function change(event) {
  if (event.kind === "ticket.called" || event.kind === "ticket.recalled") {
    state.current = { number: event.number, status: "called" };
  } else if (event.kind === "ticket.started" && state.current?.number === event.number) {
    state.current.status = "serving";
  } else if (state.current?.number === event.number) {
    state.current = null;  // finished, no-show, returned, transferred or cancelled
  }
  render();
}

function queues(figures) {
  takePoint(figures.service_points);
  render();
}

function status(kind, lastGood) {
  $("stale").hidden = kind === "live";
  $("stale-text").textContent = lastGood
    ? texts.t("updated_at", { time: clockTime(lastGood, state.timezone, data.lang) })
    : texts.t("connecting");
}

if (data.snapshot) fromSnapshot(data.snapshot);
const stream = new LiveStream(data.events_url, { snapshot: fromSnapshot, change, queues, status }, { checkSequence: true });
if (data.snapshot) stream.sequence = data.snapshot.sequence;
stream.start();
