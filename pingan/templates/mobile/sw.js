{% autoescape off %}/*
 * Service worker of the grid worker app (scope /m/), shell version {{ version }}.
 * - install: precache the pages, manifest, static files and the category list;
 * - GET /api/…: network first, the last good answer from the cache when offline; answers
 *   marked `Cache-Control: no-store` (visit photos, the people/houses snapshot, which the
 *   pages keep in IndexedDB themselves) are never stored;
 * - pages: network first, cached copy (or the 我的网格 shell) when offline;
 * - static files: cache first;
 * - Background Sync "pingan-outbox": send the outbox (queue.js) without an open page.
 * POSTs are never intercepted: the pages queue them in IndexedDB before sending.
 */
"use strict";
importScripts({{ idb_url }}, {{ queue_url }});

const VERSION = "{{ version }}";
const SHELL_CACHE = "pingan-shell-" + VERSION;
const API_CACHE = "pingan-api";
const PRECACHE = {{ precache }};
const SHELL_URL = {{ shell_url }};
const SYNC_TAG = "pingan-outbox";

async function precache() {
  const cache = await caches.open(SHELL_CACHE);
  await Promise.all(PRECACHE.map(async function (url) {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "reload" });
      // A redirect means the session ended (login page): never store it under a shell URL.
      if (storable(response)) await cache.put(url, response);
    } catch (e) {
      /* offline during install: the page is cached on its next visit */
    }
  }));
}

self.addEventListener("install", function (event) {
  event.waitUntil(precache().then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    const names = await caches.keys();
    await Promise.all(names.filter(function (name) {
      return name.indexOf("pingan-shell-") === 0 && name !== SHELL_CACHE;
    }).map(function (name) { return caches.delete(name); }));
    await self.clients.claim();
  })());
});

function storable(response) {
  const control = response.headers.get("Cache-Control") || "";
  return response.ok && !response.redirected && control.indexOf("no-store") === -1;
}

async function networkFirst(request, cacheName, fallbackUrl) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (storable(response)) await cache.put(request, response.clone());
    return response;
  } catch (e) {
    // ignoreVary: DRF answers vary on Accept/Cookie, but a cached answer for this URL is
    // this user's (the caches are emptied when another person signs in on the phone).
    const options = { ignoreVary: true };
    const cached =
      (await caches.match(request, options)) ||
      (fallbackUrl && (await caches.match(fallbackUrl, options)));
    if (cached) return cached;
    return new Response(JSON.stringify({ detail: "当前离线，且没有缓存的数据。" }), {
      status: 503,
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) (await caches.open(SHELL_CACHE)).put(request, response.clone());
  return response;
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/api/") === 0) {
    event.respondWith(networkFirst(request, API_CACHE, null));
  } else if (request.mode === "navigate" || url.pathname.indexOf("/m/") === 0) {
    event.respondWith(networkFirst(request, SHELL_CACHE, SHELL_URL));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(cacheFirst(request));
  }
});

async function syncOutbox() {
  const store = await PinganIdb.open();
  const session = await store.getMeta("session");
  if (!session) return;
  const queue = PinganQueue.createQueue({
    store: store,
    fetch: fetch.bind(self),
    uuid: function () { return self.crypto.randomUUID(); },
    owner: session.owner,
    csrfToken: function () { return session.csrf; },
  });
  const result = await queue.sync({ force: true });
  const pages = await self.clients.matchAll({ type: "window" });
  pages.forEach(function (page) { page.postMessage({ type: "outbox", sent: result.sent.length }); });
  // Rejecting asks the browser to fire the sync event again later.
  if (result.retry.length) throw new Error("outbox not empty");
}

self.addEventListener("sync", function (event) {
  if (event.tag === SYNC_TAG) event.waitUntil(syncOutbox());
});

self.addEventListener("message", function (event) {
  const data = event.data || {};
  if (data.type === "reset-caches") {
    // Another person signed in on this phone: drop the previous person's pages and data.
    event.waitUntil((async function () {
      await caches.delete(API_CACHE);
      await caches.delete(SHELL_CACHE);
      await precache();
    })());
  }
});
{% endautoescape %}
