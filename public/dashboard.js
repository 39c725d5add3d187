// numaemu dashboard. Static facts come from the JSON API once per connection; every
// changing number comes from the WebSocket stream (/api/v1/stream), so the page polls
// nothing. Knob writes are plain PUTs to the kernel path: the same write(2) semantics
// as curl, and unlike the socket they can carry the daemon's bearer token.
import uPlot from '/assets/uplot.esm.js'

const NODE_COLORS = ['#2458c6', '#e07b12', '#16803c', '#9333ea', '#c0264b', '#0f8a8a', '#7a5c12', '#5b6b80']
const KIND_LABEL = { dram: 'DRAM', cxl: 'CXL', private: 'private' }

const RATES = [
  { key: 'pgpromote_success', label: 'promoted', color: '#16803c' },
  { key: 'pgdemote_kswapd', label: 'demoted (kswapd)', color: '#c0264b' },
  { key: 'numa_hint_faults', label: 'NUMA hint faults', color: '#2458c6' },
  { key: 'hwhint_total_events', label: 'hardware hints', color: '#9333ea' },
  { key: 'pghot_recorded_accesses', label: 'pghot recorded', color: '#e07b12' },
]

// Globs rather than literal paths: a literal that a kernel config lacks would fail the
// whole subscription, while a glob just matches nothing.
const KNOB_GLOBS = [
  '/proc/sys/kernel/numa_balancing*',
  '/sys/kernel/debug/sched/numa_balancing/*',
  '/sys/kernel/mm/numa/*',
  '/sys/kernel/debug/pghot/*',
  '/proc/sys/vm/pghot_*',
]
const KNOB_GROUPS = [
  { title: 'NUMA balancing and demotion', test: (p) => !/pghot/.test(p) },
  { title: 'pghot hot-page promotion', test: (p) => /pghot/.test(p) },
]
const KNOB_HINTS = {
  '/proc/sys/kernel/numa_balancing': '0 off · 1 NUMA balancing · 2 memory tiering · 3 both',
  '/proc/sys/kernel/numa_balancing_promote_rate_limit_MBps': 'promotion rate limit, MB/s',
  '/sys/kernel/mm/numa/demotion_enabled': 'true or false: demote to a lower tier instead of reclaiming',
  '/sys/kernel/debug/pghot/enabled_sources': 'bit mask: 0x1 hint faults, 0x2 hardware hints',
  '/sys/kernel/debug/pghot/freq_threshold': 'accesses within the window that make a page hot (1–3; 1–7 in precision mode)',
  '/sys/kernel/debug/pghot/target_nid': 'top-tier node that hot pages are promoted to',
  '/sys/kernel/debug/pghot/kmigrated_sleep_ms': 'kmigrated wakes this often, ms',
  '/sys/kernel/debug/pghot/kmigrated_batch_nr': 'pages kmigrated migrates per wake-up',
  '/proc/sys/vm/pghot_promote_freq_window_ms': 'window in which accesses are counted, ms',
  '/proc/sys/vm/pghot_promote_rate_limit_MBps': 'promotion rate limit, MB/s',
}

const MAX_POINTS = 600
const SEC = 1000

// ---------------------------------------------------------------- helpers

const $ = (id) => document.getElementById(id)

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue
    if (k === 'class') e.className = v
    else if (k === 'text') e.textContent = v
    else if (k.startsWith('--')) e.style.setProperty(k, v)
    else e.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c)
  return e
}

const intFmt = new Intl.NumberFormat('en')
const compactFmt = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 })

function fmtBytes(b) {
  if (b === undefined || b === null || Number.isNaN(b)) return '–'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (Math.abs(b) >= 1024 && i < units.length - 1) { b /= 1024; i++ }
  return `${i === 0 ? b : b.toFixed(b >= 100 ? 0 : 1)} ${units[i]}`
}

