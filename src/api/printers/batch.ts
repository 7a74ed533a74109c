/** batch/v1 printers: Job (with the STATUS column kubectl 1.32 shows) and CronJob. */
import type { CronJob, Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import { humanDuration, parseTimestamp, translateTimestampSince } from './duration.js';
import { formatLabelSelector } from './labels.js';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, ageColumn, column, list, nameColumn, printerOf } from './table.js';
import { layoutContainerCells } from './template.js';

/** The first condition of a type decides, as in Kubernetes, even if a later duplicate disagrees. */
function hasJobCondition(conditions: readonly JobCondition[], type: string): boolean {
  const condition = conditions.find((c) => c.type === type);
  return condition?.status === 'True';
}

/** Terminal conditions win over Terminating, which wins over the transient ones; no condition means Running. */
export function jobStatusCell(job: Job): string {
  const conditions = list(job.status?.conditions);
  if (hasJobCondition(conditions, 'Complete')) return 'Complete';
  if (hasJobCondition(conditions, 'Failed')) return 'Failed';
  if (parseTimestamp(job.metadata?.deletionTimestamp) !== undefined) return 'Terminating';
  if (hasJobCondition(conditions, 'Suspended')) return 'Suspended';
  if (hasJobCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  if (hasJobCondition(conditions, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** `succeeded/completions`; without completions a job needs one success, shown `0/1 of 3` when run in parallel. */
export function jobCompletionsCell(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined && job.spec.completions !== null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** Blank before the job starts, time so far while it runs, and the run time once it completed. */
export function jobDurationCell(job: Job, now: Date): string {
  const start = parseTimestamp(job.status?.startTime);
  if (start === undefined) return '';
  const completion = parseTimestamp(job.status?.completionTime);
  return humanDuration((completion ?? now.getTime()) - start);
}

export const jobPrinter = printerOf<Job>(
  [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  (job, now) => {
    const [names, images] = layoutContainerCells(job.spec?.template?.spec?.containers);
    return [
      job.metadata?.name ?? '',
      jobStatusCell(job),
      jobCompletionsCell(job),
      jobDurationCell(job, now),
      translateTimestampSince(job.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(job.spec?.selector),
    ];
  },
);

function boolPtrCell(value: boolean | undefined | null): string {
  if (value === undefined || value === null) return '<unset>';
  return value ? 'True' : 'False';
}

export const cronJobPrinter = printerOf<CronJob>(
  [
    nameColumn(),
    column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column('Timezone', 'string', 'The time zone name for the given schedule.'),
    column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions.'),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn(),
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    column('Selector', 'string', 'A label query over pods that should match the pod count.', 1),
  ],
  (cj, now) => {
    const jobSpec = cj.spec?.jobTemplate?.spec;
    const [names, images] = layoutContainerCells(jobSpec?.template?.spec?.containers);
    const lastSchedule = cj.status?.lastScheduleTime;
    return [
      cj.metadata?.name ?? '',
      cj.spec?.schedule ?? '',
      cj.spec?.timeZone ?? '<none>',
      boolPtrCell(cj.spec?.suspend),
      list(cj.status?.active).length,
      lastSchedule ? translateTimestampSince(lastSchedule, now) : '<none>',
      translateTimestampSince(cj.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(jobSpec?.selector),
    ];
  },
);
