/*
 * 我的人员 / 我的房屋: lists of the worker's grids from the offline snapshot (snapshot.js),
 * with a search box, and the detail of one person (`#p/<id>`: cards and next visit dates,
 * the latest visits when online) or one house (`#h/<id>`: occupants). Everything shown here
 * is masked; the snapshot is refreshed when older than 30 minutes, on "更新", and after a
 * queued person or visit has been sent.
 */
(function () {
  "use strict";
  const root = document.getElementById("registry");
  if (!root) return;
  const page = root.dataset.page;
  const LIMIT = 100;
  const listBox = document.getElementById("registry-list");
  const detailBox = document.getElementById("registry-detail");
  const items = document.getElementById("registry-items");
  const search = document.getElementById("registry-q");
  const status = document.getElementById("registry-status");
  let data = null;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function link(href, text, cls) {
    const a = el("a", cls || "", text);
    a.href = href;
    return a;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "—";
  }

  function showStatus(text, kind) {
    status.textContent = text;
    status.className = "banner " + (kind || "");
    status.hidden = !text;
  }

  function facts(rows) {
    const dl = el("dl", "facts");
    rows.forEach(function (row) {
      if (row[1] === null || row[1] === undefined || row[1] === "") return;
      dl.appendChild(el("dt", "", row[0]));
      const dd = el("dd", row[2] || "");
      if (row[1] instanceof Node) dd.appendChild(row[1]);
      else dd.textContent = String(row[1]);
      dl.appendChild(dd);
    });
    return dl;
  }

  function gridName(code) {
    const grid = ((data && data.grids) || []).find(function (g) { return code.indexOf(g.code) === 0; });
    return grid ? grid.name : code;
  }

  // --- lists ---------------------------------------------------------------------------

  function personRow(p) {
    const li = el("li", "reg-item" + (p.overdue ? " overdue" : ""));
    const a = link("#p/" + p.id, "");
    a.appendChild(el("strong", "", p.name));
    a.appendChild(el("span", "muted", [p.sex_label, p.id_number].filter(Boolean).join(" · ")));
    if (p.address) a.appendChild(el("span", "muted", p.address));
    const tags = el("span", "tags");
    (p.cards || []).forEach(function (c) { tags.appendChild(el("span", "tag", c.kind_label)); });
    if (p.next_visit_on) {
      tags.appendChild(el("span", "tag " + (p.overdue ? "danger" : "due"), (p.overdue ? "逾期 " : "下次走访 ") + p.next_visit_on));
    }
    a.appendChild(tags);
    li.appendChild(a);
    return li;
  }

  function houseRow(h) {
    const li = el("li", "reg-item");
    const a = link("#h/" + h.id, "");
    a.appendChild(el("strong", "", h.address));
    a.appendChild(el("span", "muted", "住户 " + h.occupants.length + " 人" + (h.is_rental ? " · 出租房" : "")));
    li.appendChild(a);
    return li;
  }

  function renderList() {
    const q = search.value;
    const rows = page === "people" ? PinganSnapshot.searchPeople(data, q) : PinganSnapshot.searchHouses(data, q);
    const total = page === "people" ? (data.people || []).length : (data.houses || []).length;
    document.getElementById("registry-count").textContent =
      (q.trim() ? "找到 " + rows.length + " / " : "共 ") + total + (page === "people" ? " 人" : " 处");
    items.textContent = "";
    rows.slice(0, LIMIT).forEach(function (row) {
      items.appendChild(page === "people" ? personRow(row) : houseRow(row));
    });
    const more = document.getElementById("registry-more");
    more.hidden = rows.length <= LIMIT;
    more.textContent = "只显示前 " + LIMIT + " 条，请输入更多搜索词缩小范围。";
    if (!rows.length) items.appendChild(el("li", "muted", q.trim() ? "没有符合条件的记录。" : "网格内还没有登记记录。"));
  }

  // --- person detail -------------------------------------------------------------------

  function cardBox(c) {
    const box = el("div", "reg-card" + (c.overdue ? " overdue" : ""));
    box.dataset.card = c.id;
    box.appendChild(el("h3", "", c.kind_label));
    box.appendChild(facts([
      ["等级", c.risk_label ? c.risk_label : null],
      ["关注程度", c.attention_label],
      ["列管日期", c.opened_on],
      ["最近走访", c.last_visit_at ? when(c.last_visit_at) : "尚无"],
      ["下次走访", c.next_visit_on ? c.next_visit_on + (c.overdue ? "（已逾期）" : "") : "无定期走访", c.overdue ? "danger" : ""],
    ]));
    box.appendChild(link(root.dataset.visit + "#card=" + c.id, "记录走访", "button primary small"));
    box.appendChild(el("div", "reg-visits"));
    return box;
  }

  function renderVisits(container, visits) {
    container.textContent = "";
    if (!visits.length) { container.appendChild(el("p", "muted", "还没有走访记录。")); return; }
    container.appendChild(el("h4", "", "最近走访"));
    const ul = el("ul", "visit-list");
    visits.forEach(function (v) {
      const li = el("li", "");
      li.appendChild(el("strong", "", when(v.visited_at)));
      li.appendChild(el("span", "muted", [v.method_label, v.place, v.visitor].filter(Boolean).join(" · ")));
      if (v.photos.length) {
        const strip = el("div", "photo-strip");
        v.photos.forEach(function (url) {
          const a = link(url, "");
          a.target = "_blank";
          const img = el("img", "");
          img.src = url;
          img.alt = "走访照片";
          img.loading = "lazy";
          a.appendChild(img);
          strip.appendChild(a);
        });
        li.appendChild(strip);
      }
      ul.appendChild(li);
    });
    container.appendChild(ul);
  }

  async function loadVisits(person) {
    try {
      const response = await fetch(root.dataset.detail + encodeURIComponent(person.id) + "/", {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const live = await response.json();
      (live.cards || []).forEach(function (c) {
        const box = detailBox.querySelector('[data-card="' + c.id + '"] .reg-visits');
        if (box) renderVisits(box, c.visits || []);
      });
    } catch (e) {
      detailBox.querySelectorAll(".reg-visits").forEach(function (box) {
        box.textContent = "";
        box.appendChild(el("p", "muted", "走访历史需联网查看。"));
      });
    }
  }

  function renderPerson(p) {
    detailBox.textContent = "";
    detailBox.appendChild(link("#", "← 返回列表", "back"));
    const card = el("section", "card");
    card.appendChild(el("h2", "", p.name));
    const house = p.house_id ? PinganSnapshot.house(data, p.house_id) : null;
    card.appendChild(facts([
      ["性别", p.sex_label],
      ["出生日期", p.birth_date],
      ["民族", p.ethnicity_label],
      ["身份证号", p.id_number, "mono"],
      ["联系电话", p.phone, "mono"],
      ["现住址", p.address],
      ["所属网格", gridName(p.region_code)],
      ["所属房屋", house ? link(root.dataset.houses + "#h/" + house.id, house.address) : null],
    ]));
    card.appendChild(el("p", "muted", "身份证号、电话已脱敏；查看完整信息请使用电脑端（留痕）。"));
    detailBox.appendChild(card);
    const cards = el("section", "card");
    cards.appendChild(el("h2", "", "类型卡与走访"));
    if (!(p.cards || []).length) cards.appendChild(el("p", "muted", "没有在册的类型卡。"));
    (p.cards || []).forEach(function (c) { cards.appendChild(cardBox(c)); });
    detailBox.appendChild(cards);
    if ((p.cards || []).length) loadVisits(p);
  }

  function renderHouse(h) {
    detailBox.textContent = "";
    detailBox.appendChild(link("#", "← 返回列表", "back"));
    const card = el("section", "card");
    card.appendChild(el("h2", "", h.address));
    const owner = h.owner_id ? PinganSnapshot.person(data, h.owner_id) : null;
    card.appendChild(facts([
      ["所属网格", gridName(h.region_code)],
      ["出租房", h.is_rental ? "是" : "否"],
      ["房主", owner ? owner.name : null],
      ["位置（约）", h.point ? "纬度 " + h.point[1].toFixed(2) + "，经度 " + h.point[0].toFixed(2) : null],
    ]));
    detailBox.appendChild(card);
    const list = el("section", "card");
    list.appendChild(el("h2", "", "住户（" + h.occupants.length + " 人）"));
    const ul = el("ul", "reg-list");
    h.occupants.forEach(function (id) {
      const p = PinganSnapshot.person(data, id);
      const li = el("li", "reg-item");
      if (p) {
        const a = link(root.dataset.people + "#p/" + p.id, "");
        a.appendChild(el("strong", "", p.name));
        a.appendChild(el("span", "muted", [p.sex_label, p.id_number].filter(Boolean).join(" · ")));
        li.appendChild(a);
      } else {
        li.appendChild(el("span", "muted", "人员 #" + id + "（不在离线数据中）"));
      }
      ul.appendChild(li);
    });
    if (!h.occupants.length) ul.appendChild(el("li", "muted", "没有登记住户。"));
    list.appendChild(ul);
    detailBox.appendChild(list);
  }

  function route() {
    if (!data) return;
    const match = /^#([ph])\/(\d+)$/.exec(window.location.hash);
    const row = match ? (match[1] === "p" ? PinganSnapshot.person(data, match[2]) : PinganSnapshot.house(data, match[2])) : null;
    if (match && !row) {
      showStatus("离线数据中没有这条记录（可能不在您的网格内，或刚登记尚未更新）。", "warn");
    }
    listBox.hidden = !!row;
    detailBox.hidden = !row;
    if (row) {
      if (match[1] === "p") renderPerson(row);
      else renderHouse(row);
      window.scrollTo(0, 0);
    } else {
      renderList();
    }
  }

  async function refresh(force) {
    const app = await window.PinganApp.ready;
    const result = await PinganSnapshot.load({
      store: app.store(),
      owner: app.owner,
      url: root.dataset.snapshot,
      fetch: window.fetch.bind(window),
      force: !!force,
    });
    if (result.data) data = result.data;
    document.getElementById("registry-saved").textContent = result.savedAt ? when(new Date(result.savedAt).toISOString()) : "—";
    if (!result.data) {
      document.getElementById("registry-count").textContent = "";
      showStatus("无法加载：" + result.error + "请联网后打开本页，数据会保存在本机供离线查看。", "error");
      return;
    }
    const notes = [];
    if (result.error) notes.push("未能更新（" + result.error + "），显示本机保存的数据。");
    if (data.truncated) notes.push("网格内人员或房屋较多，本机只保存了前一部分，完整查询请用电脑端。");
    showStatus(notes.join(""), result.error ? "warn" : "info");
    route();
  }

  search.addEventListener("input", renderList);
  document.getElementById("registry-refresh").addEventListener("click", function () { refresh(true); });
  window.addEventListener("hashchange", route);
  window.PinganApp.ready.then(function (app) {
    app.onSync(function (res) {
      const changed = res.sent.some(function (s) { return s.item.kind === "person" || s.item.kind === "visit"; });
      if (changed) refresh(true);
    });
  });
  refresh(false);
})();
