/**
 * Checks deployment parameters read from JSON (`DVPN_DEPLOY_PARAMETERS`) field by field before
 * anything is sent: every section and field present, of its JSON type, a non-negative integer that
 * fits the contract's argument, and no field the deployment would ignore. The values' ranges are
 * the contracts' own hard bounds, which revert the deployment with named errors; the distribution's
 * entries are checked by `resolveDistribution`.
 */
import type { DeploymentParameters } from "../../sdk/src/deployment/types.ts";
import { InvalidInputError } from "../../sdk/src/errors/input.ts";

/** A JSON number (seconds, basis points, a count) up to `max`, or a decimal string of wei. */
type Field = { kind: "number"; unit: string; max: number } | { kind: "wei" };

const UINT32 = 2 ** 32 - 1;
const UINT48 = 2 ** 48 - 1;
const seconds = (max = Number.MAX_SAFE_INTEGER): Field => ({ kind: "number", unit: "seconds", max });
const number = (unit: string): Field => ({ kind: "number", unit, max: Number.MAX_SAFE_INTEGER });
const wei: Field = { kind: "wei" };

/** Every section of {@link DeploymentParameters} but the distribution, with its fields. */
const SECTIONS: Record<"governor" | "registry" | "escrow", Record<string, Field>> = {
  governor: {
    votingDelay: seconds(UINT48),
    votingPeriod: seconds(UINT32),
    proposalThreshold: wei,
    quorumNumerator: number("percent of the supply"),
    timelockDelay: seconds(),
  },
  registry: {
    minStake: wei,
    unbondingPeriod: seconds(),
    heartbeatTimeout: seconds(),
    maxSlashBps: number("basis points"),
  },
  escrow: {
    protocolFeeBps: number("basis points"),
    acceptTimeout: seconds(),
    settlementWindow: seconds(),
  },
};

const TOP = ["tokenSupply", "distribution", ...Object.keys(SECTIONS)];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new InvalidInputError({
        field: `${where}.${key}`,
        value: obj[key],
        reason: `is not a deployment parameter (${where} has ${known.join(", ")})`,
      });
    }
  }
  for (const key of known) {
    if (!(key in obj)) {
      throw new InvalidInputError({ field: `${where}.${key}`, value: undefined, reason: "is missing" });
    }
  }
}

function checkField(value: unknown, field: Field, name: string): void {
  if (field.kind === "wei") {
    if (typeof value !== "string" || !/^(0|[1-9]\d*)$/.test(value)) {
      throw new InvalidInputError({
        field: name,
        value,
        reason: 'must be an amount in wei as a decimal string (e.g. "1000000000000000000000")',
      });
    }
    return;
  }
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > field.max) {
    throw new InvalidInputError({
      field: name,
      value,
      reason: `must be a JSON number, an integer from 0 to ${field.max} (${field.unit})`,
    });
  }
}

/**
 * Checks parsed JSON against {@link DeploymentParameters}.
 * @param value the parsed file.
 * @returns the same value, typed.
 * @throws InvalidInputError naming the first bad field (`parameters.governor.votingPeriod`, …).
 * @example checkDeploymentParameters(JSON.parse(readFileSync(file, "utf8")))
 */
export function checkDeploymentParameters(value: unknown): DeploymentParameters {
  if (!isObject(value)) {
    throw new InvalidInputError({ field: "parameters", value, reason: "must be a JSON object" });
  }
  checkKeys(value, TOP, "parameters");
  const supply = value.tokenSupply;
  checkField(supply, wei, "parameters.tokenSupply");
  if (supply === "0") {
    throw new InvalidInputError({ field: "parameters.tokenSupply", value: supply, reason: "must be above 0" });
  }
  const distribution = value.distribution;
  if (!Array.isArray(distribution) || distribution.length === 0) {
    throw new InvalidInputError({
      field: "parameters.distribution",
      value: distribution,
      reason: "must be a non-empty list of { to, amount, label? }",
    });
  }
  distribution.forEach((entry: unknown, i) => {
    const where = `parameters.distribution[${i}]`;
    if (!isObject(entry)) {
      throw new InvalidInputError({ field: where, value: entry, reason: "must be an object { to, amount, label? }" });
    }
    for (const key of Object.keys(entry)) {
      if (!["to", "amount", "label"].includes(key)) {
        throw new InvalidInputError({
          field: `${where}.${key}`,
          value: entry[key],
          reason: "is not a field of an allocation (to, amount, label)",
        });
      }
    }
    if (entry.label !== undefined && typeof entry.label !== "string") {
      throw new InvalidInputError({ field: `${where}.label`, value: entry.label, reason: "must be a string" });
    }
  });
  for (const [section, fields] of Object.entries(SECTIONS)) {
    const obj = value[section];
    const where = `parameters.${section}`;
    if (!isObject(obj)) {
      throw new InvalidInputError({ field: where, value: obj, reason: "must be an object" });
    }
    checkKeys(obj, Object.keys(fields), where);
    for (const [name, field] of Object.entries(fields)) checkField(obj[name], field, `${where}.${name}`);
  }
  return value as unknown as DeploymentParameters;
}
