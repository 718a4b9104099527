// Charts of the portal. Each <div data-chart="ID"> is drawn from the json_script block ID:
// {"kind": "line" | "bar", "categories": [...], "unit": "...", "series": [{"name", "values"}]}.
// The data is numbers and labels the server wrote as JSON, so nothing here is built from page text.
(function () {
  if (!window.echarts) { return; }
  document.querySelectorAll("[data-chart]").forEach(function (holder) {
    var source = document.getElementById(holder.dataset.chart);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(holder);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 40, bottom: 56 },
      xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: data.categories.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", name: data.unit || "", scale: data.kind === "line", max: data.max },
      series: data.series.map(function (line) {
        return { name: line.name, type: data.kind || "line", data: line.values, connectNulls: false, symbolSize: 6 };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
