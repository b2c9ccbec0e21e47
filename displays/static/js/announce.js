// The announcement queue: a chime, then the call spoken in each language, one call at a time.
//
// Calls can arrive in the same second from two counters; speaking them over each other, or
// cancelling one for the next, is how people miss their turn. So every call waits for the one
// before to finish: each utterance's `end` event, or a timeout when the browser has no voice for
// a language (headless Chromium often has none), so the queue can never stall.
//
// window.__announcements is the queue's log, for tests and for staff checking a screen.
import { pickLabel, spokenNumber, LOCALES } from "./i18n.js";

window.__announcements = window.__announcements || [];

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
      document.documentElement.dataset.announcing = call.number;
      if (this.chimeOn) await this.chime();
      for (const lang of this.languages) {
        const text = this.texts.t("lobby.speech", {
          number: spokenNumber(call.number),
          point: pickLabel(call.service_point_labels, lang),
        }, lang);
        entry.parts.push({ lang, text, via: await this.speak(text, lang) });
      }
      entry.endedAt = performance.now();
      delete document.documentElement.dataset.announcing;
    }
    this.running = false;
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
      utterance.onend = () => finish(voice ? "speech" : "timeout");
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
