// Value matrix: a scatter of customers (current value across, potential value up) with the four
// quadrants drawn at the thresholds of the last classification. Reads the #matrix-data island.
(function () {
  const el = document.getElementById("value-matrix");
  const island = document.getElementById("matrix-data");
  if (!el || !island || typeof echarts === "undefined") return;
  const data = JSON.parse(island.textContent);
  const colours = { high: "#198754", secondary: "#0d6efd", potential: "#fd7e14", low: "#6c757d" };
  const ct = data.currentThreshold;
  const pt = data.potentialThreshold;
  let maxX = ct || 1;
  data.series.forEach(function (s) {
    s.points.forEach(function (p) { if (p[0] > maxX) maxX = p[0]; });
  });
  maxX = maxX * 1.05;
  const areas = [];
  if (ct !== null && pt !== null) {
    areas.push(
      [{ coord: [0, pt], itemStyle: { color: "rgba(253,126,20,0.06)" } }, { coord: [ct, 100] }],
      [{ coord: [ct, pt], itemStyle: { color: "rgba(25,135,84,0.08)" } }, { coord: [maxX, 100] }],
      [{ coord: [0, 0], itemStyle: { color: "rgba(108,117,125,0.06)" } }, { coord: [ct, pt] }],
      [{ coord: [ct, 0], itemStyle: { color: "rgba(13,110,253,0.06)" } }, { coord: [maxX, pt] }]
    );
  }
  const lines = [];
  if (ct !== null) lines.push({ xAxis: ct, name: data.labels.threshold });
  if (pt !== null) lines.push({ yAxis: pt, name: data.labels.threshold });
  const series = data.series.map(function (s, i) {
    const item = {
      name: s.name,
      type: "scatter",
      symbolSize: 7,
      data: s.points,
      itemStyle: { color: colours[s.quadrant], opacity: 0.75 },
    };
    if (i === 0) {
      item.markArea = { silent: true, data: areas };
      item.markLine = {
        silent: true,
        symbol: "none",
        label: { show: false },
        lineStyle: { type: "dashed", color: "#343a40" },
        data: lines,
      };
    }
    return item;
  });
  const chart = echarts.init(el);
  chart.setOption({
    animation: false,
    legend: { top: 4 },
    grid: { left: 60, right: 24, top: 40, bottom: 48 },
    tooltip: {
      trigger: "item",
      formatter: function (p) {
        const d = p.data;
        const esc = function (t) {
          const div = document.createElement("div");
          div.textContent = t;
          return div.innerHTML;
        };
        return esc(d[2]) + "<br>" + esc(data.labels.current) + ": " + d[0].toLocaleString() +
          "<br>" + esc(data.labels.potential) + ": " + d[1] + "<br>" + esc(data.labels.tier) + ": " + esc(d[4] || "—");
      },
    },
    xAxis: { name: data.labels.current, nameLocation: "middle", nameGap: 28, min: 0, max: Math.ceil(maxX) },
    yAxis: { name: data.labels.potential, nameLocation: "middle", nameGap: 40, min: 0, max: 100 },
    series: series,
  });
  const urlTemplate = el.dataset.customerUrl;
  chart.on("click", function (p) {
    if (p.componentType === "series" && p.data && p.data[3]) {
      window.location.href = urlTemplate.replace("/0/", "/" + p.data[3] + "/");
    }
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
