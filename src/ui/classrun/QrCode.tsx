import { useMemo } from 'react';
import { qrModules } from './qrModules';

/** `text` as a QR code, black on white whatever the page's colours (scanners need the contrast). */
export function QrCode({ text, label, size = 220 }: { text: string; label: string; size?: number }) {
  const qr = useMemo(() => qrModules(text), [text]);
  return (
    <svg className="qr-code" width={size} height={size} viewBox={`0 0 ${qr.size} ${qr.size}`} role="img" aria-label={label} shapeRendering="crispEdges" data-testid="qr-code">
      <rect width={qr.size} height={qr.size} fill="#ffffff" />
      <path d={qr.path} fill="#000000" />
    </svg>
  );
}
