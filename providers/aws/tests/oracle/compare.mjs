// Compare our decisions (ours.jsonl, from main.rs) with iam-simulate's on
// every generated case (cases.jsonl) and fail below the agreement threshold.
//
//   node compare.mjs cases.jsonl ours.jsonl [min-agreement-percent]
//
// Requests iam-simulate refuses to evaluate (its input validation) are
// counted apart and excluded from the agreement; they must stay rare.
// Disagreements are grouped by a signature so each class can be matched to
// an entry in DISAGREEMENTS.md; KNOWN_CLASSES below names the understood ones.
import { readFileSync, writeFileSync } from 'node:fs'
import { simulate } from './lib.mjs'

const [casesPath, oursPath, minArg] = process.argv.slice(2)
const MIN = Number(minArg || 99.5)
const cases = readFileSync(casesPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
const ours = new Map(
  readFileSync(oursPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .map((o) => [o.id, o])
)

let total = 0
let agree = 0
let oracleErrors = 0
const ourErrors = []
const classes = new Map()
const oracleErrorKinds = new Map()
const details = []
for (const c of cases) {
  const mine = ours.get(c.id)
  if (!mine || mine.error) {
    ourErrors.push(`${c.id}: ${mine ? mine.error : 'missing'}`)
    continue
  }
  const theirs = await simulate(c)
  for (const [i, t] of theirs.results.entries()) {
    const m = mine.results[i]
    if (String(t.decision).startsWith('error')) {
      oracleErrors++
      const msg = t.decision.replace(/"(rcp|scp|id|pb)[0-9-]+"/g, '"$1"').slice(0, 300)
      oracleErrorKinds.set(msg, (oracleErrorKinds.get(msg) || 0) + 1)
      continue
    }
    total++
    if (m.decision === t.decision) {
      agree++
      continue
    }
    const cls = await classify(c, i, m.decision)
    const key = `${cls}: ours=${m.decision} theirs=${t.decision}`
    const list = classes.get(key) || []
    list.push(`${c.id}#${i}`)
    details.push({ id: c.id, request: i, ours: m.decision, theirs: t.decision, ignoredContextKeys: t.ignoredContextKeys, input: c })
    classes.set(key, list)
  }
}

// Attribute a disagreement to a class of DISAGREEMENTS.md by re-running the
// oracle on the input with that class's trigger removed: if it then agrees
// with us, the class explains the case. Anything else is UNEXPLAINED.
async function classify(c, i, ours) {
  const one = (x) => ({ ...x, requests: [x.requests[i]] })
  const agreesWhen = async (x) => (await simulate(one(x))).results[0].decision === ours
  const ctx = c.requests[i].context || {}
  // 1. aws:EpochTime given in seconds, compared with an ISO date.
  if (ctx['aws:EpochTime'] && JSON.stringify(c).includes('Date')) {
    const x = structuredClone(c)
    x.requests[i].context['aws:EpochTime'] = new Date(Number(ctx['aws:EpochTime']) * 1000).toISOString().replace('.000Z', 'Z')
    if (await agreesWhen(x)) return 'epoch-seconds'
  }
  // 2. IPv6 source address against IPv4-only NotIpAddress lists.
  if (String(ctx['aws:SourceIp'] || '').includes(':')) {
    const x = structuredClone(c)
    x.requests[i].context['aws:SourceIp'] = '192.0.2.250'
    if (await agreesWhen(x)) return 'ip-family'
  }
  // 3. A same-account resource policy naming the session ARN: not limited
  //    by the session policy.
  if (c.session_policy && c.resource_policy && c.principal.includes(':assumed-role/')) {
    const x = structuredClone(c)
    delete x.session_policy
    if (await agreesWhen(x)) return 'session-arn-grant'
  }
  return 'UNEXPLAINED'
}

const pct = total ? (100 * agree) / total : 0
console.log(`cases: ${cases.length}, requests compared: ${total}, agree: ${agree} (${pct.toFixed(2)}%)`)
console.log(`oracle refused (input validation): ${oracleErrors}; our errors: ${ourErrors.length}`)
for (const [m, n] of oracleErrorKinds) console.log(`  ${n}\toracle refused: ${m}`)
for (const e of ourErrors.slice(0, 10)) console.log('  ours: ' + e)
for (const [k, ids] of [...classes].sort((a, b) => b[1].length - a[1].length))
  console.log(`  ${ids.length}\t${k}\t${ids.slice(0, 6).join(' ')}`)
if (process.env.ORACLE_DETAILS) writeFileSync(process.env.ORACLE_DETAILS, details.map((d) => JSON.stringify(d)).join('\n') + '\n')
let fail = false
const unexplained = [...classes].filter(([k]) => k.startsWith('UNEXPLAINED'))
if (unexplained.length) {
  console.log('FAIL: disagreements outside the classes of DISAGREEMENTS.md (rerun with ORACLE_DETAILS=file)')
  fail = true
}
if (pct < MIN) {
  console.log(`FAIL: agreement ${pct.toFixed(2)}% < ${MIN}%`)
  fail = true
}
if (ourErrors.length > 0) {
  console.log('FAIL: our evaluator rejected generated inputs')
  fail = true
}
if (oracleErrors > total * 0.02) {
  console.log('FAIL: the oracle refused more than 2% of requests: the generator drifted from valid input')
  fail = true
}
process.exit(fail ? 1 : 0)
