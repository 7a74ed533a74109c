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

/** The identity Prometheus scrapes with (its token is also written to DIR/metrics-token). */
export const METRICS_SCRAPER = 'system:skiff-metrics';

export class TokenAuthenticator {
  constructor(private readonly entries: TokenEntry[]) {}

  /**
   * Loads DIR/tokens.json, creating the admin, node-bootstrap and metrics-scraper tokens on first
   * start (and any of them an older data dir lacks).
   */
  static loadOrCreate(dataDir: string): TokenAuthenticator {
    const file = join(dataDir, 'tokens.json');
    const entries: TokenEntry[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as TokenEntry[] : [];
    const wanted: TokenUser[] = [
      { name: 'system:skiff-admin', groups: ['system:masters'] },
      { name: 'system:node-bootstrap', groups: ['system:nodes', 'system:masters'] },
      { name: METRICS_SCRAPER, groups: ['system:monitoring'] },
    ];
    const missing = wanted.filter((w) => !entries.some((e) => e.name === w.name));
    if (missing.length) {
      entries.push(...missing.map((w) => ({ token: randomBytes(24).toString('hex'), ...w })));
      writeFileSync(file, JSON.stringify(entries, null, 2), { mode: 0o600 });
    }
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
