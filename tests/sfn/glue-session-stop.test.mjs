// statemachines/glue-session-stop.asl.json, run end to end: a real ASL interpreter, the real
// stop-glue-session binary (cargo lambda), moto for Glue and SNS. Flow tests replace the
// Lambda task with a fake to produce what moto cannot (a session stuck in PROVISIONING).

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deployWorkflow, execute, functionArn } from './lib/local-sfn.mjs';
import { glue } from './lib/moto.mjs';

let definition;
let notifications;

before(async () => {
  ({ definition, notifications } = await deployWorkflow('glue-session-stop', {
    StopAfterSeconds: 3600,
    StopGlueSessionFunctionArn: functionArn('stop-glue-session'),
  }));
});

const newId = (label) => `${label}-${randomUUID().slice(0, 8)}`;

const stopCalls = (run) => run.calls.filter((c) => c.state === 'Stop session');

// A run, with the names of the states it entered.
async function executeSeeing(input) {
  const states = [];
  const onEvent = (event) => event.type === 'StateEntered' && states.push(event.state.name);
  const run = await execute(definition, input, { onEvent });
  return { ...run, states };
}

test('a READY session is stopped and the confirmation names it, its status and run time', async () => {
  const id = newId('ready');
  await glue.createSession(id);
  const run = await execute(definition, { session_id: id });
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(run.output.action, 'stopped');
  assert.equal(await glue.status(id), 'STOPPING');
  const [note] = await notifications.find(id);
  assert.equal(note.subject, `Glue session stopped: ${id}`);
  assert.match(note.message, new RegExp(`Stopped Glue session '${id}' \\(was READY, running for \\d+s\\)`));
});

test('stopping twice succeeds twice; the second run makes no stop call', async () => {
  const id = newId('twice');
  await glue.createSession(id);
  const first = await execute(definition, { session_id: id });
  const second = await execute(definition, { session_id: id });
  assert.equal(first.status, 'SUCCEEDED');
  assert.equal(second.status, 'SUCCEEDED');
  assert.equal(first.output.action, 'stopped');
  assert.equal(second.output.action, 'already_ended');
  assert.equal(second.output.previous_status, 'STOPPING');
});

test('an opted-out session is left running', async () => {
  const id = newId('opted-out');
  await glue.createSession(id, { 'auto-stop': 'false' });
  const run = await execute(definition, { session_id: id });
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(run.output.action, 'opted_out');
  assert.equal(await glue.status(id), 'READY');
});

test('a session that does not exist fails the execution and the notification names it', async () => {
  const id = newId('missing');
  const run = await execute(definition, { session_id: id });
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error, 'NotFound');
  const [note] = await notifications.find(id);
  assert.match(note.subject, /FAILED/);
  assert.match(note.message, /Error: NotFound/);
  assert.match(note.message, new RegExp(`Glue session '${id}' does not exist`));
});

for (const [label, input, expected] of [
  ['missing session_id', { id: 'x' }, /expected \{\\"session_id\\"/],
  ['empty session_id', { session_id: '' }, /session_id is empty/],
]) {
  test(`bad input (${label}) fails with InvalidInput and stops nothing`, async () => {
    const run = await execute(definition, input);
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error, 'InvalidInput');
    assert.match(run.cause, expected);
    assert.equal(run.calls.filter((c) => c.error === 'InvalidInput').length, 1, 'a permanent error is not retried');
    assert.equal(run.calls.filter((c) => c.state === 'Stop session' && !c.error).length, 0, 'nothing stopped');
  });
}

// What the EventBridge rule delivers: the whole CloudTrail event, as in the sample, for `id`,
// recorded `ago` seconds before now (0: as the session was created).
function createSessionEvent(id, ago = 0) {
  const event = JSON.parse(readFileSync(new URL('../../events/stop-glue-session/cloudtrail-create-session.json', import.meta.url), 'utf8'));
  event.detail.requestParameters.id = id;
  event.detail.responseElements.session.id = id;
  event.time = event.detail.eventTime = new Date(Date.now() - ago * 1000).toISOString();
  return event;
}

test('the CreateSession event as the rule delivers it stops the session it names', async () => {
  const id = newId('from-rule');
  await glue.createSession(id);
  const run = await execute(definition, createSessionEvent(id));
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(run.output.session_id, id);
  assert.equal(await glue.status(id), 'STOPPING');
});

test('a session created asking for more workers than the limit is reported and stopped without the wait', async () => {
  // The local stack allows 10 workers (scripts/local.env: MAX_WORKERS).
  const id = newId('too-big');
  await glue.createSession(id);
  const event = createSessionEvent(id);
  event.detail.requestParameters.numberOfWorkers = 20;
  const run = await executeSeeing(event);
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(run.output.action, 'stopped');
  assert.equal(await glue.status(id), 'STOPPING');
  const [check] = run.calls.filter((c) => c.state === 'Check limits');
  assert.equal(check.output.Payload.stop_now, true);
  assert.deepEqual(check.output.Payload.broken, ['20 workers is over the limit of 10']);
  const notes = await notifications.find(id);
  const over = notes.find((n) => n.subject === `Glue session over its limits: ${id}`);
  assert.ok(over, `a notification names the limit: ${JSON.stringify(notes)}`);
  assert.match(over.message, /created by arn:aws:sts::123456789012:assumed-role\/DataEngineer\/data-engineer/);
  // 20 G.1X workers for Glue's default 48 hours: 960 DPU-hours at $0.44.
  assert.match(over.message, /48\.0 hours at 20 DPUs: 960\.0 DPU-hours, about \$422\.40/);
  assert.ok(!run.states.includes('Wait before stopping'), `states: ${run.states}`);
});

