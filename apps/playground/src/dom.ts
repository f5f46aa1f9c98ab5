/** Small DOM helpers: typed look-ups that fail loudly when the page and the code disagree. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`The page has no #${id}`);
  return el as T;
}

/** Gives the browser a turn (events such as a Cancel click, repaints) between steps of long work. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Copies RGB bytes ([h, w, 3], row-major) onto a canvas, resizing the canvas to fit. */
export function putRgb(canvas: HTMLCanvasElement, rgb: Uint8Array, width: number, height: number): void {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += 3) {
    rgba[i * 4] = rgb[j]!;
    rgba[i * 4 + 1] = rgb[j + 1]!;
    rgba[i * 4 + 2] = rgb[j + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
}

/**
 * A drop zone and its file input: `onFiles` gets the image files dropped on the zone or chosen in the input
 * (the first one only, unless the input is `multiple`).
 */
export function wireDropZone(zone: HTMLElement, input: HTMLInputElement, onFiles: (files: File[]) => void): void {
  const take = (list: FileList | null | undefined) => {
    const files = [...(list ?? [])].slice(0, input.multiple ? undefined : 1);
    if (files.length > 0) onFiles(files);
  };
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    take(e.dataTransfer?.files);
  });
  input.addEventListener('change', () => {
    take(input.files);
    input.value = '';
  });
}
