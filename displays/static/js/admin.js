// The admin page: a client of the admin API (docs/admin.md). Plain forms, one section at a time;
// every list and form is built from the API's answers, every text from the catalogs.
import { boot, Texts } from "./i18n.js";

const BOOT = boot();
const T = new Texts(BOOT.catalogs, BOOT.lang);
const t = (key, values) => T.t(`admin.${key}`, values);
const NAME_LANGS = ["fi", "sv", "en"];
const TOKEN = "queueing_admin_token";
const state = { site: null, sites: [], section: "site", units: [], services: [] };
const $ = (id) => document.getElementById(id);
window.__admin = state;

// ---- talking to the API ----------------------------------------------------------------------
async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN)}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) { signedOut(); throw new Error(t("signed_out")); }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error((data && data.detail) || response.statusText);
    error.field = data && data.field;
    throw error;
  }
  return data;
}
const site = (path = "") => `/api/sites/${encodeURIComponent(state.site)}${path}`;

function say(text, kind = "ok") {
  const message = $("message");
  message.textContent = text;
  message.dataset.kind = kind;
}

// ---- building the page -----------------------------------------------------------------------
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

let uid = 0;
function field(label, input, hint) {
  input.id = input.id || `f${uid++}`;
  return el("div", { class: "a-field" }, el("label", { for: input.id, text: label }), input,
    hint ? el("p", { class: "hint", text: hint }) : null);
}
const input = (name, value = "", attrs = {}) => el("input", { name, value: value ?? "", ...attrs });
function select(name, options, chosen) {
  return el("select", { name }, options.map(([value, label]) =>
    el("option", { value, selected: value === chosen, text: label })));
}
function checks(name, options, chosen = []) {
  return el("fieldset", { class: "a-checks", "data-name": name }, el("legend", { text: t(`field.${name}`) }),
    options.map(([value, label]) => el("label", {}, el("input", { type: "checkbox", value, checked: chosen.includes(value) }), label)));
}
const checked = (form, name) => [...form.querySelectorAll(`[data-name="${name}"] input:checked`)].map((i) => i.value);
const names = (prefix, value = {}) => NAME_LANGS.map((lang) =>
  field(`${t(`field.${prefix}`)} (${T.t(`lang.${lang}`)})`, input(`${prefix}_${lang}`, value[lang], { required: lang === "fi", lang })));
function readNames(form, prefix) {
  const result = {};
  for (const lang of NAME_LANGS) { const v = form.elements[`${prefix}_${lang}`].value.trim(); if (v) result[lang] = v; }
  return result;
}
const label = (names) => (names && (names[BOOT.lang] || names.fi)) || "";

function form(onsubmit, ...children) {
  const node = el("form", { class: "a-form", novalidate: false }, ...children);
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    node.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
    try { await onsubmit(node); } catch (error) { failed(node, error); }
  });
  return node;
}
function failed(node, error) {
  say(error.message, "error");
  const bad = error.field && node && node.querySelector(`[name="${error.field}"], [name^="${error.field}_"], [data-name="${error.field}"]`);
  if (bad) { bad.setAttribute("aria-invalid", "true"); bad.focus?.(); }
}
const buttons = (...list) => el("div", { class: "dialog-actions" }, ...list);
const submit = (text) => el("button", { type: "submit", class: "primary", text });

function table(headers, rows) {
  return el("table", { class: "a-table" },
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, rows));
}
const cell = (...content) => el("td", {}, ...content);
const action = (text, onclick, extra = {}) => el("button", { type: "button", text, onclick, ...extra });

function show(title, ...content) {
  $("panel-title").textContent = title;
  $("panel-body").replaceChildren(...content);
}

