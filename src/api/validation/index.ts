/** Public surface of object validation: the per-kind validator and the format helpers other parts reuse. */
export { validateObject } from './validate.js';
export { validateName } from './names.js';
export { parseQuantity } from './quantity.js';
export {
  isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPortName, isValidPortNum,
} from './formats.js';
export { cronScheduleError, isValidTimeZone } from './cron.js';
export { selectorMatches, type LabelSelector } from './labels.js';
