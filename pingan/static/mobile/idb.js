/*
 * IndexedDB behind the outbox's small store interface (all/put/delete) plus a `meta` store
 * for the signed-in session (owner, CSRF token) that the service worker's Background Sync
 * needs, and a `data` store for the offline snapshot of my people and houses (masked data
 * only; emptied when another person signs in). Used by the pages and by the service worker
 * (importScripts).
 */
(function (root) {
  "use strict";
  const DB_NAME = "pingan-mobile";
  const DB_VERSION = 2;

  function promised(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function openDb() {
    const request = root.indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = function () {
      const db = request.result;
      if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "id" });
      if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
      if (!db.objectStoreNames.contains("data")) db.createObjectStore("data", { keyPath: "key" });
    };
    return promised(request).then(function (db) {
      // A newer page version wants to upgrade the schema: let it (this tab reopens later).
      db.onversionchange = function () { db.close(); };
      return db;
    });
  }

  async function open() {
    const db = await openDb();
    function run(name, mode, fn) {
      return new Promise(function (resolve, reject) {
        const tx = db.transaction(name, mode);
        const result = fn(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    }
    return {
      all: function () { return run("outbox", "readonly", function (s) { return s.getAll(); }); },
      put: function (item) { return run("outbox", "readwrite", function (s) { s.put(item); }); },
      delete: function (id) { return run("outbox", "readwrite", function (s) { s.delete(id); }); },
      getMeta: async function (key) {
        const row = await run("meta", "readonly", function (s) { return s.get(key); });
        return row ? row.value : null;
      },
      setMeta: function (key, value) {
        return run("meta", "readwrite", function (s) { s.put({ key: key, value: value }); });
      },
      getData: async function (key) {
        const row = await run("data", "readonly", function (s) { return s.get(key); });
        return row ? row.value : null;
      },
      setData: function (key, value) {
        return run("data", "readwrite", function (s) { s.put({ key: key, value: value }); });
      },
      clearData: function () {
        return run("data", "readwrite", function (s) { s.clear(); });
      },
    };
  }

  root.PinganIdb = { open: open };
})(typeof self !== "undefined" ? self : this);