// ---- opening hours: a day open in one range, or two with a lunch break between ---------------
function hoursEditor(hours = {}) {
  const perDay = expand(hours);
  const rows = BOOT.days.map((day) => {
    const ranges = perDay[day] || [];
    const [first, second] = [ranges[0] || ["", ""], ranges[1] || ["", ""]];
    const time = (part, value) => el("input", { type: "time", name: `${day}_${part}`, value, "aria-label": `${t(`day.${day}`)}: ${t(`hours.${part}`)}` });
    return el("tr", {}, el("th", { scope: "row", text: t(`day.${day}`) }),
      cell(time("open", first[0])), cell(time("lunch_from", second[0] ? first[1] : "")),
      cell(time("lunch_to", second[0])), cell(time("close", midnight(second[1] || first[1]))));
  });
  return el("fieldset", { class: "a-hours", "data-name": "opening_hours" }, el("legend", { text: t("field.opening_hours") }),
    el("p", { class: "hint", text: t("hours.hint") }),
    table([t("hours.day"), t("hours.open"), t("hours.lunch_from"), t("hours.lunch_to"), t("hours.close")], rows));
}
// A time field has no 24:00: closing at 00:00 is closing at midnight.
const midnight = (time) => (time === "24:00" ? "00:00" : time);

function expand(hours) {
  const result = {};
  for (const [key, value] of Object.entries(hours)) {
    const [a, b] = key.split("-");
    const from = BOOT.days.indexOf(a), to = BOOT.days.indexOf(b || a);
    for (let i = from; i <= to; i++) {
      result[BOOT.days[i]] = value.trim().toLowerCase() === "closed" ? [] : value.split(",").map((r) => r.trim().split("-"));
    }
  }
  return result;
}
function readHours(node) {
  const value = (day, part) => node.elements[`${day}_${part}`].value;
  const days = BOOT.days.map((day) => {
    const [open, shut, lunchFrom, lunchTo] = ["open", "close", "lunch_from", "lunch_to"].map((p) => value(day, p));
    if (!open || !shut) return "closed";
    const close = shut === "00:00" ? "24:00" : shut;
    return lunchFrom && lunchTo ? `${open}-${lunchFrom}, ${lunchTo}-${close}` : `${open}-${close}`;
  });
  // Days in a row with the same hours are one entry ("mon-fri"), as people write the file.
  const result = {};
  for (let i = 0; i < days.length;) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === days[i]) j++;
    result[i === j ? BOOT.days[i] : `${BOOT.days[i]}-${BOOT.days[j]}`] = days[i];
    i = j + 1;
  }
  // No hours on any day: the file's `{}`, open round the clock.
  return Object.values(result).every((v) => v === "closed") ? {} : result;
}

