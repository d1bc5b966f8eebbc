// GraphiQL for the meetings gateway: queries and mutations over HTTP POST, subscriptions
// over WebSocket (graphql-transport-ws), chosen from the document being run. The token field
// above GraphiQL applies to every tab: it is sent as "Authorization: Bearer <token>" over
// HTTP and as {"authorization": "Bearer <token>"} in the WebSocket connection_init payload.
// An "Authorization" entry in a tab's Headers wins over the token field for that tab.
(function () {
  "use strict";

  var h = React.createElement;
  var GraphQL = GraphiQL.GraphQL;

  var DEFAULT_QUERY = [
    "# Meetings gateway. Queries and mutations go over HTTP POST, subscriptions over",
    "# WebSocket (graphql-transport-ws). When authentication is on, paste a token in",
    "# the field above.",
    "query providers {",
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

  function tourTabs() {
    var tabs = JSON.parse(document.body.getAttribute("data-tabs") || "[]");
    return tabs.map(function (tab) {
      return { query: "# " + tab.hint + "\n" + GraphQL.print(GraphQL.parse(tab.document)) };
    });
  }

  function authorizationOf(headers) {
    var names = Object.keys(headers || {});
    for (var i = 0; i < names.length; i++) {
      if (names[i].toLowerCase() === "authorization") {
        return String(headers[names[i]]);
      }
    }
    return null;
  }

  // The operation that will run, from the document as it is now: GraphiQL's own parse of the
  // editor (options.documentAST, and the operationName it derives) lags edits by ~100 ms.
  function operationOf(params) {
    var documentAST;
    try {
      documentAST = GraphQL.parse(params.query || "");
    } catch (error) {
      return null; // the server reports the syntax error
    }
    var operations = documentAST.definitions.filter(function (definition) {
      return definition.kind === "OperationDefinition";
    });
    var named = operations.find(function (definition) {
      return definition.name && definition.name.value === params.operationName;
    });
    return named || (operations.length === 1 ? operations[0] : null);
  }

  // An operation name left over from the edited-away document would make the server refuse
  // a document with a single operation: name the operation that is there instead.
  function current(params, operation) {
    if (!operation) {
      return params;
    }
    return Object.assign({}, params, {
      operationName: operation.name ? operation.name.value : undefined,
    });
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
      headers
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

  function bearer(token) {
    var value = token.trim();
    if (!value) {
      return null;
    }
    return /^bearer\s/i.test(value) ? value : "Bearer " + value;
  }

  // A new fetcher per token: GraphiQL fetches the schema again when its fetcher changes.
  function fetcherWith(token) {
    var tokenHeaders = bearer(token) ? { Authorization: bearer(token) } : {};
    return function fetcher(params, options) {
      var tabHeaders = withoutEmpty(options && options.headers);
      var headers = authorizationOf(tabHeaders) ? tabHeaders : Object.assign({}, tokenHeaders, tabHeaders);
      var operation = operationOf(params);
      var request = current(params, operation);
      if (operation && operation.operation === "subscription") {
        return subscribe(request, authorizationOf(headers));
      }
      return post(request, headers);
    };
  }

  function TokenField(props) {
    var draft = React.useState("");
    function apply(event) {
      event.preventDefault();
      props.onApply(draft[0]);
    }
    return h(
      "form",
      { className: "gateway-token", onSubmit: apply },
      h("label", { htmlFor: "gateway-token" }, "Token"),
      h("input", {
        id: "gateway-token",
        name: "token",
        type: "password",
        autoComplete: "off",
        spellCheck: false,
        placeholder: "JWT (only when authentication is on)",
        value: draft[0],
        onChange: function (event) { draft[1](event.target.value); },
        onBlur: apply,
      }),
      h("button", { type: "submit" }, "Use"),
      h(
        "span",
        { className: "gateway-token-state", "data-state": props.token ? "set" : "unset" },
        props.token
          ? "sent with every request (HTTP header, WebSocket connection_init)"
          : "no token"
      )
    );
  }

  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  var tabs = tourTabs();

  function Page() {
    var token = React.useState("");
    var fetcher = React.useMemo(function () { return fetcherWith(token[0]); }, [token[0]]);
    return h(
      "div",
      { className: "gateway-page" },
      h(TokenField, { token: token[0], onApply: token[1] }),
      h(
        "div",
        { className: "gateway-ide" },
        h(GraphiQL, {
          fetcher: fetcher,
          plugins: [explorer],
          defaultEditorToolsVisibility: true,
          defaultQuery: tabs.length ? tabs[0].query : DEFAULT_QUERY,
          defaultTabs: tabs.length ? tabs : undefined,
          shouldPersistHeaders: false,
        })
      )
    );
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(h(Page));
})();
