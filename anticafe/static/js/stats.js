/* Statistics charts: each <canvas data-chart="ID"> is drawn from <script type="application/json" id="ID">.
   The same numbers are always in the table next to the chart; without JavaScript the tables remain. */
(function () {
  "use strict";

  // Print buttons work with or without charts.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  if (!window.Chart) { return; }
  var palette = ["#2563eb", "#16a34a", "#db2777", "#ea580c", "#7c3aed", "#0e7490"];
  var lang = document.documentElement.lang || "ru";
  var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  var styles = getComputedStyle(document.body);

  Chart.defaults.animation = false;
  Chart.defaults.font.family = styles.fontFamily;
  Chart.defaults.color = styles.color;
  Chart.defaults.maintainAspectRatio = false;

  var charts = [];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var horizontal = Boolean(spec.horizontal);
    var datasets = spec.datasets.map(function (dataset, index) {
      var color = palette[index % palette.length];
      var line = dataset.type === "line";
      return {
        label: dataset.label,
        data: dataset.data,
        type: dataset.type || spec.type,
        backgroundColor: line ? color : color + "cc",
        borderColor: color,
        borderWidth: line ? 2 : 0,
        pointRadius: line ? 3 : 0,
        tension: 0,
        order: line ? 0 : 1,
        maxBarThickness: 36
      };
    });
    var valueAxis = { beginAtZero: true, ticks: { precision: 0, callback: function (value) { return number.format(value); } } };
    // Long labels (event titles) are shortened on the axis; the tooltip and the table keep them whole.
    var labelAxis = {
      ticks: {
        autoSkip: !horizontal,
        callback: function (value) {
          var label = String(this.getLabelForValue(value));
          return label.length > 24 ? label.slice(0, 23) + "…" : label;
        }
      }
    };
    var chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (context) {
                var value = horizontal ? context.parsed.x : context.parsed.y;
                return context.dataset.label + ": " + number.format(value);
              }
            }
          }
        },
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis }
      }
    });
    canvas.closest("figure").classList.add("drawn");
    charts.push(chart);
  });

  // Printing changes the page width: redraw the charts to fit the paper.
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
  window.addEventListener("afterprint", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
