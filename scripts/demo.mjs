// The demo: every workflow end to end on the local stack. Run by `make demo`, which starts
// moto and the function binaries first.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deployWorkflow, execute, functionArn, invokeLambda, securityHub, stepFunctions } from '../tests/sfn/lib/local-sfn.mjs';
import { ACCOUNT, glue, iam, importFindings, inbox, kms, rds, s3, sfn, sns, ssm } from '../tests/sfn/lib/moto.mjs';

const bold = (s) => `\x1b[1m${s}\x1b[0m`;
const dim = (s) => `\x1b[2m${s}\x1b[0m`;

function progress(event) {
  const at = dim(new Date(event.timestamp).toISOString().slice(11, 23));
  if (event.type === 'StateEntered') console.log(`  ${at} → ${event.state.name}`);
  if (event.type === 'StateRetried') console.log(`  ${at}   retry ${event.retry.attempt} of ${event.state.name}`);
  if (event.type === 'StateFailed' && event.state.type !== 'Fail') console.log(`  ${at}   ${event.state.name} failed: ${event.Error}`);
}

// Prints what SNS delivered to the mailbox (an SQS queue subscribed to the topics).
async function show(mailbox) {
  const notes = [];
  for (let i = 0; i < 20 && notes.length === 0; i++) {
    notes.push(...(await mailbox.read()));
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const n of notes) {
    const topic = n.topic.split(':').at(-1);
    console.log(`  SNS ${topic}\n    Subject: ${n.subject}\n    Message: ${n.message}`);
  }
}

const WAIT_SECONDS = 3;
const { definition, notifications: mailbox } = await deployWorkflow('glue-session-stop', {
  StopAfterSeconds: WAIT_SECONDS,
  StopGlueSessionFunctionArn: functionArn('stop-glue-session'),
});

// --- 1. Glue interactive sessions --------------------------------------------------------

console.log(bold('\nGlue: interactive sessions stopped after a chosen time'));
console.log(bold('\n1. A data engineer opens a Glue notebook: CreateSession'));
const id = `glue-studio-notebook-${randomUUID().slice(0, 8)}`;
await glue.createSession(id);
console.log(`  session ${id} is ${await glue.status(id)}`);

console.log(bold(`\n2. EventBridge starts the state machine with the CloudTrail event, whole (waiting ${WAIT_SECONDS} s here; the default is 3600 s)`));
const createSession = JSON.parse(readFileSync(new URL('../events/stop-glue-session/cloudtrail-create-session.json', import.meta.url)));
createSession.detail.requestParameters.id = id;
createSession.detail.responseElements.session.id = id;
// Recorded now, as the session was created: a session created long after its event is another.
createSession.time = createSession.detail.eventTime = new Date().toISOString();
const run = await execute(definition, createSession, { realTime: true, name: 'glue-session-stop', onEvent: progress });
console.log(`  execution ${run.status}: ${JSON.stringify(run.output)}`);
console.log(`  session ${id} is now ${await glue.status(id)}`);
await show(mailbox);

console.log(bold('\n3. A session id that does not exist: the workflow fails loudly'));
const missing = await execute(definition, { session_id: 'no-such-session' }, { name: 'glue-session-stop', onEvent: progress });
console.log(`  execution ${missing.status} with ${missing.error} (the ExecutionsFailed alarm fires in AWS)`);
await show(mailbox);

console.log(bold('\n4. A notebook asking for 20 workers, over the limit of 10 (scripts/local.env: MAX_WORKERS): reported and stopped without the wait'));
const big = `glue-studio-notebook-${randomUUID().slice(0, 8)}`;
await glue.createSession(big);
const bigEvent = structuredClone(createSession);
bigEvent.detail.requestParameters.id = bigEvent.detail.responseElements.session.id = big;
bigEvent.detail.requestParameters.numberOfWorkers = 20;
const overLimits = await execute(definition, bigEvent, { realTime: true, name: 'glue-session-stop', onEvent: progress });
console.log(`  execution ${overLimits.status}; session ${big} is now ${await glue.status(big)}`);
await show(mailbox);

