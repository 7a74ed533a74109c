/**
 * dockerode loads gRPC and protobuf (for BuildKit sessions) and docker-modem loads ssh2 (for ssh:// engines) as
 * soon as they are imported; skiff talks to a local socket and builds without BuildKit, so those ~20 MiB of
 * modules would sit unused in every agent. They are registered here as stand-ins that load the real module on
 * first use, so nothing changes for a caller that does use them. Must be imported before dockerode.
 */
import { createRequire } from 'node:module';

interface CjsModule {
  filename: string;
  loaded: boolean;
  exports: unknown;
}
interface CjsModuleClass {
  new (id: string): CjsModule;
  _cache: Record<string, CjsModule | undefined>;
}

const require = createRequire(import.meta.url);
const Module = require('node:module') as CjsModuleClass;

/** `request` as `from` would require it, loaded on the first property read, call or `new`. */
function defer(from: string, request: string): void {
  let req: NodeJS.Require;
  let file: string;
  try {
    req = createRequire(require.resolve(from));
    file = req.resolve(request);
  } catch {
    return;
  }
  if (Module._cache[file]) return;
  let real: object | undefined;
  const load = (): object => {
    if (!real) {
      delete Module._cache[file];
      real = req(request) as object;
    }
    return real;
  };
  // A function target, so a module that exports a function or a class can be called or constructed too.
  const standIn = new Proxy(function deferred() {}, {
    get: (_t, key) => Reflect.get(load(), key),
    has: (_t, key) => Reflect.has(load(), key),
    apply: (_t, self, args) => Reflect.apply(load() as (...a: unknown[]) => unknown, self, args),
    construct: (_t, args) => Reflect.construct(load() as new (...a: unknown[]) => object, args),
  });
  const m = new Module(file);
  m.filename = file;
  m.loaded = true;
  m.exports = standIn;
  Module._cache[file] = m;
}

defer('dockerode/lib/session.js', '@grpc/grpc-js');
defer('dockerode/lib/session.js', '@grpc/proto-loader');
defer('docker-modem/lib/modem.js', './ssh');
