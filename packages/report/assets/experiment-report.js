/* The experiment report's charts: plain browser JavaScript over uPlot (inlined before it).
 * It reads the report data (ExperimentReportData, packages/report/src/report-data.ts) from
 * <script id="report-data">, draws one chart per kind, overlays the variants where they share
 * a unit (latency, errors, hit ratio, origin fetches) and gives the others one chart per
 * variant (requests, states). Every chart draws every timeline marker and shares its cursor.
 * When done it sets window.cdnReport = { charts: [{kind, variant, series, points, markers,
 * plot}], markers } for the browser test. */
/* global document, window, uPlot */
'use strict';

(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const comparing = data.variants.length > 1;
  /** Every chart's time axis runs from the load's start to its end, so an early step shows. */
  const END_T = Math.max(1, ...data.variants.map((variant) => variant.times.at(-1) ?? 0));

  const PALETTE = [
    '#4a78c2',
    '#e07b39',
    '#3aa17e',
    '#b3478f',
    '#8c6d31',
    '#5b5fc7',
    '#c23b3b',
    '#2b9bb3',
    '#7a9a2a',
    '#8a5ac2',
  ];
  const DASHES = [[], [8, 4], [2, 3], [10, 3, 2, 3]];
  const STATE_NAMES = ['absent', 'up', 'draining', 'down'];
  const STATE_COLOURS = [null, '#3aa17e', '#e0a030', '#c23b3b'];
  const MARKER_COLOUR = '#222';
  const FAILED_MARKER_COLOUR = '#888';
  const CHART_HEIGHT = 240;
  const SMALL_CHART_HEIGHT = 180;
  const STATE_ROW_HEIGHT = 26;
  const SYNC_KEY = 'cdn-report';

  const CHARTS = {
    latency: {
      title: 'Latency',
      what: comparing
        ? 'p50 (thin) and p99 (thick) of the downloads that finished in each interval; a colour per variant.'
        : 'p50 (dashed) and p99 (solid) of the downloads that finished in each interval.',
      unit: 'ms',
    },
    requests: {
      title: 'Requests per replica',
      what: 'Verified downloads per second each edge replica completed, stacked: the top edge is the total.',
      unit: 'requests/s',
    },
    errors: {
      title: 'Errors and failovers',
      what: 'Failed downloads (error <code>) and failovers (failover <cause at the replica left>) per second.',
      unit: 'per s',
    },
    hitRatio: {
      title: 'Cache hit ratio',
      what: 'Hits ÷ (hits + misses) in each interval, per tier.',
      unit: 'hit ratio',
    },
    originFetches: {
      title: 'Origin fetches',
      what: 'Requests the replicas sent to the origin, cumulative (attempts while it is down included).',
      unit: 'fetches',
    },
    states: {
      title: 'Replica states',
      what: 'One row per replica over time: green up, amber draining, red down, blank absent.',
      unit: '',
    },
  };
  const KINDS = ['latency', 'requests', 'errors', 'hitRatio', 'originFetches', 'states'];
  const OVERLAID = new Set(['latency', 'errors', 'hitRatio', 'originFetches']);

  const recorded = [];
  const plots = [];
  /** Every distinct step drawn on some chart (its index in STEPS). */
  const markersDrawn = new Set();
  /** The same step in each variant is carried out a few ms apart: within this, one step. */
  const SAME_STEP_S = 1;

  // A replica keeps its colour on every chart and in every variant.
  const replicaNames = [
    ...new Set(
      data.variants.flatMap((variant) =>
        variant.series
          .filter((series) => series.chart === 'requests' || series.chart === 'states')
          .map((series) => series.name),
      ),
    ),
  ].sort();
  const replicaColour = (name) => PALETTE[replicaNames.indexOf(name) % PALETTE.length];
  const variantColour = (index) => PALETTE[index % PALETTE.length];

  const seriesOf = (variant, kind) => variant.series.filter((series) => series.chart === kind);
  const countPoints = (columns) =>
    columns.reduce((sum, column) => sum + column.filter((v) => v !== null).length, 0);

  /**
   * The timeline's steps across all variants: a variant's marker is the step of the same label
   * and outcome carried out within SAME_STEP_S of it, so a shared chart draws each step once.
   */
  const STEPS = [];
  for (const variant of data.variants) {
    for (const marker of [...variant.markers].sort((a, b) => a.t - b.t)) {
      if (stepOf(marker) === undefined) STEPS.push(marker);
    }
  }
  STEPS.sort((a, b) => a.t - b.t);

  function stepOf(marker) {
    return STEPS.find(
      (step) =>
        step.label === marker.label &&
        step.ok === marker.ok &&
        Math.abs(step.t - marker.t) < SAME_STEP_S,
    );
  }

  function unionTimes(variants) {
    const times = new Set();
    for (const variant of variants) for (const t of variant.times) times.add(t);
    return [...times].sort((a, b) => a - b);
  }

  function alignedValues(times, variant, values) {
    const index = new Map(variant.times.map((t, i) => [t, i]));
    return times.map((t) => {
      const at = index.get(t);
      return at === undefined ? null : (values[at] ?? null);
    });
  }

  const { formatNumber } = window.cdnReportShared;
  const formatRatio = (value) =>
    value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)} %`;

  /** Draws each timeline step as a labelled vertical line over the plot area. */
  function markersPlugin(markers, onDrawn) {
    return {
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            const ratio = uPlot.pxRatio;
            const { left, top, width, height } = u.bbox;
            let drawn = 0;
            ctx.save();
            ctx.font = `${11 * ratio}px system-ui, sans-serif`;
            // The axes leave textAlign as they drew their values.
            ctx.textAlign = 'left';
            ctx.textBaseline = 'middle';
            markers.forEach((marker, index) => {
              const x = Math.round(u.valToPos(marker.t, 'x', true));
              if (x < left - 1 || x > left + width + 1) return;
              const colour = marker.ok ? MARKER_COLOUR : FAILED_MARKER_COLOUR;
              ctx.strokeStyle = colour;
              ctx.lineWidth = ratio;
              ctx.setLineDash([5 * ratio, 3 * ratio]);
              ctx.beginPath();
              ctx.moveTo(x + 0.5, top);
              ctx.lineTo(x + 0.5, top + height);
              ctx.stroke();
              ctx.setLineDash([]);
              const text = marker.ok ? marker.label : `✗ ${marker.label}`;
              const textWidth = ctx.measureText(text).width;
              const y = top + (9 + (index % 3) * 14) * ratio;
              const toLeft = x + textWidth + 8 * ratio > left + width;
              const boxX = toLeft ? x - textWidth - 6 * ratio : x + 2 * ratio;
              ctx.fillStyle = 'rgba(255,255,255,0.85)';
              ctx.fillRect(boxX, y - 7 * ratio, textWidth + 4 * ratio, 14 * ratio);
              ctx.fillStyle = colour;
              ctx.fillText(text, boxX + 2 * ratio, y);
              markersDrawn.add(STEPS.indexOf(stepOf(marker)));
              drawn += 1;
            });
            ctx.restore();
            onDrawn(drawn);
          },
        ],
      },
    };
  }

  /** Paints one row per replica, a band per sample interval coloured by its state. */
  function stateBandsPlugin(times, rows) {
    return {
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            const { left, top, width, height } = u.bbox;
            const step = times.length > 1 ? times[1] - times[0] : 1;
            ctx.save();
            ctx.beginPath();
            ctx.rect(left, top, width, height);
            ctx.clip();
            rows.forEach((row, rowIndex) => {
              const y0 = u.valToPos(rows.length - rowIndex, 'rows', true);
              const y1 = u.valToPos(rows.length - rowIndex - 1, 'rows', true);
              const gap = Math.max(2, (y1 - y0) * 0.15);
              row.values.forEach((code, i) => {
                const colour = code === null ? null : STATE_COLOURS[code];
                if (!colour) return;
                const x0 = u.valToPos(times[i], 'x', true);
                const x1 = u.valToPos(times[i + 1] ?? times[i] + step, 'x', true);
                ctx.fillStyle = colour;
                ctx.fillRect(x0, y0 + gap, Math.max(1, x1 - x0), y1 - y0 - 2 * gap);
              });
            });
            ctx.restore();
          },
        ],
      },
    };
  }

  function xAxis() {
    return { label: 'seconds since the load started', labelSize: 20, size: 36 };
  }

  function yAxis(unit, values) {
    return { label: unit, labelSize: 20, size: 60, ...(values ? { values } : {}) };
  }

  function baseOptions(width, height, markers, onMarkers, plugins = []) {
    return {
      width,
      height,
      cursor: { sync: { key: SYNC_KEY } },
      scales: { x: { time: false, range: [0, END_T] } },
      legend: { live: true },
      plugins: [...plugins, markersPlugin(markers, onMarkers)],
    };
  }

  /** A line per series, or per variant × series when comparing. */
  function overlaidChart(kind, variants) {
    const times = unionTimes(variants);
    const groups = [];
    const series = [{ label: 't (s)' }];
    const columns = [];
    variants.forEach((variant, variantIndex) => {
      for (const line of seriesOf(variant, kind)) {
        const latencyP50 = kind === 'latency' && line.name.startsWith('p50');
        const group = kind === 'latency' ? line.name.replace(/^p\d+ /, '') : line.name;
        if (!groups.includes(group)) groups.push(group);
        const colour = comparing
          ? variantColour(variantIndex)
          : PALETTE[groups.indexOf(group) % PALETTE.length];
        // Comparing, colour is the variant's: a region (or cause) is told by its dash, and
        // p50 from p99 by a thinner line.
        const dash = comparing
          ? DASHES[groups.indexOf(group) % DASHES.length]
          : latencyP50
            ? DASHES[1]
            : DASHES[0];
        series.push({
          label: comparing ? `${variant.label} · ${line.name}` : line.name,
          stroke: colour,
          width: comparing && latencyP50 ? 1 : 2,
          dash,
          spanGaps: comparing,
          value: (u, v) => (kind === 'hitRatio' ? formatRatio(v) : formatNumber(v)),
        });
        columns.push(alignedValues(times, variant, line.values));
      }
    });
    const scales = kind === 'hitRatio' ? { y: { range: [0, 1] } } : { y: { range: zeroBased } };
    const yValues =
      kind === 'hitRatio' ? (u, splits) => splits.map((v) => `${Math.round(v * 100)} %`) : null;
    return {
      times,
      columns,
      options: {
        series,
        scales,
        axes: [xAxis(), yAxis(CHARTS[kind].unit, yValues)],
      },
    };
  }

  function zeroBased(u, min, max) {
    const top = max > 0 ? max : 1;
    return [0, uPlot.rangeNum(0, top, 0.1, true)[1]];
  }

  /** Stacked requests: each line is the running sum; bands fill between neighbours. */
  function stackedChart(variant) {
    const lines = seriesOf(variant, 'requests');
    const running = variant.times.map(() => 0);
    const columns = lines.map((line) =>
      line.values.map((value, i) => {
        running[i] += value ?? 0;
        return running[i];
      }),
    );
    const series = [{ label: 't (s)' }];
    lines.forEach((line, index) => {
      series.push({
        label: line.name,
        stroke: replicaColour(line.name),
        fill: `${replicaColour(line.name)}99`,
        width: 1.5,
        // The legend shows the replica's own rate, not the running sum drawn.
        value: (u, v, seriesIndex, sample) => formatNumber(lines[index].values[sample]),
      });
    });
    const bands = lines.slice(1).map((_, index) => ({ series: [index + 2, index + 1] }));
    return {
      times: variant.times,
      columns,
      rawPoints: countPoints(lines.map((line) => line.values)),
      options: {
        series,
        bands,
        scales: { y: { range: zeroBased } },
        axes: [xAxis(), yAxis(CHARTS.requests.unit)],
      },
    };
  }

  function statesChart(variant) {
    const rows = seriesOf(variant, 'states');
    const names = rows.map((row) => row.name);
    const series = [{ label: 't (s)' }];
    for (const row of rows) {
      series.push({
        label: row.name,
        stroke: replicaColour(row.name),
        scale: 'rows',
        paths: () => null,
        points: { show: false },
        value: (u, v) => (v === null || v === undefined ? '—' : STATE_NAMES[v]),
      });
    }
    return {
      times: variant.times,
      columns: rows.map((row) => row.values),
      height: Math.max(120, rows.length * STATE_ROW_HEIGHT + 70),
      plugins: [stateBandsPlugin(variant.times, rows)],
      options: {
        series,
        scales: { rows: { range: [0, Math.max(1, rows.length)] } },
        axes: [
          xAxis(),
          {
            scale: 'rows',
            size: 110,
            grid: { show: false },
            splits: () => names.map((_, i) => names.length - i - 0.5),
            values: (u, splits) => splits.map((s) => names[names.length - 1 - Math.floor(s)]),
          },
        ],
      },
    };
  }

  function stateKey() {
    const key = document.createElement('p');
    key.className = 'what state-key';
    STATE_NAMES.slice(1).forEach((name, index) => {
      const swatch = document.createElement('span');
      swatch.style.background = STATE_COLOURS[index + 1];
      key.append(swatch, name);
    });
    return key;
  }

  function section(kind, variantLabel, seriesCount) {
    const element = document.createElement('section');
    element.className = 'chart';
    element.dataset.chart = kind;
    element.dataset.variant = variantLabel;
    element.dataset.series = String(seriesCount);
    if (variantLabel !== 'all') {
      const title = document.createElement('h3');
      title.textContent = variantLabel;
      element.append(title);
    }
    return element;
  }

  function draw(parent, kind, variantLabel, markers, chart) {
    const seriesCount = chart.columns.length;
    const element = section(kind, variantLabel, seriesCount);
    parent.append(element);
    const entry = {
      kind,
      variant: variantLabel,
      series: seriesCount,
      points: chart.rawPoints ?? countPoints(chart.columns),
      markers: 0,
      plot: null,
    };
    recorded.push(entry);
    if (seriesCount === 0) {
      const empty = document.createElement('p');
      empty.className = 'empty';
      empty.textContent = 'Nothing to draw: this run recorded no such series.';
      element.append(empty);
      return;
    }
    const width = Math.max(320, element.clientWidth || parent.clientWidth);
    const base = {
      ...baseOptions(
        width,
        chart.height ?? CHART_HEIGHT,
        markers,
        (count) => {
          entry.markers = count;
        },
        chart.plugins,
      ),
    };
    const options = {
      ...base,
      ...chart.options,
      scales: { ...base.scales, ...chart.options.scales },
    };
    const plot = new uPlot(options, [chart.times, ...chart.columns], element);
    const { left, top, width: w, height: h } = plot.bbox;
    entry.plot = { left, top, width: w, height: h };
    plots.push({ plot, element });
  }

  function drawKind(parent, kind) {
    const group = document.createElement('div');
    group.className = 'chart-group';
    const heading = document.createElement('h2');
    heading.textContent = CHARTS[kind].title;
    const what = document.createElement('p');
    what.className = 'what';
    what.textContent = CHARTS[kind].what;
    group.append(heading, what);
    if (kind === 'states') group.append(stateKey());
    parent.append(group);
    if (OVERLAID.has(kind)) {
      draw(group, kind, 'all', STEPS, overlaidChart(kind, data.variants));
      return;
    }
    // Comparing, each variant gets a small chart of its own, side by side where there is room.
    const multiples = document.createElement('div');
    multiples.className = comparing ? 'small-multiples' : 'single';
    group.append(multiples);
    for (const variant of data.variants) {
      const chart = kind === 'requests' ? stackedChart(variant) : statesChart(variant);
      if (comparing && kind === 'requests') chart.height = SMALL_CHART_HEIGHT;
      draw(multiples, kind, variant.label, variant.markers, chart);
    }
  }

  const charts = document.getElementById('charts');
  for (const kind of KINDS) drawKind(charts, kind);

  window.addEventListener('resize', () => {
    for (const { plot, element } of plots) {
      plot.setSize({ width: Math.max(320, element.clientWidth), height: plot.height });
    }
  });

  // uPlot draws in a microtask after each chart is made: publish once they all ran.
  window.setTimeout(() => {
    window.cdnReport = { charts: recorded, markers: markersDrawn.size };
  }, 0);
})();
