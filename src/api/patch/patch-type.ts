/** Maps a PATCH request's Content-Type onto the patch flavour the API server applies. */

/** The four patch flavours Kubernetes accepts, named as in k8s.io/apimachinery/pkg/types.PatchType. */
export type PatchType = 'strategic' | 'merge' | 'json' | 'apply';

const PATCH_MEDIA_TYPES: Readonly<Record<string, PatchType>> = {
  'application/strategic-merge-patch+json': 'strategic',
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/apply-patch+yaml': 'apply',
};

/**
 * The patch flavour for a Content-Type header, or undefined when it names none of them
 * (the caller answers 415). Parameters such as `; charset=utf-8` are ignored because clients add them freely.
 */
export function patchTypeOf(contentType: string): PatchType | undefined {
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return Object.hasOwn(PATCH_MEDIA_TYPES, mediaType) ? PATCH_MEDIA_TYPES[mediaType] : undefined;
}
