import fs from 'node:fs';
import path from 'node:path';
import { printedSchema } from '../src/schema-cli';

it('has schema.graphql generated from the current code (run `npm run schema` when this fails)', async () => {
  const checkedIn = fs.readFileSync(path.resolve(__dirname, '..', 'schema.graphql'), 'utf8');
  expect(checkedIn).toBe(await printedSchema());
});
