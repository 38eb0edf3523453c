import { GraphQLScalarType, Kind } from "graphql";
import { badInput } from "./errors.ts";

function toDecimalString(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  if (typeof value === "string" && /^\d+$/.test(value)) return value;
  if (value && typeof value === "object" && "toFixed" in value) return (value as { toFixed(): string }).toFixed();
  throw new TypeError(`BigInt cannot represent ${String(value)}`);
}

/**
 * An input as its canonical decimal text (no leading zeros). Text rather than a bigint: argument
 * values must be JSON-serializable for the compiled executor, which embeds literal arguments in
 * the code it generates.
 */
function parse(value: unknown): string {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === "string" && /^\d{1,78}$/.test(value)) {
    const v = BigInt(value);
    if (v < 2n ** 256n) return v.toString();
  }
  throw badInput(
    `BigInt must be a non-negative integer below 2^256, as a decimal string (got ${JSON.stringify(value)})`,
  );
}

/**
 * uint256 as a decimal string on output; a decimal string or an integer on input, handed to
 * resolvers as its canonical decimal string.
 */
export const BigIntScalar = new GraphQLScalarType({
  name: "BigInt",
  description:
    "An unsigned integer of any size (uint256), written as a decimal string. Inputs accept a decimal string or an integer.",
  serialize: toDecimalString,
  parseValue: parse,
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT)
      // An Int literal as its digits: through Number, one past 2^53 would lose precision or fail.
      return parse(ast.value);
    throw badInput("BigInt must be a decimal string or an integer");
  },
});
