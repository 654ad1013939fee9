// statemachines/security-remediation.asl.json: end to end with the real route-finding,
// remediation-proxy and remediate-finding binaries (the proxy reads the finding back
// from moto's Security Hub and reaches the remediation through cargo lambda's Lambda Invoke
// API; the remediation assumes a role and fixes the bucket in moto), and flow tests whose fake
// proxy plays throttling and failures. Security Hub's BatchUpdateFindings is recorded by the
// harness (moto does not implement it).

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { deployWorkflow, execute, functionArn, invokeLambda, securityHub } from './lib/local-sfn.mjs';
import { ACCOUNT, answerTask, importFindings, inbox, s3, sns, ssm } from './lib/moto.mjs';

const TABLE_PARAMETER = '/security/remediation/routing-table';
const TABLE = {
  rules: [
    { control_id: 'S3.8', action: 'remediate', remediation: { function: 'remediate-finding', qualifier: 'live' } },
    { control_id: 'EC2.2', action: 'suppress', note: 'Default security groups are locked by the landing zone.' },
  ],
};
// Step Functions' limit on any state's input or output, and EventBridge's on an event.
const LIMIT = 256 * 1024;

let definition;
let failures;
let findingsMail;

before(async () => {
  const FindingsTopicArn = await sns.createTopic('security-findings');
  ({ definition, notifications: failures } = await deployWorkflow('security-remediation', {
    RouteFindingFunctionArn: functionArn('route-finding'),
    RemediationProxyFunctionArn: functionArn('remediation-proxy'),
    FindingsTopicArn,
    ApprovalUrl: 'https://approve.lambda-url.us-east-1.on.aws/',
  }));
  findingsMail = await inbox(`security-findings-${randomUUID()}`, [FindingsTopicArn]);
  await ssm.put(TABLE_PARAMETER, JSON.stringify(TABLE));
});

// The sample event, about moto's account, its S3.8 finding naming a new bucket; its findings
// are in moto's Security Hub unless `imported` is false.
async function findingsEvent({ imported = true } = {}) {
  const bucket = `team-reports-${randomUUID().slice(0, 8)}`;
  await s3.createBucket(bucket);
  const text = readFileSync(new URL('../../events/route-finding/securityhub-findings-imported.json', import.meta.url), 'utf8')
    .replaceAll('111122223333', ACCOUNT)
    .replaceAll(`team-reports-${ACCOUNT}`, bucket)
    .replaceAll('0b9e3a', randomUUID().slice(0, 6));
  const event = JSON.parse(text);
  if (imported) await importFindings(event.detail.findings);
  return { bucket, event };
}

const outcomes = (run) => Object.fromEntries(run.output.outcomes.map((o) => [o.control_id, o.outcome]));
const update = (event, n) => securityHub.updates.get(event.detail.findings[n].Id);
const ALL_BLOCKED = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

test('remediate, suppress, notify: the bucket is fixed and each finding updated', async () => {
  const { bucket, event } = await findingsEvent();
  assert.equal(await s3.publicAccessBlock(bucket), null);
  const run = await execute(definition, event);
  assert.equal(run.status, 'SUCCEEDED', run.cause);
  assert.deepEqual(outcomes(run), { 'S3.8': 'remediated', 'EC2.2': 'suppressed', 'Lambda.1': 'notified' });
  assert.deepEqual(await s3.publicAccessBlock(bucket), ALL_BLOCKED);
  assert.equal(update(event, 0).workflow, 'RESOLVED');
  assert.match(update(event, 0).note, new RegExp(`^Remediated by remediate-finding:live: Fixed S3.8 on bucket '${bucket}'`));
  // What it changed is recorded with the finding, for the undo step.
  const settings = (on) => ({ block_public_acls: on, ignore_public_acls: on, block_public_policy: on, restrict_public_buckets: on });
  assert.deepEqual(JSON.parse(update(event, 0).fields.RemediationBefore), settings(false));
  assert.deepEqual(JSON.parse(update(event, 0).fields.RemediationAfter), settings(true));
  assert.equal(update(event, 1).workflow, 'SUPPRESSED');
  assert.equal(update(event, 2).workflow, 'NOTIFIED');
  const [note] = await findingsMail.find(event.detail.findings[2].Id);
  assert.match(note.message, /Lambda function policies should prohibit public access/);
  // The proxy was handed ids and the decision, never the finding.
  const [call] = run.calls.filter((c) => c.state === 'Remediate through the proxy');
  assert.deepEqual(Object.keys(call.input.Payload).sort(), ['account_id', 'control_id', 'finding_id', 'product_arn', 'region', 'remediation', 'resource']);
});

