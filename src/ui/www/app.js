// app.js -- rmn-ui's pages, drawn with plain DOM and SVG from the JSON of /api/ (src/ui/api.h);
// no framework. The path picks the page:
//   /                 experiments and their runs: status, parameters, metrics; sortable, filterable
//   /run/RUN          one run: curves (live while it trains), evaluations with confusion
//                     matrices, ensemble members, parameters, tags, provenance, artifacts
//   /compare?runs=..  several runs' curves overlaid, their parameters side by side
//   /report           rmn-report's tables (rendered by the server with rmn-report's code)
// Pages showing a running run poll the API every POLL_MS and redraw in place (no reload).
// Numbers: accuracies are fractions in the API and printed as percent with 2 decimals, rounded
// as rmn-report rounds (half away from zero of the value times 100).
'use strict';

const POLL_MS = 2000;
const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
                 '#7f7f7f', '#bcbd22', '#17becf'];
const app = document.getElementById('app');
let pollTimer = null;

// --- small helpers ----------------------------------------------------------------------------

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'on') for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k);
  return e;
}

function svgEl(tag, attrs, ...kids) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, v);
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k);
  return e;
}

async function getJSON(url) {
  const r = await fetch(url, {cache: 'no-store'});
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (!r.ok) throw new Error((body && body.error) || `${url}: HTTP ${r.status}`);
  return body;
}

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

// v rounded half away from zero to d decimals, as report/format.c does; '–' when missing
function fixed(v, d) {
  if (!isNum(v)) return '–';
  const q = Math.round(Math.abs(v) * 10 ** d);
  const s = d > 0 ? `${Math.floor(q / 10 ** d)}.${String(q % 10 ** d).padStart(d, '0')}` : `${q}`;
  return (v < 0 && q !== 0 ? '-' : '') + s;
}
const pct = (frac) => (isNum(frac) ? fixed(frac * 100, 2) : '–');
const pad2 = (n) => String(n).padStart(2, '0');

function timeUTC(ms) {
  if (!isNum(ms) || ms <= 0) return '–';
  const t = new Date(ms);
  return `${t.getUTCFullYear()}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())} ` +
         `${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}:${pad2(t.getUTCSeconds())}`;
}

