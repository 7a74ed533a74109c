/** Cells describing a pod template for the wide CONTAINERS and IMAGES columns of workload kinds. */
import type { Container } from 'kubernetes-types/core/v1.js';
import { list } from './table.js';

/** All container names and all images, each comma-joined on one line. */
export function layoutContainerCells(containers: readonly Container[] | undefined): [names: string, images: string] {
  const all = list(containers);
  return [all.map((c) => c.name ?? '').join(','), all.map((c) => c.image ?? '').join(',')];
}
