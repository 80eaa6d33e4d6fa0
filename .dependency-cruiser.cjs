// The import rules of src/ (docs/architecture.md, "Layers and imports"); `npm run lint` runs them.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files in src/ never import each other in a circle.',
      from: { path: '^src/' },
      to: { circular: true }
    },
    {
      name: 'views-stay-home',
      severity: 'error',
      comment: "A module's views.ts (row SQL, row types, row-to-view mapping, its own loaders) imports no other module.",
      from: { path: '^src/modules/([^/]+)/views\\.ts$' },
      to: { path: '^src/modules/', pathNot: '^src/modules/$1/' }
    },
    {
      name: 'repositories-stay-home',
      severity: 'error',
      comment: "No module imports another module's repository.ts, except the change log (changes/repository.ts) that every write shares, and the route files on top.",
      from: { path: '^src/modules/([^/]+)/', pathNot: '^src/modules/[^/]+/routes\\.ts$' },
      to: { path: '^src/modules/[^/]+/repository\\.ts$', pathNot: '^src/modules/($1|changes)/repository\\.ts$' }
    },
    {
      name: 'rules-stay-pure',
      severity: 'error',
      comment: "A module's rules.ts (write rules shared by its repository and the import) is pure: no database, no Fastify, no other module; types excepted.",
      from: { path: '^src/modules/([^/]+)/rules\\.ts$' },
      to: {
        path: '^(src/(db|plugins|cli)/|src/generated/|src/(app|server)\\.ts$|src/modules/|node_modules/(fastify|pg|@prisma)/)',
        pathNot: '^src/modules/$1/(schemas|rollup|summary)\\.ts$',
        dependencyTypesNot: ['type-only']
      }
    },
    {
      name: 'import-judges-by-the-rules',
      severity: 'error',
      comment: "The import (src/modules/imports/) reads other modules' schemas.ts (the line shapes), rules.ts (the write rules) and views.ts (the rows), the ACLED type cross-walk (incidents/acled.ts, read backwards by the ACLED import), and appends to the change log; types excepted.",
      from: { path: '^src/modules/imports/' },
      to: {
        path: '^src/modules/',
        pathNot: '^src/modules/(imports/|[^/]+/(schemas|rules|views)\\.ts$|changes/repository\\.ts$|incidents/acled\\.ts$)',
        dependencyTypesNot: ['type-only']
      }
    },
    {
      name: 'entities-below-services',
      severity: 'error',
      comment: 'Entity repositories and views never import the read model (expand.ts), services (merge.ts) or routes: those sit above them.',
      from: { path: '^src/modules/(actors|casualties|changes|incidents|keys|sources|statements)/(repository|views)\\.ts$' },
      to: { path: '^src/modules/[^/]+/(expand|merge|routes)\\.ts$' }
    },
    {
      name: 'routes-only-from-app',
      severity: 'error',
      comment: 'Route files are the top layer: only src/app.ts registers them.',
      from: { path: '^src/', pathNot: '^src/app\\.ts$' },
      to: { path: '^src/modules/[^/]+/routes\\.ts$' }
    },
    {
      name: 'no-fastify-plugins-below-http',
      severity: 'error',
      comment: 'Modules and src/db take their database types from src/db/client.ts, never from a Fastify plugin file.',
      from: { path: '^src/(modules|db)/' },
      to: { path: '^src/plugins/' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] }
  }
}
