/* Office pages (reviewer, manager, HQ): htmx's failures shown where the user acted, and
 * filter forms that always say what the figures below them show.
 *
 * Loaded once by base.html for office users only (shopper pages carry no htmx). The
 * messages it needs come translated from the server as data-* attributes of its tag.
 */
(function () {
  "use strict";
  // A boosted page swap brings this tag again: listen once.
  if (window.smOfficeLoaded) return;
  window.smOfficeLoaded = true;
  var script = document.currentScript;
  var text = {
    offline: (script && script.dataset.offline) || "No connection. Nothing was saved; try again.",
    failed: (script && script.dataset.failed) || "That did not work.",
  };

  /* The element the user acted on: its form if it has one (that is where they look). */
  function actionPlace(detail) {
    var elt = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    if (!elt || !elt.closest) return document.getElementById("main");
    return elt.closest("form") || elt;
  }

  /* One message box per place, replaced on each failure, removed on the next success. */
  function showError(place, message) {
    var box = place.querySelector(":scope > .action-error");
    if (!box && place.nextElementSibling && place.nextElementSibling.classList.contains("action-error")) {
      box = place.nextElementSibling;
    }
    if (!box) {
      box = document.createElement("p");
      box.className = "action-error";
      box.setAttribute("role", "alert");
      if (place.tagName === "FORM") place.insertBefore(box, place.firstChild);
      else place.insertAdjacentElement("afterend", box);
    }
    box.textContent = message;
    box.hidden = false;
  }

  function clearError(place) {
    if (!place) return;
    var box = place.querySelector(":scope > .action-error");
    if (box) box.remove();
  }

  /* The server's error page (app.main._error_page): its heading and message. */
  function errorMessage(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("application/json") === 0) {
      try {
        var detail = JSON.parse(xhr.responseText).detail;
        if (typeof detail === "string") return detail;
      } catch (e) { /* fall through to the generic message */ }
      return null;
    }
    if (type.indexOf("text/html") !== 0) return null;
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var card = doc.querySelector(".error-card");
    if (!card) return null;
    var parts = [];
    var head = card.querySelector("h1");
    var body = card.querySelector("p");
    if (head) parts.push(head.textContent.trim());
    if (body && body.textContent.trim()) parts.push(body.textContent.trim());
    return parts.join(": ");
  }

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    var place = actionPlace(evt.detail);
    if (xhr.status < 400) {
      clearError(place);
      return;
    }
    var message = errorMessage(xhr);
    if (message === null && xhr.status < 500
        && (xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0) {
      // A form drawn again with its field errors and what the user typed: show it.
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
      return;
    }
    // Anything else stays where it is (what was typed included); the message goes there.
    evt.detail.shouldSwap = false;
    evt.detail.isError = true;
    showError(place, message || text.failed + " (" + xhr.status + ")");
  });

  function noConnection(evt) {
    showError(actionPlace(evt.detail), text.offline);
  }
  document.addEventListener("htmx:sendError", noConnection);
  document.addEventListener("htmx:timeout", noConnection);

  /* Filters: the form's controls follow the address, which is what the results show.
   * htmx's snapshot for Back keeps the controls' first choices (HTML attributes), not the
   * ones made since, so they are set again from the address; a name the address lacks
   * (only the page first loaded can lack one) takes the choice the server drew. */
  function syncFilters() {
    var params = new URLSearchParams(location.search);
    document.querySelectorAll("form.filters").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (control) {
        if (!control.name || control.type === "hidden" || control.type === "submit") return;
        if (control.type === "checkbox" || control.type === "radio") {
          var values = params.getAll(control.name);
          control.checked = params.has(control.name)
            ? values.indexOf(control.value) !== -1
            : control.defaultChecked;
        } else if (control.tagName === "SELECT") {
          if (params.has(control.name)) control.value = params.get(control.name);
          else Array.prototype.forEach.call(control.options, function (o) { o.selected = o.defaultSelected; });
          if (control.selectedIndex === -1 && control.options.length) control.selectedIndex = 0;
        } else {
          control.value = params.has(control.name) ? params.get(control.name) : control.defaultValue;
        }
      });
    });
  }

  document.addEventListener("htmx:historyRestore", syncFilters);
  window.addEventListener("pageshow", syncFilters); // reload and the browser's back-forward cache
  window.addEventListener("popstate", function () { setTimeout(syncFilters, 0); });
})();