console.log(bold('\n5. The scheduled sweep (events/stop-glue-session/scheduled-sweep.json)'));
const sweepEvent = JSON.parse(readFileSync(new URL('../events/stop-glue-session/scheduled-sweep.json', import.meta.url)));
const { Payload: report } = await invokeLambda({ FunctionName: 'stop-glue-session', Payload: sweepEvent });
console.log(`  checked ${report.checked} session(s); stopped ${report.stopped.length}; none other ran past the 90-minute limit`);

console.log(bold('\n6. The daily usage report, per owner tag (GlueUsageReportSchedule; events/stop-glue-session/usage-report.json)'));
const usageEvent = JSON.parse(readFileSync(new URL('../events/stop-glue-session/usage-report.json', import.meta.url)));
const { Payload: usage } = await invokeLambda({ FunctionName: 'stop-glue-session', Payload: usageEvent });
console.log(`  ${usage.subject}`);
for (const o of usage.owners) console.log(`    ${o.owner}: ${o.sessions} session(s), ${o.dpu_hours} DPU-hours ($${o.cost.toFixed(2)})`);
if (usage.sessions < 2) process.exit(1);

if (run.status !== 'SUCCEEDED' || missing.status !== 'FAILED' || overLimits.output?.action !== 'stopped') process.exit(1);

// --- 2. RDS databases auto-started after 7 days ---------------------------------------------

console.log(bold('\n\nRDS: databases AWS starts again after 7 days stopped'));
const { definition: rdsDefinition, notifications: rdsMailbox } = await deployWorkflow('rds-auto-stop', {
  PollSeconds: 300,
  MaxPolls: 36,
  CheckAndStopRdsFunctionArn: functionArn('check-and-stop-rds'),
});
// The trigger starts executions on this (moto records them; the ASL engine here runs them).
const machineArn = await sfn.createStateMachine('rds-auto-stop', rdsDefinition);

const suffix = randomUUID().slice(0, 6);
const dbs = [
  { id: `orders-dev-${suffix}`, type: 'instance', tags: { 'auto-restart-protection': 'yes' } },
  { id: `reporting-dev-${suffix}`, type: 'instance', tags: { 'auto-restart-protection': 'yes-please' } },
  { id: `analytics-${suffix}`, type: 'cluster', tags: { 'auto-restart-protection': 'yes' } },
];
// Protected too, but their events never reach the trigger: the sweep's.
const lost = { id: `billing-dev-${suffix}`, type: 'instance', tags: { 'auto-restart-protection': 'yes' } };
const restarted = { id: `search-dev-${suffix}`, type: 'instance', tags: { 'auto-restart-protection': 'yes' } };
console.log(bold('\n1. Five databases, all available; four carry auto-restart-protection=yes'));
for (const db of [...dbs, lost, restarted]) {
  await (db.type === 'instance' ? rds.createInstance(db.id, db.tags) : rds.createCluster(db.id, db.tags));
  console.log(`  DB ${db.type} ${db.id} ${JSON.stringify(db.tags)}`);
}

console.log(bold('\n2. AWS auto-starts them: RDS-EVENT-0154 / 0153 reach the trigger (the first one twice)'));
const sample = (name) => JSON.parse(readFileSync(new URL(`../events/check-and-stop-rds/${name}`, import.meta.url)));
const executionNames = new Set();
const autoStarted = new Date().toISOString();
for (const db of [...dbs, dbs[0]]) {
  const event = sample(db.type === 'instance' ? 'eventbridge-instance-auto-started.json' : 'eventbridge-cluster-auto-started.json');
  event.detail.SourceIdentifier = db.id;
  event.detail.Date = event.time = autoStarted;
  const { Payload } = await invokeLambda({ FunctionName: 'check-and-stop-rds', Payload: event });
  showStart(Payload.results[0], db.id);
}

