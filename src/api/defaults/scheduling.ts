/** Defaults for scheduling.k8s.io/v1 PriorityClass. */
import { setIfNil, type JsonObject } from './fields.js';

/** Fills a PriorityClass: pods of the class may preempt pods of lower priority. */
export function defaultPriorityClass(priorityClass: JsonObject): void {
  setIfNil(priorityClass, 'preemptionPolicy', 'PreemptLowerPriority');
}
