// The indicator dashboard's charts. Data come from json_script blocks; the drill-down link and the gauge label
// from data-* attributes on the chart elements.
(function () {
  "use strict";
  function data(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : [];
  }
  function number(value) {
    return value === null ? null : Number(value);
  }
  if (!window.echarts) {
    return;
  }
  const townships = data("township-data");
  const chartEl = document.getElementById("township-chart");
  if (chartEl) {
    const chart = echarts.init(chartEl);
    chart.setOption({
      grid: {left: 48, right: 16, bottom: 64, top: 24},
      tooltip: {},
      xAxis: {type: "category", data: townships.map(t => t.name), axisLabel: {rotate: 40}},
      yAxis: {type: "value"},
      series: [{type: "bar", data: townships.map(t => number(t.value)), itemStyle: {color: "#206bc4"}}],
    });
    // A bar opens the place one level down: a county's or township's dashboard, or a school's page.
    chart.on("click", params => {
      const t = townships[params.dataIndex];
      if (t.url) {
        window.location = t.url;
      }
    });
    window.addEventListener("resize", () => chart.resize());
  }
  const trend = data("trend-data");
  const trendEl = document.getElementById("trend-chart");
  if (trendEl) {
    const chart = echarts.init(trendEl);
    chart.setOption({
      grid: {left: 48, right: 16, bottom: 32, top: 24}, tooltip: {trigger: "axis"},
      xAxis: {type: "category", data: trend.map(p => String(p.year))}, yAxis: {type: "value", scale: true},
      series: [{type: "line", data: trend.map(p => number(p.value)), label: {show: true}}],
    });
  }
  // One small gauge per target, each in its own grid cell with its caption written below it in the page (so that
  // captions wrap instead of overlapping, at any width).
  document.querySelectorAll("#gauges .gauge-chart").forEach(el => {
    const chart = echarts.init(el);
    chart.setOption({series: [{
      type: "gauge", center: ["50%", "55%"], radius: "90%", min: 0, max: 100,
      progress: {show: true}, axisLabel: {show: false}, splitLine: {length: 6}, axisTick: {show: false},
      pointer: {width: 4}, title: {show: false},
      detail: {valueAnimation: true, formatter: "{value}%", fontSize: 14, offsetCenter: [0, "70%"]},
      data: [{value: Number(el.dataset.value)}],
    }]});
    window.addEventListener("resize", () => chart.resize());
  });
})();
