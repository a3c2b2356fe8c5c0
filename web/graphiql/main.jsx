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
// Signed in with the session cookie, a POST carries the CSRF token the server set beside it (as the
// web app does); without it the server refuses the request.
const csrf = () => {
  const m = document.cookie.match(/(?:^|;\s*)__Host-pheme_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : null;
};
const withCsrf = (url, init = {}) => {
  const token = csrf();
  const headers = { ...(init.headers || {}) };
  if (token) headers['X-CSRF-Token'] = token;
  return window.fetch(url, { ...init, headers, credentials: 'same-origin' });
};
const fetcher = createGraphiQLFetcher({ url: '/graphql', subscriptionUrl: ws, fetch: withCsrf });

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
