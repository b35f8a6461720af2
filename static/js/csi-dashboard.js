// CSI dashboard: draws every [data-chart] container from the #csi-data island (built by
// satisfaction/dashboard_views.py from the same tables the page shows). A figure without data is null:
// it is drawn as a gap, never as 0. No animation, so screenshots and tests see the finished chart.
(function () {
  const island = document.getElementById("csi-data");
  if (!island || typeof echarts === "undefined") return;
  const data = JSON.parse(island.textContent);
  const labels = data.labels || {};
  const gap = function (v) { return v === null || v === undefined ? "-" : v; };
  const esc = function (text) {
    const div = document.createElement("div");
    div.textContent = text === null || text === undefined ? "" : String(text);
    return div.innerHTML;
  };
  const num = function (v) { return v === null || v === undefined || v === "-" ? labels.noData : v; };
  const narrow = function (el) { return el.clientWidth < 420; };
  const base = { animation: false, textStyle: { fontFamily: getComputedStyle(document.body).fontFamily } };

  function horizontalBars(el, names, values, name, colour, max) {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: num },
      grid: { left: 24, right: 24, top: 12, bottom: 8, containLabel: true, outerBoundsMode: "same", outerBoundsContain: "axisLabel" },
      xAxis: { type: "value", min: 0, max: max, minInterval: 1 },
      yAxis: {
        type: "category",
        inverse: true,
        data: names,
        axisLabel: { width: narrow(el) ? 110 : 180, overflow: "truncate" },
      },
      series: [{ name: name, type: "bar", data: values.map(gap), itemStyle: { color: colour }, barMaxWidth: 28,
                 label: { show: true, position: "right", formatter: function (p) { return p.value === "-" ? "" : p.value; } } }],
    };
  }

  const builders = {
    radar: function (el) {
      const r = data.radar;
      const hasPrevious = r.previous.some(function (v) { return v !== null; });
      if (r.indicators.length < 3) {
        // A radar needs three axes: with fewer dimensions the same numbers are drawn as bars.
        const bars = horizontalBars(el, r.indicators, r.current, labels.thisPeriod, "#0d6efd", 100);
        bars.legend = { top: 0 };
        bars.grid.top = 32;
        if (hasPrevious) {
          bars.series.push({ name: labels.previousPeriod, type: "bar", data: r.previous.map(gap), barMaxWidth: 28,
                             itemStyle: { color: "#adb5bd" } });
        }
        return bars;
      }
      const series = [
        { name: labels.thisPeriod, value: r.current.map(gap), itemStyle: { color: "#0d6efd" }, areaStyle: { opacity: 0.15 } },
      ];
      if (hasPrevious) {
        series.push({ name: labels.previousPeriod, value: r.previous.map(gap), itemStyle: { color: "#6c757d" }, lineStyle: { type: "dashed" } });
      }
      return {
        legend: { top: 0, data: [labels.thisPeriod, labels.previousPeriod] },
        tooltip: { trigger: "item" },
        radar: {
          center: ["50%", "56%"],
          radius: narrow(el) ? "60%" : "65%",
          indicator: r.indicators.map(function (n) { return { name: n, min: 0, max: 100 }; }),
          axisName: { color: "#495057", fontSize: narrow(el) ? 10 : 12 },
        },
        series: [{ type: "radar", data: series }],
      };
    },
    segments: function (el) {
      const s = data.segments;
      return horizontalBars(el, s.names, s.csi, labels.csi, "#0d6efd", 100);
    },
    months: function () {
      const m = data.months;
      return {
        legend: { top: 0 },
        tooltip: { trigger: "axis", valueFormatter: num },
        grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true, outerBoundsMode: "same", outerBoundsContain: "axisLabel" },
        xAxis: { type: "category", data: m.names },
        yAxis: [
          { type: "value", name: labels.csi, min: 0, max: 100 },
          { type: "value", name: labels.nps, min: -100, max: 100, splitLine: { show: false } },
        ],
        series: [
          { name: labels.csi, type: "line", data: m.csi.map(gap), connectNulls: false, symbolSize: 7, itemStyle: { color: "#0d6efd" } },
          { name: labels.nps, type: "line", yAxisIndex: 1, data: m.nps.map(gap), connectNulls: false, symbolSize: 7, itemStyle: { color: "#fd7e14" } },
        ],
      };
    },
    ipa: function (el) {
      const d = data.ipa;
      const colours = { concentrate: "#dc3545", keep_up: "#198754", low_priority: "#6c757d", overkill: "#0d6efd" };
      const mx = d.meanPerformance;
      const my = d.meanImportance;
      const q = d.quadrants;
      const area = function (from, to, name, position) {
        return [
          { coord: from, name: name, label: { show: true, position: position, color: "#495057", fontSize: narrow(el) ? 10 : 12 },
            itemStyle: { color: "rgba(0,0,0,0.025)" } },
          { coord: to },
        ];
      };
      const areas = mx === null ? [] : [
        area([1, my], [mx, 10], q.concentrate, "insideTopLeft"),
        area([mx, my], [5, 10], q.keep_up, "insideTopRight"),
        area([1, 0], [mx, my], q.low_priority, "insideBottomLeft"),
        area([mx, 0], [5, my], q.overkill, "insideBottomRight"),
      ];
      return {
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            if (p.componentType !== "series" || !Array.isArray(p.data)) return "";
            return esc(p.data[2]) + "<br>" + esc(labels.performance) + ": " + esc(p.data[0]) +
              "<br>" + esc(labels.importance) + ": " + esc(p.data[1]) + "<br>" + esc(q[p.data[3]]);
          },
        },
        grid: { left: 40, right: 16, top: 16, bottom: 40 },
        xAxis: { type: "value", name: labels.performance, nameLocation: "middle", nameGap: 26, min: 1, max: 5 },
        yAxis: { type: "value", name: labels.importance, nameLocation: "middle", nameGap: 24, min: 0, max: 10 },
        series: [{
          type: "scatter",
          symbolSize: 12,
          data: d.points,
          itemStyle: { color: function (p) { return colours[p.data[3]] || "#0d6efd"; } },
          markArea: { silent: true, data: areas },
          markLine: {
            silent: true,
            symbol: "none",
            lineStyle: { type: "dashed", color: "#343a40" },
            label: { show: false },
            data: mx === null ? [] : [{ xAxis: mx }, { yAxis: my }],
          },
        }],
      };
    },
    zones: function (el) {
      const z = data.zones;
      return {
        legend: { top: 0, itemWidth: 14, itemGap: 8 },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          formatter: function (items) {
            if (!items.length) return "";
            const i = items[0].dataIndex;
            let html = esc(items[0].axisValue);
            z.series.forEach(function (s) {
              html += "<br>" + esc(s.name) + ": " + esc(s.counts[i]) + " (" + esc(num(s.shares[i])) + "%)";
            });
            return html;
          },
        },
        grid: { left: 8, right: 8, top: narrow(el) ? 64 : 40, bottom: 8, containLabel: true, outerBoundsMode: "same", outerBoundsContain: "axisLabel" },
        xAxis: { type: "category", data: z.months },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: z.series.map(function (s) {
          return { name: s.name, type: "bar", stack: "zones", data: s.shares.map(gap), itemStyle: { color: s.colour } };
        }),
      };
    },
    complaintCategories: function (el) {
      const c = data.complaintCategories;
      return horizontalBars(el, c.names, c.counts, labels.complaints, "#6f42c1", null);
    },
    complaintCauses: function (el) {
      const c = data.complaintCauses;
      return horizontalBars(el, c.names, c.counts, labels.complaints, "#d63384", null);
    },
  };

  const charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    const build = builders[el.dataset.chart];
    if (!build) return;
    const chart = echarts.init(el);
    const option = Object.assign({}, base, build(el));
    if (option.xAxis && option.xAxis.max === null) delete option.xAxis.max;
    chart.setOption(option);
    charts.push(chart);
    el.dataset.drawn = "true";
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
