/* ShopMirror: the shopper's checklist on a phone, offline first.
   This file holds the answers: reading and showing them, recording each change in the outbox
   (visit.js), starting and submitting the visit, and the first paint from what this phone kept.
   The other jobs have their own files: completeness.js (what still blocks submission, from the
   server's rules), navigation.js (one moment of truth at a time), stopwatch.js, photos.js. */
(function () {
  "use strict";
  var root = document.getElementById("checklist");
  if (!root || !window.SMPage) return;
  var P = window.SMPage, T = P.T, fmt = P.fmt, $ = P.$, $$ = P.$$, Store = P.store;
  var C = window.SMCompleteness;
  var rulesEl = document.getElementById("visit-rules");
  var RULES = rulesEl ? JSON.parse(rulesEl.textContent) : { space: " ", items: [] };
  var VISIT = P.D.visit;
  var SUBMIT_KEY = "sm-submit-" + VISIT, STARTED_KEY = "sm-started-" + VISIT;
  /* Marks on the items are shown once the shopper tried to submit (or the server refused),
     then follow the answers: an item fixed loses its mark at once. */
  var flagged = false;
  /* When this phone last changed the visit: a refusal for what was missing is out of date
     once the shopper has changed something since the tap that it answered. */
  var lastChange = 0;

  /* ---------- items: values on screen ---------- */
  var rules = {};
  RULES.items.forEach(function (r) { rules[r.id] = r; });
  var items = new Map();
  $$(".q-item", root).forEach(function (el) {
    var rule = rules[el.dataset.item] || { required: false, needs: [] };
    var chars = rule.needs.filter(function (n) { return n.kind === "chars"; })[0];
    items.set(el.dataset.item, {
      el: el, id: el.dataset.item, kind: el.dataset.kind, rule: rule, minChars: chars ? chars.count : 0,
      section: el.closest(".mot").dataset.section, ct: Number(el.dataset.ct || 0)
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
      return C.length(RULES, t) === 0 ? null : t;
    }
    return null;
  }
  function legendText(it) { return $("legend", it.el).firstChild.textContent.trim(); }
  function commentOf(it) { var c = $("textarea[name^='c.']", it.el); return c ? c.value : ""; }

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
  function updateCount(it) {
    var out = $("[data-chars]", it.el);
    if (!out) return;
    var n = C.length(RULES, $("textarea[name^='v.']", it.el).value);
    out.textContent = it.minChars ? fmt(T.chars, { count: n, min: it.minChars }) : fmt(T.chars_plain, { count: n });
    out.classList.toggle("ok", !it.minChars || n >= it.minChars);
  }

  /* ---------- skip logic, progress and what blocks submission, by the server's rules ---------- */
  var photos;   // photos.js, started below
  var current = [];   // what blocks submission now
  function refresh() {
    var answers = {}, counts = {}, comments = {};
    items.forEach(function (it) {
      answers[it.id] = valueOf(it); counts[it.id] = photos ? photos.count(it) : 0; comments[it.id] = commentOf(it);
    });
    var shown = C.shown(RULES, answers);
    var problems = C.problems(RULES, answers, counts, comments);
    var needs = C.photoNeeds(RULES, answers);
    items.forEach(function (it) {   // a comment or a photo this answer asks for: open and mark it
      var wantsComment = problems.some(function (p) { return p.item_id === it.id && p.kind === "comment"; });
      var box = $("details.q-comment", it.el);
      if (box && wantsComment) box.open = true;
      it.el.classList.toggle("needs-comment", wantsComment);
      var hint = $("[data-comment-need]", it.el);
      if (hint) hint.hidden = !wantsComment;
      var need = $("[data-photo-need]", it.el);
      if (need) need.hidden = !needs[it.id];
    });
    $$("[data-group]", root).forEach(function (h) {   // a sub-heading shows while one of its items does
      h.hidden = !h.dataset.group.split(" ").some(function (id) { return shown[id]; });
    });
    serverProblems().forEach(function (p) {   // the server saw more missing than this phone does
      var known = problems.some(function (q) { return q.item_id === p.item_id && q.kind === p.kind; });
      if (shown[p.item_id] && !known) problems.push(p);
    });
    var open = {};
    problems.forEach(function (p) { open[p.item_id] = true; });
    var done = 0, total = 0, per = {};
    items.forEach(function (it) {
      it.shown = !!shown[it.id];
      it.el.hidden = !it.shown;
      if (!it.shown || !it.rule.required) return;
      var p = per[it.section] || (per[it.section] = [0, 0]);
      p[1]++; total++;
      if (!open[it.id]) { p[0]++; done++; }
    });
    $("[data-progress]", root).textContent = fmt(T.progress, { done: done, total: total });
    var bar = $(".progress-line progress", root);
    bar.max = total || 1; bar.value = done;
    $$("[data-count]", root).forEach(function (el) {
      var p = per[el.dataset.count] || [0, 0];
      el.textContent = p[0] + "/" + p[1];
      el.classList.toggle("full", p[0] === p[1]);
    });
    current = problems;
    renderProblems(problems);
    markItems(problems);
    showSubmission();
  }
  /* Each shown item's own marks, from the problems of now (never a stale server list). */
  function markItems(problems) {
    var per = {};
    problems.forEach(function (p) { (per[p.item_id] = per[p.item_id] || []).push(p); });
    items.forEach(function (it) {
      $$(".field-error", it.el).forEach(function (e) { e.remove(); });
      var mine = flagged && it.shown ? per[it.id] || [] : [];
      it.el.classList.toggle("has-problem", mine.length > 0);
      var anchor = $(".q-note", it.el) || $(".q-help", it.el) || $("legend", it.el);
      mine.slice().reverse().forEach(function (p) {
        var e = document.createElement("p");
        e.className = "field-error"; e.textContent = problemText(p);
        anchor.insertAdjacentElement("afterend", e);
      });
    });
  }
  function problemText(p) {
    if (p.kind === "short") return fmt(T.short, { min: p.needed });
    if (p.kind === "photos") return fmt(T.photos, { min: p.needed });
    if (p.kind === "comment") return T.comment;
    return T.missing;
  }
  /* A checklist text inside interface text: isolated, in its own language and direction. */
  function contentRun(text) {
    var run = document.createElement("bdi");
    if (root.dataset.textLang) run.lang = root.dataset.textLang;
    run.dir = root.dataset.textDir || "auto";
    run.textContent = text;
    return run;
  }
  function renderProblems(problems) {
    var list = $("[data-missing-list]", root);
    list.textContent = "";
    problems.forEach(function (p) {
      var it = items.get(p.item_id);
      if (!it) return;
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = "#i-" + it.id; a.dataset.gotoItem = it.id;
      var where = document.createElement("span"); where.className = "missing-where";
      where.appendChild(contentRun(it.el.closest(".mot").dataset.title));
      a.appendChild(where);
      a.appendChild(document.createTextNode(" "));
      a.appendChild(contentRun(legendText(it)));
      var s = document.createElement("span"); s.className = "missing-what"; s.textContent = problemText(p);
      li.appendChild(a); li.appendChild(s); list.appendChild(li);
    });
    var any = list.children.length > 0;
    $("[data-missing]", root).hidden = !any;
    $("[data-ready]", root).hidden = any;
    $("[data-refused]", root).hidden = !(any && flagged);   // never beside "everything is answered"
  }

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
      Store.remove(entry.seq).then(function () { setState(it.id, "", ""); P.status(); });
    });
    el.appendChild(b);
  }
  function itemOf(target) {
    var box = target.closest ? target.closest(".q-item") : null;
    return box ? items.get(box.dataset.item) : null;
  }

  /* ---------- recording changes ---------- */
  function record(it, extra) {
    var value = valueOf(it) === null ? "" : valueOf(it), comment = commentOf(it);
    if (it.sent && it.sent.value === value && it.sent.comment === comment && !extra) {
      if ($("[data-save]", it.el).dataset.state === "saving") setState(it.id, "saved");
      return;  // nothing changed since the last change recorded (e.g. blur after typing)
    }
    it.sent = { value: value, comment: comment };
    var when = P.stamp();
    var body = { item_id: it.id, value: value, comment: comment, client_time: String(when) };
    if (extra) Object.keys(extra).forEach(function (k) { body[k] = extra[k]; });
    Store.keep({ visit: VISIT, item: it.id, value: value, comment: comment, client_time: when });
    setState(it.id, "waiting");
    var id = P.newId();
    body.client_id = id;
    P.enqueue({ kind: "answer", visit: VISIT, item: it.id, body: body, client_id: id, client_time: when });
  }

  var timers = {};
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

  /* Every change of this visit made here (answers, photos, deletions) moves lastChange on. */
  var enqueue = P.enqueue;
  P.enqueue = function (entry) {
    if (entry.kind !== "submit" && entry.visit === VISIT) lastChange = P.stamp();
    return enqueue(entry);
  };

  /* ---------- the other jobs ---------- */
  var stopwatch;
  var nav = window.SMNavigation.init(root, {
    visit: VISIT,
    item: function (id) { return items.get(id); },
    onShow: function () { if (stopwatch) stopwatch.updateChip(); }
  });
  stopwatch = window.SMStopwatch.init(root, {
    visit: VISIT, items: items, currentSection: nav.current,
    stopped: function (it, value, start) {
      setValue(it, value, commentOf(it));
      refresh();
      record(it, { timer_started_at: new Date(start).toISOString() });
    }
  });
  photos = window.SMPhotos.init(root, {
    visit: VISIT, itemOf: itemOf, legendText: legendText, setState: setState, refresh: refresh
  });

  /* ---------- what the outbox tells this page ---------- */
  var hooks = P.hooks;
  hooks.status = function (info) {
    P.showSync($("[data-sync]", root), info);
    var mine = info.list.filter(function (e) { return e.visit === VISIT && e.state !== "refused"; });
    items.forEach(function (it) {
      var state = $("[data-save]", it.el).dataset.state;
      var pending = mine.some(function (e) { return e.item === it.id && e.kind === "answer"; });
      if (pending && state !== "saving") setState(it.id, "waiting");
    });
    submission = P.submissionOf(info.list, VISIT);
    showSubmission(info);
  };
  hooks.sending = function (entry) { if (entry.visit === VISIT && entry.kind === "answer") setState(entry.item, "saving"); };
  hooks.failed = function (entry) {
    if (entry.visit === VISIT && entry.kind === "answer") setState(entry.item, "waiting");
    if (entry.kind === "photo") photos.failed(entry);
  };
  hooks.sent = function (entry, body) {
    if (entry.visit !== VISIT) return;
    if (entry.kind === "start") { markStarted(); return; }
    if (entry.kind === "submit") { submitted(); return; }
    if (entry.kind === "photo") { photos.sent(entry, body); return; }
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
    (body.dropped || []).forEach(dropped);
    Store.all().then(function (list) {
      var more = list.some(function (e) { return e.visit === VISIT && e.item === entry.item && e.state !== "refused"; });
      if (!more) setState(entry.item, "saved");
    });
  };
  /* The server removed this answer: the change just sent hid its item (skip logic). Clear it
     here too; if a change not sent yet shows the item again, send its answer again after it. */
  function dropped(id) {
    var it = items.get(id);
    if (!it) return;
    it.sent = { value: "", comment: "" };
    if (it.shown) { record(it); return; }
    setValue(it, null, "");
    Store.keep({ visit: VISIT, item: id, value: "", comment: "", client_time: P.stamp() });
    setState(id, "", "");
  }
  hooks.refused = function (entry) {
    if (entry.visit !== VISIT) return;
    if (entry.kind === "submit") {
      submission = entry;
      if (entry.problems) flagged = true;
      refresh();
      nav.showSection("finish", true);
      return;
    }
    if (entry.kind === "photo") { photos.refused(entry); return; }
    var it = items.get(entry.item);
    if (it) { it.sent = null; refusedUi(it, entry); }
  };
  hooks.progress = function (entry, fraction) { photos.progress(entry, fraction); };

  /* ---------- start and submit, through the outbox too ---------- */
  var startForm = $("form[data-start]");
  if (startForm) {
    startForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var when = P.stamp();
      var go = function (lat, lon) {
        P.enqueue({
          kind: "start", visit: VISIT, client_time: when,
          body: { client_time: String(when), latitude: lat, longitude: lon }
        });
        localStorage.setItem(STARTED_KEY, "1");
        markStarted();
        nav.show(0, true);
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

  /* ---------- submitting: checked here by the server's rules, then queued last ---------- */
  /* The submission is a change like the others: it waits in the outbox behind the answers
     and photos, and the page, the service worker or the next page opened sends it, once (its
     client id makes a repeat harmless). Nothing is queued while something is missing. */
  var submitForm = $("form[data-submit]", root);
  var submission = null;   // this visit's submission in the outbox (waiting or refused)
  var submitNoteEl = $("[data-submit-status]", submitForm), cancelBtn = $("[data-submit-cancel]", submitForm);
  var refusalEl = $("[data-submit-refusal]", root);
  /* What the server said was missing when it refused the submission, until changed since. */
  function serverProblems() {
    if (!submission || submission.state !== "refused" || !submission.problems) return [];
    return lastChange > submission.client_time ? [] : submission.problems;
  }
  function showSubmission(info) {
    if (!cancelBtn) return;   // called while the page is still being set up
    var offline = info ? info.offline : !navigator.onLine;
    var halted = info && info.halted;
    var waiting = submission && submission.state !== "refused";
    var refused = submission && submission.state === "refused";
    if (refused && submission.problems && !current.length && lastChange > submission.client_time) {
      // refused for what was missing, and everything is answered now: that refusal is stale
      Store.remove(submission.seq).then(P.status);
      submission = null; refused = false;
    }
    cancelBtn.hidden = !waiting;
    submitNoteEl.textContent = waiting ? (halted ? T.login : offline ? T.submit_offline : T.submit_wait) : "";
    if (refusalEl) {
      refusalEl.hidden = !refused || !!submission.problems;
      $("[data-submit-refusal-text]", refusalEl).textContent = refused ? P.reasonOf(submission) : "";
    }
    root.toggleAttribute("data-submission-waiting", !!waiting);
  }
  function submitted() {
    submission = null;
    try { sessionStorage.removeItem("sm-mot-" + VISIT); } catch (e) { /* private mode */ }
    location.replace("/visits/" + VISIT);   // the submitted page, fresh from the server
  }
  function queueSubmission(timeOut) {
    var when = P.stamp(), id = P.newId();
    var entry = {
      kind: "submit", visit: VISIT, client_id: id, client_time: when,
      label: ($("h1") || {}).textContent || "",
      body: { client_id: id, time_out: timeOut || new Date().toISOString(), client_time: String(when) }
    };
    submission = entry;
    showSubmission();
    return P.enqueue(entry);
  }
  submitForm.addEventListener("submit", function (e) {
    e.preventDefault();
    flagged = true;
    refresh();
    if (current.length) {   // the same verdict as the server's: say what, queue nothing
      var first = $("[data-missing-list] a", root);
      $("[data-refused]", root).focus();
      if (first) first.scrollIntoView({ block: "nearest" });
      return;
    }
    if (submission && submission.state !== "refused") return;   // already on its way
    var refusedBefore = submission;
    (refusedBefore ? Store.remove(refusedBefore.seq) : Promise.resolve()).then(function () {
      return queueSubmission();
    });
  });
  cancelBtn.addEventListener("click", function () {
    var entry = submission;
    if (!entry || entry.state === "refused") return;
    if (entry.seq === P.sendingSeq()) return;   // already in the air: the server decides
    submission = null;
    Store.remove(entry.seq).then(P.status);
    showSubmission();
  });
  if (refusalEl) {
    $("[data-submit-discard]", refusalEl).addEventListener("click", function () {
      if (!submission || submission.state !== "refused") return;
      Store.remove(submission.seq).then(P.status);
      submission = null;
      showSubmission();
    });
  }

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
      lastChange = Math.max(lastChange, local.client_time || 0);
      var it = items.get(local.item);
      if (!it) return;
      if (local.client_time > it.ct) {
        setValue(it, local.value, local.comment);
        it.sent = { value: local.value, comment: local.comment };
      }
    });
    r[1].filter(function (e) { return e.visit === VISIT; }).forEach(function (entry) {
      if (entry.kind === "start") markStarted();
      if (entry.kind === "submit") { submission = entry; if (entry.state === "refused" && entry.problems) flagged = true; }
      var it = items.get(entry.item);
      if (entry.kind === "photo" && it) photos.pendingThumb(it, entry);
      if (entry.kind === "delete") {
        var gone = $(".q-thumb[data-photo-id='" + entry.photo + "']", root);
        if (gone) gone.remove();
      }
      if (entry.kind === "answer" && it) {
        if (entry.state === "refused") refusedUi(it, entry); else setState(it.id, "waiting");
      }
    });
    var older = localStorage.getItem(SUBMIT_KEY);   // a submission tapped before the outbox took them
    localStorage.removeItem(SUBMIT_KEY);
    refresh();
    if (older && !submission && !current.length) queueSubmission(older);
    root.dataset.restored = "";   // what this phone kept is on screen
    P.status();
    P.drain();
  });
  items.forEach(updateCount);
  refresh();
  nav.restore();
  var refusedBox = $("#problems");
  if (refusedBox) {  // the server refused a submission: show the live list instead
    refusedBox.hidden = true;
    flagged = true;
    refresh();
    nav.showSection("finish", true);
  }
  stopwatch.tick();
})();
