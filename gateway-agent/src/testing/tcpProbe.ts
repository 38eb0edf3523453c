/**
 * A tiny TCP tool for data-plane tests, run inside a network namespace
 * (`ip netns exec NS node tcpProbe.ts …`):
 *   serve PORT…        listen on every address; each connection is answered with the
 *                      caller's address and closed (the test reads who the server saw);
 *   connect HOST PORT  connect with a 3 s timeout and print one JSON line:
 *                      {"ok":true,"seen":"198.51.100.1"} or {"ok":false,"code":"ECONNREFUSED"}.
 */
import { connect, createServer } from "node:net";

const [mode, ...args] = process.argv.slice(2);

if (mode === "serve") {
  for (const port of args) {
    createServer((sock) => sock.end(`${(sock.remoteAddress ?? "").replace(/^::ffff:/, "")}\n`)).listen(
      Number(port),
      "::",
    );
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
} else {
  process.stderr.write("usage: tcpProbe.ts serve PORT… | connect HOST PORT\n");
  process.exit(2);
}
