// New person and visit items of the outbox (queue.js), the offline snapshot (snapshot.js) and
// the ID number / phone checks (idcard.js), run by `node --test`.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const STATIC = path.join(__dirname, "..", "..", "..", "pingan", "static", "mobile");
const Q = require(path.join(STATIC, "queue.js"));
const S = require(path.join(STATIC, "snapshot.js"));
const I = require(path.join(STATIC, "idcard.js"));

function fakeStore() {
  const rows = new Map();
  const data = new Map();
  return {
    rows,
    data,
    all: async () => [...rows.values()].map((r) => structuredClone(r)),
    put: async (item) => { rows.set(item.id, structuredClone(item)); },
    delete: async (id) => { rows.delete(id); },
    getData: async (key) => (data.has(key) ? structuredClone(data.get(key)) : null),
    setData: async (key, value) => { data.set(key, structuredClone(value)); },
  };
}

/** A FormData stand-in that records what was appended. */
class FakeForm {
  constructor() { this.parts = []; }
  append(name, value, filename) { this.parts.push(filename ? [name, value, filename] : [name, value]); }
}

function fakeFetch(script) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url, init, body: typeof init.body === "string" ? JSON.parse(init.body) : init.body });
    const next = script.shift();
    if (next === undefined) throw new Error("unexpected fetch");
    if (next === "network") throw new TypeError("Failed to fetch");
    const text = next.body === undefined ? "" : JSON.stringify(next.body);
    return { status: next.status, text: async () => text, json: async () => JSON.parse(text) };
  };
  fn.calls = calls;
  return fn;
}

function setup(script) {
  const store = fakeStore();
  let t = 1_000_000;
  const clock = { now: () => t, advance: (ms) => { t += ms; } };
  let n = 0;
  const fetch = fakeFetch(script);
  const queue = Q.createQueue({
    store, fetch, now: clock.now, uuid: () => `key-${++n}`, owner: 7, csrfToken: () => "tok", FormData: FakeForm,
  });
  return { store, clock, fetch, queue };
}

const person = {
  kind: "person",
  url: "/api/v1/people/",
  body: { name: "赵小红", id_number: "11010519491231002X", region_code: "990101001001001" },
  headers: { "X-Pingan-Position": "12" },
  label: "赵小红（110105********002X）",
};

const photo = (name) => ({ name, blob: `blob:${name}` });
const visit = (files) => ({
  kind: "visit",
  url: "/api/v1/cards/5/visits/",
  body: { method: "01", risk_level: 2, notes: "情绪稳定", visited_at: "2026-03-02T01:30:00.000Z" },
  files,
  filesUrl: "/api/v1/visits/{id}/photos/",
  fileField: "photos",
  headers: { "X-Pingan-Position": "12" },
  label: "张三丰 · 严重精神障碍患者",
});

// --- new person ------------------------------------------------------------------------------

test("a new person is stored with its idempotency key and sent as JSON with the position", async () => {
  const { store, fetch, queue } = setup([{ status: 201, body: { id: 41, name: "赵小红" } }]);
  await queue.enqueue(person);
  assert.equal(store.rows.get("key-1").body.idempotency_key, "key-1");
  assert.equal(fetch.calls.length, 0);
  const result = await queue.sync();
  const call = fetch.calls[0];
  assert.equal(call.url, "/api/v1/people/");
  assert.equal(call.init.headers["X-Pingan-Position"], "12");
  assert.equal(call.init.headers["X-CSRFToken"], "tok");
  assert.equal(call.init.headers["Content-Type"], "application/json");
  assert.deepEqual(call.body, { ...person.body, idempotency_key: "key-1" });
  assert.equal(result.sent[0].body.name, "赵小红");
  assert.equal(store.rows.size, 0);
});

test("a person resent after a lost response carries the same key (server: 200, same person)", async () => {
  const { fetch, queue, clock, store } = setup(["network", { status: 200, body: { id: 41 } }]);
  await queue.enqueue(person);
  assert.equal((await queue.sync()).retry.length, 1);
  assert.equal(store.rows.get("key-1").status, "pending");
  clock.advance(Q.BASE_DELAY_MS);
  const result = await queue.sync();
  assert.equal(result.sent.length, 1);
  assert.deepEqual(fetch.calls[1].body, fetch.calls[0].body);
  assert.equal(fetch.calls[1].body.idempotency_key, "key-1");
});

