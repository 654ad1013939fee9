// statemachines/rds-auto-stop.asl.json end to end: the real check-and-stop-rds binary against
// moto's RDS, and flow tests whose fake check plays a database's status sequence.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { deployWorkflow, execute, functionArn } from './lib/local-sfn.mjs';
import { rds } from './lib/moto.mjs';

const MAX_POLLS = 5;
let definition;
let notifications;

before(async () => {
  ({ definition, notifications } = await deployWorkflow('rds-auto-stop', {
    PollSeconds: 300,
    MaxPolls: MAX_POLLS,
    CheckAndStopRdsFunctionArn: functionArn('check-and-stop-rds'),
  }));
});

const newId = (label) => `${label}-${randomUUID().slice(0, 8)}`;
const PROTECTED = { 'auto-restart-protection': 'yes' };

test('a protected, available instance is stopped and the workflow confirms it', async () => {
  const id = newId('orders');
  await rds.createInstance(id, PROTECTED);
  const run = await execute(definition, { resource_id: id, resource_type: 'instance' });
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(await rds.instanceStatus(id), 'stopped');
  const [note] = await notifications.find(id);
  assert.match(note.message, new RegExp(`DB instance '${id}'`));
});

test('a protected Aurora cluster is stopped', async () => {
  const id = newId('analytics');
  await rds.createCluster(id, PROTECTED);
  const run = await execute(definition, { resource_id: id, resource_type: 'cluster' });
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(await rds.clusterStatus(id), 'stopped');
});

for (const [label, tags] of [
  ['untagged', {}],
  ['tagged yes-please', { 'auto-restart-protection': 'yes-please' }],
  ['tagged Yes', { 'auto-restart-protection': 'Yes' }],
]) {
  test(`an instance ${label}: not touched; the workflow fails naming it`, async () => {
    const id = newId('keep');
    await rds.createInstance(id, tags);
    const run = await execute(definition, { resource_id: id, resource_type: 'instance' });
    assert.equal(run.status, 'FAILED');
    assert.equal(run.error, 'NotProtected');
    assert.equal(await rds.instanceStatus(id), 'available');
    const [note] = await notifications.find(id);
    assert.match(note.message, /Error: NotProtected/);
  });
}

// Flow tests: a fake check playing a status sequence (moto jumps straight to stopped).
function fakeCheck(statuses) {
  let calls = 0;
  let stops = 0;
  const handler = async ({ Payload }) => {
    const status = statuses[Math.min(calls++, statuses.length - 1)];
    const stop = status === 'available';
    if (stop) stops++;
    return {
      Payload: {
        resource_id: Payload.resource_id, resource_type: Payload.resource_type,
        status: stop ? 'stopping' : status, action: stop ? 'stopped' : 'wait', done: status === 'stopped',
        subject: `Auto-started DB instance stopped again: ${Payload.resource_id}`, summary: `DB instance '${Payload.resource_id}' is ${status}.`,
      },
    };
  };
  return { handler, calls: () => calls, stops: () => stops };
}

test('starting → configuring → available → stopping → stopped: one stop, SUCCEEDED', async () => {
  const fake = fakeCheck(['starting', 'configuring-enhanced-monitoring', 'available', 'stopping', 'stopped']);
  const run = await execute(definition, { resource_id: 'flow-db', resource_type: 'instance' }, { handlers: { 'Check database': fake.handler } });
  assert.equal(run.status, 'SUCCEEDED');
  assert.equal(fake.calls(), 5);
  assert.equal(fake.stops(), 1);
});

test('a database that never becomes available: FAILED after the check budget, naming it', async () => {
  const id = newId('never');
  const fake = fakeCheck(['starting']);
  const run = await execute(definition, { resource_id: id, resource_type: 'instance' }, { handlers: { 'Check database': fake.handler } });
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error, 'CheckBudgetExhausted');
  assert.equal(fake.calls(), MAX_POLLS);
  assert.equal(fake.stops(), 0);
  const [note] = await notifications.find(id);
  assert.match(note.subject, /gave up/);
  assert.match(note.message, new RegExp(`DB instance ${id} is still starting after ${MAX_POLLS} checks`));
});
