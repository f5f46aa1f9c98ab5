/**
 * The bundled style image, drawn at run time so nothing needs a licence: a night sky of swirling brush
 * strokes in blues and yellows (a nod to the course's Starry Night), from a seeded generator.
 */
import { mulberry32 } from '@cnn/ops';

const PALETTE = ['#0b1d51', '#1b3b8a', '#2f5fb3', '#5b8fd6', '#9cc3e6', '#f2d15c', '#f6e7a1', '#e8a93a', '#10254f'];

/** A size×size canvas with the painting. */
export function drawPainting(size: number, seed = 7): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const g = canvas.getContext('2d')!;
  const rand = mulberry32(seed);
  const sky = g.createLinearGradient(0, 0, 0, size);
  sky.addColorStop(0, '#0a1a4a');
  sky.addColorStop(1, '#2a4f9a');
  g.fillStyle = sky;
  g.fillRect(0, 0, size, size);
  g.lineCap = 'round';
  // Strokes follow a swirling flow field around a few centres.
  const centres = Array.from({ length: 4 }, () => [rand() * size, rand() * size * 0.7] as const);
  const flow = (x: number, y: number) => {
    let a = 0.3;
    for (const [cx, cy] of centres) {
      const d = Math.hypot(x - cx, y - cy) + 1;
      a += (Math.atan2(y - cy, x - cx) + Math.PI / 2) * Math.exp(-d / (size * 0.25));
    }
    return a;
  };
  const strokes = Math.round(size * 5);
  for (let s = 0; s < strokes; s++) {
    let x = rand() * size;
    let y = rand() * size;
    g.strokeStyle = PALETTE[Math.floor(rand() * PALETTE.length)]!;
    g.lineWidth = 1 + rand() * size * 0.025;
    g.globalAlpha = 0.55 + rand() * 0.4;
    g.beginPath();
    g.moveTo(x, y);
    const steps = 4 + Math.floor(rand() * 10);
    for (let k = 0; k < steps; k++) {
      const a = flow(x, y);
      x += Math.cos(a) * size * 0.02;
      y += Math.sin(a) * size * 0.02;
      g.lineTo(x, y);
    }
    g.stroke();
  }
  // A moon and a few stars with halos.
  g.globalAlpha = 1;
  for (let i = 0; i < 6; i++) {
    const x = rand() * size;
    const y = rand() * size * 0.6;
    const r = size * (i === 0 ? 0.07 : 0.02 + rand() * 0.02);
    const halo = g.createRadialGradient(x, y, r * 0.3, x, y, r * 2.2);
    halo.addColorStop(0, '#fff6c0');
    halo.addColorStop(0.45, '#f2d15c');
    halo.addColorStop(1, 'rgba(242, 209, 92, 0)');
    g.fillStyle = halo;
    g.beginPath();
    g.arc(x, y, r * 2.2, 0, Math.PI * 2);
    g.fill();
  }
  return canvas;
}
