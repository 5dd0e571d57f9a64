// graphql-ws publishes `graphql-ws/use/ws` through package "exports", which this project's
// `moduleResolution: node` does not read; point the type checker at the same file Node loads.
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws.cjs';
}
