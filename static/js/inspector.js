/*
 * Ancha field outbox: what an inspector files is kept on the phone and sent when there is signal.
 *
 * - Every finding gets its Idempotency-Key when it is saved here, and keeps it for every resend,
 *   so however often the connection drops mid-request the server files it exactly once.
 * - Entries live in IndexedDB (photos too, as Blobs), so closing the page or the browser loses
 *   nothing; the next page of /inspector/ opened with a connection sends them.
 * - Entries are sent in the order they were saved; a submission waits until everything saved
 *   before it for that inspection has arrived.
 * - Nothing here is inline: the pages run under a CSP without 'unsafe-inline'.
 * Without IndexedDB or fetch the page's plain forms post to the server as they are.
 */
(function () {
  "use strict";

  var root = document.getElementById("field");
  if (!root || !window.indexedDB || !window.fetch || !window.FormData || !window.Promise) return;

  var DB_NAME = "ancha-field";
  var STORE = "outbox";
  var KEEP_SENT_MS = 3 * 24 * 3600 * 1000;
  var RETRY_MS = 15000;
  var inspectionId = root.dataset.inspection ? Number(root.dataset.inspection) : null;
  var maxBytes = Number(root.dataset.maxBytes || 0);

  var LABELS = {
    waiting: "等待发送",
    sending: "正在发送",
    sent: "已送达",
    failed: "未被接受",
    partial: "部分送达",
    blocked: "暂缓提交"
  };

  // ------------------------------------------------------------------ storage

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          var store = request.result.createObjectStore(STORE, { keyPath: "key" });
          store.createIndex("inspection", "inspection");
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function tx(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var t = database.transaction(STORE, mode);
        var result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
        result = work(t.objectStore(STORE));
      });
    });
  }

  function put(entry) { return tx("readwrite", function (store) { store.put(entry); }); }
  function drop(key) { return tx("readwrite", function (store) { store.delete(key); }); }

  function all() {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var request = database.transaction(STORE, "readonly").objectStore(STORE).getAll();
        request.onsuccess = function () {
          resolve(request.result.sort(function (a, b) { return a.seq - b.seq; }));
        };
        request.onerror = function () { reject(request.error); };
      });
    });
  }

  // ------------------------------------------------------------------ helpers

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  var seqCounter = 0;
  function nextSeq() { seqCounter += 1; return Date.now() * 1000 + (seqCounter % 1000); }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : root.dataset.csrf || "";
  }

  function sizeLabel(n) {
    if (n >= 1048576) return (n / 1048576).toFixed(1).replace(/\.0$/, "") + " MB";
    return Math.max(1, Math.round(n / 1024)) + " KB";
  }

  function detailOf(response) {
    return response.json().then(function (data) {
      var d = data && data.detail;
      if (Array.isArray(d)) {
        // Each msg is a Chinese sentence naming its field (inspection/api/validation.py).
        return d.map(function (e) { return e.msg || ""; }).join("；");
      }
      return d ? String(d) : "服务器拒绝（" + response.status + "）";
    }, function () { return "服务器拒绝（" + response.status + "）"; });
  }

  // What a refusal means for the outbox: stop the round and try later, or give up on this entry.
  function classify(response) {
    var s = response.status;
    if (s === 401 || s === 403) return "auth";
    if (s === 409 && response.headers.get("Retry-After")) return "later";
    if (s >= 500 || s === 408 || s === 429) return "later";
    return "refused";
  }

  function send(url, options) {
    options.credentials = "same-origin";
    options.headers = options.headers || {};
    options.headers["X-CSRFToken"] = csrfToken();
    return fetch(url, options);
  }

  // ------------------------------------------------------------------ sending

  var flushing = false;
  var banner = "";

  function Stop(reason) { this.reason = reason; }

  function sendFinding(entry) {
    var first = entry.findingId ? Promise.resolve() : send(entry.api + "/findings", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": entry.key },
      body: JSON.stringify(entry.body)
    }).then(function (response) {
      if (response.status === 201) {
        return response.json().then(function (data) {
          entry.findingId = data.id;
          entry.warnings = data.warnings || [];
          return put(entry);
        });
      }
      var kind = classify(response);
      if (kind !== "refused") throw new Stop(kind);
      return detailOf(response).then(function (message) {
        entry.state = "failed";
        entry.message = message;
        return put(entry).then(function () { throw new Stop("next"); });
      });
    });
    return first.then(function () {
      return entry.files.reduce(function (chain, file) {
        return chain.then(function () { return sendFile(entry, file); });
      }, Promise.resolve());
    }).then(function () {
      var refused = entry.files.filter(function (f) { return f.state === "failed"; });
      entry.state = refused.length ? "partial" : "sent";
      entry.message = refused.map(function (f) { return f.name + "：" + f.message; }).join("；");
      entry.sentAt = Date.now();
      return put(entry);
    });
  }

  function sendFile(entry, file) {
    if (file.state === "sent" || file.state === "failed") return Promise.resolve();
    var form = new FormData();
    form.append("file", file.blob, file.name);
    return send(entry.api + "/findings/" + entry.findingId + "/evidence", { method: "POST", body: form })
      .then(function (response) {
        if (response.status === 201 || response.status === 200) {
          file.state = "sent";
          file.blob = null;  // the server has it; free the phone's storage
          return put(entry);
        }
        var kind = classify(response);
        if (kind !== "refused") throw new Stop(kind);
        return detailOf(response).then(function (message) {
          file.state = "failed";
          file.message = message;
          file.blob = null;
          return put(entry);
        });
      });
  }

  function sendSubmit(entry, earlier) {
    var pending = earlier.filter(function (e) {
      return e.inspection === entry.inspection && e.kind === "finding" && e.state !== "sent" && e.state !== "partial";
    });
    if (pending.some(function (e) { return e.state === "failed"; })) {
      entry.state = "blocked";
      entry.message = "有未被接受的记录：请删除或重新登记后，提交会自动继续";
      return put(entry);
    }
    if (pending.length) {  // they go first; the submission follows in a later round
      if (entry.state === "blocked") { entry.state = "waiting"; entry.message = ""; return put(entry); }
      return Promise.resolve();
    }
    return send(entry.api + "/submit", { method: "POST" }).then(function (response) {
      if (response.status === 200) {
        return response.json().then(function (data) {
          entry.state = "sent";
          entry.message = "已提交，得分 " + data.score;
          entry.sentAt = Date.now();
          return put(entry).then(function () {
            if (entry.inspection === inspectionId) window.location.reload();
          });
        });
      }
      var kind = classify(response);
      if (kind !== "refused") throw new Stop(kind);
      return detailOf(response).then(function (message) {
        entry.state = "failed";
        entry.message = message;
        return put(entry);
      });
    });
  }

  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    var sentSomething = false;
    return all().then(function (entries) {
      return entries.reduce(function (chain, entry) {
        return chain.then(function () {
          if (entry.state === "sent" || entry.state === "partial" || entry.state === "failed") return;
          var earlier = entries.filter(function (e) { return e.seq < entry.seq; });
          var step = entry.kind === "submit" ? sendSubmit(entry, earlier) : sendFinding(entry);
          return step.then(function () {
            if (entry.state === "sent" || entry.state === "partial") sentSomething = true;
          }, function (error) {
            if (error instanceof Stop && error.reason === "next") return;  // refused: on to the next
            throw error;
          });
        });
      }, Promise.resolve());
    }).then(function () {
      banner = "";
    }, function (error) {
      if (error instanceof Stop && error.reason === "auth") {
        banner = "登录已失效：请重新登录，本机记录会保留并在登录后发送";
      } else if (error instanceof Stop) {
        banner = "服务器正忙，稍后自动重试";
      } else if (error instanceof TypeError) {
        banner = "";  // no connection: the entries wait
      } else {
        banner = "发送出错：" + (error && error.message ? error.message : error);
      }
    }).then(function () {
      flushing = false;
      render();
      if (sentSomething) refreshServerFindings();
    });
  }

  // ------------------------------------------------------------------ showing

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function describe(entry) {
    if (entry.kind === "submit") return "提交检查结果";
    var text = entry.body.text || "";
    return "问题：" + (text.length > 40 ? text.slice(0, 40) + "…" : text);
  }

  function note(entry) {
    var parts = [];
    if (entry.kind === "finding" && entry.files.length) {
      var arrived = entry.files.filter(function (f) { return f.state === "sent"; }).length;
      parts.push("佐证材料 " + arrived + "/" + entry.files.length + " 已送达");
    }
    if (entry.message) parts.push(entry.message);
    if (entry.warnings && entry.warnings.length) parts.push("个人信息提示：" + entry.warnings.join("；"));
    if ((entry.state === "waiting" || entry.state === "sending") && !navigator.onLine) parts.push("无网络，联网后自动发送");
    return parts.join(" · ");
  }

  function render() {
    var box = document.getElementById("outbox");
    if (!box) return Promise.resolve();
    return all().then(function (entries) {
      var mine = inspectionId === null ? entries : entries.filter(function (e) { return e.inspection === inspectionId; });
      var list = document.getElementById("outbox-list");
      list.textContent = "";
      mine.forEach(function (entry) {
        var item = el("li", "ob-" + entry.state);
        item.dataset.key = entry.key;
        item.dataset.state = entry.state;
        item.appendChild(el("span", "ob-state", LABELS[entry.state] || entry.state));
        item.appendChild(el("span", "ob-text", describe(entry)));
        if (entry.state === "failed" || entry.state === "blocked" || entry.state === "partial" || entry.state === "sent") {
          var remove = el("button", "secondary", entry.state === "sent" ? "移除" : "删除");
          remove.type = "button";
          remove.dataset.drop = entry.key;
          item.appendChild(remove);
        } else {
          item.appendChild(el("span"));
        }
        var text = note(entry);
        if (text) item.appendChild(el("span", "ob-note", text));
        list.appendChild(item);
      });
      var count = function (states) { return mine.filter(function (e) { return states.indexOf(e.state) >= 0; }).length; };
      var waiting = count(["waiting", "sending", "blocked"]);
      var summary = "已送达 " + count(["sent", "partial"]) + " 条 · 等待发送 " + waiting + " 条";
      var refused = count(["failed"]);
      if (refused) summary += " · 未被接受 " + refused + " 条";
      if (!mine.length) summary = "本机没有待发送的记录";
      if (banner) summary += "。" + banner;
      var summaryNode = document.getElementById("outbox-summary");
      summaryNode.textContent = summary;
      summaryNode.dataset.waiting = String(waiting);
      var net = document.getElementById("net");
      net.textContent = navigator.onLine ? "在线" : "离线";
      net.className = "net " + (navigator.onLine ? "online" : "offline");
      box.hidden = false;
      if (!waiting) {  // "saved here, will be sent" is no longer news
        Array.prototype.forEach.call(root.querySelectorAll(".flash:not(.bad)"), function (node) { node.textContent = ""; });
      }
      var queuedSubmit = mine.some(function (e) { return e.kind === "submit" && e.state !== "failed"; });
      Array.prototype.forEach.call(root.querySelectorAll("form.js-finding button[type=submit], form.js-submit button[type=submit]"), function (b) {
        b.disabled = queuedSubmit;
      });
    });
  }

  function refreshServerFindings() {
    if (inspectionId === null) return;
    fetch(root.dataset.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var list = document.getElementById("server-findings");
        var known = {};
        Array.prototype.forEach.call(list.querySelectorAll("[data-finding]"), function (li) { known[li.dataset.finding] = true; });
        var empty = document.getElementById("server-empty");
        data.findings.forEach(function (f) {
          if (known[String(f.id)]) return;
          if (empty) { empty.remove(); empty = null; }
          var li = el("li");
          li.dataset.finding = String(f.id);
          li.appendChild(el("span", "sev sev-" + f.severity, { minor: "一般", major: "较重", critical: "严重" }[f.severity]));
          var body = el("div");
          body.appendChild(el("p", "ftext", f.text));
          body.appendChild(el("p", "meta", (f.location ? f.location + " · " : "") + f.recorded_by_name +
            (f.evidence.length ? " · " + f.evidence.length + " 份佐证材料" : "") + " · 刚刚送达"));
          li.appendChild(body);
          list.appendChild(li);
        });
        document.getElementById("server-count").textContent = String(data.findings.length);
        var score = document.getElementById("preview-score");
        if (score && data.provisional_score !== null) score.textContent = String(data.provisional_score);
      }, function () {});
  }

  // ------------------------------------------------------------------ filing

  function flash(form, text, bad) {
    var node = form.querySelector(".flash");
    if (!node) return;
    node.textContent = text;
    node.className = "flash" + (bad ? " bad" : "");
  }

  function fileFinding(form) {
    var data = new FormData(form);
    var body = {
      item_id: data.get("item_id") ? Number(data.get("item_id")) : null,
      severity: data.get("severity") || null,
      text: String(data.get("text") || ""),
      location: String(data.get("location") || ""),
      observed_at: new Date().toISOString()
    };
    if (data.get("corrects")) {
      body.corrects = Number(data.get("corrects"));
      body.correction_reason = String(data.get("correction_reason") || "");
    }
    if (!body.text.trim()) { flash(form, "请填写问题描述", true); return Promise.resolve(); }
    if (!body.item_id && !body.severity) { flash(form, "清单外问题须选择严重程度", true); return Promise.resolve(); }
    return privacyCheck(form, body).then(function (go) { return go ? queueFinding(form, data, body) : null; });
  }

  // Before a finding is saved, the server says whether the text names a child, a class, a house or a
  // phone. The first press only shows the warning; pressing again files the text as it stands (the
  // finding keeps it for those allowed to see it, letters show it masked). Offline, or if the check
  // fails, the finding is saved at once and the warning comes with the server's reply instead.
  function privacyCheck(form, body) {
    var box = form.querySelector(".privacy");
    var said = body.text + "\n" + body.location;
    if (!root.dataset.privacy || !box || form.dataset.privacyShown === said || !navigator.onLine) {
      return Promise.resolve(true);
    }
    return send(root.dataset.privacy, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: body.text, location: body.location })
    }).then(function (response) { return response.ok ? response.json() : null; }).then(function (data) {
      if (!data || !data.warnings.length) { box.hidden = true; return true; }
      box.textContent = "";
      box.appendChild(el("p", "privacy-head", "请注意：这条问题可能含有未成年人或其家庭的个人信息"));
      var list = el("ul");
      data.warnings.forEach(function (w) { list.appendChild(el("li", "", w)); });
      box.appendChild(list);
      box.appendChild(el("p", "", "如无必要，请改写（如“张某某”）后保存；确需保留原文供有权查看的人员核实的，请再次点击下方保存按钮。"));
      box.hidden = false;
      form.dataset.privacyShown = said;
      box.scrollIntoView({ behavior: "smooth", block: "nearest" });
      return false;
    }, function () { return true; });
  }

  function queueFinding(form, data, body) {
    var files = data.getAll("files").filter(function (f) { return f && f.size > 0; }).map(function (f) {
      var tooBig = maxBytes && f.size > maxBytes;
      return {
        name: f.name, size: f.size, blob: tooBig ? null : f,
        state: tooBig ? "failed" : "waiting",
        message: tooBig ? "文件过大（" + sizeLabel(f.size) + "），单个文件最大 " + sizeLabel(maxBytes) : ""
      };
    });
    var entry = {
      key: newKey(), kind: "finding", inspection: inspectionId, api: root.dataset.api,
      seq: nextSeq(), created: new Date().toISOString(), body: body, files: files,
      state: "waiting", message: "", findingId: null
    };
    return put(entry).then(function () {
      form.reset();
      var privacyBox = form.querySelector(".privacy");
      if (privacyBox) privacyBox.hidden = true;
      delete form.dataset.privacyShown;
      var details = form.closest("details");
      if (details) details.open = false;
      flash(form, navigator.onLine ? "已保存，正在发送…" : "已保存在本机，联网后自动发送");
      return render();
    }).then(flush);
  }

  function fileSubmit(form) {
    var entry = {
      key: newKey(), kind: "submit", inspection: inspectionId, api: root.dataset.api,
      seq: nextSeq(), created: new Date().toISOString(), body: {}, files: [], state: "waiting", message: ""
    };
    return put(entry).then(function () {
      flash(form, navigator.onLine ? "正在提交…" : "提交已排队：联网并且问题全部送达后自动提交");
      return render();
    }).then(flush);
  }

  function takeOverForms() {
    Array.prototype.forEach.call(root.querySelectorAll("form.js-finding"), function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        fileFinding(form).catch(function (error) { flash(form, "未能保存到本机：" + error, true); });
      });
    });
    Array.prototype.forEach.call(root.querySelectorAll("form.js-submit"), function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        fileSubmit(form).catch(function (error) { flash(form, "未能保存到本机：" + error, true); });
      });
    });

    document.addEventListener("click", function (event) {
      var target = event.target;
      if (target.dataset && target.dataset.drop) {
        drop(target.dataset.drop).then(render).then(flush);
      }
    });
  }

  // ------------------------------------------------------------------ the checklist

  function setupChecklist() {
    if (inspectionId === null) return;
    var storageKey = "ancha:ticks:" + inspectionId;
    var ticks;
    try { ticks = JSON.parse(localStorage.getItem(storageKey) || "[]"); } catch (e) { ticks = []; }
    var buttons = root.querySelectorAll("[data-tick]");
    var progress = document.getElementById("tick-progress");
    function show() {
      Array.prototype.forEach.call(buttons, function (b) {
        var on = ticks.indexOf(b.dataset.tick) >= 0;
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.hidden = false;
        var li = b.closest("li");
        if (li) li.classList.toggle("ticked", on);
      });
      if (progress && buttons.length) {
        progress.hidden = false;
        progress.textContent = "已逐项查看 " + ticks.length + " / " + buttons.length;
      }
    }
    Array.prototype.forEach.call(buttons, function (b) {
      b.addEventListener("click", function () {
        var i = ticks.indexOf(b.dataset.tick);
        if (i >= 0) ticks.splice(i, 1); else ticks.push(b.dataset.tick);
        try { localStorage.setItem(storageKey, JSON.stringify(ticks)); } catch (e) { /* private mode */ }
        show();
      });
    });
    Array.prototype.forEach.call(root.querySelectorAll("[data-report]"), function (a) {
      a.addEventListener("click", function (event) {
        var select = document.getElementById("f-item");
        if (!select) return;
        event.preventDefault();
        select.value = a.dataset.report;
        var li = a.closest("li");
        if (li) li.classList.add("flagged");
        document.getElementById("finding-form").scrollIntoView({ behavior: "smooth", block: "start" });
        document.getElementById("f-text").focus({ preventScroll: true });
      });
    });
    show();
  }

  // ------------------------------------------------------------------ start

  function prune() {
    return all().then(function (entries) {
      var old = entries.filter(function (e) { return e.state === "sent" && e.sentAt && Date.now() - e.sentAt > KEEP_SENT_MS; });
      return Promise.all(old.map(function (e) { return drop(e.key); }));
    });
  }

  setupChecklist();
  // The forms are taken over only once the phone's storage is known to work; otherwise they
  // post to the server as plain forms.
  db().then(function () {
    takeOverForms();
    window.addEventListener("online", function () { render(); flush(); });
    window.addEventListener("offline", function () { render(); });
    document.addEventListener("visibilitychange", function () { if (!document.hidden) flush(); });
    setInterval(function () { if (navigator.onLine) flush(); }, RETRY_MS);
    return prune().then(render).then(flush);
  }).catch(function () { /* storage unavailable: the plain forms still work */ });
})();
