/* The benchmark report's charts: plain browser JavaScript over uPlot (inlined before it).
 * It reads BenchReportData (packages/report/src/bench-report-data.ts) from
 * <script id="report-data"> and draws, per result row, our median beside the peer's as two
 * bars, each labelled with its value, under a caption with the ratio, the goal and the verdict.
 * When done it sets window.cdnReport = { charts: [{kind: 'bench', variant: id, series, points,
 * plot}] } for tests. */
/* global document, window, uPlot */
'use strict';

(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const OURS_COLOUR = '#4a78c2';
  const PEER_COLOUR = '#e07b39';
  const WIDTH = 360;
  const HEIGHT = 200;
  const recorded = [];

  const { formatNumber } = window.cdnReportShared;

  function caption(row) {
    const line = document.createElement('p');
    line.className = 'what';
    const parts = [];
    if (row.ratio !== null) parts.push(`ratio ${row.ratio.toFixed(2)}`);
    if (row.goal) parts.push(`goal ${row.goal}`);
    line.textContent = parts.join(' · ');
    if (row.met !== null) {
      const verdict = document.createElement('span');
      verdict.className = row.met ? 'met' : 'missed';
      verdict.textContent = row.met ? ' · met' : ' · MISSED';
      line.append(verdict);
    }
    return line;
  }

  /** Writes each bar's value above it. */
  function valueLabels(labels) {
    return {
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            const ratio = uPlot.pxRatio;
            ctx.save();
            ctx.font = `${11 * ratio}px system-ui, sans-serif`;
            ctx.textAlign = 'center';
            ctx.textBaseline = 'bottom';
            ctx.fillStyle = '#222';
            labels.forEach((value, index) => {
              if (value === null) return;
              const x = u.valToPos(index, 'x', true);
              const y = u.valToPos(value, 'y', true);
              ctx.fillText(formatNumber(value), x, y - 3 * ratio);
            });
            ctx.restore();
          },
        ],
      },
    };
  }

  function drawRow(parent, bench, row) {
    const element = document.createElement('div');
    element.className = 'bench-row';
    const hasPeer = row.peer !== null;
    element.dataset.chart = 'bench';
    element.dataset.variant = bench.id;
    element.dataset.series = String(hasPeer ? 2 : 1);
    const title = document.createElement('h3');
    title.textContent = row.metric;
    element.append(title, caption(row));
    parent.append(element);

    const names = hasPeer ? ['ours', row.peerName || 'peer'] : ['ours'];
    const xs = names.map((_, index) => index);
    const bars = uPlot.paths.bars({ size: [0.6, 90] });
    const series = [
      {},
      {
        label: 'ours',
        fill: OURS_COLOUR,
        stroke: OURS_COLOUR,
        paths: bars,
        points: { show: false },
      },
    ];
    const columns = [hasPeer ? [row.ours, null] : [row.ours]];
    if (hasPeer) {
      series.push({
        label: names[1],
        fill: PEER_COLOUR,
        stroke: PEER_COLOUR,
        paths: bars,
        points: { show: false },
      });
      columns.push([null, row.peer]);
    }
    const top = Math.max(row.ours, row.peer ?? 0);
    const plot = new uPlot(
      {
        width: WIDTH,
        height: HEIGHT,
        legend: { show: false },
        cursor: { show: false },
        scales: {
          x: { time: false, range: [-0.5, names.length - 0.5] },
          y: { range: [0, top > 0 ? top * 1.2 : 1] },
        },
        axes: [
          { splits: () => xs, values: () => names, grid: { show: false } },
          { label: row.unit, labelSize: 20, size: 76 },
        ],
        series,
        plugins: [valueLabels(hasPeer ? [row.ours, row.peer] : [row.ours])],
      },
      [xs, ...columns],
      element,
    );
    const { left, top: plotTop, width, height } = plot.bbox;
    recorded.push({
      kind: 'bench',
      variant: bench.id,
      series: columns.length,
      points: columns.length,
      plot: { left, top: plotTop, width, height },
    });
  }

  data.benchmarks.forEach((bench, index) => {
    const parent = document.querySelector(`[data-bench-index="${index}"]`);
    for (const row of bench.rows) drawRow(parent, bench, row);
  });

  window.setTimeout(() => {
    window.cdnReport = { charts: recorded, markers: 0 };
  }, 0);
})();
