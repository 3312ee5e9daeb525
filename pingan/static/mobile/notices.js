/*
 * 消息 in the grid worker app: the unread badge in the header of every page, and the 消息 page.
 *
 * The service worker serves pages from its cache when the phone is offline, so a page may carry
 * an old unread count. Every page stores the count it was rendered with and the server time of
 * rendering (localStorage, per account); a page older than the newest one seen is a cached copy
 * and shows the newer count. Nothing here needs the network, so the badge never breaks an
 * offline page.
 *
 * On the 消息 page, tapping a message or "全部已读" posts through fetch (asking for JSON), so
 * that offline the page says so (or opens the message's page from the cache, leaving it unread)
 * instead of showing the browser's error page. Without this script the forms post normally.
 *
 * The logic is pure (storage and fetch injected) so it also runs under `node --test`.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else {
    root.PinganNotices = api;
    api.start(root);
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const KEY = "pingan-notify-badge:";

  /** {label, at} of the newest render known: the stored one when it is newer than this page. */
  function newest(stored, page) {
    if (stored && typeof stored.at === "number" && typeof stored.label === "string" && stored.at > page.at) {
      return { state: stored, cached: true };
    }
    return { state: page, cached: false };
  }

  function read(storage, owner) {
    try {
      return JSON.parse(storage.getItem(KEY + owner));
    } catch (e) {
      return null; // storage disabled (private mode) or unreadable: use the page's own count
    }
  }

  function write(storage, owner, state) {
    try {
      // One account per phone at a time: forget the previous person's count.
      for (let i = storage.length - 1; i >= 0; i -= 1) {
        const key = storage.key(i);
        if (key && key.indexOf(KEY) === 0 && key !== KEY + owner) storage.removeItem(key);
      }
      const current = read(storage, owner);
      if (!current || !(current.at > state.at)) storage.setItem(KEY + owner, JSON.stringify(state));
    } catch (e) {
      /* storage full or disabled: the badge still shows this page's count */
    }
  }

  /**
   * Post a read form. Resolves to {kind, result}: "ok" (result: {next, unread, badge, at}),
   * "offline" (no answer at all), "signed-out" (redirected to sign in), "expired" (CSRF
   * token of a cached page no longer valid), "missing" (404) or "failed".
   */
  async function post(fetchFn, action, body) {
    let response;
    try {
      response = await fetchFn(action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        redirect: "manual",
        headers: { Accept: "application/json" },
      });
    } catch (e) {
      return { kind: "offline" };
    }
    if (response.type === "opaqueredirect" || response.status === 401) return { kind: "signed-out" };
    if (response.status === 403) return { kind: "expired" };
    if (response.status === 404) return { kind: "missing" };
    if (!response.ok) return { kind: "failed", status: response.status };
    try {
      return { kind: "ok", result: await response.json() };
    } catch (e) {
      return { kind: "failed", status: response.status };
    }
  }

  // --- page wiring -----------------------------------------------------------------------

  function showBadge(badge, label) {
    const count = badge.querySelector("[data-notify-count]");
    count.textContent = label;
    count.hidden = !label;
    badge.dataset.count = label;
    badge.classList.toggle("has-unread", !!label);
    badge.setAttribute("aria-label", label ? badge.dataset.labelUnread.replace("{n}", label) : badge.dataset.label);
  }

  function wireList(win, ctx) {
    const doc = win.document;
    const box = doc.getElementById("notices");
    if (!box) return;
    const offline = doc.getElementById("notices-offline");
    const cached = doc.getElementById("notices-cached");
    const status = doc.getElementById("notices-status");

    function hint() {
      // `unreachable`: a post got no answer although the browser claims to be online.
      const online = win.navigator.onLine && !ctx.unreachable;
      offline.hidden = online;
      // Online by the browser's account, yet an older copy than one already seen: the
      // network did not answer (or the page came back from history). Offer a reload.
      cached.hidden = !online || !ctx.cached;
    }
    function say(text, kind) {
      status.textContent = text;
      status.className = "banner " + (kind || "");
      status.hidden = !text;
    }

    function markedInPlace(form, result) {
      const li = form.closest("li");
      li.classList.remove("unread");
      li.querySelectorAll("[data-unread-mark]").forEach(function (node) { node.remove(); });
      const button = form.querySelector("button");
      const body = doc.createElement("div");
      body.className = "notice-body";
      while (button.firstChild) body.appendChild(button.firstChild);
      form.replaceWith(body);
      doc.querySelectorAll("[data-unread-total]").forEach(function (node) { node.textContent = String(result.unread); });
      const all = doc.querySelector("form[data-notice-all]");
      if (all && !result.unread) all.remove();
      // Let the service worker store the list as it is now, for the next time offline.
      win.fetch(box.dataset.list, { credentials: "same-origin" }).catch(function () {});
    }

    async function submit(form) {
      say("", "");
      const outcome = await post(win.fetch.bind(win), form.action, new win.FormData(form));
      if (outcome.kind === "offline") {
        ctx.unreachable = true;
        hint();
        if (form.dataset.open) win.location.assign(form.dataset.open);
        else say("连不上服务器（离线），不能标为已读；联网后再试。", "warn");
        return;
      }
      ctx.unreachable = false;
      if (outcome.kind === "signed-out") { win.location.assign(doc.body.dataset.login); return; }
      if (outcome.kind === "expired") { say("页面已过期，正在刷新…", "warn"); win.location.reload(); return; }
      if (outcome.kind === "missing") { say("这条消息不存在或不属于您。", "error"); return; }
      if (outcome.kind === "failed") { say("标为已读失败（" + outcome.status + "），请稍后再试。", "error"); return; }
      const result = outcome.result;
      write(ctx.storage, ctx.owner, { label: result.badge, at: result.at });
      if (ctx.badge) showBadge(ctx.badge, result.badge);
      if (form.dataset.notice && !form.dataset.open) markedInPlace(form, result);
      else win.location.assign(result.next);
    }

    box.addEventListener("submit", function (event) {
      const form = event.target;
      if (!form.matches("form[data-notice], form[data-notice-all]")) return;
      event.preventDefault();
      if (form.dataset.busy) return;
      form.dataset.busy = "1";
      submit(form).finally(function () { delete form.dataset.busy; });
    });
    win.addEventListener("online", function () { ctx.unreachable = false; hint(); });
    win.addEventListener("offline", hint);
    // Back from a message's page: a copy restored from the back/forward cache still shows it
    // unread, so fetch the list again when there is a network.
    win.addEventListener("pageshow", function (event) {
      if (event.persisted && win.navigator.onLine) win.location.reload();
    });
    hint();
  }

  function start(win) {
    const doc = win.document;
    if (!doc || !doc.body) return;
    let storage = null;
    try { storage = win.localStorage; } catch (e) { /* disabled */ }
    const badge = doc.getElementById("notify-badge");
    const ctx = { storage: storage, owner: doc.body.dataset.owner, badge: badge, cached: false, unreachable: false };
    if (badge) {
      const page = { label: badge.dataset.count || "", at: Number(badge.dataset.at) || 0 };
      const known = storage ? newest(read(storage, ctx.owner), page) : { state: page, cached: false };
      ctx.cached = known.cached;
      if (known.cached) showBadge(badge, known.state.label);
      else if (storage) write(storage, ctx.owner, page);
      const net = function () {
        badge.classList.toggle("stale", !win.navigator.onLine);
        if (win.navigator.onLine) badge.removeAttribute("title");
        else badge.title = badge.dataset.offlineTitle;
      };
      win.addEventListener("online", net);
      win.addEventListener("offline", net);
      net();
    }
    wireList(win, ctx);
  }

  return { KEY: KEY, newest: newest, read: read, write: write, post: post, start: start };
});
