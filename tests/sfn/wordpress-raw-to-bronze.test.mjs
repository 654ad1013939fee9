// statemachines/wordpress-raw-to-bronze.asl.json end to end: the real extract-wordpress and
// wordpress-to-parquet binaries, the fake WordPress site, and moto's SSM, S3 and SNS. The
// functions read the parameter names in scripts/local.env; each test points them at its own
// buckets and topics.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deployWorkflow, execute, functionArn } from './lib/local-sfn.mjs';
import { inbox, s3, sns, ssm } from './lib/moto.mjs';

const WORDPRESS_URL = process.env.WORDPRESS_URL ?? 'http://127.0.0.1:9002';
const PARAMETERS = {
  endpoints: '/wordpress/amazonwebshark/api/mysqlendpoints',
  raw: '/s3/lakehouse/name/raw',
  bronze: '/s3/lakehouse/name/bronze',
  rawTopic: '/sns/data/lakehouse/raw',
  bronzeTopic: '/sns/data/lakehouse/bronze',
};

let definition;
let notifications;

before(async () => {
  ({ definition, notifications } = await deployWorkflow('wordpress-raw-to-bronze', {
    ExtractWordPressFunctionArn: functionArn('extract-wordpress'),
    WordPressToParquetFunctionArn: functionArn('wordpress-to-parquet'),
  }));
});

const endpoint = (path) => `${WORDPRESS_URL}/wp-json/wp/v2/${path}`;

// New buckets and topics, the parameters pointing at them, and an inbox on both topics.
async function lakehouse(endpoints) {
  const id = randomUUID().slice(0, 8);
  const raw = `raw-${id}`;
  const bronze = `bronze-${id}`;
  await s3.createBucket(raw);
  await s3.createBucket(bronze);
  const rawTopic = await sns.createTopic(`lakehouse-raw-${id}`);
  const bronzeTopic = await sns.createTopic(`lakehouse-bronze-${id}`);
  await ssm.put(PARAMETERS.endpoints, endpoints.map(endpoint).join(','));
  await ssm.put(PARAMETERS.raw, raw);
  await ssm.put(PARAMETERS.bronze, bronze);
  await ssm.put(PARAMETERS.rawTopic, rawTopic);
  await ssm.put(PARAMETERS.bronzeTopic, bronzeTopic);
  await ssm.putWordPressPassword(WORDPRESS_URL);
  return { raw, bronze, data: await inbox(`lakehouse-${id}`, [rawTopic, bronzeTopic]) };
}

const FIVE = ['posts', 'pages', 'categories', 'tags', 'comments'];

// The latest view and the day's partition of each name.
const keys = (names, date, extension) =>
  names.flatMap((n) => [`wordpress_api/${n}/${n}.${extension}`, `wordpress_api/${n}/dt=${date}/${n}.${extension}`]).sort();

test('five endpoints: five raw objects, five Parquet files, each also under the day, SUCCEEDED', async () => {
  const lake = await lakehouse(FIVE);
  const run = await execute(definition, {}, { startTime: '2026-12-06T07:00:00.000Z' });
  assert.equal(run.status, 'SUCCEEDED', run.cause);
  assert.equal(run.output.extract.summary, '5 Successful | 0 Failed');
  assert.equal(run.output.convert.summary, '5 Successful | 0 Failed | 0 Empty');
  const posts = run.output.convert.files.find((f) => f.keys.includes('wordpress_api/posts/posts.parquet'));
  assert.equal(posts.rows, 250);
  assert.deepEqual(posts.keys, ['wordpress_api/posts/dt=2026-12-06/posts.parquet', 'wordpress_api/posts/posts.parquet']);
  assert.deepEqual(await s3.keys(lake.raw, 'wordpress_api/'), keys(FIVE, '2026-12-06', 'json'));
  assert.deepEqual(await s3.keys(lake.bronze), keys(FIVE, '2026-12-06', 'parquet'));
  assert.deepEqual(await lake.data.read(), []);
});

// Changes the fake WordPress site, which runs in a process of its own.
async function change(what, kind, id = 0) {
  const res = await fetch(`${WORDPRESS_URL}/_fake/${what}/${kind}/${id}`, { method: 'POST' });
  assert.ok(res.ok, `${what} ${kind} ${id}: ${res.status}`);
}

