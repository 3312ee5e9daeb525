/*
 * 走访记录: the visit form for one card (`/m/visit/#card=<id>`), filled from the offline
 * snapshot: who, which card, its risk scale, the visit methods. Saving queues the visit with
 * an idempotency key and the grid's position; its photos stay on the phone with it and are
 * uploaded once the server has created the visit (a two-step outbox item, see queue.js).
 */
(function () {
  "use strict";
  const form = document.getElementById("visit-form");
  if (!form) return;
  const result = document.getElementById("visit-result");
  const subject = document.getElementById("visit-subject");
  const fields = document.getElementById("visit-fields");
  const photos = document.getElementById("v-photos");
  const maxPhotos = Number(form.dataset.maxPhotos || 9);
  const photosHint = document.getElementById("v-photos-status").textContent;
  let current = null; // {card, person}

  function byId(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function option(value, text) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }

  function setError(field, text) {
    const node = form.querySelector('[data-error="' + field + '"]');
    if (node) node.textContent = text || "";
  }

  function showResult(text, kind) {
    result.textContent = text;
    result.className = "banner " + (kind || "");
    result.hidden = !text;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function localNow() {
    const d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function cardId() {
    const match = /card=(\d+)/.exec(window.location.hash);
    return match ? match[1] : null;
  }

  function render(data) {
    subject.textContent = "";
    const found = data ? PinganSnapshot.card(data, cardId()) : null;
    current = found;
    if (!found) {
      subject.appendChild(el("p", "field-error", data
        ? "离线数据中没有这张类型卡：请从“我的人员”中打开人员，再点“记录走访”。"
        : "离线数据未加载：请联网后打开“我的人员”，再来记录走访。"));
      subject.appendChild(Object.assign(el("a", "button secondary", "打开我的人员"), { href: form.dataset.people }));
      fields.hidden = true;
      return;
    }
    const p = found.person;
    const c = found.card;
    subject.appendChild(el("h2", "", p.name + " · " + c.kind_label));
    subject.appendChild(el("p", "muted", [p.id_number, p.address].filter(Boolean).join(" · ")));
    subject.appendChild(el("p", "muted", "当前" + (c.risk_label ? "等级：" + c.risk_label + "；" : "") +
      "下次走访：" + (c.next_visit_on || "无定期走访") + (c.overdue ? "（已逾期）" : "")));
    const method = byId("v-method");
    method.textContent = "";
    method.appendChild(option("", "请选择"));
    (data.visit_methods || []).forEach(function (m) { method.appendChild(option(m[0], m[1])); });
    const kind = (data.kinds || {})[c.kind] || { risk_levels: [] };
    const riskBox = byId("v-risk-box");
    const risk = byId("v-risk");
    risk.textContent = "";
    riskBox.hidden = !kind.risk_levels.length;
    if (kind.risk_levels.length) {
      byId("v-risk-label").textContent = (kind.risk_label || "风险等级") + "（本次评估）";
      risk.appendChild(option("", "请选择"));
      kind.risk_levels.forEach(function (r) { risk.appendChild(option(String(r[0]), r[1])); });
      if (c.risk_level !== null && c.risk_level !== undefined) risk.value = String(c.risk_level);
    }
    byId("v-when").value = localNow();
    fields.hidden = false;
  }

  photos.addEventListener("change", function () {
    const n = photos.files.length;
    byId("v-photos-status").textContent = n ? "已选择 " + n + " 张照片。" : photosHint;
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!current) return;
    ["visited_at", "method", "place", "notes", "risk_level", "photos", "card"].forEach(function (f) { setError(f, ""); });
    let ok = true;
    const whenValue = byId("v-when").value;
    const visited = whenValue ? new Date(whenValue) : null;
    if (!visited || isNaN(visited.getTime())) { setError("visited_at", "请填写走访时间。"); ok = false; }
    else if (visited.getTime() > Date.now() + 5 * 60 * 1000) { setError("visited_at", "走访时间不能晚于现在。"); ok = false; }
    const method = byId("v-method").value;
    if (!method) { setError("method", "请选择走访方式。"); ok = false; }
    const riskBox = byId("v-risk-box");
    const risk = byId("v-risk").value;
    if (!riskBox.hidden && risk === "") { setError("risk_level", "请填写本次评估的等级。"); ok = false; }
    if (photos.files.length > maxPhotos) { setError("photos", "每次走访最多 " + maxPhotos + " 张照片。"); ok = false; }
    if (!ok) return;
    const c = current.card;
    const p = current.person;
    const files = Array.prototype.map.call(photos.files, function (f) { return { name: f.name, blob: f }; });
    const app = await window.PinganApp.ready;
    await app.enqueue({
      kind: "visit",
      url: form.dataset.endpoint + encodeURIComponent(c.id) + "/visits/",
      body: {
        visited_at: visited.toISOString(),
        method: method,
        place: byId("v-place").value.trim(),
        notes: byId("v-notes").value.trim(),
        risk_level: riskBox.hidden ? null : Number(risk),
      },
      files: files,
      filesUrl: form.dataset.photosUrl,
      fileField: "photos",
      headers: p.position ? { "X-Pingan-Position": String(p.position) } : {},
      label: p.name + " · " + c.kind_label + " · " + whenValue.replace("T", " "),
    });
    byId("v-place").value = "";
    byId("v-notes").value = "";
    photos.value = "";
    byId("v-photos-status").textContent = photosHint;
    showResult(navigator.onLine ? "已保存，正在发送…" : "当前离线，走访已保存在本机，联网后自动发送。", "info");
  });

  window.addEventListener("hashchange", function () {
    window.PinganApp.ready.then(load);
  });

  async function load(app) {
    const loaded = await PinganSnapshot.load({
      store: app.store(),
      owner: app.owner,
      url: form.dataset.snapshot,
      fetch: window.fetch.bind(window),
    });
    render(loaded.data);
  }

  window.PinganApp.ready.then(function (app) {
    app.onSync(function (res) {
      const failed = res.failed.filter(function (s) { return s.item.kind === "visit"; });
      const sent = res.sent.filter(function (s) { return s.item.kind === "visit"; });
      const advanced = res.advanced.filter(function (s) { return s.item.kind === "visit"; });
      if (failed.length) {
        showResult("走访发送失败：" + failed[0].item.error + "（见下方“发送失败”）", "error");
      } else if (sent.length) {
        const next = sent[sent.length - 1].body && sent[sent.length - 1].body.next_visit_on;
        showResult("走访已保存" + (next ? "，下次走访日期：" + next : "") + "。", "ok");
      } else if (advanced.length) {
        showResult("走访已保存，正在上传照片…", "info");
      }
    });
    load(app);
  });
})();
