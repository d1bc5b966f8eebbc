// GraphiQL for the meetings gateway: queries and mutations over HTTP POST, subscriptions
// over WebSocket (graphql-transport-ws). An "Authorization" entry in the Headers tab is sent
// as the HTTP header and, for subscriptions, in the connection_init payload.
(function () {
  "use strict";

  var DEFAULT_QUERY = [
    "# Meetings gateway. Queries and mutations go over HTTP POST, subscriptions over",
    "# WebSocket (graphql-transport-ws). When authentication is on, fill in the",
    "# Authorization header below with \"Bearer <token>\".",
    "{",
    "  providers {",
    "    id",
    "    name",
    "    sandbox",
    "    capabilities",
    "  }",
    "}",
    "",
  ].join("\n");
  var endpoint = document.body.getAttribute("data-endpoint") || "/graphql";
  var wsScheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  var wsUrl = wsScheme + "//" + window.location.host + endpoint;
  var wsClient = null;
  var wsAuthorization = null;

  function authorizationOf(headers) {
    var names = Object.keys(headers || {});
    for (var i = 0; i < names.length; i++) {
      if (names[i].toLowerCase() === "authorization") {
        return String(headers[names[i]]);
      }
    }
    return null;
  }

  function operationType(params, documentAST) {
    if (!documentAST || !documentAST.definitions) {
      return /^\s*subscription\b/.test(params.query || "") ? "subscription" : "query";
    }
    var operations = documentAST.definitions.filter(function (definition) {
      return definition.kind === "OperationDefinition";
    });
    var chosen = operations.find(function (definition) {
      return definition.name && definition.name.value === params.operationName;
    }) || operations[0];
    return chosen ? chosen.operation : "query";
  }

  function socketFor(authorization) {
    if (wsClient && wsAuthorization === authorization) {
      return wsClient;
    }
    if (wsClient) {
      wsClient.dispose();
    }
    wsAuthorization = authorization;
    wsClient = window.graphqlWs.createClient({
      url: wsUrl,
      lazy: true,
      connectionParams: authorization ? { authorization: authorization } : {},
    });
    return wsClient;
  }

  function subscribe(params, authorization) {
    var client = socketFor(authorization);
    return {
      subscribe: function (observer) {
        var sink = {
          next: function (value) { observer.next(value); },
          error: function (error) {
            observer.error(error instanceof Error ? error : new Error(describe(error)));
          },
          complete: function () { observer.complete(); },
        };
        var dispose = client.subscribe(params, sink);
        return { unsubscribe: dispose };
      },
    };
  }

  function describe(error) {
    if (error && typeof error.code === "number") {
      return "WebSocket closed: " + error.code + " " + (error.reason || "");
    }
    return JSON.stringify(error);
  }

  function withoutEmpty(headers) {
    var kept = {};
    Object.keys(headers || {}).forEach(function (name) {
      if (headers[name] !== "" && headers[name] !== null && headers[name] !== undefined) {
        kept[name] = String(headers[name]);
      }
    });
    return kept;
  }

  function post(params, headers) {
    var requestHeaders = Object.assign(
      {
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json, application/json",
      },
      withoutEmpty(headers)
    );
    return fetch(endpoint, {
      method: "POST",
      headers: requestHeaders,
      body: JSON.stringify(params),
      credentials: "same-origin",
    }).then(function (response) {
      return response.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (error) {
          return { errors: [{ message: "HTTP " + response.status + ": " + text }] };
        }
      });
    });
  }

  function fetcher(params, options) {
    var headers = (options && options.headers) || {};
    if (operationType(params, options && options.documentAST) === "subscription") {
      return subscribe(params, authorizationOf(headers));
    }
    return post(params, headers);
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      defaultQuery: DEFAULT_QUERY,
      headers: JSON.stringify({ Authorization: "" }, null, 2),
      shouldPersistHeaders: false,
    })
  );
})();
