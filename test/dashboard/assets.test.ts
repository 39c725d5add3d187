/**
 * What the dashboard route serves, without a browser: the page, its own script and
 * style, uPlot from node_modules, revalidation by ETag, and nothing beyond that list.
 */
import t from 'tap'
import { buildApp } from '../../src/server/app.js'
import { boot } from '../helpers.js'

t.test('the dashboard and its assets', async (t) => {
  const app = await buildApp({ machine: boot('default').m })
  t.teardown(() => app.close())

  const page = await app.inject({ method: 'GET', url: '/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.headers['content-security-policy'], /default-src 'none'.*script-src 'self'/)
  t.match(page.body, /<script type="module" src="\/assets\/dashboard\.js">/)

  for (const [url, type] of [
    ['/assets/dashboard.js', /^text\/javascript/], ['/assets/dashboard.css', /^text\/css/],
    ['/assets/uplot.esm.js', /^text\/javascript/], ['/assets/uplot.min.css', /^text\/css/],
  ] as const) {
    const r = await app.inject({ method: 'GET', url })
    t.equal(r.statusCode, 200, url)
    t.match(r.headers['content-type'], type, `${url} content type`)
    t.equal(r.headers['cache-control'], 'no-cache', `${url} is revalidated`)
    const again = await app.inject({ method: 'GET', url, headers: { 'if-none-match': String(r.headers.etag) } })
    t.equal(again.statusCode, 304, `${url} answers 304 to its ETag`)
    t.equal(again.body, '')
  }
  t.match((await app.inject({ method: 'GET', url: '/assets/uplot.esm.js' })).body, /export \{ uPlot as default \}/, 'uPlot as an ES module')
  t.equal((await app.inject({ method: 'HEAD', url: '/' })).statusCode, 200, 'HEAD /')

  for (const url of ['/assets/', '/assets/../package.json', '/assets/%2e%2e/package.json', '/assets/index.html', '/index.html']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 404, `${url} is not served`)
  }
  t.equal((await app.inject({ method: 'GET', url: '/proc/sys/kernel/numa_balancing' })).body, '1\n', 'kernel paths still answer')
})
