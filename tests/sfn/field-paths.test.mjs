// Every state machine's field paths against the messages its functions answer, as their Rust
// types serialise them (events/outputs/<function>/, checked by each crate's tests/outputs.rs).
// No stack is needed: each Lambda task answers each of its samples in turn, and the ASL
// interpreter resolves every path, so a field renamed on either side fails here rather than in
// a deployment. An explicit Payload must also name only fields its function's input accepts.
// A function with several actions (the crawler) names each sample after the action that
// answers it (`next-done.json` answers `{"action": "next"}`), and a loop's answers can be
// given in order (`sequences`), so that every run ends. A distributed Map reads its items from
// S3, which this interpreter does not: it runs here as an inline Map over `mapItems`, and the
// paths of its ItemReader, ResultWriter and *Path fields must resolve on its input.

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
    // The limits report answers the check only, which answers the others too (as nothing to report).
    onlyIn: { 'over-limits.json': 'Check limits' },
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
  'web-crawler': {
    input: read('crawl-page/start-crawl-local.json'),
    functions: { CrawlPageFunctionArn: 'crawl-page', IndexCrawlFunctionArn: 'index-crawl' },
    // Kendra named, so that its sync is a state the samples can reach (index-kendra.json).
    substitutions: { KendraIndexId: 'a1b2c3d4-1111-2222-3333-444455556666', KendraDataSourceId: 'b1b2c3d4-1111-2222-3333-444455556666' },
    // The first batch, then the end of the crawl.
    sequences: { 'crawl-page': { next: ['next-batch.json', 'next-done.json'] } },
    // What the distributed Map's ItemReader reads (`batches/<batch>.json`): one item per worker.
    mapItems: read('outputs/crawl-page/next-batch.json').workers,
    // The failures again with the batch in the distributed Map.
    alternatives: { 'crawl-page': [{ next: ['next-distributed.json', 'next-done.json'] }] },
    // A continuation, or a crawl resumed after a failure, names its run.
    moreInputs: [read('crawl-page/resume-crawl.json')],
  },
  'security-remediation': {
    input: read('route-finding/securityhub-findings-imported.json'),
    functions: { RouteFindingFunctionArn: 'route-finding', RemediationProxyFunctionArn: 'remediation-proxy' },
    substitutions: { FindingsTopicArn: 'arn:aws:sns:us-east-1:123456789012:findings', ApprovalUrl: 'https://approve.lambda-url.us-east-1.on.aws/' },
    // A refusal (the finding changed) takes its own path.
    errors: { 'remediation-proxy': ['InvalidInput', 'FindingChanged'] },
    // A rejected approval, and one nobody answered, take theirs.
    resourceErrors: { 'arn:aws:states:::sns:publish.waitForTaskToken': ['Rejected', 'States.Timeout'] },
  },
};

// What other integrations answer; each test replaces them with a failure once.
const ANSWERS = {
  'arn:aws:states:::states:startExecution': {
    ExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:test:next',
    StartDate: '2026-12-02T06:00:00Z',
  },
};

// The action a sample answers, from its name: `next-done.json` answers `next`.
const actionOf = (name) => name.replace(/\.json$/, '').split('-')[0];

// A distributed Map as an inline one over the execution input's `__items`; returns the paths
// its S3 and concurrency fields read from its input.
function inlined(state) {
  const paths = [
    ...Object.entries(state.ItemReader.Parameters ?? {}),
    ...Object.entries(state.ResultWriter?.Parameters ?? {}),
    ['MaxConcurrencyPath', state.MaxConcurrencyPath],
    ['ToleratedFailurePercentagePath', state.ToleratedFailurePercentagePath],
  ]
    .filter(([key, path]) => path !== undefined && (key.endsWith('.$') || key.endsWith('Path')))
    .map(([, path]) => path);
  for (const field of ['ItemReader', 'ResultWriter', 'MaxConcurrencyPath', 'ToleratedFailurePercentagePath']) delete state[field];
  state.ItemsPath = '$$.Execution.Input.__items';
  state.ItemProcessor.ProcessorConfig = { Mode: 'INLINE' };
  return paths;
}

// `$.a.b` on a value: undefined when a step is missing.
const resolve = (value, path) => path.replace(/^\$\.?/, '').split('.').filter(Boolean).reduce((v, k) => v?.[k], value);

// Every state, also inside Map states.
function states(definition, found = new Map()) {
  for (const [name, state] of Object.entries(definition.States)) {
    found.set(name, state);
    if (state.Type === 'Map') states(state.ItemProcessor ?? state.Iterator, found);
    if (state.Type === 'Parallel') state.Branches.forEach((b) => states(b, found));
  }
  return found;
}

