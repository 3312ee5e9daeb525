/*
 * 新增人员: name, ID number (checked on the phone with idcard.js: checksum, birth date; sex and
 * birth date shown as the number encodes them), phone, grid, house (from the offline
 * snapshot), address. Saving queues the person in the outbox with an idempotency key and the
 * grid's position (`X-Pingan-Position`), so the server registers it once, in that grid. A
 * duplicate ID number comes back as a failed outbox item with the server's Chinese message.
 */
(function () {
  "use strict";
  const form = document.getElementById("person-form");
  if (!form) return;
  const result = document.getElementById("person-result");
  const idInput = document.getElementById("p-id");
  const grid = document.getElementById("p-grid");
  const house = document.getElementById("p-house");
  let data = null;

  function byId(id) { return document.getElementById(id); }

  function setError(field, text) {
    const node = form.querySelector('[data-error="' + field + '"]');
    if (node) node.textContent = text || "";
  }

  function showResult(text, kind) {
    result.textContent = text;
    result.className = "banner " + (kind || "");
    result.hidden = !text;
  }

  function checkId(final) {
    const value = idInput.value;
    const derived = byId("p-derived");
    if (!value.trim()) {
      derived.hidden = true;
      setError("id_number", final ? "请填写公民身份号码。" : "");
      return null;
    }
    const parsed = PinganIdCard.parse(value);
    const complete = PinganIdCard.clean(value).length >= 18;
    if (!parsed.ok) {
      derived.hidden = true;
      // While typing, only complain once the number is long enough to be judged.
      setError("id_number", final || complete ? parsed.error : "");
      return null;
    }
    setError("id_number", "");
    byId("p-sex").textContent = parsed.sexLabel;
    byId("p-birth").textContent = parsed.birth;
    derived.hidden = false;
    return parsed;
  }

  function fillHouses() {
    const code = grid.value;
    const keep = house.value;
    house.textContent = "";
    const none = document.createElement("option");
    none.value = "";
    none.textContent = data ? "（不选）" : "（离线数据未加载，暂不能选房屋）";
    house.appendChild(none);
    ((data && data.houses) || [])
      .filter(function (h) { return h.region_code === code || h.region_code.indexOf(code) === 0; })
      .forEach(function (h) {
        const o = document.createElement("option");
        o.value = String(h.id);
        o.textContent = h.address;
        house.appendChild(o);
      });
    house.value = keep;
    if (house.value !== keep) house.value = "";
  }

  idInput.addEventListener("input", function () { checkId(false); });
  idInput.addEventListener("blur", function () { checkId(true); });
  grid.addEventListener("change", fillHouses);
  house.addEventListener("change", function () {
    const chosen = PinganSnapshot.house(data, house.value);
    const address = byId("p-address");
    if (chosen && !address.value.trim()) address.placeholder = chosen.address;
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    ["name", "id_number", "phone", "region_code", "house_id", "address"].forEach(function (f) { setError(f, ""); });
    const name = byId("p-name").value.trim();
    let ok = true;
    if (!name) { setError("name", "请填写姓名。"); ok = false; }
    const parsed = checkId(true);
    if (!parsed) ok = false;
    const phone = PinganIdCard.phone(byId("p-phone").value);
    if (!phone.ok) { setError("phone", phone.error); ok = false; }
    const option = grid.options[grid.selectedIndex];
    if (!option) { setError("region_code", "请选择所属网格。"); ok = false; }
    if (!ok) return;
    const body = {
      name: name,
      id_number: parsed.number,
      phone: phone.number,
      address: byId("p-address").value.trim(),
      region_code: grid.value,
    };
    if (house.value) body.house_id = Number(house.value);
    const app = await window.PinganApp.ready;
    await app.enqueue({
      kind: "person",
      url: form.dataset.endpoint,
      body: body,
      headers: { "X-Pingan-Position": option.dataset.position },
      label: name + "（" + PinganIdCard.mask(parsed.number) + "）",
    });
    form.reset();
    byId("p-derived").hidden = true;
    fillHouses();
    showResult(navigator.onLine ? "已保存，正在发送…" : "当前离线，已保存在本机，联网后自动发送。", "info");
  });

  window.PinganApp.ready.then(async function (app) {
    app.onSync(function (res) {
      const sent = res.sent.filter(function (s) { return s.item.kind === "person"; });
      const failed = res.failed.filter(function (s) { return s.item.kind === "person"; });
      if (failed.length) {
        showResult("登记失败：" + failed[0].item.error + "（见下方“发送失败”）", "error");
      } else if (sent.length) {
        const names = sent.map(function (s) { return s.body && s.body.name; }).join("、");
        showResult("已登记：" + names + "。", "ok");
      }
    });
    const loaded = await PinganSnapshot.load({
      store: app.store(),
      owner: app.owner,
      url: form.dataset.snapshot,
      fetch: window.fetch.bind(window),
    });
    data = loaded.data;
    fillHouses();
  });
})();
