/** Who a request comes from: a client certificate signed by the cluster CA, or a bearer token. */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { userFromCertificate } from '../auth/pki.js';
import type { TokenAuthenticator, TokenUser } from '../auth/tokens.js';

export function authenticate(req: IncomingMessage, tokens: TokenAuthenticator): TokenUser | undefined {
  const sock = req.socket as TLSSocket;
  if (typeof sock.getPeerCertificate === 'function' && sock.authorized) {
    const cert = sock.getPeerCertificate();
    if (cert?.raw) return userFromCertificate(cert.raw);
  }
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return tokens.authenticate(auth.slice(7).trim());
  return undefined;
}