console.log(bold('\n3. Two auto-starts never reach the trigger; the hourly sweep reads RDS\'s own event history'));
const AUTO_STARTED = 'DB instance is being started due to it exceeding the maximum allowed time being stopped.';
const minutesAgo = (m) => new Date(Date.now() - m * 60_000);
await rds.addEvent(lost.id, 'instance', AUTO_STARTED, minutesAgo(40));
console.log(`  ${lost.id}: auto-started 40 minutes ago; its event was lost`);
await rds.addEvent(restarted.id, 'instance', AUTO_STARTED, minutesAgo(50));
await rds.addEvent(restarted.id, 'instance', 'DB instance stopped', minutesAgo(35));
await rds.addEvent(restarted.id, 'instance', 'DB instance started', minutesAgo(20));
console.log(`  ${restarted.id}: auto-started 50 minutes ago, stopped, then started again by someone 20 minutes ago`);
const { Payload: swept } = await invokeLambda({ FunctionName: 'check-and-stop-rds', Payload: sample('scheduled-sweep.json') });
for (const r of swept.results) showStart(r, r.resource_id);

function showStart(r, id) {
  const again = executionNames.has(r.execution_name) ? ', the same execution again: no second workflow' : '';
  if (r.execution_name) executionNames.add(r.execution_name);
  console.log(`  ${id}: ${r.action}${r.execution_name ? ` (execution ${r.execution_name}${again})` : ''}${r.reason ? ` (${r.reason})` : ''}`);
}

console.log(bold('\n4. The workflows started on the state machine run'));
let rdsOk = true;
for (const { name, input } of await sfn.executionInputs(machineArn)) {
  console.log(`  execution ${name}`);
  const run = await execute(rdsDefinition, input, { name: 'rds-auto-stop', onEvent: progress });
  console.log(`  ${run.status}: ${run.output?.check?.summary ?? run.error}`);
  rdsOk &&= run.status === 'SUCCEEDED';
}
for (const db of [...dbs, lost, restarted]) {
  const status = db.type === 'instance' ? await rds.instanceStatus(db.id) : await rds.clusterStatus(db.id);
  console.log(`  DB ${db.type} ${db.id} is now ${status}`);
}
await show(rdsMailbox);
const leftRunning = [dbs[1].id, restarted.id];
for (const id of leftRunning) rdsOk &&= (await rds.instanceStatus(id)) === 'available';
rdsOk &&= (await rds.instanceStatus(lost.id)) === 'stopped';

console.log(bold('\n5. The daily usage report (RdsUsageReportSchedule; events/check-and-stop-rds/usage-report.json), from RDS\'s event history'));
const { Payload: rdsUsage } = await invokeLambda({ FunctionName: 'check-and-stop-rds', Payload: sample('usage-report.json') });
console.log(`  ${rdsUsage.subject}`);
for (const k of rdsUsage.kept_stopped) console.log(`    DB ${k.resource_type} ${k.resource_id}: ran ${k.ran_minutes} min, ${k.saved_hours} hours saved`);
for (const r of rdsUsage.running) console.log(`    not stopped: ${r}`);
rdsOk &&= rdsUsage.kept_stopped.some((k) => k.resource_id === lost.id);
if (!rdsOk) process.exit(1);

// --- 3 and 4. WordPress raw and bronze ------------------------------------------------------

console.log(bold('\n\nWordPress: REST API to raw JSON to bronze Parquet, daily'));
const { definition: wpDefinition, notifications: wpMailbox } = await deployWorkflow('wordpress-raw-to-bronze', {
  ExtractWordPressFunctionArn: functionArn('extract-wordpress'),
  WordPressToParquetFunctionArn: functionArn('wordpress-to-parquet'),
});
const lake = { raw: `lakehouse-raw-${suffix}`, bronze: `lakehouse-bronze-${suffix}` };
await s3.createBucket(lake.raw);
await s3.createBucket(lake.bronze);
const rawTopic = await sns.createTopic('data-lakehouse-raw');
const bronzeTopic = await sns.createTopic('data-lakehouse-bronze');
const dataMailbox = await inbox(`data-lakehouse-${suffix}`, [rawTopic, bronzeTopic]);
const site = process.env.WORDPRESS_URL;
const endpoints = (paths) => paths.map((p) => `${site}/wp-json/wp/v2/${p}`).join(',');
// Posts with ?status=any: drafts too, read with the site's application password (SecureString).
const TYPES = ['posts?status=any', 'pages', 'categories', 'tags', 'users', 'comments', 'media'];
// The functions read these parameters (names from scripts/local.env, the template's defaults).
await ssm.put('/wordpress/amazonwebshark/api/mysqlendpoints', endpoints(TYPES));
await ssm.putWordPressPassword(site);
await ssm.put('/s3/lakehouse/name/raw', lake.raw);
await ssm.put('/s3/lakehouse/name/bronze', lake.bronze);
await ssm.put('/sns/data/lakehouse/raw', rawTopic);
await ssm.put('/sns/data/lakehouse/bronze', bronzeTopic);

