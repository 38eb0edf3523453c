/**
 * The agent's configuration: one zod schema with every default, validated once at start.
 * Sources, highest first: command-line flags (`--rpc-url …`), environment variables
 * (`DVPN_AGENT_RPC_URL`), a JSON file (`--config agent.json` / `DVPN_AGENT_CONFIG`), defaults.
 */
import { z } from "zod";
import { parseUpstream } from "../dns/upstreams.ts";
import { INTERFACE_NAME } from "../../../sdk/src/wireguard/interfaceName.ts";
import { DEFAULT_DENY_PORTS, DEFAULT_DENY_RANGES, parsePorts, parseRanges } from "../firewall/policy.ts";

const uint = (def: number) => z.coerce.number().int().nonnegative().default(def);
const boolish = (def: boolean) =>
  z
    .union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no"])])
    .default(def)
    .transform((v) => v === true || v === "true" || v === "1" || v === "yes");
const decimal = (def: string) =>
  z
    .union([z.string(), z.number().int().nonnegative(), z.bigint().nonnegative()])
    .default(def)
    .transform((v) => String(v))
    .refine((v) => /^\d{1,30}$/.test(v), "must be a non-negative integer (decimal string)")
    .transform((v) => BigInt(v));
const hostPort = z
  .string()
  .regex(
    /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/,
    'must be "host:port" (or "gateway:port" for the tunnel gateway)',
  );

// A list option: a comma-separated string, a JSON array, or (re-validating a parsed config) port ranges.
const listInput = z.union([
  z.string(),
  z.array(z.union([z.string(), z.number().int(), z.object({ from: z.number().int(), to: z.number().int() })])),
]);
const toList = (v: z.infer<typeof listInput>) =>
  Array.isArray(v) ? v.map((x) => (typeof x === "object" ? `${x.from}-${x.to}` : String(x))) : v;
/** A port list such as "25,6881-6889" (or a JSON array), parsed into ranges. */
const portList = (name: string, def: string) =>
  listInput.default(def).transform((v, ctx) => {
    try {
      return parsePorts(name, toList(v));
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message.replace(`${name}: `, "") });
      return z.NEVER;
    }
  });
/** An address-range list such as "10.0.0.0/8,fc00::/7" (or a JSON array). */
const rangeList = (name: string, def: string) =>
  listInput.default(def).transform((v, ctx) => {
    try {
      return parseRanges(name, toList(v));
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message.replace(`${name}: `, "") });
      return z.NEVER;
    }
  });

/** Deployment record subset the agent needs (a `deployments/<chainId>.json` file fits). */
export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  startBlock: z.number().int().nonnegative(),
  contracts: z.object({
    ProviderRegistry: z.object({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/) }),
    SessionEscrow: z.object({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/) }),
  }),
});

