/*
 * 我的人员 / 我的房屋 offline: the snapshot of the worker's grids (GET /api/v1/mobile/snapshot/,
 * masked data only) kept in IndexedDB, and searching it on the phone.
 *
 * Pure logic: the store (getData/setData), fetch and clock are injected, so the same file runs
 * in the page and under `node --test`.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.PinganSnapshot = api;
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  const KEY = "snapshot";
  const MAX_AGE_MS = 30 * 60 * 1000;

  /**
   * The snapshot to show: the stored one while it is fresh (younger than maxAgeMs) unless
   * `force`, else a new one from the server (stored for next time), else the stored one
   * with the reason it could not be refreshed. A stored snapshot of another user is never
   * returned. -> {data, savedAt, source: "network"|"cache"|"none", error}
   */
  async function load(options) {
    const store = options.store;
    const owner = String(options.owner);
    const now = options.now || Date.now;
    const maxAge = options.maxAgeMs === undefined ? MAX_AGE_MS : options.maxAgeMs;
    let saved = await store.getData(KEY);
    if (saved && String(saved.owner) !== owner) saved = null;
    if (saved && !options.force && now() - saved.savedAt < maxAge) {
      return { data: saved.data, savedAt: saved.savedAt, source: "cache", error: "" };
    }
    let error = "";
    try {
      const response = await options.fetch(options.url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.status === 200) {
        const data = await response.json();
        if (String(data.owner) === owner) {
          const row = { owner: owner, savedAt: now(), data: data };
          await store.setData(KEY, row);
          return { data: data, savedAt: row.savedAt, source: "network", error: "" };
        }
        error = "登录账号已变化，请刷新页面。";
      } else if (response.status === 401 || response.status === 403) {
        error = "登录已失效，请重新登录后更新。";
      } else {
        // The service worker answers 503 with a Chinese `detail` when the phone is offline.
        let detail = "";
        try { detail = ((await response.json()) || {}).detail || ""; } catch (e) { detail = ""; }
        error = detail || "服务器暂时不可用（" + response.status + "）。";
      }
    } catch (e) {
      error = "当前离线。";
    }
    if (saved) return { data: saved.data, savedAt: saved.savedAt, source: "cache", error: error };
    return { data: null, savedAt: null, source: "none", error: error };
  }

  function terms(q) {
    return String(q || "").trim().toLowerCase().split(/\s+/).filter(Boolean);
  }

  function personMatches(p, term) {
    if ((p.name || "").toLowerCase().indexOf(term) !== -1) return true;
    if (/^[a-z]+$/.test(term)) {
      return (p.py || "").indexOf(term) === 0 || (p.pi || "").indexOf(term) === 0;
    }
    if (/^\d{3,}x?$/.test(term)) {
      // The masked ID number keeps its last four characters, the masked phone its last four.
      const id = (p.id_number || "").toLowerCase();
      const phone = p.phone || "";
      if (term.length <= 4 && (id.slice(-term.length) === term || phone.slice(-term.length) === term)) return true;
    }
    return (p.address || "").toLowerCase().indexOf(term) !== -1;
  }

  /** People matching every space-separated term: name (汉字 contains, 拼音/首字母 prefix),
   * the last 4 characters of the ID number or phone, or the address. */
  function searchPeople(data, q) {
    const words = terms(q);
    const people = (data && data.people) || [];
    if (!words.length) return people.slice();
    return people.filter(function (p) {
      return words.every(function (t) { return personMatches(p, t); });
    });
  }

  /** Houses whose address contains every term. */
  function searchHouses(data, q) {
    const words = terms(q);
    const houses = (data && data.houses) || [];
    return houses.filter(function (h) {
      const address = (h.address || "").toLowerCase();
      return words.every(function (t) { return address.indexOf(t) !== -1; });
    });
  }

  function person(data, id) {
    return ((data && data.people) || []).find(function (p) { return String(p.id) === String(id); }) || null;
  }

  function house(data, id) {
    return ((data && data.houses) || []).find(function (h) { return String(h.id) === String(id); }) || null;
  }

  /** {card, person} for a card id. */
  function card(data, id) {
    const people = (data && data.people) || [];
    for (let i = 0; i < people.length; i += 1) {
      const found = (people[i].cards || []).find(function (c) { return String(c.id) === String(id); });
      if (found) return { card: found, person: people[i] };
    }
    return null;
  }

  return {
    KEY: KEY,
    MAX_AGE_MS: MAX_AGE_MS,
    load: load,
    searchPeople: searchPeople,
    searchHouses: searchHouses,
    person: person,
    house: house,
    card: card,
  };
});
