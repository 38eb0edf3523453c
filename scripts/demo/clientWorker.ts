/**
 * Runs inside the demo's client namespace and makes its HTTP requests there (through the
 * tunnel). Reads one JSON request per line on stdin, answers one JSON line on stdout:
 *   {"id":1,"op":"fetch","url":"…"}              → {"id":1,"bytes":N}
 *   {"id":2,"op":"json","url":"…","body":{…}}   → {"id":2,"status":200,"body":{…}}   (POST when body is given)
 * Errors answer {"id":…,"error":"…"}. Holds no keys: vouchers arrive signed.
 */
import { createInterface } from "node:readline";

interface Request {
  id: number;
  op: "fetch" | "json";
  url: string;
  body?: unknown;
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  void (async () => {
    const req = JSON.parse(line) as Request;
    try {
      if (req.op === "fetch") {
        const r = await fetch(req.url, { signal: AbortSignal.timeout(15_000) });
        const bytes = (await r.arrayBuffer()).byteLength;
        process.stdout.write(JSON.stringify({ id: req.id, bytes }) + "\n");
      } else {
        const init: RequestInit =
          req.body === undefined
            ? {}
            : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(req.body) };
        const r = await fetch(req.url, { ...init, signal: AbortSignal.timeout(10_000) });
        const body: unknown = await r.json().catch(() => null);
        process.stdout.write(JSON.stringify({ id: req.id, status: r.status, body }) + "\n");
      }
    } catch (err) {
      process.stdout.write(JSON.stringify({ id: req.id, error: (err as Error).message }) + "\n");
    }
  })();
});
