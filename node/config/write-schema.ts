/**
 * Writes config/schema.json from the TypeBox schema, and the validator generated from it
 * (`npm run config:schema`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { ConfigSchema } from './schema.js';
import { configValidatorCode } from './validator-code.js';

const schema = { $schema: 'http://json-schema.org/draft-07/schema#', title: 'Mofang node configuration', ...ConfigSchema };
writeFileSync(join(packageRoot(), 'config', 'schema.json'), `${JSON.stringify(schema, null, 2)}\n`);
writeFileSync(join(packageRoot(), 'node', 'config', 'validate-config.generated.ts'), configValidatorCode(JSON.parse(JSON.stringify(schema))));
