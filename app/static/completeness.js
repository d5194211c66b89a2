/* ShopMirror: what still blocks a visit's submission, worked out on the phone.
   The rules are not written here: the server sends them as data (app/scoring/completeness.py,
   `completeness_rules`) and this file only interprets them, so the phone and the server give
   the same verdicts (tests/e2e/test_completeness_js.py holds them to it). No DOM here.

   rules   = {space: "<blank characters>", items: [{id, required, when: {item, in} | null,
              needs: [{kind: "answer" | "chars" | "photos", count, on: "always" | "answered"}]}]}
   answers = {item id: value}: "na" for N/A, null or absent for unanswered
   photos  = {item id: number of photos}
   problem = {item_id, kind: "missing" | "short" | "photos", needed} */
(function (scope) {
  "use strict";
  var PROBLEM = { answer: "missing", chars: "short", photos: "photos" };
  var trimmers = typeof WeakMap === "function" ? new WeakMap() : null;

  function trimmer(rules) {
    var re = trimmers && trimmers.get(rules);
    if (!re) {
      var set = Array.prototype.map.call(rules.space || " ", function (c) {
        return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
      }).join("");
      re = new RegExp("^[" + set + "]+|[" + set + "]+$", "g");
      if (trimmers) trimmers.set(rules, re);
    }
    re.lastIndex = 0;
    return re;
  }
  /* Characters of a text without the blanks around it, counted as Python counts them. */
  function length(rules, text) {
    return Array.from(String(text).replace(trimmer(rules), "")).length;
  }
  function answered(rules, value) {
    return value !== null && value !== undefined && !(typeof value === "string" && length(rules, value) === 0);
  }
  /* A page's values are strings; the rules' values may be numbers (ratings). */
  function isIn(value, values) {
    if (value === null || value === undefined || typeof value === "boolean") return false;
    return values.some(function (v) { return String(v) === String(value); });
  }

  /* Ids of the items shown under the `when` rules for these answers: {id: true}. */
  function shown(rules, answers) {
    var out = {};
    rules.items.forEach(function (item) {
      var when = item.when;
      if (!when || (out[when.item] && isIn(answers[when.item], when["in"]))) out[item.id] = true;
    });
    return out;
  }

  function applies(rules, need, value) {
    if (need.on === "always") return true;
    if (need.on === "answered") return answered(rules, value) && value !== "na";
    return true;   // a condition this page does not know yet: better to ask too much
  }
  function met(rules, need, value, photos) {
    if (need.kind === "answer") return answered(rules, value);
    if (need.kind === "chars") return typeof value !== "string" || length(rules, value) >= need.count;
    if (need.kind === "photos") return photos >= need.count;
    return false;
  }

  /* The problems of one shown item (an entry of rules.items). */
  function itemProblems(rules, item, value, photos) {
    var out = [];
    item.needs.forEach(function (need) {
      if (applies(rules, need, value) && !met(rules, need, value, photos || 0)) {
        out.push({ item_id: item.id, kind: PROBLEM[need.kind] || need.kind, needed: need.count });
      }
    });
    return out;
  }

  /* Everything that blocks submission, in checklist order (empty: complete). */
  function problems(rules, answers, photos) {
    var visible = shown(rules, answers), out = [];
    rules.items.forEach(function (item) {
      if (visible[item.id]) out = out.concat(itemProblems(rules, item, answers[item.id], photos[item.id]));
    });
    return out;
  }

  scope.SMCompleteness = { shown: shown, problems: problems, itemProblems: itemProblems, length: length };
})(typeof self !== "undefined" ? self : this);
