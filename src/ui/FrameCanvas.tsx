import { useEffect, useRef } from 'react';
import type { Frame } from '../core/render/renderFrame';
import { drawPicture } from '../core/render/drawPicture';

const SIZE = 320;

/** Draws a rendered frame on a square canvas: MinAtar pixels scaled without smoothing, or a classic-control picture. */
export function FrameCanvas({ frame, label }: { frame: Frame; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    if (frame.kind === 'pixels') {
      const image = new ImageData(new Uint8ClampedArray(frame.rgba), frame.width, frame.height);
      const scratch = new OffscreenCanvas(frame.width, frame.height);
      scratch.getContext('2d')?.putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
    } else {
      const { picture } = frame;
      canvas.height = Math.round((SIZE * picture.height) / picture.width);
      drawPicture(ctx, picture, canvas.width, canvas.height);
    }
  }, [frame]);
  return <canvas ref={ref} width={SIZE} height={SIZE} role="img" aria-label={label} className="frame" />;
}
