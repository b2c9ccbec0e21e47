// The mobile ticket's service worker: shows a push message ("go to Counter 4", "your turn is
// near") in the ticket's language, and opens or focuses the ticket page when it is tapped.
// The server renders the texts; the tag is the message's own key, so a copy sent again after a
// crash replaces the first notification instead of showing a second one.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { body: event.data ? event.data.text() : "" };
  }
  const shown = self.registration.showNotification(message.title || "", {
    body: message.body || "",
    tag: message.tag,
    lang: message.lang,
    data: { url: message.url || "/" },
    renotify: true,
    requireInteraction: true,
  });
  event.waitUntil(shown.then(() => tellPages({ type: "push-shown", message })));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url || "/", self.location.origin);
  event.waitUntil((async () => {
    const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = pages.find((page) => new URL(page.url).pathname === target.pathname);
    if (open) return open.focus();
    return self.clients.openWindow(target.href);
  })());
});

async function tellPages(note) {
  for (const page of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
    page.postMessage(note);
  }
}
