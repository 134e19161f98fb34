// The csat-dashboard page: loads /dashboard/api/summary, draws it, and loads it again whenever the server-sent
// event stream /dashboard/api/updates says that the figures may have changed. Every text from the server goes
// through textContent, never innerHTML: comments are written by visitors.
'use strict';

(() => {
  // Build URLs on the origin, never on the page's own URL: that one may carry user:password@, which fetch() and
  // EventSource refuse. The browser sends the login it used for the page with these same-origin requests.
  const url = (path) => new URL(path, window.location.origin);
  const $ = (id) => document.getElementById(id);
  const state = { loading: false, again: false, custom: false, renders: 0, charts: {}, streamsRefused: 0 };
  window.relayDashboard = state;

  const number = (value, digits) => (value === null || value === undefined) ? '–'
    : Number(value).toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  // A time in the zone the days are cut in, named: the browser's own zone may put an answer on another day than the
  // one it counts on.
  // Java's fixed offsets (Z, +01:00, GMT+01:00, UTC+02:00) are not all names Intl takes: those are shifted by hand.
  const OFFSET = /^(?:Z|(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?\d{2})?)$/;
  function inZone(instant, timeZone) {
    try {
      return new Date(instant).toLocaleString('en', { timeZone, timeZoneName: 'short' });
    } catch (notAnIntlZone) {
      const offset = OFFSET.exec(timeZone);
      const minutes = (offset && offset[1]) ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3] || 0)) : 0;
      return new Date(Date.parse(instant) + minutes * 60000).toLocaleString('en', { timeZone: 'UTC' }) + ' '
        + (offset ? (minutes === 0 ? 'UTC' : timeZone) : 'UTC (' + timeZone + ' unknown to this browser)');
    }
  }
  state.inZone = inZone;
  const signed = (value) => (value === null || value === undefined) ? '–'
    : (value > 0 ? '+' : '') + number(value, Number.isInteger(value) ? 0 : 1);

  function setState(name, label) {
    document.body.dataset.state = name;
    $('status').textContent = label;
  }

  function showError(message) {
    const error = $('error');
    error.textContent = message;
    error.hidden = !message;
  }

  const pause = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

  // One load at a time; changes told meanwhile make one more, after a pause as long as the load took (a second at
  // least): on a busy account changes come faster than a month's figures are computed, and every open page loads.
  // A load that fails on the server's side or the network's (a 503 while Relay computes other ranges, a proxy's
  // 502 or 504) is tried again on its own: when the 503 says, else after 5 s, doubling up to a minute. A refusal
  // of the request itself (a bad range) is not.
  let failures = 0;
  let retry = null;

  async function refresh() {
    if (state.loading) {
      state.again = true;
      return;
    }
    state.loading = true;
    let wait = 0;
    try {
      for (;;) {
        state.again = false;
        const started = Date.now();
        render(await load());
        showError('');
        failures = 0;
        if (!state.again) break;
        await pause(Math.max(1000, Date.now() - started));
      }
    } catch (error) {
      showError(error.message);
      if (error.status === undefined || error.status >= 500) {
        failures++;
        wait = error.retryAfter ? error.retryAfter * 1000 : Math.min(5000 * 2 ** (failures - 1), 60000);
      }
    } finally {
      state.loading = false;
    }
    if (wait > 0 && retry === null) {
      retry = setTimeout(() => {
        retry = null;
        refresh();
      }, wait);
    }
  }

  async function load() {
    const target = url('/dashboard/api/summary');
    if (state.custom) {
      if ($('from').value) target.searchParams.set('from', $('from').value);
      if ($('to').value) target.searchParams.set('to', $('to').value);
    }
    const response = await fetch(target, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) {
      let detail = response.statusText;
      try {
        detail = (await response.json()).detail || detail;
      } catch (ignored) {
        // not a problem document
      }
      const error = new Error('Could not load the figures: ' + detail);
      error.status = response.status;
      // Relay's own 503 says when to come back; another one (a load balancer's while no instance is up) does not.
      const retryAfter = Number(response.headers.get('Retry-After'));
      if (response.status === 503 && retryAfter > 0) error.retryAfter = retryAfter;
      throw error;
    }
    return response.json();
  }

  function render(summary) {
    $('csat-average').textContent = number(summary.csat.average, 2);
    $('csat-scale').textContent = summary.csat.scaleMax;
    $('csat-count').textContent = summary.csat.count;
    $('csat-satisfied').textContent = number(summary.csat.satisfied, 1);
    $('nps-score').textContent = signed(summary.nps.score);
    $('nps-count').textContent = summary.nps.count;
    $('nps-promoters').textContent = summary.nps.promoters;
    $('nps-passives').textContent = summary.nps.passives;
    $('nps-detractors').textContent = summary.nps.detractors;
    $('range-label').textContent = summary.from + ' → ' + summary.to;
    $('time-zone').textContent = summary.timeZone;
    if (!state.custom) {
      $('from').value = summary.from;
      $('to').value = summary.to;
    }
    table($('by-channel'), 'Channel', summary.byChannel);
    table($('by-operator'), 'Operator', summary.byOperator);
    table($('by-project'), 'Project', summary.byProject);
    comments(summary.comments, summary.timeZone);
    charts(summary);
    $('updated').dateTime = summary.generatedAt;
    $('updated').textContent = inZone(summary.generatedAt, summary.timeZone);
    state.renders++;
    document.body.dataset.renders = String(state.renders);
  }

  function table(element, title, groups) {
    const head = document.createElement('tr');
    for (const name of [title, 'CSAT', 'answers', 'NPS', 'answers']) {
      const th = document.createElement('th');
      th.textContent = name;
      head.append(th);
    }
    const rows = [head];
    for (const group of groups) {
      const row = document.createElement('tr');
      const cells = [group.key ?? 'unknown', number(group.csat.average, 2), group.csat.count, signed(group.nps.score),
        group.nps.count];
      cells.forEach((text, index) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (index === 0 && group.key === null) td.className = 'unknown';
        row.append(td);
      });
      rows.push(row);
    }
    element.replaceChildren(...rows);
  }

  function comments(list, timeZone) {
    const items = list.map((comment) => {
      const item = document.createElement('li');
      const text = document.createElement('div');
      text.className = 'text';
      text.textContent = comment.comment;
      const meta = document.createElement('div');
      meta.className = 'meta';
      const parts = [inZone(comment.answeredAt, timeZone)];
      if (comment.csat !== null) parts.push('CSAT ' + comment.csat);
      if (comment.nps !== null) parts.push('NPS ' + comment.nps);
      if (comment.channel) parts.push(comment.channel);
      if (comment.operatorId !== null) parts.push('operator ' + comment.operatorId);
      if (comment.projectId !== null) parts.push('project ' + comment.projectId);
      meta.textContent = parts.join(' · ');
      item.append(text, meta);
      return item;
    });
    if (items.length === 0) {
      const empty = document.createElement('li');
      empty.className = 'empty';
      empty.textContent = 'No comments in this range.';
      items.push(empty);
    }
    $('comments').replaceChildren(...items);
  }

  function charts(summary) {
    if (typeof Chart === 'undefined') {
      return; // the figures and tables still work
    }
    const days = summary.byDay.map((day) => day.day);
    const csatKeys = Object.keys(summary.csat.distribution);
    const npsKeys = Object.keys(summary.nps.distribution);
    draw('trend', 'line', {
      labels: days,
      datasets: [
        { label: 'CSAT average', data: summary.byDay.map((day) => day.csat.average), yAxisID: 'csat',
          borderColor: '#2563eb', backgroundColor: '#2563eb', spanGaps: true, tension: 0.2 },
        { label: 'NPS', data: summary.byDay.map((day) => day.nps.score), yAxisID: 'nps',
          borderColor: '#15803d', backgroundColor: '#15803d', spanGaps: true, tension: 0.2 },
      ],
    }, {
      csat: { position: 'left', min: 1, max: summary.csat.scaleMax, title: { display: true, text: 'CSAT' } },
      nps: { position: 'right', min: -100, max: 100, grid: { drawOnChartArea: false },
        title: { display: true, text: 'NPS' } },
    });
    draw('csat-distribution', 'bar', {
      labels: csatKeys,
      datasets: [{ label: 'answers', data: csatKeys.map((key) => summary.csat.distribution[key]),
        backgroundColor: '#2563eb' }],
    }, { y: { beginAtZero: true, ticks: { precision: 0 } } }, false);
    draw('nps-distribution', 'bar', {
      labels: npsKeys,
      datasets: [{ label: 'answers', data: npsKeys.map((key) => summary.nps.distribution[key]),
        backgroundColor: npsKeys.map((key) => key <= 6 ? '#b91c1c' : key <= 8 ? '#a16207' : '#15803d') }],
    }, { y: { beginAtZero: true, ticks: { precision: 0 } } }, false);
  }

  function draw(id, type, data, scales, legend = true) {
    const existing = state.charts[id];
    if (existing) {
      existing.data = data;
      existing.options.scales = scales;
      existing.update('none');
      return;
    }
    state.charts[id] = new Chart($(id), {
      type, data,
      options: { animation: false, maintainAspectRatio: false, scales, plugins: { legend: { display: legend } } },
    });
  }

  // The browser reconnects a stream by itself only after a network error. An HTTP error (Relay's 503 while it stops
  // or with too many pages open, a proxy's 502 during a rolling restart) closes it for good: reconnect here, after
  // a growing, jittered wait, so that many open pages do not come back all at once.
  let reconnectDelay = 1000;

  function listen() {
    const source = new EventSource(url('/dashboard/api/updates'));
    // 'ready' comes on every (re)connection: load, since changes may have been missed while disconnected.
    source.addEventListener('ready', () => {
      reconnectDelay = 1000;
      setState('live', 'live');
      refresh();
    });
    source.addEventListener('changed', () => refresh());
    source.addEventListener('error', () => {
      setState('reconnecting', 'reconnecting…');
      if (source.readyState === EventSource.CLOSED) {
        state.streamsRefused++;
        source.close();
        const wait = reconnectDelay / 2 + Math.random() * reconnectDelay / 2;
        reconnectDelay = Math.min(reconnectDelay * 2, 30000);
        setTimeout(listen, wait);
      }
    });
  }

  $('range').addEventListener('submit', (event) => {
    event.preventDefault();
    state.custom = true;
    refresh();
  });

  // A quiet page still moves on to the new day (a range that ends today, the default one or one without 'to'):
  // load every five minutes.
  setInterval(() => {
    if (!state.custom || !$('to').value) refresh();
  }, 5 * 60 * 1000);

  refresh();
  listen();
})();