// ---- sections --------------------------------------------------------------------------------
const SECTIONS = {
  async site() {
    const s = await api("GET", site("/settings"));
    show(t("section.site"), form(async (node) => {
      const languages = node.elements.languages.value.split(",").map((l) => l.trim()).filter(Boolean);
      await api("PATCH", site(), { name: readNames(node, "name"), timezone: node.elements.timezone.value.trim(), languages });
      await loadSites();
      say(t("saved"));
    }, field(t("field.slug"), input("slug", s.slug, { disabled: true })), ...names("name", s.name),
    field(t("field.timezone"), input("timezone", s.timezone, { required: true })),
    field(t("field.languages"), input("languages", s.languages.join(", ")), t("languages.hint")),
    buttons(submit(t("save")))));
  },

  async units() {
    state.units = await api("GET", site("/units"));
    const rows = state.units.map((u) => el("tr", { "data-slug": u.slug }, cell(u.slug), cell(label(u.name)),
      cell(action(t("edit"), () => unitForm(u)), " ", removeButton(`/units/${u.slug}`, u.slug))));
    show(t("section.units"), table([t("field.slug"), t("field.name"), ""], rows), el("h3", { text: t("add.unit") }), unitForm());
  },

  async services() {
    [state.units, state.services] = await Promise.all([api("GET", site("/units")), api("GET", site("/services"))]);
    const rows = state.services.map((s) => el("tr", { "data-slug": s.slug }, cell(s.prefix), cell(s.slug), cell(label(s.name)),
      cell(s.unit), cell(s.target), cell(action(t("edit"), () => serviceForm(s)), " ", removeButton(`/services/${s.slug}`, s.slug))));
    show(t("section.services"), table([t("field.prefix"), t("field.slug"), t("field.name"), t("field.unit"), t("field.target"), ""], rows),
      el("div", { id: "service-editor" }, el("h3", { text: t("add.service") }), serviceForm()));
  },

  async points() {
    const [units, services, points] = await Promise.all([api("GET", site("/units")), api("GET", site("/services")), api("GET", site("/service-points"))]);
    Object.assign(state, { units, services });
    const rows = points.map((p) => el("tr", { "data-slug": p.slug }, cell(p.slug), cell(label(p.label)), cell(p.unit), cell(p.profile.join(", ")),
      cell(action(t("edit"), () => pointForm(p)), " ", removeButton(`/service-points/${p.slug}`, p.slug))));
    show(t("section.points"), table([t("field.slug"), t("field.label"), t("field.unit"), t("field.profile"), ""], rows),
      el("div", { id: "point-editor" }, el("h3", { text: t("add.point") }), pointForm()));
  },

  async agreements() {
    const [units, services, agreements] = await Promise.all([api("GET", site("/units")), api("GET", site("/services")), api("GET", site("/serving-agreements"))]);
    Object.assign(state, { units, services });
    const rows = agreements.map((a) => el("tr", { "data-unit": a.unit }, cell(a.unit), cell(a.services.join(", ")),
      cell(action(t("edit"), () => agreementForm(a)), " ", removeButton(`/serving-agreements/${a.unit}`, a.unit))));
    show(t("section.agreements"), el("p", { class: "hint", text: t("agreements.hint") }), table([t("field.unit"), t("field.services"), ""], rows),
      el("div", { id: "agreement-editor" }, el("h3", { text: t("add.agreement") }), agreementForm()));
  },

  async users() {
    const [units, users] = await Promise.all([api("GET", site("/units")), api("GET", site("/users"))]);
    state.units = units;
    const rows = users.map((u) => el("tr", { "data-username": u.username }, cell(u.username), cell(t(`role.${u.role}`)), cell(u.units.join(", ")),
      cell(t(u.active ? "active" : "disabled")),
      cell(action(t("reset_password"), () => resetForm(u)), " ",
        action(t(u.active ? "disable" : "enable"), () => patchUser(u.username, { active: !u.active })), " ",
        removeButton(`/users/${u.username}`, u.username))));
    show(t("section.users"), table([t("field.username"), t("field.role"), t("field.units"), t("field.state"), ""], rows),
      el("div", { id: "user-editor" }, el("h3", { text: t("add.user") }), userForm()));
  },

  async displays() {
    const displays = await api("GET", site("/displays"));
    const rows = displays.map((d) => el("tr", { "data-name": d.name }, cell(d.name), cell(t(d.public ? "public" : "with_token")),
      cell(el("a", { href: `/sites/${state.site}/lobby?display=${encodeURIComponent(d.name)}`, text: t("open") })),
      cell(action(t("new_token"), () => displayToken(d.name)), " ", removeButton(`/displays/${d.name}`, d.name))));
    show(t("section.displays"), table([t("field.display_name"), t("field.access"), "", ""], rows), el("h3", { text: t("add.display") }),
      form(async (node) => {
        const name = node.elements.display_name.value.trim();
        await api("PUT", site(`/displays/${encodeURIComponent(name)}`), { public: node.elements.public.checked });
        await SECTIONS.displays(); say(t("saved"));
      }, field(t("field.display_name"), input("display_name", "", { required: true, pattern: "[a-z0-9-]+" }), t("slug.hint")),
      el("label", { class: "a-check" }, el("input", { type: "checkbox", name: "public", checked: true }), t("public")),
      buttons(submit(t("add.display")))), el("div", { id: "token-shown" }));
  },

  async devices() {
    const devices = await api("GET", site("/devices"));
    const rows = devices.map((d) => el("tr", { "data-id": d.id }, cell(t(`kind.${d.kind}`)), cell(d.label), cell(t(d.revoked ? "revoked" : "active")),
      cell(d.revoked ? null : action(t("revoke"), async () => { await api("POST", site(`/devices/${d.id}/revoke`)); await SECTIONS.devices(); say(t("revoked")); }))));
    show(t("section.devices"), el("p", { class: "hint", text: t("devices.hint") }), table([t("field.kind"), t("field.device_label"), t("field.state"), ""], rows),
      el("h3", { text: t("add.device") }), form(async (node) => {
        const made = await api("POST", site("/devices"), { kind: node.elements.kind.value, label: node.elements.device_label.value });
        await SECTIONS.devices(); tokenShown(made.token);
      }, field(t("field.kind"), select("kind", [["kiosk", t("kind.kiosk")], ["guide", t("kind.guide")]], "kiosk")),
      field(t("field.device_label"), input("device_label", "")), buttons(submit(t("add.device")))), el("div", { id: "token-shown" }));
  },

  async "new-site"() {
    show(t("section.new-site"), el("p", { class: "hint", text: t("new_site.hint") }), form(async (node) => {
      const slug = node.elements.slug.value.trim();
      await api("POST", "/api/sites", { slug, name: readNames(node, "name"), timezone: node.elements.timezone.value.trim() });
      await loadSites(); await choose(slug, "units");
    }, field(t("field.slug"), input("slug", "", { required: true, pattern: "[a-z0-9-]+" }), t("slug.hint")), ...names("name"),
    field(t("field.timezone"), input("timezone", "Europe/Helsinki", { required: true })), buttons(submit(t("create_site")))));
  },
};

