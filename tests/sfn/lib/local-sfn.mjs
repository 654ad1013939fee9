// Runs our ASL files in aws-local-stepfunctions, a real JSONPath interpreter: Lambda tasks go to
// the real function binaries through cargo lambda's Invoke API, SNS tasks to moto.

import { readFileSync } from 'node:fs';
import { StateMachine, ExecutionError } from 'aws-local-stepfunctions';
import { randomUUID } from 'node:crypto';
import { ACCOUNT, inbox, sns, taskResult } from './moto.mjs';

const LAMBDA_URL = process.env.LAMBDA_URL ?? 'http://127.0.0.1:9001';
const REGION = process.env.AWS_REGION ?? 'us-east-1';
const ROOT = new URL('../../../', import.meta.url);

export const functionArn = (name) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

// Reads statemachines/<name>.asl.json and fills in ${...} as CloudFormation's
// DefinitionSubstitutions would; an unknown placeholder is an error, not a silent blank.
export function loadDefinition(name, substitutions) {
  const text = readFileSync(new URL(`statemachines/${name}.asl.json`, ROOT), 'utf8');
  const filled = text.replace(/\$\{(\w+)\}/g, (_, key) => {
    if (!(key in substitutions)) throw new Error(`${name}: no value for \${${key}}`);
    return String(substitutions[key]);
  });
  return withTimeoutPaths(JSON.parse(filled));
}

// Step Functions reads a Task's TimeoutSecondsPath from the state's input; this engine reads it
// from the task's Parameters. So the path is copied into the Parameters here (as
// `__timeout_seconds`, which `execute` takes out again before the task runs).
const TIMEOUT_FIELD = '__timeout_seconds';
function withTimeoutPaths(definition) {
  for (const [, state] of allStates(definition)) {
    if (state.Type === 'Task' && state.TimeoutSecondsPath && state.Parameters) {
      state.Parameters[`${TIMEOUT_FIELD}.$`] = state.TimeoutSecondsPath;
      state.TimeoutSecondsPath = `$.${TIMEOUT_FIELD}`;
    }
  }
  return definition;
}

// A workflow as deployed on moto: its success and failure topics (`<name>-succeeded`,
// `<name>-failed`), its definition filled in with them and `substitutions`, and an inbox
// subscribed to both topics.
export async function deployWorkflow(name, substitutions) {
  const SuccessTopicArn = await sns.createTopic(`${name}-succeeded`);
  const FailureTopicArn = await sns.createTopic(`${name}-failed`);
  const definition = loadDefinition(name, { ...substitutions, SuccessTopicArn, FailureTopicArn });
  const notifications = await inbox(`${name}-${randomUUID()}`, [SuccessTopicArn, FailureTopicArn]);
  return { definition, notifications };
}

// Every state, also inside Map and Parallel states: [name, state].
function allStates(definition, found = []) {
  for (const [name, state] of Object.entries(definition.States)) {
    found.push([name, state]);
    if (state.Type === 'Map') allStates(state.ItemProcessor ?? state.Iterator, found);
    if (state.Type === 'Parallel') state.Branches.forEach((b) => allStates(b, found));
  }
  return found;
}

const taskStates = (definition) => allStates(definition).filter(([, state]) => state.Type === 'Task');

function lambdaError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

// The lambda:invoke integration: calls the binary named by the ARN's function part. A function
// error becomes a task error named by its errorType, as in Step Functions.
export async function invokeLambda({ FunctionName, Payload }) {
  const name = FunctionName.split(':').at(6) ?? FunctionName;
  let res;
  try {
    res = await fetch(`${LAMBDA_URL}/2015-03-31/functions/${name}/invocations`, {
      method: 'POST',
      body: JSON.stringify(Payload ?? {}),
    });
  } catch (err) {
    throw lambdaError('Lambda.ServiceException', `cannot reach ${LAMBDA_URL}: ${err.message}`);
  }
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw lambdaError('Lambda.ServiceException', `${name} answered ${res.status}: ${text}`);
  }
  if (!res.ok || res.headers.get('x-amz-function-error')) {
    if (!body?.errorType) throw lambdaError('Lambda.ServiceException', `${name} answered ${res.status}: ${text}`);
    throw lambdaError(body.errorType, JSON.stringify(body));
  }
  return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: body };
}

