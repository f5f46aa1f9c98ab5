/**
 * The CNN for All demo tour. Thin: every number and picture comes from a package function, named on screen.
 */
import { describeBackend, ready } from '@cnn/ops';

const info = await ready();
console.log('CNN for All — demo tour\n');
console.log(`@cnn/ops ready(): ${describeBackend(info)}`);
for (const a of info.attempts) console.log(`  tried ${a.backend.padEnd(10)} ${a.ok ? 'ok' : 'no'} — ${a.reason}`);
