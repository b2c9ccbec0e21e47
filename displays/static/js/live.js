// A live stream of site events that survives restarts, proxies and flaky Wi-Fi.
//
// EventSource reconnects by itself only after network errors; an HTTP error (a proxy's 502, our
// 503 when the database is away) closes it for good. So this class reconnects on its own, with
// backoff, and passes the last sequence it applied as `last_event_id`: the server replays what was
// missed or sends a snapshot. Events are applied at most once: anything at or below the last
// applied sequence is a repeat (a replay overlapping live events, a relay republishing).
export class LiveStream {
  constructor(url, handlers) {
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
    source.addEventListener("heartbeat", (e) => this.receive(e, () => {}));
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
    apply(data);
    this.lastGood = new Date();
    this.backoff = 1000;
    this.setStatus("live");
    this.armWatchdog();
  }

  fail() {
    if (this.source) this.source.close();
    this.source = null;
    clearTimeout(this.watchdog);
    this.setStatus(this.lastGood ? "stale" : "connecting");
    clearTimeout(this.timer);
    const delay = this.backoff * (0.75 + Math.random() * 0.5);
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
