/** Component logs: JSON lines with the component and level, the pretty form, and level filtering. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, isLogLevel } from '../../../src/log/logger.js';
import { formatPretty } from '../../../src/log/pretty.js';

describe('component logger', () => {
  it('writes JSON lines with level label, time, component and fields', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', pretty: false, write: (l) => lines.push(l) });
    log.child({ component: 'scheduler' }).info({ pod: 'default/web' }, 'bound');
    assert.equal(lines.length, 1);
    const rec = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.equal(rec.level, 'info');
    assert.equal(rec.component, 'scheduler');
    assert.equal(rec.pod, 'default/web');
    assert.equal(rec.msg, 'bound');
    assert.ok(!Number.isNaN(Date.parse(String(rec.time))));
  });

  it('drops records below the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', pretty: false, write: (l) => lines.push(l) });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ['w', 'e']);
  });

  it('debug shows everything', () => {
    const lines: string[] = [];
    createLogger({ level: 'debug', pretty: false, write: (l) => lines.push(l) }).debug('d');
    assert.equal(lines.length, 1);
  });

  it('pretty mode writes one readable line per record', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', pretty: true, write: (l) => lines.push(l) });
    log.child({ component: 'agent' }).warn({ node: 'n1' }, 'node cannot start');
    assert.match(lines[0], /^\d\d:\d\d:\d\d\.\d{3} WARN  agent: node cannot start node=n1\n$/);
  });

  it('knows the levels the CLI accepts', () => {
    for (const l of ['debug', 'info', 'warn', 'error']) assert.ok(isLogLevel(l));
    assert.ok(!isLogLevel('verbose'));
  });
});

describe('formatPretty', () => {
  it('formats time, level, component, message and fields, quoting what needs it', () => {
    const line = formatPretty({ level: 'error', time: '2026-11-22T05:06:07.089Z', component: 'apiserver', msg: 'internal error', path: '/api/v1', reason: 'a b', code: 500, err: { type: 'Error', message: 'boom', stack: 'x' } });
    assert.equal(line, '05:06:07.089 ERROR apiserver: internal error path=/api/v1 reason="a b" code=500 err="boom"\n');
  });

  it('colours the level only when asked', () => {
    const plain = formatPretty({ level: 'info', time: 0, msg: 'm' });
    const coloured = formatPretty({ level: 'info', time: 0, msg: 'm' }, { colors: true });
    assert.equal(plain, '00:00:00.000 INFO  m\n');
    assert.ok(coloured.includes('\x1b[32mINFO \x1b[0m'));
  });
});
