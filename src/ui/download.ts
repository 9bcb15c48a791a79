/**
 * How long an object URL outlives its click. Revoking at once can cancel the
 * download in some browsers; FileSaver.js waits 40 s for the same reason.
 */
const REVOKE_AFTER_MS = 40_000;

/** Saves `blob` as `filename` through a temporary <a download> and an object URL, revoked after. */
export function downloadBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }
}

/** A file-name-safe form of a label: "No correction" -> "no-correction". */
export function slugify(label: string): string {
  const slug = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'chart';
}
