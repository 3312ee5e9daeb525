/*
 * The outbox of the grid worker app: reports and task actions are stored here BEFORE they
 * are sent, and a sync pass sends whatever is due.
 *
 * Pure logic: storage, fetch, clock, id generator and CSRF token are injected, so the same
 * file runs in the page, in the service worker (Background Sync) and under `node --test`.
 *
 * Store interface (IndexedDB in the browser, a Map in tests), all returning promises:
 *   all() -> [item]; put(item); delete(id)
 *
 * Outcome of one send (see `classify`):
 *   2xx                          -> sent: removed from the outbox
 *   401, 403 "CSRF Failed"       -> auth: kept, sending stops until the user signs in again
 *   408, 425, 429, 5xx, network  -> retry: kept, next attempt after an exponential backoff
 *   any other 4xx                -> failed: kept in the failed list with the server's message
 * An event report carries its item id as `idempotency_key`, so sending it twice (a response
 * lost on a bad connection) still gives one event on the server.
 * A task action carries it too: the server answers a resend with 200 and `replayed: true`.
 * So do a new person and a visit (one person / one visit per key on the server).
 *
 * Two-step items (a visit with photos): the record is sent first as JSON; when it is created
 * the item moves to its "files" phase (its `filesUrl` with the new record's id) and the
 * photos follow as multipart, with their own key (`<id>:photos`). A photo failure leaves the
 * item in the failed list with the record already saved; "retry" sends only the photos.
 * `headers` on an item (e.g. `X-Pingan-Position`) go with every request of that item.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.PinganQueue = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const BASE_DELAY_MS = 5000;
  const MAX_DELAY_MS = 10 * 60 * 1000;
  const FIELD_LABELS = {
    category: "事件类别",
    description: "事件描述",
    lat: "纬度",
    lng: "经度",
    address: "地址",
    urgency: "紧急程度",
    unit: "接收单位",
    photos: "照片",
    idempotency_key: "幂等键",
    reporter_kind: "来源",
    action: "操作",
    note: "意见",
    version: "版本",
    name: "姓名",
    id_number: "公民身份号码",
    phone: "联系电话",
    region_code: "所属网格",
    house_id: "所属房屋",
    sex: "性别",
    birth_date: "出生日期",
    ethnicity: "民族",
    card: "人员类型卡",
    method: "走访方式",
    visited_at: "走访时间",
    place: "走访地点",
    notes: "走访情况",
    risk_level: "风险等级",
    non_field_errors: "",
  };
  const IDEMPOTENT_KINDS = ["event", "action", "person", "visit"];
  const MSG_NETWORK = "网络不可用，恢复后自动重发。";
  const MSG_AUTH = "登录已失效，请重新登录，登录后自动发送。";

  function backoffDelay(attempts) {
    const n = Math.max(1, attempts);
    return Math.min(BASE_DELAY_MS * Math.pow(2, n - 1), MAX_DELAY_MS);
  }

  function isCsrfFailure(body) {
    return !!body && typeof body.detail === "string" && body.detail.indexOf("CSRF") !== -1;
  }

  /** "sent" | "auth" | "retry" | "failed" for an HTTP status (0 = no response). */
  function classify(status, body) {
    if (status >= 200 && status < 300) return "sent";
    if (status === 401 || (status === 403 && isCsrfFailure(body))) return "auth";
    if (status === 0 || status === 408 || status === 425 || status === 429 || status >= 500) {
      return "retry";
    }
    if (status >= 400 && status < 500) return "failed";
    return "retry"; // 1xx/3xx reaching script code: not a definite answer
  }

  /** A Chinese message from a DRF error body: `detail`, or field errors with labels. */
  function errorMessage(status, body) {
    if (body && typeof body === "object") {
      if (typeof body.detail === "string") return body.detail;
      const parts = [];
      Object.keys(body).forEach(function (key) {
        const value = body[key];
        let text;
        if (Array.isArray(value)) text = value.join("；");
        else if (typeof value === "string") text = value;
        else return;
        const label = key in FIELD_LABELS ? FIELD_LABELS[key] : key;
        parts.push(label ? label + "：" + text : text);
      });
      // A duplicate ID number names the registered person when the worker may see them.
      if (body.existing && body.existing.name) parts.push("已登记人员：" + body.existing.name);
      if (parts.length) return parts.join("；");
    }
    return "服务器返回错误（" + status + "）。";
  }

  function multipart(FormDataCtor, fields, files, fileField) {
    const form = new FormDataCtor();
    Object.keys(fields).forEach(function (key) {
      const value = fields[key];
      if (value !== null && value !== undefined && value !== "") form.append(key, String(value));
    });
    files.forEach(function (file) {
      form.append(fileField, file.blob, file.name);
    });
    return form;
  }

  /**
   * {url, init} for fetch(). A one-step item with files goes as multipart (`photos`), the
   * files phase of a two-step item as multipart with only its key, everything else as JSON.
   */
  function buildRequest(item, csrfToken, FormDataCtor) {
    const headers = Object.assign({}, item.headers || {}, {
      "X-CSRFToken": csrfToken || "",
      Accept: "application/json",
    });
    const init = { method: "POST", credentials: "same-origin", headers: headers };
    const files = item.files || [];
    const field = item.fileField || "photos";
    if (item.phase === "files") {
      init.body = multipart(FormDataCtor, { idempotency_key: item.id + ":photos" }, files, field);
    } else if (files.length && !item.filesUrl) {
      init.body = multipart(FormDataCtor, item.body, files, field);
    } else {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(item.body);
    }
    return { url: item.url, init: init };
  }

  async function readBody(response) {
    try {
      const text = await response.text();
      return text ? JSON.parse(text) : null;
    } catch (e) {
      return null;
    }
  }

  function createQueue(options) {
    const store = options.store;
    const fetchFn = options.fetch;
    const now = options.now || Date.now;
    const uuid = options.uuid;
    const owner = String(options.owner);
    const csrfToken = options.csrfToken || function () { return ""; };
    const FormDataCtor = options.FormData || (typeof FormData !== "undefined" ? FormData : null);
    let running = false;

    async function list() {
      const items = (await store.all()).filter(function (item) { return item.owner === owner; });
      return items.sort(function (a, b) { return a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1); });
    }

    /** Store a new item (before any network use) and return it. */
    async function enqueue(spec) {
      const id = uuid();
      const body = Object.assign({}, spec.body);
      if (IDEMPOTENT_KINDS.indexOf(spec.kind) !== -1) body.idempotency_key = id;
      const files = spec.files || [];
      const item = {
        id: id,
        kind: spec.kind,
        url: spec.url,
        body: body,
        files: files,
        headers: spec.headers || {},
        // Two-step: the files go to filesUrl ("{id}" = the created record's id) afterwards.
        filesUrl: files.length && spec.filesUrl ? spec.filesUrl : "",
        fileField: spec.fileField || "photos",
        phase: "main",
        label: spec.label || "",
        owner: owner,
        status: "pending",
        attempts: 0,
        createdAt: now(),
        nextAttemptAt: now(),
        error: "",
      };
      await store.put(item);
      return item;
    }

    async function counts() {
      const items = await list();
      return {
        pending: items.filter(function (i) { return i.status === "pending"; }).length,
        failed: items.filter(function (i) { return i.status === "failed"; }).length,
      };
    }

    async function retry(id) {
      const item = (await list()).find(function (i) { return i.id === id; });
      if (!item) return null;
      Object.assign(item, { status: "pending", attempts: 0, nextAttemptAt: now(), error: "" });
      await store.put(item);
      return item;
    }

    async function discard(id) {
      const item = (await list()).find(function (i) { return i.id === id; });
      if (item) await store.delete(id);
      return !!item;
    }

    async function sendOne(item, result) {
      const request = buildRequest(item, await csrfToken(), FormDataCtor);
      let response;
      try {
        response = await fetchFn(request.url, request.init);
      } catch (e) {
        return finish(item, "retry", 0, null, result);
      }
      const body = await readBody(response);
      return finish(item, classify(response.status, body), response.status, body, result);
    }

    async function finish(item, outcome, status, body, result) {
      if (outcome === "sent" && item.phase === "main" && item.filesUrl) {
        if (!body || body.id === undefined || body.id === null) {
          outcome = "failed";
          body = { detail: "服务器没有返回记录编号，照片未上传。" };
        } else {
          // The record exists now: from here on only the photos are sent.
          Object.assign(item, {
            phase: "files",
            url: item.filesUrl.replace("{id}", encodeURIComponent(String(body.id))),
            first: body,
            attempts: 0,
            nextAttemptAt: now(),
            error: "",
          });
          await store.put(item);
          result.advanced.push({ item: item, status: status, body: body });
          return "advanced";
        }
      }
      if (outcome === "sent") {
        await store.delete(item.id);
        const files = item.phase === "files";
        // `body` is the record (for a two-step item the first answer), `files` the photos'.
        result.sent.push({
          item: item,
          status: status,
          body: files ? item.first : body,
          files: files ? body : null,
        });
      } else if (outcome === "failed") {
        const prefix = item.phase === "files" ? "记录已保存，照片未上传：" : "";
        Object.assign(item, { status: "failed", error: prefix + errorMessage(status, body), failedAt: now() });
        await store.put(item);
        result.failed.push({ item: item, status: status, body: body });
      } else if (outcome === "auth") {
        item.error = MSG_AUTH;
        await store.put(item);
        result.auth = true;
      } else {
        item.attempts += 1;
        item.nextAttemptAt = now() + backoffDelay(item.attempts);
        item.error = status ? "服务器暂时不可用（" + status + "），稍后自动重发。" : MSG_NETWORK;
        await store.put(item);
        result.retry.push({ item: item, status: status });
      }
      return outcome;
    }

    /**
     * Send every pending item that is due (all pending ones with force, e.g. on `online`),
     * oldest first. Stops at the first network error (the phone is offline: the rest would
     * fail the same way) and at an auth failure. One pass at a time per queue.
     */
    async function sync(opts) {
      const force = !!(opts && opts.force);
      const result = { sent: [], advanced: [], failed: [], retry: [], auth: false, busy: false, nextDue: null };
      if (running) {
        result.busy = true;
        return result;
      }
      running = true;
      try {
        const due = (await list()).filter(function (item) {
          return item.status === "pending" && (force || item.nextAttemptAt <= now());
        });
        for (const item of due) {
          let outcome = await sendOne(item, result);
          // A two-step item whose record was just created sends its files right away.
          if (outcome === "advanced") outcome = await sendOne(item, result);
          if (outcome === "auth") break;
          if (outcome === "retry" && result.retry[result.retry.length - 1].status === 0) break;
        }
        const waiting = (await list()).filter(function (i) { return i.status === "pending"; });
        if (waiting.length && !result.auth) {
          result.nextDue = Math.min.apply(null, waiting.map(function (i) { return i.nextAttemptAt; }));
        }
      } finally {
        running = false;
      }
      return result;
    }

    return { enqueue: enqueue, list: list, counts: counts, retry: retry, discard: discard, sync: sync };
  }

  return {
    createQueue: createQueue,
    IDEMPOTENT_KINDS: IDEMPOTENT_KINDS,
    classify: classify,
    errorMessage: errorMessage,
    buildRequest: buildRequest,
    backoffDelay: backoffDelay,
    BASE_DELAY_MS: BASE_DELAY_MS,
    MAX_DELAY_MS: MAX_DELAY_MS,
  };
});
