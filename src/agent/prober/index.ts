/** The prober's public surface for the node agent. */
export { ProbeManager, type ProbeManagerOptions, type ContainerInfo } from './prober-manager.js';
export { ResultsManager, type ResultEntry, type ResultKey, type ResultUpdate } from './results-manager.js';
export { realClock, type Clock } from './clock.js';
export { createProber, defaultRunners, type Runners } from './prober.js';
export { httpRunner } from './http-runner.js';
export { tcpRunner } from './tcp-runner.js';
export { execRunner } from './exec-runner.js';
export { grpcRunner } from './grpc-runner.js';
export type { ProbeEvent, ProbeResult, ProbeRunner, ProbeTarget, ProbeType, RunnerOutcome } from './types.js';