export async function publishSns({ TopicArn, Subject, Message }) {
  return { MessageId: await sns.publish(TopicArn, Subject, Message) };
}

// Security Hub's BatchUpdateFindings, which moto does not implement: the updates are recorded
// here, by finding id, for the tests and the demo to read back.
export const securityHub = {
  updates: new Map(),
  async batchUpdateFindings({ FindingIdentifiers, Workflow, Note, UserDefinedFields }) {
    for (const { Id, ProductArn } of FindingIdentifiers) {
      if (!Id || !ProductArn) throw lambdaError('SecurityHub.InvalidInputException', 'Id and ProductArn are required');
      if (Note && (!Note.Text || Note.Text.length > 512)) {
        throw lambdaError('SecurityHub.InvalidInputException', `Note.Text must be 1 to 512 characters, got ${Note.Text?.length}`);
      }
      for (const value of Object.values(UserDefinedFields ?? {})) {
        if (typeof value !== 'string' || value.length < 1 || value.length > 1024) {
          throw lambdaError('SecurityHub.InvalidInputException', `UserDefinedFields values must be 1 to 1024 characters, got ${JSON.stringify(value)?.length}`);
        }
      }
      securityHub.updates.set(Id, { workflow: Workflow?.Status, note: Note?.Text, fields: UserDefinedFields });
    }
    return { ProcessedFindings: FindingIdentifiers, UnprocessedFindings: [] };
  },
};

// StartExecution, which the crawler uses to continue in a new execution: recorded here, for the
// test to run the started execution itself.
export const stepFunctions = {
  started: [],
  async startExecution({ StateMachineArn, Name, Input }) {
    if (!StateMachineArn || !Name) throw lambdaError('StepFunctions.InvalidArn', 'StateMachineArn and Name are required');
    if (stepFunctions.started.some((s) => s.Name === Name)) {
      throw lambdaError('StepFunctions.ExecutionAlreadyExistsException', `execution ${Name} already exists`);
    }
    stepFunctions.started.push({ StateMachineArn, Name, Input });
    return { ExecutionArn: `${StateMachineArn.replace(':stateMachine:', ':execution:')}:${Name}`, StartDate: new Date().toISOString() };
  },
};

// Kendra's data source sync, which the crawler starts after indexing when Kendra is configured:
// recorded here (there is no local Kendra).
export const kendra = {
  syncs: [],
  async startDataSourceSyncJob({ Id, IndexId }) {
    if (!Id || !IndexId) throw lambdaError('Kendra.ValidationException', 'Id and IndexId are required');
    kendra.syncs.push({ Id, IndexId });
    return { ExecutionId: randomUUID() };
  },
};

// The engine has no task tokens: `$$.Task.Token` is this placeholder, which each waiting task
// replaces with a token of its own before it publishes.
const TASK_TOKEN = 'local-task-token';

