import { useState, type ReactNode } from 'react';

/**
 * A link to hand on: a read-only field that selects itself on focus, a Copy
 * button, and a line saying it was copied (until the link changes).
 */
export function CopyLinkField({ id, label, link, copyText, copiedText, inputClassName, testId }: { id: string; label: ReactNode; link: string; copyText: string; copiedText: string; inputClassName?: string; testId?: string }) {
  const [copiedLink, setCopiedLink] = useState<string | null>(null);
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <div className="row">
        <input id={id} className={inputClassName} readOnly value={link} onFocus={(e) => e.target.select()} data-testid={testId} />
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard.writeText(link).then(
              () => setCopiedLink(link),
              () => setCopiedLink(null),
            );
          }}
        >
          {copyText}
        </button>
      </div>
      {copiedLink === link && <p role="status">{copiedText}</p>}
    </>
  );
}
