/**
 * Image folders, one subfolder per class (or per person), as Keras' `image_dataset_from_directory` reads them:
 *
 *   root/cat/001.jpg, root/cat/more/002.png, root/dog/a.jpg  ->  classNames ['cat', 'dog'], labels 0, 1
 *
 * Class names are the subfolder names sorted by code point (Python's `sorted`, so 'B' < 'a'); images are
 * found recursively inside each class folder; hidden files and folders (names starting with '.') and files
 * directly in `root` are skipped. Only paths are listed here: nothing is decoded (see createBatches).
 * Node only (node:fs is imported lazily so the module still loads in browsers).
 */
import { CnnError, FileNotFoundError, InvalidArgumentError } from '../errors/errors.js';
import { describeValue } from '../errors/validate.js';

/**
 * Problems with a data set on disk (no class folders, an empty class, an unreadable folder). There is no
 * error code for data-set contents, so this uses 'INVALID_ARGUMENT' (the folder is the argument, as
 * @cnn/yolo's AnnotationFormatError does); `path` says where to look.
 */
export class ImageFolderError extends CnnError {
  /** The folder or file at fault. */
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message.includes(path) ? message : `${message} (${path})`, options);
    this.path = path;
  }
}

/** One image of a data set: its file and its class index. */
export interface ImageItem {
  path: string;
  label: number;
}

export interface ImageFolder {
  /** The folder that was read. */
  root: string;
  /** Class names; `classNames[label]` names an item's class. */
  classNames: string[];
  /** Every image, grouped by class (label order), paths sorted within a class. */
  items: ImageItem[];
}

export interface ReadImageFolderOptions {
  /** File extensions to keep, case-insensitive, with or without the dot. Default: IMAGE_EXTENSIONS. */
  extensions?: readonly string[];
  /**
   * Class folders to use, in this order (label i = classes[i]), as Keras' `class_names`. Default: every
   * non-hidden subfolder, sorted. Each one must exist.
   */
  classes?: readonly string[];
}

/** Extensions of the formats @cnn/ops decodes (PNG, JPEG, BMP, TIFF). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.bmp', '.jpeg', '.jpg', '.png', '.tif', '.tiff'];

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const isHidden = (name: string): boolean => name.startsWith('.');

function normalizeExtensions(extensions: unknown): Set<string> {
  if (!Array.isArray(extensions) || extensions.length === 0 || !extensions.every((e) => typeof e === 'string' && e.replace(/^\./, '').length > 0)) {
    throw new InvalidArgumentError('options.extensions', "a non-empty array of extensions such as ['.png', '.jpg']", describeValue(extensions));
  }
  return new Set((extensions as string[]).map((e) => `.${e.replace(/^\./, '').toLowerCase()}`));
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

function unreadable(path: string, what: string, err: unknown): ImageFolderError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new ImageFolderError(path, `Cannot read the ${what} '${path}' (${code}: ${(err as Error).message}).`, { cause: err });
}

/** Image files under `dir`, recursively, sorted; symlinked files are followed, symlinked folders are not (Keras' follow_links=False). */
async function listImages(fs: Fs, path: Path, dir: string, extensions: Set<string>): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw unreadable(dir, 'folder', err);
  }
  entries.sort((a, b) => byCodePoint(a.name, b.name));
  const out: string[] = [];
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...(await listImages(fs, path, full, extensions)));
    } else if (extensions.has(extensionOf(entry.name))) {
      if (entry.isFile()) out.push(full);
      else if (entry.isSymbolicLink() && (await fs.stat(full).then((s) => s.isFile(), () => false))) out.push(full);
    }
  }
  return out;
}

/**
 * Lists an image folder (one subfolder per class). Errors: FileNotFoundError (root or a requested class
 * missing), InvalidArgumentError (root is a file, bad options), ImageFolderError (no class folders, a class
 * without images, an unreadable folder); each names the path.
 */
export async function readImageFolder(root: string, options: ReadImageFolderOptions = {}): Promise<ImageFolder> {
  if (typeof root !== 'string' || root.length === 0) throw new InvalidArgumentError('root', 'a folder path', describeValue(root));
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('options', 'an options object { extensions?, classes? }', describeValue(options));
  const extensions = normalizeExtensions(options.extensions ?? IMAGE_EXTENSIONS);
  const fs = await import('node:fs/promises');
  const path = await import('node:path');

  let stat: import('node:fs').Stats;
  try {
    stat = await fs.stat(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new FileNotFoundError(root, 'image folder', 'Pass a folder with one subfolder of images per class, e.g. root/cat/*.jpg, root/dog/*.jpg.');
    }
    throw unreadable(root, 'image folder', err);
  }
  if (!stat.isDirectory()) throw new InvalidArgumentError('root', 'a folder with one subfolder per class', `'${root}', which is a file`);

  let classNames: string[];
  if (options.classes !== undefined) {
    const classes = options.classes as unknown;
    if (!Array.isArray(classes) || classes.length === 0 || !classes.every((c) => typeof c === 'string' && c.length > 0)) {
      throw new InvalidArgumentError('options.classes', 'a non-empty array of class folder names', describeValue(classes));
    }
    const duplicate = classes.find((c, i) => classes.indexOf(c) !== i);
    if (duplicate !== undefined) throw new InvalidArgumentError('options.classes', 'distinct class names', `'${duplicate}' twice`);
    classNames = [...(classes as string[])];
    for (const name of classNames) {
      const dir = path.join(root, name);
      const isDir = await fs.stat(dir).then((s) => s.isDirectory(), () => false);
      if (!isDir) throw new FileNotFoundError(dir, 'class folder', `options.classes names '${name}', but '${root}' has no such subfolder.`);
    }
  } else {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(root, { withFileTypes: true });
    } catch (err) {
      throw unreadable(root, 'image folder', err);
    }
    classNames = [];
    for (const entry of entries) {
      if (isHidden(entry.name)) continue;
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await fs.stat(path.join(root, entry.name)).then((s) => s.isDirectory(), () => false)));
      if (isDir) classNames.push(entry.name);
    }
    classNames.sort(byCodePoint);
    if (classNames.length === 0) {
      throw new ImageFolderError(root, `The image folder '${root}' has no class subfolders: put the images of each class in a subfolder named after the class (root/cat/*.jpg, root/dog/*.jpg).`);
    }
  }

  const items: ImageItem[] = [];
  for (let label = 0; label < classNames.length; label++) {
    const dir = path.join(root, classNames[label]!);
    const files = await listImages(fs, path, dir, extensions);
    if (files.length === 0) {
      throw new ImageFolderError(dir, `The class folder '${dir}' has no images with the extensions ${[...extensions].join(', ')}; add images, remove the folder, or pick classes with options.classes.`);
    }
    for (const file of files) items.push({ path: file, label });
  }
  return { root, classNames, items };
}
