// Reads lines of text on stdin and prints, for each, the stems the browser's analysis
// gives (theme/static/porter2.js and analyze.js, run as a page runs them), space-separated.
import fs from "node:fs";
import vm from "node:vm";

const stat = new URL("../../theme/static/", import.meta.url);
for (const file of ["porter2.js", "analyze.js"]) {
  vm.runInThisContext(fs.readFileSync(new URL(file, stat), "utf8"), { filename: file });
}
const lines = fs.readFileSync(0, "utf8").split("\n");
if (lines[lines.length - 1] === "") lines.pop();
process.stdout.write(lines.map((l) => globalThis.hindsightAnalyze.stems(l).join(" ")).join("\n") + "\n");