test('a dry run changes nothing and resolves nothing: the finding is NOTIFIED with what would change', async () => {
  const { bucket, event } = await findingsEvent();
  // The real proxy and remediation, asked for a dry run as DRY_RUN=true would.
  const dryRun = (params) => invokeLambda({ ...params, Payload: { ...params.Payload, dry_run: true } });
  const run = await execute(definition, event, { handlers: { 'Remediate through the proxy': dryRun } });
  assert.equal(run.status, 'SUCCEEDED', run.cause);
  assert.equal(outcomes(run)['S3.8'], 'would_remediate');
  assert.equal(await s3.publicAccessBlock(bucket), null, 'nothing changed');
  assert.equal(update(event, 0).workflow, 'NOTIFIED');
  assert.match(update(event, 0).note, /^Dry run of remediate-finding:live, nothing changed: Would fix S3.8 on bucket/);
  assert.ok(![...securityHub.updates.values()].some((u) => u.workflow === 'RESOLVED' && u.note.includes(bucket)));
});

test('a forged finding under a custom product is rejected: its bucket untouched, the finding not updated', async () => {
  const { event } = await findingsEvent();
  const forgedBucket = `payroll-${randomUUID().slice(0, 8)}`;
  await s3.createBucket(forgedBucket);
  const forged = JSON.parse(
    readFileSync(new URL('../../events/route-finding/bad-custom-product.json', import.meta.url), 'utf8')
      .replaceAll('111122223333', ACCOUNT)
      .replaceAll(`payroll-exports-${ACCOUNT}`, forgedBucket)
      .replaceAll('0b9e3a04', randomUUID().slice(0, 8)),
  ).detail.findings[0];
  await importFindings([forged]);
  event.detail.findings.push(forged);
  const run = await execute(definition, event);
  assert.equal(run.status, 'SUCCEEDED', run.cause);
  assert.deepEqual(run.output.outcomes.map((o) => o.outcome), ['remediated', 'suppressed', 'notified', 'rejected']);
  assert.equal(await s3.publicAccessBlock(forgedBucket), null, 'the forged bucket is untouched');
  assert.equal(securityHub.updates.get(forged.Id), undefined, 'the forged finding is not updated');
  const [note] = await findingsMail.find('check product-arn failed');
  assert.match(note.message, /Nothing was changed/);
});

test('a finding resolved since the event, or gone, is refused: nothing changed, the finding left as it is', async () => {
  for (const { name, prepare, error } of [
    { name: 'resolved since', prepare: (f) => importFindings([{ ...f, Workflow: { Status: 'RESOLVED' } }]), error: 'FindingChanged' },
    { name: 'not in Security Hub', prepare: async () => {}, error: 'FindingNotFound' },
  ]) {
    const { bucket, event } = await findingsEvent({ imported: false });
    await importFindings(event.detail.findings.slice(1));
    await prepare(event.detail.findings[0]);
    const run = await execute(definition, event);
    assert.equal(run.status, 'SUCCEEDED', `${name}: ${run.cause}`);
    assert.equal(outcomes(run)['S3.8'], 'refused', name);
    assert.equal(run.calls.find((c) => c.state === 'Remediate through the proxy').error, error, name);
    assert.equal(await s3.publicAccessBlock(bucket), null, `${name}: nothing changed`);
    assert.equal(update(event, 0), undefined, `${name}: the finding is left as it is`);
    const [note] = await failures.find(event.detail.findings[0].Id);
    assert.match(note.message, new RegExp(`Error: ${error}`), name);
  }
});

test('a remediation not on the allowlist is never invoked, whatever the table says', async () => {
  const rogue = { rules: [{ control_id: 'S3.8', action: 'remediate', remediation: { function: 'remediate-finding', qualifier: '$LATEST' } }] };
  await ssm.put(TABLE_PARAMETER, JSON.stringify(rogue));
  try {
    const { bucket, event } = await findingsEvent();
    const run = await execute(definition, event);
    assert.equal(run.status, 'SUCCEEDED');
    assert.equal(outcomes(run)['S3.8'], 'remediation_failed');
    assert.equal(run.calls.filter((c) => c.state === 'Remediate through the proxy')[0].error, 'RemediationNotAllowed');
    assert.equal(await s3.publicAccessBlock(bucket), null, 'nothing changed');
    assert.equal(update(event, 0).workflow, 'NOTIFIED');
    assert.match(update(event, 0).note, /RemediationNotAllowed/);
  } finally {
    await ssm.put(TABLE_PARAMETER, JSON.stringify(TABLE));
  }
});

function proxyError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

const remediated = { remediation: 'remediate-finding:live', dry_run: false, outcome: 'remediated', note: 'Remediated by remediate-finding:live: Fixed S3.8 on bucket.', before: '{}', after: '{}' };

