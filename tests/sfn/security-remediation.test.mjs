// statemachines/security-remediation.asl.json: end to end with the real route-finding,
// remediation-proxy and remediate-s3-public-access binaries (the proxy reaches the remediation
// through cargo lambda's Lambda Invoke API; the remediation assumes a role and fixes the bucket in
// moto), and flow tests whose fake proxy plays throttling and failures. Security Hub's
// BatchUpdateFindings is recorded by the harness (moto does not implement it).

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { deployWorkflow, execute, functionArn, securityHub } from './lib/local-sfn.mjs';
import { ACCOUNT, inbox, s3, sns, ssm } from './lib/moto.mjs';

const TABLE_PARAMETER = '/security/remediation/routing-table';
const TABLE = {
  rules: [
    { control_id: 'S3.8', action: 'remediate', remediation: { function: 'remediate-s3-public-access', qualifier: 'live' } },
    { control_id: 'EC2.2', action: 'suppress', note: 'Default security groups are locked by the landing zone.' },
  ],
};

let definition;
let failures;
let findingsMail;

before(async () => {
  const FindingsTopicArn = await sns.createTopic('security-findings');
  ({ definition, notifications: failures } = await deployWorkflow('security-remediation', {
    RouteFindingFunctionArn: functionArn('route-finding'),
    RemediationProxyFunctionArn: functionArn('remediation-proxy'),
    FindingsTopicArn,
  }));
  findingsMail = await inbox(`security-findings-${randomUUID()}`, [FindingsTopicArn]);
});

// The sample event, about moto's account, its S3.8 finding naming a new bucket.
async function findingsEvent() {
  const bucket = `team-reports-${randomUUID().slice(0, 8)}`;
  await s3.createBucket(bucket);
  const text = readFileSync(new URL('../../events/route-finding/securityhub-findings-imported.json', import.meta.url), 'utf8')
    .replaceAll('111122223333', ACCOUNT)
    .replaceAll(`team-reports-${ACCOUNT}`, bucket)
    .replaceAll('0b9e3a', randomUUID().slice(0, 6));
  return { bucket, event: JSON.parse(text) };
}

const outcomes = (run) => Object.fromEntries(run.output.outcomes.map((o) => [o.control_id, o.outcome]));
const update = (event, n) => securityHub.updates.get(event.detail.findings[n].Id);
const ALL_BLOCKED = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

test('remediate, suppress, notify: the bucket is fixed and each finding updated', async () => {
  await ssm.put(TABLE_PARAMETER, JSON.stringify(TABLE));
  const { bucket, event } = await findingsEvent();
  assert.equal(await s3.publicAccessBlock(bucket), null);
  const run = await execute(definition, event);
  assert.equal(run.status, 'SUCCEEDED', run.cause);
  assert.deepEqual(outcomes(run), { 'S3.8': 'remediated', 'EC2.2': 'suppressed', 'Lambda.1': 'notified' });
  assert.deepEqual(await s3.publicAccessBlock(bucket), ALL_BLOCKED);
  assert.equal(update(event, 0).workflow, 'RESOLVED');
  assert.match(update(event, 0).note, /Remediated automatically by remediate-s3-public-access:live/);
  assert.equal(update(event, 1).workflow, 'SUPPRESSED');
  assert.equal(update(event, 2).workflow, 'NOTIFIED');
  const [note] = await findingsMail.find(event.detail.findings[2].Id);
  assert.match(note.message, /Lambda function policies should prohibit public access/);
});

test('a remediation not on the allowlist is never invoked, whatever the table says', async () => {
  const rogue = { rules: [{ control_id: 'S3.8', action: 'remediate', remediation: { function: 'remediate-s3-public-access', qualifier: '$LATEST' } }] };
  await ssm.put(TABLE_PARAMETER, JSON.stringify(rogue));
  const { bucket, event } = await findingsEvent();
  const run = await execute(definition, event);
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(outcomes(run)['S3.8'], 'remediation_failed');
  assert.equal(run.calls.filter((c) => c.state === 'Remediate through the proxy')[0].error, 'RemediationNotAllowed');
  assert.equal(await s3.publicAccessBlock(bucket), null, 'nothing changed');
  assert.equal(update(event, 0).workflow, 'NOTIFIED');
  assert.match(update(event, 0).note, /RemediationNotAllowed/);
});

function proxyError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

test('throttled twice, then successful: the finding ends remediated', async () => {
  await ssm.put(TABLE_PARAMETER, JSON.stringify(TABLE));
  const { event } = await findingsEvent();
  let calls = 0;
  const proxy = async ({ Payload }) => {
    calls += 1;
    if (calls <= 2) throw proxyError('Throttled', 'throttled: Lambda Invoke remediate-s3-public-access:live: Rate exceeded');
    return { Payload: { remediation: 'remediate-s3-public-access:live', dry_run: false, result: { action: 'blocked', finding: Payload.finding.Id } } };
  };
  const run = await execute(definition, event, { handlers: { 'Remediate through the proxy': proxy } });
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(calls, 3);
  assert.equal(outcomes(run)['S3.8'], 'remediated');
  assert.equal(update(event, 0).workflow, 'RESOLVED');
});

test('the remediation raises: NOTIFIED with the reason, the other findings unaffected', async () => {
  await ssm.put(TABLE_PARAMETER, JSON.stringify(TABLE));
  const { event } = await findingsEvent();
  const proxy = async () => {
    throw proxyError('RemediationFailed', 'remediation remediate-s3-public-access:live failed (AccessDenied): not authorized to perform s3:PutBucketPublicAccessBlock');
  };
  const run = await execute(definition, event, { handlers: { 'Remediate through the proxy': proxy } });
  assert.equal(run.status, 'SUCCEEDED');
  assert.deepEqual(outcomes(run), { 'S3.8': 'remediation_failed', 'EC2.2': 'suppressed', 'Lambda.1': 'notified' });
  assert.equal(update(event, 0).workflow, 'NOTIFIED');
  assert.match(update(event, 0).note, /RemediationFailed.*s3:PutBucketPublicAccessBlock/);
  const [note] = await failures.find(event.detail.findings[0].Id);
  assert.match(note.message, /Error: RemediationFailed/);
});

test('routing fails (no routing table): notified with the real error, FAILED', async () => {
  await ssm.delete(TABLE_PARAMETER).catch(() => {});
  const { event } = await findingsEvent();
  const run = await execute(definition, event);
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error, 'ConfigurationError');
  const [note] = await failures.find(TABLE_PARAMETER);
  assert.match(note.message, /Error: ConfigurationError/);
});