console.log(bold(`\n1. The 07:00 schedule starts the workflow: seven endpoints of the site at ${site}, posts with their drafts (an application password from a SecureString)`));
const wp = await execute(wpDefinition, {}, { name: 'wordpress-raw-to-bronze', onEvent: progress });
console.log(`  execution ${wp.status}`);
console.log(`  extract: ${wp.output.extract.summary}`);
for (const w of wp.output.extract.written) {
  console.log(`    s3://${lake.raw}/${w.key}: ${w.items} items from ${w.pages} page(s), ${w.bytes} bytes`);
}
const drafts = (await s3.getJson(lake.raw, 'wordpress_api/posts/posts.json')).filter((p) => p.status === 'draft').length;
console.log(`  of the posts, ${drafts} are drafts, which the site lists only to its application user`);
console.log(`  bronze: ${wp.output.convert.summary}`);
for (const f of wp.output.convert.files) {
  console.log(`    s3://${lake.bronze}/{${f.keys.join(', ')}}: ${f.rows} rows × ${f.columns} columns, ${f.bytes} bytes`);
}

console.log(bold('\n2. Next day the users endpoint answers an HTML maintenance page: the rest still lands'));
await ssm.put('/wordpress/amazonwebshark/api/mysqlendpoints', endpoints([...TYPES.filter((t) => t !== 'users'), 'users?fault=html']));
const partial = await execute(wpDefinition, {}, { name: 'wordpress-raw-to-bronze', onEvent: progress });
console.log(`  execution ${partial.status} (${partial.error}): ${partial.cause}`);
await show(dataMailbox);
await show(wpMailbox);

console.log(bold('\n3. A day on which the site misbehaves: comments announces one page of its two, users answers an empty first page; yesterday\'s data stays'));
await ssm.put('/wordpress/amazonwebshark/api/mysqlendpoints', endpoints([...TYPES.filter((t) => t !== 'comments' && t !== 'users'), 'comments?fault=lie_pages', 'users?fault=empty&fault_page=1']));
const lying = await execute(wpDefinition, {}, { name: 'wordpress-raw-to-bronze', onEvent: progress });
console.log(`  execution ${lying.status} (${lying.error}): ${lying.cause}`);
const keptComments = await s3.getJson(lake.raw, 'wordpress_api/comments/comments.json');
console.log(`  s3://${lake.raw}/wordpress_api/comments/comments.json still holds ${keptComments.length} comments`);
await show(dataMailbox);
await show(wpMailbox);
if (wp.status !== 'SUCCEEDED' || drafts !== 3 || partial.error !== 'PartialFailure' || lying.error !== 'PartialFailure' || keptComments.length !== 140) process.exit(1);

// --- 5. Security Hub findings -----------------------------------------------------------------

