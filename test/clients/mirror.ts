/**
 * Copies what a running numaemu serves into a directory at the files' real paths
 * (DIR/proc/meminfo, DIR/sys/devices/system/node/node0/meminfo, ...), so that real
 * tools can read them: through a --path.procfs style option, or bind-mounted over
 * the host's files in a private mount namespace.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

export interface MirrorResult {
  written: string[]
  /** Paths the server refused to read (write-only files), with the status it gave. */
  refused: Array<{ path: string; status: number }>
}

/**
 * Fetch every path over HTTP rather than rendering it in-process, so the tools see
 * exactly the bytes a client of the daemon gets.
 */
export async function mirrorServed(baseUrl: string, paths: readonly string[], dir: string): Promise<MirrorResult> {
  const out: MirrorResult = { written: [], refused: [] }
  for (const path of paths) {
    const res = await fetch(baseUrl + path, { signal: AbortSignal.timeout(5000) })
    const body = await res.text()
    if (res.status !== 200) {
      out.refused.push({ path, status: res.status })
      continue
    }
    const target = join(dir, path)
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, body)
    out.written.push(path)
  }
  return out
}
