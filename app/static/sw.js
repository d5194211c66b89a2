/* ShopMirror service worker (served as /sw.js so it controls the whole site).
   Keeps what a shopper needs for the visits due now, so an open visit can be opened,
   filled and submitted with no signal. Pages: network first (fresh answers when online), the cached copy
   when offline. Static files: cached, refreshed in the background. Photos: cached (they
   never change). Answers, photos and the submission are queued by the page (IndexedDB, see outbox.js);
   when the page was closed with some still waiting, Background Sync has this worker send
   them once the signal is back. */
"use strict";
importScripts("/static/outbox.js");
var VERSION = "sm-v6";
var STATIC = VERSION + "-static";
var PAGES = "sm-pages";      // kept across versions: the shopper's cached visits
var PHOTOS = "sm-photos";
var SHELL = [
  "/static/app.css", "/static/theme.js", "/static/outbox.js", "/static/visit.js", "/static/completeness.js",
  "/static/navigation.js", "/static/stopwatch.js", "/static/photos.js", "/static/checklist.js",
  "/static/visit.bundle.js", "/static/icons/icon-32.png",
  "/static/vendor/htmx-2.0.11.min.js",
  "/manifest.webmanifest", "/static/icons/icon-192.png", "/offline"
];
var PAGE_TIMEOUT = 4000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) {
    return Promise.all(SHELL.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (r.ok) return cache.put(url, r);
      }).catch(function () { /* filled in later */ });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("-static") > 0 && k !== STATIC;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }).then(precache));
});

/* The pages and photos of the visits due now, listed by the server for this shopper. */
function precache() {
  return fetch("/visits/offline.json", { credentials: "same-origin", cache: "no-store" })
    .then(function (r) { return r.ok ? r.json() : { pages: [], photos: [] }; })
    .then(function (list) {
      return Promise.all([
        caches.open(PAGES).then(function (cache) {
          return Promise.all(list.pages.map(function (url) {
            return fetch(url, { credentials: "same-origin" }).then(function (r) {
              if (r.ok && !r.redirected) return cache.put(url, r);
            }).catch(function () { /* offline: keep the older copy */ });
          }));
        }),
        caches.open(PHOTOS).then(function (cache) {
          return Promise.all(list.photos.map(function (url) {
            return cache.match(url).then(function (hit) {
              if (hit) return null;
              return fetch(url, { credentials: "same-origin" }).then(function (r) {
                if (r.ok) return cache.put(url, r);
              }).catch(function () { /* later */ });
            });
          }));
        })
      ]);
    }).catch(function () { /* offline or logged out: nothing to refresh */ });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "precache") {
    event.waitUntil(precache().then(function () {
      if (event.source) event.source.postMessage({ type: "precached" });
    }));
  } else if (data.type === "refresh") {
    event.waitUntil(refreshPages(data.urls || []));
  } else if (data.type === "logout") {
    event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(PHOTOS)]));
  }
});

/* Fresh copies of visit pages whose answers just reached the server. */
function refreshPages(urls) {
  return caches.open(PAGES).then(function (cache) {
    return Promise.all(urls.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (r.ok && !r.redirected) return cache.put(url, r);
      }).catch(function () { /* offline again: the page keeps its own copy of the answers */ });
    }));
  });
}

/* ---------- Background Sync: send what the closed page left waiting ---------- */
self.addEventListener("sync", function (event) {
  if (event.tag === SMOutbox.SYNC_TAG) event.waitUntil(sendOutbox());
});

function outboxStore(db, mode, work) {
  return new Promise(function (resolve, reject) {
    var tx = db.transaction("outbox", mode), req = work(tx.objectStore("outbox"));
    tx.oncomplete = function () { resolve(req.result); };
    tx.onerror = tx.onabort = function () { reject(tx.error); };
  });
}

function tellPages(message) {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) { page.postMessage(message); });
  });
}

/* Oldest first, one at a time, under the page's lock. A network or server failure rejects,
   so the browser tries again later; a refusal is kept for the shopper to see. */
function sendOutbox() {
  var changed = {};
  var run = function () {
    return SMOutbox.open().then(function (db) {
      var step = function () {
        return outboxStore(db, "readonly", function (s) { return s.getAll(); }).then(function (list) {
          var entry = SMOutbox.waiting(list)[0];
          if (!entry || !entry.csrf) return null;   // all sent, or queued by an older page: it sends
          var r = SMOutbox.requestFor(entry);
          return SMOutbox.post(r.url, r.body, entry.csrf).then(function (response) {
            var result = SMOutbox.outcome(entry, response.status), body = response.body;
            if (result === "retry") throw new Error("server " + response.status);
            if (result === "stop") return null;   // logged out: the page asks for a login
            changed["/visits/" + entry.visit] = true;
            if (entry.kind === "submit" || entry.kind === "start") changed["/"] = true;   // its status on the home page
            var done;
            if (result === "sent") {
              done = outboxStore(db, "readwrite", function (s) { return s["delete"](entry.seq); });
            } else {
              SMOutbox.refuse(entry, response.status, body);
              done = outboxStore(db, "readwrite", function (s) { return s.put(entry); });
            }
            return done.then(function () {
              return tellPages({ type: "outbox", outcome: result, entry: SMOutbox.summary(entry), body: body });
            }).then(step);
          });
        });
      };
      return step().finally(function () { db.close(); });
    });
  };
  var locked = self.navigator.locks ? self.navigator.locks.request(SMOutbox.LOCK, run) : run();
  return Promise.resolve(locked).finally(function () {
    return refreshPages(Object.keys(changed));
  });
}

function isPage(url) { return url.pathname === "/" || /^\/visits\/\d+$/.test(url.pathname) || url.pathname === "/offline"; }
function isPhoto(url) { return /^\/visits\/\d+\/photos\/\d+(\/thumb)?$/.test(url.pathname); }

function timeout(ms) {
  return new Promise(function (resolve, reject) { setTimeout(function () { reject(new Error("timeout")); }, ms); });
}

function pageFirstFromNetwork(request) {
  var url = new URL(request.url);
  var key = url.pathname;
  var network = fetch(request).then(function (r) {
    if (r.ok && !r.redirected && r.type === "basic") {
      var copy = r.clone();
      caches.open(PAGES).then(function (cache) { cache.put(key, copy); });
    }
    return r;
  });
  return Promise.race([network, timeout(PAGE_TIMEOUT)]).catch(function () {
    return caches.match(key, { cacheName: PAGES }).then(function (hit) {
      if (hit) return hit;
      return network.catch(function () {
        return caches.match("/offline", { cacheName: STATIC }).then(function (off) {
          return off || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
        });
      });
    });
  });
}

function staticFromCache(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request, { ignoreSearch: true }).then(function (hit) {
      var refresh = fetch(request).then(function (r) {
        if (r.ok) cache.put(request, r.clone());
        return r;
      });
      if (hit) { refresh.catch(function () { /* offline */ }); return hit; }
      return refresh;
    });
  });
}

function photoFromCache(request) {
  return caches.open(PHOTOS).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (r) {
        if (r.ok) cache.put(request, r.clone());
        return r;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && isPage(url)) {
    event.respondWith(pageFirstFromNetwork(request));
  } else if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/manifest.webmanifest") {
    event.respondWith(staticFromCache(request));
  } else if (isPhoto(url)) {
    event.respondWith(photoFromCache(request));
  }
});
