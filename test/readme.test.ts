import t from 'tap'
import { readFileSync } from 'node:fs'
import { filesTable } from '../src/kernfs/doc-table.js'

t.test('the README file table is the one the registry generates (run `npm run docs`)', async (t) => {
  t.ok(readFileSync('README.md', 'utf8').includes(filesTable()))
})

t.test('the README quick start is the two commands CI runs', async (t) => {
  const readme = readFileSync('README.md', 'utf8')
  t.match(readme, /```sh\nnpm ci && npm start .*\nnpm ci && npm test .*\n```/)
  t.match(readFileSync('.ci/run', 'utf8'), /npm test/)
})
