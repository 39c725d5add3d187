#!/usr/bin/env node
/** numaemu command line: start the daemon on a preset or a machine config file. */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { isIP } from 'node:net'
import { ConfigError, presetSpec, resolveConfig } from './config/load.js'
import { PRESET_NAMES } from './config/presets.js'
// The engine, the server and the logger are imported in main() only, when the daemon
// starts: `numaemu run` and `--help` then do not load fastify, pino and the routes.

const HELP = `numaemu - a simulated Linux machine with NUMA memory tiering, served over HTTP

Usage:
  numaemu [--config FILE | --preset NAME] [--host H] [--port P] [--seed N]
          [--log-level L] [--token T | --read-only]
  numaemu run SCENARIO.json [--json] [--series MS] [--quiet]
                    run a scenario file and report (numaemu run --help)

Options:
  --config FILE     machine config (JSON, see README "Machine config")
  --preset NAME     a shipped machine: ${PRESET_NAMES.join(', ')} (default: default)
  --host H          address to bind (default 127.0.0.1, or $HOST)
  --port P          port (default 7070, or $PORT)
  --seed N          seed of every random choice (default: the config's seed)
  --log-level L     fatal, error, warn, info, debug, trace or silent (default info)
  --token T         require "Authorization: Bearer T" on writes (needed off loopback)
  --read-only       refuse every write with EROFS (also allows binding off loopback)
  --mirror DIR      keep DIR/proc/... and DIR/sys/... in step with the files, for agents
                    that read files (node_exporter --path.procfs=DIR/proc --path.sysfs=DIR/sys)
  --mirror-interval MS  how often the mirror is refreshed, wall ms (default 1000)
  --clock C         simulated time: "real" (default), "xN" (N times faster) or "manual"
                    (only POST /api/v1/sim/step moves it)
  -h, --help        this text
`

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  return host === '::1' || host === '[::1]'
}

function fail(message: string): never {
  process.stderr.write(`numaemu: ${message}\n`)
  process.exit(2)
}

async function main(): Promise<void> {
  let args
  try {
    args = parseArgs({
      options: {
        config: { type: 'string' }, preset: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' },
        seed: { type: 'string' }, 'log-level': { type: 'string' }, token: { type: 'string' }, 'read-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }, clock: { type: 'string' }, mirror: { type: 'string' }, 'mirror-interval': { type: 'string' },
      },
      strict: true,
    }).values
  } catch (err) {
    fail(`${(err as Error).message}\n\n${HELP}`)
  }
  if (args.help) { process.stdout.write(HELP); return }
  if (args.config && args.preset) fail('--config and --preset are mutually exclusive')
  const host = args.host ?? process.env.HOST ?? '127.0.0.1'
  const portText = args.port ?? process.env.PORT ?? '7070'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65535) fail(`--port: "${portText}" is not a port number`)
  let seed: number | undefined
  if (args.seed !== undefined) {
    if (!/^\d+$/.test(args.seed) || Number(args.seed) > 4294967295) fail(`--seed: "${args.seed}" is not an integer in 0..4294967295`)
    seed = Number(args.seed)
  }
  const clockArg = args.clock ?? 'real'
  let clock: 'manual' | number
  if (clockArg === 'manual') clock = 'manual'
  else if (clockArg === 'real') clock = 1
  else if (/^x\d+(\.\d+)?$/.test(clockArg) && Number(clockArg.slice(1)) > 0) clock = Number(clockArg.slice(1))
  else fail(`--clock: "${clockArg}" is not real, manual or xN`)
  const mirrorMs = Number(args['mirror-interval'] ?? '1000')
  if (!Number.isInteger(mirrorMs) || mirrorMs < 10) fail(`--mirror-interval: "${args['mirror-interval']}" is not a whole number of ms ≥ 10`)
  const level = args['log-level'] ?? 'info'
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) fail(`--log-level: unknown level "${level}"`)
  if (!isLoopback(host) && !args.token && !args['read-only']) {
    fail(`refusing to listen on ${host} without --token or --read-only: anyone who can reach it could change the machine`)
  }

  let spec
  try {
    if (args.config) {
      let text: string
      try { text = readFileSync(args.config, 'utf8') } catch (err) { fail(`--config: cannot read ${args.config}: ${(err as Error).message}`) }
      let json: unknown
      try { json = JSON.parse(text) } catch (err) { fail(`--config: ${args.config} is not valid JSON: ${(err as Error).message}`) }
      spec = resolveConfig(json, args.config)
      if (seed !== undefined) spec = { ...spec, seed }
    } else {
      spec = presetSpec(args.preset ?? 'default', seed)
    }
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }

  const [{ default: pino }, { createMachine }, { buildApp }, { Mirror }] = await Promise.all([
    import('pino'), import('./engine/index.js'), import('./server/app.js'), import('./server/mirror.js'),
  ])
  const logger = pino({ level })
  const machine = createMachine(spec)
  const app = await buildApp({ machine, token: args.token ?? null, readOnly: args['read-only'] ?? false, logger, clock })
  const close = async () => { await app.close(); process.exit(0) }
  process.on('SIGINT', close)
  process.on('SIGTERM', close)
  if (args.mirror) {
    const mirror = new Mirror(app.kernfs, args.mirror, () => machine.generation)
    try { mirror.sync() } catch (err) { fail(`--mirror: cannot write ${args.mirror}: ${(err as Error).message}`) }
    const timer = setInterval(() => {
      try { mirror.sync() } catch (err) { logger.error({ err }, 'mirror update failed') }
    }, mirrorMs)
    app.addHook('onClose', async () => clearInterval(timer))
    logger.info({ dir: args.mirror, intervalMs: mirrorMs }, 'mirroring files')
  }
  await app.listen({ host, port })
  logger.info({ machine: spec.name, nodes: spec.nodes.length, cpus: machine.onlineCpus().length, seed: spec.seed }, 'machine booted')
}

// The scenario runner is its own command with its own flags, so it is picked out
// before the daemon parses (and would refuse) them.
if (process.argv[2] === 'run') {
  const { runCommand } = await import('./scenario/cli.js')
  process.exitCode = await runCommand(process.argv.slice(3))
} else {
  await main()
}