test('throttled twice, then successful: the finding ends remediated', async () => {
  const { event } = await findingsEvent();
  let calls = 0;
  const proxy = async () => {
    calls += 1;
    if (calls <= 2) throw proxyError('Throttled', 'throttled: Lambda Invoke remediate-finding:live: Rate exceeded');
    return { Payload: remediated };
  };
  const run = await execute(definition, event, { handlers: { 'Remediate through the proxy': proxy } });
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(calls, 3);
  assert.equal(outcomes(run)['S3.8'], 'remediated');
  assert.equal(update(event, 0).workflow, 'RESOLVED');
});

test('the remediation raises: NOTIFIED with the reason, the other findings unaffected', async () => {
  const { event } = await findingsEvent();
  const proxy = async () => {
    throw proxyError('RemediationFailed', 'remediation remediate-finding:live failed (AccessDenied): not authorized to perform s3:PutBucketPublicAccessBlock');
  };
  const run = await execute(definition, event, { handlers: { 'Remediate through the proxy': proxy } });
  assert.equal(run.status, 'SUCCEEDED');
  assert.deepEqual(outcomes(run), { 'S3.8': 'remediation_failed', 'EC2.2': 'suppressed', 'Lambda.1': 'notified' });
  assert.equal(update(event, 0).workflow, 'NOTIFIED');
  assert.match(update(event, 0).note, /Automatic remediation failed \(RemediationFailed\)/);
  const [note] = await failures.find(event.detail.findings[0].Id);
  assert.match(note.message, /Error: RemediationFailed.*s3:PutBucketPublicAccessBlock/);
});

test('an event of 100 findings at EventBridge\'s 256 KB limit: every finding routed, no state near the limit', async () => {
  const { bucket, event } = await findingsEvent();
  const [s3Finding, ec2, lambda] = event.detail.findings;
  const passed = { ...ec2, Compliance: { ...ec2.Compliance, Status: 'PASSED' } };
  const forged = { ...s3Finding, ProductArn: `arn:aws:securityhub:eu-west-1:${ACCOUNT}:product/${ACCOUNT}/default`, GeneratorId: 'my-scanner/S3.8' };
  const kinds = [ec2, lambda, passed, forged];
  const findings = [s3Finding];
  for (let i = 1; i < 100; i++) {
    const f = structuredClone(kinds[i % kinds.length]);
    f.Id = f.Id.replace(/finding\/.*/, `finding/${randomUUID()}`);
    findings.push(f);
  }
  event.detail.findings = findings;
  // Pad the descriptions until the event is as large as EventBridge delivers.
  const padding = Math.floor((LIMIT - 512 - JSON.stringify(event).length) / 100);
  for (const f of findings) f.Description += ' '.repeat(padding);
  const size = JSON.stringify(event).length;
  assert.ok(size > LIMIT - 1024 && size <= LIMIT, `event of ${size} bytes`);
  await importFindings(findings.filter((f) => f !== forged && !f.ProductArn.includes('/default')));

  let largest = { size: 0 };
  const onEvent = (e) => {
    if (e.type !== 'StateExited' && e.type !== 'StateEntered') return;
    // The first state's input is the event itself.
    const data = e.type === 'StateExited' ? e.state.output : e.state.input;
    const bytes = JSON.stringify(data ?? null).length;
    if (!(e.type === 'StateEntered' && e.state.name === 'Route findings') && bytes > largest.size) {
      largest = { size: bytes, state: e.state.name, type: e.type };
    }
  };
  const run = await execute(definition, event, { onEvent });
  assert.equal(run.status, 'SUCCEEDED', run.cause);
  assert.equal(run.output.outcomes.length, 100);
  const counts = {};
  for (const o of run.output.outcomes) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
  assert.deepEqual(counts, { remediated: 1, suppressed: 24, notified: 25, skipped: 25, rejected: 25 });
  assert.deepEqual(await s3.publicAccessBlock(bucket), ALL_BLOCKED);
  for (const call of run.calls) {
    const bytes = JSON.stringify(call.output ?? null).length;
    assert.ok(bytes < LIMIT / 2, `${call.state} answered ${bytes} bytes`);
  }
  assert.ok(largest.size < LIMIT / 2, `largest state data: ${JSON.stringify(largest)}`);
});

test('routing fails (no routing table): notified with the real error, FAILED', async () => {
  await ssm.delete(TABLE_PARAMETER).catch(() => {});
  try {
    const { event } = await findingsEvent();
    const run = await execute(definition, event);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error, 'ConfigurationError');
    const [note] = await failures.find(TABLE_PARAMETER);
    assert.match(note.message, /Error: ConfigurationError/);
  } finally {
    await ssm.put(TABLE_PARAMETER, JSON.stringify(TABLE));
  }
});

// --- Approval: a rule that waits for a person -------------------------------------------------

