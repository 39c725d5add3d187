/**
 * The dashboard end to end in headless Chromium: the page is served, fed by the
 * stream while simulated time is stepped by hand, writes knobs through the kernel
 * paths, shows a refused write with its errno, and comes back after the daemon
 * restarts. Debian's chromium package is required; without it the test is skipped.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { chromium, type Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/server/app.js'
import { boot } from '../helpers.js'

// Debian's package path; CHROMIUM_PATH points elsewhere on other systems.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (Debian: apt-get install -y chromium)`

async function start(port = 0): Promise<{ app: FastifyInstance; base: string }> {
  const { m } = boot('default')
  const app = await buildApp({ machine: m, clock: 'manual' })
  await app.listen({ host: '127.0.0.1', port })
  return { app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }
}

const knob = (page: Page, path: string) => page.locator(`form[data-path="${path}"]`)

/** Types a value into a knob field the way a person would, and waits for the page to report the outcome. */
async function setKnob(page: Page, path: string, value: string): Promise<{ status: string; current: string }> {
  const form = knob(page, path)
  const status = form.locator('output.status')
  const before = await status.textContent()
  await form.locator('input').fill(value)
  await form.locator('input').press('Enter')
  await page.waitForFunction(
    ([sel, prev]) => { const s = document.querySelector(sel)?.textContent ?? ''; return s !== prev && s !== 'writing…' },
    [`form[data-path="${path}"] output.status`, before] as const, { timeout: 5000 },
  )
  return { status: (await status.textContent()) ?? '', current: (await form.locator('.current output').textContent()) ?? '' }
}

const count = (s: string | null) => Number((s ?? '').replace(/,/g, ''))

