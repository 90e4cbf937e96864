// A static host for a built archive on loopback, for the browser tests and benches: files by
// path (a folder's index.html), the archive's 404.html with status 404 for anything else,
// and with `gzip: true` every body gzip-compressed (level 6) as a web host would send it.
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, normalize } from "node:path";
import { gzipSync } from "node:zlib";

const TYPES = { html: "text/html; charset=utf-8", css: "text/css", js: "text/javascript", svg: "image/svg+xml", json: "application/json", ico: "image/x-icon" };

export async function serveStatic(root, { gzip = false } = {}) {
  const server = createServer((req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (path.endsWith("/")) path += "index.html";
    const file = join(root, path);
    const found = existsSync(file) && statSync(file).isFile();
    const missing = join(root, "404.html");
    const body = found ? readFileSync(file) : existsSync(missing) ? readFileSync(missing) : Buffer.alloc(0);
    const headers = { "content-type": found ? TYPES[path.split(".").pop()] || "application/octet-stream" : TYPES.html };
    if (gzip) headers["content-encoding"] = "gzip";
    res.writeHead(found ? 200 : 404, headers);
    res.end(gzip ? gzipSync(body, { level: 6 }) : body);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}
