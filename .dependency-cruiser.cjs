/**
 * The layers of src/ (docs/architecture.md), checked by `npm run lint:deps` and CI.
 *
 *   app, schema, main, registry, *-cli, seed/     top: wire everything together (seed/ composes the
 *                                                 domains' own *.seed.ts files, as app composes resolvers)
 *   live, public, pending, links, ide, privacy    read from the domains; no domain imports them
 *                                                 (privacy/ erases and exports a person across all of them)
 *                                                 (pending/ reads five domains and live/'s subscriptions)
 *   agendas                                       deliberation (above projects: a decision links them)
 *   projects, ratings                             the project list (above residents), rating rounds (above partners)
 *   residents                                     above the marketplace domains
 *   demand, spaces, service-hours                 the marketplace domains
 *   communities, partners, users, auth            the domains everything else stands on
 *   common, db, ops, i18n, errors, config ...     know no domain
 *
 * Violations that were in the tree when the rules were written are listed in
 * .dependency-cruiser-known-violations.json (issue #12 removes them); any new one fails.
 */
const DOMAINS = ['auth', 'users', 'communities', 'partners', 'demand', 'spaces', 'service-hours', 'residents', 'projects', 'agendas', 'ratings', 'live', 'public', 'pending', 'links', 'ide', 'privacy', 'seed'];
const anyOf = (names) => `^src/(${names.join('|')})/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules cannot be understood (or loaded) one without the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'ground-knows-no-domain',
      severity: 'error',
      comment: 'db/, common/, ops/, i18n/ and the root helpers serve every domain and know none of them.',
      from: { path: '^src/(db|common|ops|types|i18n)/|^src/(errors|errors-format|config|context|logger)\\.ts$' },
      to: { path: [anyOf(DOMAINS), '^src/(app|schema|main)\\.ts$', '^migrations/'] },
    },
    {
      name: 'bottom-domains-stay-below',
      severity: 'error',
      comment: 'Communities, partners, users and auth are below the marketplace domains and must not reach up into them.',
      from: { path: anyOf(['communities', 'partners', 'users', 'auth']) },
      to: { path: anyOf(['demand', 'spaces', 'service-hours', 'residents', 'projects', 'agendas', 'ratings', 'live', 'public', 'pending', 'links', 'ide', 'privacy', 'seed']) },
    },
    {
      name: 'marketplace-domains-do-not-import-readers',
      severity: 'error',
      comment: 'live/ and public/ read from the domains; a domain that imports them ties itself to its readers.',
      from: { path: anyOf(['demand', 'spaces', 'service-hours']) },
      // residents/ sits above demand (its hooks follow the demand lifecycle): demand never imports it.
      to: { path: anyOf(['residents', 'projects', 'agendas', 'ratings', 'live', 'public', 'pending', 'links', 'ide', 'privacy', 'seed']) },
    },
    {
      name: 'projects-stay-below-their-readers',
      severity: 'error',
      comment: 'projects/ stands on partners, communities, demand and residents; agendas/ (above it) links projects, live/ and public/ read them.',
      from: { path: anyOf(['projects']) },
      to: { path: anyOf(['agendas', 'live', 'public', 'pending', 'links', 'ide', 'privacy', 'seed']) },
    },
    {
      name: 'residents-stay-below-projects',
      severity: 'error',
      comment: 'projects/ asks residents/ who lives in a community; residents never import projects or their readers.',
      from: { path: anyOf(['residents']) },
      to: { path: anyOf(['projects', 'agendas', 'live', 'public', 'pending', 'links', 'ide', 'privacy', 'seed']) },
    },
    {
      name: 'nothing-imports-pending-work',
      severity: 'error',
      comment: "pending/ reads five domains and live/'s subscriptions for the secretary; whatever imported it would depend on all of them.",
      from: { path: '^src/', pathNot: ['^src/pending/', '^src/(app|schema|schema-cli|migrate-cli|main)\\.ts$'] },
      to: { path: '^src/pending/' },
    },
    {
      name: 'ratings-stay-below-the-readers',
      severity: 'error',
      comment: 'ratings/ (issue #15) stands on partners and communities; live/ and public/ read it, it never imports them.',
      from: { path: anyOf(['ratings']) },
      to: { path: anyOf(['live', 'public', 'pending', 'links', 'ide', 'privacy', 'seed']) },
    },
    {
      name: 'agendas-do-not-import-readers',
      severity: 'error',
      comment: 'live/ and public/ read from agendas/; agendas/ tells them through domain events only.',
      from: { path: anyOf(['agendas']) },
      to: { path: anyOf(['live', 'public', 'pending', 'links', 'ide', 'privacy', 'seed']) },
    },
    {
      name: 'nothing-imports-the-top',
      severity: 'error',
      comment: 'app, schema, main, registry and seed/ assemble the server; nothing below may depend on them.',
      from: { path: '^src/', pathNot: ['^src/(app|schema|schema-cli|migrate-cli|main)\\.ts$', '^src/seed/'] },
      to: { path: ['^src/(app|schema|main|registry)\\.ts$', '^src/seed/'] },
    },
    {
      name: 'only-entry-points-across-domains',
      severity: 'error',
      comment:
        "A domain uses another domain through its entry points (service, policy, visibility, entities, inputs, lifecycle), never its resolvers, prefetch or helpers.",
      // seed/ is top-level composition like app.ts: it calls each domain's own seeding (*.seed.ts).
      from: { path: '^src/([^/]+)/', pathNot: '^src/seed/' },
      to: {
        path: '^src/([^/]+)/',
        pathNot: ['^src/$1/', '(^|/|\\.)(service|policy|visibility|entity|inputs|lifecycle)\\.ts$', '^src/(common|db|ops|types|i18n)/'],
      },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|bench/peer)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: {
      mermaid: { minify: false },
    },
  },
};
