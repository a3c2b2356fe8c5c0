// GraphiQL for PHEME's /graphql: queries and mutations by POST, subscriptions over
// graphql-transport-ws on the same path. Served by GET /graphql to a browser (Accept: text/html)
// from web/dist/graphiql under the static files' CSP (scripts and styles from 'self' only).
import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/graphiql.css';
import './graphiql.css';

const ws = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;
const fetcher = createGraphiQLFetcher({ url: '/graphql', subscriptionUrl: ws });

const DEFAULT_QUERY = `# PHEME's GraphQL API (docs/schema.graphql). Introspection answers when the
# server's graphql_introspection is on (pheme dev).
{
  skills { slug name domain }
  _meta { block { number } hasIndexingErrors }
}
`;

createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, { fetcher, defaultQuery: DEFAULT_QUERY }),
);
