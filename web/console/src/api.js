// The console's only way to the API: the AWS SDK for JavaScript v3's
// CloudFront client, pointed at this server (same origin), signing SigV4 in
// the browser with the key the user entered. No console-only endpoint.
import * as sdk from "@aws-sdk/client-cloudfront";

const storageKey = "streamfront.credentials";

// credentials returns the key kept in sessionStorage (this tab only), or null.
export function credentials() {
  try {
    const c = JSON.parse(sessionStorage.getItem(storageKey) ?? "null");
    return c && c.accessKeyId && c.secretAccessKey ? c : null;
  } catch {
    return null;
  }
}

export function saveCredentials(accessKeyId, secretAccessKey) {
  sessionStorage.setItem(storageKey, JSON.stringify({ accessKeyId, secretAccessKey }));
}

export function forgetCredentials() {
  sessionStorage.removeItem(storageKey);
}

// Operation names as AWS names them (also what the error message shows);
// explicit because minified class names mean nothing.
const commands = {
  ListStreamingDistributions: sdk.ListStreamingDistributionsCommand,
  GetStreamingDistribution: sdk.GetStreamingDistributionCommand,
  GetStreamingDistributionConfig: sdk.GetStreamingDistributionConfigCommand,
  CreateStreamingDistribution: sdk.CreateStreamingDistributionCommand,
  CreateStreamingDistributionWithTags: sdk.CreateStreamingDistributionWithTagsCommand,
  UpdateStreamingDistribution: sdk.UpdateStreamingDistributionCommand,
  DeleteStreamingDistribution: sdk.DeleteStreamingDistributionCommand,
  ListCloudFrontOriginAccessIdentities: sdk.ListCloudFrontOriginAccessIdentitiesCommand,
  GetCloudFrontOriginAccessIdentity: sdk.GetCloudFrontOriginAccessIdentityCommand,
  GetCloudFrontOriginAccessIdentityConfig: sdk.GetCloudFrontOriginAccessIdentityConfigCommand,
  CreateCloudFrontOriginAccessIdentity: sdk.CreateCloudFrontOriginAccessIdentityCommand,
  UpdateCloudFrontOriginAccessIdentity: sdk.UpdateCloudFrontOriginAccessIdentityCommand,
  DeleteCloudFrontOriginAccessIdentity: sdk.DeleteCloudFrontOriginAccessIdentityCommand,
  ListTagsForResource: sdk.ListTagsForResourceCommand,
  TagResource: sdk.TagResourceCommand,
  UntagResource: sdk.UntagResourceCommand,
};

// ApiError is an error of a call, with the operation it came from.
export class ApiError extends Error {
  constructor(op, err) {
    super(err.message);
    this.op = op;
    this.code = err.name ?? "Error";
    this.status = err.$metadata?.httpStatusCode;
  }
  // cli is the error as the AWS CLI prints it.
  get cli() {
    return `An error occurred (${this.code}) when calling the ${this.op} operation: ${this.message}`;
  }
}

function client(onRaw) {
  const creds = credentials();
  if (!creds) throw new ApiError("Sign in", { name: "MissingCredentials", message: "Enter an access key first." });
  const c = new sdk.CloudFrontClient({
    region: "us-east-1",
    endpoint: location.origin,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    maxAttempts: 2,
  });
  if (onRaw) {
    // Keep a copy of the response body (the XML the API returned) and
    // hand the SDK an identical one to parse.
    const inner = c.config.requestHandler;
    const wrapped = Object.create(inner);
    wrapped.handle = async (req, opts) => {
      const out = await inner.handle.call(inner, req, opts);
      const text = await new Response(out.response.body).text();
      onRaw(text, out.response.statusCode);
      out.response.body = new Response(text).body;
      return out;
    };
    c.config.requestHandler = wrapped;
  }
  return c;
}

// call runs one API operation, e.g. call("GetStreamingDistribution", {Id}).
export async function call(op, input = {}) {
  try {
    return await client().send(new commands[op](input));
  } catch (err) {
    throw err instanceof ApiError ? err : new ApiError(op, err);
  }
}

// callRaw is call that also returns the response body as the API sent it.
export async function callRaw(op, input = {}) {
  let raw = "";
  try {
    const out = await client((text) => (raw = text)).send(new commands[op](input));
    return { out, raw };
  } catch (err) {
    throw err instanceof ApiError ? err : new ApiError(op, err);
  }
}

// listAll pages through a List operation (100 per page).
export async function listDistributionsPage(marker) {
  const out = await call("ListStreamingDistributions", { MaxItems: 100, Marker: marker || undefined });
  return out.StreamingDistributionList;
}

// serverConfig is what the server tells the console about itself
// (read-only: mode, edge addresses).
let configPromise;
export function serverConfig() {
  configPromise ??= fetch("config.json").then((r) => r.json());
  return configPromise;
}
