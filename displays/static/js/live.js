// A live stream of site events that survives restarts, proxies and flaky Wi-Fi.
//
// EventSource reconnects by itself only after network errors; an HTTP error (a proxy's 502, our
// 503 when the database is away) closes it for good. So this class reconnects on its own, with
// backoff, and passes the last sequence it applied as `last_event_id`: the server replays what was
// missed or sends a snapshot. Events are applied at most once: anything at or below the last
// applied sequence is a repeat (a replay overlapping live events, a relay republishing).
//
// Heartbeats carry the site's sequence as the server last read it from the event log. A screen
// that shows every event's figures (`checkSequence`: lobby and counter screens, whose `queues`
// frames follow every event) and still has not reached a heartbeat's sequence by the next one
// missed something: it reconnects and gets the replay. A heartbeat marked `stale` (neither Redis
// nor the database could be read on the server) shows the staleness mark without reconnecting.
export class LiveStream {
  constructor(url, handlers, { checkSequence = false } = {}) {
    this.url = url;
    this.handlers = handlers;
    this.sequence = null;      // last change applied
    this.stateSequence = -1;   // last figures applied
    this.lastGood = null;      // when the last message arrived (for the "updated hh:mm" mark)
    this.heartbeatSeconds = 15;
    this.backoff = 1000;
    this.source = null;
    this.timer = null;
    this.watchdog = null;
    this.status = "connecting";
    this.checkSequence = checkSequence;
    this.behind = null;        // a heartbeat's sequence this screen had not reached yet
  }

  start() {
    this.open();
    // Screens sleep and wake: check the stream as soon as the page is visible again.
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.checkAlive();
    });
  }

  open() {
    clearTimeout(this.timer);
    const url = new URL(this.url, location.href);
    if (this.sequence !== null) url.searchParams.set("last_event_id", String(this.sequence));
    const source = new EventSource(url);
    this.source = source;
    source.addEventListener("snapshot", (e) => this.receive(e, (data) => {
      this.sequence = data.sequence;
      this.stateSequence = data.sequence;
      if (data.heartbeat_seconds) this.heartbeatSeconds = data.heartbeat_seconds;
      this.handlers.snapshot?.(data);
    }));
    for (const kind of ["change", "ticket"]) {
      source.addEventListener(kind, (e) => this.receive(e, (data) => {
        if (this.sequence !== null && data.sequence <= this.sequence) return;
        this.sequence = data.sequence;
        this.handlers[kind]?.(data);
      }));
    }
    for (const kind of ["queues", "position"]) {
      source.addEventListener(kind, (e) => this.receive(e, (data) => {
        if (data.sequence < this.stateSequence) return;
        this.stateSequence = data.sequence;
        this.handlers[kind]?.(data);
      }));
    }
    source.addEventListener("heartbeat", (e) => this.receive(e, (data) => this.heartbeat(data)));
    source.addEventListener("unavailable", () => this.fail());
    source.onerror = () => this.fail();
  }

  receive(event, apply) {
    if (event.target !== this.source) return;
    // The last frames received, for tests and for staff checking what a screen was sent.
    const log = (window.__sse = window.__sse || []);
    log.push(event.data);
    if (log.length > 200) log.shift();
    const data = JSON.parse(event.data);
    const outcome = apply(data);
    this.armWatchdog();
    if (outcome === "resync") return this.fail();
    if (outcome === "stale") return this.setStatus("stale");
    this.lastGood = new Date();
    this.backoff = 1000;
    this.setStatus("live");
  }

  heartbeat(data) {
    if (data.stale) return "stale";
    const site = data.sequence;
    if (!this.checkSequence || typeof site !== "number" || this.sequence === null) return "live";
    const seen = Math.max(this.sequence, this.stateSequence);
    if (this.behind !== null && seen < this.behind) {
      this.behind = null;
      return "resync";
    }
    this.behind = site > seen ? site : null;
    return "live";
  }

  fail() {
    if (this.source) this.source.close();
    this.source = null;
    clearTimeout(this.watchdog);
    this.setStatus(this.lastGood ? "stale" : "connecting");
    clearTimeout(this.timer);
    // The first retry is spread widely (0.5-2.5 s): when a switch reboots, every screen in the
    // lobby fails in the same second, and they should not all come back in the same one.
    const first = this.backoff === 1000;
    const delay = first ? 500 + Math.random() * 2000 : this.backoff * (0.75 + Math.random() * 0.5);
    this.backoff = Math.min(this.backoff * 2, 5000);
    this.timer = setTimeout(() => this.open(), delay);
  }

  // No message, not even a heartbeat, for well over the interval: the connection is dead
  // even if the socket does not know it yet (a sleeping laptop, a proxy that dropped it).
  armWatchdog() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.fail(), this.heartbeatSeconds * 2500);
  }

  checkAlive() {
    if (!this.lastGood || Date.now() - this.lastGood.getTime() > this.heartbeatSeconds * 2500) {
      this.fail();
    }
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    document.documentElement.dataset.live = status;
    this.handlers.status?.(status, this.lastGood);
  }
}
