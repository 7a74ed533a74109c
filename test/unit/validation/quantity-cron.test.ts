/** The quantity parser and the cron schedule checker. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cronScheduleError, isValidTimeZone, parseQuantity } from '../../../src/api/validation/index.js';

describe('parseQuantity', () => {
  it('parses decimal suffixes', () => {
    assert.equal(parseQuantity('500m'), 0.5);
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('1.5'), 1.5);
    assert.equal(parseQuantity('1k'), 1000);
    assert.equal(parseQuantity('3M'), 3e6);
    assert.equal(parseQuantity('1G'), 1e9);
    assert.equal(parseQuantity('250u'), 250e-6);
    assert.equal(parseQuantity('7n'), 7e-9);
  });

  it('parses binary suffixes', () => {
    assert.equal(parseQuantity('64Mi'), 64 * 1024 * 1024);
    assert.equal(parseQuantity('1Gi'), 2 ** 30);
    assert.equal(parseQuantity('2Ki'), 2048);
    assert.equal(parseQuantity('1Ti'), 2 ** 40);
  });

  it('parses exponents and signs', () => {
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity('12E-1'), 1.2);
    assert.equal(parseQuantity('-1'), -1);
    assert.equal(parseQuantity('+.5'), 0.5);
  });

  it('rejects what Kubernetes rejects', () => {
    for (const bad of ['', 'abc', '1.5.5', '1 Gi', '1gi', '1KiB', 'Mi', ' 1', '1e', '--1']) assert.equal(parseQuantity(bad), undefined, bad);
  });
});

describe('cronScheduleError', () => {
  it('accepts standard and macro schedules', () => {
    for (const ok of ['*/5 * * * *', '0 0 * * 0', '0 9-17 * * mon-fri', '15,45 */2 1 JAN *', '@hourly', '@daily', '@every 1h30m', '0 0 ? * *']) {
      assert.equal(cronScheduleError(ok), undefined, ok);
    }
  });

  it('reports the field count like the Go parser', () => {
    assert.equal(cronScheduleError('* * *'), 'expected exactly 5 fields, found 3: [* * *]');
    assert.equal(cronScheduleError('Sometimes'), 'expected exactly 5 fields, found 1: [Sometimes]');
  });

  it('reports ranges and bad numbers', () => {
    assert.equal(cronScheduleError('60 * * * *'), 'end of range (60) above maximum (59): 60');
    assert.equal(cronScheduleError('* * 0 * *'), 'beginning of range (0) below minimum (1): 0');
    assert.equal(cronScheduleError('5-2 * * * *'), 'beginning of range (5) beyond end of range (2): 5-2');
    assert.equal(cronScheduleError('*/0 * * * *'), 'step of range should be a positive number: */0');
    assert.equal(cronScheduleError('x * * * *'), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
    assert.equal(cronScheduleError('* * * * 7'), 'end of range (7) above maximum (6): 7');
    assert.equal(cronScheduleError('1-2-3 * * * *'), 'too many hyphens: 1-2-3');
    assert.equal(cronScheduleError('@fortnightly'), 'unrecognized descriptor: @fortnightly');
  });

  it('checks time zones with the IANA database', () => {
    assert.equal(isValidTimeZone('Europe/Paris'), true);
    assert.equal(isValidTimeZone('UTC'), true);
    assert.equal(isValidTimeZone('Mars/Olympus'), false);
    assert.equal(isValidTimeZone('Local'), false);
    assert.equal(isValidTimeZone('+01:00'), false);
  });
});