for (const [workflow, { input, moreInputs = [], functions, substitutions = {}, sequences = {}, mapItems = [], alternatives = {}, errors = {}, resourceErrors = {}, onlyIn = {} }] of Object.entries(WORKFLOWS)) {
  test(`${workflow}: every path resolves on the functions' messages`, async () => {
    const arns = Object.fromEntries(Object.entries(functions).map(([key, fn]) => [key, functionArn(fn)]));
    const definition = loadDefinition(workflow, {
      ...arns,
      ...substitutions,
      SuccessTopicArn: 'arn:aws:sns:us-east-1:123456789012:succeeded',
      FailureTopicArn: 'arn:aws:sns:us-east-1:123456789012:failed',
    });
    const all = states(definition);
    const distributed = Object.fromEntries([...all].filter(([, st]) => st.Type === 'Map' && st.ItemReader).map(([name, st]) => [name, inlined(st)]));
    const byArn = Object.fromEntries(Object.entries(functions).map(([key, fn]) => [arns[key], fn]));
    // One run per sample of each function (the others answer their first), and one where that
    // function fails: together they must reach every state, the failure paths too.
    const runs = [];
    for (const fn of Object.values(functions)) {
      for (const sample of outputs(fn)) runs.push({ fn, sample });
      if (sequences[fn]) {
        for (const action of new Set(outputs(fn).map((o) => actionOf(o.name)))) {
          runs.push({ fn, error: true, action });
          for (const alternative of alternatives[fn] ?? []) runs.push({ fn, error: true, action, sequences: alternative });
        }
      } else {
        for (const errorName of errors[fn] ?? ['InvalidInput']) runs.push({ fn, error: true, errorName });
      }
    }
    // The samples a call answers, in order, the last one from then on: the run's own sample
    // first, then how the loop ends.
    const answers = (run, fn, action) => {
      const samples = outputs(fn).filter((o) => !action || actionOf(o.name) === action);
      const byName = Object.fromEntries(samples.map((o) => [o.name, o]));
      const order = (run.fn === fn && run.sequences?.[action]) || sequences[fn]?.[action];
      const sequence = (order ?? [samples[0].name]).map((name) => byName[name]);
      if (run.fn === fn && run.sample && byName[run.sample.name]) {
        return sequences[fn]?.[action] ? [run.sample, sequence.at(-1)] : [run.sample];
      }
      return sequence;
    };
    // And one per other integration (SNS, Security Hub...) failing.
    const resources = new Set([...all.values()].filter((st) => st.Type === 'Task' && !byArn[st.Parameters?.FunctionName]).map((st) => st.Resource));
    for (const resource of resources) runs.push({ resource });
    for (const [resource, names] of Object.entries(resourceErrors)) {
      for (const errorName of names) runs.push({ resource, errorName });
    }
    for (const other of moreInputs) runs.push({ input: other });
    const reached = new Set();
    for (const run of runs) {
      const handlers = {};
      const calls = new Map();
      // A handler's assertion would become a task error that a Catch handles: kept for after.
      const problems = [];
      for (const [name, state] of all) {
        if (state.Type !== 'Task') continue;
        const fn = byArn[state.Parameters?.FunctionName];
        handlers[name] = async (params) => {
          if (!fn && run.resource === state.Resource) {
            const error = new Error('a failure');
            error.name = run.errorName ?? 'ServiceException';
            throw error;
          }
          if (!fn) return ANSWERS[state.Resource] ?? {};
          if (state.Parameters.Payload && typeof state.Parameters.Payload === 'object') {
            const accepted = inputFields(fn);
            for (const field of Object.keys(params.Payload)) {
              if (!accepted.has(field)) problems.push(`${workflow} / ${name}: ${fn} takes no field '${field}'`);
            }
          }
          const action = sequences[fn] ? params.Payload.action : undefined;
          if (run.fn === fn && run.error && run.action === action) {
            const error = new Error('a failure');
            error.name = run.errorName ?? 'InvalidInput';
            throw error;
          }
          const key = `${fn}:${action}`;
          const count = calls.get(key) ?? 0;
          calls.set(key, count + 1);
          let sequence = answers(run, fn, action);
          // A sample only one state answers: the other states answer the first other sample.
          if (sequence.some((o) => onlyIn[o?.name] && onlyIn[o.name] !== name)) {
            sequence = [outputs(fn).find((o) => !onlyIn[o.name])];
          }
          if (!sequence.length || !sequence.every(Boolean)) {
            problems.push(`${workflow} / ${name}: no sample answers ${key}`);
            throw new Error(problems.at(-1));
          }
          return { StatusCode: 200, Payload: sequence[Math.min(count, sequence.length - 1)].body };
        };
      }
      const result = await execute(definition, { ...(run.input ?? input), __items: mapItems }, {
        handlers,
        onEvent: (event) => {
          if (event.type !== 'StateEntered') return;
          reached.add(event.state?.name);
          for (const path of distributed[event.state?.name] ?? []) {
            if (resolve(event.state.input, path) === undefined) problems.push(`${workflow} / ${event.state.name}: ${path} is not in its input`);
          }
        },
      });
      const label = run.input
        ? `starting with ${JSON.stringify(run.input)}`
        : run.resource
        ? `${run.resource} failing with ${run.errorName ?? 'ServiceException'}`
        : run.error
          ? `${run.fn} ${run.action ?? ''} failing with ${run.errorName ?? 'InvalidInput'}`
          : `${run.fn} answering ${run.sample.name}`;
      assert.deepEqual(problems, [], `${workflow}, ${label}`);
      // A path that does not resolve fails the execution with States.Runtime.
      assert.notEqual(result.error, 'States.Runtime', `${workflow}, ${label}: ${result.cause}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
    const missed = [...all.keys()].filter((name) => !reached.has(name));
    assert.deepEqual(missed, [], `${workflow}: no sample reaches these states`);
  });
}
