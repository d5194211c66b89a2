/* ShopMirror's outbox, shared by the page (visit.js) and the service worker (sw.js).
   Changes made on the phone (answers, photos, the start and last the submission) wait in
   IndexedDB ("shopmirror", store "outbox") until the server has them. The open page sends them; when the shopper closed it with changes still
   waiting, Background Sync wakes the service worker to send them once the signal is back.
   Both send under one lock, oldest first, with the rules below, so each change is sent by
   one of them, once. */
(function (scope) {
  "use strict";
  var DB_NAME = "shopmirror", DB_VERSION = 1;

  function open() {
    return new Promise(function (resolve, reject) {
      if (!scope.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var req = scope.indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = function () {
        req.result.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
        req.result.createObjectStore("answers", { keyPath: ["visit", "item"] });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  /* Where a change goes and what it carries: form fields, or a multipart form for a photo. */
  function requestFor(entry) {
    var base = "/visits/" + entry.visit;
    if (entry.kind === "photo") {
      var form = new FormData();
      form.append("item_id", entry.item);
      form.append("client_id", entry.client_id);
      form.append("client_time", String(entry.client_time));
      if (entry.captured_at) form.append("captured_at", entry.captured_at);
      form.append("file", entry.blob, entry.name || "photo.jpg");
      return { url: base + "/photos", body: form };
    }
    var url = base + "/answers", fields = entry.body;
    if (entry.kind === "start") url = base + "/start";
    if (entry.kind === "submit") url = base + "/submit";
    if (entry.kind === "delete") {
      url = base + "/photos/" + entry.photo + "/delete";
      fields = { client_time: String(entry.client_time) };
    }
    var params = new URLSearchParams();
    Object.keys(fields).forEach(function (k) {
      if (fields[k] !== undefined && fields[k] !== null) params.append(k, fields[k]);
    });
    return { url: url, body: params };
  }

  /* What the server's status means for a change: "sent" (drop it), "refused" (keep it with
     the reason for the shopper), "stop" (logged out: wait for a login), "retry" (later). */
  function outcome(entry, status) {
    if ((status >= 200 && status < 300) || (entry.kind === "delete" && status === 404)) return "sent";
    if (status === 401 || status === 403) return "stop";
    if (status >= 500 || status === 0) return "retry";
    return "refused";
  }

  /* A response that ended on the login form (a session gone, redirected) is a 401, never a
     "sent": its 200 is the login page's, and the change did not reach the visit. */
  function landedOnLogin(url) {
    try { return new URL(url, scope.location.href).pathname === "/login"; } catch (e) { return false; }
  }

  /* POST a change with the session's CSRF token; the answer's status and JSON body. */
  function post(url, body, csrf) {
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
    }).then(function (r) {
      var status = r.redirected && landedOnLogin(r.url) ? 401 : r.status;
      return r.json().catch(function () { return {}; }).then(function (j) { return { status: status, body: j }; });
    });
  }

  /* Keep a refused change with what the server said: its message, its status (a 404 on a
     visit means it is no longer this shopper's) and, for a submission, what is missing. */
  function refuse(entry, status, body) {
    entry.state = "refused";
    entry.code = status;
    entry.reason = (body && body.detail) || String(status);
    if (body && body.problems) entry.problems = body.problems;
    return entry;
  }

  function waiting(list) { return list.filter(function (e) { return e.state !== "refused"; }); }

  /* A change as the page needs to hear of it from the worker (the photo itself stays behind). */
  function summary(entry) {
    var out = {};
    Object.keys(entry).forEach(function (k) { if (k !== "blob") out[k] = entry[k]; });
    return out;
  }

  scope.SMOutbox = {
    open: open, requestFor: requestFor, post: post, outcome: outcome, waiting: waiting, summary: summary,
    refuse: refuse, landedOnLogin: landedOnLogin,
    LOCK: "sm-sync", SYNC_TAG: "sm-outbox"
  };
})(self);
