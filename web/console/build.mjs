// Builds the console into one directory (default ../../internal/console/dist,
// which is committed and embedded in the binary): app.js bundled and
// minified by esbuild from src/main.js, with index.html and style.css copied.
// The output depends only on src/ and the pinned packages of
// package-lock.json, so internal/console's TestBuildIsCurrent can rebuild it
// and compare byte for byte.
//
//   node build.mjs [outdir]
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, "../../internal/console/dist"));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  absWorkingDir: here,
  entryPoints: ["src/main.js"],
  outfile: join(out, "app.js"),
  bundle: true,
  minify: true,
  format: "iife",
  platform: "browser",
  target: ["es2022"],
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
});
for (const f of ["index.html", "style.css"]) {
  copyFileSync(join(here, "src", f), join(out, f));
}