function duration(ms) {
  if (!isNum(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h}h ${pad2(m)}m` : m ? `${m}m ${pad2(s % 60)}s` : `${s}s`;
}

function params(n) {
  if (!isNum(n) || n <= 0) return '–';
  return n >= 1e6 ? `${fixed(n / 1e6, 2)}M` : n >= 1e3 ? `${fixed(n / 1e3, 1)}k` : `${n}`;
}

const statusBadge = (s) => el('span', {class: `status status-${s}`, text: s || '?'});
const runHref = (id) => `/run/${encodeURIComponent(id)}`;
const runDuration = (r) => (r.status === 'RUNNING' ? Date.now() : r.end_ms) - r.start_ms;

function query() { return new URLSearchParams(location.search); }
function setQuery(changes) {
  const q = query();
  for (const [k, v] of Object.entries(changes)) if (v === null || v === '') q.delete(k); else q.set(k, v);
  const s = q.toString();
  history.replaceState(null, '', location.pathname + (s ? `?${s}` : ''));
}

function showError(where, err) {
  where.replaceChildren(el('p', {class: 'error', text: err.message || String(err)}));
}

// polls f every POLL_MS while keep() says so; one poll per page
function poll(f) {
  clearTimeout(pollTimer);
  const live = document.getElementById('live');
  live.hidden = false;
  live.textContent = 'live';
  pollTimer = setTimeout(async function tick() {
    let again = false;
    try {
      again = await f();
      live.textContent = `live, updated ${timeUTC(Date.now()).slice(11)} UTC`;
    } catch (e) {
      live.textContent = `live: ${e.message}`;
      again = true;
    }
    if (again) pollTimer = setTimeout(tick, POLL_MS);
    else live.hidden = true;
  }, POLL_MS);
}

// --- charts -----------------------------------------------------------------------------------

function niceTicks(lo, hi, n) {
  if (!(hi > lo)) { hi = lo + 1; lo -= 1; }
  const raw = (hi - lo) / n, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

function tickText(v) {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(0) : String(+v.toPrecision(6));
}

// series: [{name, colour, dash, points: [[x, y], ...]}]; opts: {title, ylabel, log, unit}
function lineChart(series, opts) {
  const W = 560, H = 270, L = 58, R = 14, T = 10, B = 38;
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => isNum(x) && isNum(y) && (!opts.log || y > 0));
  const box = el('div', {class: 'chart', 'data-chart': opts.id || opts.title});
  box.append(el('h3', {text: opts.title}));
  if (!pts.length) {
    box.append(el('p', {class: 'empty', text: 'no values yet'}));
    return box;
  }
  let x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]));
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  const f = opts.log ? Math.log10 : (v) => v;
  let y0 = Math.min(...pts.map((p) => f(p[1]))), y1 = Math.max(...pts.map((p) => f(p[1])));
  const padY = (y1 - y0) * 0.08 || Math.abs(y0) * 0.1 || 1;
  y0 -= padY; y1 += padY;
  const sx = (x) => L + (x - x0) / (x1 - x0) * (W - L - R);
  const sy = (y) => T + (1 - (f(y) - y0) / (y1 - y0)) * (H - T - B);
  const svg = svgEl('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': opts.title});
  let yt = opts.log ? niceTicks(Math.floor(y0), Math.ceil(y1), 4).filter((t) => Number.isInteger(t) && t >= y0 && t <= y1).map((t) => 10 ** t)
                    : niceTicks(y0, y1, 5);
  if (opts.log && yt.length < 2) yt = niceTicks(10 ** y0, 10 ** y1, 4).filter((t) => t > 0); // within one decade
  for (const t of yt) {
    if (f(t) < y0 || f(t) > y1) continue;
    svg.append(svgEl('line', {class: 'grid', x1: L, x2: W - R, y1: sy(t), y2: sy(t)}));
    svg.append(svgEl('text', {x: L - 6, y: sy(t) + 4, 'text-anchor': 'end'}, tickText(t)));
  }
  const xt = niceTicks(x0, x1, Math.min(8, Math.max(2, Math.round(x1 - x0)))).filter((t) => Number.isInteger(t));
  for (const t of xt) {
    if (t < x0 || t > x1) continue;
    svg.append(svgEl('line', {class: 'grid', x1: sx(t), x2: sx(t), y1: T, y2: H - B}));
    svg.append(svgEl('text', {x: sx(t), y: H - B + 15, 'text-anchor': 'middle'}, String(t)));
  }
  svg.append(svgEl('line', {class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B}));
  svg.append(svgEl('line', {class: 'axis', x1: L, x2: L, y1: T, y2: H - B}));
  svg.append(svgEl('text', {x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle'}, 'epoch'));
  svg.append(svgEl('text', {x: 12, y: (T + H - B) / 2, 'text-anchor': 'middle',
                            transform: `rotate(-90 12 ${(T + H - B) / 2})`}, opts.ylabel || ''));
  const legend = el('div', {class: 'legend'});
  for (const s of series) {
    const p = s.points.filter(([x, y]) => isNum(x) && isNum(y) && (!opts.log || y > 0));
    if (!p.length) continue;
    const g = svgEl('g', {'data-series': s.name, 'data-points': p.length});
    g.append(svgEl('polyline', {fill: 'none', stroke: s.colour, 'stroke-width': 1.8,
                                'stroke-dasharray': s.dash ? '5 4' : null,
                                points: p.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}));
    for (const [x, y] of p)
      g.append(svgEl('circle', {cx: sx(x).toFixed(1), cy: sy(y).toFixed(1), r: s.dash ? 1.8 : 2.6, fill: s.colour},
                     svgEl('title', {}, `${s.name}, epoch ${x}: ${opts.unit === '%' ? fixed(y, 2) + '%' : +y.toPrecision(6)}`)));
    svg.append(g);
    legend.append(el('span', {}, el('span', {class: `sw${s.dash ? ' dash' : ''}`, style: null}), s.name));
    legend.lastChild.firstChild.style.borderTopColor = s.colour;
  }
  box.append(svg, legend);
  return box;
}

// the curves of key for runs [{name, colour, metrics}], train dashed beside val when both asked
function seriesOf(runs, keys, scale) {
  const out = [];
  for (const r of runs) {
    const m = r.metrics;
    for (const k of keys) {
      const col = m.values[k];
      if (!col) continue;
      const one = runs.length === 1 && keys.length > 1; // one run: val red, train blue (as its figure)
      out.push({name: keys.length > 1 || runs.length === 1 ? `${runs.length > 1 ? r.name + ' ' : ''}${k.split('_')[0]}` : r.name,
                colour: one ? (k.startsWith('train') ? '#2171b5' : '#cb181d') : r.colour, dash: k.startsWith('train'),
                points: m.epochs.map((e, i) => [e, isNum(col[i]) ? col[i] * scale : null])});
    }
  }
  return out;
}

// the standard charts of runs: accuracy (%), loss, learning rate (log scale)
function curveCharts(runs) {
  const box = el('div', {class: 'charts', id: 'charts'});
  box.append(lineChart(seriesOf(runs, ['val_acc', 'train_acc'], 100), {title: 'Accuracy (%)', ylabel: '%', unit: '%', id: 'accuracy'}));
  box.append(lineChart(seriesOf(runs, ['val_loss', 'train_loss'], 1), {title: 'Loss', ylabel: 'loss', id: 'loss'}));
  if (runs.some((r) => r.metrics.values.lr))
    box.append(lineChart(seriesOf(runs, ['lr'], 1), {title: 'Learning rate', ylabel: 'lr (log)', log: true, id: 'lr'}));
  return box;
}

// --- confusion matrices -----------------------------------------------------------------------

function blues(f) { // matplotlib's Blues as the report's figures: #f7fbff, #6baed6, #08306b
  const stops = [[247, 251, 255], [107, 174, 214], [8, 48, 107]];
  const t = Math.max(0, Math.min(1, f)) * 2, i = Math.min(1, Math.floor(t)), u = t - i;
  const c = stops[i].map((a, j) => Math.round(a + (stops[i + 1][j] - a) * u));
  return `rgb(${c.join(',')})`;
}

function confusionTable(ev) {
  const head = `${ev.split}${ev.tta_n ? `, TTA-${ev.tta_n}` : ''}: ${pct(ev.accuracy_frac)}% (${ev.n_correct}/${ev.n_samples})`;
  const t = el('table', {class: 'cm', 'data-eval': ev.eval_id},
               el('caption', {text: head}));
  t.append(el('tr', {}, el('th', {class: 'axis-note', text: 'true \\ predicted'}),
              ev.classes.map((c) => el('th', {text: c})), el('th', {text: 'recall %'})));
  ev.confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    const tr = el('tr', {}, el('th', {class: 'true', text: ev.classes[i]}));
    row.forEach((n, j) => {
      const f = total > 0 ? n / total : 0; // an empty class is a row of 0, as sklearn
      const td = el('td', {class: f > 0.5 ? 'dark' : null, 'data-count': n, title: `true ${ev.classes[i]}, predicted ${ev.classes[j]}: ${n}`},
                    fixed(f, 2), el('br'), `(${n})`);
      td.style.backgroundColor = blues(f);
      tr.append(td);
    });
    tr.append(el('td', {class: 'num', text: fixed(total > 0 ? 100 * row[i] / total : 0, 2)}));
    t.append(tr);
  });
  return t;
}

// --- page: runs -------------------------------------------------------------------------------

const RUN_COLS = [
  {key: 'id', head: 'ID', num: true, get: (r) => r.run_id},
  {key: 'name', head: 'Run', get: (r) => r.name, cell: (r) => el('a', {href: runHref(r.run_id), text: r.name})},
  {key: 'experiment', head: 'Experiment', get: (r) => r.experiment},
  {key: 'model', head: 'Model', get: (r) => r.model},
  {key: 'kind', head: 'Kind', get: (r) => r.kind},
  {key: 'status', head: 'Status', get: (r) => r.status, cell: (r) => statusBadge(r.status)},
  {key: 'epochs', head: 'Epochs', num: true, get: (r) => r.epochs},
  {key: 'val', head: 'Best val %', num: true, get: (r) => r.best_val_acc_frac, text: (v) => pct(v)},
  {key: 'test', head: 'Test %', num: true, get: (r) => r.test_acc_frac, text: (v) => pct(v)},
  {key: 'tta', head: 'Test TTA %', num: true, get: (r) => r.test_acc_tta_frac,
   text: (v, r) => (isNum(v) ? `${pct(v)} (${r.tta_n})` : '–')},
  {key: 'size', head: 'Params', num: true, get: (r) => r.n_params, text: (v) => params(v)},
  {key: 'start', head: 'Started (UTC)', get: (r) => r.start_ms, text: (v) => timeUTC(v)},
  {key: 'duration', head: 'Duration', num: true, get: (r) => runDuration(r), text: (v) => duration(v)},
];

// filter tokens: words match any cell; FIELD op VALUE with op = != >= <= > < ~ (contains)
function parseFilter(text) {
  return text.trim().split(/\s+/).filter(Boolean).map((tok) => {
    const m = /^([A-Za-z_][\w.]*)(!=|>=|<=|=|>|<|~)(.*)$/.exec(tok);
    return m ? {field: m[1].toLowerCase(), op: m[2], value: m[3]} : {word: tok.toLowerCase()};
  });
}

function fieldValue(r, field) {
  if (field.startsWith('params.')) return r.params ? r.params[field.slice(7)] : undefined;
  if (field.startsWith('tags.')) return r.tags ? r.tags[field.slice(5)] : undefined;
  if (field.startsWith('metrics.')) return r.metrics ? r.metrics[field.slice(8)] : undefined;
  const c = RUN_COLS.find((c) => c.key === field);
  if (!c) return r.params && field in r.params ? r.params[field] : undefined;
  const v = c.get(r);
  return ['val', 'test', 'tta'].includes(field) && isNum(v) ? v * 100 : v; // accuracies in %
}

function matches(r, toks) {
  const text = () => [r.run_id, r.name, r.experiment, r.model, r.kind, r.status,
                      ...Object.entries(r.params || {}).map(([k, v]) => `${k}=${v}`),
                      ...Object.entries(r.tags || {}).map(([k, v]) => `${k}=${v}`)].join(' ').toLowerCase();
  return toks.every((t) => {
    if (t.word) return text().includes(t.word);
    const v = fieldValue(r, t.field);
    if (v === undefined || v === null) return t.op === '!=';
    const a = Number(v), b = Number(t.value), numeric = t.value !== '' && Number.isFinite(a) && Number.isFinite(b);
    const sa = String(v).toLowerCase(), sb = t.value.toLowerCase();
    switch (t.op) {
      case '=': return numeric ? a === b : sa === sb;
      case '!=': return numeric ? a !== b : sa !== sb;
      case '~': return sa.includes(sb);
      case '>': return numeric && a > b;
      case '<': return numeric && a < b;
      case '>=': return numeric && a >= b;
      case '<=': return numeric && a <= b;
    }
    return false;
  });
}

// order of a and b by one column, descending or not; missing values last either way
function compareValues(a, b, desc) {
  const na = a === null || a === undefined || (typeof a === 'number' && !Number.isFinite(a));
  const nb = b === null || b === undefined || (typeof b === 'number' && !Number.isFinite(b));
  if (na || nb) return na - nb;
  const x = Number(a), y = Number(b);
  const c = Number.isFinite(x) && Number.isFinite(y) ? x - y : String(a).localeCompare(String(b));
  return desc ? -c : c;
}

async function pageRuns() {
  document.getElementById('nav-runs').classList.add('active');
  const q = query();
  const exp = q.get('experiment') || '';
  const state = {filter: q.get('filter') || '', status: q.get('status') || '', sort: q.get('sort') || 'id',
                 desc: q.get('order') !== 'asc', cols: q.get('params') || 'changed', metrics: q.get('metrics') === '1',
                 selected: new Set()};
  let runs = [], exps = [];
  const aside = el('aside', {id: 'experiments'});
  const count = el('span', {class: 'count', id: 'run-count'});
  const compareBtn = el('button', {id: 'compare', disabled: true, text: 'Compare selected'});
  const filter = el('input', {type: 'search', id: 'filter', value: state.filter, 'aria-label': 'filter runs',
                              placeholder: 'Filter: words, or model=democnn status!=FAILED val>40 params.lr=0.05'});
  const status = el('select', {id: 'status-filter', 'aria-label': 'status'},
                    ['', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED'].map((s) => el('option', {value: s, text: s || 'any status', selected: s === state.status})));
  const cols = el('select', {id: 'param-cols', 'aria-label': 'parameter columns'},
                  [['changed', 'parameters that differ'], ['all', 'all parameters'], ['none', 'no parameters']]
                    .map(([v, t]) => el('option', {value: v, text: t, selected: v === state.cols})));
  const metricsBox = el('input', {type: 'checkbox', id: 'metric-cols', checked: state.metrics});
  const table = el('table', {class: 'runs', id: 'runs-table'});
  const reportLink = el('a', {href: `/report${exp ? `?experiment=${encodeURIComponent(exp)}` : ''}`, text: 'tables of this experiment'});
  app.replaceChildren(el('div', {class: 'layout'}, aside,
    el('section', {},
       el('h1', {text: exp ? `Experiment ${exp}` : 'All runs'}),
       el('div', {class: 'sub', id: 'exp-description'}),
       el('div', {class: 'toolbar'}, filter, status, cols, el('label', {}, metricsBox, ' latest metrics'), compareBtn, count, reportLink),
       el('div', {class: 'scroll'}, table),
       el('p', {class: 'hint', text: 'Click a column to sort; select runs to compare their curves. Accuracies in %.'}))));

  function drawSidebar() {
    const total = exps.reduce((a, e) => a + e.runs, 0);
    const item = (name, label, n, running) => el('li', {}, el('a', {href: name ? `/?experiment=${encodeURIComponent(name)}` : '/',
      class: name === exp ? 'active' : null, 'data-experiment': name},
      label, el('span', {class: 'counts', text: `${n} run${n === 1 ? '' : 's'}${running ? `, ${running} running` : ''}`})));
    aside.replaceChildren(el('h3', {text: 'Experiments'}),
      el('ul', {}, item('', 'All experiments', total, exps.reduce((a, e) => a + e.running, 0)),
         exps.map((e) => item(e.name, e.name, e.runs, e.running))));
    const me = exps.find((e) => e.name === exp);
    document.getElementById('exp-description').textContent = me && me.description ? me.description : '';
  }

  function paramKeys(shown) {
    if (state.cols === 'none') return [];
    const keys = [...new Set(shown.flatMap((r) => Object.keys(r.params || {})))].sort();
    if (state.cols === 'all') return keys;
    return keys.filter((k) => new Set(shown.map((r) => (r.params || {})[k])).size > 1);
  }

  function drawTable() {
    const toks = parseFilter(state.filter);
    const shown = runs.filter((r) => (!state.status || r.status === state.status) && matches(r, toks));
    const pk = paramKeys(shown);
    const mk = state.metrics ? [...new Set(shown.flatMap((r) => Object.keys(r.metrics || {})))] : [];
    const columns = [...RUN_COLS,
      ...pk.map((k) => ({key: `params.${k}`, head: k, param: true, get: (r) => (r.params || {})[k]})),
      ...mk.map((k) => ({key: `metrics.${k}`, head: `${k} (last)`, num: true, get: (r) => (r.metrics || {})[k],
                         text: (v) => (isNum(v) ? String(+v.toPrecision(5)) : '–')}))];
    const col = columns.find((c) => c.key === state.sort) || columns[0];
    shown.sort((a, b) => compareValues(col.get(a), col.get(b), state.desc) || b.run_id - a.run_id);
    const head = el('tr', {}, el('th', {}, ''), columns.map((c) => el('th', {
      class: `sortable${c.num ? ' num' : ''}${c.param ? ' param' : ''}`, 'data-key': c.key,
      'aria-sort': c === col ? (state.desc ? 'descending' : 'ascending') : null, title: `sort by ${c.head}`,
      text: c.head, on: {click: () => {
        state.desc = state.sort === c.key ? !state.desc : !!c.num;
        state.sort = c.key;
        setQuery({sort: c.key, order: state.desc ? 'desc' : 'asc'});
        drawTable();
      }}})));
    const body = el('tbody', {}, shown.map((r) => el('tr', {'data-run-id': r.run_id},
      el('td', {}, el('input', {type: 'checkbox', 'aria-label': `select ${r.name}`, checked: state.selected.has(r.run_id),
        on: {change: (ev) => { if (ev.target.checked) state.selected.add(r.run_id); else state.selected.delete(r.run_id); drawButton(); }}})),
      columns.map((c) => {
        const v = c.get(r);
        return el('td', {class: `${c.num ? 'num' : ''}${c.param ? ' param' : ''}` || null, 'data-key': c.key},
                  c.cell ? c.cell(r) : c.text ? c.text(v, r) : v === undefined || v === null ? '–' : String(v));
      }))));
    table.replaceChildren(el('thead', {}, head), body);
    if (!shown.length)
      table.append(el('tbody', {}, el('tr', {}, el('td', {colspan: columns.length + 1, class: 'empty',
        text: runs.length ? 'no run matches the filter' : 'no runs in this store yet'}))));
    count.textContent = `${shown.length} of ${runs.length} runs`;
  }

  function drawButton() {
    compareBtn.disabled = state.selected.size < 2 || state.selected.size > 10;
    compareBtn.textContent = `Compare selected (${state.selected.size})`;
  }

  filter.addEventListener('input', () => { state.filter = filter.value; setQuery({filter: state.filter}); drawTable(); });
  status.addEventListener('change', () => { state.status = status.value; setQuery({status: state.status}); drawTable(); });
  cols.addEventListener('change', () => { state.cols = cols.value; setQuery({params: state.cols === 'changed' ? '' : state.cols}); drawTable(); });
  metricsBox.addEventListener('change', () => { state.metrics = metricsBox.checked; setQuery({metrics: state.metrics ? '1' : ''}); drawTable(); });
  compareBtn.addEventListener('click', () => { location.href = `/compare?runs=${[...state.selected].join(',')}`; });

  let last = null;
  async function load() {
    const [e, r] = await Promise.all([getJSON('/api/experiments'),
                                      getJSON(`/api/runs${exp ? `?experiment=${encodeURIComponent(exp)}` : ''}`)]);
    const sig = JSON.stringify([e, r]);
    if (sig !== last) { // redraw only when the store changed: the reader's clicks land
      [exps, runs, last] = [e, r, sig];
      drawSidebar();
      drawTable();
    }
    return runs.some((x) => x.status === 'RUNNING');
  }
  drawButton();
  if (await load()) poll(load);
}

// --- page: one run ----------------------------------------------------------------------------

function kvTable(obj, id) {
  const rows = Object.entries(obj || {});
  if (!rows.length) return el('p', {class: 'empty', text: 'none'});
  return el('table', {class: 'kv', id}, el('tbody', {}, rows.map(([k, v]) => el('tr', {'data-key': k}, el('td', {text: k}), el('td', {text: v === null ? '–' : String(v)})))));
}

function card(k, v, id) {
  return el('div', {class: 'card', id}, el('div', {class: 'k', text: k}), el('div', {class: 'v', text: v}));
}

function metricsTable(m) {
  const t = el('table', {id: 'epochs-table'}, el('thead', {}, el('tr', {}, el('th', {class: 'num', text: 'epoch'}),
    m.keys.map((k) => el('th', {class: 'num', text: k})))));
  t.append(el('tbody', {}, m.epochs.map((e, i) => el('tr', {}, el('td', {class: 'num', text: e}),
    m.keys.map((k) => { const v = m.values[k][i]; return el('td', {class: 'num', text: isNum(v) ? String(+v.toPrecision(6)) : '–'}); })))));
  return t;
}

async function pageRun(ref) {
  let last = null;
  async function load() {
    const d = await getJSON(`/api/run/${encodeURIComponent(ref)}`);
    const r = d.run;
    const sig = JSON.stringify([r.status, r.epochs, d.evals.length, r.updated_ms]);
    if (sig !== last) { // redraw only when something changed; keep the reader's place
      const y = window.scrollY;
      draw(d);
      window.scrollTo(0, y);
      last = sig;
    }
    return r.status === 'RUNNING';
  }
  function draw(d) {
    const r = d.run;
    document.title = `rmn: ${r.name}`;
    const ttaHead = r.tta_n ? `Test TTA-${r.tta_n}` : 'Test TTA';
    const parts = [
      el('h1', {}, el('span', {id: 'run-name', text: r.name}), statusBadge(r.status)),
      el('div', {class: 'sub'}, `run ${r.run_id} · `, el('a', {href: `/?experiment=${encodeURIComponent(r.experiment)}`, text: r.experiment}),
         ` · ${r.kind} · ${r.model || '–'} · seed ${r.seed} · uuid ${r.uuid}`,
         r.parent_run_id ? el('span', {}, ' · parent ', el('a', {href: runHref(r.parent_run_id), text: `run ${r.parent_run_id}`})) : null),
      el('div', {class: 'cards'}, r.kind === 'train' ? card('Epochs', String(r.epochs), 'card-epochs') : null,
         card('Best val %', pct(r.best_val_acc_frac), 'card-val'), card('Test %', pct(r.test_acc_frac), 'card-test'),
         card(`${ttaHead} %`, pct(r.test_acc_tta_frac), 'card-tta'), r.n_params > 0 ? card('Params', params(r.n_params), 'card-params') : null,
         card('Started (UTC)', timeUTC(r.start_ms), 'card-start'), card('Duration', duration(runDuration(r)), 'card-duration'))];
    if (r.error_text) parts.push(el('p', {class: 'error', text: r.error_text}));
    if (d.metrics.epochs.length) {
      parts.push(el('h2', {text: `Training curves (${d.metrics.epochs.length} epochs)`}),
                 curveCharts([{name: r.name, colour: COLOURS[0], metrics: d.metrics}]));
      parts.push(el('details', {}, el('summary', {text: 'every metric per epoch'}), el('div', {class: 'scroll'}, metricsTable(d.metrics))));
      parts.push(el('p', {}, el('a', {href: `/compare?runs=${r.run_id}`, text: 'compare with other runs…'})));
    }
    parts.push(el('h2', {text: 'Evaluations'}));
    if (d.evals.length) {
      parts.push(el('table', {id: 'evals-table'},
        el('thead', {}, el('tr', {}, ['eval', 'split', 'TTA', 'samples', 'correct', 'accuracy %', 'loss', 'TTA seed', 'at (UTC)']
          .map((h, i) => el('th', {class: i === 1 ? null : 'num', text: h})))),
        el('tbody', {}, d.evals.map((e) => el('tr', {'data-eval': e.eval_id},
          [e.eval_id, e.split, e.tta_n || 'no', e.n_samples, e.n_correct, pct(e.accuracy_frac), isNum(e.loss) ? fixed(e.loss, 4) : '–',
           e.tta_seed === null ? '–' : e.tta_seed, timeUTC(e.created_ms)].map((v, i) => el('td', {class: i === 1 ? null : 'num', text: String(v)})))))));
      parts.push(el('h2', {text: 'Confusion matrices (rows: true class; row-normalised, counts in brackets)'}),
                 el('div', {class: 'cms', id: 'confusion'}, d.evals.map(confusionTable)));
    } else {
      parts.push(el('p', {class: 'empty', text: r.status === 'RUNNING' ? 'none yet: evaluations come after training' : 'none'}));
    }
    if (d.members.length) {
      parts.push(el('h2', {text: `Ensemble members (${(d.tags || {}).selection || 'selection not recorded'}), test split`}),
        el('table', {id: 'members-table'}, el('thead', {}, el('tr', {}, ['run', 'model', 'params', 'TTA', 'accuracy %'].map((h, i) => el('th', {class: i > 1 ? 'num' : null, text: h})))),
           el('tbody', {}, d.members.map((m) => el('tr', {'data-run-id': m.run_id}, el('td', {}, el('a', {href: runHref(m.run_id), text: m.name})),
             el('td', {text: m.model}), el('td', {class: 'num', text: params(m.n_params)}), el('td', {class: 'num', text: m.tta_n || 'no'}),
             el('td', {class: 'num', text: pct(m.accuracy_frac)}))))));
    }
    parts.push(el('h2', {text: 'Parameters'}), kvTable(d.params, 'params-table'),
               el('h2', {text: 'Tags'}), kvTable(d.tags, 'tags-table'),
               el('h2', {text: 'Provenance'}),
               kvTable({'config sha256': r.config_sha256, 'data sha256': r.dataset_sha256, 'git commit': r.git_commit,
                        'git dirty': r.git_dirty, 'tool version': r.tool_version, host: r.host, cpu: r.cpu_model,
                        threads: r.n_threads, BLAS: r.blas_config, build: r.build_config}, 'provenance-table'),
               el('details', {}, el('summary', {text: 'configuration (canonical text)'}), el('pre', {text: r.config_text || ''})));
    if (d.artifacts.length)
      parts.push(el('h2', {text: 'Artifacts'}), el('table', {id: 'artifacts-table'}, el('tbody', {},
        d.artifacts.map((a) => el('tr', {}, el('td', {text: a.kind}), el('td', {text: a.path}), el('td', {class: 'num', text: `${a.bytes} bytes`}),
                                  el('td', {text: (a.sha256 || '').slice(0, 16) + '…'}))))));
    app.replaceChildren(...parts);
  }
  if (await load()) poll(load);
}

// --- page: compare ----------------------------------------------------------------------------

async function pageCompare() {
  const refs = (query().get('runs') || '').split(',').filter(Boolean);
  if (!refs.length) {
    app.replaceChildren(el('h1', {text: 'Compare runs'}), el('p', {class: 'empty', text: 'Select runs on the runs page, then "Compare selected".'}));
    return;
  }
  let all = [], onlyDiff = true, extraKey = '', last = null;
  async function load() {
    const [m, runs] = await Promise.all([getJSON(`/api/metrics?runs=${refs.map(encodeURIComponent).join(',')}`), getJSON('/api/runs')]);
    all = m.runs.map((r, i) => ({...r, colour: COLOURS[i % COLOURS.length], info: runs.find((x) => x.run_id === r.run_id) || {}}));
    const sig = JSON.stringify(all.map((r) => [r.status, r.metrics.epochs.length, r.info.test_acc_tta_frac]));
    if (sig !== last) { // redraw only when something changed
      draw();
      last = sig;
    }
    return all.some((r) => r.status === 'RUNNING');
  }
  function draw() {
    const y = window.scrollY;
    const keys = [...new Set(all.flatMap((r) => r.metrics.keys))].filter((k) => !['train_acc', 'val_acc', 'train_loss', 'val_loss', 'lr'].includes(k));
    const extra = el('select', {id: 'extra-metric', 'aria-label': 'another metric'}, el('option', {value: '', text: 'another metric…'}),
                     keys.map((k) => el('option', {value: k, text: k, selected: k === extraKey})));
    extra.addEventListener('change', () => { extraKey = extra.value; draw(); });
    const charts = curveCharts(all);
    if (extraKey) charts.append(lineChart(seriesOf(all, [extraKey], 1), {title: extraKey, ylabel: extraKey, id: extraKey}));
    const pkeys = [...new Set(all.flatMap((r) => Object.keys(r.info.params || {})))].sort();
    const prow = pkeys.map((k) => ({k, vals: all.map((r) => (r.info.params || {})[k])}))
                      .map((p) => ({...p, diff: new Set(p.vals.map(String)).size > 1}));
    const diffBox = el('input', {type: 'checkbox', id: 'only-diff', checked: onlyDiff});
    diffBox.addEventListener('change', () => { onlyDiff = diffBox.checked; draw(); });
    const summary = [['status', (r) => statusBadge(r.status)], ['experiment', (r) => r.info.experiment], ['model', (r) => r.info.model],
                     ['epochs', (r) => String(r.epochs)], ['best val %', (r) => pct(r.info.best_val_acc_frac)], ['test %', (r) => pct(r.info.test_acc_frac)],
                     ['test TTA %', (r) => pct(r.info.test_acc_tta_frac)], ['params', (r) => params(r.info.n_params)]];
    app.replaceChildren(
      el('h1', {text: `Compare ${all.length} runs`}),
      el('div', {class: 'sub'}, 'val solid, train dashed; one colour per run'),
      el('div', {class: 'toolbar'}, extra),
      charts,
      el('h2', {text: 'Runs'}),
      el('div', {class: 'scroll'}, el('table', {id: 'compare-table'},
        el('thead', {}, el('tr', {}, el('th', {text: ''}), all.map((r) => el('th', {}, el('a', {href: runHref(r.run_id), text: r.name})))),
          el('tr', {}, el('th', {text: ''}), all.map((r) => { const s = el('span', {class: 'sw'}); s.style.borderTopColor = r.colour; return el('th', {class: 'swatch'}, s); }))),
        el('tbody', {}, summary.map(([k, f]) => el('tr', {'data-key': k}, el('td', {text: k}), all.map((r) => el('td', {}, f(r))))),
          el('tr', {}, el('td', {colspan: all.length + 1}, el('label', {}, diffBox, ' parameters: only those that differ'))),
          prow.filter((p) => !onlyDiff || p.diff).map((p) => el('tr', {class: p.diff ? 'diff' : null, 'data-param': p.k},
            el('td', {text: p.k}), p.vals.map((v) => el('td', {text: v === undefined ? '–' : v}))))))));
    window.scrollTo(0, y);
  }
  try {
    if (await load()) poll(load);
  } catch (e) {
    showError(app, e);
  }
}

// --- page: report -----------------------------------------------------------------------------

async function pageReport() {
  document.getElementById('nav-report').classList.add('active');
  const q = query(), exp = q.get('experiment') || '', split = q.get('split') || 'test';
  const exps = await getJSON('/api/experiments');
  const pick = el('select', {id: 'report-experiment', 'aria-label': 'experiment'}, el('option', {value: '', text: 'all experiments'}),
                  exps.map((e) => el('option', {value: e.name, text: e.name, selected: e.name === exp})));
  const sp = el('select', {id: 'report-split', 'aria-label': 'split'},
                [['test', 'test (PrivateTest)'], ['val', 'validation (PublicTest)']].map(([v, t]) => el('option', {value: v, text: t, selected: v === split})));
  const go = () => { location.search = new URLSearchParams({...(pick.value ? {experiment: pick.value} : {}), split: sp.value}).toString(); };
  pick.addEventListener('change', go);
  sp.addEventListener('change', go);
  const body = el('div', {class: 'report', id: 'report'}, el('p', {class: 'loading', text: 'Computing the tables…'}));
  app.replaceChildren(el('h1', {text: 'Report'}),
    el('div', {class: 'sub', text: 'rmn-report\'s tables of the finished runs, from the store alone (the same code prints them)'}),
    el('div', {class: 'toolbar'}, pick, sp), body);
  try {
    const r = await getJSON(`/api/report?${new URLSearchParams({...(exp ? {experiment: exp} : {}), split})}`);
    body.replaceChildren(...r.tables.map((t) => {
      const s = el('section', {'data-table': t.name}, el('h2', {text: t.name}));
      const holder = el('div', {class: 'scroll'});
      holder.innerHTML = t.html; // rendered and escaped by the server (report/table_render.c)
      s.append(holder);
      return s;
    }));
  } catch (e) {
    showError(body, e);
  }
}

// --- start ------------------------------------------------------------------------------------

async function main() {
  getJSON('/api/version').then((v) => { document.getElementById('store').textContent = `${v.store} (read-only)`; }, () => {});
  const path = location.pathname;
  const run = /^\/run\/(.+)$/.exec(path);
  try {
    if (path === '/') await pageRuns();
    else if (path === '/compare') await pageCompare();
    else if (path === '/report') await pageReport();
    else if (run) await pageRun(decodeURIComponent(run[1]));
    else app.replaceChildren(el('p', {class: 'error', text: `no page ${path}`}));
  } catch (e) {
    showError(app, e);
  }
}

main();
