/* The balancer's live dashboard: plain browser JavaScript, no build step; its one library is
 * uPlot, for the chart (routes-chart.js). It reads GET /status once, then follows GET /events
 * (Server-Sent Events):
 *   hello (the whole status), state, strategy, summary (once a second), replicas (set changed),
 *   shields (the shield set changed; a shield's state event says `shield: true`). */
/* global document, window, console, fetch, EventSource, requestAnimationFrame, createRoutesChart */
'use strict';

(() => {
  const HISTORY_MS = 5 * 60 * 1000;
  const MAX_LOG_ENTRIES = 200;
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

  /** Everything the page shows, kept in one place and redrawn from it. */
  const model = {
    balancerId: '',
    strategy: '',
    /** The strategy as of the last strategy event: the "from" of the next one. */
    strategyAsLogged: '',
    strategies: [],
    routesTotal: 0,
    /** id -> replica as in /status, updated by state and summary events. */
    replicas: new Map(),
    /** Samples from summary events: { at, rates: Map(id -> routes per second) }. */
    history: [],
    /** id -> chart colour, kept for the life of the page so a line keeps its colour. */
    colours: new Map(),
    /** The regions block of /status and the summaries; null without a topology. */
    regions: null,
    /** id -> shield (a replica of --shields, never routed to), as in /status. */
    shields: new Map(),
    /** The tiers block of /status and the summaries. */
    tiers: null,
  };

  const $ = (selector) => document.querySelector(selector);
  const tilesBox = $('[data-replicas]');
  const emptyNote = $('[data-replicas-empty]');
  const select = $('[data-strategy-select]');
  const strategyMessage = $('[data-strategy-message]');
  const logList = $('[data-event-log]');
  const chartBox = $('[data-routes-chart]');
  const chartLegend = $('[data-chart-legend]');
  const connection = $('[data-connection]');
  const chartSpan = $('[data-chart-span]');
  const tokenForm = $('[data-token-form]');
  const tokenInput = $('[data-token-input]');
  const regionsSection = $('[data-regions]');
  const matrixTable = $('[data-region-matrix]');
  const defaultRegion = $('[data-default-region]');
  const tiersSection = $('[data-tiers]');
  const tierFlow = $('[data-tier-flow]');
  const recentSeconds = $('[data-recent-seconds]');
  const shieldsSection = $('[data-shields-section]');
  const shieldsBox = $('[data-shields]');

  // ---------- formatting ----------

  const byId = (a, b) => a.localeCompare(b, 'en', { numeric: true });

  function formatMs(value) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
    return value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(1)} ms`;
  }

  function formatRate(bytesPerSecond) {
    if (typeof bytesPerSecond !== 'number' || !Number.isFinite(bytesPerSecond)) return '—';
    const units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];
    let value = bytesPerSecond;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
  }

  function formatDuration(ms) {
    const seconds = Math.max(0, Math.floor(ms / 1000));
    if (seconds < 60) return `${seconds} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  function formatClock(epochMs) {
    const d = new Date(epochMs);
    const two = (n) => String(n).padStart(2, '0');
    return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  }

  function colourOf(id) {
    if (!model.colours.has(id)) {
      model.colours.set(id, PALETTE[model.colours.size % PALETTE.length]);
    }
    return model.colours.get(id);
  }

  // ---------- model updates ----------

  function applyStatus(status) {
    model.balancerId = status.id ?? model.balancerId;
    model.strategies = Array.isArray(status.strategies) ? status.strategies : model.strategies;
    model.strategy = status.strategy ?? model.strategy;
    model.strategyAsLogged = model.strategy;
    model.routesTotal = status.routesTotal ?? 0;
    model.replicas = new Map();
    for (const replica of status.replicas ?? []) {
      model.replicas.set(replica.id, { ...replica });
    }
    model.regions = status.regions ?? null;
    model.shields = new Map();
    for (const shield of status.shields ?? []) model.shields.set(shield.id, { ...shield });
    model.tiers = status.tiers ?? null;
    renderAll();
  }

  function applyState(change) {
    const set = change.shield ? model.shields : model.replicas;
    const replica = set.get(change.id) ?? blankReplica(change.id);
    replica.state = change.to;
    replica.since = change.at;
    if (change.region !== undefined) replica.region = change.region;
    if (typeof change.adminDrained === 'boolean') replica.adminDrained = change.adminDrained;
    set.set(change.id, replica);
    const who = change.shield ? `shield ${change.id}` : change.id;
    addLogEntry('state', change.at, `${who}: ${change.from} → ${change.to}`, change.reason, {
      to: change.to,
      replica: change.id,
    });
    renderTiles();
  }

  function applyStrategy(change) {
    const previous = model.strategyAsLogged;
    model.strategy = change.strategy;
    model.strategyAsLogged = change.strategy;
    addLogEntry('strategy', change.at, `strategy ${previous || '?'} → ${change.strategy}`);
    renderStrategy();
  }

  /** `kind`: 'replicas' or 'shields', the set that changed. */
  function applySetChange(kind, change) {
    const set = kind === 'shields' ? model.shields : model.replicas;
    for (const id of change.added ?? []) {
      if (!set.has(id)) set.set(id, blankReplica(id, change.at));
    }
    for (const id of change.removed ?? []) set.delete(id);
    const parts = [];
    if (change.added?.length) parts.push(`added ${change.added.join(', ')}`);
    if (change.removed?.length) parts.push(`removed ${change.removed.join(', ')}`);
    const what = kind === 'shields' ? 'shield set' : 'replica set';
    addLogEntry(kind, change.at, `${what}: ${parts.join('; ') || 'unchanged'}`);
    renderTiles();
  }

  function applySummary(summary) {
    model.routesTotal = summary.routesTotal ?? model.routesTotal;
    if (summary.strategy && summary.strategy !== model.strategy) {
      model.strategy = summary.strategy;
      renderStrategy();
    }
    const seen = new Set();
    const rates = new Map();
    for (const update of summary.replicas ?? []) {
      seen.add(update.id);
      const known = model.replicas.get(update.id);
      if (known) logQuietChanges(known, update, summary.at);
      const replica = known ?? blankReplica(update.id, summary.at);
      if (update.state && update.state !== replica.state) replica.since = summary.at;
      Object.assign(replica, update);
      model.replicas.set(update.id, replica);
      rates.set(update.id, Number(update.routesPerSecond) || 0);
    }
    for (const id of [...model.replicas.keys()]) {
      if (!seen.has(id)) model.replicas.delete(id);
    }
    model.history.push({ at: summary.at ?? Date.now(), rates });
    const oldest = (summary.at ?? Date.now()) - HISTORY_MS;
    while (model.history.length > 0 && model.history[0].at < oldest) model.history.shift();
    if (summary.regions !== undefined) model.regions = summary.regions;
    if (Array.isArray(summary.shields)) {
      const shields = new Map();
      for (const update of summary.shields) {
        const shield = model.shields.get(update.id) ?? blankReplica(update.id, summary.at);
        if (update.state && update.state !== shield.state) shield.since = summary.at;
        shields.set(update.id, Object.assign(shield, update));
      }
      model.shields = shields;
    }
    if (summary.tiers !== undefined) model.tiers = summary.tiers;
    renderTiles();
    renderMatrix();
    renderChart();
  }

  /** Drains and faults have no event of their own: the summaries tell when they change. */
  function logQuietChanges(before, after, at) {
    if (
      typeof after.adminDrained === 'boolean' &&
      after.adminDrained !== Boolean(before.adminDrained)
    ) {
      const what = after.adminDrained
        ? 'drained by the admin (no new routes)'
        : 'undrained by the admin';
      addLogEntry('drain', at, `${after.id}: ${what}`, undefined, { replica: after.id });
    }
    if (Array.isArray(after.faults)) {
      const was = faultsOf(before).join(', ');
      const now = after.faults.join(', ');
      if (was !== now) {
        addLogEntry(
          'faults',
          at,
          `${after.id}: ${now ? `faults ${now}` : 'faults cleared'}`,
          undefined,
          {
            replica: after.id,
          },
        );
      }
    }
  }

  function faultsOf(replica) {
    if (Array.isArray(replica.faults)) return replica.faults;
    return Array.isArray(replica.load?.faults) ? replica.load.faults : [];
  }

  function blankReplica(id, at = Date.now()) {
    const colon = id.lastIndexOf(':');
    return {
      id,
      host: id.slice(0, colon).replace(/^\[|\]$/g, ''),
      port: Number(id.slice(colon + 1)),
      state: 'unknown',
      since: at,
      adminDrained: false,
      rttEwmaMs: null,
      inflight: 0,
      load: null,
      faults: [],
      routes: 0,
    };
  }

  // ---------- rendering ----------

  function renderAll() {
    $('[data-balancer-id]').textContent = model.balancerId ? `balancer ${model.balancerId}` : '';
    renderStrategy();
    renderTiles();
    renderMatrix();
    renderChart();
  }

  function renderStrategy() {
    const names = model.strategies.length > 0 ? model.strategies : [model.strategy];
    const current = [...select.options].map((option) => option.value);
    if (current.join() !== names.join()) {
      select.replaceChildren(
        ...names.map((name) => {
          const option = document.createElement('option');
          option.value = name;
          option.textContent = name;
          return option;
        }),
      );
    }
    if (model.strategy) select.value = model.strategy;
    select.disabled = names.length === 0 || !model.strategy;
    select.dataset.current = model.strategy;
  }

  /** The tiles already in a box, by replica id, to be filled again rather than rebuilt. */
  function tilesIn(box) {
    return new Map(
      [...box.querySelectorAll('[data-replica-id]')].map((tile) => [tile.dataset.replicaId, tile]),
    );
  }

  function renderTiles() {
    const replicas = [...model.replicas.values()].sort((a, b) => byId(a.id, b.id));
    const routesSum = replicas.reduce((sum, r) => sum + (Number(r.routes) || 0), 0);
    const existing = tilesIn(tilesBox);
    const ordered = replicas.map((replica) => {
      const tile = existing.get(replica.id) ?? createTile(replica.id);
      existing.delete(replica.id);
      fillTile(tile, replica, routesSum);
      return tile;
    });
    for (const gone of existing.values()) gone.remove();
    tilesBox.classList.toggle('by-region', Boolean(model.regions));
    tilesBox.replaceChildren(...(model.regions ? regionGroups(ordered) : ordered));
    emptyNote.hidden = replicas.length > 0;
    $('[data-routes-total]').textContent = String(model.routesTotal);
    const up = replicas.filter((r) => r.state === 'up').length;
    document.title = `${up}/${replicas.length} up · cdn-lab balancer`;
    renderShields();
    renderTiers();
  }

  function renderShields() {
    const shields = [...model.shields.values()].sort((a, b) => byId(a.id, b.id));
    const existing = tilesIn(shieldsBox);
    const tiles = shields.map((shield) => {
      const tile = existing.get(shield.id) ?? createTile(shield.id);
      fillTile(tile, { ...shield, shield: true }, 0);
      return tile;
    });
    shieldsBox.replaceChildren(...tiles);
    shieldsSection.hidden = shields.length === 0;
  }

  function formatRatio(ratio) {
    return typeof ratio === 'number' && Number.isFinite(ratio)
      ? `${(ratio * 100).toFixed(1)} %`
      : '—';
  }

  /**
   * The tiers, clients' side first, then the origin: shown once there is more than the edges
   * (a shields file, or replicas reporting another tier); one tier alone says nothing new.
   */
  function renderTiers() {
    const tiers = model.tiers?.tiers ?? [];
    const shown = tiers.length > 1 || model.shields.size > 0;
    tiersSection.hidden = !shown;
    if (!shown) return;
    const seconds = tiers.find((tier) => tier.recent)?.recent?.seconds;
    recentSeconds.textContent = typeof seconds === 'number' ? String(Math.round(seconds)) : 'few';
    const cards = tiers.map((tier) =>
      tierCard(tier.name, `${tier.up}/${tier.known} up`, [
        ['Hit ratio', formatRatio(tier.hitRatio), 'hit-ratio'],
        ['Hit ratio now', formatRatio(tier.recent?.hitRatio), 'recent-hit-ratio'],
        ['Hits / misses', `${formatCount(tier.hits)} / ${formatCount(tier.misses)}`, 'hits'],
        ['Parent fetches', formatCount(tier.parentFetches), 'parent-fetches'],
        ['Origin fetches', formatCount(tier.originFetches), 'origin-fetches'],
      ]),
    );
    const recentOrigin = tiers.reduce((sum, tier) => sum + (tier.recent?.originFetches ?? 0), 0);
    const recentSpan = seconds ? ` (${formatCount(recentOrigin)} in ${Math.round(seconds)} s)` : '';
    cards.push(
      tierCard('origin', '', [
        ['Fetches', `${formatCount(model.tiers?.originFetches)}${recentSpan}`, 'origin-fetches'],
      ]),
    );
    tierFlow.replaceChildren(...cards);
  }

  function tierCard(name, count, rows) {
    const card = document.createElement('li');
    card.className = 'tier-card';
    card.dataset.tier = name;
    const title = document.createElement('h3');
    const label = document.createElement('span');
    label.textContent = name;
    const up = document.createElement('span');
    up.className = 'region-count';
    up.textContent = count;
    title.append(label, up);
    const list = document.createElement('dl');
    for (const [term, value, field] of rows) {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.dataset.field = field;
      dd.textContent = value;
      list.append(dt, dd);
    }
    card.append(title, list);
    return card;
  }

  /** With a topology, the tiles in one box per region (the topology's order), then the rest. */
  function regionGroups(tiles) {
    const names = (model.regions.regions ?? []).map((region) => region.name);
    const groups = [...names, ''].map((name) => ({
      name,
      tiles: tiles.filter((tile) =>
        name === '' ? !names.includes(tile.dataset.region) : tile.dataset.region === name,
      ),
    }));
    return groups
      .filter((group) => group.name !== '' || group.tiles.length > 0)
      .map((group) => {
        const box = document.createElement('section');
        box.className = 'region-group';
        box.dataset.regionGroup = group.name || 'none';
        const up = group.tiles.filter((tile) => tile.dataset.state === 'up').length;
        const title = document.createElement('h3');
        const name = document.createElement('span');
        name.className = 'region-name';
        name.textContent = group.name || 'no region reported';
        const count = document.createElement('span');
        count.className = 'region-count';
        count.dataset.regionUp = String(up);
        count.textContent = `${up}/${group.tiles.length} up`;
        title.append(name, count);
        const inner = document.createElement('div');
        inner.className = 'tiles';
        inner.append(...group.tiles);
        box.append(title, inner);
        return box;
      });
  }

  function formatCount(value) {
    return Number(value || 0).toLocaleString('en');
  }

  /** Rows: where the clients are; columns: where the replicas that served them are. */
  function renderMatrix() {
    const regions = model.regions;
    regionsSection.hidden = !regions;
    if (!regions) return;
    defaultRegion.textContent = regions.defaultRegion ?? '—';
    const names = (regions.regions ?? []).map((region) => region.name);
    const cells = new Map(
      (regions.matrix ?? []).map((cell) => [`${cell.client}|${cell.serving}`, cell]),
    );
    const head = document.createElement('tr');
    const corner = document.createElement('th');
    corner.textContent = 'clients in ↓ · served from →';
    head.append(corner, ...names.map((name) => headerCell(name, 'col')));
    const rows = names.map((client) => {
      const row = document.createElement('tr');
      row.append(headerCell(client, 'row'));
      const total = names.reduce(
        (sum, serving) => sum + (cells.get(`${client}|${serving}`)?.requests ?? 0),
        0,
      );
      for (const serving of names) {
        const cell = cells.get(`${client}|${serving}`) ?? { requests: 0, ttfbMs: null };
        const td = document.createElement('td');
        td.dataset.clientRegion = client;
        td.dataset.servingRegion = serving;
        td.dataset.requests = String(cell.requests);
        td.dataset.ttfbMs = cell.ttfbMs === null ? '' : String(cell.ttfbMs);
        td.dataset.home = String(client === serving);
        const share = total > 0 ? Math.round((cell.requests / total) * 100) : 0;
        const count = document.createElement('span');
        count.className = 'cell-requests';
        count.textContent = `${formatCount(cell.requests)} req`;
        const ttfb = document.createElement('span');
        ttfb.className = 'cell-ttfb';
        ttfb.textContent = cell.ttfbMs === null ? '—' : `${formatMs(cell.ttfbMs)} TTFB`;
        td.append(count, ttfb);
        td.title = `${client} clients served from ${serving}: ${share} % of their requests`;
        td.style.setProperty('--share', `${share}%`);
        row.append(td);
      }
      return row;
    });
    matrixTable.replaceChildren(head, ...rows);
  }

  function headerCell(text, scope) {
    const th = document.createElement('th');
    th.scope = scope;
    th.textContent = text;
    return th;
  }

  function createTile(id) {
    const tile = document.createElement('article');
    tile.className = 'tile';
    tile.dataset.replicaId = id;
    tile.innerHTML = `
      <div class="tile-head">
        <span class="tile-id"></span>
        <span class="tile-state" data-field="state"></span>
      </div>
      <p class="tile-since" data-field="since"></p>
      <dl>
        <dt>RTT (EWMA)</dt><dd data-field="rtt"></dd>
        <dt>Transfers</dt><dd data-field="transfers"></dd>
        <dt>Sending</dt><dd data-field="rate"></dd>
        <dt>Routes</dt><dd data-field="routes"></dd>
        <dt>Routes now</dt><dd data-field="routes-per-second"></dd>
        <dt>Hit ratio</dt><dd data-field="hit-ratio"></dd>
      </dl>
      <div class="share-bar" title="share of routes"><span data-field="share-bar"></span></div>
      <div class="badges" data-field="badges"></div>
      <div class="badges" data-field="parents"></div>`;
    tile.querySelector('.tile-id').textContent = id;
    return tile;
  }

  function fillTile(tile, replica, routesSum) {
    const field = (name) => tile.querySelector(`[data-field="${name}"]`);
    const state = replica.state ?? 'unknown';
    const faults = faultsOf(replica);
    tile.dataset.state = state;
    tile.dataset.adminDrained = String(Boolean(replica.adminDrained));
    tile.dataset.faults = faults.join(' ');
    tile.dataset.region = replica.region ?? '';
    field('state').textContent = state;
    field('since').textContent =
      typeof replica.since === 'number'
        ? `${state} for ${formatDuration(Date.now() - replica.since)}`
        : '';
    field('rtt').textContent = formatMs(replica.rttEwmaMs);
    const load = replica.load;
    field('transfers').textContent = load ? `${load.activeTransfers} active` : '—';
    field('rate').textContent = load ? formatRate(load.bytesPerSecond) : '—';
    const routes = Number(replica.routes) || 0;
    const share = routesSum > 0 ? (routes / routesSum) * 100 : 0;
    field('routes').textContent = replica.shield
      ? 'never routed to'
      : `${routes} (${share.toFixed(0)} %)`;
    field('routes-per-second').textContent =
      typeof replica.routesPerSecond === 'number' && !replica.shield
        ? `${replica.routesPerSecond.toFixed(1)} /s`
        : '—';
    const asked = load && typeof load.hits === 'number' ? load.hits + (load.misses ?? 0) : 0;
    field('hit-ratio').textContent = asked > 0 ? formatRatio(load.hits / asked) : '—';
    field('share-bar').style.width = `${share}%`;
    const badges = [];
    if (replica.adminDrained) badges.push(badge('drained by admin', 'admin-drained'));
    const advertised = advertisedOf(load);
    tile.dataset.advertised = advertised;
    if (advertised) badges.push(badge(`outside: ${advertised}`, 'advertised'));
    for (const fault of faults) badges.push(badge(`fault: ${fault}`, 'fault', fault));
    field('badges').replaceChildren(...badges);
    const parents = Array.isArray(replica.parents) ? replica.parents : (load?.parents ?? []);
    tile.dataset.tier = replica.tier ?? '';
    field('parents').replaceChildren(
      ...parents.map((parent) => {
        const span = badge(`parent ${parent.id}: ${parent.state}`, 'parent');
        span.dataset.parentId = parent.id;
        span.dataset.parentState = parent.state;
        return span;
      }),
    );
  }

  /** The address a replica advertises to clients outside its network, as host:port; '' none. */
  function advertisedOf(load) {
    const address = load?.advertised;
    if (!address) return '';
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    return `${host}:${address.port}`;
  }

  function badge(text, kind, fault) {
    const span = document.createElement('span');
    span.className = `badge ${kind}`;
    span.textContent = text;
    if (fault) span.dataset.fault = fault;
    return span;
  }

  function addLogEntry(type, at, text, detail, data = {}) {
    const item = document.createElement('li');
    item.dataset.eventType = type;
    for (const [key, value] of Object.entries(data)) item.dataset[key] = value;
    const time = document.createElement('time');
    const when = typeof at === 'number' ? at : Date.now();
    time.dateTime = new Date(when).toISOString();
    time.textContent = formatClock(when);
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = type;
    item.append(time, kind, text);
    if (detail) item.append(` (${detail})`);
    logList.prepend(item);
    while (logList.children.length > MAX_LOG_ENTRIES) logList.lastElementChild.remove();
  }

  let chartQueued = false;
  function renderChart() {
    if (chartQueued) return;
    chartQueued = true;
    requestAnimationFrame(() => {
      chartQueued = false;
      drawChart();
    });
  }

  const routesChart = createRoutesChart(chartBox, HISTORY_MS);

  function drawChart() {
    const ids = [...model.replicas.keys()].sort(byId);
    const span = routesChart.draw(model.history, ids, colourOf);
    chartSpan.textContent =
      span >= 120_000
        ? `${Math.round(span / 60_000)} minutes`
        : `${Math.round(span / 1000)} seconds`;
    renderChartLegend(ids);
  }

  function renderChartLegend(ids) {
    const key = ids.join(' ');
    if (chartLegend.dataset.ids === key) return;
    chartLegend.dataset.ids = key;
    chartLegend.replaceChildren(
      ...ids.map((id) => {
        const item = document.createElement('li');
        item.dataset.seriesId = id;
        const line = document.createElement('i');
        line.style.background = colourOf(id);
        item.append(line, id);
        return item;
      }),
    );
  }

  // ---------- admin token ----------

  // A balancer started with --admin-token wants it for every change. The server never puts it
  // in the page (whoever can load the page would have it); the user gives it once, in the
  // address (#token=…) or in the field shown after a 401, and this tab keeps it.
  const TOKEN_KEY = 'cdn-lab-admin-token';

  function adminToken() {
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) ?? '';
    } catch {
      return '';
    }
  }

  function keepToken(token) {
    try {
      window.sessionStorage.setItem(TOKEN_KEY, token);
    } catch (error) {
      console.error('cannot keep the admin token', error);
    }
  }

  function takeTokenFromAddress() {
    const match = /(?:^#|&)token=([^&]*)/.exec(window.location.hash);
    if (!match) return;
    keepToken(decodeURIComponent(match[1]));
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }

  // ---------- strategy control ----------

  /** The strategy a switch wanted when it was refused for want of the token. */
  let waitingForToken = null;

  async function switchStrategy(wanted) {
    select.disabled = true;
    strategyMessage.dataset.kind = 'info';
    strategyMessage.textContent = `switching to ${wanted}…`;
    const token = adminToken();
    try {
      const response = await fetch('/strategy', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ strategy: wanted }),
      });
      const body = await response.json().catch(() => ({}));
      if (response.status === 401) {
        waitingForToken = wanted;
        tokenForm.hidden = false;
        tokenInput.focus();
        throw new Error(
          token ? 'the admin token was refused' : 'this balancer needs its admin token',
        );
      }
      if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
      model.strategy = body.strategy ?? wanted;
      strategyMessage.textContent = `now routing with ${model.strategy}`;
    } catch (error) {
      strategyMessage.dataset.kind = 'error';
      strategyMessage.textContent = `could not switch: ${error.message}`;
    }
    renderStrategy();
  }

  select.addEventListener('change', () => void switchStrategy(select.value));

  tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    keepToken(tokenInput.value);
    tokenInput.value = '';
    tokenForm.hidden = true;
    const wanted = waitingForToken;
    waitingForToken = null;
    if (wanted) void switchStrategy(wanted);
  });

  // ---------- live connection ----------

  function setConnection(kind, text) {
    connection.dataset.connection = kind;
    connection.textContent = text;
  }

  function listen(source, type, handler) {
    source.addEventListener(type, (event) => {
      try {
        handler(JSON.parse(event.data));
      } catch (error) {
        console.error(`bad ${type} event`, error);
      }
    });
  }

  function follow() {
    const source = new EventSource('/events');
    source.addEventListener('open', () => setConnection('live', 'live'));
    source.addEventListener('error', () => setConnection('lost', 'connection lost, reconnecting…'));
    listen(source, 'hello', (status) => {
      applyStatus(status);
      addLogEntry('connected', Date.now(), 'following the balancer’s events');
    });
    listen(source, 'state', applyState);
    listen(source, 'strategy', applyStrategy);
    listen(source, 'summary', applySummary);
    listen(source, 'replicas', (change) => applySetChange('replicas', change));
    listen(source, 'shields', (change) => applySetChange('shields', change));
  }

  async function start() {
    takeTokenFromAddress();
    try {
      const response = await fetch('/status');
      if (response.ok) applyStatus(await response.json());
    } catch (error) {
      console.error('could not read /status', error);
    }
    follow();
    window.addEventListener('resize', () => {
      routesChart.resize();
      renderChart();
    });
  }

  void start();
})();
