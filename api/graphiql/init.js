// Starts GraphiQL against this server: queries and mutations over HTTP,
// subscriptions over the same /graphql endpoint's WebSocket. The access
// token is the `Authorization` header set in GraphiQL's headers pane; a
// subscription opens (or reuses) a connection with it in connection_init.
(function () {
  'use strict';
  var url = location.origin + '/graphql';
  var wsUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql';
  var fetchers = {};

  function authorization(headers) {
    if (!headers) return '';
    return headers.Authorization || headers.authorization || '';
  }

  function fetcherFor(auth) {
    if (!fetchers[auth]) {
      var params = auth ? { Authorization: auth } : {};
      fetchers[auth] = GraphiQL.createFetcher({
        url: url,
        wsClient: graphqlWs.createClient({ url: wsUrl, lazy: true, connectionParams: params })
      });
    }
    return fetchers[auth];
  }

  function fetcher(params, opts) {
    return fetcherFor(authorization(opts && opts.headers))(params, opts);
  }

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: '# Set {"Authorization": "Bearer <access token>"} in Headers below.\n{\n  viewer {\n    handle\n  }\n}\n',
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers'
    })
  );
})();