function removeButton(path, what) {
  return action(t("remove"), async () => {
    if (!window.confirm(t("confirm_remove", { what }))) return;
    try { await api("DELETE", site(path)); await SECTIONS[state.section](); say(t("removed", { what })); } catch (error) { failed(null, error); }
  }, { class: "danger" });
}

async function saved(method, path, body, section) {
  await api(method, site(path), body);
  await SECTIONS[section]();  // the list first: "saved" is said when what was saved is shown
  say(t("saved"));
}

function unitForm(unit) {
  const node = form((f) => saved(unit ? "PATCH" : "POST", unit ? `/units/${unit.slug}` : "/units",
    unit ? { name: readNames(f, "name") } : { slug: f.elements.slug.value.trim(), name: readNames(f, "name") }, "units"),
  field(t("field.slug"), input("slug", unit?.slug, { required: true, disabled: !!unit })), ...names("name", unit?.name),
  buttons(submit(unit ? t("save") : t("add.unit"))));
  if (unit) editIn(node, t("edit_named", { what: unit.slug }));
  return node;
}

function serviceForm(s) {
  const [share, minutes] = s ? (s.target.match(/([\d.]+)\s*%\s*within\s*([\d.]+)/) || []).slice(1) : ["80", "15"];
  const node = form(async (f) => {
    const body = {
      unit: f.elements.unit.value, name: readNames(f, "name"), prefix: f.elements.prefix.value.trim().toUpperCase(),
      target: `${f.elements.target_share.value} % within ${f.elements.target_minutes.value} minutes`,
      typical_service_minutes: Number(f.elements.typical_service_minutes.value), accepts: f.elements.accepts.value,
      sensitive: f.elements.sensitive.checked, opening_hours: readHours(f),
    };
    const neutral = f.elements.neutral_fi.value.trim();
    body.neutral_label = neutral ? { fi: neutral } : null;
    if (!s) body.slug = f.elements.slug.value.trim();
    await saved(s ? "PATCH" : "POST", s ? `/services/${s.slug}` : "/services", body, "services");
  },
  field(t("field.slug"), input("slug", s?.slug, { required: true, disabled: !!s }), t("slug.hint")),
  field(t("field.unit"), select("unit", state.units.map((u) => [u.slug, label(u.name)]), s?.unit)), ...names("name", s?.name),
  field(t("field.prefix"), input("prefix", s?.prefix, { required: true, maxlength: 2, size: 3 })),
  el("div", { class: "a-row" }, field(t("field.target_share"), input("target_share", share, { type: "number", min: 1, max: 100 })),
    field(t("field.target_minutes"), input("target_minutes", minutes, { type: "number", min: 1 }))),
  field(t("field.typical_service_minutes"), input("typical_service_minutes", s?.typical_service_minutes ?? 10, { type: "number", min: 1, step: "any" })),
  field(t("field.accepts"), select("accepts", ["walk-in", "appointment", "both"].map((a) => [a, t(`accepts.${a}`)]), s?.accepts || "walk-in")),
  el("label", { class: "a-check" }, el("input", { type: "checkbox", name: "sensitive", checked: !!s?.sensitive }), t("field.sensitive")),
  field(t("field.neutral_label"), input("neutral_fi", s?.neutral_label?.fi || ""), t("neutral.hint")),
  hoursEditor(s?.opening_hours), buttons(submit(s ? t("save") : t("add.service"))));
  if (s) editIn(node, t("edit_named", { what: s.slug }), "service-editor");
  return node;
}

