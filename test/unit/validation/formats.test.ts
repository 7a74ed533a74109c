/** String format checks and their exact Kubernetes messages. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPortName, isValidPortNum, validateName,
} from '../../../src/api/validation/index.js';
import { isConfigMapKey, isEnvVarName, isValidIP, isWildcardDNS1123Subdomain } from '../../../src/api/validation/formats.js';

describe('DNS names', () => {
  it('accepts RFC 1123 labels and subdomains', () => {
    assert.deepEqual(isDNS1123Label('web-1'), []);
    assert.deepEqual(isDNS1123Subdomain('web.example.com'), []);
  });

  it('uses the exact subdomain message', () => {
    assert.deepEqual(isDNS1123Subdomain('Web'), [
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });

  it('uses the exact label message with both examples', () => {
    assert.deepEqual(isDNS1123Label('a.b'), [
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });

  it('reports length before pattern', () => {
    const msgs = isDNS1123Label('a'.repeat(64));
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0], 'must be no more than 63 characters');
    assert.equal(isDNS1123Subdomain('a'.repeat(254))[0], 'must be no more than 253 characters');
  });

  it('DNS-1035 labels must start with a letter', () => {
    assert.deepEqual(isDNS1035Label('web'), []);
    assert.match(isDNS1035Label('1web')[0] ?? '', /^a DNS-1035 label must consist of/);
  });

  it('wildcard subdomains', () => {
    assert.deepEqual(isWildcardDNS1123Subdomain('*.example.com'), []);
    assert.equal(isWildcardDNS1123Subdomain('foo.*.com').length, 1);
  });
});

describe('qualified names and label values', () => {
  it('accepts prefixed and plain names', () => {
    assert.deepEqual(isQualifiedName('app'), []);
    assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
  });

  it('names the failing part', () => {
    assert.deepEqual(isQualifiedName('/name'), ['prefix part must be non-empty']);
    assert.equal(isQualifiedName('Example.com/x')[0]?.startsWith('prefix part a lowercase RFC 1123 subdomain'), true);
    assert.equal(isQualifiedName('x/')[0], 'name part must be non-empty');
    assert.equal(isQualifiedName('a'.repeat(64))[0], 'name part must be no more than 63 characters');
    assert.equal(
      isQualifiedName('-bad')[0],
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  });

  it('rejects more than one slash', () => {
    assert.match(isQualifiedName('a/b/c')[0] ?? '', /^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
  });

  it('label values may be empty but not malformed', () => {
    assert.deepEqual(isValidLabelValue(''), []);
    assert.deepEqual(isValidLabelValue('v1.2_x'), []);
    assert.match(isValidLabelValue('bad value')[0] ?? '', /^a valid label must be an empty string or consist of alphanumeric characters/);
    assert.equal(isValidLabelValue('a'.repeat(64))[0], 'must be no more than 63 characters');
  });
});

describe('ports, keys, env names, IPs', () => {
  it('IANA service names', () => {
    assert.deepEqual(isValidPortName('http-alt'), []);
    assert.deepEqual(isValidPortName('8080'), ['must contain at least one letter (a-z)']);
    assert.deepEqual(isValidPortName('a--b'), ['must not contain consecutive hyphens (-)']);
    assert.deepEqual(isValidPortName('-ab'), ['must not begin or end with a hyphen (-)']);
    assert.equal(isValidPortName('abcdefghijklmnop')[0], 'must be no more than 15 characters');
    assert.deepEqual(isValidPortName('HTTP'), ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']);
  });

  it('port numbers', () => {
    assert.deepEqual(isValidPortNum(1), []);
    assert.deepEqual(isValidPortNum(65536), ['must be between 1 and 65535, inclusive']);
    assert.deepEqual(isValidPortNum(0), ['must be between 1 and 65535, inclusive']);
  });

  it('config keys', () => {
    assert.deepEqual(isConfigMapKey('app.properties'), []);
    assert.deepEqual(isConfigMapKey('..data'), ["must not start with '..'"]);
    assert.match(isConfigMapKey('a/b')[0] ?? '', /^a valid config key must consist of alphanumeric characters, '-', '_' or '\.' \(e\.g\. 'key\.name', or 'KEY_NAME', or 'key-name'/);
  });

  it('env var names are printable ASCII without =', () => {
    assert.deepEqual(isEnvVarName('my.var-1'), []);
    assert.deepEqual(isEnvVarName('A=B'), ["a valid environment variable name must consist only of printable ASCII characters other than '='"]);
    assert.equal(isEnvVarName('é').length, 1);
  });

  it('IP addresses', () => {
    assert.deepEqual(isValidIP('10.0.0.1'), []);
    assert.deepEqual(isValidIP('2001:db8::1'), []);
    assert.deepEqual(isValidIP('10.0.0.256'), ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
    assert.equal(isValidIP('1::2::3').length, 1);
  });
});

describe('validateName', () => {
  it('uses a subdomain for most kinds', () => {
    assert.deepEqual(validateName('ConfigMap', 'app.config'), []);
    assert.equal(validateName('Deployment', 'Web').length, 1);
  });

  it('uses a label for Namespace and a DNS-1035 label for Service', () => {
    assert.equal(validateName('Namespace', 'a.b').length, 1);
    assert.match(validateName('Service', '1web')[0] ?? '', /DNS-1035/);
    assert.match(validateName('Service', 'a.b')[0] ?? '', /DNS-1035/);
  });

  it('uses path segment rules for RBAC kinds', () => {
    assert.deepEqual(validateName('ClusterRole', 'system:controller:Foo'), []);
    assert.deepEqual(validateName('Role', 'a/b'), ["may not contain '/'"]);
    assert.deepEqual(validateName('RoleBinding', '..'), ["may not be '..'"]);
  });

  it('uses a label for StatefulSet, whose pods take its name as hostname', () => {
    assert.equal(validateName('StatefulSet', 'db.main').length, 1);
    assert.deepEqual(validateName('Deployment', 'db.main'), []);
  });

  it('limits CronJob names to 52 characters', () => {
    assert.deepEqual(validateName('CronJob', 'a'.repeat(53)), ['must be no more than 52 characters']);
    assert.deepEqual(validateName('CronJob', 'a'.repeat(52)), []);
  });
});
