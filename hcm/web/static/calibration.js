/* The calibration session (performance/templates/performance/calibration.html): a row's Save posts the same
   form with fetch and swaps the answer's parts with the same ids ([data-swap][id]: the row, the counts, the
   chart, the log, the error box) into the page, and its confirmation (or none: a refused change leaves no
   stale one). An answer without those parts (another error page) is shown by posting the form the plain way.
   Without this file the form posts and the page reloads. */
(function () {
  "use strict";
  function swap(html, form) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var parts = doc.querySelectorAll("[data-swap][id]");
    if (!parts.length) return false;
    parts.forEach(function (fresh) {
      var old = document.getElementById(fresh.id);
      if (old) old.replaceWith(fresh);
    });
    var flashNew = doc.querySelector("[data-flash]"), flashOld = document.querySelector("[data-flash]");
    if (flashNew && flashOld) flashOld.replaceWith(flashNew);
    else if (flashOld) flashOld.remove();
    else if (flashNew) {
      var tabs = document.querySelector(".perf-tabs") || document.querySelector("h1");
      if (tabs) tabs.after(flashNew);
    }
    bind();
    var row = form && form.closest("tr[id]"), now = row && document.getElementById(row.id);
    var invalid = now && now.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
    return true;
  }
  function bind() {
    document.querySelectorAll("form[data-calibrate-form]:not([data-bound])").forEach(function (form) {
      form.dataset.bound = "true";
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("button[type=submit]");
        if (button) button.disabled = true;
        form.setAttribute("aria-busy", "true");
        fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
          .then(function (resp) { return resp.text(); })
          .then(function (html) { if (!swap(html, form)) form.submit(); })
          .catch(function () { form.submit(); })
          .finally(function () {
            if (button) button.disabled = false;
            form.removeAttribute("aria-busy");
          });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", bind);
})();