function pointForm(p) {
  const node = form((f) => {
    const body = { label: readNames(f, "label"), unit: f.elements.unit.value, profile: checked(f, "profile") };
    if (!p) body.slug = f.elements.slug.value.trim();
    return saved(p ? "PATCH" : "POST", p ? `/service-points/${p.slug}` : "/service-points", body, "points");
  },
  field(t("field.slug"), input("slug", p?.slug, { required: true, disabled: !!p }), t("slug.hint")), ...names("label", p?.label),
  field(t("field.unit"), select("unit", state.units.map((u) => [u.slug, label(u.name)]), p?.unit)),
  checks("profile", state.services.map((s) => [s.slug, `${s.prefix} · ${label(s.name)} (${s.unit})`]), p?.profile),
  el("p", { class: "hint", text: t("profile.hint") }), buttons(submit(p ? t("save") : t("add.point"))));
  if (p) editIn(node, t("edit_named", { what: p.slug }), "point-editor");
  return node;
}

function agreementForm(a) {
  const node = form((f) => saved(a ? "PATCH" : "POST", a ? `/serving-agreements/${a.unit}` : "/serving-agreements",
    a ? { services: checked(f, "services") } : { unit: f.elements.unit.value, services: checked(f, "services") }, "agreements"),
  field(t("field.unit"), select("unit", state.units.map((u) => [u.slug, label(u.name)]), a?.unit)),
  checks("services", state.services.map((s) => [s.slug, `${label(s.name)} (${s.unit})`]), a?.services),
  buttons(submit(a ? t("save") : t("add.agreement"))));
  if (a) { node.elements.unit.disabled = true; editIn(node, t("edit_named", { what: a.unit }), "agreement-editor"); }
  return node;
}

function userForm() {
  return form(async (f) => {
    const body = { username: f.elements.username.value.trim(), password: f.elements.new_password.value, role: f.elements.role.value, units: checked(f, "units") };
    await api("POST", site("/users"), body); await SECTIONS.users(); say(t("saved"));
  },
  field(t("field.username"), input("username", "", { required: true, autocomplete: "off" })),
  field(t("field.password"), input("new_password", "", { type: "password", required: true, minlength: 10, autocomplete: "new-password" }), t("password.hint")),
  field(t("field.role"), select("role", ["staff", "manager", "guide", "admin"].map((r) => [r, t(`role.${r}`)]), "staff")),
  checks("units", state.units.map((u) => [u.slug, label(u.name)])), buttons(submit(t("add.user"))));
}

function resetForm(user) {
  const node = form(async (f) => { await patchUser(user.username, { password: f.elements.new_password.value }); },
    field(t("field.password"), input("new_password", "", { type: "password", required: true, minlength: 10, autocomplete: "new-password" }), t("password.hint")),
    buttons(submit(t("reset_password"))));
  editIn(node, t("reset_named", { what: user.username }), "user-editor");
}

