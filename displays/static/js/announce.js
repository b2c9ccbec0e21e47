// The announcement queue: a chime, then the call spoken in each language, one call at a time.
//
// Calls can arrive in the same second from two counters; speaking them over each other, or
// cancelling one for the next, is how people miss their turn. So every call waits for the one
// before to finish: each utterance's `end` event, or a timeout when the browser has no voice for
// a language (headless Chromium often has none), so the queue can never stall.
//
// But a burst (ten calls in five seconds) queued in full form left the tenth some 86 s late. So
// the queue measures its own lag and picks a form for each call: "full" (chime, then the whole
// sentence in each language), "short" (chime, then number and point once per language) or
// "text" (only the chime, or nothing: the call is on screen) — the longest form with which the
// last call waiting can still start within LAG_BUDGET_MS of its arrival. Speech durations are
// learnt from the utterances themselves (a voice's pace varies by browser and language).
//
// window.__announcements is the queue's log, for tests and for staff checking a screen.
import { pickLabel, spokenNumber, LOCALES } from "./i18n.js";

window.__announcements = window.__announcements || [];

export const LAG_BUDGET_MS = 10_000;
const CHIME_MS = 1400;

export class Announcer {
  constructor({ texts, languages, chime = true, speech = true }) {
    this.texts = texts;
    this.languages = languages;
    this.chimeOn = chime;
    this.speechOn = speech && "speechSynthesis" in window;
    this.queue = [];
    this.running = false;
    this.audio = null;
    this.onSoundBlocked = null;
    this.msPerChar = 70;  // learnt: an exponential average of the utterances' real durations
    // Chrome fills the voice list asynchronously; ask early so the first call has its voices.
    if (this.speechOn) window.speechSynthesis.getVoices();
  }

  enqueue(call) {
    const entry = {
      number: call.number,
      point: call.service_point,
      recall: call.recall || 0,
      enqueuedAt: performance.now(),
      startedAt: null,
      endedAt: null,
      mode: null,
      lagMs: null,
      parts: [],
    };
    window.__announcements.push(entry);
    this.queue.push({ call, entry });
    if (!this.running) this.run();
  }

  async run() {
    this.running = true;
    while (this.queue.length) {
      const { call, entry } = this.queue.shift();
      entry.startedAt = performance.now();
      entry.lagMs = entry.startedAt - entry.enqueuedAt;
      entry.mode = this.pickMode(call, entry);
      document.documentElement.dataset.announcing = call.number;
      if (entry.mode !== "silent" && this.chimeOn) await this.chime();
      if (entry.mode === "full" || entry.mode === "short") {
        for (const [index, lang] of this.languages.entries()) {
          // A burst arriving mid-call: finish this call in the short form, or stop after its
          // first language when the oldest call waiting is already getting late.
          const waiting = this.queue[0]?.entry;
          if (index > 0 && waiting) {
            if (performance.now() - waiting.enqueuedAt > LAG_BUDGET_MS * 0.3) {
              entry.cut = true;
              break;
            }
            entry.mode = "short";
          }
          const text = this.sentence(call, lang, entry.mode);
          entry.parts.push({ lang, text, via: await this.speak(text, lang) });
        }
      }
      entry.endedAt = performance.now();
      delete document.documentElement.dataset.announcing;
    }
    this.running = false;
  }

  sentence(call, lang, mode) {
    return this.texts.t(mode === "short" ? "lobby.speech_short" : "lobby.speech", {
      number: spokenNumber(call.number),
      point: pickLabel(call.service_point_labels, lang),
    }, lang);
  }

  // How long a call takes in a form, by the pace measured so far.
  duration(call, mode) {
    const chime = this.chimeOn ? CHIME_MS : 0;
    if (mode === "text") return chime;
    if (mode === "silent") return 0;
    const chars = this.languages.reduce((sum, lang) => sum + this.sentence(call, lang, mode).length, 0);
    return chime + this.languages.length * 1000 + chars * this.msPerChar;
  }

  // The longest form that lets the last call waiting start within the budget, assuming the
  // calls between it and this one take the chime-only form (they choose for themselves later).
  pickMode(call, entry) {
    const last = this.queue.at(-1)?.entry;
    const between = this.queue.slice(0, -1);
    for (const mode of ["full", "short", "text"]) {
      if (!last) {
        if (mode !== "full" || entry.lagMs < LAG_BUDGET_MS / 2) return mode;
        continue;
      }
      const ahead = between.reduce((sum, q) => sum + this.duration(q.call, "text"), 0);
      const lastStart = performance.now() + this.duration(call, mode) + ahead;
      if (lastStart - last.enqueuedAt <= LAG_BUDGET_MS) return mode;
    }
    return "silent";
  }

  learn(text, startedAt) {
    const measured = (performance.now() - startedAt - 300) / Math.max(text.length, 1);
    if (measured > 0) this.msPerChar = 0.7 * this.msPerChar + 0.3 * measured;
  }

  // Unlock audio after a touch or click (browsers block sound until a person interacts).
  async unlock() {
    const context = this.context();
    if (context && context.state === "suspended") await resume(context);
    return !context || context.state === "running";
  }

  context() {
    if (!this.audio) {
      const Context = window.AudioContext || window.webkitAudioContext;
      this.audio = Context ? new Context() : null;
    }
    return this.audio;
  }

  async chime() {
    const context = this.context();
    if (!context) return;
    if (context.state === "suspended") await resume(context);
    if (context.state !== "running") {
      this.onSoundBlocked?.();
      return;
    }
    // Two soft tones, high then lower: the usual "ding-dong" of a lobby.
    const start = context.currentTime + 0.05;
    for (const [offset, frequency] of [[0, 880], [0.42, 660]]) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.35, start + offset + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.9);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.95);
    }
    await sleep(1400);
  }

  // Resolves with how the utterance ended: "speech", "error" or "timeout".
  speak(text, lang) {
    const estimate = 1000 + text.length * 70;
    if (!this.speechOn) return sleep(estimate).then(() => "timeout");
    return new Promise((resolve) => {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = LOCALES[lang] || lang;
      const voice = pickVoice(utterance.lang);
      if (voice) utterance.voice = voice;
      utterance.rate = 0.9;
      let done = false;
      const finish = (via) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(via);
      };
      // No voice for the language, or a browser that never fires `end`: do not wait forever,
      // but wait as long as the words would take, so the next call never cuts in early.
      const timer = setTimeout(() => finish("timeout"), voice ? estimate * 3 : estimate);
      const started = performance.now();
      utterance.onend = () => {
        if (voice) this.learn(text, started);
        finish(voice ? "speech" : "timeout");
      };
      utterance.onerror = () => finish("error");
      if (voice) {
        window.speechSynthesis.speak(utterance);
      }
    });
  }
}

function pickVoice(locale) {
  const voices = window.speechSynthesis.getVoices();
  const language = locale.split("-")[0];
  return voices.find((v) => v.lang === locale)
    || voices.find((v) => v.lang.toLowerCase().startsWith(language))
    || null;
}

// resume() may never settle where there is no audio device (a headless test browser).
function resume(context) {
  return Promise.race([context.resume().catch(() => {}), sleep(300)]);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