test('two days: each keeps what changed, the latest view is whole; a day run again is rewritten', async () => {
  const lake = await lakehouse(['tags']);
  const first = await execute(definition, {}, { startTime: '2026-12-05T07:00:00.000Z' });
  assert.equal(first.output.extract.written[0].changed, 30);
  await change('edit', 'tags', 3);
  for (let n = 0; n < 2; n++) {
    const run = await execute(definition, {}, { startTime: '2026-12-06T07:00:00.000Z' });
    assert.equal(run.status, 'SUCCEEDED', run.cause);
    assert.equal(run.output.extract.run_date, '2026-12-06');
    assert.equal(run.output.extract.written[0].changed, n === 0 ? 1 : 0, 'the edit, once');
  }
  assert.deepEqual(await s3.keys(lake.bronze), [
    'wordpress_api/tags/dt=2026-12-05/tags.parquet',
    'wordpress_api/tags/dt=2026-12-06/tags.parquet',
    'wordpress_api/tags/tags.parquet',
  ]);
});

// The catalog the template declares, over two days of real bronze files, as DuckDB reads them
// with Hive partitioning (tests/sfn/lib/check_catalog.py): the columns and types Athena would
// expect are the ones the conversion writes, and one query spans both days.
test('two days of bronze read as one partitioned table per type, matching the catalog', async () => {
  const TYPES = ['posts', 'pages', 'categories', 'tags', 'users', 'comments', 'media'];
  const lake = await lakehouse(TYPES);
  for (const day of ['2026-12-05', '2026-12-06']) {
    const run = await execute(definition, {}, { startTime: `${day}T07:00:00.000Z` });
    assert.equal(run.status, 'SUCCEEDED', run.cause);
    // Overnight, two posts and a comment are edited: the next day holds them.
    for (const [kind, id] of [['posts', 7], ['posts', 8], ['comments', 9]]) await change('edit', kind, id);
  }
  const copy = mkdtempSync(join(tmpdir(), 'bronze-'));
  try {
    for (const key of await s3.keys(lake.bronze)) {
      mkdirSync(join(copy, dirname(key)), { recursive: true });
      writeFileSync(join(copy, key), await s3.getBytes(lake.bronze, key));
    }
    const python = join(process.env.TOOLS_DIR, 'templates', 'bin', 'python');
    const template = new URL('../../templates/wordpress-raw-to-bronze.yaml', import.meta.url).pathname;
    const checker = new URL('./lib/check_catalog.py', import.meta.url).pathname;
    const checked = spawnSync(python, [checker, copy, template, '2026-12-05', '2026-12-06'], { encoding: 'utf8' });
    const out = checked.stdout;
    assert.equal(checked.status, 0, `${out}${checked.stderr}`);
    // The first day holds every post, the second the two edited (and what the look-back reads
    // again); a type with no change that day has no partition for it.
    assert.match(out, /^posts: \[\["2026-12-05", 250\], \["2026-12-06", \d+\]\]$/m);
    assert.match(out, /^comments: \[\["2026-12-05", 140\], \["2026-12-06", 1\]\]$/m);
    assert.match(out, /^tags: \[\["2026-12-05", 30\]\]$/m);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('one endpoint of five fails: four converted, one notification naming it, FAILED', async () => {
  const lake = await lakehouse(['posts', 'pages', 'categories', 'tags', 'users?fault=500']);
  const run = await execute(definition, {}, { startTime: '2026-12-06T07:00:00.000Z' });
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error, 'PartialFailure');
  assert.match(run.cause, /Extract: 4 Successful \| 1 Failed\. Bronze: 4 Successful \| 0 Failed/);
  assert.deepEqual(await s3.keys(lake.raw, 'wordpress_api/'), keys(['categories', 'pages', 'posts', 'tags'], '2026-12-06', 'json'));
  assert.equal((await s3.keys(lake.bronze)).length, 8);
  const notes = await lake.data.find('users?fault=500');
  assert.equal(notes.length, 1);
  assert.equal(notes[0].subject, 'WordPress extract: 1 of 5 endpoints failed');
});

test('every endpoint fails: nothing to convert, FAILED NothingExtracted', async () => {
  const lake = await lakehouse(['posts?fault=html', 'tags?fault=truncated']);
  const run = await execute(definition, {});
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error, 'NothingExtracted');
  assert.deepEqual(run.calls.map((c) => c.state), ['Extract raw JSON']);
  assert.deepEqual(await s3.keys(lake.raw, 'wordpress_api/'), []);
  const [note] = await lake.data.find('is HTML, not JSON');
  assert.match(note.message, /is not valid JSON/);
});

test('a function error is notified with the real error and the execution FAILS', async () => {
  await lakehouse(['posts']);
  await ssm.delete(PARAMETERS.endpoints);
  const run = await execute(definition, {});
  assert.equal(run.status, 'FAILED');
  assert.equal(run.error, 'ConfigurationError');
  const [note] = await notifications.find(PARAMETERS.endpoints);
  assert.match(note.message, /Error: ConfigurationError/);
  assert.match(note.message, /does not exist/);
});
