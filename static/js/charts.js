// Charts of the portal. Each <div data-chart="ID"> is drawn from the json_script block ID:
// {"kind": "line" | "bar", "horizontal": bool, "categories": [...], "unit": "...", "max": n,
//  "series": [{"name", "values"}]}.
// The data is numbers and labels the server wrote as JSON, so nothing here is built from page text.
(function () {
  if (!window.echarts) { return; }
  document.querySelectorAll("[data-chart]").forEach(function (holder) {
    var source = document.getElementById(holder.dataset.chart);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    // Many long names read better down the side: a horizontal chart grows with its rows.
    if (data.horizontal) { holder.style.height = (data.categories.length * 26 + 90) + "px"; }
    var chart = window.echarts.init(holder);
    var categories = { type: "category", data: data.categories, inverse: !!data.horizontal,
                       axisLabel: { interval: 0, rotate: !data.horizontal && data.categories.length > 8 ? 30 : 0 } };
    // The value axis starts at 0, or lower for a negative value (a fall given as a rate): scores
    // and percentages drawn from 40 made a department at 45 look a quarter of one at 60.
    var values = { type: "value", name: data.unit || "", scale: false, max: data.max,
                   min: function (extent) { return Math.min(0, extent.min); } };
    chart.setOption({
      animation: false,
      // Drawn on the canvas: the HTML tooltip is built with style="" attributes, which the
      // Content-Security-Policy refuses.
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0 },
      grid: data.horizontal ? { left: 8, right: 32, top: 40, bottom: 24, containLabel: true }
                            : { left: 56, right: 24, top: 40, bottom: 56 },
      xAxis: data.horizontal ? values : categories,
      yAxis: data.horizontal ? categories : values,
      series: data.series.map(function (line) {
        return { name: line.name, type: data.kind || "line", data: line.values, connectNulls: false, symbolSize: 6 };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