test("a duplicate ID number stays in the failed list with the Chinese message and who it is", async () => {
  const { store, queue } = setup([
    { status: 400, body: { id_number: ["该身份证号已登记。"], existing: { id: 3, name: "赵小红" } } },
  ]);
  await queue.enqueue(person);
  const result = await queue.sync();
  assert.equal(result.failed.length, 1);
  const kept = store.rows.get("key-1");
  assert.equal(kept.status, "failed");
  assert.equal(kept.error, "公民身份号码：该身份证号已登记。；已登记人员：赵小红");
  assert.deepEqual(await queue.counts(), { pending: 0, failed: 1 });
});

test("non-field errors are shown without a label", () => {
  assert.equal(Q.errorMessage(400, { non_field_errors: ["数据有误。"] }), "数据有误。");
  assert.equal(
    Q.errorMessage(400, { region_code: ["该网格不在您的管辖范围内。"] }),
    "所属网格：该网格不在您的管辖范围内。"
  );
});

// --- visits with photos ----------------------------------------------------------------------

test("a visit is created first as JSON, then its photos follow to the new visit", async () => {
  const { store, fetch, queue } = setup([
    { status: 201, body: { id: 88, next_visit_on: "2026-03-16" } },
    { status: 201, body: [{ id: 1 }, { id: 2 }] },
  ]);
  await queue.enqueue(visit([photo("a.jpg"), photo("b.jpg")]));
  const result = await queue.sync();
  assert.equal(fetch.calls.length, 2);
  const [first, second] = fetch.calls;
  assert.equal(first.url, "/api/v1/cards/5/visits/");
  assert.equal(first.init.headers["Content-Type"], "application/json");
  assert.deepEqual(first.body, { ...visit([]).body, idempotency_key: "key-1" });
  assert.equal(second.url, "/api/v1/visits/88/photos/");
  assert.equal(second.init.headers["X-Pingan-Position"], "12");
  assert.equal(second.init.headers["Content-Type"], undefined); // the browser sets the boundary
  assert.deepEqual(second.body.parts, [
    ["idempotency_key", "key-1:photos"],
    ["photos", "blob:a.jpg", "a.jpg"],
    ["photos", "blob:b.jpg", "b.jpg"],
  ]);
  assert.equal(result.advanced.length, 1);
  assert.equal(result.sent.length, 1);
  assert.equal(result.sent[0].body.next_visit_on, "2026-03-16");
  assert.equal(result.sent[0].files.length, 2);
  assert.equal(store.rows.size, 0);
});

test("a visit without photos is one request", async () => {
  const { fetch, queue } = setup([{ status: 201, body: { id: 9 } }]);
  await queue.enqueue(visit([]));
  const result = await queue.sync();
  assert.equal(fetch.calls.length, 1);
  assert.equal(result.advanced.length, 0);
  assert.equal(result.sent.length, 1);
});

test("offline after the visit was created: only the photos are sent later, never the visit again", async () => {
  const { store, fetch, queue, clock } = setup([
    { status: 201, body: { id: 88 } },
    "network",
    { status: 200, body: [{ id: 1 }] }, // the server had stored them: same key, 200
  ]);
  await queue.enqueue(visit([photo("a.jpg")]));
  const first = await queue.sync();
  assert.equal(first.advanced.length, 1);
  assert.equal(first.retry.length, 1);
  const kept = store.rows.get("key-1");
  assert.equal(kept.phase, "files");
  assert.equal(kept.url, "/api/v1/visits/88/photos/");
  assert.equal(kept.status, "pending");
  clock.advance(Q.BASE_DELAY_MS);
  const second = await queue.sync();
  assert.deepEqual(fetch.calls.map((c) => c.url), [
    "/api/v1/cards/5/visits/",
    "/api/v1/visits/88/photos/",
    "/api/v1/visits/88/photos/",
  ]);
  assert.equal(fetch.calls[2].body.parts[0][1], "key-1:photos");
  assert.equal(second.sent.length, 1);
  assert.equal(store.rows.size, 0);
});

