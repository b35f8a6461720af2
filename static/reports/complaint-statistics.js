// Complaint statistics: draws every [data-chart] container from the #report-data island (built by
// reports/views.py from the same tables the page shows; labels come translated from the server).
// A figure without data is null: drawn as a gap, never as 0. No animation, so tests see the finished chart.
(function () {
  const island = document.getElementById("report-data");
  if (!island || typeof echarts === "undefined") return;
  const data = JSON.parse(island.textContent);
  const noData = (data.labels || {}).noData || "-";
  const gap = function (v) { return v === null || v === undefined ? "-" : v; };
  const num = function (v) { return v === null || v === undefined || v === "-" ? noData : v; };
  const narrow = function (el) { return el.clientWidth < 420; };
  const palette = ["#0d6efd", "#d63384", "#fd7e14", "#20c997", "#6f42c1", "#ffc107", "#6c757d", "#198754", "#0dcaf0"];
  const base = { animation: false, color: palette, textStyle: { fontFamily: getComputedStyle(document.body).fontFamily } };
  const grid = function (top) {
    return { left: 8, right: 16, top: top, bottom: 8, containLabel: true, outerBoundsMode: "same", outerBoundsContain: "axisLabel" };
  };
  const series = function (chart, type, extra) {
    return chart.series.map(function (s) {
      return Object.assign({ name: s.name, type: type, data: s.data.map(gap), yAxisIndex: s.axis || 0 }, extra || {});
    });
  };
  const twoAxes = function (chart) {
    const axes = [{ type: "value", minInterval: 1 }];
    if (chart.series.some(function (s) { return s.axis === 1; })) axes.push({ type: "value", splitLine: { show: false } });
    return axes;
  };

  const builders = {
    hbar: function (el, c) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: num },
        grid: grid(8),
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: c.categories, axisLabel: { width: narrow(el) ? 110 : 180, overflow: "truncate" } },
        series: series(c, "bar", { barMaxWidth: 24, label: { show: true, position: "right" } }),
      };
    },
    bar: function (el, c) {
      return {
        legend: { top: 0 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: num },
        grid: grid(36),
        xAxis: { type: "category", data: c.categories, axisLabel: { interval: 0, rotate: narrow(el) ? 40 : 0 } },
        yAxis: { type: "value" },
        series: series(c, "bar", { barMaxWidth: 28 }),
      };
    },
    percent: function (el, c) {
      const option = builders.bar(el, c);
      option.yAxis = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
      return option;
    },
    stacked: function (el, c) {
      return {
        legend: { top: 0, type: "scroll" },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: num },
        grid: grid(narrow(el) ? 48 : 36),
        xAxis: { type: "category", data: c.categories, axisLabel: { rotate: narrow(el) ? 40 : 0 } },
        yAxis: { type: "value" },
        series: series(c, "bar", { stack: "all", barMaxWidth: 36 }),
      };
    },
    line: function (el, c) {
      return {
        legend: { top: 0 },
        tooltip: { trigger: "axis", valueFormatter: num },
        grid: grid(36),
        xAxis: { type: "category", data: c.categories },
        yAxis: twoAxes(c),
        series: series(c, "line", { connectNulls: false, symbolSize: 7 }),
      };
    },
    pareto: function (el, c) {
      return {
        legend: { top: 0 },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: num },
        grid: grid(36),
        xAxis: { type: "category", data: c.categories, axisLabel: { interval: 0, rotate: 35, width: narrow(el) ? 80 : 140, overflow: "truncate" } },
        yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } }],
        series: [
          { name: c.series[0].name, type: "bar", data: c.series[0].data.map(gap), barMaxWidth: 36, itemStyle: { color: "#0d6efd" } },
          { name: c.series[1].name, type: "line", yAxisIndex: 1, data: c.series[1].data.map(gap), symbolSize: 6, itemStyle: { color: "#dc3545" },
            markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#6c757d" }, label: { formatter: "80%" }, data: [{ yAxis: 80 }] } },
        ],
      };
    },
  };

  const charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    const chart = (data.charts || {})[el.dataset.chart];
    if (!chart || !builders[chart.kind]) return;
    const instance = echarts.init(el);
    instance.setOption(Object.assign({}, base, builders[chart.kind](el, chart)));
    charts.push(instance);
    el.dataset.drawn = "true";
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
