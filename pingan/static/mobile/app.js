/*
 * Page side of the grid worker app: service worker registration, the outbox (IndexedDB +
 * queue.js), the sync loop (on load, on `online`, after each enqueue, on a backoff timer,
 * and Background Sync when the browser has it) and the outbox badge/list.
 * Pages use `PinganApp.ready.then(app => app.enqueue(...))`.
 */
(function () {
  "use strict";
  const SYNC_TAG = "pingan-outbox";
  const body = document.body;
  const owner = body.dataset.owner;
  const csrf = body.dataset.csrf;
  let queue = null;
  let store = null;
  let timer = null;
  const listeners = [];
  const KIND_LABELS = { event: "事件：", action: "办理：", person: "新增人员：", visit: "走访：" };

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    // randomUUID needs a secure context; getRandomValues does not (plain-HTTP intranets).
    const b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function showNet() {
    const el = document.getElementById("net-state");
    if (!el) return;
    el.textContent = navigator.onLine ? el.dataset.online : el.dataset.offline;
    el.classList.toggle("offline", !navigator.onLine);
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function render() {
    if (!queue) return;
    const items = await queue.list();
    const pending = items.filter(function (i) { return i.status === "pending"; });
    const failed = items.filter(function (i) { return i.status === "failed"; });
    const badge = document.getElementById("outbox-badge");
    if (badge) {
      badge.hidden = items.length === 0;
      badge.textContent = "待发送 " + pending.length + (failed.length ? " · 失败 " + failed.length : "");
      badge.classList.toggle("danger", failed.length > 0);
    }
    document.querySelectorAll("[data-outbox-count]").forEach(function (node) {
      node.textContent = String(node.dataset.outboxCount === "failed" ? failed.length : pending.length);
    });
    document.querySelectorAll("[data-outbox-empty]").forEach(function (node) { node.hidden = items.length > 0; });
    document.querySelectorAll("[data-outbox-list]").forEach(function (list) {
      list.textContent = "";
      items.forEach(function (item) {
        const li = el("li", "outbox-item " + item.status);
        li.appendChild(el("strong", "", (KIND_LABELS[item.kind] || "") + item.label));
        if (item.phase === "files") li.appendChild(el("span", "muted", "记录已保存，照片待上传"));
        li.appendChild(el("span", "muted", new Date(item.createdAt).toLocaleString("zh-CN")));
        if (item.files && item.files.length) li.appendChild(el("span", "muted", "照片 " + item.files.length + " 张"));
        li.appendChild(el("span", "state", item.status === "failed" ? "发送失败" : "待发送"));
        if (item.error) li.appendChild(el("p", item.status === "failed" ? "field-error" : "muted", item.error));
        if (item.status === "failed") {
          const retry = el("button", "button secondary small", "重新发送");
          retry.type = "button";
          retry.addEventListener("click", async function () { await queue.retry(item.id); sync(true); });
          const drop = el("button", "button danger small", "删除");
          drop.type = "button";
          drop.addEventListener("click", async function () {
            if (window.confirm("删除后这条内容不会再发送，确定删除？")) { await queue.discard(item.id); render(); }
          });
          li.appendChild(retry);
          li.appendChild(drop);
        }
        list.appendChild(li);
      });
    });
  }

  function runExclusive(fn) {
    // One sync at a time across tabs; the queue itself guards within one page.
    if (navigator.locks && navigator.locks.request) return navigator.locks.request(SYNC_TAG, fn);
    return fn();
  }

  async function sync(force) {
    if (!queue) return null;
    const result = await runExclusive(function () { return queue.sync({ force: !!force }); });
    document.getElementById("auth-banner").hidden = !result.auth;
    clearTimeout(timer);
    if (result.nextDue !== null) {
      timer = setTimeout(function () { sync(false); }, Math.max(1000, result.nextDue - Date.now()));
    }
    await render();
    listeners.forEach(function (fn) { fn(result); });
    return result;
  }

  async function requestBackgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    try {
      const registration = await navigator.serviceWorker.ready;
      if (registration.sync) await registration.sync.register(SYNC_TAG);
    } catch (e) {
      /* not supported or not permitted: the page's own loop still runs */
    }
  }

  async function enqueue(spec) {
    const item = await queue.enqueue(spec);
    await render();
    requestBackgroundSync();
    sync(true);
    return item;
  }

  async function start() {
    store = await window.PinganIdb.open();
    const previous = await store.getMeta("session");
    await store.setMeta("session", { owner: owner, csrf: csrf });
    if (previous && previous.owner !== owner) {
      // Another person signed in on this phone: drop the previous person's offline data.
      await store.clearData();
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "reset-caches" });
      }
    }
    queue = window.PinganQueue.createQueue({
      store: store,
      fetch: window.fetch.bind(window),
      uuid: uuid,
      owner: owner,
      csrfToken: function () { return csrf; },
    });
    document.querySelectorAll("[data-outbox-sync]").forEach(function (button) {
      button.addEventListener("click", function () { sync(true); });
    });
    window.addEventListener("online", function () { showNet(); sync(true); });
    window.addEventListener("offline", showNet);
    if (navigator.serviceWorker) {
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "outbox") render();
      });
    }
    showNet();
    await render();
    sync(false);
    return api;
  }

  const api = {
    enqueue: enqueue,
    sync: sync,
    render: render,
    owner: owner,
    onSync: function (fn) { listeners.push(fn); },
    store: function () { return store; },
  };

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope }).catch(function () {
      /* no secure context (plain HTTP): the app still works online, without the offline shell */
    });
  }
  window.PinganApp = { ready: start() };
})();
