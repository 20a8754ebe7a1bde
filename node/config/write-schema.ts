/** Writes config/schema.json from the TypeBox schema (`npm run config:schema`). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { ConfigSchema } from './schema.js';

writeFileSync(join(packageRoot(), 'config', 'schema.json'), `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', title: 'Mofang node configuration', ...ConfigSchema }, null, 2)}\n`);
