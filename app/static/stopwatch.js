/* ShopMirror checklist: the stopwatch of timed measures. Wall-clock based and kept on the
   device (localStorage), so it survives a reload; the screen stays on while one runs; a chip
   shows a stopwatch running in another moment of truth. Started by checklist.js. */
(function () {
  "use strict";

  /* ctx: {visit, items (Map id -> item), currentSection(), stopped(item, value, startMs)} */
  function init(root, ctx) {
    var P = window.SMPage, T = P.T, $ = P.$, $$ = P.$$;
    var wakeLock = null;

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
        b.setAttribute("aria-label", T.running + " " + clock(Date.now() - start));
        b.dataset.gotoItem = it.id;
      }
    }
    function tick() {
      running().forEach(function (it) {
        var start = Number(localStorage.getItem(key(it.id)));
        $(".sw-time", it.el).textContent = clock(Date.now() - start);
      });
      updateChip();
    }
    function ui(it, on) {
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

    $$("[data-stopwatch]", root).forEach(function (sw) {
      var it = ctx.items.get(sw.closest(".q-item").dataset.item);
      var unit = sw.dataset.unit;
      if (localStorage.getItem(key(it.id))) { ui(it, true); lockScreen(true); }
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
        $(".sw-time", sw).textContent = clock(elapsed);
        var value = unit === "min" ? Math.round(elapsed / 6000) / 10 : Math.round(elapsed / 1000);
        ctx.stopped(it, String(value), start);
      });
      $("[data-sw-reset]", sw).addEventListener("click", function () {
        localStorage.removeItem(key(it.id));
        ui(it, false); lockScreen(false);
        $(".sw-time", sw).textContent = "0:00";
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
