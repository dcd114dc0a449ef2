// pigwatch pages: draw every server-built Plotly figure (<div data-figure="ID"> + <script id="ID">).
(function () {
  "use strict";
  function draw(el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source || !window.Plotly) return;
    var fig = JSON.parse(source.textContent);
    if (window.innerWidth < 640 && fig.layout.height > 500) {
      fig.layout.margin = { l: 44, r: 6, t: 36, b: 150 };
      fig.layout.legend = Object.assign({}, fig.layout.legend, { font: { size: 9 } });
    }
    window.Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d"] });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-figure]").forEach(draw);
  });
})();
