/**
 * `cnn-face enroll` / `list`: the face database file. Enrolling adds the largest face of each picture to a
 * person (a new person, or more pictures of a known one); `--folder` enrolls a folder-per-identity set;
 * `--remove` takes a person out. Every picture is described before the database changes, and the file is
 * written once at the end (atomically, by FaceDatabase.save): a failure leaves the previous file as it was.
 */
import { CnnError, readImageFolder } from '@cnn/ops';
import { count, describeFace, describePictures, openDatabase, openPipeline, people, pictureLabels, type Log, type PictureFace } from './faces.js';

export interface EnrollSettings {
  db: string;
  /** A person and their pictures, or a folder-per-identity set. */
  people: { name: string; images: string[] } | { folder: string };
  faceApiModels: string | undefined;
  progress: boolean;
}

export async function enroll(s: EnrollSettings, log: Log) {
  // Who is enrolled from which pictures (a folder is listed before any net is loaded: its errors come first).
  let jobs: { name: string; images: string[] }[];
  if ('folder' in s.people) {
    const folder = await readImageFolder(s.people.folder);
    jobs = folder.classNames.map((name, label) => ({ name, images: folder.items.filter((it) => it.label === label).map((it) => it.path) }));
    log(`folder ${folder.root}: ${folder.classNames.length} people, ${folder.items.length} pictures`);
  } else {
    jobs = [s.people];
  }
  const { db, created } = await openDatabase(s.db, true);
  try {
    log(created ? `new face database ${s.db}` : `face database ${s.db}: ${people(db)}`);
    const pipeline = await openPipeline({}, s.faceApiModels, log);
    let described: PictureFace[][];
    try {
      const all = await describePictures(pipeline, jobs.flatMap((j) => j.images), s.progress);
      let at = 0;
      described = jobs.map((j) => all.slice(at, (at += j.images.length)));
    } finally {
      pipeline.dispose();
    }
    const enrolled = [];
    for (const [k, job] of jobs.entries()) {
      const faces = described[k]!;
      const before = db.get(job.name);
      const previous = Array.isArray(before?.metadata['pictures']) ? (before.metadata['pictures'] as string[]) : [];
      const ids = await db.enroll(job.name, faces.map((f) => f.descriptor), { pictures: [...previous, ...job.images] });
      const undetected = faces.filter((f) => !f.detected).length;
      log(`${job.name}: ${before ? 'added' : 'enrolled'} ${count(faces.length, 'picture')}${undetected ? ` (${undetected} without a detected face: the whole picture was used)` : ''}, now ${count(db.get(job.name)!.embeddingIds.length, 'face')}`);
      if (!('folder' in s.people)) pictureLabels(job.images).forEach((label, i) => log(`  ${label}: ${describeFace(faces[i]!)}`));
      enrolled.push({ identity: job.name, embeddingIds: ids, pictures: faces.map(({ descriptor: _d, ...f }) => f) });
    }
    await db.save(s.db);
    log(`saved ${s.db}: ${people(db)}`);
    return { db: s.db, created, enrolled, identities: db.identityCount, faces: db.size };
  } finally {
    await db.dispose();
  }
}

export async function remove(path: string, name: string, log: Log) {
  const { db } = await openDatabase(path, false);
  try {
    if (!(await db.removeIdentity(name))) {
      const names = db.list().map((r) => r.identity);
      throw new CnnError('INVALID_ARGUMENT', `There is no '${name}' in the face database ${path}${names.length ? ` (it holds ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''})` : ' (it is empty)'}; \`cnn-face list --db ${path}\` lists its people.`);
    }
    await db.save(path);
    log(`removed ${name} from ${path}: ${people(db)} left`);
    return { db: path, removed: name, identities: db.identityCount, faces: db.size };
  } finally {
    await db.dispose();
  }
}

export async function list(path: string, log: Log) {
  const { db } = await openDatabase(path, false);
  try {
    const identities = db.list().map((r) => ({ identity: r.identity, faces: r.embeddingIds.length, pictures: Array.isArray(r.metadata['pictures']) ? (r.metadata['pictures'] as string[]) : [] }));
    log(`${path}: ${people(db)} (model ${db.modelId})`);
    for (const p of identities) log(`  ${p.identity}: ${count(p.faces, 'face')}${p.pictures.length ? ` (${pictureLabels(p.pictures).join(', ')})` : ''}`);
    return { db: path, modelId: db.modelId, identities };
  } finally {
    await db.dispose();
  }
}
