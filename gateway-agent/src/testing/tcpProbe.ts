/**
 * A tiny TCP tool for data-plane tests, run inside a network namespace
 * (`ip netns exec NS node tcpProbe.ts …`):
 *   serve PORT…        listen on every address; each connection is answered with the
 *                      caller's address and closed (the test reads who the server saw);
 *                      `PORT:hold` keeps its connections open instead;
 *   hold HOST PORT N   open N connections at once, keep them 1 s, print {"opened":…,"failed":…};
 *   connect HOST PORT  connect with a 3 s timeout and print one JSON line:
 *                      {"ok":true,"seen":"198.51.100.1"} or {"ok":false,"code":"ECONNREFUSED"}.
 */
import { connect, createServer } from "node:net";

const [mode, ...args] = process.argv.slice(2);

if (mode === "serve") {
  for (const spec of args) {
    const [port, hold] = spec.split(":");
    createServer((sock) => {
      if (hold) sock.on("error", () => undefined);
      else sock.end(`${(sock.remoteAddress ?? "").replace(/^::ffff:/, "")}\n`);
    }).listen(Number(port), "::");
  }
  process.stdout.write("listening\n");
} else if (mode === "connect") {
  const [host = "", port = "0"] = args;
  let said = "";
  const sock = connect({ host, port: Number(port), timeout: 3000 });
  const done = (r: object) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    sock.destroy();
  };
  sock.on("data", (b) => (said += b.toString()));
  sock.on("end", () => done({ ok: true, seen: said.trim() }));
  sock.on("timeout", () => done({ ok: false, code: "ETIMEDOUT" }));
  sock.on("error", (err: NodeJS.ErrnoException) => done({ ok: false, code: err.code ?? err.message }));
} else if (mode === "hold") {
  const [host = "", port = "0", n = "1"] = args;
  const results = await Promise.all(
    Array.from(
      { length: Number(n) },
      () =>
        new Promise<{ ok: boolean; sock: ReturnType<typeof connect> }>((resolve) => {
          const sock = connect({ host, port: Number(port), timeout: 3000 });
          sock.once("connect", () => resolve({ ok: true, sock }));
          sock.once("timeout", () => resolve({ ok: false, sock }));
          sock.once("error", () => resolve({ ok: false, sock }));
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const opened = results.filter((r) => r.ok).length;
  process.stdout.write(`${JSON.stringify({ opened, failed: results.length - opened })}\n`);
  for (const r of results) r.sock.destroy();
} else {
  process.stderr.write("usage: tcpProbe.ts serve PORT[:hold]… | connect HOST PORT | hold HOST PORT N\n");
  process.exit(2);
}
