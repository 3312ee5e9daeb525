/*
 * 上报事件: category picker (from the categories API, cached by the service worker), GPS with
 * manual fallback, photos when the server takes them. Submitting stores the report in the
 * outbox first (with its idempotency key) and then lets the sync loop send it.
 */
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  if (!form) return;
  const top = document.getElementById("category-top");
  const sub = document.getElementById("category-sub");
  const result = document.getElementById("report-result");
  const photosInput = document.getElementById("photos");
  let categories = [];
  const locateHint = document.getElementById("locate-status").textContent;
  const photosHint = photosInput ? document.getElementById("photos-status").textContent : "";

  function byId(id) { return document.getElementById(id); }

  function option(value, text) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }

  function showResult(text, kind) {
    result.textContent = text;
    result.className = "banner " + (kind || "");
    result.hidden = !text;
  }

  function setError(field, text) {
    const node = form.querySelector('[data-error="' + field + '"]');
    if (node) node.textContent = text || "";
  }

  async function loadCategories() {
    try {
      const response = await fetch(form.dataset.categories, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      categories = await response.json();
    } catch (e) {
      top.textContent = "";
      top.appendChild(option("", "类别加载失败（离线且无缓存），请联网后刷新"));
      return;
    }
    top.textContent = "";
    top.appendChild(option("", "请选择大类"));
    categories.filter(function (c) { return !c.parent; }).forEach(function (c) {
      top.appendChild(option(c.code, c.name));
    });
  }

  top.addEventListener("change", function () {
    sub.textContent = "";
    sub.appendChild(option("", "（可不选）"));
    const children = categories.filter(function (c) { return c.parent === top.value; });
    children.forEach(function (c) { sub.appendChild(option(c.code, c.name)); });
    sub.disabled = children.length === 0;
  });

  const MAX_PHOTOS = 9; // the events API's limit per case
  if (photosInput) {
    photosInput.addEventListener("change", function () {
      const n = photosInput.files.length;
      byId("photos-status").textContent = n ? "已选择 " + n + " 张照片。" : "";
    });
  }

  byId("locate").addEventListener("click", function () {
    const status = byId("locate-status");
    if (!navigator.geolocation) {
      status.textContent = "本机不支持定位，请手动填写经纬度。";
      return;
    }
    status.textContent = "正在定位…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        byId("lat").value = pos.coords.latitude.toFixed(6);
        byId("lng").value = pos.coords.longitude.toFixed(6);
        status.textContent = "已定位，精度约 " + Math.round(pos.coords.accuracy) + " 米。";
      },
      function (err) {
        const reasons = { 1: "未允许定位权限", 2: "暂时无法获取位置", 3: "定位超时" };
        status.textContent = (reasons[err.code] || "定位失败") + "，请手动填写经纬度。";
        byId("lat").focus();
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  function number(id, low, high, field) {
    const raw = byId(id).value.trim();
    if (!raw) { setError(field, "请提供事件位置（经纬度）。"); return null; }
    const value = Number(raw);
    if (!isFinite(value) || value < low || value > high) {
      setError(field, "应在 " + low + " 到 " + high + " 之间。");
      return null;
    }
    return value;
  }

  function categoryName(code) {
    const found = categories.find(function (c) { return c.code === code; });
    return found ? found.name : code;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    ["category", "description", "lat", "lng", "unit", "photos"].forEach(function (f) { setError(f, ""); });
    const category = sub.value || top.value;
    const description = byId("description").value.trim();
    let ok = true;
    if (!category) { setError("category", "请选择有效的事件类别。"); ok = false; }
    if (!description) { setError("description", "请填写事件描述。"); ok = false; }
    const lat = number("lat", -90, 90, "lat");
    const lng = number("lng", -180, 180, "lng");
    if (photosInput && photosInput.files.length > MAX_PHOTOS) {
      setError("photos", "每个事件最多 " + MAX_PHOTOS + " 张照片。");
      ok = false;
    }
    if (lat === null || lng === null || !ok) return;
    const unit = byId("unit");
    const body = {
      category: category,
      description: description,
      lat: lat,
      lng: lng,
      address: byId("address").value.trim(),
      urgency: byId("urgency").value,
    };
    if (unit && unit.value) body.unit = unit.value;
    const files = photosInput ? Array.prototype.map.call(photosInput.files, function (f) {
      return { name: f.name, blob: f };
    }) : [];
    const app = await window.PinganApp.ready;
    await app.enqueue({
      kind: "event",
      url: form.dataset.endpoint,
      body: body,
      files: files,
      label: categoryName(category) + "：" + description.slice(0, 20),
    });
    form.reset();
    sub.disabled = true;
    byId("locate-status").textContent = locateHint;
    if (photosInput) byId("photos-status").textContent = photosHint;
    showResult(navigator.onLine ? "已保存，正在发送…" : "当前离线，事件已保存在本机，联网后自动发送。", "info");
  });

  window.PinganApp.ready.then(function (app) {
    app.onSync(function (res) {
      const events = res.sent.filter(function (s) { return s.item.kind === "event"; });
      if (events.length) {
        const numbers = events.map(function (s) { return s.body && s.body.number; }).join("、");
        showResult("上报成功，案件编号：" + numbers, "ok");
      }
      const failed = res.failed.filter(function (s) { return s.item.kind === "event"; });
      if (failed.length) showResult("上报失败：" + failed[0].item.error + "（见下方“发送失败”）", "error");
    });
  });

  loadCategories();
})();
