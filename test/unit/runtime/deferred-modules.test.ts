// dockerode's gRPC, protobuf and ssh2 dependencies stay unloaded until used, and work when they are.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import '../../../src/runtime/docker/docker-runtime.js';

const require = createRequire(import.meta.url);
const fromSession = createRequire(require.resolve('dockerode/lib/session.js'));
const fromModem = createRequire(require.resolve('docker-modem/lib/modem.js'));

function loaded(pattern: RegExp): string[] {
  return Object.keys(require.cache).filter((f) => pattern.test(f) && require.cache[f]?.children.length);
}

describe('modules dockerode loads only on use', () => {
  it('imports the runtime without loading gRPC, protobuf or ssh2', () => {
    assert.deepEqual(loaded(/@grpc\/grpc-js\/build\/src\/(?!index\.js)|protobufjs\/src\/|\/ssh2\/lib\//), []);
  });

  it('loads the real module on first use, for properties, calls and constructors', () => {
    const grpc = fromSession('@grpc/grpc-js') as { Server: unknown; ServerCredentials: { createInsecure(): unknown } };
    assert.equal(typeof grpc.Server, 'function');
    assert.ok(grpc.ServerCredentials.createInsecure());
    const protoLoader = fromSession('@grpc/proto-loader') as { loadSync: unknown };
    assert.equal(typeof protoLoader.loadSync, 'function');
    const sshAgent = fromModem('./ssh') as (opt: object) => { createConnection: unknown };
    assert.equal(typeof sshAgent({ host: '127.0.0.1' }).createConnection, 'function');
    assert.ok(loaded(/\/ssh2\/lib\//).length > 0);
  });
});
