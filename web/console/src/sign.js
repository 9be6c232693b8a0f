// CloudFront signed URLs, signed in the browser with WebCrypto
// (RSASSA-PKCS1-v1_5, SHA-1) and a private key that never leaves the page.

// signingKey is the key pasted in this page (memory only, never stored or sent).
export const signingKey = { keyPairId: "", key: null };

function pemBody(pem) {
  const m = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) throw new Error("Not a PEM private key: expected -----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----.");
  const bin = atob(m[2].replace(/\s+/g, ""));
  return { type: m[1], der: Uint8Array.from(bin, (c) => c.charCodeAt(0)) };
}

function derLength(n) {
  if (n < 0x80) return [n];
  const bytes = [];
  for (; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

// pkcs8 wraps a PKCS #1 RSAPrivateKey (what `streamfront keypair create`
// and OpenSSL's traditional format write) into the PKCS #8 WebCrypto takes.
function pkcs8(pkcs1) {
  const version = [0x02, 0x01, 0x00];
  const rsaAlgorithm = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
  const octets = [0x04, ...derLength(pkcs1.length)];
  const bodyLen = version.length + rsaAlgorithm.length + octets.length + pkcs1.length;
  const head = [0x30, ...derLength(bodyLen), ...version, ...rsaAlgorithm, ...octets];
  const out = new Uint8Array(head.length + pkcs1.length);
  out.set(head);
  out.set(pkcs1, head.length);
  return out;
}

// importPrivateKey reads a PEM RSA private key (PKCS #1 or PKCS #8).
export async function importPrivateKey(pem) {
  const { type, der } = pemBody(pem);
  const info = type === "RSA PRIVATE KEY" ? pkcs8(der) : der;
  return crypto.subtle.importKey("pkcs8", info, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" }, false, ["sign"]);
}

// cloudFrontBase64 is base64 with CloudFront's URL-safe substitutions.
function cloudFrontBase64(bytes) {
  let bin = "";
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/=/g, "_").replace(/\//g, "~");
}

// cannedPolicy is the policy CloudFront and the SDKs sign for a canned URL.
export function cannedPolicy(resource, expires) {
  return `{"Statement":[{"Resource":${JSON.stringify(resource)},"Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
}

export function customPolicy({ resource, expires, starts, ip }) {
  const condition = { DateLessThan: { "AWS:EpochTime": expires } };
  if (starts) condition.DateGreaterThan = { "AWS:EpochTime": starts };
  if (ip) condition.IpAddress = { "AWS:SourceIp": ip };
  return JSON.stringify({ Statement: [{ Resource: resource, Condition: condition }] });
}

// signQuery returns the signing query (without "?") for resource:
// Expires/Signature/Key-Pair-Id (canned) or Policy/Signature/Key-Pair-Id.
export async function signQuery({ key, keyPairId, resource, expires, custom, starts, ip }) {
  const policy = custom ? customPolicy({ resource, expires, starts, ip }) : cannedPolicy(resource, expires);
  const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, new TextEncoder().encode(policy));
  const head = custom ? "Policy=" + cloudFrontBase64(new TextEncoder().encode(policy)) : "Expires=" + expires;
  return `${head}&Signature=${cloudFrontBase64(sig)}&Key-Pair-Id=${keyPairId}`;
}

// rtmpStreamName is the RTMP stream name of an object key, as README says:
// videos/clip.flv -> videos/clip, videos/clip.mp4 -> mp4:videos/clip.mp4,
// audio/track.mp3 -> mp3:audio/track.
export function rtmpStreamName(key) {
  const m = /\.([a-z0-9]+)$/i.exec(key);
  const ext = m ? m[1].toLowerCase() : "";
  if (ext === "flv") return key.slice(0, -4);
  if (ext === "mp3") return "mp3:" + key.slice(0, -4);
  if (["mp4", "m4v", "m4a", "mov", "f4v"].includes(ext)) return "mp4:" + key;
  return key;
}
