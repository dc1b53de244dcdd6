/* Small progressive enhancements. Every page works without this file; it draws charts, adds
   expand/collapse-all to the org tree and shows import results in place. No external requests. */
(function () {
  "use strict";

  function cssVar(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }

  /* Bar charts on canvases matching `selector`; the data sits in the <script type="application/json">
     named by data-chart-source. `stacked`: stacked bars (headcount + vacancies) or grouped ones (actual vs
     target); data-unit on the canvas suffixes axis ticks and tooltips. */
  function barCharts(selector, typeOf, stacked, maxBar) {
    var canvases = document.querySelectorAll(selector);
    if (!canvases.length) return;
    if (typeof window.Chart === "undefined") {
      // The vendored library did not load: show the same numbers as a table instead.
      document.querySelectorAll("details.chart-table").forEach(function (d) { d.open = true; });
      return;
    }
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var palette = [cssVar("--chart-1", "#2563eb"), cssVar("--chart-2", "#f59e0b"), cssVar("--chart-3", "#10b981")];
    var grid = cssVar("--line", "#e2e8f0");
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.color = cssVar("--muted", "#64748b");
    canvases.forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chartSource);
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var unit = canvas.dataset.unit || "";
      data.datasets.forEach(function (ds, i) {
        ds.backgroundColor = palette[i % palette.length];
        ds.borderRadius = 4;
        ds.maxBarThickness = maxBar;
      });
      var done = function () { canvas.dataset.rendered = "true"; };
      new window.Chart(canvas, {
        type: typeOf(canvas),
        data: data,
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: reduced ? false : { duration: 350, onComplete: done },
          scales: {
            x: { stacked: stacked, grid: { display: false } },
            y: { stacked: stacked, beginAtZero: true, grid: { color: grid },
                 ticks: stacked ? { precision: 0 } : { callback: function (v) { return v + unit; } } }
          },
          plugins: stacked
            ? { legend: { position: "bottom" }, tooltip: { mode: "index", intersect: false } }
            : { legend: { position: "bottom", display: data.datasets.length > 1 },
                tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + c.formattedValue + unit; } } } }
        }
      });
      if (reduced) done();
    });
  }

  function drawCharts() {
    barCharts("canvas[data-chart]", function (c) { return c.dataset.chart; }, true, 48);
    // Performance pages: grouped (not stacked) bars, e.g. actual vs target shares.
    barCharts("canvas[data-perf-chart]", function (c) { return c.dataset.perfChart; }, false, 56);
  }

  function treeTools() {
    document.querySelectorAll("[data-tree]").forEach(function (button) {
      button.addEventListener("click", function () {
        var open = button.dataset.tree === "expand";
        document.querySelectorAll("#org-tree details").forEach(function (d) { d.open = open; });
      });
    });
  }

  function describe(body) {
    if (!body || typeof body !== "object") return String(body || "");
    var lines = [];
    if (body.detail) lines.push(body.detail);
    (body.errors || []).slice(0, 20).forEach(function (e) {
      lines.push([e.row != null ? "row " + e.row : "", e.field || "", e.reason || e.message || ""].filter(Boolean).join(": "));
    });
    if (!lines.length) {
      Object.keys(body).forEach(function (k) {
        if (typeof body[k] !== "object") lines.push(k.replace(/_/g, " ") + ": " + body[k]);
      });
    }
    return lines.join("\n");
  }

  function uploads() {
    document.querySelectorAll("form.upload").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var out = form.querySelector(".upload-result");
        var button = form.querySelector("button");
        out.className = "upload-result";
        out.textContent = "Uploading…";
        button.disabled = true;
        // The form carries the CSRF token as its first field; the header says the same for the check.
        var token = document.querySelector('meta[name="csrf-token"]');
        fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                             headers: { "Accept": "application/json", "X-CSRFToken": token ? token.content : "" } })
          .then(function (resp) {
            return resp.text().then(function (text) {
              var body;
              try { body = JSON.parse(text); } catch (e) { body = text; }
              out.classList.add(resp.ok ? "ok" : "bad");
              out.textContent = (resp.ok ? "Imported. " : "Rejected (" + resp.status + "). ") + describe(body);
            });
          })
          .catch(function (err) { out.classList.add("bad"); out.textContent = "Upload failed: " + err; })
          .finally(function () { button.disabled = false; });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    treeTools();
    uploads();
  });
})();

/* Performance pages: expand/collapse-all of the department results tree. Same rules as above: the pages
   work without it, and nothing leaves the app. */
(function () {
  "use strict";

  function resultsTools() {
    document.querySelectorAll("[data-results-tree]").forEach(function (button) {
      button.addEventListener("click", function () {
        var open = button.dataset.resultsTree === "expand";
        document.querySelectorAll("#results-tree details").forEach(function (d) { d.open = open; });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", resultsTools);
})();

/* A form marked data-busy shows that it is working once submitted (the what-if): the pressed button
   marked with data-busy-label takes that label and the form's [data-running] note appears. The button is
   not disabled (a disabled button's own name and value would not be sent), a second submit is ignored,
   and a page restored from the back-forward cache is ready again. Without this file the form just submits. */
(function () {
  "use strict";

  function busyForms() {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var button = event.submitter;
        if (!button || !button.dataset.busyLabel) return;
        if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
        form.setAttribute("aria-busy", "true");
        button.dataset.idleLabel = button.textContent;
        button.textContent = button.dataset.busyLabel;
        button.setAttribute("aria-disabled", "true");
        form.querySelectorAll("[data-running]").forEach(function (note) { note.hidden = false; });
      });
    });
  }

  function ready() {
    document.querySelectorAll("form[data-busy][aria-busy=true]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("[data-busy-label][aria-disabled]").forEach(function (b) {
        b.textContent = b.dataset.idleLabel || b.textContent;
        b.removeAttribute("aria-disabled");
      });
      form.querySelectorAll("[data-running]").forEach(function (note) { note.hidden = true; });
    });
  }

  document.addEventListener("DOMContentLoaded", busyForms);
  window.addEventListener("pageshow", function (event) { if (event.persisted) ready(); });
})();
