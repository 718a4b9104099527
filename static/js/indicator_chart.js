// Line chart of one indicator over the last eight quarters, one line per district.
// The data comes from a json_script block, so nothing here is built from page text.
(function () {
  var holder = document.getElementById("indicator-chart");
  var source = document.getElementById("chart-data");
  if (!holder || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(holder);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 56, right: 24, top: 40, bottom: 40 },
    xAxis: { type: "category", data: data.quarters },
    yAxis: { type: "value", name: data.unit, scale: true },
    series: data.series.map(function (line) {
      return { name: line.name, type: "line", data: line.values, connectNulls: false, symbolSize: 6 };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
