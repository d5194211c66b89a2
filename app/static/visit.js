/* ShopMirror on the shopper's pages: the outbox as a page uses it, and the sync line.
   Every change (answer, start, photo, photo deletion, and last the submission) goes into an outbox kept on the
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
  }

  /* ---------- log out and language: they need the server; say so instead of failing ---------- */
  /* Offline, posting either form would leave the open visit for the browser's error page.
     Both stay on the page and say why; the waiting changes stay in the outbox either way. */
  function reachable() {
    if (!navigator.onLine) return Promise.resolve(false);
    var timer;
    var late = new Promise(function (resolve) { timer = setTimeout(function () { resolve(false); }, 5000); });
    var ping = fetch("/healthz", { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok; }, function () { return false; });
    return Promise.race([ping, late]).then(function (ok) { clearTimeout(timer); return ok; });
  }
  function sayOffline(text) {
    var area = document.getElementById("flash");
    if (!area || !text) return;
    var old = area.querySelector("[data-needs-connection]");
    if (old) old.remove();
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.setAttribute("data-needs-connection", "");
    p.textContent = text;
    area.appendChild(p);
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var logout = form.matches("form[action='/logout']");
    if (!logout && !form.matches("form[action='/language'], form[data-content-language]")) return;
    e.preventDefault();
    var submitter = e.submitter;
    reachable().then(function (ok) {
      if (!ok) { sayOffline(logout ? T.logout_offline : T.language_offline); return; }
      if (submitter && submitter.name) {   // form.submit() leaves out the button pressed
        var chosen = document.createElement("input");
        chosen.type = "hidden"; chosen.name = submitter.name; chosen.value = submitter.value;
        form.appendChild(chosen);
      }
      var sw = navigator.serviceWorker && navigator.serviceWorker.controller;
      if (logout && sw) sw.postMessage({ type: "logout" });
      form.submit();
    });
  });

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
  var serverNote = null;   // why the server asked to wait (507: out of space), until a change goes through
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
    var urls = Object.keys(changed).map(function (v) { return v === "home" ? "/" : "/visits/" + v; });
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
        var status = xhr.responseURL && xhr.responseURL !== new URL(url, location.href).href &&
          SMOutbox.landedOnLogin(xhr.responseURL) ? 401 : xhr.status;
        resolve({ status: status, body: body });
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
        serverNote = null;
        return Store.remove(entry.seq).then(function () {
          localStorage.setItem(SYNC_KEY, String(Date.now()));
          changed[entry.visit] = true;
          if (entry.kind === "submit" || entry.kind === "start") changed.home = true;   // its status on the home page
          hooks.sent(entry, r.body);
          return "next";
        });
      }
      if (result === "stop") { halted = T.login; return "stop"; }
      if (result === "retry") {
        if (r.status === 507 && r.body && r.body.detail) serverNote = r.body.detail;   // kept, sent later
        throw new Error("server");
      }
      SMOutbox.refuse(entry, r.status, r.body);
      changed[entry.visit] = true;
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
        last: Number(localStorage.getItem(SYNC_KEY) || 0), offline: !navigator.onLine, halted: halted, list: list,
        note: serverNote
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
      return entry.kind === "submit" ? seq : keepSubmissionLast(entry.visit, seq).then(function () { return seq; });
    }).then(function (seq) {
      status();
      drain();
      return seq;
    }).finally(function () { busy(-1); });
  }
  /* A change made after the shopper tapped Submit goes before the waiting submission: the
     visit is submitted with it (the server checks completeness again and says if not). */
  function keepSubmissionLast(visit, seq) {
    return Store.all().then(function (list) {
      return Promise.all(list.filter(function (e) {
        return e.kind === "submit" && e.visit === visit && e.state !== "refused" && e.seq < seq && e.seq !== sendingSeq;
      }).map(function (e) {
        return Store.remove(e.seq).then(function () { delete e.seq; return Store.add(e); });
      }));
    });
  }
  /* The waiting or refused submission of a visit, if any (at most one is kept per visit). */
  function submissionOf(list, visit) {
    return list.filter(function (e) { return e.kind === "submit" && e.visit === visit; })[0] || null;
  }
  /* Why a change was not accepted, as the shopper reads it: a visit that answers "not found"
     is no longer theirs (given to another shopper, or cancelled). */
  function reasonOf(entry) {
    if (entry.code === 404 && entry.kind !== "delete") return T.gone || entry.reason;
    return entry.reason || T.refused;
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
    if (info.list.some(function (e) { return e.kind === "submit" && e.state !== "refused"; })) parts.push(T.submit_waiting);
    if (info.waiting) parts.push(fmt(T.pending, { num: info.waiting }));
    else if (info.last) parts.push(T.all_sent);
    if (info.offline) parts.push(T.offline);
    if (info.note && info.waiting) parts.push(info.note);
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
    if (info.halted) el.appendChild(loginButton());
  }
  /* The session ended while changes wait: log in and come back here, where they are sent. */
  function loginButton() {
    var a = document.createElement("a");
    a.className = "button primary login-again";
    a.setAttribute("data-login-again", "");
    a.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
    a.textContent = T.log_in || "Log in";
    return a;
  }


  window.SMPage = {
    D: D, T: T, fmt: fmt, $: $, $$: $$, newId: newId, stamp: stamp,
    store: Store, hooks: hooks, enqueue: enqueue, drain: drain, status: status, waiting: waiting,
    showSync: showSync, submissionOf: submissionOf, reasonOf: reasonOf, sendingSeq: function () { return sendingSeq; }
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
      li.textContent = (name ? name.textContent + ": " : "") + reasonOf(e) + " ";
      var b = document.createElement("button");
      b.type = "button"; b.className = "link"; b.textContent = T.discard;
      b.addEventListener("click", function () { Store.remove(e.seq).then(status); });
      li.appendChild(b); list.appendChild(li);
    });
    box.hidden = !mine.length;
  };
  var homeStatus = hooks.status;
  if ($("[data-outbox-notes]")) {
    hooks.status = function (info) { homeStatus(info); showSubmissions(info); };
    hooks.sent = function (entry) {   // submitted from here: the list moves it to "Submitted"
      if (entry.kind === "submit" && navigator.onLine) location.reload();
    };
  }
  /* The home page: a submission still on this phone, on its visit's card ("waiting to send",
     or why it was not accepted), and in a list above for a visit no longer listed here. */
  function showSubmissions(info) {
    var box = $("[data-outbox-notes]"), list = $("ul", box), seen = {};
    list.textContent = "";
    $$("[data-outbox-note]").forEach(function (el) { el.hidden = true; el.textContent = ""; });
    info.list.filter(function (e) { return e.kind === "submit"; }).forEach(function (e) {
      if (seen[e.visit]) return;
      seen[e.visit] = true;
      var refused = e.state === "refused";
      var text = refused ? fmt(T.submit_refused, { reason: reasonOf(e) }) : T.submit_waiting;
      var card = $(".visit-card[data-visit='" + e.visit + "']");
      var note = card && $("[data-outbox-note]", card);
      if (note) {
        note.hidden = false;
        note.dataset.kind = refused ? "error" : "warn";
        note.textContent = text;
        return;
      }
      var li = document.createElement("li");
      li.dataset.kind = refused ? "error" : "warn";
      li.textContent = (e.label ? e.label + ": " : "") + text + " ";
      if (refused) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "link"; b.textContent = T.discard;
        b.addEventListener("click", function () { Store.remove(e.seq).then(status); });
        li.appendChild(b);
      }
      list.appendChild(li);
    });
    box.hidden = !list.children.length;
  }
  if (dataEl && D.readonly) Store.forget(D.visit);
  status();
  drain();
})();
