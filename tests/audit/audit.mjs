// Runs the graphql-http server audits against a GraphQL endpoint and prints the results as
// JSON: [{"id", "name", "status": "ok" | "notice" | "warn" | "error", "reason"?}, ...].
// Usage: node audit.mjs http://127.0.0.1:8000/graphql
import { serverAudits } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs <graphql endpoint url>");
  process.exit(2);
}

const results = [];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  results.push({
    id: result.id,
    name: result.name,
    status: result.status,
    ...(result.status === "ok" ? {} : { reason: result.reason, httpStatus: result.response.status }),
  });
}
process.stdout.write(JSON.stringify(results, null, 2) + "\n");
