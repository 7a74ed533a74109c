/**
 * The skiff ingress controller: makes sure IngressClass `skiff` exists, watches Ingresses,
 * IngressClasses, Services, EndpointSlices and Secrets, rebuilds the route table and the TLS
 * certificates on every change (coalesced), hands them to the ingress server, and writes
 * status.loadBalancer on every Ingress it serves.
 */
import type { Secret, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Ingress, IngressClass, IngressLoadBalancerIngress } from 'kubernetes-types/networking/v1.js';
import { isAlreadyExists, isNotFound } from '../../api/machinery/errors.js';
import { deepEqual, keyFor, type KObject } from '../../api/machinery/object.js';
import { EventRecorder, involvedObjectOf } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest-client.js';
import { Refs } from '../../client/resources.js';
import { buildCertificateTable } from './certificates.js';
import { desiredIngressClass, INGRESS_CLASS_NAME, servesIngress } from './ingress-class.js';
import type { IngressServer } from './ingress-server.js';
import { buildRouteTable } from './route-table.js';

export const COMPONENT = 'skiff-ingress-controller';
const FIELD_MANAGER = 'skiff-ingress-controller';

export interface IngressControllerOptions {
  client: KubeClient;
  server: IngressServer;
  /** The address written into status.loadBalancer.ingress. */
  statusAddress: string;
}

/** The status a served Ingress should carry. */
export function desiredLoadBalancer(ip: string): IngressLoadBalancerIngress[] {
  return [{ ip }];
}

export class IngressController {
  readonly recorder: EventRecorder;
  private readonly ingresses: Informer<KObject>;
  private readonly classes: Informer<KObject>;
  private readonly services: Informer<KObject>;
  private readonly slices: Informer<KObject>;
  private readonly secrets: Informer<KObject>;
  private timer?: NodeJS.Timeout;
  private classTimer?: NodeJS.Timeout;
  private stopped = false;
  /** The resourceVersion each status write started from, so rebuilds before the watch shows it do not repeat it. */
  private readonly statusWritten = new Map<string, string>();
  private readonly warned = new Set<string>();

  constructor(private readonly opts: IngressControllerOptions) {
    const c = opts.client;
    this.recorder = new EventRecorder(c, { component: COMPONENT });
    this.ingresses = new Informer(c, Refs.ingresses);
    this.classes = new Informer(c, Refs.ingressclasses);
    this.services = new Informer(c, Refs.services);
    this.slices = new Informer(c, Refs.endpointslices);
    this.secrets = new Informer(c, Refs.secrets);
    const kick = { onAdd: () => this.schedule(), onUpdate: () => this.schedule(), onDelete: () => this.schedule() };
    for (const inf of [this.ingresses, this.classes, this.services, this.slices, this.secrets]) inf.addEventHandler(kick);
  }

  start(): void {
    for (const inf of [this.ingresses, this.classes, this.services, this.slices, this.secrets]) inf.start();
    void this.ensureIngressClass();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.classTimer) clearTimeout(this.classTimer);
    for (const inf of [this.ingresses, this.classes, this.services, this.slices, this.secrets]) inf.stop();
  }

  /** Tells users about a listener problem where they look: an event on the IngressClass. */
  reportListenProblem(message: string): void {
    this.recorder.event({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', name: INGRESS_CLASS_NAME }, 'Warning', 'PortUnavailable', message);
  }

  /** Creates IngressClass `skiff` when absent; an existing one is the user's and left alone. */
  private async ensureIngressClass(): Promise<void> {
    try {
      await this.opts.client.get(Refs.ingressclasses, undefined, INGRESS_CLASS_NAME);
      return;
    } catch (err) {
      if (!isNotFound(err)) return this.retryEnsureClass();
    }
    try {
      await this.opts.client.create(Refs.ingressclasses, desiredIngressClass() as KObject, { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!isAlreadyExists(err)) this.retryEnsureClass();
    }
  }

  private retryEnsureClass(): void {
    if (this.stopped) return;
    this.classTimer = setTimeout(() => void this.ensureIngressClass(), 2000);
  }

  /** Changes arrive in bursts (a rollout touches many slices): rebuild once per burst. */
  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sync();
    }, 10);
  }

  private sync(): void {
    // A table built from half-listed caches would answer 503 for Services not yet seen.
    if (![this.ingresses, this.classes, this.services, this.slices, this.secrets].every((i) => i.hasSynced())) return;
    const classes = this.classes.list() as unknown as IngressClass[];
    const served = (this.ingresses.list() as unknown as Ingress[]).filter((i) => servesIngress(i, classes));
    this.opts.server.setRoutes(buildRouteTable({
      ingresses: served,
      services: this.services.list() as unknown as Service[],
      endpointSlices: this.slices.list() as unknown as EndpointSlice[],
    }));
    const secrets = new Map((this.secrets.list() as unknown as Secret[]).map((s) => [`${s.metadata?.namespace}/${s.metadata?.name}`, s]));
    const certs = buildCertificateTable(served, secrets);
    this.opts.server.setCertificates(certs);
    for (const p of certs.problems) this.warnOnce(p.ingress, 'TLSSecretUnavailable', p.message);
    for (const ing of served) void this.writeStatus(ing);
  }

  private warnOnce(ing: Ingress, reason: string, message: string): void {
    const key = `${ing.metadata?.uid}/${reason}/${message}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.recorder.event(involvedObjectOf(ing as unknown as KObject), 'Warning', reason, message);
  }

  private async writeStatus(ing: Ingress): Promise<void> {
    const want = desiredLoadBalancer(this.opts.statusAddress);
    const key = keyFor(ing as unknown as KObject);
    const rv = ing.metadata?.resourceVersion ?? '';
    if (deepEqual(ing.status?.loadBalancer?.ingress ?? [], want)) {
      this.statusWritten.delete(key);
      return;
    }
    if (this.statusWritten.get(key) === rv) return;
    this.statusWritten.set(key, rv);
    try {
      await this.opts.client.patch(Refs.ingresses, ing.metadata?.namespace, ing.metadata?.name ?? '', 'merge',
        { status: { loadBalancer: { ingress: want } } }, { subresource: 'status', fieldManager: FIELD_MANAGER });
    } catch (err) {
      // Gone meanwhile, or a transient failure: retried a little later, not in a tight loop.
      this.statusWritten.delete(key);
      if (!isNotFound(err) && !this.stopped) setTimeout(() => this.schedule(), 1000).unref();
    }
  }
}
