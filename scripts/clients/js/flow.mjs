// Lifecycle flow and error checks with the AWS SDK for JavaScript v3 against
// a streamfront endpoint (STREAMFRONT_ENDPOINT). Exits non-zero on the first
// mismatch; prints one line per step.
import {
  CloudFrontClient,
  CreateStreamingDistributionCommand,
  GetStreamingDistributionCommand,
  GetStreamingDistributionConfigCommand,
  UpdateStreamingDistributionCommand,
  DeleteStreamingDistributionCommand,
  paginateListStreamingDistributions,
  waitUntilStreamingDistributionDeployed,
} from "@aws-sdk/client-cloudfront";
import assert from "node:assert/strict";

const endpoint = process.env.STREAMFRONT_ENDPOINT;
assert.ok(endpoint, "STREAMFRONT_ENDPOINT is required");
const cf = new CloudFrontClient({
  endpoint,
  region: "us-east-1",
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "test",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "test",
  },
  maxAttempts: 1,
});
const run = `js-${Date.now()}-${process.pid}`;

function config(ref, over = {}) {
  return {
    CallerReference: ref,
    S3Origin: { DomainName: "media.s3.amazonaws.com", OriginAccessIdentity: "" },
    Aliases: { Quantity: 1, Items: [`${ref}.video.example.com`] },
    Comment: "js sdk flow",
    Logging: { Enabled: true, Bucket: "logs.s3.amazonaws.com", Prefix: "rtmp/" },
    TrustedSigners: { Enabled: false, Quantity: 0 },
    PriceClass: "PriceClass_100",
    Enabled: true,
    ...over,
  };
}

async function expectError(name, code, status, fn) {
  try {
    await fn();
  } catch (e) {
    assert.equal(e.name, code, `${name}: error name`);
    assert.equal(e.$metadata?.httpStatusCode, status, `${name}: HTTP status`);
    console.log(`ok   ${name} -> ${code} ${status}`);
    return;
  }
  assert.fail(`${name}: expected ${code}, got success`);
}

const created = await cf.send(new CreateStreamingDistributionCommand({ StreamingDistributionConfig: config(`${run}-a`) }));
const d = created.StreamingDistribution;
assert.equal(d.Status, "InProgress");
assert.match(d.Id, /^[A-Z0-9]{13,14}$/);
assert.match(d.DomainName, /^s[a-z0-9]{13}\./);
assert.equal(d.ARN, `arn:aws:cloudfront::${d.ARN.split(":")[4]}:streaming-distribution/${d.Id}`);
assert.ok(created.ETag && created.Location.endsWith(`/streaming-distribution/${d.Id}`));
assert.deepEqual(d.StreamingDistributionConfig.Aliases.Items, [`${run}-a.video.example.com`]);
assert.equal(d.StreamingDistributionConfig.Logging.Prefix, "rtmp/");
assert.equal(d.StreamingDistributionConfig.PriceClass, "PriceClass_100");
console.log(`ok   create ${d.Id}`);

const got = await cf.send(new GetStreamingDistributionCommand({ Id: d.Id }));
assert.equal(got.ETag, created.ETag);
const gotCfg = await cf.send(new GetStreamingDistributionConfigCommand({ Id: d.Id }));
assert.equal(gotCfg.StreamingDistributionConfig.CallerReference, `${run}-a`);
console.log("ok   get, get-config");

let seen = 0;
for await (const page of paginateListStreamingDistributions({ client: cf, pageSize: 2 }, {})) {
  seen += (page.StreamingDistributionList.Items ?? []).filter((s) => s.Id === d.Id).length;
}
assert.equal(seen, 1, "paginator sees the distribution exactly once");
console.log("ok   list with paginator");

await expectError("stale If-Match", "PreconditionFailed", 412, () =>
  cf.send(new UpdateStreamingDistributionCommand({ Id: d.Id, IfMatch: "ESTALE000000000", StreamingDistributionConfig: config(`${run}-a`) })));
await expectError("missing If-Match", "InvalidIfMatchVersion", 400, () =>
  cf.send(new UpdateStreamingDistributionCommand({ Id: d.Id, StreamingDistributionConfig: config(`${run}-a`) })));
await expectError("CallerReference reuse", "StreamingDistributionAlreadyExists", 409, () =>
  cf.send(new CreateStreamingDistributionCommand({ StreamingDistributionConfig: config(`${run}-a`, { Aliases: { Quantity: 0 } }) })));
await expectError("alias taken (other case)", "CNAMEAlreadyExists", 409, () =>
  cf.send(new CreateStreamingDistributionCommand({ StreamingDistributionConfig: config(`${run}-b`, { Aliases: { Quantity: 1, Items: [`${run}-A.VIDEO.example.com`] } }) })));
await expectError("not an S3 origin", "InvalidOrigin", 400, () =>
  cf.send(new CreateStreamingDistributionCommand({ StreamingDistributionConfig: config(`${run}-c`, { S3Origin: { DomainName: "www.example.com", OriginAccessIdentity: "" }, Aliases: { Quantity: 0 } }) })));
await expectError("Quantity != Items", "InconsistentQuantities", 400, () =>
  cf.send(new CreateStreamingDistributionCommand({ StreamingDistributionConfig: config(`${run}-d`, { Aliases: { Quantity: 3, Items: [`${run}-d.example.com`] } }) })));
await expectError("11 aliases", "TooManyStreamingDistributionCNAMEs", 400, () =>
  cf.send(new CreateStreamingDistributionCommand({ StreamingDistributionConfig: config(`${run}-e`, { Aliases: { Quantity: 11, Items: [...Array(11).keys()].map((i) => `${run}-e${i}.example.com`) } }) })));
await expectError("delete enabled", "StreamingDistributionNotDisabled", 409, () =>
  cf.send(new DeleteStreamingDistributionCommand({ Id: d.Id, IfMatch: created.ETag })));
await expectError("unknown id", "NoSuchStreamingDistribution", 404, () =>
  cf.send(new GetStreamingDistributionCommand({ Id: "ENOSUCHDIST0000" })));

const updated = await cf.send(new UpdateStreamingDistributionCommand({
  Id: d.Id, IfMatch: created.ETag, StreamingDistributionConfig: config(`${run}-a`, { Enabled: false }),
}));
assert.notEqual(updated.ETag, created.ETag);
assert.equal(updated.StreamingDistribution.Status, "InProgress");
console.log("ok   update (disable)");

await waitUntilStreamingDistributionDeployed({ client: cf, minDelay: 1, maxDelay: 1, maxWaitTime: 60 }, { Id: d.Id });
console.log("ok   waiter: Deployed");

await cf.send(new DeleteStreamingDistributionCommand({ Id: d.Id, IfMatch: updated.ETag }));
await expectError("get after delete", "NoSuchStreamingDistribution", 404, () =>
  cf.send(new GetStreamingDistributionCommand({ Id: d.Id })));
console.log("ok   delete");
console.log("PASS js sdk flow");