console.log(bold('\n\nSecurity Hub: each finding suppressed, remediated through the proxy, or notified'));
const findingsTopic = await sns.createTopic('security-findings');
const { definition: secDefinition, notifications: secMailbox } = await deployWorkflow('security-remediation', {
  RouteFindingFunctionArn: functionArn('route-finding'),
  RemediationProxyFunctionArn: functionArn('remediation-proxy'),
  FindingsTopicArn: findingsTopic,
  ApprovalUrl: `${process.env.LAMBDA_URL ?? 'http://127.0.0.1:9001'}/lambda-url/approve-remediation/`,
});
const findingsMailbox = await inbox(`security-findings-${suffix}`, [findingsTopic]);
const table = {
  rules: [
    { control_id: 'S3.8', action: 'remediate', remediation: { function: 'remediate-finding', qualifier: 'live' } },
    { control_id: 'EC2.2', action: 'suppress', note: 'Default security groups are locked by the landing zone.' },
    {
      control_id: 'KMS.4', action: 'remediate',
      select: { severities: ['MEDIUM', 'HIGH', 'CRITICAL'] }, exclude: { tags: { remediation: ['manual'] } },
      remediation: { function: 'remediate-finding', qualifier: 'live' },
    },
  ],
};
await ssm.put('/security/remediation/routing-table', JSON.stringify(table));
const exposed = `team-reports-${suffix}`;
await s3.createBucket(exposed);
const memberRole = await iam.createRole(`SecurityHubRemediationRole`, `arn:aws:iam::${ACCOUNT}:role/remediate-finding`).catch(
  () => `arn:aws:iam::${ACCOUNT}:role/SecurityHubRemediationRole`,
);
console.log(bold('\n1. Routing table (SSM /security/remediation/routing-table), the member account\'s remediation role, and a bucket without a public access block'));
console.log('  S3.8 and KMS.4 are opted in (REMEDIATED_CONTROLS=S3.8,KMS.4, the RemediatedControls parameter); deployed with its defaults, the workflow would only notify');
console.log(`  role ${memberRole} (templates/remediation-member-role.yaml), trusted by the remediation function`);
console.log(`  ${JSON.stringify(table)}`);
console.log(`  s3://${exposed} public access block: ${JSON.stringify(await s3.publicAccessBlock(exposed))}`);

const findingsEvent = JSON.parse(
  readFileSync(new URL('../events/route-finding/securityhub-findings-imported.json', import.meta.url), 'utf8')
    .replaceAll('111122223333', ACCOUNT)
    .replaceAll(`team-reports-${ACCOUNT}`, exposed),
);
// Security Hub holds the findings it sent: the proxy reads each one back before acting.
await importFindings(findingsEvent.detail.findings);
// And someone allowed BatchImportFindings imports a look-alike under their own product, naming
// another bucket: the workflow must not touch it.
const payroll = `payroll-exports-${suffix}`;
await s3.createBucket(payroll);
const forged = JSON.parse(
  readFileSync(new URL('../events/route-finding/bad-custom-product.json', import.meta.url), 'utf8')
    .replaceAll('111122223333', ACCOUNT)
    .replaceAll(`payroll-exports-${ACCOUNT}`, payroll),
).detail.findings[0];
await importFindings([forged]);
findingsEvent.detail.findings.push(forged);
const outcomeLines = (run) => {
  for (const o of run.output.outcomes) {
    const u = securityHub.updates.get(o.finding_id);
    const update = u ? `Security Hub workflow ${u.workflow}: ${u.note}` : 'finding not updated';
    console.log(`  ${o.control_id ?? '(untrusted finding)'}: ${o.outcome}; ${update}`);
  }
};

console.log(bold('\n2. Security Hub sends four FAILED findings (events/route-finding/securityhub-findings-imported.json and bad-custom-product.json), first in a dry run, as deployed by default'));
// The real proxy and remediation, asked for a dry run as DRY_RUN=true asks every remediation.
const dryRun = (params) => invokeLambda({ ...params, Payload: { ...params.Payload, dry_run: true } });
const dry = await execute(secDefinition, findingsEvent, { name: 'security-remediation', handlers: { 'Remediate through the proxy': dryRun } });
console.log(`  execution ${dry.status}`);
outcomeLines(dry);
console.log(`  s3://${exposed} public access block after the dry run: ${JSON.stringify(await s3.publicAccessBlock(exposed))}`);
await show(findingsMailbox);
if (dry.status !== 'SUCCEEDED' || (await s3.publicAccessBlock(exposed)) !== null) process.exit(1);

console.log(bold('\n3. DryRun switched off, the same findings sent again: the genuine S3.8 finding is remediated, the forged one rejected'));
const sec = await execute(secDefinition, findingsEvent, { name: 'security-remediation', onEvent: progress });
console.log(`  execution ${sec.status}`);
outcomeLines(sec);
const block = await s3.publicAccessBlock(exposed);
console.log(`  s3://${exposed} public access block now: ${JSON.stringify(block)}`);
console.log(`  s3://${payroll} (the forged finding's bucket) public access block: ${JSON.stringify(await s3.publicAccessBlock(payroll))}`);
await show(findingsMailbox);
await show(secMailbox);
if (sec.status !== 'SUCCEEDED' || !block || !Object.values(block).every(Boolean) || (await s3.publicAccessBlock(payroll)) !== null) process.exit(1);

