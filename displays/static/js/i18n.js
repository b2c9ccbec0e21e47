// Texts and times for the pages: the server's catalogs, the site's time zone (Invariant 7).
export const LOCALES = { fi: "fi-FI", sv: "sv-FI", en: "en-GB" };
// Intl formats dates in the person's language but with Western digits everywhere: ticket
// numbers, clocks and waits must read the same as on the printed ticket and the lobby screen.
const DIGITS = "-u-nu-latn";

export function boot() {
  return JSON.parse(document.getElementById("boot").textContent);
}

// "rtl" for Arabic and other right-to-left languages; the server sends each site language's.
export function direction(lang, directions = {}) {
  if (directions[lang]) return directions[lang];
  return ["ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"].includes(lang.split("-")[0]) ? "rtl" : "ltr";
}

// The page's language and direction on <html>: readers, fonts and CSS logical properties follow it.
export function setPageLanguage(lang, directions = {}) {
  document.documentElement.lang = lang;
  document.documentElement.dir = direction(lang, directions);
}

export class Texts {
  // `first`: the site's first language, which a text missing in `lang` falls back to.
  constructor(catalogs, lang, first = "fi") {
    this.catalogs = catalogs;
    this.lang = lang;
    this.first = first;
  }

  // The key's plural form ("ticket.ahead#few") by the language's CLDR rules, if the catalog has it.
  pluralKey(key, values, lang) {
    if (typeof values.n !== "number") return key;
    let form;
    try { form = new Intl.PluralRules(lang).select(values.n); } catch { return key; }
    return `${key}#${form}` in (this.catalogs[lang] || {}) ? `${key}#${form}` : key;
  }

  // [text template, the language it is in]: `lang`'s, else the site's first, else Finnish.
  lookup(key, lang = this.lang) {
    for (const candidate of [lang, this.first, "fi"]) {
      const template = (this.catalogs[candidate] || {})[key];
      if (template) return [template, candidate];
    }
    return [key, lang];
  }

  t(key, values = {}, lang = this.lang) {
    const [template] = this.lookup(this.pluralKey(key, values, lang), lang);
    return template.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
  }

  // Set `el`'s text, marking it with the language it is really in when that is a fallback.
  put(el, key, values = {}, lang = this.lang) {
    el.textContent = this.t(key, values, lang);
    markLanguage(el, this.lookup(this.pluralKey(key, values, lang), lang)[1], lang);
  }

  // Fill every [data-i18n] element under `root` in `lang`, and mark the language for readers.
  apply(root = document, lang = this.lang) {
    for (const el of root.querySelectorAll("[data-i18n]")) {
      this.put(el, el.dataset.i18n, {}, lang);
    }
    for (const el of root.querySelectorAll("[data-i18n-label]")) {
      el.setAttribute("aria-label", this.t(el.dataset.i18nLabel, {}, lang));
    }
    for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
      el.setAttribute("placeholder", this.t(el.dataset.i18nPlaceholder, {}, lang));
    }
  }
}

// A fallback text gets its own `lang` (screen readers pronounce it right); others inherit the page's.
export function markLanguage(el, textLang, pageLang) {
  if (textLang !== pageLang) {
    el.lang = textLang;
    el.dataset.fallback = "true";
  } else if (el.dataset.fallback) {
    el.removeAttribute("lang");
    delete el.dataset.fallback;
  }
}

// [label, its language] from a {fi, sv, en, ...} map: `lang`'s, else the site's first, else any.
export function labelIn(labels, lang, first = "fi") {
  if (!labels) return ["", lang];
  for (const candidate of [lang, first, "fi"]) {
    if (labels[candidate]) return [labels[candidate], candidate];
  }
  const [code, label] = Object.entries(labels)[0] || [lang, ""];
  return [label, code];
}

export function pickLabel(labels, lang, first = "fi") {
  return labelIn(labels, lang, first)[0];
}

// Set `el`'s text to a name from a labels map, marked with its language when it is a fallback.
export function putLabel(el, labels, lang, first = "fi") {
  const [label, labelLang] = labelIn(labels, lang, first);
  el.textContent = label;
  markLanguage(el, labelLang, lang);
}

export function clockTime(date, timeZone, lang) {
  return new Intl.DateTimeFormat((LOCALES[lang] || lang) + DIGITS, {
    timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).format(date);
}

export function dateText(date, timeZone, lang) {
  return new Intl.DateTimeFormat((LOCALES[lang] || lang) + DIGITS, {
    timeZone, weekday: "long", day: "numeric", month: "long",
  }).format(date);
}

// When a closed line opens, as a lobby says it: "16:00" today, "Mon 08:00" within the week
// (a long weekday with `long`), with the date beyond it ("Mon 14.12. 08:00"), so a closure of
// some days never reads as this week. Dates and times are the site's, in the screen's language.
export function openingText(moment, timeZone, lang, { long = false, now = new Date() } = {}) {
  const locale = (LOCALES[lang] || lang) + DIGITS;
  const day = (d) => d.toLocaleDateString("en-CA", { timeZone });
  const time = clockTime(moment, timeZone, lang);
  if (day(moment) === day(now)) return time;
  const days = (Date.parse(day(moment)) - Date.parse(day(now))) / 86_400_000;
  const options = { timeZone, weekday: long ? "long" : "short" };
  if (days > 6) Object.assign(options, { day: "numeric", month: "numeric" });
  return `${new Intl.DateTimeFormat(locale, options).format(moment)} ${time}`;
}

// "about 15 min": estimates are rough, so the text says so; long ones round to 5 minutes.
export function waitText(texts, seconds, lang) {
  if (seconds === null || seconds === undefined) return texts.t("no_estimate", {}, lang);
  if (seconds < 60) return texts.t("under_minute", {}, lang);
  let minutes = Math.round(seconds / 60);
  if (minutes > 20) minutes = Math.round(minutes / 5) * 5;
  return texts.t("about_minutes", { n: minutes }, lang);
}

// "about 12 min (usually 8–18 min)": the range the estimate promises to hold for most customers,
// shown where there is room for it (the ticket on a phone or from the kiosk).
export function waitWithRange(texts, seconds, range, lang) {
  const about = waitText(texts, seconds, lang);
  if (!range || seconds === null || seconds === undefined) return about;
  const low = Math.floor(range[0] / 60);
  const high = Math.max(Math.ceil(range[1] / 60), low + 1);
  if (high < 2) return about;
  return `${about} (${texts.t("usually_range", { low, high }, lang)})`;
}

// What speech synthesis should say for a number: "K 17" reads naturally in every language; a
// two-letter prefix is spelt letter by letter ("R K 3"), never read as a word.
export function spokenNumber(number) {
  const match = /^([A-Z]+)0*(\d+)$/.exec(number || "");
  return match ? `${match[1].split("").join(" ")} ${match[2]}` : number;
}
