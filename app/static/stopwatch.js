/* ShopMirror checklist: the stopwatch of timed measures. Wall-clock based and kept on the
   device (localStorage), so it survives a reload; the screen stays on while one runs; a chip
   shows a stopwatch running in another moment of truth. Started by checklist.js.
   Quiet by design: the ticking time is for the eye only (no live region, or a screen reader
   would read it every second); tapping the time has it read once. Reset offers Undo, since a
   slip of the thumb would otherwise lose a measurement that cannot be taken again. */
(function () {
  "use strict";

  /* ctx: {visit, items (Map id -> item), currentSection(), stopped(item, value, startMs)} */
  function init(root, ctx) {
    var P = window.SMPage, T = P.T, $ = P.$, $$ = P.$$;
    var wakeLock = null;
    var UNDO_MS = 10000;

    function key(id) { return "sm-sw:" + ctx.visit + ":" + id; }
    function clock(ms) {
      var s = Math.floor(ms / 1000), m = Math.floor(s / 60);
      return m + ":" + String(s % 60).padStart(2, "0");
    }
    function running() {
      var out = [];
      ctx.items.forEach(function (it) { if (localStorage.getItem(key(it.id))) out.push(it); });
      return out;
    }
    function updateChip() {
      var chip = $("[data-timer-chip]", root);
      var list = running().filter(function (it) { return it.section !== ctx.currentSection(); });
      chip.hidden = !list.length;
      if (list.length) {
        var it = list[0], start = Number(localStorage.getItem(key(it.id)));
        var b = $("button", chip);
        $("[data-timer-text]", b).textContent = clock(Date.now() - start);
        b.setAttribute("aria-label", T.running);  /* not the ticking time: it would be re-read */
        b.dataset.gotoItem = it.id;
      }
    }
    function tick() {
      running().forEach(function (it) {
        var start = Number(localStorage.getItem(key(it.id)));
        $("[data-sw-clock]", it.el).textContent = clock(Date.now() - start);
      });
      updateChip();
    }
    function ui(it, on) {
      var sw = $("[data-stopwatch]", it.el);
      sw.classList.toggle("running", on);
      $("[data-sw-toggle]", sw).textContent = on ? T.stop : T.start;
      $("[data-sw-reset]", sw).hidden = !on;
      if (on) $("[data-sw-undo]", sw).hidden = true;
    }
    function say(sw, text) {
      var out = $("[data-sw-said]", sw);
      out.textContent = "";
      setTimeout(function () { out.textContent = text; }, 60);  /* the same text is read again */
    }
    function lockScreen(on) {
      if (on && !wakeLock && navigator.wakeLock) {
        navigator.wakeLock.request("screen").then(function (l) { wakeLock = l; }, function () { /* not allowed */ });
      } else if (!on && wakeLock && !running().length) { wakeLock.release(); wakeLock = null; }
    }

    $$("[data-stopwatch]", root).forEach(function (sw) {
      var it = ctx.items.get(sw.closest(".q-item").dataset.item);
      var unit = sw.dataset.unit;
      var undoStart = 0, undoTimer = null;
      if (localStorage.getItem(key(it.id))) { ui(it, true); lockScreen(true); }
      $("[data-sw-say]", sw).addEventListener("click", function () {
        say(sw, P.fmt(T.sw_time, { time: $("[data-sw-clock]", sw).textContent }));
      });
      $("[data-sw-toggle]", sw).addEventListener("click", function () {
        var k = key(it.id), start = Number(localStorage.getItem(k) || 0);
        if (!start) {
          localStorage.setItem(k, String(Date.now()));
          ui(it, true); lockScreen(true); tick();
          return;
        }
        var elapsed = Date.now() - start;
        localStorage.removeItem(k);
        ui(it, false); lockScreen(false);
        $("[data-sw-clock]", sw).textContent = clock(elapsed);
        var value = unit === "min" ? Math.round(elapsed / 6000) / 10 : Math.round(elapsed / 1000);
        ctx.stopped(it, String(value), start);
      });
      $("[data-sw-reset]", sw).addEventListener("click", function () {
        undoStart = Number(localStorage.getItem(key(it.id)) || 0);
        localStorage.removeItem(key(it.id));
        ui(it, false); lockScreen(false);
        $("[data-sw-clock]", sw).textContent = "0:00";
        var undo = $("[data-sw-undo]", sw);
        undo.hidden = false;
        undo.focus();
        say(sw, T.sw_reset);
        clearTimeout(undoTimer);
        undoTimer = setTimeout(function () { undo.hidden = true; undoStart = 0; }, UNDO_MS);
      });
      $("[data-sw-undo]", sw).addEventListener("click", function () {
        clearTimeout(undoTimer);
        if (undoStart) {
          localStorage.setItem(key(it.id), String(undoStart));
          ui(it, true); lockScreen(true); tick();
          $("[data-sw-toggle]", sw).focus();
        }
        undoStart = 0;
        $("[data-sw-undo]", sw).hidden = true;
      });
    });
    setInterval(tick, 250);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { tick(); if (running().length) lockScreen(true); }
    });

    return { tick: tick, updateChip: updateChip };
  }

  window.SMStopwatch = { init: init };
})();
