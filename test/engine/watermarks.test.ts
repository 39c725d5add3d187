/**
 * The watermark, lowmem-reserve and pcp formulas against the real 6.18 zoneinfo:
 * fed the sample's managed page counts, they must give its numbers exactly.
 */
import t from 'tap'
import { Zone } from '../../src/engine/zone.js'
import {
  defaultMinFreeKbytes, setupLowmemReserve, setupPagesets, setupPerZoneWmarks, statThreshold, thpRecommendedMinFreeKbytes,
} from '../../src/engine/watermarks.js'
import { fixture } from '../helpers.js'

interface SampleZone { type: string; managed: number; min: number; low: number; high: number; promo: number; protection: number[]; batch?: number; highMin?: number; highMax?: number; threshold?: number }

function sampleZones(): SampleZone[] {
  return fixture('proc/zoneinfo').split(/^(?=Node \d+, zone)/m).map((b) => {
    const n = (re: RegExp) => { const m = re.exec(b); return m ? Number(m[1]) : undefined }
    return {
      type: /zone\s+(\S+)/.exec(b)![1],
      managed: n(/managed\s+(\d+)/)!, min: n(/min\s+(\d+)/)!, low: n(/low\s+(\d+)/)!, high: n(/high\s+(\d+)/)!, promo: n(/promo\s+(\d+)/)!,
      protection: /protection: \(([^)]*)\)/.exec(b)![1].split(', ').map(Number),
      batch: n(/batch:\s+(\d+)/), highMin: n(/high_min:\s+(\d+)/), highMax: n(/high_max:\s+(\d+)/), threshold: n(/vm stats threshold:\s+(\d+)/),
    }
  })
}

const samples = sampleZones()
const zones = samples.map((s, i) => new Zone(0, i, s.type as never, 0, s.managed, s.managed, 0))

t.test('khugepaged raises min_free_kbytes to the sample\'s 67584', async (t) => {
  // At boot the watermarks are still zero when the sqrt rule runs.
  t.equal(defaultMinFreeKbytes(zones), 9238)
  setupPerZoneWmarks(zones, 9238, 10)
  t.equal(thpRecommendedMinFreeKbytes(zones), 67584)
  t.equal(Number(fixture('proc/sys/vm/min_free_kbytes')), 67584)
})

t.test('min/low/high/promo and protection of every zone', async (t) => {
  setupPerZoneWmarks(zones, 67584, 10)
  setupLowmemReserve(zones)
  zones.forEach((z, i) => {
    const s = samples[i]
    t.same(z.wmark, { min: s.min, low: s.low, high: s.high, promo: s.promo }, `${s.type} watermarks`)
    t.same(z.lowmemReserve, s.protection, `${s.type} protection`)
  })
})

t.test('pageset batch, high_min, high_max and stat threshold', async (t) => {
  zones.forEach((z, i) => {
    const s = samples[i]
    if (s.batch === undefined) return
    setupPagesets(z, 2, 2)
    t.equal(z.pageset.batch, s.batch, `${s.type} batch`)
    t.equal(z.pageset.highMin, s.highMin, `${s.type} high_min`)
    t.equal(z.pageset.highMax, s.highMax, `${s.type} high_max`)
    t.equal(statThreshold(z, 2), s.threshold, `${s.type} threshold`)
  })
})