console.log(bold('\n4. More of the catalogue (docs/security-remediation.md): two KMS keys without rotation; the KMS.4 rule leaves out resources tagged remediation=manual'));
const KEY_REGION = 'eu-west-1'; // the sample findings' Region
const [keyArn, manualKeyArn] = [await kms.createKey(KEY_REGION), await kms.createKey(KEY_REGION)];
const kmsSample = readFileSync(new URL('../events/route-finding/securityhub-finding-kms-4.json', import.meta.url), 'utf8');
const kmsFinding = (arn, n, tags) => {
  const f = JSON.parse(kmsSample.replaceAll('111122223333', ACCOUNT)).detail.findings[0];
  f.Id = f.Id.replace(/finding\/.*$/, `finding/${suffix}-${n}`);
  f.Resources[0].Id = arn;
  if (tags) f.Resources[0].Tags = tags;
  return f;
};
const kmsEvent = { ...findingsEvent, detail: { findings: [kmsFinding(keyArn, 1), kmsFinding(manualKeyArn, 2, { remediation: 'manual' })] } };
await importFindings(kmsEvent.detail.findings);
const keys = await execute(secDefinition, kmsEvent, { name: 'security-remediation', onEvent: progress });
console.log(`  execution ${keys.status}`);
outcomeLines(keys);
const rotation = [await kms.rotationEnabled(keyArn, KEY_REGION), await kms.rotationEnabled(manualKeyArn, KEY_REGION)];
console.log(`  rotation of ${keyArn}: ${rotation[0]}; of the key tagged remediation=manual: ${rotation[1]}`);
const record = securityHub.updates.get(kmsEvent.detail.findings[0].Id)?.fields ?? {};
console.log(`  recorded with the finding, for the undo step (aws kms disable-key-rotation): before ${record.RemediationBefore}, after ${record.RemediationAfter}`);
if (keys.status !== 'SUCCEEDED' || rotation[0] !== true || rotation[1] !== false) process.exit(1);

console.log(bold('\n5. A rule that waits for a person: S3.8 with "approval": {"timeout_minutes": 240}; the dry run is sent for approval, and alice approves through approve-remediation'));
await ssm.put('/security/remediation/routing-table', JSON.stringify({
  rules: [{ ...table.rules[0], approval: { timeout_minutes: 240 } }, ...table.rules.slice(1)],
}));
const waiting = `team-uploads-${suffix}`;
await s3.createBucket(waiting);
const approvalEvent = JSON.parse(JSON.stringify(findingsEvent).replaceAll(exposed, waiting).replaceAll('0b9e3a', suffix.slice(0, 6)));
approvalEvent.detail.findings = approvalEvent.detail.findings.slice(0, 1);
await importFindings(approvalEvent.detail.findings);
const approvalRun = execute(secDefinition, approvalEvent, { name: 'security-remediation', onEvent: progress });
let request;
for (let i = 0; i < 100 && !request; i += 1) {
  const mail = (await findingsMailbox.find(approvalEvent.detail.findings[0].Id)).find((m) => m.subject?.includes('approval'));
  request = mail && JSON.parse(mail.message);
  if (!request) await new Promise((r) => setTimeout(r, 100));
}
console.log(`  SNS ${request ? 'asks' : 'did not ask'}: ${request?.approval_needed}`);
console.log(`  s3://${waiting} public access block while it waits: ${JSON.stringify(await s3.publicAccessBlock(waiting))}`);
// What Lambda hands the function for a POST to its URL signed by alice (AWS_IAM auth).
const { Payload: answer } = await invokeLambda({
  FunctionName: functionArn('approve-remediation'),
  Payload: {
    version: '2.0', rawPath: '/', headers: { 'content-type': 'application/json' }, isBase64Encoded: false,
    requestContext: { accountId: ACCOUNT, requestId: suffix, timeEpoch: Date.now(), http: { method: 'POST', path: '/' }, authorizer: { iam: { userArn: `arn:aws:iam::${ACCOUNT}:user/alice` } } },
    body: JSON.stringify({ task_token: request?.task_token ?? 'none', decision: 'approve', reason: 'CHG-1234' }),
  },
});
console.log(`  approve-remediation answered ${answer.statusCode}: ${answer.body}`);
const approved = await approvalRun;
console.log(`  execution ${approved.status}`);
outcomeLines(approved);
const approvedBlock = await s3.publicAccessBlock(waiting);
console.log(`  s3://${waiting} public access block after the approval: ${JSON.stringify(approvedBlock)}`);
await ssm.put('/security/remediation/routing-table', JSON.stringify(table));
if (approved.status !== 'SUCCEEDED' || !approvedBlock || !Object.values(approvedBlock).every(Boolean)) process.exit(1);


