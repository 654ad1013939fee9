// The state machine engine of the cost simulation (simulation/ in the workspace): reads one
// execution per line on stdin ({machine, name, input}), runs it with aws-local-stepfunctions
// and writes its outcome as one line on stdout ({name, status, error, notified}).
//
// Time runs SIM_SPEED times faster: every timer the engine sets (Wait states, Retry back-offs
// with their jitter, task time-outs) is shortened by that factor, so the ASL runs unchanged.
// Lambda tasks call SIM_LAMBDA_URL's Invoke API over node:http, whose timers are not shortened.

import { createInterface } from 'node:readline';
import http from 'node:http';
import { loadDefinition, execute, stateMachine } from './lib/local-sfn.mjs';

const speed = Number(process.env.SIM_SPEED);
const lambdaUrl = new URL(process.env.SIM_LAMBDA_URL);
const machines = JSON.parse(process.env.SIM_MACHINES);
if (!(speed > 0)) throw new Error(`SIM_SPEED must be a positive number, got ${process.env.SIM_SPEED}`);

const realSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = (fn, ms = 0, ...args) => realSetTimeout(fn, ms / speed, ...args);

const definitions = Object.fromEntries(
  Object.entries(machines).map(([name, substitutions]) => [name, loadDefinition(name, substitutions)]),
);
// Validated before the first execution, which would otherwise stall every timer meanwhile.
Object.values(definitions).forEach(stateMachine);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function taskError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

function post(path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: lambdaUrl.hostname, port: lambdaUrl.port, path, method: 'POST', agent },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ res, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function invoke({ FunctionName, Payload }) {
  const name = FunctionName.split(':').at(6) ?? FunctionName;
  let answer;
  try {
    answer = await post(`/2015-03-31/functions/${name}/invocations`, JSON.stringify(Payload ?? {}));
  } catch (err) {
    throw taskError('Lambda.ServiceException', `cannot reach ${lambdaUrl}: ${err.message}`);
  }
  const body = JSON.parse(answer.text);
  if (answer.res.headers['x-amz-function-error']) throw taskError(body.errorType, JSON.stringify(body));
  return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: body };
}

async function run({ machine, name, input }) {
  const definition = definitions[machine];
  if (!definition) return { name, status: 'FAILED', error: `UnknownStateMachine ${machine}` };
  const notified = [];
  const handlers = {};
  for (const [stateName, state] of Object.entries(definition.States)) {
    if (state.Resource === 'arn:aws:states:::lambda:invoke') handlers[stateName] = invoke;
    if (state.Resource === 'arn:aws:states:::sns:publish') {
      handlers[stateName] = async ({ TopicArn, Subject }) => {
        notified.push([TopicArn, Subject ?? '']);
        return { MessageId: `${name}-${notified.length}` };
      };
    }
  }
  try {
    const result = await execute(definition, input, { handlers, realTime: true, name: machine, executionName: name });
    return { name, status: result.status, error: result.error, notified };
  } catch (err) {
    return { name, status: 'FAILED', error: `Engine: ${err.message}`, notified };
  }
}

process.stdout.write('{"ready":true}\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  run(JSON.parse(line)).then((outcome) => process.stdout.write(`${JSON.stringify(outcome)}\n`));
}
