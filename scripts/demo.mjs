// The demo: the Glue session stopper end to end on the local stack. Run by `make demo`, which
// starts moto and the function binaries first.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execute, functionArn, invokeLambda, loadDefinition } from '../tests/sfn/lib/local-sfn.mjs';
import { glue, inbox, sns } from '../tests/sfn/lib/moto.mjs';

const bold = (s) => `\x1b[1m${s}\x1b[0m`;
const dim = (s) => `\x1b[2m${s}\x1b[0m`;

function progress(event) {
  const at = dim(new Date(event.timestamp).toISOString().slice(11, 23));
  if (event.type === 'StateEntered') console.log(`  ${at} → ${event.state.name}`);
  if (event.type === 'StateRetried') console.log(`  ${at}   retry ${event.retry.attempt} of ${event.state.name}`);
  if (event.type === 'StateFailed' && event.state.type !== 'Fail') console.log(`  ${at}   ${event.state.name} failed: ${event.Error}`);
}

async function show(notes) {
  for (let i = 0; i < 20 && notes.length === 0; i++) {
    notes.push(...(await mailbox.read()));
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const n of notes.splice(0)) {
    const topic = n.topic.split(':').at(-1);
    console.log(`  SNS ${topic}\n    Subject: ${n.subject}\n    Message: ${n.message}`);
  }
}

const WAIT_SECONDS = 3;
const succeeded = await sns.createTopic('glue-session-stop-succeeded');
const failed = await sns.createTopic('glue-session-stop-failed');
const mailbox = await inbox(`demo-${randomUUID()}`, [succeeded, failed]);
const definition = loadDefinition('glue-session-stop', {
  StopAfterSeconds: WAIT_SECONDS,
  StopGlueSessionFunctionArn: functionArn('stop-glue-session'),
  SuccessTopicArn: succeeded,
  FailureTopicArn: failed,
});

console.log(bold('\n1. A data engineer opens a Glue notebook: CreateSession'));
const id = `glue-studio-notebook-${randomUUID().slice(0, 8)}`;
await glue.createSession(id);
console.log(`  session ${id} is ${await glue.status(id)}`);

console.log(bold(`\n2. EventBridge starts the state machine (waiting ${WAIT_SECONDS} s here; the default is 3600 s)`));
const run = await execute(definition, { session_id: id }, { realTime: true, name: 'glue-session-stop', onEvent: progress });
console.log(`  execution ${run.status}: ${JSON.stringify(run.output)}`);
console.log(`  session ${id} is now ${await glue.status(id)}`);
await show([]);

console.log(bold('\n3. A session id that does not exist: the workflow fails loudly'));
const missing = await execute(definition, { session_id: 'no-such-session' }, { name: 'glue-session-stop', onEvent: progress });
console.log(`  execution ${missing.status} with ${missing.error} (the ExecutionsFailed alarm fires in AWS)`);
await show([]);

console.log(bold('\n4. The scheduled sweep (events/stop-glue-session/scheduled-sweep.json)'));
const sweepEvent = JSON.parse(readFileSync(new URL('../events/stop-glue-session/scheduled-sweep.json', import.meta.url)));
const { Payload: report } = await invokeLambda({ FunctionName: 'stop-glue-session', Payload: sweepEvent });
console.log(`  checked ${report.checked} session(s); stopped ${report.stopped.length}; none other ran past the 90-minute limit`);

if (run.status !== 'SUCCEEDED' || missing.status !== 'FAILED') process.exit(1);
console.log(bold('\nDone: the session was stopped and the failure was reported.'));
