// In front of moto on 127.0.0.1: forwards the Lambda Invoke API to cargo lambda and everything
// else to moto. moto's own Step Functions engine sends its Lambda tasks to moto's port
// (MOTO_PORT), so with this in front they reach the real function binaries.
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

http
  .createServer((req, res) => {
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
