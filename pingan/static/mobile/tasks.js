/*
 * 我的任务: the todo inbox (GET /api/v1/cases/?inbox=todo). Opening a task reads its detail
 * for the actions allowed now; the grid worker's actions (核查通过/不通过, 反馈, 自行处置) are
 * queued in the outbox like reports, with the case version so a stale action gets a 409
 * instead of overwriting someone else's work.
 * `#case=<number>` (a message opened from 消息) opens that task, or, when the case is not a
 * task of mine (e.g. the progress of an event I reported), shows its state and latest steps.
 */
(function () {
  "use strict";
  const root = document.getElementById("tasks");
  if (!root) return;
  const TASK_ACTIONS = ["verify_pass", "verify_fail", "feedback", "handle_locally"];
  const list = document.getElementById("task-list");
  const status = document.getElementById("tasks-status");

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }
    );
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString("zh-CN", { hour12: false }) : "—";
  }

  function showStatus(text, kind) {
    status.textContent = text;
    status.className = "banner " + (kind || "");
    status.hidden = !text;
  }

  function renderDetail(container, detail) {
    const box = container.querySelector(".task-detail");
    const d = detail.detail || {};
    box.textContent = "";
    if (d.description) box.appendChild(el("p", "", d.description));
    if (d.address) box.appendChild(el("p", "muted", "地址：" + d.address));
    const buttons = container.querySelector(".task-buttons");
    buttons.textContent = "";
    const actions = (detail.available_actions || []).filter(function (a) {
      return TASK_ACTIONS.indexOf(a.code) !== -1;
    });
    if (!actions.length) {
      buttons.appendChild(el("p", "muted", "当前没有可在手机上办理的操作，请使用电脑端。"));
      return;
    }
    actions.forEach(function (action) {
      const button = el("button", "button " + (action.code === "verify_fail" ? "danger" : "primary"), action.label);
      button.type = "button";
      button.addEventListener("click", function () { act(container, detail, action); });
      buttons.appendChild(button);
    });
  }

  async function act(container, detail, action) {
    const note = container.querySelector("textarea[name=note]").value.trim();
    const error = container.querySelector('[data-error="note"]');
    error.textContent = "";
    if (action.note_required && !note) {
      error.textContent = "请填写办理意见。";
      return;
    }
    const app = await window.PinganApp.ready;
    await app.enqueue({
      kind: "action",
      url: root.dataset.detail + encodeURIComponent(detail.number) + "/actions/",
      body: { action: action.code, note: note, version: detail.version },
      label: detail.number + " " + action.label,
    });
    container.closest("li").classList.add("queued");
    container.remove();
    showStatus(navigator.onLine ? "已保存，正在发送…" : "当前离线，办理意见已保存在本机，联网后自动发送。", "info");
  }

  async function toggle(li, row) {
    const open = li.querySelector(".task-form");
    if (open) { open.remove(); return; }
    const form = document.getElementById("task-actions").content.firstElementChild.cloneNode(true);
    form.querySelector(".task-detail").textContent = "正在加载…";
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    li.appendChild(form);
    try {
      renderDetail(form, await getJson(root.dataset.detail + encodeURIComponent(row.number) + "/"));
    } catch (e) {
      form.querySelector(".task-detail").textContent = "无法加载案件详情（离线且无缓存）。";
    }
  }

  function focusNumber() {
    const match = /^#case=([^&]+)$/.exec(window.location.hash);
    try {
      return match ? decodeURIComponent(match[1]) : "";
    } catch (e) {
      return ""; // a mangled link: just show the tasks
    }
  }

  function renderCase(box, detail) {
    box.appendChild(el("h2", "", detail.title || detail.number));
    const facts = el("dl", "facts");
    [
      ["案件编号", detail.number],
      ["状态", detail.state_label],
      ["承办单位", detail.holder && detail.holder.name],
      ["办理期限", detail.due_at ? when(detail.due_at) + (detail.is_overdue ? "（已超期）" : "") : null],
    ].forEach(function (row) {
      if (!row[1]) return;
      facts.appendChild(el("dt", "", row[0]));
      facts.appendChild(el("dd", "", row[1]));
    });
    box.appendChild(facts);
    const d = detail.detail || {};
    if (d.description) box.appendChild(el("p", "", d.description));
    const steps = (detail.timeline || []).slice(-5).reverse();
    if (!steps.length) return;
    box.appendChild(el("h3", "", "最近进展"));
    const ul = el("ul", "case-steps");
    steps.forEach(function (step) {
      const li = el("li", "");
      li.appendChild(el("strong", "", [step.label, step.unit && step.unit.name].filter(Boolean).join(" · ")));
      if (step.summary) li.appendChild(el("span", "", step.summary));
      li.appendChild(el("span", "muted", when(step.created_at)));
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  let focused = null;

  async function focus() {
    const number = focusNumber();
    const box = document.getElementById("task-focus");
    if (number === focused) {
      // The list was redrawn (after a sync): mark the task again, leave it as the user left it.
      const again = Array.prototype.find.call(list.children, function (node) { return node.dataset.number === number; });
      if (again) again.classList.add("focused");
      return;
    }
    focused = number;
    box.textContent = "";
    box.hidden = true;
    list.querySelectorAll(".task.focused").forEach(function (li) { li.classList.remove("focused"); });
    if (!number) return;
    const li = Array.prototype.find.call(list.children, function (node) { return node.dataset.number === number; });
    if (li) {
      li.classList.add("focused");
      if (!li.querySelector(".task-form")) li.querySelector(".task-head").click();
      li.scrollIntoView({ block: "start" });
      return;
    }
    box.hidden = false;
    box.appendChild(el("p", "muted", "正在加载案件 " + number + "…"));
    let detail = null;
    let problem = "";
    try {
      detail = await getJson(root.dataset.detail + encodeURIComponent(number) + "/");
    } catch (e) {
      problem = e.message === "404"
        ? "案件 " + number + " 不在您的查看范围内，或已不存在。"
        : "无法加载案件 " + number + "（当前离线且没有缓存）。";
    }
    if (focused !== number) return; // the hash changed while loading
    box.textContent = "";
    if (detail) renderCase(box, detail);
    else box.appendChild(el("p", "muted", problem));
  }

  function renderList(rows) {
    list.textContent = "";
    document.getElementById("tasks-empty").hidden = rows.length > 0;
    rows.forEach(function (row) {
      const li = el("li", "task" + (row.is_overdue ? " overdue" : row.is_warned ? " warned" : ""));
      li.dataset.number = row.number;
      const head = el("button", "task-head");
      head.type = "button";
      head.appendChild(el("strong", "", row.title));
      head.appendChild(el("span", "state", row.state_label));
      head.appendChild(el("span", "muted mono", row.number));
      head.appendChild(el("span", "muted", "期限：" + when(row.due_at) + (row.is_overdue ? "（已超期）" : "")));
      head.addEventListener("click", function () { toggle(li, row); });
      li.appendChild(head);
      list.appendChild(li);
    });
  }

  async function load() {
    try {
      const page = await getJson(root.dataset.list);
      renderList(page.results || []);
      focus();
      if (status.dataset.loadError) { showStatus("", ""); delete status.dataset.loadError; }
      // Warm the service worker cache so the details open offline too.
      (page.results || []).forEach(function (row) {
        getJson(root.dataset.detail + encodeURIComponent(row.number) + "/").catch(function () {});
      });
    } catch (e) {
      showStatus("无法加载任务：当前离线且没有缓存的任务列表。", "error");
      status.dataset.loadError = "1";
      focus();
    } finally {
      document.getElementById("tasks-loading").hidden = true;
    }
  }

  window.PinganApp.ready.then(function (app) {
    app.onSync(function (res) {
      const acted = res.sent.filter(function (s) { return s.item.kind === "action"; });
      const failed = res.failed.filter(function (s) { return s.item.kind === "action"; });
      if (failed.length) showStatus("办理失败：" + failed[0].item.error, "error");
      else if (acted.length) showStatus("已办理：" + acted.map(function (s) { return s.item.label; }).join("、"), "ok");
      if (acted.length || failed.length) load();
    });
  });
  window.addEventListener("hashchange", focus);
  load();
})();