/** Every option with its default. */
export const configSchema = z
  .object({
    /** JSON-RPC endpoint of the chain. */
    rpcUrl: z.url({ message: "must be an http(s) URL of a JSON-RPC endpoint, e.g. http://127.0.0.1:8545" }),
    /** Path of `deployments/<chainId>.json`, or the record itself. */
    deployment: z.union([z.string().min(1), deploymentSchema]),
    /** Provider's EVM private key (0x + 64 hex). Prefer `privateKeyFile`. Never logged. */
    privateKey: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits")
      .optional(),
    /** File holding the provider's EVM private key. */
    privateKeyFile: z.string().min(1).optional(),
    /** Folder of the store, the WireGuard key (when generated) and wireguard-go's pid/log files. */
    dataDir: z.string().min(1).default(".data/gateway-agent"),
    /** WireGuard interface name (1–15 characters). */
    interface: z
      .string()
      .regex(INTERFACE_NAME, "must be 1–15 of A-Z a-z 0-9 _ . = + - (not starting with -)")
      .default("dvpn0"),
    /** File with the interface's base64 private key (0600); created with a new key when missing. */
    wgPrivateKeyFile: z.string().min(1).optional(),
    /** Network namespace holding the interface (the agent itself stays where it runs). Unset: this namespace. */
    netns: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be a network namespace name (ip netns list)")
      .optional(),
    wgListenPort: z.coerce.number().int().min(1).max(65535).default(51820),
    /** `auto`: kernel WireGuard when `ip link add … type wireguard` works, else wireguard-go. */
    backend: z.enum(["auto", "kernel", "userspace"]).default("auto"),
    wireguardGo: z.string().min(1).default("wireguard-go"),
    mtu: uint(0),
    /**
     * The IPv4 tunnel pool. Unset: a /16 in 10.64.0.0/10 derived from the provider's account, or the
     * pool the store's live sessions were given (gateway-agent/src/addresses/resolvePools.ts).
     */
    ipv4Pool: z.string().optional(),
    /** The IPv6 tunnel pool; empty string: IPv4 only. Unset: a ULA /64 derived like `ipv4Pool`. */
    ipv6Pool: z.string().optional(),
    /** Seconds a released tunnel address stays unused. */
    addressQuarantineSeconds: uint(600),
    /** Most live sessions at once (0: the registry's maxSessions, else the pool size). */
    maxPeers: uint(0),
    /** Blocks behind the head an event must be before the agent acts on it. */
    confirmations: uint(2),
    /** Hashes of this many processed blocks are remembered to find the ancestor after a reorganisation. */
    reorgWindowBlocks: z.coerce.number().int().min(1).max(100_000).default(64),
    /** Chain polling period (ms). */
    pollIntervalMs: z.coerce.number().int().min(50).default(2000),
    /** Reconcile and metering period (ms). */
    reconcileIntervalMs: z.coerce.number().int().min(50).default(10_000),
    /** Re-read open sessions from the contract every this many ms (subscriptions drop events). */
    resyncIntervalMs: z.coerce.number().int().min(100).default(60_000),
    maxLogRange: z.coerce.number().int().min(1).default(2000),
    /** Voucher HTTP API; `gateway:51830` binds the tunnel gateway address. */
    voucherListen: hostPort.default("gateway:51830"),
    /** Most connections to the voucher API open at once from one address (the agent's own host is not limited). */
    voucherMaxConnectionsPerSource: z.coerce.number().int().min(1).max(10_000).default(8),
    /** Most connections to the voucher API open at once in all. */
    voucherMaxConnections: z.coerce.number().int().min(1).max(1_000_000).default(256),
    /**
     * Serve DNS to the tunnel's clients on the gateway addresses (v4 and v6), port 53, UDP and TCP,
     * forwarding to `dnsUpstream`; queries from outside the pools are refused.
     */
    dns: boolish(true),
    /** Resolvers the gateway's DNS forwards to ("1.1.1.1,[2606:4700:4700::1111]:53"); empty: the host's /etc/resolv.conf. */
    dnsUpstream: z
      .union([z.string(), z.array(z.string())])
      .default("")
      .transform((v, ctx) => {
        const list = (Array.isArray(v) ? v : v.split(",")).map((x) => x.trim()).filter(Boolean);
        for (const entry of list) {
          try {
            parseUpstream(entry);
          } catch (err) {
            ctx.addIssue({ code: "custom", message: (err as Error).message.replace(/^dnsUpstream /, "") });
            return z.NEVER;
          }
        }
        return list;
      }),
    /** How long one upstream resolver gets to answer before the next is tried (then SERVFAIL), ms. */
    dnsTimeoutMs: z.coerce.number().int().min(100).max(30_000).default(2000),
    /** /metrics and /healthz; keep it local. Empty string disables it. */
    metricsListen: z.union([hostPort, z.literal("")]).default("127.0.0.1:9464"),
    /**
     * Per-peer series on /metrics (`wireguard_peer_*`, three per peer). Turn off on a provider
     * with thousands of peers to bound the scrape size.
     */
    metricsPerPeer: boolish(true),
    /** Voucher lag tolerance: bytes + percent of metered, and seconds + percent. */
    lagToleranceBytes: decimal(String(1 << 20)),
    lagTolerancePercent: z.coerce.number().min(0).max(100).default(5),
    lagToleranceSeconds: decimal("120"),
    /**
     * Seconds a client has to pay for bytes: signed bytes are held against the meter as it read
     * this long ago, so a voucher delayed behind a saturated tunnel does not get the peer cut. 0
     * holds them against the meter now.
     */
    lagGraceSeconds: z.coerce.number().int().min(0).max(300).default(10),
    /** Most bytes signed usage may trail the meter now, grace or not (unpaid service at risk per session). */
    lagMaxBytes: decimal(String(1 << 30)),
    /** Claim when the unclaimed voucher is worth this much (payment-token base units)… */
    claimEveryAmount: decimal("1000000"),
    /** …or when this long passed since the last claim. */
    claimIntervalSeconds: uint(900),
    /** A peer without a handshake for this long is gone: the agent closes with its best voucher. */
    idleTimeoutSeconds: uint(900),
    /** Send registry heartbeats (every heartbeatTimeout/3 unless heartbeatIntervalSeconds is set). */
    heartbeat: boolish(true),
    heartbeatIntervalSeconds: uint(0),
    /** Pause in the registry on graceful shutdown (and unpause at start). */
    pauseOnShutdown: boolish(false),
    /**
     * Own forwarding and NAT: enable IP forwarding and keep the nftables table `dvpn_<interface>`
     * (masquerade from the pools, exit policy, per-peer limits). Needs the nftables package.
     */
    firewall: boolish(false),
    /** Masquerade only out of this interface; unset: out of every interface but the tunnel. */
    uplink: z.string().regex(INTERFACE_NAME, "must be an interface name such as eth0 (ip link)").optional(),
    /** Destination ports clients may not reach (TCP and UDP): ports and ranges. */
    exitDenyPorts: portList("exitDenyPorts", DEFAULT_DENY_PORTS),
    /** When not empty, the only destination ports clients may reach (TCP and UDP). */
    exitAllowPorts: portList("exitAllowPorts", ""),
    /** Destination ranges clients may not reach (default: private, CGNAT and link-local networks). */
    exitDenyRanges: rangeList("exitDenyRanges", DEFAULT_DENY_RANGES),
    /** When not empty, the only destination ranges clients may reach. */
    exitAllowRanges: rangeList("exitAllowRanges", ""),
    /** Per-peer rate limit each way in Mbit/s (0: none); a client over it is slowed, not cut. */
    peerRateLimitMbit: z.coerce.number().min(0).max(100_000).default(0),
    /** Most connections one peer may have open through the provider (0: no cap). */
    peerMaxConnections: uint(1024),
    /**
     * Carry WireGuard over an obfuscated transport too: `v2ray` runs V2Ray (VLESS over WebSocket
     * and TLS) on TCP `transportPort`, forwarding to the WireGuard port. Credentials are made in
     * `<dataDir>/transport/`; publish the offer with `dvpn provider transport --agent-config`.
     */
    transport: z.enum(["none", "v2ray"]).default("none"),
    transportPort: z.coerce.number().int().min(1).max(65535).default(443),
    /** The TLS certificate's name (SNI clients send); default: a random name made once. */
    transportServerName: z
      .string()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$/, "must be a DNS name such as www.example.org")
      .optional(),
    v2ray: z.string().min(1).default("v2ray"),
    v2ctl: z.string().min(1).default("v2ctl"),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .strict()
  .refine((c) => c.privateKey !== undefined || c.privateKeyFile !== undefined, {
    message: "set privateKeyFile (or DVPN_AGENT_PRIVATE_KEY_FILE) to the provider's key file",
    path: ["privateKeyFile"],
  });

/** The input shape (before defaults and coercion). */
export type AgentConfigInput = z.input<typeof configSchema>;
/** Validated configuration. */
export type AgentConfig = z.output<typeof configSchema>;
/** A configuration with the pools the agent uses filled in (`ipv6Pool` "" for IPv4 only). */
export type PooledAgentConfig = AgentConfig & { ipv4Pool: string; ipv6Pool: string };
