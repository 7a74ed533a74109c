// Which Ingresses skiff serves: its class by name, classes of its controller, the default class and the legacy annotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IngressClass } from 'kubernetes-types/networking/v1.js';
import { desiredIngressClass, servesIngress } from '../../../src/proxy/ingress/ingress-class.js';
import { ingress } from './fixtures.js';

const skiff = desiredIngressClass();
const nginx = (isDefault: boolean): IngressClass => ({
  metadata: { name: 'nginx', ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  spec: { controller: 'k8s.io/ingress-nginx' },
});
const mine: IngressClass = { metadata: { name: 'local' }, spec: { controller: 'skiff.io/ingress-controller' } };

test('the IngressClass skiff creates is the default and names its controller', () => {
  assert.equal(skiff.metadata?.name, 'skiff');
  assert.equal(skiff.spec?.controller, 'skiff.io/ingress-controller');
  assert.equal(skiff.metadata?.annotations?.['ingressclass.kubernetes.io/is-default-class'], 'true');
});

test('a named class is served when it is skiff or a class of skiff\'s controller', () => {
  assert.equal(servesIngress(ingress('i', [], { className: 'skiff' }), [skiff]), true);
  assert.equal(servesIngress(ingress('i', [], { className: 'local' }), [skiff, mine]), true);
  assert.equal(servesIngress(ingress('i', [], { className: 'nginx' }), [skiff, nginx(false)]), false);
  assert.equal(servesIngress(ingress('i', [], { className: 'unknown' }), [skiff]), false);
});

test('an Ingress without a class is served while skiff is the default (or no class is)', () => {
  assert.equal(servesIngress(ingress('i', []), [skiff, nginx(false)]), true);
  assert.equal(servesIngress(ingress('i', []), []), true);
  assert.equal(servesIngress(ingress('i', []), [{ ...skiff, metadata: { name: 'skiff' } }, nginx(true)]), false);
});

test('the legacy kubernetes.io/ingress.class annotation selects skiff or another controller', () => {
  assert.equal(servesIngress(ingress('i', [], { annotations: { 'kubernetes.io/ingress.class': 'skiff' } }), [skiff]), true);
  assert.equal(servesIngress(ingress('i', [], { annotations: { 'kubernetes.io/ingress.class': 'nginx' } }), [skiff]), false);
});
