// Every state machine's field paths against the messages its functions answer, as their Rust
// types serialise them (events/outputs/<function>/, checked by each crate's tests/outputs.rs).
// No stack is needed: each Lambda task answers each of its samples in turn, and the ASL
// interpreter resolves every path, so a field renamed on either side fails here rather than in
// a deployment. An explicit Payload must also name only fields its function's input accepts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { execute, functionArn, loadDefinition } from './lib/local-sfn.mjs';

const EVENTS = new URL('../../events/', import.meta.url);
const read = (path) => JSON.parse(readFileSync(new URL(path, EVENTS), 'utf8'));
const outputs = (fn) =>
  readdirSync(new URL(`outputs/${fn}/`, EVENTS))
    .sort()
    .map((name) => ({ name, body: read(`outputs/${fn}/${name}`) }));
// The fields a function's input may have: those of its accepted samples.
const inputFields = (fn) =>
  new Set(
    readdirSync(new URL(`${fn}/`, EVENTS))
      .filter((name) => !name.startsWith('bad-'))
      .flatMap((name) => Object.keys(read(`${fn}/${name}`) ?? {})),
  );

const WORKFLOWS = {
  'glue-session-stop': {
    input: read('stop-glue-session/cloudtrail-create-session.json'),
    functions: { StopGlueSessionFunctionArn: 'stop-glue-session' },
    substitutions: { StopAfterSeconds: '60' },
  },
  'rds-auto-stop': {
    input: read('check-and-stop-rds/check-instance.json'),
    functions: { CheckAndStopRdsFunctionArn: 'check-and-stop-rds' },
    substitutions: { MaxPolls: '3', PollSeconds: '60' },
  },
  'wordpress-raw-to-bronze': {
    input: {},
    functions: { ExtractWordPressFunctionArn: 'extract-wordpress', WordPressToParquetFunctionArn: 'wordpress-to-parquet' },
  },
  'security-remediation': {
    input: read('route-finding/securityhub-findings-imported.json'),
    functions: { RouteFindingFunctionArn: 'route-finding', RemediationProxyFunctionArn: 'remediation-proxy' },
    substitutions: { FindingsTopicArn: 'arn:aws:sns:us-east-1:123456789012:findings' },
  },
};

// Every state, also inside Map states.
function states(definition, found = new Map()) {
  for (const [name, state] of Object.entries(definition.States)) {
    found.set(name, state);
    if (state.Type === 'Map') states(state.ItemProcessor ?? state.Iterator, found);
    if (state.Type === 'Parallel') state.Branches.forEach((b) => states(b, found));
  }
  return found;
}

for (const [workflow, { input, functions, substitutions = {} }] of Object.entries(WORKFLOWS)) {
  test(`${workflow}: every path resolves on the functions' messages`, async () => {
    const arns = Object.fromEntries(Object.entries(functions).map(([key, fn]) => [key, functionArn(fn)]));
    const definition = loadDefinition(workflow, {
      ...arns,
      ...substitutions,
      SuccessTopicArn: 'arn:aws:sns:us-east-1:123456789012:succeeded',
      FailureTopicArn: 'arn:aws:sns:us-east-1:123456789012:failed',
    });
    const all = states(definition);
    const byArn = Object.fromEntries(Object.entries(functions).map(([key, fn]) => [arns[key], fn]));
    // One run per sample of each function (the others answer their first), and one where that
    // function fails: together they must reach every state, the failure paths too.
    const runs = [];
    for (const fn of Object.values(functions)) {
      for (const sample of outputs(fn)) runs.push({ fn, sample });
      runs.push({ fn, error: true });
    }
    // And one per other integration (SNS, Security Hub...) failing.
    const resources = new Set([...all.values()].filter((st) => st.Type === 'Task' && !byArn[st.Parameters?.FunctionName]).map((st) => st.Resource));
    for (const resource of resources) runs.push({ resource });
    const reached = new Set();
    for (const run of runs) {
      const handlers = {};
      for (const [name, state] of all) {
        if (state.Type !== 'Task') continue;
        const fn = byArn[state.Parameters?.FunctionName];
        handlers[name] = async (params) => {
          if (!fn && run.resource === state.Resource) {
            const error = new Error('a failure');
            error.name = 'ServiceException';
            throw error;
          }
          if (!fn) return {};
          if (state.Parameters.Payload && typeof state.Parameters.Payload === 'object') {
            const accepted = inputFields(fn);
            for (const field of Object.keys(params.Payload)) {
              assert.ok(accepted.has(field), `${workflow} / ${name}: ${fn} takes no field '${field}'`);
            }
          }
          if (fn && run.fn === fn && run.error) {
            const error = new Error('a failure');
            error.name = 'InvalidInput';
            throw error;
          }
          const body = run.fn === fn ? run.sample.body : outputs(fn)[0].body;
          return { StatusCode: 200, Payload: body };
        };
      }
      const result = await execute(definition, input, {
        handlers,
        onEvent: (event) => event.type === 'StateEntered' && reached.add(event.state?.name),
      });
      const label = run.resource ? `${run.resource} failing` : run.error ? `${run.fn} failing` : `${run.fn} answering ${run.sample.name}`;
      // A path that does not resolve fails the execution with States.Runtime.
      assert.notEqual(result.error, 'States.Runtime', `${workflow}, ${label}: ${result.cause}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
    const missed = [...all.keys()].filter((name) => !reached.has(name));
    assert.deepEqual(missed, [], `${workflow}: no sample reaches these states`);
  });
}
