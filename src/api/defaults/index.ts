/** Public surface of defaulting: what the API server calls before validating and storing objects. */
export { applyDefaults, hasDefaults } from './apply.js';
export { defaultJobSelector, JOB_NAME_LABELS, CONTROLLER_UID_LABELS, JOB_SELECTOR_LABEL } from './job-selector.js';
export { imageTag, defaultPullPolicy } from './container.js';
