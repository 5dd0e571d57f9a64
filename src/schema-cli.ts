import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printSchema, lexicographicSortSchema } from 'graphql';
import { createSchema } from './schema';
import { visibilityMarkdown } from './visibility';

/** Writes schema.graphql at the project root, and docs/visibility.md (run by `npm run schema` and by the build). */
export async function printedSchema(): Promise<string> {
  const schema = await createSchema();
  return `# Generated from the code by \`npm run schema\`; do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}

if (require.main === module) {
  const file = path.resolve(process.cwd(), 'schema.graphql');
  printedSchema()
    .then((text) => {
      fs.writeFileSync(file, text);
      console.log(`wrote ${file}`);
      const docs = path.resolve(process.cwd(), 'docs', 'visibility.md');
      fs.writeFileSync(docs, visibilityMarkdown());
      console.log(`wrote ${docs}`);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
