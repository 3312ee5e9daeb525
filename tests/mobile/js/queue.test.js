// Outbox logic of the grid worker app (pingan/static/mobile/queue.js), run by `node --test`.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const Q = require(path.join(__dirname, "..", "..", "..", "pingan", "static", "mobile", "queue.js"));

/** IndexedDB-like store: a Map, with a log of writes and an optional failure switch. */
function fakeStore() {
  const rows = new Map();
  return {
    rows,
    all: async () => [...rows.values()].map((r) => structuredClone(r)),
    put: async (item) => { rows.set(item.id, structuredClone(item)); },
    delete: async (id) => { rows.delete(id); },
  };
}

function fakeClock(start) {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

function ids() {
  let n = 0;
  return () => `key-${++n}`;
}

/** fetch that answers from a script of responses; records every call. */
function fakeFetch(script) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url, init, body: typeof init.body === "string" ? JSON.parse(init.body) : init.body });
    const next = script.shift();
    if (next === undefined) throw new Error("unexpected fetch");
    if (next === "network") throw new TypeError("Failed to fetch");
    const text = next.body === undefined ? "" : JSON.stringify(next.body);
    return { status: next.status, text: async () => text };
  };
  fn.calls = calls;
  return fn;
}

function setup(script, extra) {
  const store = fakeStore();
  const clock = fakeClock(1_000_000);
  const fetch = fakeFetch(script);
  const queue = Q.createQueue({
    store, fetch, now: clock.now, uuid: ids(), owner: 7, csrfToken: () => "tok", ...extra,
  });
  return { store, clock, fetch, queue };
}

const report = { kind: "event", url: "/api/v1/events/", body: { category: "0204", description: "堵塞", lat: 25, lng: 102.7 }, label: "邻里纠纷" };

test("an item is stored with its idempotency key before anything is sent", async () => {
  const { store, fetch, queue } = setup([]);
  const item = await queue.enqueue(report);
  assert.equal(item.id, "key-1");
  assert.equal(store.rows.get("key-1").body.idempotency_key, "key-1");
  assert.equal(store.rows.get("key-1").status, "pending");
  assert.equal(store.rows.get("key-1").owner, "7");
  assert.equal(fetch.calls.length, 0);
  assert.deepEqual(await queue.counts(), { pending: 1, failed: 0 });
});

test("2xx removes the item and reports the server answer", async () => {
  const { store, fetch, queue } = setup([{ status: 201, body: { number: "SJ1", created: true } }]);
  await queue.enqueue(report);
  const result = await queue.sync();
  assert.equal(result.sent.length, 1);
  assert.equal(result.sent[0].body.number, "SJ1");
  assert.equal(store.rows.size, 0);
  const call = fetch.calls[0];
  assert.equal(call.url, "/api/v1/events/");
  assert.equal(call.init.method, "POST");
  assert.equal(call.init.credentials, "same-origin");
  assert.equal(call.init.headers["X-CSRFToken"], "tok");
  assert.equal(call.init.headers["Content-Type"], "application/json");
  assert.deepEqual(call.body, { ...report.body, idempotency_key: "key-1" });
  assert.equal(result.nextDue, null);
});

test("a repeat after a lost response sends the same key (server answers 200 created=false)", async () => {
  const { store, fetch, queue, clock } = setup(["network", { status: 200, body: { number: "SJ1", created: false } }]);
  await queue.enqueue(report);
  await queue.sync();
  clock.advance(Q.BASE_DELAY_MS);
  const result = await queue.sync();
  assert.equal(result.sent.length, 1);
  assert.equal(fetch.calls[0].body.idempotency_key, fetch.calls[1].body.idempotency_key);
  assert.equal(store.rows.size, 0);
});

