// The 消息 badge and mark-read logic (notices.js), run by `node --test`.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");

const N = require(path.join(__dirname, "..", "..", "..", "pingan", "static", "mobile", "notices.js"));

/** A localStorage stand-in. */
function fakeStorage(initial) {
  const map = new Map(Object.entries(initial || {}));
  return {
    map,
    get length() { return map.size; },
    key: (i) => [...map.keys()][i] ?? null,
    getItem: (k) => (map.has(k) ? map.get(k) : null),
    setItem: (k, v) => { map.set(k, String(v)); },
    removeItem: (k) => { map.delete(k); },
  };
}

test("a fresh page keeps its own count; a cached (older) page shows the newer one", () => {
  const page = { label: "3", at: 2000 };
  assert.deepEqual(N.newest(null, page), { state: page, cached: false });
  assert.deepEqual(N.newest({ label: "5", at: 1000 }, page), { state: page, cached: false });
  assert.deepEqual(N.newest({ label: "", at: 3000 }, page), { state: { label: "", at: 3000 }, cached: true });
  // Same render time: not a cached copy.
  assert.deepEqual(N.newest({ label: "1", at: 2000 }, page), { state: page, cached: false });
  // Rubbish in storage is ignored.
  assert.deepEqual(N.newest({ label: 7, at: 9000 }, page), { state: page, cached: false });
  assert.deepEqual(N.newest({ at: "9000" }, page), { state: page, cached: false });
});

test("write keeps the newest count per account and forgets other accounts", () => {
  const storage = fakeStorage({ [N.KEY + "7"]: JSON.stringify({ label: "9", at: 1 }), other: "kept" });
  N.write(storage, "8", { label: "2", at: 100 });
  assert.deepEqual(N.read(storage, "8"), { label: "2", at: 100 });
  assert.equal(storage.getItem(N.KEY + "7"), null);
  assert.equal(storage.getItem("other"), "kept");
  N.write(storage, "8", { label: "5", at: 50 }); // older than what is stored: ignored
  assert.deepEqual(N.read(storage, "8"), { label: "2", at: 100 });
  N.write(storage, "8", { label: "", at: 150 });
  assert.deepEqual(N.read(storage, "8"), { label: "", at: 150 });
});

test("storage that throws (private mode) never breaks the page", () => {
  const broken = {
    get length() { throw new Error("denied"); },
    getItem() { throw new Error("denied"); },
  };
  assert.equal(N.read(broken, "1"), null);
  assert.doesNotThrow(() => N.write(broken, "1", { label: "1", at: 1 }));
  const garbage = fakeStorage({ [N.KEY + "1"]: "{not json" });
  assert.equal(N.read(garbage, "1"), null);
});

function fakeFetch(answer) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url, init });
    if (answer === "network") throw new TypeError("Failed to fetch");
    return answer;
  };
  fn.calls = calls;
  return fn;
}

test("post asks for JSON without following redirects and returns the answer", async () => {
  const result = { next: "/m/tasks/#case=SJ1", unread: 2, badge: "2", at: 5 };
  const fetch = fakeFetch({ type: "basic", status: 200, ok: true, json: async () => result });
  const body = { form: true };
  assert.deepEqual(await N.post(fetch, "/m/notifications/1/read/", body), { kind: "ok", result });
  assert.deepEqual(fetch.calls, [{
    url: "/m/notifications/1/read/",
    init: {
      method: "POST",
      body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json" },
    },
  }]);
});

test("post tells offline, signed out, expired page, not mine and server errors apart", async () => {
  const cases = [
    ["network", { kind: "offline" }],
    [{ type: "opaqueredirect", status: 0, ok: false }, { kind: "signed-out" }],
    [{ type: "basic", status: 401, ok: false }, { kind: "signed-out" }],
    [{ type: "basic", status: 403, ok: false }, { kind: "expired" }],
    [{ type: "basic", status: 404, ok: false }, { kind: "missing" }],
    [{ type: "basic", status: 503, ok: false }, { kind: "failed", status: 503 }],
    [{ type: "basic", status: 200, ok: true, json: async () => { throw new SyntaxError("x"); } }, { kind: "failed", status: 200 }],
  ];
  for (const [answer, expected] of cases) {
    assert.deepEqual(await N.post(fakeFetch(answer), "/m/notifications/read/", {}), expected);
  }
});