test('a session within the limits waits its time as before', async () => {
  const id = newId('within');
  await glue.createSession(id);
  const run = await executeSeeing(createSessionEvent(id));
  assert.equal(run.status, 'SUCCEEDED');
  const [check] = run.calls.filter((c) => c.state === 'Check limits');
  assert.equal(check.output.Payload.over, false);
  assert.ok(run.states.includes('Wait before stopping'), `states: ${run.states}`);
});

test('a session created well after its CreateSession event reuses a deleted one\'s id and is left running', async () => {
  const id = newId('recreated');
  await glue.createSession(id);
  const run = await execute(definition, createSessionEvent(id, 3600));
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(run.output.action, 'replaced');
  assert.match(run.output.summary, /reuses its id/);
  assert.equal(await glue.status(id), 'READY');
});

test('a session id written to look like JSON names only itself, never another session', async () => {
  const victim = newId('victim');
  await glue.createSession(victim);
  const hostile = `${victim}", "session_id": "${victim}`;
  const run = await execute(definition, createSessionEvent(hostile));
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error, 'NotFound');
  assert.match(run.cause, /does not exist/);
  assert.equal(await glue.status(victim), 'READY', 'the session the id imitates is left alone');
});

test('a CreateSession event whose call failed is ignored without a notification', async () => {
  // The record of a call that failed (with errorCode and null responseElements), as CloudTrail
  // writes every field of it.
  const event = JSON.parse(readFileSync(new URL('../../events/stop-glue-session/cloudtrail-create-session-failed.json', import.meta.url), 'utf8'));
  event.detail.requestParameters.id = 'never-created';
  const run = await execute(definition, event);
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(run.output.ignored, true);
  assert.equal(run.calls.filter((c) => c.state.startsWith('Notify')).length, 0);
});

// Flow tests: the Lambda task replaced by a fake that plays a session's states.
function fakeStopper(states) {
  let calls = 0;
  let stops = 0;
  const handler = async ({ Payload }) => {
    const status = states[Math.min(calls++, states.length - 1)];
    if (status === 'PROVISIONING') {
      const error = new Error(JSON.stringify({ errorType: 'SessionNotReady', errorMessage: `Glue session '${Payload.session_id}' is PROVISIONING, not READY yet` }));
      error.name = 'SessionNotReady';
      throw error;
    }
    stops++;
    return {
      Payload: {
        session_id: Payload.session_id, previous_status: status, action: 'stopped', dry_run: false,
        subject: `Glue session stopped: ${Payload.session_id}`,
        summary: `Stopped Glue session '${Payload.session_id}' (was ${status}).`,
      },
    };
  };
  return { handler, stops: () => stops, calls: () => calls };
}

test('PROVISIONING for 5 attempts, then READY: succeeds with exactly one stop', async () => {
  const fake = fakeStopper(['PROVISIONING', 'PROVISIONING', 'PROVISIONING', 'PROVISIONING', 'PROVISIONING', 'READY']);
  const run = await execute(definition, { session_id: 'slow-1' }, { handlers: { 'Stop session': fake.handler } });
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(fake.calls(), 6);
  assert.equal(fake.stops(), 1);
  assert.equal(run.calls.filter((c) => c.state === 'Notify success').length, 1);
});

test('a session that never becomes ready fails after the bounded budget, naming it', async () => {
  const id = newId('stuck');
  const fake = fakeStopper(['PROVISIONING']);
  const run = await execute(definition, { session_id: id }, { handlers: { 'Stop session': fake.handler } });
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error, 'SessionNotReady');
  const retrier = definition.States['Stop session'].Retry.find((r) => r.ErrorEquals.includes('SessionNotReady'));
  assert.equal(fake.calls(), 1 + retrier.MaxAttempts);
  assert.equal(fake.stops(), 0);
  const [note] = await notifications.find(id);
  assert.match(note.message, /Error: SessionNotReady/);
  assert.match(note.message, new RegExp(`'${id}' is PROVISIONING`));
});

test('the SessionNotReady budget is at least 15 minutes', () => {
  const r = definition.States['Stop session'].Retry.find((x) => x.ErrorEquals.includes('SessionNotReady'));
  let total = 0;
  for (let i = 0; i < r.MaxAttempts; i++) total += Math.min(r.IntervalSeconds * r.BackoffRate ** i, r.MaxDelaySeconds);
  assert.ok(total >= 15 * 60, `budget ${total}s`);
});

test('throttling is retried, then the stop goes through', async () => {
  let calls = 0;
  const throttledOnce = async (params) => {
    if (calls++ < 2) {
      const error = new Error('Rate exceeded');
      error.name = 'Lambda.TooManyRequestsException';
      throw error;
    }
    return { Payload: { session_id: params.Payload.session_id, subject: 's', summary: 'ok', previous_status: 'READY', action: 'stopped' } };
  };
  const run = await execute(definition, { session_id: 'throttled-1' }, { handlers: { 'Stop session': throttledOnce } });
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(calls, 3);
});
