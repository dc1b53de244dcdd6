/* The period set-up pages (performance/templates/performance/setup_*.html): the plan checks, live. A form with
   [data-weights-form] sends its weights ([data-weight-input], without the rows ticked to unlink; plus
   data-other-weight) to /performance/setup/check and shows the answer in its [data-check] panel; a form with
   [data-bounds-check] sends its direction and bounds. The server says the rules (the same ones that refuse the
   save), this file only asks and shows. Without it the panels show the state when the page was rendered. */
(function () {
  "use strict";
  var URL_ = "/performance/setup/check";

  function show(panel, result) {
    if (!panel || !result) return;
    panel.textContent = result.message;
    panel.dataset.checkState = result.ok ? "ok" : "bad";
    panel.classList.toggle("alert-ok", !!result.ok);
    panel.classList.toggle("alert-error", !result.ok);
  }

  var asked = {};  // the latest question of each panel: an answer to an older one is dropped
  function ask(key, params, done) {
    var n = asked[key] = (asked[key] || 0) + 1;
    fetch(URL_ + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (res) { if (asked[key] === n) done(res); })
      .catch(function () { /* the check is a help: the save still checks */ });
  }

  function weightsOf(form) {
    var out = [];
    if (form.dataset.otherWeight) out.push(form.dataset.otherWeight);
    form.querySelectorAll("[data-weight-input]").forEach(function (input) {
      var row = input.closest("tr");
      var unlink = row && row.querySelector("[data-unlink]");
      if (unlink && unlink.checked) return;
      if (input.hasAttribute("data-weight-new")) {
        var pick = form.querySelector("[data-add-child]");
        if (!pick || !pick.value) return;
      }
      if (input.value.trim() !== "") out.push(input.value.trim());
    });
    return out;
  }

  function checkWeights(form) {
    var panel = form.querySelector("[data-check][id$=weight-check]");
    var p = new URLSearchParams();
    weightsOf(form).forEach(function (w) { p.append("w", w); });
    if (!p.has("w")) p.append("w", "");
    p.append("what", form.dataset.checkWhat || "");
    p.append("field", form.dataset.checkField || "weights");
    ask(panel ? panel.id : "weights", p, function (res) {
      if (res.weights) show(panel, res.weights);
      else if (res.message) show(panel, { ok: false, message: res.message });
    });
  }

  function checkBounds(form) {
    var panel = form.querySelector("[data-check][id$=bounds], [data-check][id$=bounds-check]");
    var kind = form.querySelector("[name=kind]");
    if (kind && kind.value !== "quantitative") {
      asked[panel ? panel.id : "bounds"] = (asked[panel ? panel.id : "bounds"] || 0) + 1;
      show(panel, { ok: true, message: "A " + kind.value + " indicator has no threshold or target to order." });
      return;
    }
    var p = new URLSearchParams();
    p.append("direction", (form.querySelector("[name=direction]") || {}).value || "higher_is_better");
    form.querySelectorAll("[data-bound-input]").forEach(function (input) {
      if (input.value.trim() !== "") p.append(input.name, input.value.trim());
    });
    ask(panel ? panel.id : "bounds", p, function (res) {
      if (res.bounds) show(panel, res.bounds);
      else if (res.message) show(panel, { ok: false, message: res.message });
    });
  }

  function bind() {
    document.querySelectorAll("form[data-weights-form], form[data-children-form]").forEach(function (form) {
      var run = function () { checkWeights(form); };
      form.addEventListener("input", function (e) {
        if (e.target.matches("[data-weight-input], [data-unlink], [data-add-child]")) run();
      });
      form.addEventListener("change", function (e) {
        if (e.target.matches("[data-unlink], [data-add-child]")) run();
      });
    });
    document.querySelectorAll("form[data-bounds-check]").forEach(function (form) {
      var run = function () { checkBounds(form); };
      form.addEventListener("input", function (e) {
        if (e.target.matches("[data-bound-input]")) run();
      });
      form.addEventListener("change", function (e) {
        if (e.target.matches("[name=direction], [name=kind]")) run();
      });
      run();
    });
  }
  document.addEventListener("DOMContentLoaded", bind);
})();
