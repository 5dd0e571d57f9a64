import fs from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import type { TypeVisibility } from '../src/auth/visibility';
import { unguardedPersonalFields } from '../src/privacy/personal-fields';
import { VISIBILITY } from '../src/visibility';

/*
 * Minimum necessary (issue #19 item 4): no type an anonymous reader reaches from the public board
 * exposes a person's e-mail, phone, building or free-text note unless a visibility table restricts
 * it; a field added tomorrow cannot leak by accident.
 */

const SDL = fs.readFileSync(path.resolve(__dirname, '..', 'schema.graphql'), 'utf8');
const ROOTS = ['PublicBoard'];

/** The tables with one more rule on `type`. */
const withRule = (type: string, field: string, rule: TypeVisibility['fields'][string]): TypeVisibility[] =>
  VISIBILITY.map((t) => (t.type === type ? { ...t, fields: { ...t.fields, [field]: rule } } : t));

describe('personal fields in public reads', () => {
  it('are each restricted by a visibility table', () => {
    expect(unguardedPersonalFields(buildSchema(SDL), VISIBILITY, ROOTS)).toEqual([]);
  });

  it('catches a public e-mail field added to a type the board reaches, until a table restricts it', () => {
    const leaky = buildSchema(`${SDL}\nextend type Partner { contactEmail: String }\nextend type StatusChange { phone: String }`);
    expect(unguardedPersonalFields(leaky, VISIBILITY, ROOTS)).toEqual(['Partner.contactEmail', 'StatusChange.phone']);
    // A table rule that lets anonymous readers in does not count as restricting.
    expect(unguardedPersonalFields(leaky, withRule('Partner', 'contactEmail', { roles: ['anonymous', 'signedIn'], hidden: 'null' }), ROOTS)).toContain('Partner.contactEmail');
    const guarded = withRule('Partner', 'contactEmail', { roles: ['member', 'admin'], hidden: 'null' });
    expect(unguardedPersonalFields(leaky, guarded, ROOTS)).toEqual(['StatusChange.phone']);
  });

  it('follows nested rules (`history { note by }`) only under the field that names them', () => {
    const leaky = buildSchema(`${SDL}\nextend type Partner { history: [StatusChange!]! }`);
    expect(unguardedPersonalFields(leaky, VISIBILITY, ROOTS)).toEqual(['StatusChange.note']);
    expect(unguardedPersonalFields(leaky, withRule('Partner', 'history { note by }', { roles: ['member'], hidden: 'null' }), ROOTS)).toEqual([]);
  });
});
