// Which protobuf message encodes each apiVersion/kind that clients send as protobuf.
const rootMessages: Record<string, string> = {
  'v1/Namespace': 'core.Namespace',
  'v1/ConfigMap': 'core.ConfigMap',
  'v1/Secret': 'core.Secret',
  'v1/Service': 'core.Service',
  'v1/ServiceAccount': 'core.ServiceAccount',
  'v1/Pod': 'core.Pod',
  'v1/ResourceQuota': 'core.ResourceQuota',
  'apps/v1/Deployment': 'apps.Deployment',
  'batch/v1/Job': 'batch.Job',
  'batch/v1/CronJob': 'batch.CronJob',
  'networking.k8s.io/v1/Ingress': 'networking.Ingress',
  'rbac.authorization.k8s.io/v1/Role': 'rbac.Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'rbac.RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'rbac.ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'rbac.ClusterRoleBinding',
  'policy/v1/PodDisruptionBudget': 'policy.PodDisruptionBudget',
  'scheduling.k8s.io/v1/PriorityClass': 'scheduling.PriorityClass',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'authorization.SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'authorization.SelfSubjectRulesReview',
  'authentication.k8s.io/v1/TokenRequest': 'authentication.TokenRequest',
  'autoscaling/v1/Scale': 'autoscaling.Scale',
  'autoscaling/v1/HorizontalPodAutoscaler': 'autoscaling.HorizontalPodAutoscaler',
};

/** The root message for an apiVersion and kind, or undefined when this server cannot decode that kind. */
export function rootMessageFor(apiVersion: string, kind: string): string | undefined {
  return rootMessages[`${apiVersion}/${kind}`];
}

/** Every apiVersion/kind with a protobuf decoder. */
export function protobufKinds(): Array<{ apiVersion: string; kind: string }> {
  return Object.keys(rootMessages).map((key) => {
    const i = key.lastIndexOf('/');
    return { apiVersion: key.slice(0, i), kind: key.slice(i + 1) };
  });
}
