/* ShopMirror: what still blocks a visit's submission, worked out on the phone.
   The rules are not written here: the server sends them as data (app/scoring/completeness.py,
   `completeness_rules`) and this file only interprets them, so the phone and the server give
   the same verdicts (tests/e2e/test_completeness_js.py holds them to it). No DOM here.

   rules    = {space: "<blank characters>", variant?: id,
               items: [{id, required, when: condition | null, na_options?: [option ids],
                        needs: [{kind: "answer" | "chars" | "photos" | "comment", count,
                                 on: "always" | "answered" | "in", values?: [...]}]}]}
   condition = {item, in: [...]} | {item, not_in: [...]} | {variant: [ids]}
             | {all: [conditions]} | {any: [conditions]} | {not: condition}
   answers  = {item id: value}: "na" for N/A, null or absent for unanswered
   photos   = {item id: number of photos}
   comments = {item id: the shopper's comment}
   problem  = {item_id, kind: "missing" | "short" | "photos" | "comment", needed} */
(function (scope) {
  "use strict";
  var PROBLEM = { answer: "missing", chars: "short", photos: "photos", comment: "comment" };
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
    return (values || []).some(function (v) { return String(v) === String(value); });
  }

  /* Whether a condition holds: a leaf on an item is false when that item is hidden or
     has no answer, whether it says `in` or `not_in` (conditions.py). */
  function holds(cond, answers, visible, variant) {
    if (cond.all) return cond.all.every(function (c) { return holds(c, answers, visible, variant); });
    if (cond.any) return cond.any.some(function (c) { return holds(c, answers, visible, variant); });
    if (cond.not) return !holds(cond.not, answers, visible, variant);
    if (cond.variant) return variant !== null && variant !== undefined && cond.variant.indexOf(variant) >= 0;
    if (!visible[cond.item]) return false;
    var value = answers[cond.item];
    if (value === null || value === undefined || typeof value === "boolean") return false;
    return cond.not_in ? !isIn(value, cond.not_in) : isIn(value, cond["in"]);
  }

  /* Ids of the items shown under the `when` rules for these answers: {id: true}.
     The variant is the rules' own unless one is given. */
  function shown(rules, answers, variant) {
    var out = {};
    if (variant === undefined) variant = rules.variant;
    rules.items.forEach(function (item) {
      if (!item.when || holds(item.when, answers, out, variant)) out[item.id] = true;
    });
    return out;
  }

  function applies(rules, item, need, value) {
    if (need.on === "always") return true;
    if (need.on === "in") return answered(rules, value) && typeof value !== "boolean" && isIn(value, need.values);
    if (need.on === "answered") {
      return answered(rules, value) && value !== "na" && !isIn(value, item.na_options || []);
    }
    return true;   // a condition this page does not know yet: better to ask too much
  }
  function met(rules, need, value, photos, comment) {
    if (need.kind === "answer") return answered(rules, value);
    if (need.kind === "chars") return typeof value !== "string" || length(rules, value) >= need.count;
    if (need.kind === "photos") return photos >= need.count;
    if (need.kind === "comment") return typeof comment === "string" && length(rules, comment) > 0;
    return false;
  }

  /* The problems of one shown item (an entry of rules.items); a problem found twice
     (a photo asked for by `photo: required` and by `require_photo`) is reported once. */
  function itemProblems(rules, item, value, photos, comment) {
    var out = [], seen = {};
    item.needs.forEach(function (need) {
      if (applies(rules, item, need, value) && !met(rules, need, value, photos || 0, comment)) {
        var kind = PROBLEM[need.kind] || need.kind, key = kind + ":" + need.count;
        if (!seen[key]) {
          seen[key] = true;
          out.push({ item_id: item.id, kind: kind, needed: need.count });
        }
      }
    });
    return out;
  }

  /* Everything that blocks submission, in checklist order (empty: complete). */
  function problems(rules, answers, photos, comments, variant) {
    var visible = shown(rules, answers, variant), out = [];
    comments = comments || {};
    photos = photos || {};
    rules.items.forEach(function (item) {
      if (visible[item.id]) {
        out = out.concat(itemProblems(rules, item, answers[item.id], photos[item.id], comments[item.id]));
      }
    });
    return out;
  }

  /* Photos each shown item needs with these answers (photo_requirements of the core). */
  function photoNeeds(rules, answers, variant) {
    var visible = shown(rules, answers, variant), out = {};
    rules.items.forEach(function (item) {
      if (!visible[item.id]) return;
      item.needs.forEach(function (need) {
        if (need.kind === "photos" && applies(rules, item, need, answers[item.id])) {
          out[item.id] = Math.max(out[item.id] || 0, need.count);
        }
      });
    });
    return out;
  }

  scope.SMCompleteness = {
    shown: shown, problems: problems, itemProblems: itemProblems, photoNeeds: photoNeeds, length: length,
  };
})(typeof self !== "undefined" ? self : this);