test("a rejected photo keeps the item as failed; retry sends only the photos", async () => {
  const { store, fetch, queue } = setup([
    { status: 201, body: { id: 88 } },
    { status: 400, body: { photos: ["第 1 个文件（a.jpg）超过大小上限 10 MB。"] } },
    { status: 201, body: [{ id: 1 }] },
  ]);
  await queue.enqueue(visit([photo("a.jpg")]));
  await queue.sync();
  const failed = store.rows.get("key-1");
  assert.equal(failed.status, "failed");
  assert.equal(failed.error, "记录已保存，照片未上传：照片：第 1 个文件（a.jpg）超过大小上限 10 MB。");
  await queue.retry("key-1");
  const result = await queue.sync();
  assert.equal(fetch.calls[2].url, "/api/v1/visits/88/photos/");
  assert.equal(fetch.calls.filter((c) => c.url === "/api/v1/cards/5/visits/").length, 1);
  assert.equal(result.sent.length, 1);
});

test("a created visit without an id cannot take photos: failed, not lost", async () => {
  const { store, queue } = setup([{ status: 201, body: {} }]);
  await queue.enqueue(visit([photo("a.jpg")]));
  await queue.sync();
  assert.equal(store.rows.get("key-1").status, "failed");
  assert.equal(store.rows.get("key-1").error, "服务器没有返回记录编号，照片未上传。");
});

test("event reports keep sending their photos in one multipart request", async () => {
  const { fetch, queue } = setup([{ status: 201, body: { number: "SJ1" } }]);
  await queue.enqueue({ kind: "event", url: "/api/v1/events/", body: { category: "0204" }, files: [photo("x.jpg")] });
  await queue.sync();
  assert.equal(fetch.calls.length, 1);
  assert.deepEqual(fetch.calls[0].body.parts, [
    ["category", "0204"],
    ["idempotency_key", "key-1"],
    ["photos", "blob:x.jpg", "x.jpg"],
  ]);
});

// --- snapshot --------------------------------------------------------------------------------

const DATA = {
  owner: 7,
  people: [
    { id: 1, name: "张三丰", py: "zhangsanfeng", pi: "zsf", id_number: "110105********002X", phone: "138****5678", address: "示范村三组12号", cards: [{ id: 11 }] },
    { id: 2, name: "李四", py: "lisi", pi: "ls", id_number: "110105********1234", phone: "", address: "示范村二组", cards: [] },
  ],
  houses: [
    { id: 5, address: "示范村三组12号", occupants: [1] },
    { id: 6, address: "示范村二组3号", occupants: [] },
  ],
};

test("search: 汉字, 拼音 prefix, initials, ID/phone tail and address, all terms must match", () => {
  const names = (q) => S.searchPeople(DATA, q).map((p) => p.name);
  assert.deepEqual(names(""), ["张三丰", "李四"]);
  assert.deepEqual(names("三丰"), ["张三丰"]);
  assert.deepEqual(names("zhangs"), ["张三丰"]);
  assert.deepEqual(names("ls"), ["李四"]);
  assert.deepEqual(names("002x"), ["张三丰"]);
  assert.deepEqual(names("5678"), ["张三丰"]);
  assert.deepEqual(names("1234"), ["李四"]);
  assert.deepEqual(names("二组"), ["李四"]);
  assert.deepEqual(names("示范村 zsf"), ["张三丰"]);
  assert.deepEqual(names("示范村 王"), []);
  assert.deepEqual(S.searchHouses(DATA, "三组").map((h) => h.id), [5]);
  assert.equal(S.card(DATA, 11).person.name, "张三丰");
  assert.equal(S.card(DATA, 99), null);
});

function snapshotFetch(responses) {
  const calls = [];
  const fn = async (url) => {
    calls.push(url);
    const next = responses.shift();
    if (next === "network") throw new TypeError("Failed to fetch");
    return { status: next.status, json: async () => next.body };
  };
  fn.calls = calls;
  return fn;
}

