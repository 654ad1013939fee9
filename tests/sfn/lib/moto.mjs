// A few AWS calls against moto, with fetch: enough to set up resources and read back what the
// functions and state machines did. moto picks the service from the credential scope.

const MOTO_URL = process.env.MOTO_URL ?? 'http://127.0.0.1:5000';
const REGION = process.env.AWS_REGION ?? 'us-east-1';
export const ACCOUNT = '123456789012';

function auth(service, region = REGION) {
  return `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

async function call(service, headers, body, region = REGION) {
  const res = await fetch(`${MOTO_URL}/`, {
    method: 'POST',
    headers: { Authorization: auth(service, region), ...headers },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`moto ${service} ${res.status}: ${text}`);
  return text;
}

async function json(service, target, body, region = REGION) {
  const text = await call(
    service,
    { 'X-Amz-Target': target, 'Content-Type': 'application/x-amz-json-1.1' },
    JSON.stringify(body),
    region,
  );
  return text ? JSON.parse(text) : {};
}

// A waiting task's answer (SendTaskSuccess or SendTaskFailure), as the router in front of moto
// kept it; null until one came.
export async function taskResult(token) {
  const res = await fetch(`${MOTO_URL}/_local/task-results/${encodeURIComponent(token)}`);
  return res.ok ? res.json() : null;
}

// What the AWS CLI's `aws stepfunctions send-task-success` / `send-task-failure` send.
export async function answerTask(target, body) {
  await json('stepfunctions', `AWSStepFunctions.${target}`, body);
}

export const kms = {
  // A new customer managed key in `region`: its ARN.
  async createKey(region) {
    const out = await json('kms', 'TrentService.CreateKey', { Description: 'demo key' }, region);
    return out.KeyMetadata.Arn;
  },
  async rotationEnabled(arn, region) {
    const out = await json('kms', 'TrentService.GetKeyRotationStatus', { KeyId: arn }, region);
    return out.KeyRotationEnabled;
  },
};

async function query(service, params) {
  return call(service, { 'Content-Type': 'application/x-www-form-urlencoded' }, new URLSearchParams(params));
}

const tag = (xml, name) => xml.match(new RegExp(`<${name}>([^<]*)</${name}>`))?.[1];

export const glue = {
  async createSession(id, tags = {}) {
    await json('glue', 'AWSGlue.CreateSession', {
      Id: id,
      Role: `arn:aws:iam::${ACCOUNT}:role/GlueInteractiveSessionRole`,
      Command: { Name: 'glueetl', PythonVersion: '3' },
      Tags: tags,
    });
  },
  async status(id) {
    const out = await json('glue', 'AWSGlue.GetSession', { Id: id });
    return out.Session.Status;
  },
};

function rdsTags(tags) {
  const params = {};
  Object.entries(tags).forEach(([k, v], i) => {
    params[`Tags.Tag.${i + 1}.Key`] = k;
    params[`Tags.Tag.${i + 1}.Value`] = v;
  });
  return params;
}

export const rds = {
  async createInstance(id, tags = {}) {
    await query('rds', {
      Action: 'CreateDBInstance', Version: '2014-10-31', DBInstanceIdentifier: id, Engine: 'postgres',
      DBInstanceClass: 'db.t4g.micro', AllocatedStorage: '20', MasterUsername: 'admin', MasterUserPassword: 'not-a-secret-1',
      ...rdsTags(tags),
    });
  },
  async createCluster(id, tags = {}) {
    await query('rds', {
      Action: 'CreateDBCluster', Version: '2014-10-31', DBClusterIdentifier: id, Engine: 'aurora-postgresql',
      MasterUsername: 'admin', MasterUserPassword: 'not-a-secret-1', ...rdsTags(tags),
    });
  },
  async instanceStatus(id) {
    const xml = await query('rds', { Action: 'DescribeDBInstances', Version: '2014-10-31', DBInstanceIdentifier: id });
    return tag(xml, 'DBInstanceStatus');
  },
  async clusterStatus(id) {
    const xml = await query('rds', { Action: 'DescribeDBClusters', Version: '2014-10-31', DBClusterIdentifier: id });
    return tag(xml, 'Status');
  },
  // An entry in RDS's own event history, as RDS records its 7-day auto-start (scripts/local_moto.py).
  async addEvent(id, type, message, date = new Date()) {
    const res = await fetch(`${MOTO_URL}/_local/rds-events`, {
      method: 'POST',
      body: JSON.stringify({ region: 'us-east-1', source_identifier: id, source_type: `db-${type}`, message, date: date.toISOString() }),
    });
    if (!res.ok) throw new Error(`moto refused the RDS event: ${await res.text()}`);
  },
};

export const sfn = {
  async createStateMachine(name, definition) {
    const out = await json('states', 'AWSStepFunctions.CreateStateMachine', {
      name, definition: JSON.stringify(definition), roleArn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    });
    return out.stateMachineArn;
  },
  // Lets moto run the state machines created after this call with its own engine.
  async executeStateMachines() {
    const res = await fetch(`${MOTO_URL}/moto-api/config`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    if (!res.ok) throw new Error(`moto config ${res.status}: ${await res.text()}`);
  },
  async startExecution(stateMachineArn, name, input) {
    const out = await json('states', 'AWSStepFunctions.StartExecution', { stateMachineArn, name, input: JSON.stringify(input) });
    return out.executionArn;
  },
  // Polls an execution until it ends (or `seconds` pass): its status, output and error.
  async waitFor(executionArn, seconds) {
    const until = Date.now() + seconds * 1000;
    for (;;) {
      const d = await json('states', 'AWSStepFunctions.DescribeExecution', { executionArn });
      if (d.status !== 'RUNNING') return { ...d, output: d.output && JSON.parse(d.output) };
      if (Date.now() > until) return d;
      await new Promise((r) => setTimeout(r, 500));
    }
  },
  async history(executionArn) {
    const { events } = await json('states', 'AWSStepFunctions.GetExecutionHistory', { executionArn, maxResults: 1000 });
    return events;
  },
  // The inputs of the executions started on a state machine, oldest first.
  async executionInputs(stateMachineArn) {
    const { executions } = await json('states', 'AWSStepFunctions.ListExecutions', { stateMachineArn });
    const inputs = [];
    for (const e of executions.reverse()) {
      const d = await json('states', 'AWSStepFunctions.DescribeExecution', { executionArn: e.executionArn });
      inputs.push({ name: e.name, input: JSON.parse(d.input) });
    }
    return inputs;
  },
};

export const iam = {
  // A role trusting `principalArn`; returns its ARN.
  async createRole(name, principalArn) {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principalArn }, Action: 'sts:AssumeRole' }] };
    const xml = await query('iam', {
      Action: 'CreateRole', Version: '2010-05-08', RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust),
    });
    return tag(xml, 'Arn');
  },
};

export const ssm = {
  async put(name, value) {
    await json('ssm', 'AmazonSSM.PutParameter', { Name: name, Value: value, Type: 'String', Overwrite: true });
  },
  async putSecret(name, value) {
    await json('ssm', 'AmazonSSM.PutParameter', { Name: name, Value: value, Type: 'SecureString', Overwrite: true });
  },
  // The fake WordPress site's application password, in the parameter scripts/local.env names.
  async putWordPressPassword(site) {
    const value = { origin: site, username: 'etl', password: process.env.WORDPRESS_APP_PASSWORD };
    await this.putSecret('/wordpress/amazonwebshark/api/application-password', JSON.stringify(value));
  },
  async delete(name) {
    await json('ssm', 'AmazonSSM.DeleteParameter', { Name: name });
  },
};

// Security Hub speaks REST JSON: findings imported here are what the remediation proxy reads
// back with GetFindings before it acts.
export async function importFindings(findings) {
  const res = await fetch(`${MOTO_URL}/findings/import`, {
    method: 'POST',
    headers: { Authorization: auth('securityhub'), 'Content-Type': 'application/json' },
    body: JSON.stringify({ Findings: findings }),
  });
  const out = await res.json();
  if (!res.ok || out.FailedCount) throw new Error(`moto securityhub BatchImportFindings ${res.status}: ${JSON.stringify(out)}`);
}

// S3 speaks REST, path-style on moto.
async function s3Call(method, path) {
  const res = await fetch(`${MOTO_URL}/${path}`, { method, headers: { Authorization: auth('s3') } });
  const text = await res.text();
  if (!res.ok) throw new Error(`moto s3 ${method} ${path} ${res.status}: ${text}`);
  return text;
}

export const s3 = {
  async createBucket(name) {
    await s3Call('PUT', name);
  },
  // The bucket's Block Public Access settings, or null when it has none.
  async publicAccessBlock(bucket) {
    const res = await fetch(`${MOTO_URL}/${bucket}?publicAccessBlock`, { headers: { Authorization: auth('s3') } });
    if (res.status === 404) return null;
    const xml = await res.text();
    if (!res.ok) throw new Error(`moto s3 GetPublicAccessBlock ${bucket} ${res.status}: ${xml}`);
    const flag = (name) => tag(xml, name) === 'true';
    return {
      BlockPublicAcls: flag('BlockPublicAcls'), IgnorePublicAcls: flag('IgnorePublicAcls'),
      BlockPublicPolicy: flag('BlockPublicPolicy'), RestrictPublicBuckets: flag('RestrictPublicBuckets'),
    };
  },
  // Every key in a bucket, or under a prefix (up to 1,000: the tests write fewer).
  async keys(bucket, prefix = '') {
    const xml = await s3Call('GET', `${bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
    return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]).sort();
  },
  async getJson(bucket, key) {
    return JSON.parse(await s3Call('GET', `${bucket}/${key}`));
  },
  // Every JSON line of every object under a prefix, in key order (a crawl's records).
  async jsonLines(bucket, prefix) {
    const lines = [];
    for (const key of await this.keys(bucket, prefix)) {
      const text = await s3Call('GET', `${bucket}/${key}`);
      lines.push(...text.split('\n').filter((line) => line).map((line) => JSON.parse(line)));
    }
    return lines;
  },
  async putText(bucket, key, text) {
    const res = await fetch(`${MOTO_URL}/${bucket}/${key}`, { method: 'PUT', body: text, headers: { Authorization: auth('s3') } });
    if (!res.ok) throw new Error(`moto s3 PUT ${bucket}/${key} ${res.status}: ${await res.text()}`);
  },
  async getBytes(bucket, key) {
    const res = await fetch(`${MOTO_URL}/${bucket}/${key}`, { headers: { Authorization: auth('s3') } });
    if (!res.ok) throw new Error(`moto s3 GET ${bucket}/${key} ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  },
};

export const sns = {
  async createTopic(name) {
    return tag(await query('sns', { Action: 'CreateTopic', Name: name, Version: '2010-03-31' }), 'TopicArn');
  },
  async publish(topicArn, subject, message) {
    const params = { Action: 'Publish', TopicArn: topicArn, Message: message, Version: '2010-03-31' };
    if (subject !== undefined) params.Subject = subject;
    return tag(await query('sns', params), 'MessageId');
  },
};

// An SQS queue subscribed to topics: how a test reads what SNS delivered.
export async function inbox(name, topicArns) {
  const sqs = (action, body) =>
    json('sqs', `AmazonSQS.${action}`, body);
  const { QueueUrl } = await sqs('CreateQueue', { QueueName: name });
  const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
  for (const topicArn of topicArns) {
    await query('sns', {
      Action: 'Subscribe', TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn, Version: '2010-03-31',
    });
  }
  const seen = [];
  return {
    // Notifications delivered since the last read: [{ topic, subject, message }].
    async read() {
      const out = await sqs('ReceiveMessage', { QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });
      const fresh = (out.Messages ?? []).map((m) => {
        const envelope = JSON.parse(m.Body);
        return { topic: envelope.TopicArn, subject: envelope.Subject, message: envelope.Message };
      });
      seen.push(...fresh);
      return fresh;
    },
    // Every notification whose message contains `text`, waiting up to 2 s for the first.
    async find(text) {
      for (let i = 0; i < 20; i++) {
        await this.read();
        const found = seen.filter((n) => n.message.includes(text));
        if (found.length) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      return [];
    },
  };
}
