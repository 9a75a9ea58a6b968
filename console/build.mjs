// The console's build: uPlot (from npm, pinned in package-lock.json) into
// vendor/, where index.html loads it from eimd. Nothing else is bundled.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, 'vendor'), { recursive: true });
for (const f of ['uPlot.iife.min.js', 'uPlot.min.css'])
  copyFileSync(join(here, 'node_modules', 'uplot', 'dist', f), join(here, 'vendor', f));
console.log('console: vendor/ has uPlot');