// SNS publish with a task token: publishes, then waits for the token's answer through the
// router (SendTaskSuccess from the approval function, or as the CLI sends it). A failure ends
// the task with its error name, as in Step Functions; the state's timeout is the engine's.
export async function publishAndWait({ TopicArn, Subject, Message }) {
  const token = randomUUID();
  const text = (typeof Message === 'string' ? Message : JSON.stringify(Message)).replaceAll(TASK_TOKEN, token);
  await sns.publish(TopicArn, Subject, text);
  for (let waited = 0; waited < 120_000; waited += 100) {
    const result = await taskResult(token);
    if (result?.kind === 'success') return JSON.parse(result.output);
    if (result) throw lambdaError(result.error, result.cause);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw lambdaError('States.Timeout', `no answer for task ${token} in 120 s`);
}

const integrations = {
  'arn:aws:states:::lambda:invoke': invokeLambda,
  'arn:aws:states:::sns:publish': publishSns,
  'arn:aws:states:::sns:publish.waitForTaskToken': publishAndWait,
  'arn:aws:states:::aws-sdk:securityhub:batchUpdateFindings': securityHub.batchUpdateFindings,
  'arn:aws:states:::states:startExecution': stepFunctions.startExecution,
  'arn:aws:states:::aws-sdk:kendra:startDataSourceSyncJob': kendra.startDataSourceSyncJob,
};

// Calls `start` with the clock at `iso`. The interpreter sets `$$.Execution.StartTime` itself,
// from `new Date()`, when an execution starts (synchronously, in `run`), whatever the context
// it is given says: this is how a test runs an execution "on" another day.
function atTime(iso, start) {
  const RealDate = globalThis.Date;
  const fixed = new RealDate(iso).getTime();
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      super(...(args.length ? args : [fixed]));
    }

    static now() {
      return fixed;
    }
  };
  try {
    return start();
  } finally {
    globalThis.Date = RealDate;
  }
}

// Validating a definition takes the engine tens of milliseconds of blocking work: once per
// definition is enough.
const validated = new WeakMap();
export function stateMachine(definition) {
  if (!validated.has(definition)) {
    validated.set(definition, new StateMachine(definition, { validationOptions: { checkArn: false } }));
  }
  return validated.get(definition);
}

// Runs one execution to its end. `handlers` replaces chosen Task states (fakes for flow
// tests); `calls` records every Task call; `executionName` is `$$.Execution.Name`, `startTime`
// `$$.Execution.StartTime` (now by default); `onEvent` sees the execution's event log. Waits
// and retry intervals are 0 unless `realTime`.
export async function execute(definition, input, { handlers = {}, realTime = false, name = 'test', executionName = randomUUID(), startTime = new Date().toISOString(), onEvent } = {}) {
  const calls = [];
  const taskResourceLocalHandlers = {};
  const retryIntervalOverrides = {};
  const waitTimeOverrides = {};
  for (const [stateName, state] of taskStates(definition)) {
    const handler = handlers[stateName] ?? integrations[state.Resource];
    if (!handler) throw new Error(`no local handler for ${stateName} (${state.Resource})`);
    taskResourceLocalHandlers[stateName] = async ({ [TIMEOUT_FIELD]: _, ...params }) => {
      const call = { state: stateName, input: params };
      calls.push(call);
      try {
        call.output = await handler(params);
        return call.output;
      } catch (err) {
        call.error = err.name;
        throw err;
      }
    };
  }
  if (!realTime) {
    for (const [stateName, state] of allStates(definition)) {
      if (state.Type === 'Wait') waitTimeOverrides[stateName] = 0;
      if (state.Retry) retryIntervalOverrides[stateName] = 0;
    }
  }
  const machine = stateMachine(definition);
  const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${name}:${executionName}`;
  const execution = atTime(startTime, () => machine.run(input, {
    overrides: { taskResourceLocalHandlers, retryIntervalOverrides, waitTimeOverrides },
    context: {
      Execution: { Id: executionArn, Name: executionArn.split(':').at(-1), Input: input },
      StateMachine: { Id: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`, Name: name },
      Task: { Token: TASK_TOKEN },
    },
  }));
  if (onEvent) {
    (async () => {
      for await (const event of execution.eventLogs) onEvent(event);
    })();
  }
  try {
    return { status: 'SUCCEEDED', output: await execution.result, calls };
  } catch (err) {
    if (!(err instanceof ExecutionError)) throw err;
    return { status: 'FAILED', error: err.cause?.name, cause: err.cause?.message, calls };
  }
}
