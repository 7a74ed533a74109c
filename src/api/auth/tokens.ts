/**
 * Bearer tokens for components and node agents, kept in DIR/tokens.json so agents on other
 * machines can join with `--token`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TokenUser {
  name: string;
  groups: string[];
}

export interface TokenEntry extends TokenUser {
  token: string;
}

export class TokenAuthenticator {
  constructor(private readonly entries: TokenEntry[]) {}

  /** Loads DIR/tokens.json, creating the admin and node-bootstrap tokens on first start. */
  static loadOrCreate(dataDir: string): TokenAuthenticator {
    const file = join(dataDir, 'tokens.json');
    if (existsSync(file)) return new TokenAuthenticator(JSON.parse(readFileSync(file, 'utf8')) as TokenEntry[]);
    const entries: TokenEntry[] = [
      { token: randomBytes(24).toString('hex'), name: 'system:skiff-admin', groups: ['system:masters'] },
      { token: randomBytes(24).toString('hex'), name: 'system:node-bootstrap', groups: ['system:nodes', 'system:masters'] },
    ];
    writeFileSync(file, JSON.stringify(entries, null, 2), { mode: 0o600 });
    return new TokenAuthenticator(entries);
  }

  tokenFor(name: string): string | undefined {
    return this.entries.find((e) => e.name === name)?.token;
  }

  authenticate(token: string): TokenUser | undefined {
    const given = Buffer.from(token);
    for (const e of this.entries) {
      const want = Buffer.from(e.token);
      if (want.length === given.length && timingSafeEqual(want, given)) return { name: e.name, groups: e.groups };
    }
    return undefined;
  }
}
