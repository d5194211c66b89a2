/* The page's theme, loaded in <head> before the first paint (no flash of a bright page), and
   the dim switch: on this phone only, no server round trip. The switch's choice if one was
   made on this phone, else the phone's own dark mode (prefers-color-scheme, in app.css).
   Choosing what the phone's own dark mode already gives forgets the choice, so the page
   follows the phone again. A file, not inline code: the Content-Security-Policy allows
   scripts from this site only. `data-js` on the tag marks pages whose CSS needs to know
   that scripts run (the checklist's one-moment-at-a-time view). */
(function () {
  var root = document.documentElement, me = document.currentScript;
  try { var t = localStorage.getItem("sm-theme"); if (t) root.dataset.theme = t; } catch (e) {}
  if (me && me.hasAttribute("data-js")) root.classList.add("js");
  function wire() {
    var button = document.querySelector("[data-theme-switch]");
    if (!button) return;
    var dark = window.matchMedia("(prefers-color-scheme: dark)");
    function dim() { return root.dataset.theme ? root.dataset.theme === "dim" : dark.matches; }
    function show() { button.setAttribute("aria-pressed", dim() ? "true" : "false"); }
    button.addEventListener("click", function () {
      var want = dim() ? "light" : "dim";
      try {
        if ((want === "dim") === dark.matches) { delete root.dataset.theme; localStorage.removeItem("sm-theme"); }
        else { root.dataset.theme = want; localStorage.setItem("sm-theme", want); }
      } catch (e) { root.dataset.theme = want; }
      show();
    });
    dark.addEventListener("change", show);
    button.hidden = false;
    show();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();