// --- 6. Web crawler ---------------------------------------------------------------------------

console.log(bold('\n6. Crawl the local test site: cycles, seven spellings of one page, redirects in and out of scope, robots.txt, a sitemap, 404, 500, a huge page, a PDF, links to internal addresses'));
const { definition: crawlDefinition, notifications: crawlMailbox } = await deployWorkflow('web-crawler', {
  CrawlPageFunctionArn: functionArn('crawl-page'),
  IndexCrawlFunctionArn: functionArn('index-crawl'),
  KendraIndexId: '',
  KendraDataSourceId: '',
});
const CRAWL_BUCKET = 'web-crawls-local'; // scripts/local.env
await s3.createBucket(CRAWL_BUCKET);
// The sample crawl, a small pages_per_execution so that it continues in new executions.
const crawlInput = JSON.parse(readFileSync(new URL('../events/crawl-page/start-crawl-local.json', import.meta.url), 'utf8'));
crawlInput.base_url = `${process.env.SITE_URL}/docs/`;
crawlInput.limits.pages_per_execution = 8;
// A crawl to its end: its first execution and those it continues in; the finish step's answer.
async function crawlToTheEnd(input, onEvent) {
  let run = await execute(crawlDefinition, input, { name: 'web-crawler', onEvent });
  let executions = 1;
  while (run.status === 'SUCCEEDED' && run.output.continued) {
    const next = stepFunctions.started.at(-1);
    console.log(`  continues in execution ${next.Name}`);
    run = await execute(crawlDefinition, next.Input, { name: 'web-crawler', executionName: next.Name, onEvent });
    executions += 1;
  }
  console.log(`  ${executions} executions, the last ${run.status}`);
  const finished = run.calls.find((c) => c.state === 'Finish crawl')?.output.Payload;
  if (run.status !== 'SUCCEEDED' || !finished) process.exit(1);
  return finished;
}
let started = Date.now();
const finished = await crawlToTheEnd(crawlInput, progress);
const firstSeconds = (Date.now() - started) / 1000;
for (const r of await s3.jsonLines(CRAWL_BUCKET, `crawls/${crawlInput.name}/${finished.summary.run_id}/records/`)) {
  const what = r.outcome === 'crawled' ? `"${r.title}", ${r.bytes} bytes, ${r.links.length} links` : (r.error ?? r.location ?? r.content_type ?? '');
  console.log(`  ${r.outcome.padEnd(9)} ${String(r.status ?? '-').padEnd(4)} ${r.url.replace(process.env.SITE_URL, '')}  ${dim(what)}`);
}
console.log(`  summary: ${finished.summary_uri}`);
await show(crawlMailbox);
if (finished.summary.crawled !== 7) process.exit(1);

console.log(bold('\n   Re-crawl it, naming that run: every page is asked for with its ETag, and the site answers 304'));
started = Date.now();
const again = await crawlToTheEnd({ ...crawlInput, since: finished.summary.run_id });
const secondSeconds = (Date.now() - started) / 1000;
const t = again.summary;
console.log(`  unchanged ${t.unchanged} of ${finished.summary.crawled} pages, ${t.bytes_saved} bytes not downloaded (${finished.summary.bytes} the first time), crawled again: ${t.crawled}`);
console.log(`  ${secondSeconds.toFixed(1)} s against ${firstSeconds.toFixed(1)} s the first time (the test site's pages are small: the time goes to the state machine, not the downloads)`);
await show(crawlMailbox);
if (t.unchanged !== 7 || t.crawled !== 0 || t.bytes_saved !== finished.summary.bytes) process.exit(1);