t.test('dashboard in headless Chromium', { skip, timeout: 60_000 }, async (t) => {
  let { app, base } = await start()
  t.teardown(() => app.close())
  const port = Number(new URL(base).port)
  const inject = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) })

  const profile = mkdtempSync(join(tmpdir(), 'numaemu-chromium-'))
  t.teardown(() => rmSync(profile, { recursive: true, force: true }))
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 900 }, timeout: 20_000,
  })
  t.teardown(() => ctx.close())
  const page = ctx.pages()[0] ?? await ctx.newPage()
  page.setDefaultTimeout(5000)
  // Refused PUTs and the reconnect below log network errors by design; anything else is a fault of the page.
  const faults: string[] = []
  page.on('pageerror', (e) => faults.push(`pageerror: ${e.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource|WebSocket connection to/.test(msg.text())) faults.push(`console: ${msg.text()}`)
  })

  const res = await page.goto(`${base}/`)
  t.equal(res?.status(), 200, 'GET / serves the page')
  t.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/, 'the page is served with a CSP')
  await page.getByRole('heading', { name: /^Node 0/ }).waitFor()
  await page.getByRole('heading', { name: /^Node 1/ }).waitFor()
  t.match(await page.getByRole('heading', { name: /^Node 1/ }).textContent(), /CXL/, 'node 1 is shown as CXL')
  t.match(await page.locator('#tiers').textContent(), /Tier 4.*top tier.*Tier 22/s, 'tiers in order, the DRAM tier on top')
  await page.waitForFunction(() => document.getElementById('conn')?.dataset.state === 'live')
  t.ok(await page.getByLabel('freq_threshold').isVisible(), 'knob inputs are labelled')
  t.equal(await knob(page, '/sys/kernel/debug/pghot/freq_threshold').locator('.current output').textContent(), '2', 'current value read from the stream')

  // A task in its own cgroup, bound to the CXL node, with a workload hammering its memory.
  t.equal((await inject('POST', '/api/v1/cgroups', { path: '/tiered', enableMemory: true })).statusCode, 201)
  const task = await inject('POST', '/api/v1/tasks', { cpu: 0, cgroup: '/tiered' })
  t.equal(task.statusCode, 201)
  const pid = task.json().pid as number
  t.equal((await inject('PUT', `/api/v1/tasks/${pid}/mempolicy`, { mode: 'bind', nodes: [1] })).statusCode, 200)
  t.equal((await inject('POST', '/api/v1/workloads', { pid, bytes: 64 << 20, threads: 4, cpus: [0, 1, 2, 3] })).statusCode, 201)
  // NUMA balancing scans only default-policy memory (vma_policy_mof), so the binding is
  // dropped once the pages sit on node 1; otherwise no hint fault would ever promote them.
  t.equal((await inject('PUT', `/api/v1/tasks/${pid}/mempolicy`, { mode: 'default' })).statusCode, 200)

  for (const [path, value] of [['/proc/sys/kernel/numa_balancing', '2'], ['/sys/kernel/debug/pghot/enabled_sources', '1'], ['/sys/kernel/debug/pghot/freq_threshold', '1']]) {
    const r = await setKnob(page, path, value)
    t.match(r.status, /✓/, `${path} = ${value} accepted`)
    t.equal(r.current, value, `${path} reads back ${value}`)
  }
  t.equal((await inject('GET', '/proc/sys/kernel/numa_balancing')).body, '2\n', 'the write reached the machine')

  const promoted = page.locator('#total-pgpromote_success')
  const node1Usage = page.locator('article.node').filter({ has: page.getByRole('heading', { name: /^Node 1/ }) }).locator('.usage')
  t.equal(count(await promoted.textContent()), 0, 'nothing promoted before time moves')
  const usageBefore = await node1Usage.textContent()
  let simMs = 0
  let steps = 0
  const rateSeen: number[] = []
  while (steps < 12) {
    t.equal((await inject('POST', '/api/v1/sim/step', { ms: 500 })).statusCode, 200)
    simMs += 500
    steps++
    await page.waitForFunction((text) => document.getElementById('sim-time')?.textContent === text, `${(simMs / 1000).toFixed(2)} s`)
    // The rate frame and the sim-time display are updated by the same frame, but frames of other subscriptions may arrive first.
    await page.waitForTimeout(50)
    rateSeen.push(count(await promoted.textContent()))
    if (rateSeen[rateSeen.length - 1] > 0 && steps >= 4) break
  }
  const total = rateSeen[rateSeen.length - 1]
  t.ok(total > 0, `promotions counted on the page after ${steps} steps (${rateSeen.join(' → ')})`)
  const vmstat = (await inject('GET', '/proc/vmstat')).body
  t.equal(total, Number(/^pgpromote_success (\d+)$/m.exec(vmstat)?.[1]), 'the total summed from rate frames equals /proc/vmstat')
  t.not(await node1Usage.textContent(), usageBefore, 'node 1 memory use moved')
  t.ok(await page.locator('#rate-chart .u-legend').getByText(/\/s$/).count() > 0, 'the rate chart legend shows rates')
  t.ok(await page.locator('#cgroups tbody th', { hasText: /^\/tiered$/ }).isVisible(), 'a cgroup made after subscribing shows up')

  // A refused write: EINVAL shown, the old value stays, in the file and in the field.
  const refused = await setKnob(page, '/sys/kernel/debug/pghot/freq_threshold', '9')
  t.match(refused.status, /EINVAL/, 'freq_threshold 9 shows EINVAL')
  t.equal(refused.current, '1', 'the current value stays 1')
  t.equal(await knob(page, '/sys/kernel/debug/pghot/freq_threshold').locator('input').inputValue(), '1', 'the field goes back to 1')
  t.equal((await inject('GET', '/sys/kernel/debug/pghot/freq_threshold')).body, '1\n', 'the kernel value stays 1')

  const shots = mkdtempSync(join(tmpdir(), 'numaemu-dashboard-'))
  const shot = join(shots, 'dashboard.png')
  await page.screenshot({ path: shot, fullPage: true })
  t.comment(`screenshot: ${shot}`)

  // The daemon restarts on the same port: the page reconnects and starts over from the new machine's time.
  await app.close()
  await page.waitForFunction(() => document.getElementById('conn')?.dataset.state === 'down')
  ;({ app, base } = await start(port))
  await page.waitForFunction(() => document.getElementById('conn')?.dataset.state === 'live', undefined, { timeout: 10_000 })
  t.equal(await page.locator('#sim-time').textContent(), '0.00 s', 'simulated time of the new daemon')
  t.equal(await knob(page, '/sys/kernel/debug/pghot/freq_threshold').locator('.current output').textContent(), '2', 'knobs read from the new daemon')
  t.equal(count(await promoted.textContent()), 0, 'totals start over')

  t.same(faults, [], 'no script errors or CSP violations')
})
