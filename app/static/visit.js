/* ShopMirror on the shopper's pages: the outbox as a page uses it, and the sync line.
   Every change (answer, start, photo, photo deletion) goes into an outbox kept on the
   device (IndexedDB, see outbox.js) and is sent in order, one request per change with its own
   client id, as soon as there is a connection: on page load, when the connection returns, on
   a timer. The server applies each change once and keeps the change made last on a device.
   The checklist page adds its own parts (checklist.js and the modules it names); any other
   shopper page only keeps sending what waits and says so. No framework. */
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


  window.SMPage = {
    D: D, T: T, fmt: fmt, $: $, $$: $$, newId: newId, stamp: stamp,
    store: Store, hooks: hooks, enqueue: enqueue, drain: drain, status: status, waiting: waiting,
    showSync: showSync
  };

  if (document.getElementById("checklist")) return;   // checklist.js takes it from here
  /* ---------- any other page: keep sending what waits, say so ---------- */
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
})();
