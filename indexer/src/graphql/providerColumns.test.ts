/** The provider columns a page reads follow the fields selected; a field needing the whole row reads it all. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Kind,
  parse,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type OperationDefinitionNode,
} from "graphql";
import { providerColumns } from "./providerColumns.ts";

/** The resolve info of the `providers` field of `query` (only what providerColumns reads). */
function infoOf(query: string): GraphQLResolveInfo {
  const doc = parse(query);
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments = Object.fromEntries(
    doc.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const field = op.selectionSet.selections[0]!;
  return { fieldNodes: [field], fragments } as unknown as GraphQLResolveInfo;
}

const columns = (query: string, always: string[] = []) =>
  providerColumns(infoOf(query), ["items"], always)?.sort() ?? null;

test("a page reads the columns of the fields it selects, with the id and the order column", () => {
  assert.deepEqual(columns(`{ providers { items { region pricePerGiB } totalCount } }`, ["score"]), [
    "id",
    "pricePerGiB",
    "region",
    "score",
  ]);
  assert.deepEqual(
    columns(
      `{ providers { items { ...F reputation { acceptanceRate uptime24h } } } } fragment F on Provider { wgPublicKeyBase64 availability { available } }`,
    ),
    [
      "activeSessions",
      "coveredUntil",
      "id",
      "lastHeartbeat",
      "maxSessions",
      "paused",
      "registered",
      "registeredAt",
      "sessionsAcceptedPaid",
      "sessionsMissed",
      "stake",
      "wgPublicKey",
    ],
  );
  assert.deepEqual(columns(`{ providers { items { exitPolicy { text } transport { kind } } } }`), [
    "exitAllowPorts",
    "exitDenyPorts",
    "exitPolicy",
    "id",
    "transport",
    "transportCertSha256",
    "transportClientId",
    "transportPort",
  ]);
});

test("a field that needs the whole row reads every column", () => {
  assert.equal(columns(`{ providers { items { id reputation { scoreBreakdown { uptime } } } } }`), null);
  assert.equal(columns(`{ providers { items { id series { hour } } } }`), null);
  assert.equal(columns(`{ providers { items { ...Missing } } }`), null);
});