const withApproval = (approval) => ({
  rules: [{ ...TABLE.rules[0], approval }, ...TABLE.rules.slice(1)],
});

// The approval request SNS delivered for the finding: its message, parsed.
async function approvalRequest(findingId) {
  for (let i = 0; i < 100; i += 1) {
    const mail = (await findingsMail.find(findingId)).find((m) => m.subject === 'Security remediation waits for your approval');
    if (mail) return JSON.parse(mail.message);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no approval request for ${findingId}`);
}

// A function URL request to approve-remediation, signed (as Lambda tells the function) by alice.
const urlRequest = (body) => ({
  version: '2.0', rawPath: '/', headers: { 'content-type': 'application/json' }, isBase64Encoded: false,
  requestContext: {
    accountId: ACCOUNT, requestId: randomUUID(), timeEpoch: Date.now(), http: { method: 'POST', path: '/' },
    authorizer: { iam: { userArn: `arn:aws:iam::${ACCOUNT}:user/alice`, accountId: ACCOUNT } },
  },
  body: JSON.stringify(body),
});

test('a rule with approval: waits with what would change, then remediates once approved through approve-remediation', async () => {
  await ssm.put(TABLE_PARAMETER, JSON.stringify(withApproval({ timeout_minutes: 60 })));
  try {
    const { bucket, event } = await findingsEvent();
    const running = execute(definition, event);
    const request = await approvalRequest(event.detail.findings[0].Id);
    assert.match(request.approval_needed, new RegExp(`Would fix S3.8 on bucket '${bucket}'`));
    assert.equal(request.waits_seconds, 3600);
    assert.equal(request.on_timeout, 'reject');
    assert.match(request.approve_or_reject, /https:\/\/approve\.lambda-url/);
    assert.equal(await s3.publicAccessBlock(bucket), null, 'nothing changed while it waits');
    const { Payload: answer } = await invokeLambda({
      FunctionName: functionArn('approve-remediation'),
      Payload: urlRequest({ task_token: request.task_token, decision: 'approve', reason: 'CHG-1234' }),
    });
    assert.equal(answer.statusCode, 200, answer.body);
    const run = await running;
    assert.equal(run.status, 'SUCCEEDED', run.cause);
    assert.equal(outcomes(run)['S3.8'], 'remediated');
    assert.deepEqual(await s3.publicAccessBlock(bucket), ALL_BLOCKED);
    const [wait] = run.calls.filter((c) => c.state === 'Wait for approval');
    assert.deepEqual(wait.output, { approved_by: `arn:aws:iam::${ACCOUNT}:user/alice`, reason: 'CHG-1234' });
  } finally {
    await ssm.put(TABLE_PARAMETER, JSON.stringify(TABLE));
  }
});

test('rejected as the CLI does it (send-task-failure --error Rejected): nothing changed, the finding NOTIFIED', async () => {
  await ssm.put(TABLE_PARAMETER, JSON.stringify(withApproval({ timeout_minutes: 60, on_timeout: 'approve' })));
  try {
    const { bucket, event } = await findingsEvent();
    const running = execute(definition, event);
    const request = await approvalRequest(event.detail.findings[0].Id);
    await answerTask('SendTaskFailure', { taskToken: request.task_token, error: 'Rejected', cause: 'serves the public site' });
    const run = await running;
    assert.equal(run.status, 'SUCCEEDED', run.cause);
    assert.equal(outcomes(run)['S3.8'], 'not_approved');
    assert.equal(await s3.publicAccessBlock(bucket), null);
    assert.equal(update(event, 0).workflow, 'NOTIFIED');
    assert.match(update(event, 0).note, /^Not remediated: not approved \(Rejected\)/);
  } finally {
    await ssm.put(TABLE_PARAMETER, JSON.stringify(TABLE));
  }
});

test("nobody answers in time: the rule's on_timeout decides, reject by default", async () => {
  const timesOut = () => {
    const error = new Error('the approval timed out');
    error.name = 'States.Timeout';
    throw error;
  };
  for (const [onTimeout, outcome] of [[undefined, 'not_approved'], ['approve', 'remediated']]) {
    await ssm.put(TABLE_PARAMETER, JSON.stringify(withApproval({ timeout_minutes: 1, ...(onTimeout && { on_timeout: onTimeout }) })));
    try {
      const { bucket, event } = await findingsEvent();
      const run = await execute(definition, event, { handlers: { 'Wait for approval': timesOut } });
      assert.equal(run.status, 'SUCCEEDED', run.cause);
      assert.equal(outcomes(run)['S3.8'], outcome, `on_timeout ${onTimeout}`);
      assert.equal((await s3.publicAccessBlock(bucket)) !== null, outcome === 'remediated');
    } finally {
      await ssm.put(TABLE_PARAMETER, JSON.stringify(TABLE));
    }
  }
});
