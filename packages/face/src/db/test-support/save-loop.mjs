// Child process of face-database.crash.test.ts: loads three saved versions of one face database, then saves
// them in turn to one path (version i % 3 as save number i), forever, printing "saved <i>" after each save,
// until the test kills it with SIGKILL. Plain Node ESM: it imports the database from a bundle of src/db that
// the test builds first.
// argv: <bundle.mjs> <target> <v0> <v1> <v2> <number of the save already on disk>
import { pathToFileURL } from 'node:url';

const [bundle, target, v0, v1, v2, start] = process.argv.slice(2);
const { FaceDatabase } = await import(pathToFileURL(bundle).href);
const versions = await Promise.all([v0, v1, v2].map((path) => FaceDatabase.load(path)));
process.stdout.write('ready\n');
for (let i = Number(start) + 1; ; i++) {
  await versions[i % 3].save(target);
  process.stdout.write(`saved ${i}\n`);
}
