/* The goal cascade page: a goal's supporting goals are loaded when it is opened (the server renders their
   rows: /performance/periods/{id}/cascade/{goal}/children). Without the script, opening a goal shows a link
   that opens the page on it instead. Nothing leaves the app. */
(function () {
  "use strict";

  function load(details) {
    var url = details.getAttribute("data-children-url");
    if (!url || details.dataset.loaded) return;
    var list = details.querySelector(":scope > ul");
    if (!list) return;
    details.dataset.loaded = "loading";
    details.setAttribute("aria-busy", "true");
    fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      })
      .then(function (html) {
        list.innerHTML = html;
        details.dataset.loaded = "true";
      })
      .catch(function () {
        details.dataset.loaded = "";  /* the fallback link stays; opening again retries */
      })
      .finally(function () { details.removeAttribute("aria-busy"); });
  }

  /* toggle does not bubble: listen while capturing, so rows loaded later need no listeners of their own */
  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (d && d.tagName === "DETAILS" && d.open) load(d);
  }, true);
})();
