// A real OpenID Connect provider for the console tests: panva's oidc-provider (npm), with one
// confidential client for Cairn and accounts whose sign-in name is their email address (the
// provider's development login form), behind a small proxy on loopback. The proxy passes every
// exchange through untouched, except when a test asks it to replace the ID token in the token
// endpoint's answer — with one signed by an attacker's key, or one the provider's own key signed
// for another client or that has expired — so Cairn's validation meets real attacks on a real
// protocol run, not a mock.
import http from "node:http";
import net from "node:net";
import Provider from "oidc-provider";
import { SignJWT, exportJWK, generateKeyPair, decodeJwt, decodeProtectedHeader } from "jose";

/// A free loopback port (for a server whose address must be known before it starts).
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/// Starts the provider for a client with `redirectUri`. Resolves to { issuer, clientId,
/// clientSecret, tamper(mode), close() }; `mode` is null, "forged", "audience" or "expired".
export async function startProvider({ redirectUri }) {
  const clientId = "cairn-console";
  const clientSecret = "test-only-client-secret-0123456789abcdef";
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const providerJwk = { ...(await exportJWK(privateKey)), kid: "provider-key", alg: "RS256", use: "sig" };
  const attacker = (await generateKeyPair("RS256", { extractable: true })).privateKey;

  const proxyPort = await freePort();
  const issuer = `http://127.0.0.1:${proxyPort}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    }],
    jwks: { keys: [providerJwk] },
    cookies: { keys: ["test-only-cookie-key-0123456789"] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // The login form's name is the account's email address; "unverified@…" accounts say their
    // address is not verified.
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({
        sub,
        email: sub,
        email_verified: !sub.startsWith("unverified@"),
        name: sub.split("@")[0].replace(/^./, (c) => c.toUpperCase()),
      }),
    }),
    features: { devInteractions: { enabled: true } },
    ttl: { Session: 600, Interaction: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  provider.on("server_error", (_ctx, err) => console.error("oidc-provider:", err));
  const backend = provider.listen(0, "127.0.0.1");
  await new Promise((r) => backend.once("listening", r));
  const backendPort = backend.address().port;

  let mode = null;
  const sign = (claims, key) =>
    new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "provider-key", typ: "JWT" }).sign(key);
  async function replace(idToken) {
    const claims = decodeJwt(idToken);
    decodeProtectedHeader(idToken);
    if (mode === "forged") return sign({ ...claims, email: "admin@springfield.example" }, attacker);
    if (mode === "audience") return sign({ ...claims, aud: "another-client", azp: "another-client" }, privateKey);
    if (mode === "expired") {
      const now = Math.floor(Date.now() / 1000);
      return sign({ ...claims, iat: now - 7200, exp: now - 3600 }, privateKey);
    }
    return idToken;
  }

  const proxy = http.createServer((req, res) => {
    const upstream = http.request(
      { host: "127.0.0.1", port: backendPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const tampering = mode && req.url.startsWith("/token") && answer.statusCode === 200;
        if (!tampering) {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks = [];
        answer.on("data", (c) => chunks.push(c));
        answer.on("end", async () => {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          body.id_token = await replace(body.id_token);
          const text = JSON.stringify(body);
          const headers = { ...answer.headers, "content-length": Buffer.byteLength(text) };
          res.writeHead(answer.statusCode, headers);
          res.end(text);
        });
      },
    );
    upstream.on("error", (e) => { res.writeHead(502); res.end(String(e)); });
    req.pipe(upstream);
  });
  await new Promise((r) => proxy.listen(proxyPort, "127.0.0.1", r));

  return {
    issuer,
    clientId,
    clientSecret,
    tamper(next) { mode = next; },
    close() { proxy.close(); backend.close(); },
  };
}
