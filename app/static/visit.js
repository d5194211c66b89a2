/* ShopMirror: the shopper's visit on a phone, offline first.
   Every change (answer, start, photo, photo deletion) goes into an outbox kept on the
   device (IndexedDB) and is sent in order, one request per change with its own client id,
   as soon as there is a connection: on page load, when the connection returns, on a timer.
   The server applies each change once and keeps the change made last on a device.
   One moment of truth at a time, skip logic and progress live, a stopwatch that survives
   reloads, photos downscaled on the phone with upload progress. No framework. */
(function () {
  "use strict";
  var dataEl = document.getElementById("visit-data");
  var D = dataEl ? JSON.parse(dataEl.textContent) : { t: {} };
  var T = D.t;
  var CSRF = (JSON.parse(document.body.getAttribute("hx-headers") || "{}"))["X-CSRF-Token"];
  var STAMP_KEY = "sm-stamp", SYNC_KEY = "sm-last-sync";

  function fmt(text, vars) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (m, k) { return k in vars ? vars[k] : m; });
  }
  function $(sel, el) { return (el || document).querySelector(sel); }
  function $$(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }
  /* Device time of a change, strictly increasing on this device even across reloads. */
  function stamp() {
    var last = Number(localStorage.getItem(STAMP_KEY) || 0);
    var now = Math.max(Date.now(), last + 1);
    localStorage.setItem(STAMP_KEY, String(now));
    return now;
  }

  /* ---------- installable app: service worker, cached visits ---------- */
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      if (navigator.onLine && reg.active) reg.active.postMessage({ type: "precache" });
    }).catch(function () { /* the page works without it, online */ });
    document.addEventListener("submit", function (e) {
      if (e.target.matches("form[action='/logout']") && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "logout" });
      }
    });
  }

  /* ---------- the outbox: IndexedDB (memory if the browser refuses it), see outbox.js ---------- */
  var Store = (function () {
    var opened = null, memory = null;
    function open() {
      if (!opened) {
        opened = SMOutbox.open().catch(function () { memory = { outbox: [], answers: {}, seq: 0 }; return null; });
      }
      return opened;
    }
    function run(store, mode, work) {
      return open().then(function (db) {
        if (!db) return work(null);
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(store, mode), result;
          var req = work(tx.objectStore(store));
          if (req) req.onsuccess = function () { result = req.result; };
          tx.oncomplete = function () { resolve(result); };
          tx.onerror = tx.onabort = function () { reject(tx.error); };
        });
      });
    }
    function range(visit) { return IDBKeyRange.bound([visit, ""], [visit, "\uffff"]); }
    return {
      add: function (e) {
        return run("outbox", "readwrite", function (s) {
          if (s) return s.add(e);
          e.seq = ++memory.seq; memory.outbox.push(e); return null;
        }).then(function (seq) { e.seq = seq || e.seq; return e.seq; });
      },
      put: function (e) {
        return run("outbox", "readwrite", function (s) { return s ? s.put(e) : null; });
      },
      remove: function (seq) {
        return run("outbox", "readwrite", function (s) {
          if (s) return s["delete"](seq);
          memory.outbox = memory.outbox.filter(function (e) { return e.seq !== seq; }); return null;
        });
      },
      all: function () {
        return run("outbox", "readonly", function (s) { return s ? s.getAll() : null; })
          .then(function (r) { return r || memory.outbox.slice(); });
      },
      keep: function (a) {
        return run("answers", "readwrite", function (s) {
          if (s) return s.put(a);
          memory.answers[a.visit + "/" + a.item] = a; return null;
        });
      },
      kept: function (visit) {
        return run("answers", "readonly", function (s) { return s ? s.getAll(range(visit)) : null; })
          .then(function (r) {
            return r || Object.keys(memory.answers).map(function (k) { return memory.answers[k]; })
              .filter(function (a) { return a.visit === visit; });
          });
      },
      forget: function (visit) {
        return run("answers", "readwrite", function (s) { return s ? s["delete"](range(visit)) : null; });
      }
    };
  })();

  /* ---------- sending, in order, each change once ---------- */
  function nothing() { /* no page to update */ }
  var hooks = { sent: nothing, refused: nothing, sending: nothing, failed: nothing, progress: nothing, status: nothing };
  var draining = false, sendingSeq = null, halted = null, retryTimer = null, retryDelay = 2000;
  /* Work begun but not finished (an entry being stored, a drain running), shown on <html> so a
     test or a screen reader never mistakes "not yet stored" for "all sent". */
  var unfinished = 0, drainAgain = false;
  function busy(delta) {
    unfinished += delta;
    document.documentElement.toggleAttribute("data-outbox-busy", unfinished > 0);
  }
  var changed = {};  // visits whose cached page is now out of date

  /* Ask the service worker to refresh its copy of the pages whose answers just went out. */
  function refreshCopies() {
    var urls = Object.keys(changed).map(function (v) { return "/visits/" + v; });
    changed = {};
    var sw = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (urls.length && sw) sw.postMessage({ type: "refresh", urls: urls });
  }

  /* A photo goes by XHR, which reports upload progress (fetch does not). */
  function upload(entry, url, form) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRF-Token", CSRF);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) hooks.progress(entry, e.loaded / e.total); };
      xhr.onload = function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { /* not JSON */ }
        resolve({ status: xhr.status, body: body });
      };
      xhr.onerror = xhr.ontimeout = function () { reject(new Error("network")); };
      xhr.send(form);
    });
  }
  function request(entry) {
    var r = SMOutbox.requestFor(entry);
    return entry.kind === "photo" ? upload(entry, r.url, r.body) : SMOutbox.post(r.url, r.body, CSRF);
  }

  /* One change: done, refused (kept with the reason), or stop and retry later. */
  function sendOne(entry) {
    sendingSeq = entry.seq;
    hooks.sending(entry);
    return request(entry).then(function (r) {
      sendingSeq = null;
      var result = SMOutbox.outcome(entry, r.status);
      if (result === "sent") {
        return Store.remove(entry.seq).then(function () {
          localStorage.setItem(SYNC_KEY, String(Date.now()));
          changed[entry.visit] = true;
          hooks.sent(entry, r.body);
          return "next";
        });
      }
      if (result === "stop") { halted = T.login; return "stop"; }
      if (result === "retry") throw new Error("server");
      entry.state = "refused";
      entry.reason = (r.body && r.body.detail) || T.refused;
      return Store.put(entry).then(function () { hooks.refused(entry); return "next"; });
    }, function (err) { sendingSeq = null; hooks.failed(entry); throw err; });
  }

  var waiting = SMOutbox.waiting;

  function drain() {
    if (draining) { drainAgain = true; return Promise.resolve(); }   // the running drain looks again
    draining = true;
    drainAgain = false;
    busy(1);
    clearTimeout(retryTimer);
    var step = function () {
      return Store.all().then(function (list) {
        var next = waiting(list)[0];
        if (!next || halted || !navigator.onLine) return "idle";
        return sendOne(next).then(function (result) { return result === "next" ? step() : result; });
      });
    };
    var run = function () { return step(); };
    var locked = navigator.locks ? navigator.locks.request(SMOutbox.LOCK, run) : run();
    return Promise.resolve(locked).then(function () {
      retryDelay = 2000;
    }, function () {
      retryTimer = setTimeout(drain, retryDelay);     // offline or server down: try again
      retryDelay = Math.min(retryDelay * 2, 30000);
    }).then(function () {
      draining = false;
      busy(-1);
      if (drainAgain && !halted && navigator.onLine) drain();   // an entry came in as we finished
      refreshCopies();
      return status();
    }).then(function (info) {
      if (info.waiting && !info.halted) askForSync();
      return info;
    });
  }
  /* Changes still wait: have the service worker send them when the signal returns, even if
     this page is closed by then (Background Sync; where the browser has none, the page sends
     them the next time it is open). */
  function askForSync() {
    if (!("serviceWorker" in navigator) || !navigator.serviceWorker.controller) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) return reg.sync.register(SMOutbox.SYNC_TAG);
    }).catch(nothing);
  }
  /* What the service worker sent or had refused while this page was open too. */
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type !== "outbox") return;
      if (data.outcome === "sent") {
        localStorage.setItem(SYNC_KEY, String(Date.now()));
        hooks.sent(data.entry, data.body || {});
      } else {
        hooks.refused(data.entry);
      }
      status();
    });
  }
  function status() {
    return Store.all().then(function (list) {
      var info = {
        waiting: waiting(list).length, refused: list.length - waiting(list).length,
        last: Number(localStorage.getItem(SYNC_KEY) || 0), offline: !navigator.onLine, halted: halted, list: list
      };
      hooks.status(info);
      return info;
    });
  }
  function enqueue(entry) {
    entry.state = "waiting";
    entry.client_id = entry.client_id || newId();
    entry.client_time = entry.client_time || stamp();
    entry.csrf = CSRF;   // for the service worker, which has no page to read it from
    busy(1);
    var coalesce = entry.kind === "answer" ? Store.all().then(function (list) {
      return Promise.all(list.filter(function (e) {
        return e.kind === "answer" && e.visit === entry.visit && e.item === entry.item &&
          e.state !== "refused" && e.seq !== sendingSeq;
      }).map(function (e) { return Store.remove(e.seq); }));
    }) : Promise.resolve();
    return coalesce.then(function () { return Store.add(entry); }).then(function (seq) {
      status();
      drain();
      return seq;
    }).finally(function () { busy(-1); });
  }
  window.addEventListener("online", function () { halted = null; drain(); });
  window.addEventListener("offline", status);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") drain(); });
  setInterval(drain, 15000);

  function clockTime(ms) {
    return new Date(ms).toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
  }
  function syncText(info) {
    var parts = [];
    if (info.halted) return [info.halted, "error"];
    if (info.waiting) parts.push(fmt(T.pending, { num: info.waiting }));
    else if (info.last) parts.push(T.all_sent);
    if (info.offline) parts.push(T.offline);
    if (info.last) parts.push(fmt(T.last_sync, { time: clockTime(info.last) }));
    if (info.refused) parts.push(fmt(T.refused_count, { num: info.refused }));
    return [parts.join(" · "), info.waiting || info.offline || info.refused ? "warn" : ""];
  }
  function showSync(el, info) {
    if (!el) return;
    var text = syncText(info);
    el.hidden = !text[0];
    el.textContent = text[0];
    el.dataset.kind = text[1];
  }

  var root = document.getElementById("checklist");
  if (!root) {   // any other page: keep sending what waits, say so
    hooks.status = function (info) {
      showSync($("[data-sync]"), info);
      var box = $("[data-refused-list]");
      if (!box) return;
      var list = $("ul", box), mine = info.list.filter(function (e) { return e.visit === D.visit && e.state === "refused"; });
      list.textContent = "";
      mine.forEach(function (e) {
        var li = document.createElement("li"), name = $("#i-" + e.item + " dt");
        li.textContent = (name ? name.textContent + ": " : "") + e.reason + " ";
        var b = document.createElement("button");
        b.type = "button"; b.className = "link"; b.textContent = T.discard;
        b.addEventListener("click", function () { Store.remove(e.seq).then(status); });
        li.appendChild(b); list.appendChild(li);
      });
      box.hidden = !mine.length;
    };
    if (dataEl && D.readonly) Store.forget(D.visit);
    status();
    drain();
    return;
  }

  /* ================= the checklist ================= */
  var VISIT = D.visit;
  var BASE = "/visits/" + VISIT;
  var SUBMIT_KEY = "sm-submit-" + VISIT, STARTED_KEY = "sm-started-" + VISIT;

  /* ---------- items: values, skip logic, progress ---------- */
  var items = new Map();
  $$(".q-item", root).forEach(function (el) {
    items.set(el.dataset.item, {
      el: el, id: el.dataset.item, kind: el.dataset.kind, req: "req" in el.dataset,
      when: el.dataset.when ? JSON.parse(el.dataset.when) : null,
      minChars: Number(el.dataset.minChars || 0), minPhotos: Number(el.dataset.minPhotos || 0),
      photoReq: "photoRequired" in el.dataset, section: el.closest(".mot").dataset.section,
      ct: Number(el.dataset.ct || 0)
    });
  });

  function valueOf(it) {
    var el = it.el;
    if (it.kind === "check" || it.kind === "rating" || it.kind === "choice") {
      var on = $("input[type=radio]:checked", el);
      return on ? on.value : null;
    }
    if (it.kind === "measure") {
      var na = $("input[name^='na.']", el);
      if (na && na.checked) return "na";
      var v = $("input[type=number]", el).value.trim();
      return v === "" ? null : v;
    }
    if (it.kind === "text") {
      var t = $("textarea[name^='v.']", el).value;
      return t.trim() === "" ? null : t;
    }
    return null;
  }
  function legendText(it) { return $("legend", it.el).firstChild.textContent.trim(); }
  function commentOf(it) { var c = $("textarea[name^='c.']", it.el); return c ? c.value : ""; }
  function photoCount(it) { return $$(".q-thumb:not(.failed)", it.el).length; }

  function setValue(it, value, comment) {
    var el = it.el;
    value = value === undefined || value === "" ? null : value;
    if (it.kind === "check" || it.kind === "rating" || it.kind === "choice") {
      $$("input[type=radio]", el).forEach(function (r) { r.checked = value !== null && r.value === String(value); });
    } else if (it.kind === "measure") {
      var na = $("input[name^='na.']", el), num = $("input[type=number]", el);
      if (na) na.checked = value === "na";
      num.disabled = value === "na";
      num.value = value === null || value === "na" ? "" : value;
    } else if (it.kind === "text") {
      $("textarea[name^='v.']", el).value = value === null ? "" : value;
      updateCount(it);
    }
    var c = $("textarea[name^='c.']", el);
    if (c) { c.value = comment || ""; if (comment) c.closest("details").open = true; }
  }

  function complete(it) {
    if (it.kind === "photo") return photoCount(it) >= (it.minPhotos || 1);
    var v = valueOf(it);
    if (v === null) return false;
    if (it.kind === "text" && it.minChars && v !== "na") return v.trim().length >= it.minChars;
    return true;
  }

  function refresh() {
    var shown = new Set();
    items.forEach(function (it) {
      var visible = true;
      if (it.when) {
        var ctl = items.get(it.when.item);
        var v = ctl ? valueOf(ctl) : null;
        visible = shown.has(it.when.item) && v !== null &&
          it.when["in"].map(String).indexOf(String(v)) >= 0;
      }
      if (visible) shown.add(it.id);
      it.el.hidden = !visible;
      it.shown = visible;
    });
    var done = 0, total = 0, per = {};
    items.forEach(function (it) {
      if (!it.shown || !it.req) return;
      var p = per[it.section] || (per[it.section] = [0, 0]);
      p[1]++; total++;
      if (complete(it)) { p[0]++; done++; }
    });
    $("[data-progress]", root).textContent = fmt(T.progress, { done: done, total: total });
    var bar = $(".progress-line progress", root);
    bar.max = total || 1; bar.value = done;
    $$("[data-count]", root).forEach(function (el) {
      var p = per[el.dataset.count] || [0, 0];
      el.textContent = p[0] + "/" + p[1];
      el.classList.toggle("full", p[0] === p[1]);
    });
    renderMissing();
  }

  function problemsOf(it) {
    var out = [];
    if (!it.shown) return out;
    if (it.req && !complete(it)) {
      if (it.kind === "photo") out.push(fmt(T.photos, { min: it.minPhotos || 1 }));
      else if (it.kind === "text" && valueOf(it) !== null) out.push(fmt(T.short, { min: it.minChars }));
      else out.push(T.missing);
    }
    var v = valueOf(it);
    if (it.photoReq && v !== null && v !== "na" && photoCount(it) < 1) out.push(fmt(T.photos, { min: 1 }));
    return out;
  }

  function renderMissing() {
    var list = $("[data-missing-list]", root);
    list.textContent = "";
    items.forEach(function (it) {
      problemsOf(it).forEach(function (why) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = "#i-" + it.id; a.dataset.gotoItem = it.id;
        var where = document.createElement("span"); where.className = "missing-where";
        where.textContent = it.el.closest(".mot").dataset.title;
        a.appendChild(where);
        a.appendChild(document.createTextNode(" " + legendText(it)));
        var s = document.createElement("span"); s.className = "missing-what"; s.textContent = why;
        li.appendChild(a); li.appendChild(s); list.appendChild(li);
      });
    });
    var any = list.children.length > 0;
    $("[data-missing]", root).hidden = !any;
    $("[data-ready]", root).hidden = any;
  }

  function updateCount(it) {
    var out = $("[data-chars]", it.el);
    if (!out) return;
    var n = $("textarea[name^='v.']", it.el).value.trim().length;
    out.textContent = it.minChars ? fmt(T.chars, { count: n, min: it.minChars }) : fmt(T.chars_plain, { count: n });
    out.classList.toggle("ok", !it.minChars || n >= it.minChars);
  }

  /* ---------- moments of truth, one at a time ---------- */
  var sections = $$(".mot", root);
  var pager = $(".mot-pager", root);
  var overview = $("#overview", root);
  var overviewBtn = $("[data-overview]", pager);
  var current = 0;

  function show(index, focus) {
    current = Math.max(0, Math.min(sections.length - 1, index));
    sections.forEach(function (s, i) { s.classList.toggle("current", i === current); });
    var s = sections[current];
    var label = s.dataset.section === "finish" ? T.finish
      : fmt(T.moment, { num: current + 1, total: sections.length - 1 });
    $("[data-pager-label]", pager).textContent = label + " ▾";
    $("[data-prev]", pager).disabled = current === 0;
    $("[data-next]", pager).disabled = current === sections.length - 1;
    $$("[data-goto]", overview).forEach(function (a) {
      if (a.dataset.goto === s.dataset.section) a.setAttribute("aria-current", "step");
      else a.removeAttribute("aria-current");
    });
    try { sessionStorage.setItem("sm-mot-" + VISIT, s.dataset.section); } catch (e) { /* private mode */ }
    toggleOverview(false);
    updateChip();
    if (focus) { window.scrollTo(0, 0); $("h2", s).focus({ preventScroll: true }); }
  }
  function showSection(id, focus) {
    var i = sections.findIndex(function (s) { return s.dataset.section === id; });
    if (i >= 0) show(i, focus);
  }
  function goToItem(id) {
    var it = items.get(id);
    if (!it) return;
    showSection(it.section, false);
    it.el.scrollIntoView({ block: "center" });
    var first = $("input:not([type=hidden]), textarea", it.el);
    if (first) first.focus({ preventScroll: true });
  }
  function toggleOverview(open) {
    overview.classList.toggle("open", open);
    overviewBtn.setAttribute("aria-expanded", open ? "true" : "false");
  }

  pager.hidden = false;
  $("[data-prev]", pager).addEventListener("click", function () { show(current - 1, true); });
  $("[data-next]", pager).addEventListener("click", function () { show(current + 1, true); });
  overviewBtn.addEventListener("click", function () { toggleOverview(!overview.classList.contains("open")); });
  document.addEventListener("click", function (e) {
    var a = e.target.closest("[data-goto], [data-goto-item], a[href^='#i-'], a[href^='#s-']");
    if (!a) return;
    e.preventDefault();
    var href = a.getAttribute("href") || "";
    if (a.dataset.goto) showSection(a.dataset.goto, true);
    else if (a.dataset.gotoItem || href.indexOf("#i-") === 0) goToItem(a.dataset.gotoItem || href.slice(3));
    else showSection(href.slice(3), true);
  });

  /* ---------- item states ---------- */
  function setState(id, state, text) {
    var it = items.get(id);
    if (!it) return;
    var el = $("[data-save]", it.el);
    el.dataset.state = state;
    el.textContent = text || T[state] || "";
  }
  function refusedUi(it, entry) {
    var el = $("[data-save]", it.el);
    setState(it.id, "refused", T.refused + ": " + entry.reason + " ");
    var b = document.createElement("button");
    b.type = "button"; b.className = "link"; b.textContent = T.discard;
    b.addEventListener("click", function () {
      Store.remove(entry.seq).then(function () { setState(it.id, "", ""); status(); });
    });
    el.appendChild(b);
  }

  hooks.status = function (info) {
    showSync($("[data-sync]", root), info);
    var mine = info.list.filter(function (e) { return e.visit === VISIT && e.state !== "refused"; });
    items.forEach(function (it) {
      var state = $("[data-save]", it.el).dataset.state;
      var pending = mine.some(function (e) { return e.item === it.id && e.kind === "answer"; });
      if (pending && state !== "saving") setState(it.id, "waiting");
    });
    if (localStorage.getItem(SUBMIT_KEY)) trySubmit(info);
  };
  hooks.sending = function (entry) { if (entry.visit === VISIT && entry.kind === "answer") setState(entry.item, "saving"); };
  hooks.failed = function (entry) {
    if (entry.visit === VISIT && entry.kind === "answer") setState(entry.item, "waiting");
    var li = entry.kind === "photo" && $(".q-thumb[data-seq='" + entry.seq + "']", root);
    if (li) { $("progress", li).hidden = true; $(".q-thumb-state", li).textContent = T.waiting; }
  };
  hooks.sent = function (entry, body) {
    if (entry.visit !== VISIT) return;
    if (entry.kind === "start") { markStarted(); return; }
    if (entry.kind === "photo") { photoSent(entry, body); return; }
    if (entry.kind !== "answer") return;
    var it = items.get(entry.item);
    if (!it) return;
    if (body.state === "stale") {   // another device changed it later: show what was kept
      var a = body.answer;
      setValue(it, a.value === null ? null : String(a.value), a.comment);
      Store.keep({ visit: VISIT, item: it.id, value: a.value === null ? "" : String(a.value), comment: a.comment, client_time: a.client_time });
      it.sent = { value: a.value === null ? "" : String(a.value), comment: a.comment };
      refresh();
      setState(it.id, "saved", T.stale);
      return;
    }
    Store.all().then(function (list) {
      var more = list.some(function (e) { return e.visit === VISIT && e.item === entry.item && e.state !== "refused"; });
      if (!more) setState(entry.item, "saved");
    });
  };
  hooks.refused = function (entry) {
    if (entry.visit !== VISIT) return;
    if (entry.kind === "photo") { photoRefused(entry); return; }
    var it = items.get(entry.item);
    if (it) { it.sent = null; refusedUi(it, entry); }
  };
  hooks.progress = function (entry, fraction) {
    var li = $(".q-thumb[data-seq='" + entry.seq + "']", root);
    if (li) { var bar = $("progress", li); bar.hidden = false; bar.value = Math.round(100 * fraction); }
  };

  /* ---------- recording changes ---------- */
  function record(it, extra) {
    var value = valueOf(it) === null ? "" : valueOf(it), comment = commentOf(it);
    if (it.sent && it.sent.value === value && it.sent.comment === comment && !extra) {
      if ($("[data-save]", it.el).dataset.state === "saving") setState(it.id, "saved");
      return;  // nothing changed since the last change recorded (e.g. blur after typing)
    }
    it.sent = { value: value, comment: comment };
    var when = stamp();
    var body = { item_id: it.id, value: value, comment: comment, client_time: String(when) };
    if (extra) Object.keys(extra).forEach(function (k) { body[k] = extra[k]; });
    Store.keep({ visit: VISIT, item: it.id, value: value, comment: comment, client_time: when });
    setState(it.id, "waiting");
    var id = newId();
    body.client_id = id;
    enqueue({ kind: "answer", visit: VISIT, item: it.id, body: body, client_id: id, client_time: when });
  }

  var timers = {};
  function itemOf(target) {
    var box = target.closest ? target.closest(".q-item") : null;
    return box ? items.get(box.dataset.item) : null;
  }
  root.addEventListener("input", function (e) {
    var it = itemOf(e.target);
    if (!it || e.target.type === "file") return;
    if (e.target.tagName === "TEXTAREA" && e.target.name.indexOf("v.") === 0) updateCount(it);
    refresh();
    if (e.target.type === "radio" || e.target.type === "checkbox") return; // recorded on change
    clearTimeout(timers[it.id]);
    setState(it.id, "saving");
    timers[it.id] = setTimeout(function () { record(it); }, 700);
  });
  root.addEventListener("change", function (e) {
    var it = itemOf(e.target);
    if (!it || e.target.type === "file") return;
    if (e.target.name && e.target.name.indexOf("na.") === 0) {
      $("input[type=number]", it.el).disabled = e.target.checked;
    }
    clearTimeout(timers[it.id]);
    refresh();
    record(it);
  });
  $$(".mot-form", root).forEach(function (f) {
    f.addEventListener("submit", function (e) { e.preventDefault(); });
  });

  /* ---------- stopwatch: wall-clock based, kept on the device ---------- */
  var wakeLock = null;
  function swKey(id) { return "sm-sw:" + VISIT + ":" + id; }
  function clock(ms) {
    var s = Math.floor(ms / 1000), m = Math.floor(s / 60);
    return m + ":" + String(s % 60).padStart(2, "0");
  }
  function running() {
    var out = [];
    items.forEach(function (it) { if (localStorage.getItem(swKey(it.id))) out.push(it); });
    return out;
  }
  function tick() {
    running().forEach(function (it) {
      var start = Number(localStorage.getItem(swKey(it.id)));
      $(".sw-time", it.el).textContent = clock(Date.now() - start);
    });
    updateChip();
  }
  function swUi(it, on) {
    var sw = $("[data-stopwatch]", it.el);
    sw.classList.toggle("running", on);
    $("[data-sw-toggle]", sw).textContent = on ? T.stop : T.start;
    $("[data-sw-reset]", sw).hidden = !on;
  }
  function lockScreen(on) {
    if (on && !wakeLock && navigator.wakeLock) {
      navigator.wakeLock.request("screen").then(function (l) { wakeLock = l; }, function () { /* not allowed */ });
    } else if (!on && wakeLock && !running().length) { wakeLock.release(); wakeLock = null; }
  }
  function updateChip() {
    var chip = $("[data-timer-chip]", root);
    var list = running().filter(function (it) { return it.section !== sections[current].dataset.section; });
    chip.hidden = !list.length;
    if (list.length) {
      var it = list[0], start = Number(localStorage.getItem(swKey(it.id)));
      var b = $("button", chip);
      $("[data-timer-text]", b).textContent = clock(Date.now() - start);
      b.setAttribute("aria-label", T.running + " " + clock(Date.now() - start));
      b.dataset.gotoItem = it.id;
    }
  }
  $$("[data-stopwatch]", root).forEach(function (sw) {
    var it = items.get(sw.closest(".q-item").dataset.item);
    var unit = sw.dataset.unit;
    if (localStorage.getItem(swKey(it.id))) { swUi(it, true); lockScreen(true); }
    $("[data-sw-toggle]", sw).addEventListener("click", function () {
      var key = swKey(it.id), start = Number(localStorage.getItem(key) || 0);
      if (!start) {
        localStorage.setItem(key, String(Date.now()));
        swUi(it, true); lockScreen(true); tick();
        return;
      }
      var elapsed = Date.now() - start;
      localStorage.removeItem(key);
      swUi(it, false); lockScreen(false);
      $(".sw-time", sw).textContent = clock(elapsed);
      var value = unit === "min" ? Math.round(elapsed / 6000) / 10 : Math.round(elapsed / 1000);
      setValue(it, String(value), commentOf(it));
      refresh();
      record(it, { timer_started_at: new Date(start).toISOString() });
    });
    $("[data-sw-reset]", sw).addEventListener("click", function () {
      localStorage.removeItem(swKey(it.id));
      swUi(it, false); lockScreen(false);
      $(".sw-time", sw).textContent = "0:00";
    });
  });
  setInterval(tick, 250);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { tick(); if (running().length) lockScreen(true); }
  });

  /* ---------- photos: kept on the device, downscaled, uploaded with progress ---------- */
  var tpl = document.getElementById("tpl-thumb");
  var MAX_SIDE = 2048;

  /* DateTimeOriginal (+ offset) of a JPEG, read before downscaling drops EXIF. */
  function exifTime(file) {
    if (!/jpe?g$/i.test(file.type) || !file.slice) return Promise.resolve(null);
    return file.slice(0, 131072).arrayBuffer().then(function (buf) {
      var v = new DataView(buf), off = 2;
      if (v.getUint16(0) !== 0xFFD8) return null;
      while (off + 4 < v.byteLength) {
        var marker = v.getUint16(off), len = v.getUint16(off + 2);
        if (marker === 0xFFE1 && v.getUint32(off + 4) === 0x45786966) return tiffTime(v, off + 10);
        if ((marker & 0xFF00) !== 0xFF00) return null;
        off += 2 + len;
      }
      return null;
    }).catch(function () { return null; });
  }
  function tiffTime(v, t) {
    var le = v.getUint16(t) === 0x4949;
    var u16 = function (o) { return v.getUint16(t + o, le); }, u32 = function (o) { return v.getUint32(t + o, le); };
    var ascii = function (entry) {
      var n = u32(entry + 4), at = n > 4 ? u32(entry + 8) : entry + 8, s = "";
      for (var i = 0; i < n - 1 && t + at + i < v.byteLength; i++) s += String.fromCharCode(v.getUint8(t + at + i));
      return s;
    };
    var find = function (ifd, tag) {
      var count = u16(ifd);
      for (var i = 0; i < count; i++) { var e = ifd + 2 + i * 12; if (u16(e) === tag) return e; }
      return null;
    };
    var ifd0 = u32(4), exifPtr = find(ifd0, 0x8769);
    if (exifPtr === null) return null;
    var sub = u32(exifPtr + 8), dt = find(sub, 0x9003);
    if (dt === null) return null;
    var m = /^(\d{4}):(\d\d):(\d\d) (\d\d:\d\d:\d\d)/.exec(ascii(dt));
    if (!m) return null;
    var off = find(sub, 0x9011), zone = off === null ? "" : ascii(off);
    return m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + (/^[+-]\d\d:\d\d$/.test(zone) ? zone : "");
  }
  /* A large photo is downscaled here to save the shopper's data; the server checks it anyway. */
  function shrink(file) {
    var can = window.createImageBitmap && /^image\/(jpeg|png|webp)$/.test(file.type);
    if (!can || file.size < 1500000) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bmp.width * scale); canvas.height = Math.round(bmp.height * scale);
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      if (bmp.close) bmp.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob && blob.size < file.size ? blob : file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function thumbFor(it, url) {
    var list = $(".q-thumbs", it.el);
    var li = tpl.content.firstElementChild.cloneNode(true);
    var img = $("img", li);
    img.src = url;
    img.alt = fmt(T.photo_of, { num: list.children.length + 1, item: legendText(it) });
    list.appendChild(li);
    return li;
  }
  function pendingThumb(it, entry) {
    var li = thumbFor(it, URL.createObjectURL(entry.blob));
    li.dataset.seq = entry.seq;
    li.classList.add("uploading");
    $(".q-thumb-state", li).textContent = entry.state === "refused" ? entry.reason : T.waiting;
    if (entry.state === "refused") markRefused(li, entry);
    return li;
  }
  function markRefused(li, entry) {
    li.classList.remove("uploading"); li.classList.add("failed");
    $("progress", li).hidden = true;
    $(".q-thumb-state", li).textContent = T.refused + ": " + entry.reason;
  }
  function photoSent(entry, body) {
    var li = $(".q-thumb[data-seq='" + entry.seq + "']", root);
    if (!li) return;
    li.removeAttribute("data-seq");
    li.classList.remove("uploading");
    li.dataset.photoId = body.id;
    $("a", li).href = body.url;
    $("progress", li).hidden = true;
    $(".q-thumb-state", li).textContent = "";
    setState(entry.item, "saved");
    refresh();
  }
  function photoRefused(entry) {
    var li = $(".q-thumb[data-seq='" + entry.seq + "']", root);
    if (li) markRefused(li, entry);
    refresh();
  }
  function addFiles(it, files) {
    Array.prototype.forEach.call(files, function (file) {
      Promise.all([exifTime(file), shrink(file)]).then(function (r) {
        var entry = {
          kind: "photo", visit: VISIT, item: it.id, blob: r[1], name: file.name || "photo.jpg",
          captured_at: r[0], client_time: stamp()
        };
        return enqueue(entry).then(function () { pendingThumb(it, entry); refresh(); });
      });
    });
  }
  root.addEventListener("change", function (e) {
    if (!e.target.matches("[data-photo-input]")) return;
    addFiles(itemOf(e.target), e.target.files);
    e.target.value = "";
  });
  root.addEventListener("click", function (e) {
    var del = e.target.closest(".q-thumb-del");
    if (!del) return;
    e.preventDefault();
    var li = del.closest(".q-thumb");
    if (!window.confirm(T.delete_confirm)) return;
    if (li.dataset.seq) {                       // not sent yet: just forget it
      Store.remove(Number(li.dataset.seq)).then(status);
    } else if (li.dataset.photoId) {
      enqueue({ kind: "delete", visit: VISIT, photo: Number(li.dataset.photoId) });
    }
    li.remove();
    refresh();
  });

  /* ---------- start and submit, through the outbox too ---------- */
  var startForm = $("form[data-start]");
  if (startForm) {
    startForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var when = stamp();
      var go = function (lat, lon) {
        enqueue({
          kind: "start", visit: VISIT, client_time: when,
          body: { client_time: String(when), latitude: lat, longitude: lon }
        });
        localStorage.setItem(STARTED_KEY, "1");
        markStarted();
        show(0, true);
      };
      var share = $("[data-geo]", startForm);
      if (!share || !share.checked || !navigator.geolocation) { go(); return; }
      var status_ = $(".start-status", startForm);
      status_.textContent = T.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        go(pos.coords.latitude.toFixed(6), pos.coords.longitude.toFixed(6));
      }, function () { status_.textContent = T.no_location; setTimeout(go, 800); },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  }

  var submitForm = $("form[data-submit]", root);
  var submitting = false;
  function submitNote(text) { $("[data-submit-status]", submitForm).textContent = text || ""; }
  /* Submission needs the server: once nothing of this visit waits, and it answers, submit. */
  function trySubmit(info) {
    if (submitting) return;
    var mine = waiting(info.list).filter(function (e) { return e.visit === VISIT; });
    if (mine.length || info.halted) { submitNote(info.offline ? T.submit_offline : T.submit_wait); return; }
    submitting = true;
    fetch("/healthz", { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("down");
      submitForm.elements.time_out.value = localStorage.getItem(SUBMIT_KEY);
      localStorage.removeItem(SUBMIT_KEY);
      submitForm.submit();
    }).catch(function () {
      submitting = false;
      submitNote(T.submit_offline);
      setTimeout(function () { drain(); }, 3000);
    });
  }
  submitForm.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!localStorage.getItem(SUBMIT_KEY)) localStorage.setItem(SUBMIT_KEY, new Date().toISOString());
    $("[data-submit-cancel]", submitForm).hidden = false;
    status();
    drain();
  });
  $("[data-submit-cancel]", submitForm).addEventListener("click", function () {
    localStorage.removeItem(SUBMIT_KEY);
    this.hidden = true;
    submitNote("");
  });

  function markStarted() {
    root.removeAttribute("data-not-started");
    if ($("#brief")) $("#brief").hidden = true;
    var pill = $("[data-status-pill]");
    if (pill && pill.classList.contains("status-assigned")) {
      pill.className = "visit-status status-in_progress";
      pill.textContent = T.in_progress;
    }
  }

  /* ---------- first paint: the server's answers, then newer ones kept on this phone ---------- */
  if (!root.hasAttribute("data-not-started")) localStorage.removeItem(STARTED_KEY);
  else if (localStorage.getItem(STARTED_KEY)) markStarted();  // started here; this copy is older
  items.forEach(function (it) {
    var v = valueOf(it);
    it.sent = { value: v === null ? "" : v, comment: commentOf(it) };
  });
  Promise.all([Store.kept(VISIT), Store.all()]).then(function (r) {
    r[0].forEach(function (local) {
      var it = items.get(local.item);
      if (!it) return;
      if (local.client_time > it.ct) {
        setValue(it, local.value, local.comment);
        it.sent = { value: local.value, comment: local.comment };
      }
    });
    r[1].filter(function (e) { return e.visit === VISIT; }).forEach(function (entry) {
      if (entry.kind === "start") markStarted();
      var it = items.get(entry.item);
      if (entry.kind === "photo" && it) pendingThumb(it, entry);
      if (entry.kind === "delete") {
        var gone = $(".q-thumb[data-photo-id='" + entry.photo + "']", root);
        if (gone) gone.remove();
      }
      if (entry.kind === "answer" && it) {
        if (entry.state === "refused") refusedUi(it, entry); else setState(it.id, "waiting");
      }
    });
    refresh();
    if (localStorage.getItem(SUBMIT_KEY)) $("[data-submit-cancel]", submitForm).hidden = false;
    root.dataset.restored = "";   // what this phone kept is on screen
    status();
    drain();
  });
  items.forEach(updateCount);
  refresh();
  var hash = location.hash;
  if (hash.indexOf("#i-") === 0) goToItem(hash.slice(3));
  else if (hash.indexOf("#s-") === 0) showSection(hash.slice(3), false);
  else {
    var last = null;
    try { last = sessionStorage.getItem("sm-mot-" + VISIT); } catch (e) { /* private mode */ }
    if (last) showSection(last, false); else show(0, false);
  }
  var refusedBox = $("#problems");
  if (refusedBox) {  // the server refused a submission: show the live list instead
    refusedBox.hidden = true;
    $("[data-refused]", root).hidden = false;
    showSection("finish", true);
  }
  tick();
})();