async function patchUser(username, body) {
  try { await api("PATCH", site(`/users/${username}`), body); await SECTIONS.users(); say(t("saved")); } catch (error) { failed(null, error); }
}

async function displayToken(name) {
  const made = await api("POST", site(`/displays/${encodeURIComponent(name)}/tokens`), { label: name });
  tokenShown(made.token);
}

function tokenShown(token) {
  const box = $("token-shown");
  box.replaceChildren(el("p", { text: t("token_once") }), el("output", { class: "a-token", id: "new-token", text: token }));
  box.querySelector("output").focus?.();
}

function editIn(node, title, holder) {
  const target = holder ? $(holder) : $("panel-body");
  target.replaceChildren(el("h3", { text: title, tabindex: "-1" }), node);
  target.querySelector("h3").focus({ preventScroll: true });
  target.scrollIntoView({ block: "start" });
}

// ---- signing in, choosing a site and a section -------------------------------------------------
async function loadSites() {
  // The sites this account administers or manages: those whose settings it may read (a city has
  // a handful; the API decides, the page only asks).
  const all = await api("GET", "/api/sites");
  const readable = await Promise.all(all.map((s) => api("GET", `/api/sites/${encodeURIComponent(s.slug)}/settings`).then(() => true, () => false)));
  state.sites = all.filter((_, i) => readable[i]);
  const picker = $("site-picker");
  picker.replaceChildren(...state.sites.map((s) => el("option", { value: s.slug, text: label(s.names) || s.slug })));
  picker.hidden = state.sites.length === 0;
  if (state.site) picker.value = state.site;
}

async function choose(slug, section) {
  state.site = slug || state.site || state.sites[0]?.slug || null;
  state.section = state.site ? section || state.section : "new-site";
  if (state.site) $("site-picker").value = state.site;
  document.querySelectorAll(".a-nav a").forEach((a) => a.toggleAttribute("aria-current", a.dataset.section === state.section));
  say("");
  try { await SECTIONS[state.section](); } catch (error) { failed(null, error); }
  $("panel-title").focus();
  document.body.dataset.section = state.section;
}

async function signedIn(username) {
  $("sign-in").hidden = true;
  $("workspace").hidden = false;
  $("sign-out").hidden = false;
  $("who").hidden = false;
  $("who").textContent = username || sessionStorage.getItem(`${TOKEN}_user`) || "";
  await loadSites();
  const wanted = new URLSearchParams(location.hash.slice(1));
  await choose(wanted.get("site"), wanted.get("section") || "site");
}

function signedOut() {
  sessionStorage.removeItem(TOKEN);
  $("workspace").hidden = true;
  $("sign-out").hidden = true;
  $("who").hidden = true;
  $("site-picker").hidden = true;
  $("sign-in").hidden = false;
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { username: $("username").value, password: $("password").value };
  const response = await fetch("/api/auth/token", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const error = $("sign-in-error");
  if (!response.ok) {
    error.textContent = T.t(response.status === 429 ? "staff.sign_in_locked" : "staff.sign_in_failed", { seconds: response.headers.get("Retry-After") || "" });
    error.hidden = false;
    return;
  }
  error.hidden = true;
  sessionStorage.setItem(TOKEN, (await response.json()).access_token);
  sessionStorage.setItem(`${TOKEN}_user`, body.username);
  $("password").value = "";
  await signedIn(body.username);
});

$("sign-out").addEventListener("click", async () => {
  try { await api("POST", "/api/auth/sign-out"); } catch { /* signed out either way */ }
  signedOut();
});
$("site-picker").addEventListener("change", (event) => choose(event.target.value, state.section === "new-site" ? "site" : state.section));
document.querySelector(".a-nav").addEventListener("click", (event) => {
  const link = event.target.closest("a[data-section]");
  if (!link) return;
  event.preventDefault();
  history.replaceState(null, "", `#site=${state.site || ""}&section=${link.dataset.section}`);
  choose(state.site, link.dataset.section);
});

if (sessionStorage.getItem(TOKEN)) signedIn().catch(() => signedOut());
