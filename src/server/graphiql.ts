import path from 'node:path';
import type { Express, Request, Response, NextFunction } from 'express';

/** Files GraphiQL needs, served by omni360 itself: the IDE works on a network without internet. */
const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'react.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
  'graphql-ws.js': { pkg: 'graphql-ws', file: 'umd/graphql-ws.min.js', type: 'text/javascript' },
};

/** A package's folder; its `exports` map hides the UMD builds from require.resolve. */
function packageDir(pkg: string): string {
  let dir = path.dirname(require.resolve(pkg));
  while (path.basename(dir) !== pkg.split('/').pop() && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const GRAPHIQL_ASSET_PATH = '/graphiql-assets';

/**
 * The page: the token comes from the URL fragment printed at first start (`#token=...`, never sent to
 * the server), or from the Headers tab; the WebSocket client reads the same Authorization header.
 */
function page(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>omni360 GraphiQL</title>
<meta name="viewport" content="width=device-width, initial-scale=1" />
<link rel="stylesheet" href="${GRAPHIQL_ASSET_PATH}/graphiql.css" />
<style>body{margin:0;height:100vh}#graphiql{height:100vh}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="${GRAPHIQL_ASSET_PATH}/react.js"></script>
<script src="${GRAPHIQL_ASSET_PATH}/react-dom.js"></script>
<script src="${GRAPHIQL_ASSET_PATH}/graphql-ws.js"></script>
<script src="${GRAPHIQL_ASSET_PATH}/graphiql.js"></script>
<script>
(function () {
  var HEADERS_KEY = 'graphiql:headers';
  var match = /[#&]token=([^&]+)/.exec(window.location.hash);
  if (match) {
    localStorage.setItem(HEADERS_KEY, JSON.stringify({ Authorization: 'Bearer ' + decodeURIComponent(match[1]) }, null, 2));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  if (!localStorage.getItem(HEADERS_KEY)) {
    localStorage.setItem(HEADERS_KEY, JSON.stringify({ Authorization: 'Bearer <paste your API key>' }, null, 2));
  }
  var url = window.location.origin + window.location.pathname;
  var wsUrl = url.replace(/^http/, 'ws');
  var httpFetcher = GraphiQL.createFetcher({ url: url });
  // One graphql-ws client per Authorization value, so that editing the Headers tab applies to
  // subscriptions as it does to queries.
  var ws = { authorization: null, client: null };
  function wsClient(authorization) {
    if (ws.client && ws.authorization === authorization) return ws.client;
    if (ws.client) ws.client.dispose();
    ws.authorization = authorization;
    ws.client = graphqlWs.createClient({ url: wsUrl, lazy: true, connectionParams: { authorization: authorization } });
    return ws.client;
  }
  function isSubscription(params) {
    var text = String(params.query || '').replace(/#[^\\n]*/g, '');
    if (params.operationName) return new RegExp('subscription\\\\s+' + params.operationName + '\\\\b').test(text);
    return /^\\s*subscription\\b/.test(text);
  }
  function fetcher(params, options) {
    var headers = (options && options.headers) || {};
    var authorization = headers.Authorization || headers.authorization || '';
    if (!isSubscription(params)) return httpFetcher(params, options);
    var client = wsClient(authorization);
    return {
      subscribe: function (observer) {
        var dispose = client.subscribe(params, {
          next: function (value) { observer.next(value); },
          error: function (error) { observer.error(error instanceof Error ? error : new Error(JSON.stringify(error))); },
          complete: function () { observer.complete(); },
        });
        return { unsubscribe: dispose };
      },
    };
  }
  var example = '# Welcome to omni360. Set your key in the Headers tab (bottom).\\n' +
    'query FirstLook {\\n  customers(first: 5) {\\n    totalCount\\n    edges { node { id displayName email phone identities { type value } } }\\n  }\\n}\\n';
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: example, isHeadersEditorEnabled: true, shouldPersistHeaders: true, defaultEditorToolsVisibility: 'headers' })
  );
})();
</script>
</body>
</html>`;
}

export function mountGraphiql(app: Express, graphqlPath: string): void {
  const html = page();
  app.get(`${GRAPHIQL_ASSET_PATH}/:file`, (req: Request, res: Response, next: NextFunction) => {
    const asset = ASSETS[String(req.params.file)];
    if (!asset) return next();
    res.type(asset.type).set('Cache-Control', 'public, max-age=86400').sendFile(path.join(packageDir(asset.pkg), asset.file));
  });
  app.get(graphqlPath, (req: Request, res: Response, next: NextFunction) => {
    // Browsers ask for HTML; GraphQL clients using GET ask for JSON and go on to Apollo.
    if (!req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) || req.accepts(['text/html', 'application/json']) !== 'text/html' || req.query.query) {
      return next();
    }
    res.type('html').set('Content-Security-Policy', "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; worker-src 'self' blob:").send(html);
  });
}
