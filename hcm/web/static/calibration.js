/* The calibration session (performance/templates/performance/calibration.html): a row's Save posts the same
   form with fetch and swaps the answer's row, counts, chart and log into the page ([data-swap] ids). Without
   this file the form posts and the page reloads. */
(function () {
  "use strict";
  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    doc.querySelectorAll("[data-swap][id]").forEach(function (fresh) {
      var old = document.getElementById(fresh.id);
      if (old) old.replaceWith(fresh);
    });
    var flashNew = doc.querySelector("[data-flash]"), flashOld = document.querySelector("[data-flash]");
    if (flashNew && flashOld) flashOld.replaceWith(flashNew);
    else if (flashNew) { var h = document.querySelector("h1"); if (h) h.after(flashNew); }
    bind();
  }
  function bind() {
    document.querySelectorAll("form[data-calibrate-form]:not([data-bound])").forEach(function (form) {
      form.dataset.bound = "true";
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
          .then(function (resp) { return resp.text(); })
          .then(swap)
          .catch(function () { form.submit(); });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", bind);
})();
