// Translate a `blastradius aws simulate` input (contract shape) into
// @cloud-copilot/iam-simulate calls and return the contract's output shape.
// Shared by oracle.mjs (one file) and compare.mjs (the differential run).
import { runSimulation } from '@cloud-copilot/iam-simulate'

const doc = (p) => (typeof p === 'string' ? JSON.parse(decodeURIComponent(p)) : p)
const named = (list, prefix) => (list || []).map((p, i) => ({ name: `${prefix}${i}`, policy: doc(p) }))
// iam-simulate applies RCPFullAWSAccess implicitly and rejects Allow
// statements in RCPs: drop them (they are that implicit full access).
const denyOnly = (lv) =>
  (lv || []).map((ps) =>
    ps
      .map(doc)
      .map((p) => ({ ...p, Statement: [].concat(p.Statement).filter((s) => s.Effect !== 'Allow') }))
      .filter((p) => p.Statement.length > 0)
  )
const levels = (lv, prefix) =>
  (lv || []).map((policies, i) => ({ orgIdentifier: `${prefix}-${i}`, policies: named(policies, `${prefix}${i}-`) }))

export async function simulate(input) {
  const out = { results: [] }
  for (const r of input.requests || []) {
    const acct = r.resource_account || (r.resource.split(':')[4] || input.principal.split(':')[4])
    const sim = {
      identityPolicies: named(input.identity_policies, 'id'),
      serviceControlPolicies: levels(input.scps, 'scp'),
      resourceControlPolicies: levels(denyOnly(input.rcps), 'rcp'),
      resourcePolicy: input.resource_policy ? doc(input.resource_policy) : undefined,
      permissionBoundaryPolicies: input.permission_boundaries?.length ? named(input.permission_boundaries, 'pb') : undefined,
      sessionPolicy: input.session_policy ? doc(input.session_policy) : undefined,
      request: {
        action: r.action,
        principal: input.principal,
        resource: { accountId: acct, resource: r.resource },
        contextVariables: r.context || {}
      }
    }
    const res = await runSimulation(sim, {})
    let decision
    if (res.resultType === 'error') decision = 'error: ' + JSON.stringify(res.errors)
    else
      decision =
        { Allowed: 'allowed', ExplicitlyDenied: 'explicit_deny', ImplicitlyDenied: 'implicit_deny' }[res.overallResult] ||
        res.overallResult
    const item = { action: r.action, resource: r.resource, decision }
    const ignored = res.result?.ignoredContextKeys
    if (ignored?.length) item.ignoredContextKeys = ignored
    out.results.push(item)
  }
  return out
}
