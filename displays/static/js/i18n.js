// Texts and times for the pages: the server's catalogs, the site's time zone (Invariant 7).
export const LOCALES = { fi: "fi-FI", sv: "sv-FI", en: "en-GB" };

export function boot() {
  return JSON.parse(document.getElementById("boot").textContent);
}

export class Texts {
  constructor(catalogs, lang) {
    this.catalogs = catalogs;
    this.lang = lang;
  }

  t(key, values = {}, lang = this.lang) {
    const template = (this.catalogs[lang] || {})[key] ?? (this.catalogs.fi || {})[key] ?? key;
    return template.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
  }

  // Fill every [data-i18n] element under `root` in `lang`, and mark the language for readers.
  apply(root = document, lang = this.lang) {
    for (const el of root.querySelectorAll("[data-i18n]")) {
      el.textContent = this.t(el.dataset.i18n, {}, lang);
    }
    for (const el of root.querySelectorAll("[data-i18n-label]")) {
      el.setAttribute("aria-label", this.t(el.dataset.i18nLabel, {}, lang));
    }
    for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
      el.setAttribute("placeholder", this.t(el.dataset.i18nPlaceholder, {}, lang));
    }
  }
}

// A label from a {fi, sv, en} map, falling back to Finnish, then to anything there is.
export function pickLabel(labels, lang) {
  if (!labels) return "";
  return labels[lang] || labels.fi || Object.values(labels)[0] || "";
}

export function clockTime(date, timeZone, lang) {
  return new Intl.DateTimeFormat(LOCALES[lang] || lang, {
    timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).format(date);
}

export function dateText(date, timeZone, lang) {
  return new Intl.DateTimeFormat(LOCALES[lang] || lang, {
    timeZone, weekday: "long", day: "numeric", month: "long",
  }).format(date);
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

// What speech synthesis should say for a number: "K 17" reads naturally in every language.
export function spokenNumber(number) {
  const match = /^([A-Z]+)0*(\d+)$/.exec(number || "");
  return match ? `${match[1]} ${match[2]}` : number;
}
