// Test-only oracle: run one `blastradius aws simulate` input (contract shape)
// through @cloud-copilot/iam-simulate and print the contract's output shape:
//   npm ci --prefix providers/aws/tests/oracle
//   node providers/aws/tests/oracle/oracle.mjs providers/aws/tests/data/basic.input.json
//   bash providers/aws/tests/oracle/diff.sh   # all data files
//   bash providers/aws/tests/oracle/run.sh    # the generated differential test
import { readFileSync } from 'node:fs'
import { simulate } from './lib.mjs'

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const out = await simulate(input)
for (const r of out.results) delete r.ignoredContextKeys
console.log(JSON.stringify(out))