console.log(bold('\n   Search what was crawled: each crawl ends with its pages indexed (index-crawl); search-crawl answers from the index'));
const latest = await s3.getJson(CRAWL_BUCKET, `crawls/${crawlInput.name}/search.json`);
console.log(`  index of run ${latest.run_id}: ${latest.pages} pages, ${latest.reused} taken unchanged from the first run's index (not read again), ${latest.index_bytes} bytes for ${latest.html_bytes} bytes of HTML`);
for (const q of ['test site', 'sitemap', 'scripted']) {
  const answer = (await invokeLambda({ FunctionName: 'search-crawl', Payload: { q, crawl: crawlInput.name, limit: 3 } })).Payload;
  console.log(`  search "${q}": ${answer.matches} matching page(s)${q === 'scripted' ? dim(' (the word is only inside a <script> of the index page: not text a reader sees)') : ''}`);
  for (const hit of answer.results) {
    console.log(`    ${hit.score.toFixed(2)}  ${hit.url.replace(process.env.SITE_URL, '')}  "${hit.title}"  ${dim(hit.snippet)}`);
  }
  if ((q === 'scripted') !== (answer.results.length === 0)) process.exit(1);
}
if (latest.reused !== 7) process.exit(1);

console.log(bold('\n   Eleven hosts in one crawl, listed in S3: more than the inline Map runs, so each batch is a distributed Map (moto\'s own Step Functions engine, its Lambda tasks routed to the real binary)'));
const hosts = spawn(`${process.env.CARGO_TARGET_DIR}/debug/fake-site`, ['hosts', '11', process.env.SITE_PORT ?? '9003'], { stdio: 'ignore' });
try {
  await new Promise((r) => setTimeout(r, 1000));
  const manyDefinition = structuredClone(crawlDefinition);
  // moto runs distributed Maps with STANDARD children and without a ResultWriter (README).
  const map = manyDefinition.States['Crawl batch (distributed)'];
  map.ItemProcessor.ProcessorConfig.ExecutionType = 'STANDARD';
  delete map.ResultWriter;
  for (const task of [manyDefinition.States['Start crawl'], manyDefinition.States['Read next batch'], manyDefinition.States['Finish crawl'], map.ItemProcessor.States['Crawl host (child)']]) {
    task.Parameters.FunctionName = 'crawl-page';
  }
  manyDefinition.States['Index for search'].Parameters.FunctionName = 'index-crawl';
  await sfn.executeStateMachines();
  const machine = await sfn.createStateMachine(`web-crawler-${randomUUID()}`, manyDefinition);
  // The sites are listed in the crawl bucket, one per line: the execution's input only names the list.
  const sites = Array.from({ length: 11 }, (_, n) => ({ base_url: `http://127.0.0.${10 + n}:${process.env.SITE_PORT ?? 9003}/docs/`, start_paths: ['/docs/'] }));
  await s3.putText(CRAWL_BUCKET, 'site-lists/many-hosts.jsonl', sites.map((site) => JSON.stringify(site)).join('\n'));
  const many = await sfn.waitFor(await sfn.startExecution(machine, `many-hosts-${Date.now()}`, {
    name: 'many-hosts', sites_from: 'site-lists/many-hosts.jsonl', allow_networks: ['127.0.0.0/8'],
    limits: { max_page_bytes: 1048576, concurrency: 11, requests_per_second: 20, pages_per_worker: 4 },
  }), 600);
  const runs = (await sfn.history(many.executionArn)).filter((e) => e.type === 'MapRunStarted').length;
  console.log(`  ${many.status}: ${many.output?.summary.crawled} pages from ${many.output?.summary.sites.length} hosts in ${runs} distributed Map runs, ${many.output?.summary.worker_failures} failed workers`);
  if (many.status !== 'SUCCEEDED' || many.output.summary.crawled !== 77) process.exit(1);
} finally {
  hosts.kill();
}

console.log(bold('\nDone: the Glue session and the protected databases were stopped, the WordPress data landed as raw JSON and bronze Parquet, the exposed bucket was locked, the test site was crawled once per page and nowhere else, then re-crawled without downloading a page again and searched; the rest was left alone and every failure reported.'));
