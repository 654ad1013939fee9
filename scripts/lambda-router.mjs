// In front of moto on 127.0.0.1: forwards the Lambda Invoke API to cargo lambda and everything
// else to moto. moto's own Step Functions engine sends its Lambda tasks to moto's port
// (MOTO_PORT), so with this in front they reach the real function binaries. It also answers
// Step Functions' SendTaskSuccess and SendTaskFailure itself (moto only accepts them) and keeps
// each answer by task token, for the state machine harness that waits on it:
// GET /_local/task-results/TOKEN.
//
//   node scripts/lambda-router.mjs LISTEN_PORT MOTO_PORT LAMBDA_PORT

import http from 'node:http';

const [listen, moto, lambda] = process.argv.slice(2).map(Number);
if (![listen, moto, lambda].every(Number.isInteger)) {
  console.error('usage: node scripts/lambda-router.mjs LISTEN_PORT MOTO_PORT LAMBDA_PORT');
  process.exit(2);
}
// POST /2015-03-31/functions/{name or ARN}/invocations; cargo lambda serves functions by name.
const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations(\?.*)?$/;
const TASK_RESULT = /^\/_local\/task-results\/([^/?]+)$/;
const taskResults = new Map();

function answerTask(req, res) {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const request = JSON.parse(body || '{}');
    const success = req.headers['x-amz-target'].endsWith('SendTaskSuccess');
    taskResults.set(request.taskToken, success
      ? { kind: 'success', output: request.output }
      : { kind: 'failure', error: request.error, cause: request.cause });
    res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0' });
    res.end('{}');
  });
}

http
  .createServer((req, res) => {
    if (/^AWSStepFunctions\.SendTask(Success|Failure)$/.test(req.headers['x-amz-target'] ?? '')) {
      answerTask(req, res);
      return;
    }
    const asked = req.url.match(TASK_RESULT);
    if (asked) {
      const result = taskResults.get(decodeURIComponent(asked[1]));
      res.writeHead(result ? 200 : 404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(result ?? {}));
      return;
    }
    const invoke = req.url.match(INVOKE);
    const path = invoke
      ? `/2015-03-31/functions/${decodeURIComponent(invoke[1]).split(':').at(6) ?? decodeURIComponent(invoke[1])}/invocations`
      : req.url;
    const upstream = http.request(
      { host: '127.0.0.1', port: invoke ? lambda : moto, method: req.method, path, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`lambda-router: ${e.message}`);
    });
    req.pipe(upstream);
  })
  .listen(listen, '127.0.0.1');