test("a definite 4xx moves the item to the failed list with the Chinese field messages", async () => {
  const { store, queue } = setup([{ status: 400, body: { unit: ["该位置不在任何网格内，请选择接收单位。"], lat: ["应为数字。", "必填"] } }]);
  await queue.enqueue(report);
  const result = await queue.sync();
  assert.equal(result.failed.length, 1);
  const row = store.rows.get("key-1");
  assert.equal(row.status, "failed");
  assert.equal(row.error, "接收单位：该位置不在任何网格内，请选择接收单位。；纬度：应为数字。；必填");
  assert.deepEqual(await queue.counts(), { pending: 0, failed: 1 });
  // Failed items are not sent again by later passes, even forced ones.
  assert.equal((await queue.sync({ force: true })).sent.length, 0);
});

test("409 with a detail keeps the server's sentence", async () => {
  const { store, queue } = setup([{ status: 409, body: { detail: "该案件已被他人处理，请刷新后重试。", code: "conflict" } }]);
  await queue.enqueue({ kind: "action", url: "/api/v1/cases/SJ1/actions/", body: { action: "verify_pass", version: 3 } });
  await queue.sync();
  assert.equal(store.rows.get("key-1").error, "该案件已被他人处理，请刷新后重试。");
});

test("a task action resent after a lost response carries the same key (server: 200 replayed)", async () => {
  const { store, fetch, queue, clock } = setup(["network", { status: 200, body: { number: "SJ1", state: "closed", replayed: true } }]);
  const action = { kind: "action", url: "/api/v1/cases/SJ1/actions/", body: { action: "verify_pass", note: "", version: 3 }, label: "SJ1 核查通过" };
  await queue.enqueue(action);
  assert.equal(store.rows.get("key-1").body.idempotency_key, "key-1");
  await queue.sync();
  clock.advance(Q.BASE_DELAY_MS);
  const result = await queue.sync();
  assert.deepEqual(fetch.calls[0].body, { ...action.body, idempotency_key: "key-1" });
  assert.deepEqual(fetch.calls[1].body, fetch.calls[0].body);
  assert.equal(result.sent.length, 1);
  assert.equal(result.sent[0].body.replayed, true);
  assert.equal(store.rows.size, 0);
});

test("5xx and network errors retry with exponential backoff", async () => {
  const { store, fetch, queue, clock } = setup([{ status: 503 }, "network", { status: 500 }, { status: 201, body: { number: "SJ9" } }]);
  await queue.enqueue(report);
  let result = await queue.sync();
  assert.equal(result.retry.length, 1);
  assert.equal(store.rows.get("key-1").attempts, 1);
  assert.equal(store.rows.get("key-1").error, "服务器暂时不可用（503），稍后自动重发。");
  assert.equal(result.nextDue, 1_000_000 + 5000);
  // Not due yet: nothing is sent.
  clock.advance(4999);
  result = await queue.sync();
  assert.equal(fetch.calls.length, 1);
  clock.advance(1);
  result = await queue.sync();
  assert.equal(store.rows.get("key-1").attempts, 2);
  assert.equal(store.rows.get("key-1").error, "网络不可用，恢复后自动重发。");
  assert.equal(result.nextDue, clock.now() + 10000);
  // `online` forces a pass regardless of the backoff.
  result = await queue.sync({ force: true });
  assert.equal(store.rows.get("key-1").attempts, 3);
  assert.equal(result.nextDue, clock.now() + 20000);
  clock.advance(20000);
  result = await queue.sync();
  assert.equal(result.sent.length, 1);
  assert.equal(store.rows.size, 0);
});

test("backoff doubles and is capped at ten minutes", () => {
  assert.deepEqual([1, 2, 3, 4].map(Q.backoffDelay), [5000, 10000, 20000, 40000]);
  assert.equal(Q.backoffDelay(30), 600000);
});

test("a network error stops the pass; the other items wait for the next one", async () => {
  const { store, fetch, queue } = setup(["network"]);
  await queue.enqueue(report);
  await queue.enqueue({ ...report, label: "second" });
  const result = await queue.sync();
  assert.equal(fetch.calls.length, 1);
  assert.equal(result.retry.length, 1);
  assert.equal(store.rows.get("key-2").attempts, 0);
  assert.equal(store.rows.size, 2);
});

