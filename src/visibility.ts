import { allows, ROLE_TITLES, ROLES, type FieldRule, type Role, type TypeVisibility } from './auth/visibility';
import { AGENDAS_VISIBILITY } from './agendas/agendas.visibility';
import { DEMAND_VISIBILITY } from './demand/demand.visibility';
import { PARTNERS_VISIBILITY } from './partners/partners.visibility';
import { RESIDENTS_VISIBILITY } from './residents/residents.visibility';
import { PROJECTS_VISIBILITY } from './projects/projects.visibility';
import { RATINGS_VISIBILITY } from './ratings/ratings.visibility';
import { SPACES_VISIBILITY } from './spaces/spaces.visibility';
import { USERS_VISIBILITY } from './users/users.visibility';

/** Every domain's visibility table: what docs/visibility.md shows and test/visibility.test.ts checks. */
export const VISIBILITY: readonly TypeVisibility[] = [...USERS_VISIBILITY, ...PARTNERS_VISIBILITY, ...DEMAND_VISIBILITY, ...SPACES_VISIBILITY, ...RESIDENTS_VISIBILITY, ...PROJECTS_VISIBILITY, ...AGENDAS_VISIBILITY, ...RATINGS_VISIBILITY];

/** The roles a viewer in one column holds on a row (everyone signed in holds `signedIn`). */
export const COLUMN_ROLES: Record<(typeof ROLES)[number], ReadonlySet<Role>> = {
  anonymous: new Set(['anonymous']),
  signedIn: new Set(['signedIn']),
  member: new Set(['signedIn', 'member']),
  secretary: new Set(['signedIn', 'secretary']),
  admin: new Set(['signedIn', 'admin']),
};

function cell(rule: FieldRule, column: (typeof ROLES)[number]): string {
  if (allows(rule, COLUMN_ROLES[column])) return 'yes';
  return rule.publicWhen ? `if ${rule.publicWhen}` : 'no';
}

const escape = (text: string) => text.replace(/\|/g, '\\|');

function row(name: string, rule: FieldRule, placeholder = true): string {
  const plain = !placeholder || rule.hidden === 'null' || rule.hidden === 'empty list';
  const others = [plain ? rule.hidden : `"${rule.hidden}"`, rule.note].filter(Boolean).join('; ');
  return `| ${escape(name)} | ${ROLES.map((c) => cell(rule, c)).join(' | ')} | ${escape(others)} |`;
}

/** docs/visibility.md, generated from the tables (`npm run schema` writes it with schema.graphql). */
export function visibilityMarkdown(): string {
  const header = `| field | ${ROLES.map((r) => ROLE_TITLES[r]).join(' | ')} | everyone else reads |`;
  const rule = `|${' --- |'.repeat(ROLES.length + 2)}`;
  const sections = VISIBILITY.map((t) =>
    [
      `## ${t.type}`,
      '',
      `*Member of the partner*; *secretary of the community* here: ${t.scope}.`,
      '',
      header,
      rule,
      ...(t.rows ? [row('(the row itself)', t.rows, false)] : []),
      ...Object.entries(t.fields).map(([name, r]) => row(`\`${name}\``, r)),
      '',
    ].join('\n'),
  );
  return `# Who sees what

<!-- Generated from src/**/*.visibility.ts by \`npm run schema\`; do not edit. test/visibility.test.ts checks every row for every role. -->

Public reads show organisations, outcomes and counts; never a person's e-mail, a note, a reason for a
rejection, who reviewed or evaluated, or claims that were not approved. Signed-in reads widen to
what the reader takes part in: their partner, their community as secretary (admins: everywhere).

Only the types with a restricted field or row are listed; every other field is readable by whoever
can reach the object. A field the viewer may not read answers null (or an empty list, or the stated
placeholder); the rest of the answer stands. Rows a viewer may not see are left out of lists, so a
list is never refused because of one row. Each domain decides in one place, its \`*.visibility.ts\`
(\`src/users\`, \`src/partners\`, \`src/demand\`, \`src/spaces\`, \`src/residents\`, \`src/projects\`,
\`src/agendas\`, \`src/ratings\`); field resolvers ask it.

Columns: *member of the partner* and *secretary of the community* are relative to the row (a member
of another partner, or a secretary of another community, reads as *signed in*). "if ..." means
everyone may read it when the row is in that state, and only the roles marked "yes" otherwise.

Decided beyond the issue's list:

- \`Community.secretaries\` stays public (names only; e-mails follow \`User.email\`): residents must
  know who their community's secretaries are. \`Partner.members\` is for signed-in users only.
- \`Evaluation.evaluatedBy\` became nullable (contract: \`User!\`) so that it can answer null.
- Lists that needed a sign-in below a public object (\`Partner.offers\`, \`Partner.suggestedDemands\`,
  \`DemandItem.suggestions\`) answer an empty list to anonymous readers instead of UNAUTHENTICATED.
- A status change's note and author (\`history { note by }\`) follow the object it belongs to, also
  for system notes (an expiry), so that no reader has to guess which notes a person wrote.
- \`Booking.partner\` of a booking that is not a contract session stays hidden from others, as the
  first version decided (\`bookings(filter: { partnerId })\` itself still tells that the partner holds
  the room then: an organisation-level fact).
- Lists filter rows in SQL with the same rule (\`matches\`, \`contracts\`), so pages and
  \`totalCount\` agree with what the reader sees.
- Service logs (the volunteer, the partner's members, the community's secretaries, admins) and
  notifications (their addressee) are private as a whole, as before.
- Residents' ratings reach the public only as figures (\`PartnerStats.residentRating\`,
  \`residentRatingCount\`) and a resolved request's score and comment, never the rater; an
  individual volunteer's record (\`User.volunteerRecord\`) is about one person, so it is theirs, their
  communities' secretaries' and admins'.
- A project (issue #15) is public from its approval on, whatever follows; a person who leads one
  themself publishes their display name with it (\`leadPersonName\`), and an update written by a
  member of the lead partner is signed with the partner's name (\`ProjectUpdate.authorName\`).

${sections.join('\n')}`;
}
