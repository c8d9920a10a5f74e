/* The dashboard's chart of routes per second per replica, drawn by uPlot (the library the
 * experiment reports use; the balancer serves its files from the npm package, so no internet).
 * dashboard.js owns the samples and the colours; this file only draws them. */
/* global window, uPlot */
'use strict';

(() => {
  const HEIGHT = 240;
  const MIN_SPAN_MS = 60_000;
  const TEXT = '#5f6b7a';
  const GRID = '#dde2e9';
  const FONT = '11px system-ui, sans-serif';

  /**
   * The time shown: the data seen so far, at least a minute, at most the history kept (a new
   * page is not a blank chart), ending with the newest sample.
   */
  function windowOf(history, historyMs) {
    const end = history.at(-1)?.at ?? Date.now();
    const seen = end - (history[0]?.at ?? end);
    const span = Math.min(historyMs, Math.max(MIN_SPAN_MS, seen));
    return { start: end - span, end, span };
  }

  /** A top of the y axis and a round tick step (1, 2 or 5 × 10ⁿ), at most 4 steps. */
  function niceScale(max) {
    if (max <= 1) return { top: 1, step: 0.25 };
    const raw = max / 4;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= raw);
    return { top: Math.ceil(max / step) * step, step };
  }

  const trimNumber = (value) => String(Number(value.toFixed(2)));

  function timeTicks({ end, span }) {
    const step = [10_000, 15_000, 30_000, 60_000].find((ms) => span / ms <= 6) ?? 60_000;
    const ticks = [];
    for (let ago = Math.floor(span / step) * step; ago >= 0; ago -= step) ticks.push(end - ago);
    return ticks;
  }

  function agoLabel(ago) {
    if (ago === 0) return 'now';
    return ago % 60_000 === 0 ? `−${ago / 60_000} min` : `−${Math.round(ago / 1000)} s`;
  }

  /** Draws into `box`; `draw` may be called as often as samples come (uPlot redraws once). */
  function createRoutesChart(box, historyMs) {
    let plot = null;
    let seriesKey = '';
    let view = windowOf([], historyMs);
    let yScale = niceScale(0);

    function options(ids, colourOf) {
      const axis = {
        stroke: TEXT,
        font: FONT,
        grid: { stroke: GRID, width: 1 },
        ticks: { show: false },
      };
      return {
        width: Math.max(1, box.clientWidth),
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: false, range: () => [view.start, view.end] },
          y: { range: () => [0, yScale.top] },
        },
        axes: [
          {
            ...axis,
            size: 30,
            splits: () => timeTicks(view),
            values: (_u, ticks) => ticks.map((at) => agoLabel(view.end - at)),
          },
          {
            ...axis,
            size: 56,
            splits: () => {
              const ticks = [];
              for (let rate = 0; rate <= yScale.top + yScale.step / 2; rate += yScale.step) {
                ticks.push(rate);
              }
              return ticks;
            },
            values: (_u, ticks) => ticks.map((rate) => `${trimNumber(rate)}/s`),
          },
        ],
        series: [
          {},
          ...ids.map((id) => ({
            label: id,
            stroke: colourOf(id),
            width: 2,
            // The newest sample of each line gets a dot, as "now".
            points: { show: false, size: 7, fill: colourOf(id), filter: newestPoint },
          })),
        ],
      };
    }

    function newestPoint(u, seriesIndex) {
      const last = u.data[0].length - 1;
      return last >= 0 && u.data[seriesIndex][last] !== null ? [last] : null;
    }

    /** `history`: [{ at, rates: Map(id -> routes per second) }]; returns the span shown (ms). */
    function draw(history, ids, colourOf) {
      view = windowOf(history, historyMs);
      let max = 0;
      for (const sample of history) {
        for (const rate of sample.rates.values()) max = Math.max(max, rate);
      }
      yScale = niceScale(max);
      const data = [
        history.map((sample) => sample.at),
        ...ids.map((id) => history.map((sample) => sample.rates.get(id) ?? null)),
      ];
      // A replica joining or leaving changes the series; uPlot is rebuilt for that (rare).
      const key = ids.join(' ');
      if (!plot || key !== seriesKey) {
        plot?.destroy();
        plot = new uPlot(options(ids, colourOf), data, box);
        seriesKey = key;
      } else {
        plot.setData(data);
      }
      // For the browser tests: the lines uPlot holds, and the samples they were drawn from.
      box.dataset.series = String(plot.series.length - 1);
      box.dataset.samples = String(history.length);
      return view.span;
    }

    function resize() {
      plot?.setSize({ width: Math.max(1, box.clientWidth), height: HEIGHT });
    }

    return { draw, resize };
  }

  window.createRoutesChart = createRoutesChart;
})();