test("the snapshot is fetched, stored, and read from the store while fresh", async () => {
  const store = fakeStore();
  let t = 1000;
  const fetch = snapshotFetch([{ status: 200, body: DATA }, { status: 200, body: { ...DATA, people: [] } }]);
  const options = { store, owner: 7, url: "/api/v1/mobile/snapshot/", fetch, now: () => t };
  const first = await S.load(options);
  assert.equal(first.source, "network");
  assert.equal(store.data.get("snapshot").savedAt, 1000);
  t += S.MAX_AGE_MS - 1;
  const cached = await S.load(options);
  assert.equal(cached.source, "cache");
  assert.equal(fetch.calls.length, 1);
  const forced = await S.load({ ...options, force: true });
  assert.equal(forced.source, "network");
  assert.deepEqual(forced.data.people, []);
});

test("offline: the stored snapshot is shown with the reason; never another user's", async () => {
  const store = fakeStore();
  await store.setData("snapshot", { owner: "7", savedAt: 0, data: DATA });
  const offline = await S.load({
    store, owner: 7, url: "/s", now: () => S.MAX_AGE_MS * 2, fetch: snapshotFetch(["network"]),
  });
  assert.deepEqual([offline.source, offline.error, offline.data.people.length], ["cache", "当前离线。", 2]);
  const swOffline = await S.load({
    store, owner: 7, url: "/s", now: () => S.MAX_AGE_MS * 2,
    fetch: snapshotFetch([{ status: 503, body: { detail: "当前离线，且没有缓存的数据。" } }]),
  });
  assert.equal(swOffline.error, "当前离线，且没有缓存的数据。");
  const stranger = await S.load({ store, owner: 8, url: "/s", fetch: snapshotFetch(["network"]) });
  assert.deepEqual([stranger.source, stranger.data], ["none", null]);
  const signedOut = await S.load({
    store, owner: 8, url: "/s", fetch: snapshotFetch([{ status: 403, body: {} }]),
  });
  assert.equal(signedOut.error, "登录已失效，请重新登录后更新。");
  assert.equal(store.data.get("snapshot").owner, "7"); // nothing overwritten
});

// --- ID numbers and phones -------------------------------------------------------------------

test("ID numbers: checksum, birth date, sex, 15-digit upgrade, full-width input", () => {
  const ok = I.parse("11010519491231002x");
  assert.deepEqual(
    [ok.ok, ok.number, ok.sex, ok.sexLabel, ok.birth],
    [true, "11010519491231002X", "2", "女", "1949-12-31"]
  );
  assert.equal(I.parse("110105491231002").number, "11010519491231002X");
  assert.equal(I.parse(" １１０１０５１９４９１２３１００２Ｘ").number, "11010519491231002X");
  assert.equal(I.parse("110105194912310021").error, "校验码错误：按前17位计算最后一位应为“X”，请核对号码是否录入有误。");
  assert.equal(I.parse("1101051949").error, "公民身份号码应为18位（旧版为15位），输入的是10位。");
  assert.equal(I.parse("00010519491231002X").error, "前两位“00”不是有效的省级行政区划代码。");
  assert.equal(I.parse("110105194902300020").error, "出生日期“19490230”不是有效日期。");
  assert.equal(I.parse("110105209912310020", new Date(2026, 0, 1)).error, "出生日期“20991231”晚于今天。");
  assert.equal(I.parse("").error, "请填写公民身份号码。");
  assert.equal(I.mask("11010519491231002X"), "110105********002X");
});

test("phones: mobile or landline with area code, separators and +86 dropped", () => {
  assert.deepEqual(I.phone("+86 138-1234-5678"), { ok: true, number: "13812345678", error: "" });
  assert.equal(I.phone("0871-12345678").number, "087112345678");
  assert.equal(I.phone("").ok, true);
  assert.equal(I.phone("12345").error, "联系电话应为11位手机号码，或带区号的固定电话号码（如 0871-12345678）。");
  assert.equal(I.phone("138abc").error, "联系电话只能包含数字（可带区号分隔符“-”）。");
});
