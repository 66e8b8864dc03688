// The big-screen (数据大屏) charts; data come from json_script blocks.
(function () {
  "use strict";
  if (!window.echarts) {
    return;
  }
  const text = {color: "#e6eefc"};
  const data = id => JSON.parse(document.getElementById(id).textContent);
  const number = value => (value === null ? null : Number(value));
  const t = data("s-township-data");
  echarts.init(document.getElementById("s-townships")).setOption({
    textStyle: text, grid: {left: 40, right: 10, bottom: 70, top: 20},
    xAxis: {type: "category", data: t.map(r => r.name), axisLabel: {rotate: 40, color: "#9fb6dc"}},
    yAxis: {type: "value", axisLabel: {color: "#9fb6dc"}, splitLine: {lineStyle: {color: "#22395f"}}},
    series: [{type: "bar", data: t.map(r => number(r.value)), itemStyle: {color: "#5ee2ff"}}],
  });
  // An account scoped by schools has no targets or snapshot history: the page leaves those panels out.
  const gaugesEl = document.getElementById("s-gauges");
  const trendEl = document.getElementById("s-trend");
  if (!gaugesEl || !trendEl) {
    return;
  }
  const g = data("s-gauge-data").slice(0, 4);
  echarts.init(gaugesEl).setOption({series: g.map((x, i) => ({
    type: "gauge", center: [(i % 2) * 50 + 25 + "%", Math.floor(i / 2) * 50 + 30 + "%"], radius: "45%", min: 0, max: 100,
    progress: {show: true}, axisLabel: {show: false}, splitLine: {show: false}, axisTick: {show: false},
    detail: {formatter: "{value}%", fontSize: 12, color: "#5ee2ff", offsetCenter: [0, "40%"]},
    title: {fontSize: 10, color: "#9fb6dc", offsetCenter: [0, "75%"]}, data: [{value: x.value, name: x.name}],
  }))});
  const tr = data("s-trend-data");
  echarts.init(trendEl).setOption({
    textStyle: text, grid: {left: 40, right: 10, bottom: 30, top: 20},
    xAxis: {type: "category", data: tr.map(p => String(p.year)), axisLabel: {color: "#9fb6dc"}},
    yAxis: {type: "value", scale: true, axisLabel: {color: "#9fb6dc"}, splitLine: {lineStyle: {color: "#22395f"}}},
    series: [{type: "line", data: tr.map(p => number(p.value)), label: {show: true, color: "#e6eefc"}, itemStyle: {color: "#ffd166"}}],
  });
})();
