/** Regenerate the README's file table from the registry. */
import { readFileSync, writeFileSync } from 'node:fs'
import { withFilesTable } from '../src/kernfs/doc-table.js'

const readme = readFileSync('README.md', 'utf8')
writeFileSync('README.md', withFilesTable(readme))
