// Protobuf field tables for the networking.k8s.io/v1 messages the API decodes (numbers from networking/v1 generated.proto, pointer marks from its Go types).
import type { MessageTable } from './schema.js';

export const networkingMessages: MessageTable = {
  ServiceBackendPort: {
    1: 'name string',
    2: 'number int32',
  },
  IngressServiceBackend: {
    1: 'name string!',
    2: 'port ServiceBackendPort',
  },
  IngressBackend: {
    3: 'resource core.TypedLocalObjectReference?',
    4: 'service IngressServiceBackend?',
  },
  IngressTLS: {
    1: 'hosts string[]',
    2: 'secretName string',
  },
  HTTPIngressPath: {
    1: 'path string',
    2: 'backend IngressBackend',
    3: 'pathType string?',
  },
  HTTPIngressRuleValue: {
    1: 'paths HTTPIngressPath[]',
  },
  IngressRuleValue: {
    1: 'http HTTPIngressRuleValue?',
  },
  IngressRule: {
    1: 'host string',
    2: '...ingressRuleValue IngressRuleValue',
  },
  IngressSpec: {
    1: 'defaultBackend IngressBackend?',
    2: 'tls IngressTLS[]',
    3: 'rules IngressRule[]',
    4: 'ingressClassName string?',
  },
  Ingress: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec IngressSpec',
  },
};
