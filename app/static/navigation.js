/* ShopMirror checklist: one moment of truth at a time, the pager, the overview, links to items.
   Started by checklist.js. */
(function () {
  "use strict";

  /* ctx: {visit, item(id) -> {el, section} | undefined, onShow()} */
  function init(root, ctx) {
    var P = window.SMPage, T = P.T, $ = P.$, $$ = P.$$;
    var sections = $$(".mot", root);
    var pager = $(".mot-pager", root);
    var overview = $("#overview", root);
    var overviewBtn = $("[data-overview]", pager);
    var current = 0;

    function toggleOverview(open) {
      overview.classList.toggle("open", open);
      overviewBtn.setAttribute("aria-expanded", open ? "true" : "false");
    }
    function show(index, focus) {
      current = Math.max(0, Math.min(sections.length - 1, index));
      sections.forEach(function (s, i) { s.classList.toggle("current", i === current); });
      var s = sections[current];
      var label = s.dataset.section === "finish" ? T.finish
        : P.fmt(T.moment, { num: current + 1, total: sections.length - 1 });
      $("[data-pager-label]", pager).textContent = label + " ▾";
      $("[data-prev]", pager).disabled = current === 0;
      $("[data-next]", pager).disabled = current === sections.length - 1;
      $$("[data-goto]", overview).forEach(function (a) {
        if (a.dataset.goto === s.dataset.section) a.setAttribute("aria-current", "step");
        else a.removeAttribute("aria-current");
      });
      try { sessionStorage.setItem("sm-mot-" + ctx.visit, s.dataset.section); } catch (e) { /* private mode */ }
      toggleOverview(false);
      ctx.onShow();
      if (focus) { window.scrollTo(0, 0); $("h2", s).focus({ preventScroll: true }); }
    }
    function showSection(id, focus) {
      var i = sections.findIndex(function (s) { return s.dataset.section === id; });
      if (i >= 0) show(i, focus);
    }
    function goToItem(id) {
      var it = ctx.item(id);
      if (!it) return;
      showSection(it.section, false);
      it.el.scrollIntoView({ block: "center" });
      var first = $("input:not([type=hidden]), textarea", it.el);
      if (first) first.focus({ preventScroll: true });
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

    /* Where the page opens: the item or moment in the address, else the last one seen here. */
    function restore() {
      var hash = location.hash;
      if (hash.indexOf("#i-") === 0) goToItem(hash.slice(3));
      else if (hash.indexOf("#s-") === 0) showSection(hash.slice(3), false);
      else {
        var last = null;
        try { last = sessionStorage.getItem("sm-mot-" + ctx.visit); } catch (e) { /* private mode */ }
        if (last) showSection(last, false); else show(0, false);
      }
    }

    return {
      show: show, showSection: showSection, goToItem: goToItem, restore: restore,
      current: function () { return sections[current].dataset.section; }
    };
  }

  window.SMNavigation = { init: init };
})();