test("401 and CSRF failures keep everything and ask for a new sign-in", async () => {
  for (const answer of [{ status: 401, body: { detail: "会话已超时，请重新登录。" } }, { status: 403, body: { detail: "CSRF Failed: CSRF token missing." } }]) {
    const { store, fetch, queue } = setup([answer]);
    await queue.enqueue(report);
    await queue.enqueue(report);
    const result = await queue.sync();
    assert.equal(result.auth, true);
    assert.equal(fetch.calls.length, 1);
    assert.equal(store.rows.size, 2);
    assert.equal(store.rows.get("key-1").status, "pending");
    assert.equal(store.rows.get("key-1").error, "登录已失效，请重新登录，登录后自动发送。");
    assert.equal(result.nextDue, null);
  }
});

test("a role denial (403 without CSRF) is definite", () => {
  assert.equal(Q.classify(403, { detail: "当前岗位不能上报事件。" }), "failed");
  assert.equal(Q.classify(404, null), "failed");
  assert.equal(Q.classify(429, null), "retry");
  assert.equal(Q.classify(408, null), "retry");
  assert.equal(Q.classify(0, null), "retry");
  assert.equal(Q.classify(204, null), "sent");
  assert.equal(Q.errorMessage(502, null), "服务器返回错误（502）。");
});

test("items are sent oldest first and only the signed-in owner's", async () => {
  const store = fakeStore();
  const clock = fakeClock(10);
  const other = Q.createQueue({ store, fetch: fakeFetch([]), now: clock.now, uuid: () => "other-1", owner: 8 });
  await other.enqueue(report);
  const fetch = fakeFetch([{ status: 201, body: {} }, { status: 201, body: {} }]);
  const mine = Q.createQueue({ store, fetch, now: clock.now, uuid: ids(), owner: 7 });
  clock.advance(5);
  await mine.enqueue({ ...report, body: { description: "later" } });
  clock.advance(-3);
  await mine.enqueue({ ...report, body: { description: "earlier" } });
  assert.deepEqual((await mine.list()).map((i) => i.body.description), ["earlier", "later"]);
  clock.advance(10);
  await mine.sync();
  assert.deepEqual(fetch.calls.map((c) => c.body.description), ["earlier", "later"]);
  assert.deepEqual([...store.rows.keys()], ["other-1"]);
});

test("retry puts a failed item back; discard removes it", async () => {
  const { store, queue } = setup([{ status: 400, body: { category: ["请选择有效的事件类别。"] } }, { status: 201, body: {} }]);
  await queue.enqueue(report);
  await queue.sync();
  const again = await queue.retry("key-1");
  assert.equal(again.status, "pending");
  assert.equal(again.error, "");
  assert.equal((await queue.sync()).sent.length, 1);
  assert.equal(await queue.discard("key-1"), false);
  await queue.enqueue(report);
  assert.equal(await queue.discard("key-2"), true);
  assert.equal(store.rows.size, 0);
});

test("one pass at a time: a second sync while one runs is refused", async () => {
  let release;
  const gate = new Promise((resolve) => { release = resolve; });
  const store = fakeStore();
  const fetch = async () => { await gate; return { status: 201, text: async () => "{}" }; };
  const queue = Q.createQueue({ store, fetch, uuid: ids(), owner: 1 });
  await queue.enqueue(report);
  const first = queue.sync();
  const second = await queue.sync();
  assert.equal(second.busy, true);
  release();
  assert.equal((await first).sent.length, 1);
});

test("photos go as multipart `photos` with the other fields", async () => {
  const { fetch, queue } = setup([{ status: 201, body: { number: "SJ2" } }]);
  const blob = new Blob(["jpeg-bytes"], { type: "image/jpeg" });
  await queue.enqueue({ ...report, files: [{ name: "a.jpg", blob }, { name: "b.jpg", blob }] });
  await queue.sync();
  const form = fetch.calls[0].body;
  assert.ok(form instanceof FormData);
  assert.equal(fetch.calls[0].init.headers["Content-Type"], undefined);
  assert.equal(form.get("category"), "0204");
  assert.equal(form.get("lat"), "25");
  assert.equal(form.get("idempotency_key"), "key-1");
  assert.deepEqual(form.getAll("photos").map((f) => f.name), ["a.jpg", "b.jpg"]);
});
