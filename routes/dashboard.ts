/**
 * The dashboard: GET / is a page that watches the machine through the stream and
 * the JSON API, and /assets/ holds its script, its style and uPlot. uPlot is served
 * straight from node_modules so the page needs neither a build step nor a CDN.
 * Only a fixed list of files is served, so no request path ever reaches the disk.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

interface Asset { body: Buffer; type: string; etag: string }

const here = dirname(fileURLToPath(import.meta.url))

/** public/ sits next to routes/ in the source tree and two levels up from dist/routes/. */
function publicDir(): string | null {
  for (const dir of [join(here, '..', 'public'), join(here, '..', '..', 'public')]) {
    if (existsSync(join(dir, 'index.html'))) return dir
  }
  return null
}

function uplotDir(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('uplot'))
  } catch {
    return null
  }
}

function load(file: string, type: string): Asset {
  const body = readFileSync(file)
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
}

/**
 * The page talks only to this origin. uPlot positions its parts through element.style,
 * which CSP's style-src does not govern, so no 'unsafe-inline' is needed.
 */
const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
  "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ')

export default async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const pub = publicDir()
  const uplot = uplotDir()
  const assets = new Map<string, Asset>()
  if (pub) {
    assets.set('/', load(join(pub, 'index.html'), 'text/html; charset=utf-8'))
    assets.set('/assets/dashboard.js', load(join(pub, 'dashboard.js'), 'text/javascript; charset=utf-8'))
    assets.set('/assets/dashboard.css', load(join(pub, 'dashboard.css'), 'text/css; charset=utf-8'))
  }
  if (uplot) {
    assets.set('/assets/uplot.esm.js', load(join(uplot, 'uPlot.esm.js'), 'text/javascript; charset=utf-8'))
    assets.set('/assets/uplot.min.css', load(join(uplot, 'uPlot.min.css'), 'text/css; charset=utf-8'))
  }
  // A daemon installed without the page still runs; only the page is missing.
  if (!pub || !uplot) app.log.warn({ public: pub, uplot }, 'dashboard files not found; GET / answers 404')

  const serve = (url: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    const a = assets.get(url)
    if (!a) {
      return reply.code(404).type('text/plain; charset=utf-8')
        .send('numaemu: the dashboard is not installed (public/ or node_modules/uplot missing); the API is at /api/v1\n')
    }
    // Revalidated on every load, so a restarted daemon with a newer page is picked up at once.
    reply.header('cache-control', 'no-cache').header('etag', a.etag).header('x-content-type-options', 'nosniff')
    if (url === '/') reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer')
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send()
    return reply.type(a.type).send(a.body)
  }

  for (const url of ['/', '/assets/dashboard.js', '/assets/dashboard.css', '/assets/uplot.esm.js', '/assets/uplot.min.css']) {
    app.get(url, { schema: { hide: true } }, serve(url))
  }
}
