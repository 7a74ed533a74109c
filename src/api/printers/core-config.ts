/** Printers for the simple core/v1 kinds: Namespace, ConfigMap, Secret and ServiceAccount. */
import type { ConfigMap, Namespace, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { translateTimestampSince } from './duration.js';
import { ageColumn, column, list, nameColumn, printerOf } from './table.js';

function countKeys(map: Record<string, string> | undefined): number {
  return Object.keys(map ?? {}).length;
}

export const namespacePrinter = printerOf<Namespace>(
  [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  (ns, now) => [ns.metadata?.name ?? '', ns.status?.phase ?? '', translateTimestampSince(ns.metadata?.creationTimestamp, now)],
);

export const configMapPrinter = printerOf<ConfigMap>(
  [nameColumn(), column('Data', 'string', 'Data contains the configuration data.'), ageColumn()],
  // binaryData keys count too: together they are the files a volume mount would show.
  (cm, now) => [
    cm.metadata?.name ?? '',
    countKeys(cm.data) + countKeys(cm.binaryData),
    translateTimestampSince(cm.metadata?.creationTimestamp, now),
  ],
);

export const secretPrinter = printerOf<Secret>(
  [
    nameColumn(),
    column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'string', 'Data contains the secret data.'),
    ageColumn(),
  ],
  // Only `data` is counted: stringData is write-only and merged into data on write.
  (secret, now) => [
    secret.metadata?.name ?? '',
    secret.type ?? '',
    countKeys(secret.data),
    translateTimestampSince(secret.metadata?.creationTimestamp, now),
  ],
);

export const serviceAccountPrinter = printerOf<ServiceAccount>(
  [nameColumn(), column('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), ageColumn()],
  (sa, now) => [sa.metadata?.name ?? '', list(sa.secrets).length, translateTimestampSince(sa.metadata?.creationTimestamp, now)],
);
