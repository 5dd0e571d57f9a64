/**
 * The IDE page's own script, served as /ide/assets/ide.js (a file, so the page's policy can
 * forbid inline scripts). Plain browser JavaScript over the UMD globals React, ReactDOM,
 * graphqlWs and GraphiQL; kept as text so that neither tsc nor a bundler touches it.
 *
 * Signing in from an example: each example tab names one demo account in its logIn mutation.
 * When a logIn answers with a token, it is remembered for that e-mail (in sessionStorage), and
 * every later operation of a tab that names the same e-mail is sent with it - over HTTP as
 * `Authorization: Bearer`, over WebSocket (subscriptions) in `connectionParams`. An Authorization
 * header typed into the headers editor wins.
 */
export const IDE_CLIENT_JS = String.raw`(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('ide-config').textContent);
  var httpUrl = new URL(config.path, location.href).toString();
  var wsUrl = httpUrl.replace(/^http/, 'ws');
  var EMAIL = /email:\s*"([^"]+)"/;
  var fetchers = {};

  function remembered(email) {
    try { return sessionStorage.getItem('ide-token:' + email); } catch (e) { return null; }
  }
  function remember(email, token) {
    try { sessionStorage.setItem('ide-token:' + email, token); } catch (e) { /* private mode: this page only */ }
  }
  function headerToken(headers) {
    if (!headers) return null;
    for (var key in headers) {
      if (key.toLowerCase() === 'authorization') {
        var m = /^Bearer\s+(\S+)$/i.exec(String(headers[key]).trim());
        return m ? m[1] : null;
      }
    }
    return null;
  }
  /** One fetcher (and one WebSocket client) per token, so each demo account keeps its own session. */
  function fetcherFor(token) {
    var key = token || '';
    if (!fetchers[key]) {
      var wsClient = graphqlWs.createClient({
        url: wsUrl,
        lazy: true,
        connectionParams: token ? { authorization: 'Bearer ' + token } : {},
      });
      fetchers[key] = GraphiQL.createFetcher({
        url: httpUrl,
        wsClient: wsClient,
        // Plain JSON answers (this server sends no @defer/@stream), so a logIn's token can be read.
        enableIncrementalDelivery: false,
        headers: token ? { authorization: 'Bearer ' + token } : {},
      });
    }
    return fetchers[key];
  }
  function fetcher(params, options) {
    var query = (params && params.query) || '';
    var match = EMAIL.exec(query);
    var email = match ? match[1] : null;
    var token = headerToken(options && options.headers) || (email && remembered(email));
    var result = fetcherFor(token)(params, options);
    if (email && result && typeof result.then === 'function') {
      result = result.then(function (value) {
        var fresh = value && value.data && value.data.logIn && value.data.logIn.token;
        if (fresh) remember(email, fresh);
        return value;
      });
    }
    return result;
  }

  var e = React.createElement;
  var root = document.getElementById('ide');
  var props = {
    fetcher: fetcher,
    defaultTabs: config.tabs,
    defaultEditorToolsVisibility: 'variables',
    shouldPersistHeaders: false,
  };
  var saved = null;
  try { saved = localStorage.getItem('graphiql:tabState'); } catch (err) { /* no storage: first visit */ }
  if (!saved) {
    // GraphiQL fills the first tab's editors from these props, not from defaultTabs[0].
    props.query = config.tabs[0].query;
    props.variables = config.tabs[0].variables || '';
  }
  var ui = e(GraphiQL, props, e(GraphiQL.Logo, null, config.title));
  if (ReactDOM.createRoot) ReactDOM.createRoot(root).render(ui);
  else ReactDOM.render(ui, root);
})();
`;
