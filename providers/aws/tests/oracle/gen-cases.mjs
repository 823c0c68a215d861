// Deterministic generator of differential cases for `aws simulate`: every
// line of the output is one contract-shaped input (shared/contract.md) with
// an `id`. A fixed seed makes the corpus identical on every run and machine,
// so a disagreement is reproducible by its id.
//
//   node gen-cases.mjs [count] [seed] > cases.jsonl
//
// Coverage: every condition operator family (String, Numeric, Date, Bool,
// IpAddress, Arn, Null; IfExists; ForAllValues/ForAnyValue; IgnoreCase),
// wildcards and case changes in Action and Resource, NotAction/NotResource,
// explicit Deny, permission boundaries, SCPs at several levels, RCPs,
// session policies, same- and cross-account resource policies, role trust
// policies, and absent context keys.
//
// Only requests iam-simulate accepts are generated: real actions from
// iam-data, resources of the action's single resource type, `*` for
// wildcard-only actions, and global condition keys (iam-simulate drops keys
// that do not apply to the action before evaluating).

const COUNT = Number(process.argv[2] || 3200)
let seed = Number(process.argv[3] || 20260415) >>> 0

// mulberry32: small, fast, and the same in every JS engine.
function rnd() {
  seed = (seed + 0x6d2b79f5) >>> 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = (a) => a[Math.floor(rnd() * a.length)]
const chance = (p) => rnd() < p
const some = (a, min, max) => {
  const n = min + Math.floor(rnd() * (max - min + 1))
  const out = []
  for (let i = 0; i < n; i++) out.push(pick(a))
  return [...new Set(out)]
}

const ACCT = '111122223333'
const OTHER = '444455556666'

// [action, resource (or a function of the account), resource account given?]
const TARGETS = [
  ['s3:GetObject', () => 'arn:aws:s3:::data-bucket/reports/2026/q1.csv'],
  ['s3:PutObject', () => 'arn:aws:s3:::data-bucket/uploads/file.bin'],
  ['s3:DeleteObject', () => 'arn:aws:s3:::logs-bucket/app/log.txt'],
  ['s3:ListBucket', () => 'arn:aws:s3:::data-bucket'],
  ['s3:DeleteBucket', () => 'arn:aws:s3:::logs-bucket'],
  ['s3:PutBucketPolicy', () => 'arn:aws:s3:::data-bucket'],
  ['s3:ListAllMyBuckets', () => '*'],
  ['iam:CreateUser', (a) => `arn:aws:iam::${a}:user/bob`],
  ['iam:PutUserPolicy', (a) => `arn:aws:iam::${a}:user/ops/carol`],
  ['iam:PassRole', (a) => `arn:aws:iam::${a}:role/app-role`],
  ['iam:GetRole', (a) => `arn:aws:iam::${a}:role/app-role`],
  ['iam:ListRoles', () => '*'],
  ['ec2:DescribeInstances', () => '*'],
  ['ec2:TerminateInstances', (a) => `arn:aws:ec2:us-east-1:${a}:instance/i-0abc123`],
  ['ec2:StopInstances', (a) => `arn:aws:ec2:eu-west-1:${a}:instance/i-0def456`],
  ['dynamodb:GetItem', (a) => `arn:aws:dynamodb:us-east-1:${a}:table/orders`],
  ['dynamodb:DeleteTable', (a) => `arn:aws:dynamodb:us-east-1:${a}:table/Orders`],
  ['sqs:SendMessage', (a) => `arn:aws:sqs:us-east-1:${a}:jobs`],
  ['sqs:DeleteQueue', (a) => `arn:aws:sqs:us-east-1:${a}:jobs`],
  ['sns:Publish', (a) => `arn:aws:sns:us-east-1:${a}:alerts`],
  ['lambda:InvokeFunction', (a) => `arn:aws:lambda:us-east-1:${a}:function:resize`],
  ['lambda:UpdateFunctionCode', (a) => `arn:aws:lambda:us-east-1:${a}:function:resize`],
  ['secretsmanager:GetSecretValue', (a) => `arn:aws:secretsmanager:us-east-1:${a}:secret:db-pass-AbCdEf`],
  ['kms:Decrypt', (a) => `arn:aws:kms:us-east-1:${a}:key/1234abcd-12ab-34cd-56ef-1234567890ab`],
  ['kms:ScheduleKeyDeletion', (a) => `arn:aws:kms:us-east-1:${a}:key/1234abcd-12ab-34cd-56ef-1234567890ab`],
  ['sts:AssumeRole', (a) => `arn:aws:iam::${a}:role/deploy`],
  ['logs:DeleteLogGroup', (a) => `arn:aws:logs:us-east-1:${a}:log-group:/app/web`],
  ['cloudformation:CreateStack', (a) => `arn:aws:cloudformation:us-east-1:${a}:stack/web/abc-123`]
]

const PRINCIPALS = [
  `arn:aws:iam::${ACCT}:user/alice`,
  `arn:aws:iam::${ACCT}:user/team/dev/bob`,
  `arn:aws:iam::${ACCT}:role/app-role`,
  `arn:aws:sts::${ACCT}:assumed-role/app-role/session-1`,
  `arn:aws:sts::${ACCT}:assumed-role/deploy/ci`,
  `arn:aws:iam::${OTHER}:user/mallory`,
  `arn:aws:sts::${OTHER}:assumed-role/partner/s`
]

// Context keys, their generators, and condition values that sometimes match.
const KEYS = {
  'aws:PrincipalTag/team': {
    type: 'string',
    values: () => pick(['red', 'Red', 'blue', 'red-ops', 'green']),
    cond: () => some(['red', 'RED', 'blue', 're*', '*-ops', 'gr?en', 'yellow'], 1, 2)
  },
  'aws:RequestedRegion': {
    type: 'string',
    values: () => pick(['us-east-1', 'eu-west-1', 'ap-south-1', 'US-EAST-1']),
    cond: () => some(['us-east-1', 'eu-*', 'us-*', 'ap-south-?', 'US-east-1'], 1, 2)
  },
  'aws:username': {
    type: 'string',
    values: () => pick(['alice', 'bob', 'Alice']),
    cond: () => some(['alice', 'ALICE', 'b*', 'carol'], 1, 2)
  },
  'aws:MultiFactorAuthAge': {
    type: 'numeric',
    values: () => pick(['30', '3600', '7200', '86400', '0']),
    cond: () => some(['60', '3600', '7200', '100000'], 1, 2)
  },
  'aws:EpochTime': {
    type: 'numeric_or_date',
    values: () => pick(['1767225600', '1798761600', '1700000000']),
    cond: () => some(['1767225600', '1780000000', '2026-01-01T00:00:00Z'], 1, 1)
  },
  'aws:CurrentTime': {
    type: 'date',
    values: () => pick(['2026-01-01T00:00:00Z', '2026-06-15T12:30:00Z', '2025-12-31T23:59:59Z']),
    cond: () => some(['2026-01-01T00:00:00Z', '2026-03-01', '2026-06-15T12:30:00Z', '2027-01-01T00:00:00Z'], 1, 2)
  },
  'aws:TokenIssueTime': {
    type: 'date',
    values: () => pick(['2026-02-01T08:00:00Z', '2025-01-01T00:00:00Z']),
    cond: () => some(['2026-01-01T00:00:00Z', '2025-06-01T00:00:00Z'], 1, 1)
  },
  'aws:SecureTransport': {
    type: 'bool',
    values: () => pick(['true', 'false']),
    cond: () => [pick(['true', 'false'])]
  },
  'aws:MultiFactorAuthPresent': {
    type: 'bool',
    values: () => pick(['true', 'false']),
    cond: () => [pick(['true', 'false'])]
  },
  'aws:SourceIp': {
    type: 'ip',
    values: () => pick(['203.0.113.7', '198.51.100.20', '10.1.2.3', '2001:db8::1']),
    cond: () => some(['203.0.113.0/24', '10.0.0.0/8', '198.51.100.20', '2001:db8::/32', '192.0.2.0/24'], 1, 2)
  },
  'aws:SourceArn': {
    type: 'arn',
    values: () => pick([`arn:aws:sns:us-east-1:${ACCT}:alerts`, `arn:aws:s3:::data-bucket`, `arn:aws:lambda:us-east-1:${OTHER}:function:x`]),
    cond: () =>
      some([`arn:aws:sns:us-east-1:${ACCT}:alerts`, `arn:aws:sns:*:${ACCT}:*`, 'arn:aws:s3:::data-*', `arn:aws:lambda:*:*:function:*`, 'arn:aws:s3:::DATA-bucket'], 1, 2)
  },
  'aws:TagKeys': {
    type: 'multi',
    values: () => some(['env', 'team', 'owner', 'Cost'], 0, 3),
    cond: () => some(['env', 'team', 'cost', 'o*'], 1, 3)
  },
  'aws:PrincipalServiceNamesList': {
    type: 'multi',
    values: () => some(['ec2.amazonaws.com', 'lambda.amazonaws.com'], 0, 2),
    cond: () => some(['ec2.amazonaws.com', 'lambda.*', 's3.amazonaws.com'], 1, 2)
  }
}

const OPS = {
  string: ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'],
  numeric: ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals'],
  date: ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'],
  bool: ['Bool'],
  ip: ['IpAddress', 'NotIpAddress'],
  arn: ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'],
  multi: ['StringEquals', 'StringLike', 'StringNotEquals', 'StringNotLike']
}

function condition() {
  const block = {}
  const n = chance(0.75) ? 1 : 2
  for (let i = 0; i < n; i++) {
    const key = pick(Object.keys(KEYS))
    const k = KEYS[key]
    if (chance(0.1)) {
      block.Null = { ...(block.Null || {}), [key]: pick(['true', 'false']) }
      continue
    }
    let type = k.type
    let vals = k.cond()
    // aws:EpochTime compares as a number or a date; an ISO date only as a date.
    if (type === 'numeric_or_date') type = vals.some((v) => v.includes('T')) ? 'date' : pick(['numeric', 'date'])
    let op = pick(OPS[type])
    if (type === 'multi') op = `${pick(['ForAllValues', 'ForAnyValue'])}:${op}`
    if (op !== 'Bool' && type !== 'multi' && chance(0.2)) op += 'IfExists'
    else if (op === 'Bool' && chance(0.2)) op = 'BoolIfExists'
    block[op] = { ...(block[op] || {}), [key]: vals.length === 1 && chance(0.5) ? vals[0] : vals }
  }
  return block
}

// Action patterns that match the target action in various ways, or not.
function actionPattern(action) {
  const [svc, name] = action.split(':')
  const other = pick(TARGETS)[0]
  return pick([
    action,
    action,
    action.toLowerCase(),
    `${svc.toUpperCase()}:${name}`,
    `${svc}:*`,
    `${svc}:${name.slice(0, 3)}*`,
    `${svc}:*${name.slice(-4)}`,
    `${svc}:${name.replace(/^./, '?')}`,
    `${svc}:${name.slice(0, -1)}`,
    '*',
    other,
    `${other.split(':')[0]}:*`,
    `${svc}:Describe*`
  ])
}

function resourcePattern(resource) {
  if (resource === '*') return pick(['*', '*', 'arn:aws:s3:::*'])
  const parts = resource.split(':')
  const last = parts[5] || ''
  return pick([
    resource,
    resource,
    '*',
    parts.slice(0, 5).join(':') + ':*',
    resource.replace(/[^/:]+$/, '*'),
    resource.slice(0, -2) + '??',
    resource.replace(/:\d{12}:/, ':*:'),
    resource.replace(ACCT, OTHER),
    resource.toUpperCase(),
    parts.slice(0, 5).join(':') + ':' + last.split(/[/:]/)[0] + '*',
    'arn:aws:s3:::data-bucket/*',
    resource + '/extra'
  ])
}

function statement(target, { effect, principal, rcp } = {}) {
  const [action, resource] = target
  const s = { Effect: effect || (chance(0.75) ? 'Allow' : 'Deny') }
  if (chance(0.3)) s.Sid = `S${Math.floor(rnd() * 1000)}`
  const acts = some([0, 1, 2], 1, 2).map(() => actionPattern(action))
  // RCPs allow neither NotAction nor Action "*" (Organizations User Guide,
  // "RCP syntax").
  if (rcp) s.Action = [...new Set(acts)].filter((a) => a !== '*').concat(acts.includes('*') ? [`${action.split(':')[0]}:*`] : [])
  else if (chance(0.15)) s.NotAction = [...new Set(acts)]
  else s.Action = acts.length === 1 && chance(0.5) ? acts[0] : [...new Set(acts)]
  const res = some([0, 1], 1, 2).map(() => resourcePattern(resource))
  if (chance(0.12)) s.NotResource = [...new Set(res)]
  else s.Resource = res.length === 1 ? res[0] : [...new Set(res)]
  if (principal) s.Principal = principal
  if (chance(0.4)) s.Condition = condition()
  return s
}

const policy = (stmts) => ({ Version: '2012-10-17', Statement: stmts })

function resourcePrincipal(principal) {
  const acct = principal.split(':')[4]
  const roleArn = principal.includes(':assumed-role/')
    ? `arn:aws:iam::${acct}:role/${principal.split('/')[1]}`
    : principal
  return pick([
    '*',
    { AWS: principal },
    { AWS: principal },
    { AWS: roleArn },
    { AWS: acct },
    { AWS: `arn:aws:iam::${acct}:root` },
    { AWS: `arn:aws:iam::${OTHER === acct ? ACCT : OTHER}:root` },
    { AWS: [`arn:aws:iam::${acct}:user/someone-else`, principal] },
    { Service: 'lambda.amazonaws.com' }
  ])
}

function genCase(id) {
  const principal = pick(PRINCIPALS)
  const pacct = principal.split(':')[4]
  // Session policies belong to role sessions (AssumeRole*), not to a role ARN.
  const isRole = /:assumed-role\//.test(principal)
  // Resource account: the principal's, or the other account.
  const racct = chance(0.7) ? pacct : pacct === ACCT ? OTHER : ACCT
  const targets = some(TARGETS, 1, 3).map(([a, f]) => [a, f(racct)])
  const main = targets[0]
  const stmts = (n) => Array.from({ length: n }, () => statement(pick(targets)))
  const input = { id, principal }
  input.identity_policies = Array.from({ length: chance(0.1) ? 0 : 1 + Math.floor(rnd() * 2) }, () =>
    policy(stmts(1 + Math.floor(rnd() * 3)))
  )
  if (chance(0.3)) input.permission_boundaries = [policy(stmts(1 + Math.floor(rnd() * 2)))]
  if (isRole && chance(0.3)) input.session_policy = policy(stmts(1 + Math.floor(rnd() * 2)))
  if (chance(0.35)) {
    // Levels root..account; each allows via FullAWSAccess or a narrower Allow,
    // sometimes with Denies.
    input.scps = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => {
      const ps = []
      if (chance(0.8)) ps.push(policy([{ Effect: 'Allow', Action: '*', Resource: '*' }]))
      else ps.push(policy([statement(pick(targets), { effect: 'Allow' })]))
      if (chance(0.4)) ps.push(policy([statement(pick(targets), { effect: 'Deny' })]))
      return ps
    })
  }
  if (chance(0.25)) {
    // RCPs hold Deny statements with Principal "*" (the full-access Allow
    // is implicit at every level).
    input.rcps = Array.from({ length: 1 + Math.floor(rnd() * 2) }, () =>
      chance(0.3) ? [] : [policy([statement(pick(targets), { effect: 'Deny', principal: '*', rcp: true })])]
    )
  }
  if (chance(0.45)) {
    const n = 1 + Math.floor(rnd() * 2)
    input.resource_policy = policy(
      Array.from({ length: n }, () => statement(main, { principal: resourcePrincipal(principal) }))
    )
  }
  input.requests = targets.map(([action, resource]) => {
    const r = { action, resource }
    if (chance(0.6) || resource === '*' || resource.startsWith('arn:aws:s3')) r.resource_account = racct
    const ctx = {}
    for (const [k, spec] of Object.entries(KEYS)) if (chance(0.6)) ctx[k] = spec.values()
    r.context = ctx
    return r
  })
  return input
}

for (let i = 0; i < COUNT; i++) process.stdout.write(JSON.stringify(genCase(`c${i}`)) + '\n')
