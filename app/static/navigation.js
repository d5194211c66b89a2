/* ShopMirror checklist: one moment of truth at a time, the pager, the overview, links to items.
   Each moment has its own address (/visits/12#s-greeting): moving to another one adds a
   history entry, so the browser's Back returns to the moment before, and only Back from the
   first one seen leaves the visit. Started by checklist.js. */
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
    /* history: "push" (the shopper moved: Back returns here), "none" (the address is already
       right: Back or Forward brought us), otherwise the current entry is replaced. */
    function remember(id, history_) {
      var hash = "#s-" + id;
      if (history_ === "none" || location.hash === hash) return;
      if (history_ === "push") history.pushState({ section: id }, "", hash);
      else history.replaceState({ section: id }, "", hash);
    }
    function show(index, focus, history_) {
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
      remember(s.dataset.section, history_);
      toggleOverview(false);
      ctx.onShow();
      if (focus) { window.scrollTo(0, 0); $("h2", s).focus({ preventScroll: true }); }
    }
    function showSection(id, focus, history_) {
      var i = sections.findIndex(function (s) { return s.dataset.section === id; });
      if (i >= 0) show(i, focus, history_);
    }
    function goToItem(id, history_) {
      var it = ctx.item(id);
      if (!it) return;
      var moved = sections[current].dataset.section !== it.section;
      showSection(it.section, false, moved ? history_ : "none");
      it.el.scrollIntoView({ block: "center" });
      var first = $("input:not([type=hidden]), textarea", it.el);
      if (first) first.focus({ preventScroll: true });
    }

    pager.hidden = false;
    $("[data-prev]", pager).addEventListener("click", function () { show(current - 1, true, "push"); });
    $("[data-next]", pager).addEventListener("click", function () { show(current + 1, true, "push"); });
    overviewBtn.addEventListener("click", function () { toggleOverview(!overview.classList.contains("open")); });
    document.addEventListener("click", function (e) {
      var a = e.target.closest("[data-goto], [data-goto-item], a[href^='#i-'], a[href^='#s-']");
      if (!a) return;
      e.preventDefault();
      var href = a.getAttribute("href") || "";
      if (a.dataset.goto) showSection(a.dataset.goto, true, "push");
      else if (a.dataset.gotoItem || href.indexOf("#i-") === 0) goToItem(a.dataset.gotoItem || href.slice(3), "push");
      else showSection(href.slice(3), true, "push");
    });
    /* Back and Forward within the visit: show the moment of that entry. */
    window.addEventListener("popstate", function () {
      var hash = location.hash;
      if (hash.indexOf("#i-") === 0) goToItem(hash.slice(3), "none");
      else if (hash.indexOf("#s-") === 0) showSection(hash.slice(3), true, "none");
    });

    /* Where the page opens: the item or moment in the address, else the last one seen here. */
    function restore() {
      var hash = location.hash;
      if (hash.indexOf("#i-") === 0) goToItem(hash.slice(3), "none");
      else if (hash.indexOf("#s-") === 0) showSection(hash.slice(3), false, "none");
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