function fmtRate(v) {
  if (v === undefined || v === null) return '–'
  if (Math.abs(v) < 1000) return v === Math.round(v) ? String(v) : v.toFixed(1)
  return compactFmt.format(v)
}

function fmtSimTime(ms) {
  const s = ms / SEC
  if (s < 600) return `${s.toFixed(2)} s`
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = Math.floor(s % 60)
  return `${hh}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`
}

function kindLabel(kind) { return KIND_LABEL[kind] ?? String(kind).toUpperCase() }
function nodeColor(id) { return NODE_COLORS[id % NODE_COLORS.length] }

async function getJson(url) {
  const r = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' })
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`)
  return r.json()
}

function notice(text) {
  const n = $('notice')
  n.hidden = !text
  n.textContent = text ?? ''
}

// ---------------------------------------------------------------- charts

/** A uPlot line chart over simulated seconds that keeps its legend on the newest point unless the pointer is over it. */
class Chart {
  constructor(container, { series, yValue, yRange }) {
    this.container = container
    this.data = [[], ...series.map(() => [])]
    this.hover = false
    const opts = {
      width: Math.max(300, container.clientWidth),
      height: 250,
      scales: { x: { time: false }, y: { range: yRange } },
      axes: [
        { stroke: '#5d6b7e', grid: { stroke: '#eef1f5' }, ticks: { stroke: '#dde3ea' }, values: (_u, ticks) => ticks.map((t) => `${+t.toFixed(3)} s`) },
        { stroke: '#5d6b7e', grid: { stroke: '#eef1f5' }, ticks: { stroke: '#dde3ea' }, size: 62, values: (_u, ticks) => ticks.map(yValue) },
      ],
      series: [
        { label: 'sim time', value: (_u, v) => (v === null || v === undefined ? '–' : `${v.toFixed(2)} s`) },
        ...series.map((s) => ({
          label: s.label, stroke: s.color, width: 2, points: { show: false }, spanGaps: false, paths: s.paths,
          value: s.value ?? ((_u, v) => yValue(v)),
        })),
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    }
    this.u = new uPlot(opts, this.data, container)
    this.u.over.addEventListener('mouseenter', () => { this.hover = true })
    this.u.over.addEventListener('mouseleave', () => { this.hover = false; this.showLast() })
    new ResizeObserver(() => {
      const w = Math.max(300, this.container.clientWidth)
      if (w !== this.u.width) this.u.setSize({ width: w, height: 250 })
    }).observe(container)
  }

  get lastX() { const xs = this.data[0]; return xs.length ? xs[xs.length - 1] : null }

  /** Adds a point; a point at the same time replaces the last one (a re-subscription reads the same instant again). */
  push(x, ys) {
    const d = this.data
    // Time going back means a new daemon: its history is not this one's.
    if (this.lastX !== null && x < this.lastX) for (const a of d) a.length = 0
    if (x === this.lastX) for (let i = 0; i < ys.length; i++) d[i + 1][d[i + 1].length - 1] = ys[i]
    else {
      d[0].push(x)
      for (let i = 0; i < ys.length; i++) d[i + 1].push(ys[i])
      if (d[0].length > MAX_POINTS) for (const a of d) a.splice(0, a.length - MAX_POINTS)
    }
    this.redraw()
  }

  redraw() {
    this.u.setData(this.data)
    this.showLast()
  }

  showLast() {
    if (!this.hover && this.data[0].length) this.u.setLegend({ idx: this.data[0].length - 1 })
  }
}

// ---------------------------------------------------------------- stream

/**
 * One WebSocket that comes back by itself. `onOpen` runs on every (re)connection and
 * subscribes afresh, as subscriptions die with their socket.
 */
class Stream {
  constructor(url, { onOpen, onMessage, onState }) {
    Object.assign(this, { url, onOpen, onMessage, onState })
    this.ws = null
    this.retryMs = 500
    this.lastHeard = 0
    this.connect()
    // A socket can die without a close event (a suspended laptop, a dropped NAT entry); silence gives it away.
    setInterval(() => this.keepAlive(), 10 * SEC)
  }

  connect() {
    this.onState('connecting', 'connecting…')
    const ws = new WebSocket(this.url)
    this.ws = ws
    ws.addEventListener('open', async () => {
      this.retryMs = 500
      this.lastHeard = Date.now()
      try {
        await this.onOpen(this)
        if (this.ws === ws) this.onState('live', 'live')
      } catch (err) {
        notice(`Could not set up the dashboard: ${err.message}`)
        ws.close()
      }
    })
    ws.addEventListener('message', (ev) => {
      this.lastHeard = Date.now()
      let msg
      try { msg = JSON.parse(ev.data) } catch { return }
      this.onMessage(msg)
    })
    ws.addEventListener('close', () => this.lost(ws))
  }

  lost(ws) {
    if (this.ws !== ws) return
    this.ws = null
    const wait = this.retryMs
    this.retryMs = Math.min(this.retryMs * 2, 10 * SEC)
    this.onState('down', `reconnecting in ${Math.round(wait / 100) / 10} s`)
    setTimeout(() => this.connect(), wait)
  }

  send(msg) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg))
  }

  keepAlive() {
    const ws = this.ws
    if (ws?.readyState !== WebSocket.OPEN) return
    if (Date.now() - this.lastHeard > 30 * SEC) {
      // A dead peer never completes the closing handshake, so the close event cannot be waited for.
      ws.close()
      this.lost(ws)
    } else this.send({ type: 'ping', id: 'keepalive' })
  }
}

// ---------------------------------------------------------------- state

const state = {
  machine: null,
  signature: '',
  health: null,
  clock: 'manual',
  simMs: 0,
  nodeCards: new Map(),
  memChart: null,
  rateChart: null,
  rates: { lastSimMs: null, totals: {} },
  knobs: new Map(),
  token: sessionStorage.getItem('numaemu-token'),
}

function setConn(kind, text) {
  const c = $('conn')
  c.dataset.state = kind
  c.textContent = text
}

function setSimTime(ms) {
  state.simMs = ms
  $('sim-time').textContent = fmtSimTime(ms)
}

// ---------------------------------------------------------------- topology

function renderMachine(m) {
  $('machine-name').textContent = `· ${m.name}`
  $('machine-desc').textContent = m.description ?? ''
  document.title = `numaemu · ${m.name}`

  const byTier = new Map()
  for (const t of [...m.tiers].sort((a, b) => a.id - b.id)) byTier.set(t.id, [])
  const untiered = []
  for (const n of m.nodes) (n.tier !== null && byTier.has(n.tier) ? byTier.get(n.tier) : untiered).push(n)

  state.nodeCards.clear()
  const tiers = $('tiers')
  tiers.replaceChildren()
  const tierItem = (title, note, nodes) => h('li', { class: 'tier' },
    h('div', { class: 'tier-label' }, h('strong', { text: title }), note ? h('small', { text: note }) : null),
    h('div', { class: 'tier-nodes' }, nodes.map(nodeCard)))
  for (const [id, nodes] of byTier) {
    if (nodes.length) tiers.append(tierItem(`Tier ${id}`, nodes.some((n) => n.toptier) ? 'top tier' : 'lower tier', nodes))
  }
  if (untiered.length) tiers.append(tierItem('No tier', 'outside tiering', untiered))

  const table = $('distances')
  table.querySelectorAll('thead, tbody').forEach((e) => e.remove())
  table.append(
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'from \\ to' }), m.nodes.map((n) => h('th', { scope: 'col', text: `node ${n.id}` })))),
    h('tbody', {}, m.nodes.map((n) => h('tr', {},
      h('th', { scope: 'row', text: `node ${n.id}` }),
      n.distances.map((d, j) => h('td', { class: j === m.nodes.indexOf(n) ? 'local' : null, text: d }))))),
  )

  const facts = $('machine-facts')
  facts.replaceChildren(...[
    ['Kernel', m.release], ['Online CPUs', m.cpus], ['Nodes', m.nodes.length], ['Seed', m.seed],
    ['Writes', state.health?.readOnly ? 'refused (read-only daemon)' : 'allowed'],
  ].flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]))
  $('sim-clock').textContent = state.clock === 'manual' ? 'manual (step via API)' : `×${state.clock} real time`
}

function nodeCard(n) {
  const used = h('span')
  const usage = h('div', { class: 'usage', text: '–' })
  const card = h('article', { class: 'node', '--node': nodeColor(n.id), 'aria-labelledby': `node-h-${n.id}` },
    h('h4', { id: `node-h-${n.id}` }, `Node ${n.id}`,
      h('span', { class: `badge ${n.kind}`, text: kindLabel(n.kind) }),
      n.toptier ? h('span', { class: 'badge top', text: 'top tier' }) : null),
    h('dl', {},
      h('dt', { text: 'CPUs' }), h('dd', { text: n.cpus || 'none (memory only)' }),
      h('dt', { text: 'Memory' }), h('dd', { text: `${fmtBytes(n.memoryMiB * 1024 * 1024)} installed, ${fmtBytes(n.memTotalKiB * 1024)} managed` }),
      h('dt', { text: 'Abstract distance' }), h('dd', { text: n.adistance ?? '–' })),
    h('div', { class: 'bar', 'aria-hidden': 'true' }, used),
    usage)
  state.nodeCards.set(n.id, { used, usage })
  return card
}

// ---------------------------------------------------------------- charts and tables

function makeCharts(m) {
  $('mem-chart').replaceChildren()
  $('rate-chart').replaceChildren()
  state.memChart = new Chart($('mem-chart'), {
    series: m.nodes.map((n) => ({ label: `node ${n.id} (${kindLabel(n.kind)})`, color: nodeColor(n.id) })),
    yValue: (v) => (v === null || v === undefined ? '–' : `${+v.toFixed(2)} %`),
    yRange: (_u, _min, max) => [0, Math.max(1, Math.ceil((max || 0) * 1.2))],
  })
  state.rateChart = new Chart($('rate-chart'), {
    // A rate holds for the interval that ends at its point, hence steps drawn backwards.
    series: RATES.map((r) => ({ label: r.label, color: r.color, paths: uPlot.paths.stepped({ align: -1 }), value: (_u, v) => (v === null || v === undefined ? '–' : `${fmtRate(v)}/s`) })),
    yValue: (v) => (v === null || v === undefined ? '–' : fmtRate(v)),
    yRange: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1],
  })
  state.rates = { lastSimMs: null, totals: {} }
  $('totals').replaceChildren(...RATES.map((r) => h('div', {},
    h('dt', {}, h('span', { class: 'dot', '--c': r.color, 'aria-hidden': 'true' }), ` ${r.key}`),
    h('dd', { id: `total-${r.key}`, text: '–' }))))
}

function onMemFrame(f) {
  const pcts = new Map()
  for (const [path, kv] of Object.entries(f.files)) {
    const id = Number(/\/node(\d+)\/meminfo$/.exec(path)?.[1])
    if (!Number.isInteger(id) || typeof kv !== 'object') continue
    const total = kv.MemTotal, used = kv.MemUsed ?? (kv.MemTotal - kv.MemFree)
    const pct = total > 0 ? (used / total) * 100 : 0
    pcts.set(id, pct)
    const card = state.nodeCards.get(id)
    if (card) {
      card.used.style.width = `${Math.min(100, pct)}%`
      card.usage.textContent = `${fmtBytes(used * 1024)} of ${fmtBytes(total * 1024)} used (${pct.toFixed(1)} %)`
    }
  }
  state.memChart.push(f.simMs / SEC, state.machine.nodes.map((n) => pcts.get(n.id) ?? null))
}

/**
 * Rate frames carry per-second changes since the previous frame; a full frame (the
 * first, or after the key set changed) carries absolute counts instead, which reset
 * the totals. Totals are kept by adding rate × elapsed back up, which is exact for
 * integer counters once rounded.
 */
function onRateFrame(f) {
  const r = state.rates
  const vm = f.files['/proc/vmstat']
  if (f.full || r.lastSimMs === null) {
    r.totals = {}
    if (vm && typeof vm === 'object') for (const s of RATES) if (s.key in vm) r.totals[s.key] = vm[s.key]
    // No rate yet, but a gap keeps the time axis in step with the memory chart; after a
    // reconnect at the same instant the last real point is kept instead.
    const last = state.rateChart.lastX
    if (last === null || f.simMs / SEC > last) state.rateChart.push(f.simMs / SEC, RATES.map(() => null))
  } else {
    const dt = f.simMs - r.lastSimMs
    const rates = vm && typeof vm === 'object' ? vm : {}
    for (const s of RATES) if (s.key in r.totals) r.totals[s.key] += Math.round(((rates[s.key] ?? 0) * dt) / SEC)
    state.rateChart.push(f.simMs / SEC, RATES.map((s) => (s.key in r.totals ? rates[s.key] ?? 0 : null)))
  }
  r.lastSimMs = f.simMs
  for (const s of RATES) {
    const dd = $(`total-${s.key}`)
    if (dd) dd.textContent = s.key in r.totals ? intFmt.format(r.totals[s.key]) : 'n/a'
  }
}

function cgroupName(path) {
  const rel = path.replace(/^\/sys\/fs\/cgroup/, '').replace(/\/memory\.numa_stat$/, '')
  return rel || '/'
}

function onCgroupFrame(f) {
  const nodes = state.machine.nodes
  const table = $('cgroups')
  table.tHead.replaceChildren(h('tr', {},
    h('th', { scope: 'col', text: 'cgroup' }),
    nodes.map((n) => h('th', { scope: 'col', text: `node ${n.id} (${kindLabel(n.kind)})` })),
    h('th', { scope: 'col', class: 'num', text: 'total' })))
  const rows = Object.entries(f.files)
    .filter(([, kv]) => kv && typeof kv === 'object')
    .map(([path, kv]) => ({ name: cgroupName(path), per: nodes.map((n) => ({ anon: kv[`anon.N${n.id}`] ?? 0, file: kv[`file.N${n.id}`] ?? 0 })) }))
  let max = 1
  for (const r of rows) for (const p of r.per) max = Math.max(max, p.anon + p.file)
  const body = table.tBodies[0]
  if (!rows.length) {
    body.replaceChildren(h('tr', {}, h('td', { class: 'empty', colspan: nodes.length + 2, text: 'no cgroup with memory.numa_stat' })))
    return
  }
  // Bars share one scale across the table, so cgroups and nodes compare at a glance.
  const part = (cls, bytes) => {
    const e = h('span', { class: cls })
    e.style.width = `${(bytes / max) * 100}%`
    return e
  }
  body.replaceChildren(...rows.map((r) => h('tr', {},
    h('th', { scope: 'row', text: r.name }),
    r.per.map((p) => h('td', {},
      h('div', { class: 'stack', 'aria-hidden': 'true' }, part('anon', p.anon), part('file', p.file)),
      h('span', { class: 'stack-text', text: `anon ${fmtBytes(p.anon)} · file ${fmtBytes(p.file)}` }))),
    h('td', { class: 'num', text: fmtBytes(r.per.reduce((s, p) => s + p.anon + p.file, 0)) }))))
}

// ---------------------------------------------------------------- knobs

function knobId(path) { return `knob${path.replace(/[^A-Za-z0-9]+/g, '-')}` }

function renderKnobs(paths) {
  const box = $('knobs')
  const have = [...state.knobs.keys()]
  if (have.length === paths.length && have.every((p, i) => p === paths[i])) return
  state.knobs.clear()
  box.replaceChildren()
  if (!paths.length) {
    box.append(h('p', { class: 'empty', text: 'This kernel has none of the NUMA balancing or pghot knobs.' }))
    return
  }
  const readOnly = !!state.health?.readOnly
  for (const g of KNOB_GROUPS) {
    const mine = paths.filter(g.test)
    if (!mine.length) continue
    box.append(h('fieldset', {}, h('legend', { text: g.title }), mine.map((p) => knobRow(p, readOnly))))
  }
}

function knobRow(path, readOnly) {
  const id = knobId(path)
  const name = path.slice(path.lastIndexOf('/') + 1)
  const input = h('input', {
    id, name, type: 'text', inputmode: 'text', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': `${id}-hint ${id}-status`, disabled: readOnly,
  })
  const current = h('output', { id: `${id}-current`, for: id, text: '–' })
  const status = h('output', { id: `${id}-status`, class: 'status', role: 'status', 'aria-live': 'polite' })
  const button = h('button', { type: 'submit', disabled: readOnly, text: 'Set' })
  const form = h('form', { class: 'knob', 'data-path': path, novalidate: true },
    h('label', { for: id, text: name }),
    input, button,
    h('span', { class: 'current' }, 'now ', current),
    status,
    h('small', { id: `${id}-hint`, class: 'hint' }, h('code', { text: path }), KNOB_HINTS[path] ? ` · ${KNOB_HINTS[path]}` : null))
  const k = { path, input, current, status, button, value: null, dirty: false, busy: false }
  input.addEventListener('input', () => { k.dirty = true; input.removeAttribute('aria-invalid') })
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { k.dirty = false; input.value = k.value ?? '' }
  })
  form.addEventListener('submit', (e) => { e.preventDefault(); void writeKnob(k) })
  state.knobs.set(path, k)
  return form
}

function showKnobValue(k, text) {
  k.value = text.replace(/\n$/, '')
  k.current.textContent = k.value
  // Never overwrite what someone is typing.
  if (!k.dirty) k.input.value = k.value
}

function onKnobFrame(f) {
  for (const [path, text] of Object.entries(f.files)) {
    const k = state.knobs.get(path)
    if (k && typeof text === 'string') showKnobValue(k, text)
  }
}

async function writeKnob(k) {
  if (k.busy) return
  const value = k.input.value
  k.busy = true
  k.button.disabled = true
  k.status.className = 'status'
  k.status.textContent = 'writing…'
  let result
  try {
    const headers = { 'content-type': 'text/plain; charset=utf-8', accept: 'application/json' }
    if (state.token) headers.authorization = `Bearer ${state.token}`
    const r = await fetch(encodeURI(k.path), { method: 'PUT', headers, body: value })
    if (r.ok) result = { ok: true }
    else {
      const body = await r.json().catch(() => ({}))
      if (r.status === 401) $('token-form').hidden = false
      result = {
        ok: false,
        errno: r.headers.get('x-errno') ?? (r.status === 401 ? 'token needed' : `HTTP ${r.status}`),
        message: body.message, reason: body.reason,
      }
    }
  } catch (err) {
    result = { ok: false, errno: 'no connection', message: err.message }
  }
  k.dirty = false
  // The file is read back either way: a refused write must visibly leave the old value.
  try {
    const r = await fetch(encodeURI(k.path), { cache: 'no-store' })
    if (r.ok) showKnobValue(k, await r.text())
  } catch { /* the stream will bring the value when the daemon is back */ }
  k.input.value = k.value ?? ''
  if (result.ok) {
    k.status.className = 'status ok'
    k.status.textContent = `✓ wrote ${JSON.stringify(value)}`
    k.input.removeAttribute('aria-invalid')
  } else {
    k.status.className = 'status bad'
    k.status.textContent = `${result.errno}${result.message ? ` (${result.message})` : ''}: ${JSON.stringify(value)} refused${result.reason ? ` – ${result.reason}` : ''}`
    k.status.title = k.status.textContent
    k.input.setAttribute('aria-invalid', 'true')
    if (document.activeElement === k.input) k.input.select()
  }
  k.busy = false
  k.button.disabled = !!state.health?.readOnly
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault()
  state.token = $('token-input').value.trim() || null
  if (state.token) sessionStorage.setItem('numaemu-token', state.token)
  else sessionStorage.removeItem('numaemu-token')
  $('token-form').hidden = true
})

// ---------------------------------------------------------------- wiring

/**
 * A sim-clock interval that yields a frame about every `wallMs` of real time whatever
 * the speed of simulated time; with the manual clock, one per step of `wallMs` or more.
 */
function simInterval(clock, wallMs) {
  const factor = clock === 'manual' ? 1 : clock
  return Math.min(3_600_000, Math.max(100, Math.round(wallMs * factor)))
}

async function onOpen(stream) {
  const [machine, sim, health] = await Promise.all([getJson('/api/v1/machine'), getJson('/api/v1/sim'), getJson('/healthz')])
  state.clock = sim.clock
  state.health = health
  // A daemon restarted with another machine (or simulated time that went back) starts the page over.
  const signature = JSON.stringify([machine.name, machine.seed, machine.nodes.map((n) => [n.id, n.kind, n.memTotalKiB])])
  const restarted = state.machine && (signature !== state.signature || sim.ms < state.simMs)
  if (!state.machine || restarted) {
    state.machine = machine
    state.signature = signature
    renderMachine(machine)
    makeCharts(machine)
  } else {
    state.machine = machine
    renderMachine(machine)
  }
  // Rebuilt from the coming `subscribed`, as the new daemon may lack knobs or be read-only.
  state.knobs.clear()
  state.rates.lastSimMs = null
  setSimTime(sim.ms)
  notice(null)

  // In manual mode a sim-clock frame comes with every step of 500 ms or more.
  const chartMs = simInterval(sim.clock, 500)
  stream.send({ type: 'subscribe', id: 'mem', files: ['/sys/devices/system/node/node*/meminfo'], keys: ['MemTotal', 'MemFree', 'MemUsed'], format: 'kv', clock: 'sim', intervalMs: chartMs })
  stream.send({ type: 'subscribe', id: 'rates', files: ['/proc/vmstat'], keys: RATES.map((r) => r.key), format: 'rate', clock: 'sim', intervalMs: chartMs })
  stream.send({ type: 'subscribe', id: 'cgroups', files: ['/sys/fs/cgroup/**/memory.numa_stat'], keys: ['anon', 'file'], format: 'kv', clock: 'sim', intervalMs: simInterval(sim.clock, 1000) })
  // Knobs change by writes, not by time passing, so they follow the wall clock.
  stream.send({ type: 'subscribe', id: 'knobs', files: KNOB_GLOBS, format: 'text', clock: 'wall', intervalMs: 1000 })
}

function onMessage(msg) {
  switch (msg.type) {
    case 'subscribed':
      if (msg.id === 'knobs') renderKnobs(msg.files)
      break
    case 'frame':
      setSimTime(msg.simMs)
      if (msg.sub === 'mem') onMemFrame(msg)
      else if (msg.sub === 'rates') onRateFrame(msg)
      else if (msg.sub === 'cgroups') onCgroupFrame(msg)
      else if (msg.sub === 'knobs') { renderKnobs(Object.keys(msg.files)); onKnobFrame(msg) }
      break
    case 'error':
      notice(`Stream error (${msg.code}${msg.ref !== undefined ? `, ${msg.ref}` : ''}): ${msg.message}`)
      break
    case 'pong':
      setSimTime(msg.simMs)
      break
  }
}

const wsUrl = new URL('/api/v1/stream', location.href)
wsUrl.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
new Stream(wsUrl.href, { onOpen, onMessage, onState: setConn })
